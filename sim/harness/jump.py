"""The jump path: the feed hands a held position's quiet scans to execution in one step.

While execution only holds a position (``Execution.quiet_hold``), a scan changes nothing but
counters until the first of: the exit rule fires, the venue would act (a resting order fills, a
liquidation is tested, funding settles), an equity sample is due, anything else is scheduled in
the simulation (an operator or fault event, a timeout, a crash), or the batch ends. ``HoldJump``
finds that scan from the batch's arrays; the scans before it are accounted in bulk, with the same
effects, in the same order, as the per-scan path (``--engine-path per-scan``) gives them one by
one, and the feed delivers the event scan as usual. The venue is moved once, to the last of them
(its state is the same: none of them crossed a trigger).
"""
from __future__ import annotations


import numpy as np
import simpy

from exchange_mock import Venue
from sim.execution.hold import first_exit_row
from sim.execution.host import EngineHost
from sim.faults.data_faults import DataFaults
from sim.kernel.feed import Market, scan_market
from sim.kernel.horizon import first_at_or_after, first_trigger, first_true
from sim.observe.recorder import Recorder
from violet_engine import ScanBatch
from violet_engine.decision_batch import OUTCOME_CODE, DecisionBatch
from violet_engine.types import Outcome

_DECISION = OUTCOME_CODE[Outcome.DECISION]
#: Scans looked at per jump: bounds the array work of each jump. Under faults the next event is
#: rarely more than a few hundred scans away, and looking at 4,096 cost a swarm about 2%; a long
#: quiet stretch takes a few more jumps (the 30-day anchor replay did not slow down).
MAX_ROWS = 512

class HoldJump:
    """``jump(batch, decisions, rows, scan_base, cols)``: how many of ``rows`` (the coming
    accepted scans, the first due now) were held through in bulk; 0: deliver the first as usual."""

    def __init__(self, env: simpy.Environment, host: EngineHost, venue: Venue, recorder: Recorder,
                 data: DataFaults, market_update: Market, walk_bar: bool = False) -> None:
        self.env, self.host, self.venue, self.recorder = env, host, venue, recorder
        self.data, self.market_update, self.walk_bar = data, market_update, walk_bar

    def __call__(self, batch: ScanBatch, decisions: DecisionBatch, rows: np.ndarray, scan_base: int,
                 cols: dict[str, int]) -> int:
        execution = self.host.quiet_execution()
        if execution is None or not execution.quiet_hold():
            return 0
        watch = self.venue.quiet_watch()
        if watch is None or watch.always:
            return 0
        pos = execution.position
        equity_at = self.recorder.next_equity_ms() if pos is not None else float("inf")
        if equity_at is None:
            return 0
        rows = rows[:MAX_ROWS]
        ts = batch.ts_ms[rows]
        arrive = np.maximum.accumulate(np.maximum(ts, self.env.now))  # when each reaches the venue
        bound = min(self.env.peek(), float("inf") if watch.next_timed_ms is None else watch.next_timed_ms)
        n = min(first_at_or_after(arrive, bound), first_at_or_after(ts, equity_at))
        if not execution.decisions_gated():
            n = min(n, first_true(decisions.outcome[rows[:n]] == _DECISION))
        rows = rows[:n]
        if pos is not None:
            assert execution.batch_exit_rule is not None
            n = min(n, first_exit_row(execution.batch_exit_rule, pos, batch, rows, execution.bar_exits))
        n = min(n, first_trigger(batch, rows[:n], cols, watch.triggers, self.walk_bar))
        if n == 0 or (n := self.host.bulk_allowance(n)) == 0:  # last: it takes the crash draws
            return 0
        self._absorb(batch, decisions, rows[:n], arrive[:n].tolist(), scan_base, cols)
        return n

    def _absorb(self, batch: ScanBatch, decisions: DecisionBatch, rows: np.ndarray, arrive: list[int],
                scan_base: int, cols: dict[str, int]) -> None:
        """Market data first (the venue moved to the last scan), then execution, as per scan."""
        execution = self.host.current
        assert execution is not None
        self.data.at_market_span(arrive[:-1], self.venue.open_position_count() > 0)
        last = int(rows[-1])
        self.market_update(arrive[-1], *scan_market(batch, last, cols, self.walk_bar))
        execution.hold_through(batch, decisions, rows, scan_base)
        self.host.delivered_in_bulk(len(rows))
