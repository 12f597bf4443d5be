"""The unbroken bench certifies GO, and the certificate and the reports say why."""
from __future__ import annotations

import time


def test_bench_certifies_go_with_evidence(bench) -> None:
    started = time.monotonic()
    code, cert, output = bench.certify()
    assert code == 0, output
    assert cert["verdict"] == "GO"
    assert cert["failed"] == []
    assert output.startswith("GO (rehearsal: recorded trades generated, seed 2026) (profile bench): all 19 mandatory")
    assert cert["rehearsal"] is True and cert["verdict_line"] == "GO (rehearsal: recorded trades generated, seed 2026)"
    assert time.monotonic() - started < 30
    ids = [c["id"] for c in cert["checks"]]
    assert ids[0] == "sizing_parity" and "golden" in ids
    for check in cert["checks"]:
        assert set(check) >= {"id", "title", "mandatory", "threshold", "measured", "passed", "evidence"}
        assert check["passed"] and check["evidence"], check["id"]
        for path in check["evidence"]:
            assert (bench.root / "out" / path).is_file(), path
    prov = cert["provenance"]
    assert prov["project"]["version"] and prov["config_hash"] and prov["data_hash"]
    assert prov["seeds"]["scenarios"] == {"scenarios/tiny_v4.yaml": 5, "scenarios/tiny_baseline.yaml": 6}
    assert prov["recorded_trades"]["origin"] == "generated (seed 2026)"
    html = (bench.root / "out" / "report.html").read_text()
    assert html.index(">GO (rehearsal: recorded trades generated, seed 2026)<") < html.index("<h2>Checks</h2>") < html.index("<h2>Plots</h2>")
    assert html.count("data:image/png;base64,") == 5
    md = (bench.root / "out" / "report.md").read_text()
    assert md.startswith("# Certification bench: GO (rehearsal: recorded trades generated, seed 2026)")
    for name in ("conviction", "equity", "margin", "faults", "timeline"):
        assert (bench.root / "out" / "plots" / f"{name}.png").stat().st_size > 5_000


def test_same_evidence_gives_the_same_certificate(bench) -> None:
    profile = bench.profile()
    first = bench.certify(profile)[1]
    second = bench.certify(profile)[1]
    assert first == second
