"""Reject at source: one reason per fault, monotonicity against the last accepted scan, never a crash."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from violet_engine import Decision, DecisionEngine, EngineConfig, NoPick, Reject, RejectReason, Scan
from violet_engine.selector import SelectorConfig

GOOD = {"ts_ms": 1_000, "scan_number": 10, "vel_div": -0.03, "prices": {"BTCUSDT": 100.0, "ETHUSDT": 10.0}}


def first(**changes):
    scan = {**GOOD, **changes}
    return DecisionEngine().decide({k: v for k, v in scan.items() if v is not _ABSENT}, 1e4)


_ABSENT = object()


@pytest.mark.parametrize(
    "changes, reason, field, value",
    [
        ({"vel_div": float("nan")}, RejectReason.VEL_DIV_NOT_FINITE, "vel_div", "nan"),
        ({"vel_div": float("inf")}, RejectReason.VEL_DIV_NOT_FINITE, "vel_div", "inf"),
        ({"vel_div": float("-inf")}, RejectReason.VEL_DIV_NOT_FINITE, "vel_div", "-inf"),
        ({"prices": _ABSENT}, RejectReason.PRICES_MISSING, "prices", "null"),
        ({"prices": None}, RejectReason.PRICES_MISSING, "prices", "null"),
        ({"prices": {}}, RejectReason.PRICES_MISSING, "prices", "{}"),
        ({"prices": {"BTCUSDT": None}}, RejectReason.PRICES_MISSING, "prices.BTCUSDT", "null"),
        ({"prices": {"BTCUSDT": float("nan")}}, RejectReason.PRICE_NOT_FINITE, "prices.BTCUSDT", "nan"),
        ({"prices": {"BTCUSDT": float("inf")}}, RejectReason.PRICE_NOT_FINITE, "prices.BTCUSDT", "inf"),
        ({"prices": {"BTCUSDT": 0.0}}, RejectReason.PRICE_ZERO, "prices.BTCUSDT", "0.0"),
        ({"prices": {"BTCUSDT": -0.0}}, RejectReason.PRICE_ZERO, "prices.BTCUSDT", "-0.0"),
        ({"prices": {"BTCUSDT": -3.5}}, RejectReason.PRICE_NEGATIVE, "prices.BTCUSDT", "-3.5"),
        ({"ts_ms": "1000"}, RejectReason.SCHEMA_INVALID, "ts_ms", "1000"),
        ({"ts_ms": 1000.0}, RejectReason.SCHEMA_INVALID, "ts_ms", "1000.0"),
        ({"ts_ms": 2**70}, RejectReason.SCHEMA_INVALID, "ts_ms", str(2**70)),
        ({"scan_number": True}, RejectReason.SCHEMA_INVALID, "scan_number", "True"),
        ({"scan_number": _ABSENT}, RejectReason.SCHEMA_INVALID, "scan_number", ""),
        ({"vel_div": "-0.03"}, RejectReason.SCHEMA_INVALID, "vel_div", "-0.03"),
        ({"vel_div": None}, RejectReason.SCHEMA_INVALID, "vel_div", "null"),
        ({"prices": [100.0]}, RejectReason.SCHEMA_INVALID, "prices", "[100.0]"),
        ({"prices": {"BTCUSDT": "100"}}, RejectReason.SCHEMA_INVALID, "prices.BTCUSDT", "100"),
        ({"esof_score": "high"}, RejectReason.SCHEMA_INVALID, "esof_score", "high"),
    ],
)
def test_each_fault_has_its_own_reason(changes, reason, field, value):
    outcome = first(**changes)
    assert isinstance(outcome, Reject)
    assert (outcome.reason, outcome.field, outcome.value) == (reason, field, value)


def test_reject_carries_ts_and_scan_number_when_known():
    assert (first(vel_div=float("nan")).ts_ms, first(vel_div=float("nan")).scan_number) == (1_000, 10)
    assert first(ts_ms="x").ts_ms is None and first(ts_ms="x").scan_number == 10


def test_not_a_mapping_is_a_schema_reject():
    outcome = DecisionEngine().decide([1, 2, 3], 1e4)
    assert outcome.reason is RejectReason.SCHEMA_INVALID


def test_huge_finite_negative_vel_div_is_valid():
    assert isinstance(first(vel_div=-605.0), NoPick)


def test_first_bad_price_in_symbol_order_whatever_the_dict_order():
    bad = {"ZUSDT": -1.0, "AUSDT": 0.0, "MUSDT": float("nan")}
    assert first(prices=bad).field == "prices.AUSDT"
    assert first(prices=dict(reversed(list(bad.items())))).field == "prices.AUSDT"
    schema = {"ZUSDT": "x", "AUSDT": "y"}
    assert first(prices=schema).field == first(prices=dict(reversed(list(schema.items())))).field == "prices.AUSDT"


def test_vel_div_is_checked_before_prices_and_time():
    eng = DecisionEngine()
    eng.decide(GOOD, 1e4)
    outcome = eng.decide({**GOOD, "vel_div": float("nan"), "prices": {"BTCUSDT": 0.0}}, 1e4)
    assert outcome.reason is RejectReason.VEL_DIV_NOT_FINITE


def test_monotonicity_is_against_the_last_accepted_scan():
    eng = DecisionEngine()
    assert not isinstance(eng.decide({**GOOD, "ts_ms": 10, "scan_number": 5}, 1e4), Reject)
    assert eng.decide({**GOOD, "ts_ms": 10, "scan_number": 6}, 1e4).reason is RejectReason.TS_NOT_INCREASING
    assert eng.decide({**GOOD, "ts_ms": 9, "scan_number": 6}, 1e4).reason is RejectReason.TS_NOT_INCREASING
    # Rejected for scan_number: its later timestamp must not become the bar.
    assert eng.decide({**GOOD, "ts_ms": 20, "scan_number": 4}, 1e4).reason is RejectReason.SCAN_NUMBER_NOT_INCREASING
    assert eng.decide({**GOOD, "ts_ms": 15, "scan_number": 5}, 1e4).reason is RejectReason.SCAN_NUMBER_NOT_INCREASING
    assert not isinstance(eng.decide({**GOOD, "ts_ms": 15, "scan_number": 6}, 1e4), Reject)
    # A data reject does not move time either.
    assert eng.decide({**GOOD, "ts_ms": 30, "scan_number": 9, "vel_div": float("nan")}, 1e4).outcome == "REJECT"
    assert not isinstance(eng.decide({**GOOD, "ts_ms": 16, "scan_number": 7}, 1e4), Reject)


def test_a_scan_model_is_accepted_as_is():
    scan = Scan(**GOOD)
    assert not isinstance(DecisionEngine().decide(scan, 1e4), Reject)


def test_unknown_fields_and_regime_passthrough_are_accepted():
    outcome = first(regime={"btc_above_ma99": False}, scanner_version="7")
    assert not isinstance(outcome, Reject)


@pytest.mark.parametrize("capital", [float("nan"), float("inf"), -1.0, "1000", True])
def test_bad_capital_is_a_programming_error(capital):
    with pytest.raises(ValueError):
        DecisionEngine().decide(GOOD, capital)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
field_values = st.one_of(
    json_values,
    st.floats(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.dictionaries(st.sampled_from(["BTCUSDT", "USDCUSDT", "ETHUSDT"]), st.one_of(st.none(), st.floats(), st.text(max_size=3))),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["ts_ms", "scan_number", "vel_div", "prices", "esof_score",
                                                 "esof_ts_ms", "regime"]), field_values), max_size=5))
def test_nothing_raises_on_arbitrary_input(scans):
    eng = DecisionEngine(EngineConfig(selector=SelectorConfig(lookback=1)))
    for scan in scans:
        outcome = eng.decide(scan, 1e4)
        assert isinstance(outcome, (Reject, NoPick, Decision)) or outcome.outcome == "NO_SIGNAL"
