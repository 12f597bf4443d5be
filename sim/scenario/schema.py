"""The scenario schema: one pydantic model per section of a scenario file.

A scenario says where the scans come from, the seed, how the engine, execution and venue are
configured, what operator events and faults happen when, and what must be true of the outputs.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from exchange_mock import VenueConfig
from sim.execution.config import ExecutionConfig
from sim.scenario.expectations import Expectations
from sim.faults.config import FaultSpec
from sim.kernel.latency import LatencyConfig
from sim.scans.synthetic import SyntheticConfig
from violet_engine import EngineConfig
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
    """Real candles: ``path`` (folders or files, relative to the scenario file), optional ``marks``
    and ``funding`` folders or files, or ``dataset`` A|B|C (a bundled market folder) instead of
    ``path``. Layouts, stamping, gaps: ``sim/scans/candles.py``."""

    kind: Literal["candles"]
    dataset: Literal["A", "B", "C"] | None = None
    path: str | tuple[str, ...] | None = None
    marks: str | tuple[str, ...] | None = None
    funding: str | tuple[str, ...] | None = None
    gaps: Literal["forward_fill", "drop_scan", "fail"] = "forward_fill"
    interval: str | None = None
    assets: tuple[str, ...] | None = None
    start: str | None = None
    end: str | None = None
    vel_div: Literal["proxy", "synthetic"] = "proxy"
    batch_size: int = Field(default=65_536, gt=0)

    @model_validator(mode="after")
    def _one_source(self) -> "CandleData":
        if (self.dataset is None) == (self.path is None):
            raise ValueError("give exactly one of path (candle folders or files) or dataset (A, B or C)")
        return self


class ClickHouseData(_Strict):
    kind: Literal["clickhouse"]
    dsn: str
    dataset: str = "default"
    start: str | None = None
    end: str | None = None
    batch_size: int = Field(default=65_536, gt=0)


DataSource = Annotated[Union[ParquetData, SyntheticData, CandleData, ClickHouseData], Field(discriminator="kind")]


class Intrabar(_Strict):
    """Looking inside each bar (candle sources carry its high and low): the venue fills resting
    orders and liquidates at the bar's high, then its low, before its close; the exit rule is
    asked at them too (a stop-loss or take-profit touch). Off by default: a scan is one price."""

    venue: bool = False
    exits: bool = False

    @property
    def any(self) -> bool:
        return self.venue or self.exits


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
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$", description=(
        "letters, digits, '_', '.', '-': it names the run folder runs/<name>-seed<N>, so it cannot "
        "hold a path"))
    description: str = ""
    seed: int = Field(default=0, ge=0)
    data: DataSource
    engine: EngineConfig = EngineConfig()
    execution: ExecutionConfig = ExecutionConfig()
    venue: VenueConfig = VenueConfig()
    latency: LatencyConfig = LatencyConfig()
    events: tuple[OperatorEvent, ...] = ()
    faults: tuple[FaultSpec, ...] = ()
    end_of_data: Literal["keep", "close"] = Field(default="keep", description=(
        "a position still open when the data ends: keep it (reported as open_at_end, marked to market) "
        "or close it at market (a trade with exit_reason END_OF_DATA)"))
    intrabar: Intrabar = Field(default=Intrabar(), description=(
        "venue: resting orders and liquidations meet each bar's high, then its low; exits: the "
        "exit rule sees them too (needs scans with highs and lows: candles)"))
    expect: Expectations = Expectations()
    source_path: str | None = Field(default=None, exclude=True)
