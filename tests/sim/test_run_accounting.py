"""Every run ends with its accounting identity checked: the ledger's lines and the journaled trades
both give the final wallet, and every fill's price, quantity and realized PnL agree.

The venue's own reconciliation proves wallet = deposits + entries and that fills and ledger agree
with each other; it cannot see a ledger line no trade explains, nor a fill whose PnL its price does
not give. These runs tamper with the venue's books in exactly those two ways.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import sim.harness.simulate as simulate_module
from exchange_mock import Venue
from exchange_mock.enums import IncomeType, Liquidity
from exchange_mock.ledger import LedgerEntry
from sim.harness.simulate import simulate
from sim.observe.invariants import Invariant
from sim.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
CLOSED_AT_END = {"name": "accounting_small", "seed": 4, "end_of_data": "close",
                 "data": {"kind": "synthetic", "config": {"n_scans": 3000, "n_assets": 8}}}
CENT = Decimal("0.01")


def test_the_squeeze_run_adds_up_and_its_liquidation_fill_agrees(tmp_path: Path):
    result = simulate(load_scenario(ROOT / "scenarios" / "squeeze_2023-07-13.yaml"), out_dir=tmp_path)
    s, a = result.summary, result.summary.facts.accounting
    assert result.passed and s.breaches == [] and s.liquidations == 1
    trades = pq.read_table(tmp_path / "trades.parquet").to_pylist()
    fills = pq.read_table(tmp_path / "fills.parquet").to_pylist()
    assert Decimal(a["trades_pnl"]) == sum((t["pnl"] for t in trades), Decimal(0))
    assert Decimal(a["final_wallet"]) == Decimal(s.final_wallet) \
        == Decimal(a["initial"]) + Decimal(a["trades_pnl"]) + Decimal(a["open_booked"]) \
        == Decimal(a["initial"]) + Decimal(a["realized"]) + Decimal(a["funding"]) - Decimal(a["fees"]) \
        + Decimal(a["insurance"])
    # Short 4,124 XLM at 0.09715 (cost 400.6466), liquidated at the bankruptcy price 0.129444814379:
    # 400.6466 - 4,124 x 0.129444814379 = 400.6466 - 533.830414498996 = -133.183814498996.
    (liq,) = [f for f in fills if f["liquidity"] == "LIQUIDATION"]
    assert liq["price"] == Decimal("0.129444814379") and liq["quantity"] == 4124
    assert liq["realized_pnl"] == Decimal("-133.183814498996") == Decimal("400.6466") - 4124 * liq["price"]


def test_a_flat_run_is_explained_by_its_trades_alone():
    result = simulate(parse_scenario(CLOSED_AT_END, "small.yaml"))
    a = result.summary.facts.accounting
    assert result.passed and result.summary.facts.open_at_end is None and result.summary.trades > 0
    assert Decimal(a["open_booked"]) == 0
    assert Decimal(a["final_wallet"]) == Decimal(a["initial"]) + Decimal(a["trades_pnl"])


CROSS_GAP = {"name": "cross_bad_debt", "seed": 5, "execution": {"margin_type": "CROSSED"},
             "data": {"kind": "synthetic", "config": {"n_scans": 1500, "n_assets": 16}},
             "engine": {"exits": {"take_profit": 0.5, "stop_loss": 0.9, "max_hold_scans": 100000}},
             "faults": [{"kind": "price_gap", "through": "liquidation", "rate": 0.002, "size": 4.0}]}


def test_a_cross_liquidation_with_bad_debt_loses_the_account_and_no_more(tmp_path: Path):
    # The one trade is a cross short caught by a +400% gap: the loss at the mark is more than
    # twice the 10,000 USDT account; the fund covers the rest. The trade's pnl is the whole
    # account (its entry fee included), not the mark's loss.
    result = simulate(parse_scenario(CROSS_GAP, "cross.yaml"), out_dir=tmp_path)
    s, a = result.summary, result.summary.facts.accounting
    (trade,) = pq.read_table(tmp_path / "trades.parquet").to_pylist()
    (liq,) = [f for f in pq.read_table(tmp_path / "fills.parquet").to_pylist() if f["liquidity"] == "LIQUIDATION"]
    assert result.passed and s.breaches == [] and s.liquidations == 1 and trade["exit_reason"] == "LIQUIDATION"
    assert trade["pnl"] == Decimal(-10000) and Decimal(s.final_wallet) == 0
    assert trade["insurance"] == Decimal(a["insurance"]) > 10000
    assert trade["pnl"] == liq["realized_pnl"] - trade["fees"] + trade["funding"] + trade["insurance"]
    assert Decimal(a["trades_pnl"]) == Decimal(-10000) and Decimal(a["open_booked"]) == 0


class _TamperedVenue(Venue):
    """The real venue, whose books are altered once, after the first fill, by ``tamper``."""

    tamper = staticmethod(lambda venue, ts_ms: None)

    def __init__(self, config) -> None:
        super().__init__(config)
        self.tampered = False

    def advance(self, ts_ms, prices, marks=None, extremes=None):
        events = super().advance(ts_ms, prices, marks, extremes)
        if not self.tampered and self.fills:
            self.tampered = type(self).tamper(self, ts_ms)
        return events


def _run_tampered(monkeypatch: pytest.MonkeyPatch, tamper) -> object:
    venue_class = type("Tampered", (_TamperedVenue,), {"tamper": staticmethod(tamper)})
    monkeypatch.setattr(simulate_module, "Venue", venue_class)
    return simulate(parse_scenario(CLOSED_AT_END, "small.yaml"))


def _phantom_cover(venue: Venue, ts_ms: int) -> bool:
    """An insurance cover no liquidation explains, stamped before any trade began."""
    first = venue.fills[0]
    venue.ledger.post(LedgerEntry(1, first.ts_ms - 1, first.symbol, IncomeType.INSURANCE_CLEAR, CENT, "", 0))
    return True


def _richer_fill(venue: Venue, ts_ms: int) -> bool:
    """A closing fill booked a cent richer than its price gives, fill and ledger alike."""
    for i, f in enumerate(venue.fills):
        if f.realized_pnl and f.liquidity != Liquidity.LIQUIDATION:
            venue.fills[i] = dataclasses.replace(f, realized_pnl=f.realized_pnl + CENT)
            venue.ledger.post(LedgerEntry(2, ts_ms, f.symbol, IncomeType.REALIZED_PNL, CENT, "", f.trade_id))
            return True
    return False


def test_a_ledger_line_no_trade_explains_fails_the_run(monkeypatch: pytest.MonkeyPatch):
    result = _run_tampered(monkeypatch, _phantom_cover)
    s = result.summary
    assert s.facts.ledger_reconciled  # the venue's own books still add up
    assert not result.passed
    assert {b.invariant for b in s.breaches} == {Invariant.ACCOUNTING_IDENTITY}
    details = [b.detail for b in s.breaches]
    assert any("insurance on the trades 0 != the ledger's 0.01" in d for d in details)
    a = s.facts.accounting
    assert Decimal(a["final_wallet"]) - Decimal(a["initial"]) - Decimal(a["trades_pnl"]) == CENT


def test_a_fill_whose_price_does_not_give_its_pnl_fails_the_run(monkeypatch: pytest.MonkeyPatch):
    result = _run_tampered(monkeypatch, _richer_fill)
    s = result.summary
    assert s.facts.ledger_reconciled and not result.passed
    breached = [b for b in s.breaches if b.invariant == Invariant.FILL_PNL_AGREES]
    assert len(breached) == 1 and "its price and quantity give" in breached[0].detail
