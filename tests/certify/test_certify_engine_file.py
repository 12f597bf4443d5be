"""``certify --engine FILE``: the engine a user brings is what the certification runs and names."""
from __future__ import annotations

import yaml


def _engine_file(bench, organs: dict[str, str]) -> str:
    path = bench.root / "engine.yaml"
    path.write_text(yaml.safe_dump({"organs": organs, "leverage": {"policy": "flat", "flat": 3, "cap": 3}}))
    return str(path)


def test_external_organ_with_a_defect_is_no_go_naming_spec_replay(bench) -> None:
    engine = _engine_file(bench, {"modulation": "tests.certify.external_organs:HalfHourStaleModulator"})
    code, cert, output = bench.certify(None, "--no-golden", "--engine", engine)
    assert code == 1 and cert["failed"] == ["haircut_only", "spec_replay"], output
    replay = next(c for c in cert["checks"] if c["id"] == "spec_replay")["measured"]
    assert "decision.esof_mult: expected 0.4, got" in replay["first_disagreement"]
    prov = cert["provenance"]["engine"]
    assert prov["organs"]["modulation"] == "tests.certify.external_organs:HalfHourStaleModulator"
    assert prov["settings"]["leverage"] == {"policy": "flat", "flat": 3, "cap": 3} and len(prov["sha256"]) == 64


def test_faithful_engine_file_stays_go_and_is_recorded(bench) -> None:
    engine = _engine_file(bench, {"modulation": "violet_engine.modulation:EsofModulator"})
    code, cert, output = bench.certify(None, "--no-golden", "--engine", engine)
    assert code == 0, output
    assert cert["provenance"]["engine"]["organs"]["sizer"] == "violet_engine.sizer:AlphaBetSizer"
    assert (bench.root / "out" / "faults" / "engine_scenarios" / "tiny_faults.yaml").is_file()


def test_engine_file_whose_organ_cannot_load_exits_2(bench) -> None:
    engine = _engine_file(bench, {"sizer": "tests.certify.external_organs:NoSuchSizer"})
    code, cert, _ = bench.certify(None, "--engine", engine)
    assert code == 2 and cert is None
