"""The venue audited from the journal (SPEC 6): every fee, margin and trade PnL recomputed, and the
ledger, to the last digit, written from the venue's published rules, not from ``exchange_mock``.

- fee = quantity x price x rate (taker or maker, the contract's rate or the scenario's fee
  model), exact in Decimal;
- a trade's margin = its entry notional / exchange leverage, rounded up to 1e-8 USDT;
- a closing fill of a short realises (entry price - fill price) x quantity;
- a trade's PnL = realised - fees + funding + insurance (the fund's cover of a deficit it left);
  its fees = the fees of its fills;
- the wallet at the end = capital + the PnL of every trade (when flat at the end);
- every funding payment and the liquidation trigger, tier by tier on the mark (``venue_risk``).
Liquidation fills' prices are not recomputed here (the invariants own them).
"""
from __future__ import annotations

from decimal import ROUND_UP, Decimal
from typing import Any

from exchange_mock.contracts import Contract, load_contracts
from sim.certify.venue_risk import (LIQUIDATION, Audit, FundingPlan, Held, Marks, funding_payments,
                                    liquidation_trigger, recorded_funding, scan_marks)
from sim.scenario.schema import Scenario

MARGIN_QUANTUM = Decimal("1e-8")


def _rates(scenario: Scenario, contract: Contract) -> tuple[Decimal, Decimal]:
    """(maker, taker): the contract table's published rates, or the flat pair a scenario states."""
    fee = scenario.venue.fee
    if fee.kind == "flat":
        return fee.maker, fee.taker
    return contract.maker_fee, contract.taker_fee


def _fees(a: Audit, scenario: Scenario, contracts: dict[str, Contract], fills: list[dict[str, Any]]) -> None:
    for f in fills:
        contract = contracts.get(f["symbol"])
        if contract is None or f["liquidity"] == "LIQUIDATION":
            continue
        maker, taker = _rates(scenario, contract)
        want = f["quantity"] * f["price"] * (maker if f["liquidity"] == "MAKER" else taker)
        a.fills += 1
        if want != f["fee"]:
            a.problems.append(f"{a.run}: fill {f['trade_id']} fee {f['fee']} != {want}")


def _round_trips(fills: list[dict[str, Any]]) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """The fills of each position from its first sale until it is flat again, by (symbol, first ts)."""
    trips: dict[tuple[str, int], list[dict[str, Any]]] = {}
    open_trip: dict[str, list[dict[str, Any]]] = {}
    held: dict[str, Decimal] = {}
    for f in fills:
        s = f["symbol"]
        trip = open_trip.get(s)
        if trip is None:
            trip = open_trip[s] = trips.setdefault((s, f["ts_ms"]), [])
        trip.append(f)
        held[s] = held.get(s, Decimal(0)) + (f["quantity"] if f["side"] == "SELL" else -f["quantity"])
        if held[s] == 0:
            del open_trip[s]
    return trips


def _trade(a: Audit, t: dict[str, Any], mine: list[dict[str, Any]]) -> None:
    sells = [f for f in mine if f["side"] == "SELL"]
    if not sells or any(f["liquidity"] == "LIQUIDATION" for f in mine):
        return
    a.trades += 1
    where = f"{a.run}: trade entered {t['entry_ts_ms']}"
    notional = sum((f["quantity"] * f["price"] for f in sells), Decimal(0))
    margin = (notional / t["exchange_leverage"]).quantize(MARGIN_QUANTUM, rounding=ROUND_UP)
    fees = sum((f["fee"] for f in mine), Decimal(0))
    checks = [("margin", margin, t["margin"]), ("fees", fees, t["fees"]),
              ("pnl", sum((f["realized_pnl"] for f in mine), Decimal(0)) - fees + t["funding"] + t["insurance"],
               t["pnl"])]
    if len(sells) == 1:
        entry = sells[0]["price"]
        checks += [(f"realized of fill {f['trade_id']}", (entry - f["price"]) * f["quantity"], f["realized_pnl"])
                   for f in mine if f["side"] == "BUY"]
    for name, want, got in checks:
        if want != got:
            a.problems.append(f"{where}: {name} {got} != {want}")


def _risk(a: Audit, scenario: Scenario, t: dict[str, Any], mine: list[dict[str, Any]], plan: FundingPlan,
          marks: Marks, contract: Contract) -> None:
    """The trade's funding recomputed payment by payment, and its liquidation trigger."""
    signed = tuple((f["ts_ms"], f["quantity"] if f["side"] == "BUY" else -f["quantity"]) for f in mine)
    entries = [f for f in mine if f["side"] == mine[0]["side"]]
    held = Held(f"{a.run}: trade entered {t['entry_ts_ms']}", t["symbol"], signed,
                sum((f["quantity"] * f["price"] for f in entries), Decimal(0)), contract)
    payments = funding_payments(a, held, plan, marks)
    want = sum((p for _, p in payments), Decimal(0))
    if want != t["funding"]:
        a.problems.append(f"{held.where}: funding {t['funding']} != {want} over {len(payments)} settlement(s)")
    rule = scenario.venue.liquidation
    if (scenario.execution.margin_type != "ISOLATED" or rule.kind != "risk_ratio"
            or len(entries) != 1 or len(mine) != 2):
        a.not_audited += 1
        return
    liquidation_trigger(a, held, t["margin"], payments, marks, _rates(scenario, contract)[1],
                        rule.include_closing_fee, t["exit_reason"] == LIQUIDATION)


def _contracts(scenario: Scenario, templated: list[str], first: dict[str, float]) -> dict[str, Contract]:
    """The venue's contract table, with the template contracts the run derived from first prices."""
    templates = {s: Decimal(repr(first[s])) for s in templated if s in first}
    return load_contracts(scenario.venue.contracts_dir, templates or None)


def audit_run(name: str, scenario: Scenario, tables: dict[str, list[dict[str, Any]]], final_wallet: str,
              open_at_end: Any, funding: dict[str, Any], templated: list[str]) -> Audit:
    """``funding`` and ``templated``: what the run's summary states it settled and templated."""
    a = Audit(name)
    fills, trades = tables["fills"], tables["trades"]
    traded = sorted({t["symbol"] for t in trades})
    marks, first = scan_marks(scenario, [*traded, *templated]) if traded or templated else ({}, {})
    contracts = _contracts(scenario, templated, first)
    _fees(a, scenario, contracts, fills)
    trips = _round_trips(fills)
    plan = FundingPlan.of(funding, recorded_funding(scenario)) if traded else None
    for t in trades:
        mine = trips.get((t["symbol"], t["entry_ts_ms"]), [])
        _trade(a, t, mine)
        if plan is not None and mine and t["symbol"] in contracts:
            _risk(a, scenario, t, mine, plan, marks[t["symbol"]], contracts[t["symbol"]])
    if open_at_end is None:
        wallet = Decimal(repr(scenario.execution.capital)) + sum((t["pnl"] for t in trades), Decimal(0))
        if wallet != Decimal(final_wallet):
            a.problems.append(f"{name}: final wallet {final_wallet} != capital + trade PnL {wallet}")
    return a
