"""A small certification bench: tiny scenarios, one golden, a small fault suite, recorded trades
as Parquet, and a profile with every check, so that a whole ``violet-sim certify`` runs in seconds
and a test can break one thing (a scenario setting, or the code itself) and see which checks fail.
The swarm runs in-process (``--workers 1``) so that a test's patch reaches its runs too."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from sim.certify.profile import load_profile
from sim.cli import main
from sim.harness.golden import write_golden
from sim.recorded.generator import RecordedConfig, generate
from sim.recorded.tables import write_parquet

V4 = {
    "name": "tiny_v4", "seed": 5,
    "data": {"kind": "synthetic", "config": {"n_scans": 6000, "n_assets": 6, "stable_noise": 0.02,
                                              "spike_rate": 0.01}},
    "engine": {"leverage": {"policy": "flat", "flat": 3, "cap": 3}},
    "execution": {"v4": {"allow_list": ["SYN02USDT"], "max_notional_usdt": 2000, "max_conviction": 5,
                         "max_trades_per_day": 12, "daily_loss_limit_usdt": 300}},
}
BASELINE = {
    "name": "tiny_baseline", "seed": 6,
    "data": {"kind": "synthetic", "config": {"n_scans": 6000, "n_assets": 8, "spike_rate": 0.005}},
}
GOLDEN = {"name": "tiny_golden", "seed": 8, "data": {"kind": "synthetic", "config": {"n_scans": 3000, "n_assets": 6}}}
FAULTS = {
    "name": "tiny_faults", "seed": 9,
    "data": {"kind": "synthetic", "config": {"n_scans": 3000, "n_assets": 8}},
    "engine": {"exits": {"take_profit": 0.004, "stop_loss": 0.006, "max_hold_scans": 25}},
    "latency": {"default_ms": 20, "jitter_ms": 30},
    "faults": [{"kind": "reject", "code": 429, "rate": 0.1, "requests": ["place_order", "positions", "balance"]},
               {"kind": "lost_response", "rate": 0.1}],
    "expect": {"max_open_positions": 1, "violations": 0},
}
SWARM_SEEDS = 6
#: The recovery drill: the project's own drill scenario (crashes meet resting entries), as certify runs it.
DRILLS = [{"scenario": str(Path(__file__).resolve().parents[2] / "scenarios" / "certify" / "recovery_drill.yaml"),
           "seeds": [2211, 1, 2]}]
#: The bench's lower coverage minimums (tiny runs see fewer spikes and busy-slot decisions).
COVERAGE = {"spike_saturation": {"min_spike_decisions": 5}, "slot_gating": {"min_busy_decisions": 5}}


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` merged in, mapping by mapping."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


class Bench:
    def __init__(self, root: Path, recorded: Path) -> None:
        self.root = root
        self.recorded = recorded
        (root / "scenarios").mkdir()
        self.write("golden_ref", GOLDEN)
        write_golden(root / "scenarios" / "golden_ref.yaml", root / "golden", root)

    def write(self, stem: str, doc: dict[str, Any]) -> str:
        (self.root / "scenarios" / f"{stem}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
        return f"scenarios/{stem}.yaml"

    def profile(self, v4: dict[str, Any] | None = None, baseline: dict[str, Any] | None = None,
                extra_baseline: tuple[dict[str, Any], ...] = (), faults: dict[str, Any] | None = None) -> Path:
        """Write the bench scenarios (with overrides) and a profile certifying them."""
        v4_file = self.write("tiny_v4", merge(V4, v4 or {}))
        base_files = [self.write("tiny_baseline", merge(BASELINE, baseline or {}))]
        base_files += [self.write(doc["name"], doc) for doc in extra_baseline]
        fault_file = self.write("tiny_faults", merge(FAULTS, faults or {}))
        checks = load_profile("v4").checks.model_dump(exclude_none=True)
        doc = {"name": "bench", "title": "certification bench", "scenarios": {"v4": [v4_file], "baseline": base_files},
               "determinism": [v4_file], "golden": "golden",
               "faults": {"scenarios": [fault_file], "seeds": SWARM_SEEDS}, "recovery": DRILLS,
               "checks": merge(checks, COVERAGE)}
        path = self.root / "profile.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    def certify(self, profile: Path | None = None, *args: str) -> tuple[int, dict[str, Any] | None, str]:
        """``violet-sim certify`` in process: exit code, the certificate (if written), stdout."""
        out = self.root / "out"
        result = CliRunner().invoke(main, ["certify", "--profile", str(profile or self.profile()), "--source",
                                           str(self.recorded), "--root", str(self.root), "--out", str(out),
                                           "--workers", "1", *args])
        cert_file = out / "certificate.json"
        cert = json.loads(cert_file.read_text()) if cert_file.is_file() else None
        return result.exit_code, cert, result.stdout


@pytest.fixture(scope="session")
def recorded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Recorded-style BLUE trades from the generator, as Parquet (no ClickHouse needed)."""
    path = tmp_path_factory.mktemp("recorded")
    made = generate(RecordedConfig())
    write_parquet(made.events, made.legs, path)
    return path


@pytest.fixture
def bench(tmp_path: Path, recorded_dir: Path) -> Bench:
    return Bench(tmp_path, recorded_dir)
