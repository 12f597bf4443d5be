"""Recorded funding as the exchange settled it: a rate stamped a few ms after its settlement is that
settlement's rate, a 4 h symbol settles every 4 h, and a settlement between two price updates uses
the mark in force at that instant."""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from exchange_mock import FundingSettlement, Venue, VenueConfig
from exchange_mock.models import SeriesFunding
from sim.scans.candle_files import load_kind
from sim.scans.candles import FUNDING_DIR, market_data_root

HOUR = 3_600_000
ANKR = "ANKR-USDT"
SETTLE = 1_690_358_400_000      # 2023-07-26 08:00:00 UTC; Binance stamped it 1690358400001


def _funding(events):
    return [e for e in events if isinstance(e, FundingSettlement)]


def _short(venue: Venue, symbol: str, qty: str) -> None:
    venue.place_order(symbol=symbol, side="SELL", positionSide="BOTH", type="MARKET", quantity=qty)


def _recorded(path: Path) -> list[tuple[int, str]]:
    with path.open() as fh:
        return [(int(r["ts_utc_ms"]), r["funding_rate"]) for r in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def ankr_rows() -> list[tuple[int, str]]:
    path = market_data_root() / FUNDING_DIR / "ANKRUSDT_funding.csv"
    if not path.is_file():
        pytest.skip(f"market data not found: {path}")
    return _recorded(path)


def test_a_late_stamped_binance_rate_is_its_own_settlements(ankr_rows):
    # the real file: 08:00 stamped 1 ms late at -0.00064876; the 00:00 before it was 0.00001311
    assert (SETTLE - 8 * HOUR, "1.311e-05") in ankr_rows and (SETTLE + 1, "-0.00064876") in ankr_rows
    venue = Venue(VenueConfig(funding={"kind": "series", "series": {"ANKRUSDT": ankr_rows}, "default_rate": "0"}))
    prices = {ANKR: 0.02484}  # the 07:55 candle's close = the 08:00 mark candle's open
    venue.advance(SETTLE - 5 * 60_000, prices)
    _short(venue, ANKR, "10000")
    (event,) = _funding(venue.advance(SETTLE, prices))
    assert (event.ts_ms, event.rate, event.mark_price) == (SETTLE, Decimal("-0.00064876"), Decimal("0.02484"))
    # 10,000 x 0.02484 = 248.4 USDT short at -0.00064876: the short pays 248.4 x 0.00064876
    assert event.amount == Decimal("-0.161151984")


def test_a_recorded_row_off_its_settlement_by_more_than_the_tolerance_is_not_used(ankr_rows):
    strict = SeriesFunding(series={"ANKRUSDT": ankr_rows}, default_rate="0", tolerance_ms=0)
    assert strict.rate_at(ANKR, SETTLE) == Decimal("0")
    assert strict.describe()["symbols"][ANKR]["rows_unmatched"] > 0
    assert SeriesFunding(series={"ANKRUSDT": ankr_rows}).rate_at(ANKR, SETTLE) == Decimal("-0.00064876")


def test_the_tolerance_is_configurable_and_validated():
    cfg = VenueConfig(funding={"kind": "series", "tolerance_ms": 29 * 60_000, "intervals": {"BTCUSDT": 1}})
    assert cfg.funding.tolerance_ms == 29 * 60_000 and cfg.funding.describe()["tolerance_ms"] == 29 * 60_000
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        VenueConfig(funding={"kind": "series", "tolerance_ms": -1})
    for bad in (30 * 60_000, 4 * HOUR):  # a row would belong to two settlements of the 1 h symbol
        with pytest.raises(ValidationError, match="under half the shortest funding interval"):
            VenueConfig(funding={"kind": "series", "tolerance_ms": bad, "intervals": {"BTCUSDT": 1}})


# A 4 h symbol in Binance's own fundingRate CSV layout, settlements stamped 1-14 ms late.
FOUR_H_START = 1_735_689_600_000  # 2025-01-01 00:00 UTC
FOUR_H_RATES = ("0.00010000", "0.00023411", "-0.00015020", "0.00050000", "0.00007125", "-0.00100000", "0.00012345")
FOUR_H_LATE_MS = (3, 14, 1, 7, 12, 2, 5)


@pytest.fixture
def four_hour_file(tmp_path: Path) -> Path:
    path = tmp_path / "ZROUSDT-fundingRate-2025-01.csv"
    rows = [f"{FOUR_H_START + k * 4 * HOUR + late},4,{rate}"
            for k, (rate, late) in enumerate(zip(FOUR_H_RATES, FOUR_H_LATE_MS))]
    path.write_text("calc_time,funding_interval_hours,last_funding_rate\n" + "\n".join(rows) + "\n")
    return path


def test_a_4h_symbol_settles_every_4h_at_its_recorded_rates(four_hour_file):
    series, _ = load_kind([four_hour_file], "funding")
    rows = list(zip(series["ZROUSDT"].ts_ms.tolist(), series["ZROUSDT"].values.tolist()))
    cfg = VenueConfig(funding={"kind": "series", "series": {"ZROUSDT": rows}, "default_rate": "0"},
                      templates={"ZRO-USDT": Decimal("5")})
    venue = Venue(cfg)
    prices = {"ZRO-USDT": 5.0}
    venue.advance(FOUR_H_START - 60_000, prices)
    _short(venue, "ZRO-USDT", "100")
    events = _funding(venue.advance(FOUR_H_START + 24 * HOUR, prices))
    # every settlement of the day (00, 04, ..., 20 and the next 00:00): none lost, each its own rate
    assert [e.ts_ms for e in events] == [FOUR_H_START + k * 4 * HOUR for k in range(7)]
    assert [e.rate for e in events] == [Decimal(r).normalize() for r in FOUR_H_RATES]
    # 100 x 5 = 500 USDT short: receives 500 x rate
    assert [e.amount for e in events] == [Decimal("0.05"), Decimal("0.117055"), Decimal("-0.0751"),
                                          Decimal("0.25"), Decimal("0.035625"), Decimal("-0.5"), Decimal("0.061725")]
    plan = cfg.funding.describe()["symbols"]["ZRO-USDT"]
    assert plan == {"interval_hours": 4, "from": "recorded stamps", "rows": 7, "rows_matched": 7, "rows_unmatched": 0,
                    "recorded_from_ms": FOUR_H_START, "recorded_to_ms": FOUR_H_START + 24 * HOUR}


def test_symbols_keep_their_own_interval_side_by_side():
    funding = SeriesFunding(series={"BTCUSDT": [(k * 8 * HOUR + 9, "0.0001") for k in range(4)]},
                            intervals={"ETHUSDT": 1})
    assert funding.tick_ms == HOUR
    assert [funding.settles("BTC-USDT", t * HOUR) for t in (1, 4, 8)] == [False, False, True]
    assert [funding.settles("ETH-USDT", t * HOUR) for t in (1, 4, 8)] == [True, True, True]
    assert funding.settles("DOGE-USDT", 8 * HOUR) and not funding.settles("DOGE-USDT", 4 * HOUR)  # default 8 h


def test_a_settlement_between_two_updates_uses_the_mark_in_force_at_that_instant():
    venue = Venue(VenueConfig(funding={"kind": "constant", "rate": "0.0001"}))
    venue.advance(SETTLE - 60_000, {ANKR: 0.02484})
    _short(venue, ANKR, "10000")
    # the next update comes a minute after the settlement, with the price up 10%
    (event,) = _funding(venue.advance(SETTLE + 60_000, {ANKR: 0.027324}))
    assert event.mark_price == Decimal("0.02484") and event.amount == Decimal("0.02484")  # 248.4 x 0.0001
