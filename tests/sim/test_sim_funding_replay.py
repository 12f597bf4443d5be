"""The done-when check of recorded funding: freqtrade's own XRP/USDT perpetual files (5m candles,
1h marks, 8h funding stamped a few ms late), imported with one command and replayed; every
settlement the position was open for is booked once, at rate x notional at the mark, each payment
equal to the last digit to one computed here from the files alone (rates from the feather file,
marks from the archive, the position from the fills journal). Under the previous rule (the last row
at or before the settlement) 3 of the 12 settlements this run holds differ: 2021-11-18 00:00 is not
paid (its row is stamped 17 ms late), 11-20 00:00 and 11-21 08:00 get the previous rate."""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.errors import ScenarioError
from sim.harness.simulate import simulate
from sim.scans.candles import market_data_root
from sim.scenario.load import parse_scenario

XRP = "E_freqtrade_testdata/xrp_usdt_perp_2021-11/freqtrade_layout"
EIGHT_HOURS = 8 * 3_600_000
TICK = Decimal("0.00001")  # XRP-USDT pricePrecision 5


def _recorded_rates(folder: Path) -> dict[int, Decimal]:
    """Settlement time -> rate, each row on the 8 h settlement nearest its stamp (0-19 ms late in this file: 59 of 91 rows)."""
    table = feather.read_table(str(folder / "XRP_USDT_USDT-8h-funding_rate.feather"))
    stamps = table.column("date").cast(pa.timestamp("ms", tz="UTC")).cast(pa.int64()).to_pylist()
    out = {}
    for ts, rate in zip(stamps, table.column("open").to_pylist()):
        settle = round(ts / EIGHT_HOURS) * EIGHT_HOURS
        assert 0 <= ts - settle <= 19
        out[settle] = Decimal(repr(rate))
    return out


def _marks(archive: Path) -> list[tuple[int, Decimal]]:
    table = pq.read_table(str(archive), columns=["ts_ms", "m.XRPUSDT"])
    # a published price on the tick, half-even (freqtrade stores 1.2065 as 1.2065000000000001)
    return [(t, Decimal(repr(m)).quantize(TICK, ROUND_HALF_EVEN))
            for t, m in zip(table.column(0).to_pylist(), table.column(1).to_pylist())]


def _position_at(fills: pa.Table, ts: int) -> Decimal:
    """Signed position (short < 0) from every fill before ``ts``."""
    qty = Decimal(0)
    for t, side, q in zip(fills.column("ts_ms").to_pylist(), fills.column("side").to_pylist(),
                          fills.column("quantity").to_pylist()):
        if t < ts:
            qty += Decimal(str(q)) if side == "BUY" else -Decimal(str(q))
    return qty


def test_freqtrade_xrp_replay_pays_rate_x_notional_at_the_mark_for_every_settlement(tmp_path: Path) -> None:
    folder = market_data_root() / XRP
    if not folder.is_dir():
        pytest.skip(f"{folder} not available")
    archive = tmp_path / "xrp.parquet"
    done = CliRunner().invoke(main, ["scans", "from-candles", "--candles", str(folder), "--marks", str(folder),
                                     "--funding", str(folder), "--interval", "5m", "--out", str(archive)])
    assert done.exit_code == 0, done.stderr
    scenario = parse_scenario({"name": "xrp_funding", "seed": 1, "data": {"kind": "parquet", "path": str(archive)},
                               "engine": {"selector": {"lookback": 3},
                                          "exits": {"take_profit": 0.5, "stop_loss": 0.5, "max_hold_scans": 400}}},
                              "test")
    result = simulate(scenario, out_dir=tmp_path / "run")
    assert result.passed
    rates, marks, fills = _recorded_rates(folder), _marks(archive), result.table("fills")
    assert result.facts.funding["symbols"]["XRP-USDT"] == {
        "interval_hours": 8, "from": "recorded stamps", "rows": 91, "rows_matched": 91, "rows_unmatched": 0,
        "recorded_from_ms": 1_637_193_600_000, "recorded_to_ms": 1_639_785_600_000}
    paid = {int(r["time"]): Decimal(r["income"]) for r in
            result.venue.income(incomeType="FUNDING_FEE", limit=1000)["data"]}
    expected = {}
    first, last = marks[0][0], marks[-1][0]
    for settle in range((first // EIGHT_HOURS + 1) * EIGHT_HOURS, last + 1, EIGHT_HOURS):
        qty = _position_at(fills, settle)
        if qty and settle in rates:  # before the file's first row (11-18 00:00) the rate is 0: no payment
            mark = max((m for m in marks if m[0] <= settle), key=lambda m: m[0])[1]
            expected[settle] = -qty * mark * rates[settle]
    print(f"{len(expected)} settlements verified: {sorted(expected.items())}")
    assert len(expected) >= 8          # the run holds a position over most settlements of the window
    assert paid == expected            # each payment to the last digit, none lost, none extra
    assert sum(1 for s in expected if rates[s] != rates.get(s - EIGHT_HOURS)) >= 1  # a rate change is met


def test_a_scenario_tunes_the_recorded_series_in_its_venue_block() -> None:
    from sim.harness.simulate import venue_config
    from sim.rng import RngStreams

    recorded = {"XRPUSDT": [(1_637_193_600_017, 0.0001), (1_637_222_400_007, 0.00012)]}
    raw = {"name": "t", "data": {"kind": "synthetic"}, "venue": {"funding": {"kind": "series", "tolerance_ms": 10}}}
    funding = venue_config(parse_scenario(raw, "t"), recorded, RngStreams(0)).funding
    # the source's rows stay; the 17 ms late row is outside 10 ms and is reported, not used
    assert funding.tolerance_ms == 10 and funding.default_rate == 0
    assert funding.rate_at("XRP-USDT", 1_637_193_600_000) == 0
    assert funding.rate_at("XRP-USDT", 1_637_222_400_000) == Decimal("0.00012")
    assert funding.describe()["symbols"]["XRP-USDT"]["rows_unmatched"] == 1
    with pytest.raises(ScenarioError, match="venue.funding.*tolerance_ms 18000000 must be under half"):
        parse_scenario({**raw, "venue": {"funding": {"kind": "series", "tolerance_ms": 5 * 3_600_000}}}, "t")
