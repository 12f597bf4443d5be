"""EngineConfig: frozen and validated, hashed canonically, organs plugged in by dotted path."""
import json

import pytest
from pydantic import ValidationError

from violet_engine import Decision, DecisionEngine, EngineConfig
from violet_engine.config import OrganLoadError, OrganPaths, load_engine_config
from violet_engine.selector import SelectorConfig
from violet_engine.steepener import SteepenerConfig

PLUGIN = '''
import numpy as np


class FlatTwoSizer:
    def __init__(self, config):
        self.config = config

    def is_signal(self, vel_div):
        return vel_div < self.config.threshold

    def size(self, vel_div):
        return np.ones_like(vel_div), np.full_like(vel_div, 2.0)


class NotASizer:
    def __init__(self, config):
        pass


def broken(config):
    raise RuntimeError("boom")
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    (tmp_path / "engine_test_plugins.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "engine_test_plugins"


def with_sizer(path: str) -> EngineConfig:
    return EngineConfig(organs=OrganPaths(sizer=path), selector=SelectorConfig(lookback=1))


def test_a_custom_sizer_by_dotted_path_is_used(plugin):
    engine = DecisionEngine(with_sizer(f"{plugin}:FlatTwoSizer"))
    engine.decide({"ts_ms": 1, "scan_number": 1, "vel_div": 0.0, "prices": {"BTCUSDT": 10.0}}, 100.0)
    decision = engine.decide({"ts_ms": 2, "scan_number": 2, "vel_div": -0.5, "prices": {"BTCUSDT": 9.0},
                              "esof_score": 1.0, "esof_ts_ms": 2}, 100.0)
    assert isinstance(decision, Decision)
    assert decision.conviction_base == decision.conviction == 2.0
    assert DecisionEngine(with_sizer(f"{plugin}.FlatTwoSizer")).organs.sizer.__class__.__name__ == "FlatTwoSizer"


@pytest.mark.parametrize(
    "path, message",
    [
        ("no_such_package_xyz:Sizer", "cannot import 'no_such_package_xyz'"),
        ("violet_engine.sizer:NoSuchSizer", "has no 'NoSuchSizer'"),
        ("justaname", "is not of the form"),
        ("{plugin}:NotASizer", "does not provide BetSizer (missing: is_signal, size)"),
        ("{plugin}:broken", "building it failed (RuntimeError: boom)"),
    ],
)
def test_a_bad_organ_path_names_itself(plugin, path, message):
    path = path.format(plugin=plugin)
    with pytest.raises(OrganLoadError) as err:
        DecisionEngine(with_sizer(path))
    assert repr(path) in str(err.value) and message in str(err.value)


def test_config_is_frozen_and_strict():
    config = EngineConfig()
    with pytest.raises(ValidationError):
        config.base_fraction = 0.5
    with pytest.raises(ValidationError):
        EngineConfig(base_fration=0.2)
    with pytest.raises(ValidationError):
        EngineConfig(steepener=SteepenerConfig(cap=5.0))


def test_config_hash_is_canonical_and_sensitive():
    assert EngineConfig().config_hash() == EngineConfig().config_hash()
    assert len(EngineConfig().config_hash()) == 64
    assert EngineConfig(selector=SelectorConfig(lookback=49)).config_hash() != EngineConfig().config_hash()
    dumped = EngineConfig().model_dump(mode="json")
    reordered = json.loads(json.dumps(dict(reversed(list(dumped.items())))))
    assert EngineConfig.model_validate(reordered).config_hash() == EngineConfig().config_hash()


def test_load_yaml_and_json(tmp_path):
    yaml_file = tmp_path / "engine.yaml"
    yaml_file.write_text("selector:\n  lookback: 20\nsteepener:\n  enabled: true\n  factor: 1.4\n")
    config = load_engine_config(yaml_file)
    assert config.selector.lookback == 20 and config.steepener.factor == 1.4
    json_file = tmp_path / "engine.json"
    json_file.write_text(config.model_dump_json())
    assert load_engine_config(json_file) == config


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("partial.yaml", "sizer:\n  threshold: -0.02\n", "sizer.extreme: Field required"),
        ("typo.yaml", "selectr: {}\n", "selectr: Extra inputs are not permitted"),
        ("broken.json", "{", "is not valid json"),
    ],
)
def test_bad_config_files_give_one_line_errors(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        load_engine_config(path)
    assert message in str(err.value) and "\n" not in str(err.value)
