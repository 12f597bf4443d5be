"""An organ package from outside the project, as a user would plug one in with ``certify --engine``.

``HalfHourStaleModulator`` is the reference EsoF modulator with one deliberate defect: it keeps a
score fresh for 30 minutes whatever it is configured with (the SPEC's window is 15), the kind of
default a port of BLUE's code could carry.
"""
from __future__ import annotations

from violet_engine.modulation import EsofModulator, ModulationConfig


class HalfHourStaleModulator(EsofModulator):
    def __init__(self, config: ModulationConfig) -> None:
        super().__init__(config.model_copy(update={"stale_after_ms": 1_800_000}))
