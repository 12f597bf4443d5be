"""Rebuild the scan archives bundled under ``scenarios/data`` (same bytes on every run).

    python -m sim.scans.bundle [OUT_DIR] [--data-root DIR] [--extremes]

Writes ``synthetic_sample.parquet`` (seeded, needs no data), ``squeeze_2023-07-13.parquet`` (folder
B) and ``crash_2021-05-19.parquet`` (folder C), and ``PROVENANCE.csv``: the header and the rows of
the market data's ``PROVENANCE.csv`` for every candle and funding file the real archives read.
The real archives carry the candles' highs and lows only with ``--extremes``: the shipped archives
(and the golden runs over them) were built without, and a rebuild must reproduce them.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from sim.scans.archive import write_archive
from sim.scans.candles import CandleScanSource, provenance_lines
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource

BUNDLE_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "data"
SYNTHETIC_FILE = "synthetic_sample.parquet"
SQUEEZE_FILE = "squeeze_2023-07-13.parquet"
CRASH_FILE = "crash_2021-05-19.parquet"
CRASH_ASSETS = (
    "AAVEUSDT", "ADAUSDT", "ATOMUSDT", "BCHUSDT", "BTCUSDT", "DOTUSDT", "EOSUSDT", "ETCUSDT", "ETHUSDT",
    "FILUSDT", "LINKUSDT", "LTCUSDT", "MATICUSDT", "SOLUSDT", "THETAUSDT", "UNIUSDT",
    "VETUSDT", "XLMUSDT", "XRPUSDT", "XTZUSDT",
)


def synthetic_sample() -> SyntheticScanSource:
    return SyntheticScanSource(SyntheticConfig(n_scans=20_000), seed=7)


def squeeze(data_root: Path | None = None, extremes: bool = False) -> CandleScanSource:
    """All 10 one-minute perps of folder B, 2023-07-12..14 (XLM +55% on the 13th), with funding."""
    return CandleScanSource("B", None, "2023-07-12", "2023-07-15", data_root=data_root, extremes=extremes)


def crash(data_root: Path | None = None, extremes: bool = False) -> CandleScanSource:
    """20 large spot pairs of folder C, 2021-05-17..20 (the May-19 crash)."""
    return CandleScanSource("C", CRASH_ASSETS, "2021-05-17", "2021-05-21", data_root=data_root, extremes=extremes)


def build(out_dir: Path = BUNDLE_DIR, data_root: Path | None = None, extremes: bool = False) -> list[Path]:
    """Write the bundled archives and their provenance rows (the real ones with the candles'
    highs and lows when ``extremes``); returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    synthetic = synthetic_sample()
    write_archive(out_dir / SYNTHETIC_FILE, synthetic.batches(), provenance=synthetic.provenance)
    written = [out_dir / SYNTHETIC_FILE]
    real = [(SQUEEZE_FILE, squeeze(data_root, extremes)), (CRASH_FILE, crash(data_root, extremes))]
    for name, source in real:
        write_archive(out_dir / name, source.batches(), with_marks=source.marks is not None,
                      provenance=source.provenance, funding=source.funding, with_extremes=source.has_extremes)
        written.append(out_dir / name)
    files = [f for _, source in real for f in source.files]
    (out_dir / "PROVENANCE.csv").write_text("".join(provenance_lines(real[0][1].root, files)))
    return written + [out_dir / "PROVENANCE.csv"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sim.scans.bundle", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=BUNDLE_DIR)
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--extremes", action="store_true", help="write the candles' highs and lows too")
    args = parser.parse_args(argv)
    for path in build(args.out_dir, args.data_root, args.extremes):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
