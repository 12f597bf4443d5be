"""Certification profiles: the built-in V4 profile, its drift guard, and one-line errors."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.certify.checks import CHECKS
from sim.certify.profile import builtin_profiles, load_profile
from sim.errors import UserError
from sim.scenario import load_scenario
from sim.studies import parity
from violet_engine import constants as k
from violet_engine.constants import (BASE_FRACTION, DEFAULT_EXCHANGE_LEVERAGE, EXTREME, MAX_LEVERAGE,
                                     STABLECOIN_SYMBOLS, THRESHOLD)

PROJECT = Path(__file__).resolve().parents[2]


def test_v4_profile_runs_every_check_as_mandatory() -> None:
    profile = load_profile("v4")
    assert "v4" in builtin_profiles()
    selected = dict(profile.checks.selected())
    assert list(selected) == list(CHECKS)
    assert all(spec.mandatory for spec in selected.values())


def test_v4_profile_states_the_spec_as_the_engine_does() -> None:
    """Drift guard: the profile restates the SPEC on purpose; here it must agree with the constants."""
    c = load_profile("v4").checks
    assert c.short_below_threshold.threshold == THRESHOLD
    assert (c.spike_saturation.extreme, c.spike_saturation.conviction) == (EXTREME, MAX_LEVERAGE)
    assert c.spike_saturation.notional_fraction == MAX_LEVERAGE * BASE_FRACTION
    assert -605.0 in c.spike_saturation.probe_vel_div and EXTREME in c.spike_saturation.probe_vel_div
    assert c.no_stablecoins.symbols == STABLECOIN_SYMBOLS
    assert c.exchange_leverage.leverage == c.exchange_leverage.cap == c.margin_3x.leverage == DEFAULT_EXCHANGE_LEVERAGE
    assert c.margin_3x.max_margin_utilization == pytest.approx(MAX_LEVERAGE * BASE_FRACTION / DEFAULT_EXCHANGE_LEVERAGE)
    assert (c.sizing_parity.min_pearson, c.sizing_parity.max_abs_error) == (parity.MIN_PEARSON, parity.MAX_ABS_ERROR)
    r = c.spec_replay
    assert r.sizing.model_dump() == {"threshold": k.THRESHOLD, "extreme": k.EXTREME, "min_leverage": k.MIN_LEVERAGE,
                                     "max_leverage": k.MAX_LEVERAGE, "convexity": k.CONVEXITY,
                                     "base_fraction": k.BASE_FRACTION}
    assert r.esof.model_dump() == {"neutral": k.ESOF_NEUTRAL, "unfavourable": k.ESOF_UNFAV,
                                   "stale_fallback": k.ESOF_STALE_FB, "edge": k.ESOF_EDGE,
                                   "stale_after_ms": k.ESOF_STALE_AFTER_MS, "noop_tolerance": k.HAIRCUT_NOOP_TOLERANCE,
                                   "conviction_digits": k.CONVICTION_DIGITS, "notional_digits": k.NOTIONAL_DIGITS}
    assert (r.irp.lookback, r.irp.min_alignment) == (k.IRP_LOOKBACK, k.MIN_IRP_ALIGNMENT)
    assert (r.exits.take_profit, r.exits.stop_loss, r.exits.max_hold_scans) == (k.TAKE_PROFIT, k.STOP_LOSS,
                                                                                k.MAX_HOLD_SCANS)
    assert r.stablecoins == STABLECOIN_SYMBOLS


def test_v4_profile_scenarios_exist_and_v4_runs_are_single_asset() -> None:
    profile = load_profile("v4")
    for file in profile.scenarios.v4:
        allow = load_scenario(PROJECT / file).execution.v4.allow_list
        assert allow is not None and len(allow) == 1, file
    for file in profile.scenarios.baseline:
        assert load_scenario(PROJECT / file).engine.leverage.flat == DEFAULT_EXCHANGE_LEVERAGE, file


def test_unknown_profile_names_the_built_in_ones() -> None:
    with pytest.raises(UserError, match="no profile 'v9' \\(built-in: v4"):
        load_profile("v9")


def test_bad_profile_names_the_key(tmp_path: Path) -> None:
    doc = yaml.safe_load((PROJECT / "sim/certify/profiles/v4.yaml").read_text())
    doc["checks"]["margin_3x"]["max_margin_utilization"] = 2
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(UserError, match=r"p.yaml: checks.margin_3x.max_margin_utilization: .*less than or equal to 1"):
        load_profile(str(path))


def test_determinism_scenarios_must_be_certification_runs(tmp_path: Path) -> None:
    doc = yaml.safe_load((PROJECT / "sim/certify/profiles/v4.yaml").read_text())
    doc["determinism"] = ["scenarios/squeeze_2023-07-13.yaml"]
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(UserError, match="determinism scenarios must be certification scenarios too"):
        load_profile(str(path))
