"""Funding: settlements at 00:00, 08:00 and 16:00 UTC, position value at the mark, signs, and where
the money goes (isolated: the position margin; cross: the balance)."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from venue_kit import BTC, EIGHT_HOURS, T0, make_venue, market

from exchange_mock import FundingSettlement

NEXT = 1_700_006_400_000  # first settlement after T0


def funding_events(events):
    return [e for e in events if isinstance(e, FundingSettlement)]


def test_settlement_times_are_00_08_16_utc(venue):
    times = [datetime.fromtimestamp((NEXT + k * EIGHT_HOURS) / 1000, tz=timezone.utc) for k in range(3)]
    assert [(t.hour, t.minute, t.second) for t in times] == [(0, 0, 0), (8, 0, 0), (16, 0, 0)]
    assert venue.premium_index(symbol=BTC)["data"] == {
        "symbol": BTC, "markPrice": "60000.0", "indexPrice": "60000.0",
        "lastFundingRate": "0.0001", "nextFundingTime": NEXT,
    }


def test_short_receives_funding_at_positive_rate_into_its_margin():
    venue, prices = make_venue()
    venue.set_leverage(symbol=BTC, side="BOTH", leverage="3")
    market(venue, "SELL", "0.1")
    assert funding_events(venue.advance(NEXT - 1, prices)) == []
    prices[BTC] = 61000.0
    (event,) = funding_events(venue.advance(NEXT, prices))
    # position value at the mark: 0.1 x 61,000 = 6,100; x 0.0001 = 0.61, paid by longs to shorts
    assert event.amount == Decimal("0.61") and event.ts_ms == NEXT and event.mark_price == Decimal("61000")
    assert venue.positions()["data"][0]["margin"] == "2000.61"
    (entry,) = [e for e in venue.ledger.entries if e.income_type == "FUNDING_FEE"]
    assert entry.amount == Decimal("0.61") and entry.ts_ms == NEXT
    assert venue.income(incomeType="FUNDING_FEE")["data"][0]["income"] == "0.61"
    assert venue.reconcile().ok


def test_long_pays_and_negative_rate_reverses():
    venue, prices = make_venue(funding={"kind": "constant", "rate": "-0.0003"})
    market(venue, "BUY", "0.1")
    (event,) = funding_events(venue.advance(NEXT + 5, prices))
    assert event.amount == Decimal("1.8")  # longs receive when the rate is negative
    venue2, prices2 = make_venue()
    market(venue2, "BUY", "0.1")
    assert funding_events(venue2.advance(NEXT, prices2))[0].amount == Decimal("-0.6")


def test_every_crossed_settlement_is_booked_once():
    venue, prices = make_venue()
    market(venue, "SELL", "0.1")
    events = funding_events(venue.advance(NEXT + 2 * EIGHT_HOURS + 1, prices))
    assert [e.ts_ms for e in events] == [NEXT, NEXT + EIGHT_HOURS, NEXT + 2 * EIGHT_HOURS]
    assert funding_events(venue.advance(NEXT + 2 * EIGHT_HOURS + 2, prices)) == []


def test_series_rates_apply_per_settlement():
    series = {BTC: [(NEXT - EIGHT_HOURS, 0.0001), (NEXT, -0.00025), (NEXT + EIGHT_HOURS, 0.0005)]}
    venue, prices = make_venue(funding={"kind": "series", "series": series})
    market(venue, "SELL", "0.1")
    amounts = [e.amount for e in funding_events(venue.advance(NEXT + EIGHT_HOURS, prices))]
    assert amounts == [Decimal("-1.5"), Decimal("3")]  # 6,000 x -0.00025 paid; 6,000 x 0.0005 received


def test_cross_funding_comes_from_the_balance():
    venue, prices = make_venue()
    venue.set_margin_type(symbol=BTC, marginType="CROSSED")
    market(venue, "BUY", "0.1")
    venue.advance(NEXT, prices)
    (pos,) = venue.positions()["data"]
    assert pos["margin"] == "1200"
    assert venue.ledger.balance == Decimal("10000") - Decimal("3") - Decimal("0.6")


def test_no_funding_without_a_position_at_settlement():
    venue, prices = make_venue()
    venue.advance(NEXT, prices)
    market(venue, "SELL", "0.1")
    assert funding_events(venue.advance(NEXT + EIGHT_HOURS - 1, prices)) == []


def test_series_accepts_the_data_symbol_names():
    venue, prices = make_venue(funding={"kind": "series", "series": {"BTCUSDT": [(NEXT, 0.0002)]}})
    market(venue, "SELL", "0.1")
    assert funding_events(venue.advance(NEXT, prices))[0].amount == Decimal("1.2")
