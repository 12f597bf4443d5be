"""With the default fills (scan price, no spread or slippage, taker fee 0.05%, no funding) the whole
pipeline must match a plain reference loop trade for trade (SPEC 5, "Default fills").

The reference loop uses the engine's per-scan path (the simulator uses the batch path), keeps its
own slot and wallet in Decimal, and books fees and PnL by hand; the simulator goes through the
feed, simpy, the venue link, the venue's matching, margin and ledger. Any disagreement in entry,
exit, quantity, price, fee or final wallet fails the test.
"""
from __future__ import annotations

from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from exchange_mock import Venue, to_venue_symbol
from exchange_mock.money import price_from_float
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource
from sim.scenario import parse_scenario
from sim.harness.simulate import simulate
from violet_engine import Decision, DecisionEngine, Reject
from violet_engine.execution_policy import entry_quantity
from violet_engine.exits import ExitConfig, ExitEngine

TAKER = Decimal("0.0005")
N_SCANS = 15000
SEED = 5


def reference_loop(config: SyntheticConfig, seed: int, capital: Decimal) -> tuple[list[dict], Decimal]:
    venue = Venue()  # only to read the contract table the simulator's venue uses
    engine = DecisionEngine()
    exits = ExitEngine(ExitConfig())
    wallet = capital
    pos: dict | None = None
    trades: list[dict] = []
    for batch in SyntheticScanSource(config, seed=seed).batches():
        for i in range(len(batch)):
            scan = batch.row(i)
            out = engine.decide(scan, capital=float(wallet))
            if isinstance(out, Reject):
                continue
            if pos is not None:
                pos["held"] += 1
                price = scan["prices"][pos["asset"]]
                reason = exits.check(float(pos["entry"]), price, pos["held"], scan["ts_ms"] - pos["entry_ts"])
                if reason is not None:
                    exit_px = price_from_float(price, pos["tick"])
                    fee = exit_px * pos["qty"] * TAKER
                    wallet += (pos["entry"] - exit_px) * pos["qty"] - fee
                    trades.append({**pos, "exit_ts": scan["ts_ms"], "exit": exit_px, "reason": reason.value,
                                   "exit_fee": fee})
                    pos = None
            if isinstance(out, Decision) and pos is None:
                symbol = to_venue_symbol(out.asset)
                c = venue.contracts(symbol=symbol)["data"][0]
                tick = Decimal(1).scaleb(-c["pricePrecision"])
                price = scan["prices"][out.asset]
                # sized for the wallet after any exit on this same scan, as the simulator does
                qty = entry_quantity(out.notional_at(float(wallet)), Decimal(repr(price)), Decimal(1).scaleb(-c["quantityPrecision"]),
                                     Decimal(c["tradeMinQuantity"]), Decimal(c["tradeMinUSDT"]))
                if qty is None:
                    continue
                entry = price_from_float(price, tick)
                fee = entry * qty * TAKER
                wallet -= fee
                pos = {"asset": out.asset, "symbol": symbol, "entry_ts": scan["ts_ms"], "entry": entry,
                       "qty": qty, "tick": tick, "held": 0, "entry_fee": fee}
    return trades, wallet


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], Decimal, list[dict], dict]:
    config = SyntheticConfig(n_scans=N_SCANS)
    ref_trades, ref_wallet = reference_loop(config, SEED, Decimal(10000))
    scenario = parse_scenario({"name": "reference", "seed": SEED,
                               "data": {"kind": "synthetic", "config": config.model_dump(), "batch_size": 997}},
                              "reference")
    out = tmp_path_factory.mktemp("run")
    summary = simulate(scenario, out_dir=out).summary
    sim_trades = pq.read_table(out / "trades.parquet").to_pylist()
    return ref_trades, ref_wallet, sim_trades, summary


def test_enough_trades_to_mean_something(both):
    ref_trades, _, sim_trades, _ = both
    assert len(ref_trades) >= 20
    assert len(sim_trades) == len(ref_trades)


def test_trade_for_trade(both):
    ref_trades, _, sim_trades, _ = both
    for ref, got in zip(ref_trades, sim_trades):
        assert (got["entry_ts_ms"], got["exit_ts_ms"], got["symbol"], got["exit_reason"]) == \
            (ref["entry_ts"], ref["exit_ts"], ref["symbol"], ref["reason"])
        assert got["quantity"] == ref["qty"]
        assert got["entry_price"] == ref["entry"]
        assert got["exit_price"] == ref["exit"]
        assert got["fees"] == ref["entry_fee"] + ref["exit_fee"]
        assert got["pnl"] == (ref["entry"] - ref["exit"]) * ref["qty"] - ref["entry_fee"] - ref["exit_fee"]
        assert got["bars_held"] == ref["held"]


def test_final_wallet_to_the_last_digit(both):
    ref_trades, ref_wallet, _, summary = both
    assert Decimal(summary.final_wallet) == ref_wallet
