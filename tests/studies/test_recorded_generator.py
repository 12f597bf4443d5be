"""The recorded-trade generator: deterministic, internally consistent, and read back unchanged."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import numpy as np
import pyarrow.compute as pc

from sim.recorded.base_curve import base_conviction
from sim.recorded.generator import RecordedConfig, generate
from sim.recorded.tables import load_table, write_parquet
from sim.studies.trades import clean_trades
from violet_engine.constants import BASE_FRACTION, MAX_LEVERAGE, MIN_LEVERAGE


def test_same_seed_same_tables_other_seed_differs(recorded):
    again = generate(RecordedConfig())
    assert again.events.equals(recorded.events) and again.legs.equals(recorded.legs)
    assert again.planted == recorded.planted
    assert not generate(RecordedConfig(seed=1)).events.equals(recorded.events)


def test_counts_match_the_plan(recorded):
    p, c = recorded.planted, RecordedConfig()
    ids = recorded.events.column("trade_id").to_numpy(zero_copy_only=False)
    _, per_id = np.unique(ids, return_counts=True)
    assert (p.rows, p.trade_ids) == (c.trades + c.duplicate_rows, c.trades) == (ids.size, per_id.size)
    assert (per_id.max(), int((per_id > 1).sum())) == (c.max_rows_per_trade, p.multi_row_trade_ids)
    assert p.clean_trades == c.trades - c.hibernate_halts - c.zero_bar_others


def test_trades_are_internally_consistent(recorded):
    final = clean_trades(recorded.events).deduped  # one row per trade: its last emission
    leverage = final.column("leverage").to_numpy()
    notional = final.column("notional").cast("float64").to_numpy()
    capital = final.column("capital_before").cast("float64").to_numpy()
    np.testing.assert_allclose(notional, capital * BASE_FRACTION * leverage, rtol=1e-9)
    np.testing.assert_allclose(final.column("entry_price").to_numpy() * final.column("quantity").to_numpy(), notional)
    assert leverage.min() >= MIN_LEVERAGE * min(RecordedConfig().esof_bands) and leverage.max() <= MAX_LEVERAGE
    haircut = final.column("esof_mult").to_numpy() < 1.0  # haircut trades are never boosted
    assert (leverage[haircut] <= base_conviction(final.column("vel_div_entry").to_numpy())[haircut]).all()
    legs: dict[str, Decimal] = defaultdict(Decimal)
    for trade_id, pnl in zip(recorded.legs.column("trade_id").to_pylist(), recorded.legs.column("pnl").to_pylist()):
        legs[trade_id] += pnl
    assert legs == dict(zip(final.column("trade_id").to_pylist(), final.column("pnl").to_pylist()))


def test_clickhouse_and_parquet_give_back_the_same_table(recorded, recorded_dsn, tmp_path):
    write_parquet(recorded.events, recorded.legs, tmp_path)
    for source in (recorded_dsn, str(tmp_path)):
        assert load_table(source).equals(recorded.events)
        assert load_table(source, "trade_exit_legs").sort_by([("trade_id", "ascending"), ("leg", "ascending")]) \
            .equals(recorded.legs.sort_by([("trade_id", "ascending"), ("leg", "ascending")]))
    assert pc.sum(load_table(recorded_dsn).column("pnl")).as_py() == recorded.planted.raw_pnl
