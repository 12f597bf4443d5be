"""Scenario files: YAML validated by pydantic, with errors that name the path of the bad key.

A scenario says where the scans come from, the seed, how the engine, execution and venue are
configured, what operator events and faults happen when, and what must be true of the outputs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from exchange_mock import VenueConfig
from sim.errors import ScenarioError
from sim.expectations import Expectations
from sim.faults.config import FAULT_KINDS, FaultSpec
from sim.latency import LatencyConfig
from sim.scans.synthetic import SyntheticConfig
from violet_engine import EngineConfig
from violet_engine.execution_policy import V4Config
from violet_engine.cadence import Quantum


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ParquetData(_Strict):
    kind: Literal["parquet"]
    path: str
    batch_size: int = Field(default=65_536, gt=0)


class SyntheticData(_Strict):
    kind: Literal["synthetic"]
    config: SyntheticConfig = SyntheticConfig()
    batch_size: int = Field(default=65_536, gt=0)


class CandleData(_Strict):
    kind: Literal["candles"]
    dataset: Literal["A", "B", "C"]
    assets: tuple[str, ...] | None = None
    start: str | None = None
    end: str | None = None
    vel_div: Literal["proxy", "synthetic"] = "proxy"
    batch_size: int = Field(default=65_536, gt=0)


class ClickHouseData(_Strict):
    kind: Literal["clickhouse"]
    dsn: str
    dataset: str = "default"
    start: str | None = None
    end: str | None = None
    batch_size: int = Field(default=65_536, gt=0)


DataSource = Annotated[Union[ParquetData, SyntheticData, CandleData, ClickHouseData], Field(discriminator="kind")]


class MakerConfig(_Strict):
    """Entry order style: taker market (default) or post-only at the best ask with a timeout."""

    mode: Literal["market", "post_only"] = "market"
    timeout_ms: int = Field(default=15_000, gt=0)
    fallback: Literal["market", "skip"] = "market"


class ExecutionConfig(_Strict):
    capital: float = Field(default=10_000.0, gt=0)
    margin_type: Literal["ISOLATED", "CROSSED"] = "ISOLATED"
    v4: V4Config = V4Config()
    maker: MakerConfig = MakerConfig()
    equity_interval_ms: int = Field(default=300_000, gt=0)
    max_decision_age_ms: int = Field(default=5_000, gt=0, description=(
        "a decision older than this when execution gets to it (lag: retries, a restart) is gated stale_data"))


class OperatorEvent(_Strict):
    """Something an operator does at a given time (absolute, or after the first scan): halt
    (forces the position flat and stops entries), resume, or a new cadence quantum for an action."""

    at_ts_ms: int | None = None
    after_start_ms: int | None = Field(default=None, ge=0)
    kind: Literal["hibernate", "resume", "cadence"]
    action: Literal["decide", "enter", "exit_check", "journal_flush"] | None = None
    quantum: Quantum | None = None

    @model_validator(mode="after")
    def _when_and_what(self) -> "OperatorEvent":
        if (self.at_ts_ms is None) == (self.after_start_ms is None):
            raise ValueError("give exactly one of at_ts_ms or after_start_ms")
        if self.kind == "cadence" and (self.action is None or self.quantum is None):
            raise ValueError("a cadence event needs action and quantum (e.g. {every: 3, unit: scan})")
        return self

    def at(self, start_ms: int) -> int:
        return self.at_ts_ms if self.at_ts_ms is not None else start_ms + int(self.after_start_ms or 0)


class Scenario(_Strict):
    name: str
    description: str = ""
    seed: int = Field(default=0, ge=0)
    data: DataSource
    engine: EngineConfig = EngineConfig()
    execution: ExecutionConfig = ExecutionConfig()
    venue: VenueConfig = VenueConfig()
    latency: LatencyConfig = LatencyConfig()
    events: tuple[OperatorEvent, ...] = ()
    faults: tuple[FaultSpec, ...] = ()
    expect: Expectations = Expectations()
    source_path: str | None = Field(default=None, exclude=True)


_UNION_TAGS = frozenset(("parquet", "synthetic", "candles", "clickhouse", *FAULT_KINDS))


def _loc(loc: tuple[Any, ...]) -> str:
    """The path of a bad key, without pydantic's union tags (``faults.2.rate``, not ``faults.2.reject.rate``)."""
    parts = [str(p) for p in loc if not (isinstance(p, str) and p in _UNION_TAGS)]
    return ".".join(parts) or "<root>"


def parse_scenario(raw: Any, origin: str, base_dir: Path | None = None) -> Scenario:
    """Validate a parsed YAML document; relative data paths resolve against ``base_dir``."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{origin}: expected a mapping at the top level, got {type(raw).__name__}")
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{origin}: {_loc(e['loc'])}: {e['msg']} (got {e.get('input')!r})" for e in exc.errors()]
        raise ScenarioError("\n".join(lines)) from None
    data = scenario.data
    if isinstance(data, ParquetData) and base_dir is not None and not Path(data.path).is_absolute():
        data = data.model_copy(update={"path": str((base_dir / data.path).resolve())})
    return scenario.model_copy(update={"data": data, "source_path": origin})


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; any problem raises ScenarioError naming the file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read ({exc.strerror})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(f"{p}:{where} not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return parse_scenario(raw, str(p), p.parent)
