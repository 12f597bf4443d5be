"""Every entry path opens its position with the decision's V4-capped conviction and leverage.

The maker policy has four ways to open a position: the post-only order filling at once, resting
and filling later (reported by the venue's stream), its market fallback after a post-only reject
(``vm``) and after a timeout (``vf``). All must carry the conviction the V4 cap left, which is
what the decisions table journals; a trade journaled at the raw conviction would size the
leverage and the daily figures from a number the operator capped.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import yaml

from sim.harness.simulate import simulate
from sim.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
CAP = 2.0


def _capped_maker_run(tmp_path: Path):
    raw = yaml.safe_load((ROOT / "scenarios" / "maker_post_only.yaml").read_text())
    raw["execution"]["v4"] = {"max_conviction": CAP}
    result = simulate(parse_scenario(raw, "maker_capped.yaml"), out_dir=tmp_path)
    return result, pq.read_table(tmp_path / "decisions.parquet").to_pylist(), \
        pq.read_table(tmp_path / "trades.parquet").to_pylist(), pq.read_table(tmp_path / "orders.parquet").to_pylist()


def test_every_trade_carries_the_capped_conviction_on_every_maker_path(tmp_path: Path):
    result, decisions, trades, orders = _capped_maker_run(tmp_path)
    assert result.passed and len(trades) >= 20
    entered = [d for d in decisions if d["action"] == "ENTER"]
    assert entered and max(d["conviction"] for d in entered) == CAP  # the cap binds on this data
    assert [t["conviction"] for t in trades if t["conviction"] > CAP] == []
    # Each trade's conviction is its own entry decision's (trades open in decision order).
    by_entry = {d["ts_ms"]: d["conviction"] for d in entered}
    for t in trades:
        decided = max(ts for ts in by_entry if ts <= t["entry_ts_ms"])
        assert t["conviction"] == by_entry[decided]


def test_the_fallback_paths_are_taken_in_that_run(tmp_path: Path):
    """The run above is only a test of the fallbacks if they happen: ``vm`` and ``vf`` orders."""
    _, _, _, orders = _capped_maker_run(tmp_path)
    prefixes = {o["client_order_id"][:2] for o in orders if o["purpose"] == "ENTRY" and o["side"] == "SELL"}
    assert {"ve", "vf"} <= prefixes


def test_an_uncapped_run_journals_the_raw_conviction(tmp_path: Path):
    result = simulate(load_scenario(ROOT / "scenarios" / "maker_post_only.yaml"), out_dir=tmp_path)
    decisions = pq.read_table(tmp_path / "decisions.parquet").to_pylist()
    trades = pq.read_table(tmp_path / "trades.parquet").to_pylist()
    entered = {d["conviction"] for d in decisions if d["action"] == "ENTER"}
    assert result.passed and {t["conviction"] for t in trades} <= entered and max(entered) > CAP
