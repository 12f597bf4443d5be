"""The recovery duties read off request traces: hand-built traces where each duty is met or
missed, and a real traced run whose journal hash is that of the same run untraced."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.certify.evidence import DrillRun, Evidence, Unavailable
from sim.certify.execution_checks import recovery_duties
from sim.certify.profile import RecoveryDutySpec
from sim.certify.recovery_duties import Duty, trace_duties
from sim.harness.simulate import simulate
from sim.journal.schema import ORDERS
from sim.observe.request_trace import REQUESTS, TRACE_FILE
from sim.scenario import load_scenario

DRILL = Path(__file__).resolve().parents[2] / "scenarios" / "certify" / "recovery_drill.yaml"


def _req(kind: str, code: int = 0, incarnation: int = 0, cid: str = "", oid: int = 0,
         listed: tuple[int, ...] = ()) -> dict:
    return {"sent_ms": 0, "answered_ms": 0, "incarnation": incarnation, "kind": kind, "symbol": "SYN01-USDT",
            "client_order_id": cid, "order_id": oid, "reduce_only": False, "code": code, "status": "",
            "open_order_ids": list(listed)}


def _trace(*rows: dict) -> pa.Table:
    return pa.Table.from_pylist([{"seq": i, **r} for i, r in enumerate(rows)], schema=REQUESTS)


def _order(cid: str, code: int, purpose: str = "ENTRY", status: str = "REJECTED", qty: str = "1",
           executed: str = "0", oid: int = 0, ts: int = 0) -> dict:
    return {"ts_ms": ts, "order_id": oid, "client_order_id": cid, "symbol": "SYN01-USDT", "side": "BUY",
            "type": "MARKET", "time_in_force": "", "reduce_only": purpose == "EXIT", "purpose": purpose,
            "quantity": Decimal(qty), "price": Decimal(0), "status": status, "executed_qty": Decimal(executed),
            "avg_price": Decimal(0), "code": code, "msg": ""}


NO_ORDERS = pa.Table.from_pylist([], schema=ORDERS)


def test_a_lost_placement_looked_up_before_the_next_one_is_met():
    met = trace_duties(_trace(_req("place_order", -1, cid="a"), _req("query_order", cid="a"),
                              _req("place_order", cid="b")), NO_ORDERS)
    assert met.owed[Duty.LOST_ANSWER] == 1 and not met.missed
    missed = trace_duties(_trace(_req("place_order", -1, cid="a"), _req("place_order", cid="b")), NO_ORDERS)
    assert missed.missed[Duty.LOST_ANSWER] == ["place_order at 0 never looked up"]


def test_a_crash_hands_the_lookup_to_the_restarted_engine():
    rows = _trace(_req("place_order", 101481, cid="a"), _req("open_orders", incarnation=1),
                  _req("place_order", incarnation=1, cid="b"))
    duties = trace_duties(rows, NO_ORDERS)
    assert duties.owed[Duty.LOST_ANSWER] == 1 and not duties.missed


def test_an_unanswered_cancel_must_be_settled_by_a_query_of_that_order():
    met = trace_duties(_trace(_req("cancel_order", -1, oid=7), _req("query_order", oid=7)), NO_ORDERS)
    assert met.owed[Duty.UNANSWERED_CANCEL] == 1 and not met.missed
    wrong_order = trace_duties(_trace(_req("cancel_order", 429, oid=7), _req("query_order", oid=8),
                                      _req("place_order", cid="c")), NO_ORDERS)
    assert Duty.UNANSWERED_CANCEL in wrong_order.missed


def test_a_restart_cancels_every_working_order_it_finds_before_placing():
    met = trace_duties(_trace(_req("open_orders", incarnation=1, listed=(5, 6)), _req("cancel_order", incarnation=1, oid=5),
                              _req("cancel_order", incarnation=1, oid=6), _req("place_order", incarnation=1)), NO_ORDERS)
    assert met.owed[Duty.RESTART_WORKING_ORDER] == 2 and not met.missed
    late = trace_duties(_trace(_req("open_orders", incarnation=1, listed=(5, 6)), _req("cancel_order", incarnation=1, oid=5),
                               _req("place_order", incarnation=1), _req("cancel_order", incarnation=1, oid=6)), NO_ORDERS)
    assert late.missed[Duty.RESTART_WORKING_ORDER] == ["restart 1 left working order 6 uncancelled"]
    crashed_again = trace_duties(_trace(_req("open_orders", incarnation=1, listed=(5,)),
                                        _req("open_orders", incarnation=2, listed=(5,)),
                                        _req("cancel_order", incarnation=2, oid=5), _req("place_order", incarnation=2)),
                                 NO_ORDERS)
    assert crashed_again.owed[Duty.RESTART_WORKING_ORDER] == 1 and not crashed_again.missed
    last_left = trace_duties(_trace(_req("open_orders", incarnation=1, listed=(5,))), NO_ORDERS)
    assert last_left.missed[Duty.RESTART_WORKING_ORDER] == ["restart 1 left working order 5 uncancelled"]
    blind = trace_duties(_trace(_req("positions", incarnation=2), _req("place_order", incarnation=2)), NO_ORDERS)
    assert blind.missed[Duty.RESTART_WORKING_ORDER] == ["restart 2 placed without asking for open orders"]


def test_every_refusal_needs_its_journal_row_with_its_code():
    trace = _trace(_req("place_order", 101204, cid="a"), _req("place_order", 101204, cid="a"))
    once = pa.Table.from_pylist([_order("a", 101204)], schema=ORDERS)
    assert trace_duties(trace, once).missed[Duty.REJECT_JOURNALED] == ["refusal 101204 of a not journaled"]
    twice = pa.Table.from_pylist([_order("a", 101204), _order("a", 101204)], schema=ORDERS)
    assert not trace_duties(trace, twice).missed


def test_an_exit_that_filled_part_is_followed_at_once_by_another_exit():
    part = pa.Table.from_pylist([_order("x1", 0, "EXIT", "EXPIRED", qty="10", executed="4", oid=1)], schema=ORDERS)
    exit_row = _req("place_order", cid="x1", oid=1)
    rest = {**_req("place_order", cid="x2", oid=2), "reduce_only": True}
    done = trace_duties(_trace(exit_row, _req("positions"), rest), part)
    assert done.owed[Duty.PARTIAL_EXIT_COMPLETED] == 1 and not done.missed
    crashed = trace_duties(_trace(exit_row, _req("positions"), _req("open_orders", incarnation=1)), part)
    assert crashed.owed[Duty.PARTIAL_EXIT_COMPLETED] == 1 and not crashed.missed  # the restart owns it
    left = trace_duties(_trace(exit_row, _req("positions"), _req("place_order", cid="e3", oid=3)), part)
    assert left.missed[Duty.PARTIAL_EXIT_COMPLETED] == ["exit x1 left part open at 0"]


def test_the_trace_stays_out_of_the_journal_hash(tmp_path: Path):
    scenario = load_scenario(DRILL)
    traced = simulate(scenario, seed=2211, out_dir=tmp_path / "traced", trace_requests=True)
    plain = simulate(scenario, seed=2211, out_dir=tmp_path / "plain")
    assert traced.summary.journal_sha256 == plain.summary.journal_sha256
    assert not (tmp_path / "plain" / TRACE_FILE).exists()
    rows = pq.read_table(tmp_path / "traced" / TRACE_FILE).to_pylist()
    assert [r["seq"] for r in rows] == list(range(len(rows)))
    assert max(r["incarnation"] for r in rows) == traced.facts.faults["engine_restarts"]
    duties = trace_duties(pq.read_table(tmp_path / "traced" / TRACE_FILE), traced.table("orders"))
    assert traced.passed and not duties.missed
    assert all(duties.owed[d] >= 1 for d in Duty)  # the drill gives rise to every duty


def test_a_drill_that_broke_its_own_expectations_is_listed_by_the_check(tmp_path: Path):
    run_dir = tmp_path / "drill" / "recovery_drill_s2211"
    simulate(load_scenario(DRILL), seed=2211, out_dir=run_dir, trace_requests=True)
    spec = RecoveryDutySpec(min_owed={str(d): 1 for d in Duty})

    def check(passed: bool):
        drill = DrillRun("scenarios/certify/recovery_drill.yaml", 2211, run_dir, passed)
        ev = Evidence(tmp_path, [], [], None, Unavailable("-"), None, drills=(drill,))  # type: ignore[arg-type]
        return recovery_duties(ev, spec)

    assert check(True).passed and check(True).values["drills_failed"] == []
    failing = check(False)
    assert failing.passed and failing.values["missed"] == 0  # the broken expectation is another check's
    assert failing.values["drills_failed"] == ["scenarios/certify/recovery_drill.yaml seed 2211"]
