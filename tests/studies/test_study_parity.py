"""Parity study: the base curve passes the gate on planted data; the planted tail is recovered.

Tolerances: the gate's own thresholds (0.999 / 0.25); the mid-band tail share within 3 points of
the configured 28% and within 1 point of the share actually boosted (boosts capped at max leverage
near vel_div -0.05 can fall under the 1.05 ratio); no tail where the base curve is saturated.
"""
from __future__ import annotations

from decimal import Decimal

from sim.recorded.generator import RecordedConfig
from sim.studies import parity
from sim.studies.trades import clean_trades


def test_gate_passes_and_tail_is_recovered(trades, recorded):
    r = parity.compute(trades)
    assert r["verdict"] == "PASS"
    assert r["pearson"] >= 0.999 and r["max_abs_error"] <= 0.25
    assert r["thresholds"] == {"min_pearson": 0.999, "max_abs_error": 0.25}
    assert len(r["bins"]) == parity.BINS and sum(b["trades"] for b in r["bins"]) == recorded.planted.clean_trades
    mid = r["tail"]["mid_band"]
    assert mid["trades"] == recorded.planted.mid_band_clean
    assert abs(mid["share"] - RecordedConfig().tail_share) <= 0.03
    assert abs(mid["share"] - recorded.planted.boosted_share) <= 0.01
    assert r["tail"]["saturated"]["tail"] == 0
    assert r["tail"]["by_band"]["<= -0.06"]["tail"] == r["tail"]["by_band"]["(-0.06, -0.05]"]["tail"] == 0


def test_stricter_thresholds_fail(trades):
    assert parity.compute(trades, min_pearson=0.99999, max_abs_error=0.01)["verdict"] == "FAIL"


def test_exact_base_sizing_is_perfect_parity(make_events):
    """The SPEC's sizing vectors as recorded trades: zero error, and the kink is respected."""
    vel_divs = [-0.025, -0.03, -0.0337, -0.04, -0.05, -0.08, -605.0]
    convictions = [0.5393518518518519, 0.8148148148148147, 1.3095000185185186, 3.0185185185185177, 9.0, 9.0, 9.0]
    events = make_events([{"trade_id": str(i), "vel_div_entry": v, "leverage": c, "pnl": Decimal(1)}
                          for i, (v, c) in enumerate(zip(vel_divs, convictions))])
    r = parity.compute(clean_trades(events), bins=4)
    assert r["max_abs_error"] == 0.0 and r["pearson"] == 1.0 and r["verdict"] == "PASS"
    assert [b["trades"] for b in r["bins"]] == [3, 2, 1, 1]  # saturated trades alone in one bin
    assert r["tail"]["mid_band"]["tail"] == 0
