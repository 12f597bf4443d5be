"""The swarm: per-seed fault draws, results independent of the worker count, a replay command per
failure that reproduces it exactly, a determinism rerun, probe coverage; and the CI swarm of 200
seeds over every fault scenario, which must pass."""
from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

import sim.execution.session as session_module
from sim.kernel.requests import RequestKind
from sim.cli import main
from sim.scenario import load_scenario
from sim.harness.swarm import rerun_sample, run_swarm, swarm_variant
from sim.harness.simulate import simulate

ROOT = Path(__file__).resolve().parents[2]
FAULTS = sorted((ROOT / "scenarios" / "faults").glob("*.yaml"))
CI_SEEDS = int(os.environ.get("VIOLET_SWARM_SEEDS", "200"))


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def _broken(tmp_path: Path) -> Path:
    """A copy of a fault scenario with the slot gate switched off (a deliberately broken engine)."""
    text = (ROOT / "scenarios" / "faults" / "venue_rejects.yaml").read_text()
    text = text.replace("data:\n", "execution:\n  v4: {single_slot: false}\ndata:\n", 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    return path


def test_results_do_not_depend_on_the_workers():
    files = [str(FAULTS[0]), str(FAULTS[-1])]
    one = run_swarm(files, 4, workers=1, rerun_fraction=0)
    two = run_swarm(files, 4, workers=2, rerun_fraction=0.5)
    assert [r.as_dict() for r in one.results] == [r.as_dict() for r in two.results]
    assert [(r.scenario, r.seed) for r in one.results] == [(f, s) for f in files for s in range(4)]
    assert one.passed and len(two.reruns) == 4 and not two.nondeterministic
    assert len({r.faults for r in one.results}) > 1  # seeds draw different fault mixes


def test_the_rerun_sample_spreads_over_the_passing_runs():
    runs = list(range(100))
    assert rerun_sample(runs, 0.05) == [0, 20, 40, 60, 80]
    assert rerun_sample(runs[:3], 0.05) == [0] and rerun_sample([], 0.05) == [] and rerun_sample(runs, 0) == []


def test_a_broken_engine_is_caught_and_replayed_exactly(tmp_path: Path):
    broken = _broken(tmp_path)
    res = _invoke("swarm", str(broken), "--seeds", "3", "--workers", "2", "--out", str(tmp_path / "report"))
    assert res.exit_code == 1, res.output
    report = json.loads((tmp_path / "report" / "swarm.json").read_text())
    failed = [r for r in report["results"] if not r["passed"]]
    assert failed and failed[0]["first_breach"]["invariant"] == "single_slot"
    assert failed[0]["replay"] in res.output and "swarm FAILED" in res.output
    argv = shlex.split(failed[0]["replay"])
    assert argv[:2] == ["violet-sim", "run"]
    again = _invoke(*argv[1:], "--out", str(tmp_path / "replay"))
    assert again.exit_code == 1
    summary = json.loads((tmp_path / "replay" / "summary.json").read_text())
    assert summary["journal_sha256"] == failed[0]["journal_sha256"]
    assert summary["breaches"][0] == failed[0]["first_breach"]


def test_skipping_the_lookup_after_a_lost_answer_is_caught(monkeypatch):
    """An engine that treats an order without an answer as refused orphans the position it opened."""
    def careless(self, params, purpose):
        resp = yield from self.link.call(RequestKind.PLACE_ORDER, **params)
        return resp, self.report(resp, params, purpose)

    monkeypatch.setattr(session_module.VenueSession, "place", careless)
    path = str(ROOT / "scenarios" / "faults" / "venue_transport.yaml")
    report = run_swarm([path], 6, workers=1, rerun_fraction=0)
    assert report.failures
    first = report.failures[0]
    assert first.first_breach["invariant"] in ("single_slot", "engine_view_matches_venue", "order_terminal")
    replay = simulate(swarm_variant(load_scenario(path), first.seed), seed=first.seed).summary
    assert replay.journal_sha256 == first.journal_sha256 and replay.breaches[0].as_dict() == first.first_breach


def test_bad_input_exits_2(tmp_path: Path):
    res = _invoke("swarm", str(tmp_path / "missing.yaml"), "--seeds", "2")
    assert res.exit_code == 2 and "missing.yaml" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: b\ndata: {kind: synthetic}\nfaults:\n  - {kind: reject, code: 80012, rate: 2}\n")
    res = _invoke("swarm", str(bad), "--seeds", "2")
    assert res.exit_code == 2 and "faults.0.rate" in res.output


def test_the_ray_backend_needs_its_extra():
    try:
        import ray  # noqa: F401
        pytest.skip("ray is installed")
    except ImportError:
        pass
    res = _invoke("swarm", str(FAULTS[0]), "--seeds", "1", "--backend", "ray")
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        "error: --backend ray needs Ray: install the 'ray' extra (pip install 'violet-sim[ray]')"]


def test_the_ci_swarm_over_every_fault_scenario_passes(tmp_path: Path):
    """The issue's bar: a swarm of 200 seeds over scenarios/faults passes, every probe reached."""
    res = _invoke("swarm", *map(str, FAULTS), "--seeds", str(CI_SEEDS), "--workers", "2",
                  "--out", str(tmp_path))
    report = json.loads((tmp_path / "swarm.json").read_text())
    assert res.exit_code == 0, res.output[-3000:]
    assert report["passed"] and report["runs"] == CI_SEEDS * len(FAULTS)
    assert report["reruns"] and all(r["same"] for r in report["reruns"])
    assert report["probes_unreached"] == []
