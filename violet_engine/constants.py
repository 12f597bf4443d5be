"""Every number the SPEC fixes for the decision core, in one place.

Organ configs take their defaults from here and tests import these names, so a SPEC change is a
one-line edit that every consumer sees.
"""
from __future__ import annotations

# Signal and bet sizing (AlphaBetSizer, SPEC 4.3 and 4.5).
THRESHOLD = -0.02
EXTREME = -0.05
MIN_LEVERAGE = 0.5
MAX_LEVERAGE = 9.0
CONVEXITY = 3
BASE_FRACTION = 0.20

# EsoF size modulation (SPEC 4.6): multipliers, the score band edge and the staleness horizon.
ESOF_NEUTRAL = 0.8
ESOF_UNFAV = 0.3
ESOF_STALE_FB = 0.4
ESOF_EDGE = 0.02
ESOF_STALE_AFTER_MS = 900_000
# The SC haircut: a multiplier this close to 1 leaves size untouched; rounding digits after it.
HAIRCUT_NOOP_TOLERANCE = 1e-9
CONVICTION_DIGITS = 6
NOTIONAL_DIGITS = 12

# IRP asset selection (SPEC 4.4): lookback in accepted scans; 0.0 mutes the alignment gate.
IRP_LOOKBACK = 50
MIN_IRP_ALIGNMENT = 0.0
IRP_TOP_N = 5

# Pegged symbols BLUE removes before selection (SPEC 4.2).
STABLECOIN_SYMBOLS = (
    "USDCUSDT",
    "FDUSDUSDT",
    "TUSDUSDT",
    "BUSDUSDT",
    "USDPUSDT",
    "DAIUSDT",
    "PYUSDUSDT",
    "USDDUSDT",
    "EURUSDT",
    "AEURUSDT",
)

# Exit engine defaults (SPEC 5): fractions of the entry price, and scans.
TAKE_PROFIT = 0.006
STOP_LOSS = 0.012
MAX_HOLD_SCANS = 120

# The scan cadence the scan-count settings above were written for (BLUE scans every 5 s), and how
# far a run's scan interval may stretch a scan count before the run warns about it.
DESIGN_SCAN_MS = 5_000
SCAN_STRETCH_WARN = 10

# Exchange leverage at the venue boundary (SPEC 5, dual leverage): the margin study's flat 3x.
DEFAULT_EXCHANGE_LEVERAGE = 3
