"""Regimes study: exact on a small table; on a large generated sample the planted return ratios
come back within 30% (returns at ~58% win rate are noisy: the mean is a small difference of
large numbers), and the strong-vel_div edge is explained by size alone (equal return and win rate)."""
from __future__ import annotations

from decimal import Decimal

from sim.recorded.generator import RecordedConfig, generate
from sim.studies import regimes
from sim.studies.trades import clean_trades


def test_small_table_exactly(make_events):
    rows = [{"pnl": Decimal(30), "btc_price": 90.0, "btc_ma99": 100.0, "dvol": 80.0, "vel_div_entry": -0.05},
            {"pnl": Decimal(-10), "btc_price": 95.0, "btc_ma99": 100.0, "dvol": 70.0, "vel_div_entry": -0.04},
            {"pnl": Decimal(10), "btc_price": 110.0, "btc_ma99": 100.0, "dvol": 40.0, "vel_div_entry": -0.03},
            {"pnl": Decimal(6), "btc_price": 105.0, "btc_ma99": 100.0, "dvol": 30.0, "vel_div_entry": -0.025}]
    r = regimes.compute(clean_trades(make_events([{"trade_id": str(i)} | row for i, row in enumerate(rows)])))
    ma = r["splits"]["btc_ma99"]
    assert (ma["below"]["edge_per_trade"], ma["above"]["edge_per_trade"], ma["edge_ratio"]) == (10.0, 8.0, 1.25)
    assert (ma["below"]["win_rate"], ma["below"]["return_bp"]) == (0.5, 100.0)
    assert r["splits"]["dvol"]["high"]["trades"] == 2 and r["dvol_median"] == 55.0
    assert r["splits"]["vel_div"]["strong"]["pnl"] == 20.0


def test_missing_regime_columns_are_unavailable(make_events):
    r = regimes.compute(clean_trades(make_events([{"trade_id": "a", "pnl": Decimal(1)},
                                                  {"trade_id": "b", "pnl": Decimal(2)}])))
    assert r["splits"]["btc_ma99"] == r["splits"]["dvol"] == "unavailable"


def test_planted_regime_effects_are_recovered():
    recorded = generate(RecordedConfig(trades=20_000))
    splits = regimes.compute(clean_trades(recorded.events))["splits"]
    for name, planted in (("btc_ma99", recorded.planted.return_ratio_ma99),
                          ("dvol", recorded.planted.return_ratio_dvol)):
        assert abs(splits[name]["return_ratio"] / planted - 1) <= 0.30, name
    vel_div = splits["vel_div"]
    assert vel_div["edge_ratio"] > 2 and 0.8 <= vel_div["return_ratio"] <= 1.25
    assert abs(vel_div["strong"]["win_rate"] - vel_div["weak"]["win_rate"]) <= 0.03
