"""``violet-sim scans``: the commands work, and every failure is one line with exit code 2."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.scans.archive import ParquetScanSource


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scans", *args])
    return result.exit_code, result.stdout, result.stderr


def test_generate_then_info(tmp_path: Path) -> None:
    out = tmp_path / "s.parquet"
    code, stdout, _ = _run("generate", "--out", str(out), "--scans", "1200", "--assets", "5", "--seed", "3",
                           "--edge", "0", "--batch-size", "500")
    assert code == 0 and "1200 scans x 15 assets" in stdout
    source = ParquetScanSource(out)
    assert source.num_scans == 1200 and '"edge": 0.0' in source.provenance
    code, stdout, _ = _run("info", str(out))
    assert code == 0
    assert "scans: 1200" in stdout and "span: 2026-01-01T00:00:00Z .. 2026-01-01T01:39:55Z" in stdout
    assert "seed: 3" in stdout


def test_from_candles(tmp_path: Path, market_root: Path) -> None:
    out = tmp_path / "b.parquet"
    code, stdout, _ = _run("from-candles", "--dataset", "B", "--assets", "XLMUSDT,ETHUSDT", "--start",
                           "2023-07-13", "--end", "2023-07-14", "--out", str(out), "--data-root", str(market_root))
    assert code == 0 and "1440 scans x 2 assets" in stdout and "funding for 2 assets" in stdout
    assert set(ParquetScanSource(out).funding) == {"ETHUSDT", "XLMUSDT"}


@pytest.mark.parametrize("args", [
    ["generate", "--out", "x.parquet", "--scans", "abc"],
    ["generate", "--out", "x.parquet", "--scans", "0"],
    ["generate", "--scans", "10"],
    ["generate", "--out", "x.parquet", "--bogus"],
    ["from-candles", "--dataset", "Z", "--out", "x.parquet"],
    ["from-candles", "--dataset", "B", "--out", "x.parquet", "--data-root", "no/such/dir"],
    ["from-candles", "--dataset", "B", "--out", "x.parquet", "--start", "yesterday"],
    ["info", "no/such/file.parquet"],
    ["nonsense"],
])
def test_bad_arguments_exit_2_with_one_line(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = _run(*args)
    assert code == 2
    assert stdout == ""
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("error: ")
    assert "Traceback" not in stderr
