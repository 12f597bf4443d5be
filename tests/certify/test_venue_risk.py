"""The venue audit's funding and liquidation-trigger recomputation: hand-computed vectors for the
rules, then the real 2023-07-13 squeeze (Binance candles, recorded funding stamped ms late, one
isolated liquidation) audited clean, and the same run with planted venue defects caught."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from exchange_mock.contracts import load_contracts
from exchange_mock.models import funding as funding_models
from exchange_mock.models.liquidation import RiskRatioLiquidation
from sim.certify.venue_audit import audit_run
from sim.certify.venue_risk import HOUR_MS, Audit, FundingPlan, Held, Marks, is_due, liquidation_trigger
from sim.harness.simulate import simulate
from sim.scenario.load import load_scenario

PROJECT = Path(__file__).resolve().parents[2]
SQUEEZE = PROJECT / "scenarios" / "squeeze_2023-07-13.yaml"
T0 = 1_767_225_600_000  # 2026-01-01T00:00Z, a settlement of every interval


def test_a_row_stamped_late_belongs_to_its_settlement_and_a_gap_takes_the_default() -> None:
    stated = {"kind": "series", "tolerance_ms": 1000, "default_rate": "0.0001", "default_interval_hours": 8,
              "symbols": {"XLM-USDT": {"interval_hours": 4}}}
    plan = FundingPlan.of(stated, {"XLMUSDT": [(T0 + 14, 0.00025), (T0 + 4 * HOUR_MS - 3, -0.0003),
                                               (T0 + 4 * HOUR_MS + 900, 0.5)]})
    assert plan.rate("XLM-USDT", T0) == Decimal("0.00025")
    assert plan.rate("XLM-USDT", T0 + 4 * HOUR_MS) == Decimal("-0.0003")  # the nearer of two rows
    assert plan.rate("XLM-USDT", T0 + 8 * HOUR_MS) == Decimal("0.0001")   # no row: the default
    assert list(plan.settlements("XLM-USDT", T0, T0 + 8 * HOUR_MS)) == [T0 + 4 * HOUR_MS, T0 + 8 * HOUR_MS]
    assert list(plan.settlements("BTC-USDT", T0 - 1, T0 + 8 * HOUR_MS)) == [T0, T0 + 8 * HOUR_MS]


def _btc_short() -> Held:
    contract = load_contracts()["BTC-USDT"]
    return Held("t", "BTC-USDT", ((T0, Decimal("-0.1")), (T0 + 10_000, Decimal("0.1"))), Decimal("3000"), contract)


def test_a_short_is_due_when_maintenance_and_closing_fee_reach_its_equity() -> None:
    # 0.1 BTC short from 30000 with 1000 margin, tier 1 (MMR 0.38%, amount 0), taker 0.05%:
    # due when 0.1 m (0.0038 + 0.0005) >= 1000 + 3000 - 0.1 m, i.e. m >= 4000 / 0.10043 = 39828.736...
    held = _btc_short()
    taker = Decimal("0.0005")
    assert not is_due(held, Decimal(1000), Decimal("39828.7"), taker, True)
    assert is_due(held, Decimal(1000), Decimal("39828.8"), taker, True)
    # without the closing fee the trigger is 4000 / 0.10038 = 39848.5754...
    assert not is_due(held, Decimal(1000), Decimal("39848.5"), taker, False)
    assert is_due(held, Decimal(1000), Decimal("39848.6"), taker, False)


def test_a_missed_liquidation_is_named_with_its_scan_and_a_funding_payment_moves_the_margin() -> None:
    held = _btc_short()
    marks = Marks(np.array([T0 + 5_000, T0 + 10_000], dtype=np.int64), np.array([39_900.0, 30_000.0]))
    a = Audit("run")
    liquidation_trigger(a, held, Decimal(1000), [], marks, Decimal("0.0005"), True, liquidated=False)
    assert a.problems == ["t: liquidation due at 1767225605000 (mark 39900.0, margin 1000) but the position "
                          "was not liquidated"]
    # received 10 USDT of funding at T0 + 1000 ms: due from 4010 / 0.10043 = 39928.31..., so 39900 is not
    a = Audit("run")
    liquidation_trigger(a, held, Decimal(1000), [(T0 + 1_000, Decimal(10))], marks, Decimal("0.0005"), True,
                        liquidated=False)
    assert a.problems == []


def _audit_squeeze(tmp_path: Path):
    scenario = load_scenario(SQUEEZE)
    result = simulate(scenario, out_dir=tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    tables = {t: pq.read_table(tmp_path / f"{t}.parquet").to_pylist() for t in ("fills", "trades")}
    return result, audit_run("squeeze", scenario, tables, summary["final_wallet"], summary["facts"]["open_at_end"],
                             summary["facts"]["funding"], summary["facts"]["contracts_templated"])


def test_the_real_squeeze_audits_clean_payment_by_payment(tmp_path: Path) -> None:
    result, a = _audit_squeeze(tmp_path)
    assert result.summary.liquidations == 1
    assert a.funding_payments == 5 and a.liquidation_checks == 1 and a.not_audited == 0
    assert a.problems == []


def test_a_venue_paying_the_previous_settlements_rate_is_caught(tmp_path: Path, monkeypatch) -> None:
    honest = funding_models.SeriesFunding.rate_at

    def previous(self, symbol: str, settle_ts_ms: int) -> Decimal:
        return honest(self, symbol, settle_ts_ms - self.interval_ms_of(symbol))

    monkeypatch.setattr(funding_models.SeriesFunding, "rate_at", previous)
    _, a = _audit_squeeze(tmp_path)
    assert any(" funding " in p and "over 5 settlement(s)" in p for p in a.problems), a.problems


def test_a_venue_that_liquidates_early_is_caught(tmp_path: Path, monkeypatch) -> None:
    # The venue's trigger counts the closing fee 41 times over (2% of the value instead of 0.05%):
    # it liquidates at a mark where the published rule does not.
    price = RiskRatioLiquidation.price
    monkeypatch.setattr(RiskRatioLiquidation, "triggered", lambda self, mm, fee, equity: mm + 41 * fee >= equity)
    monkeypatch.setattr(RiskRatioLiquidation, "price",
                        lambda self, d, size, cost, margin, contract, taker: price(self, d, size, cost, margin,
                                                                                    contract, 41 * taker))
    result, a = _audit_squeeze(tmp_path)
    assert result.summary.liquidations == 1
    assert len(a.problems) == 1 and " but not due at mark " in a.problems[0], a.problems


def test_the_tier_holding_the_value_sets_the_maintenance_margin() -> None:
    # 10 BTC short at 30000 (value 300,000 at entry) sits in tier 2 (0.40%, amount 30): with 100,000
    # margin it is due when 10 m (0.004 + 0.0005) - 30 >= 100000 + 300000 - 10 m, i.e.
    # m >= 400030 / 10.045 = 39823.79..., where the value 398,237.9 is still inside tier 2.
    contract = load_contracts()["BTC-USDT"]
    held = Held("t", "BTC-USDT", ((T0, Decimal(-10)), (T0 + 1, Decimal(10))), Decimal(300_000), contract)
    assert contract.tiers[1].rate == Decimal("0.004")
    assert not is_due(held, Decimal(100_000), Decimal("39823.7"), Decimal("0.0005"), True)
    assert is_due(held, Decimal(100_000), Decimal("39823.8"), Decimal("0.0005"), True)
