"""A certification killed at any point leaves the previous complete certificate (or none), never a
certificate.json beside another run's evidence; the next certification into the same folder works.
Real processes, killed with SIGKILL at several points of a bench certification."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _certify(bench, profile: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", "certify", "--profile", str(profile), "--source",
                             str(bench.recorded), "--root", str(bench.root), "--out", str(bench.root / "out"),
                             "--workers", "1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _evidence(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_a_killed_certification_leaves_the_previous_one_whole(bench) -> None:
    profile = bench.profile()
    first = _certify(bench, profile)
    first.communicate(timeout=600)
    assert first.returncode == 0
    out = bench.root / "out"
    before = _evidence(out)
    for kill_after_s in (1.0, 4.0, 8.0):          # loading, the scenario runs, the swarm
        again = _certify(bench, profile)
        time.sleep(kill_after_s)
        if again.poll() is None:
            again.send_signal(signal.SIGKILL)
            again.wait()
        after = _evidence(out)
        assert after.keys() == before.keys()      # the previous evidence, nothing mixed in or lost
        assert after["certificate.json"] == before["certificate.json"] or again.returncode == 0
    third = _certify(bench, profile)              # the next certification into the same folder works
    third.communicate(timeout=600)
    assert third.returncode == 0 and (out / "certificate.json").is_file()
    assert [p.name for p in bench.root.iterdir() if p.name.startswith(".out")] == []
