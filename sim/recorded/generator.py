"""A seeded generator of recorded-style BLUE trade events, pathologies included.

What it plants (defaults imitate the findings record's shape, not its exact numbers):
- a single-slot sequence of SHORT trades whose capital moves with their PnL; ``leverage`` (the
  recorded conviction) = base curve x EsoF haircut band, and on ``tail_share`` of mid-band trades
  (-0.05 < vel_div < -0.02) a steepener boost drawn from ``tail_boost``, capped at max leverage;
  boosted trades carry no haircut (the tail is not EsoF), saturated trades are never boosted;
- PnL = notional x return, the win probability the same everywhere, return magnitudes scaled by
  regime (BTC below/above its MA99, DVOL above/below 60: the planted return ratios), so returns
  differ by regime at equal win rate, and conviction sizing alone makes strong vel_div trades
  earn more per trade;
- artifacts: HIBERNATE_HALT exits (most with bars_held = 0, the worst a single large loss) and a
  few other bars_held = 0 rows; they do not move capital;
- duplicate emission: extra rows per trade id with identical PnL (one trade id with
  ``max_rows_per_trade`` rows), and on a small share of multi-row ids earlier partial emissions
  (an earlier exit time and the PnL of the legs closed so far); the legs are in ``trade_exit_legs``.
``Planted`` records the truth the studies must recover. Every draw comes from a named stream.

With the defaults (seed 2026): 3453 rows for 2193 trade ids (one id 317 times), raw PnL -46,728
-> clean +46,986 over 2121 trades, 58.2% won (record: -45,981 -> +47,068, 2121, 58.4%); margin
fits 74.3% of trades at 1x and all at 2x, p95 utilisation at 2x 90% (record: 73.6%, 100%, 90%);
28.8% of mid-band trades boosted. Median utilisation is not imitated (21% at 2x; the record's
3.4% came from a mostly haircut sample).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.recorded.base_curve import base_conviction
from sim.recorded.tables import TRADE_EVENTS_SCHEMA, TRADE_EXIT_LEGS_SCHEMA
from sim.rng import RngStreams
from violet_engine.constants import BASE_FRACTION, CONVICTION_DIGITS, EXTREME, MAX_HOLD_SCANS, MAX_LEVERAGE, THRESHOLD
from violet_engine.modulation import haircut_array
from violet_engine.portable_math import exp
from violet_engine.rounding import round_like_python

SCAN_MS = 5_000
ASSETS = {  # symbol -> (typical price, selection weight): a few names dominate, as recorded
    "ZECUSDT": (45.0, 0.16), "SOLUSDT": (150.0, 0.15), "DOGEUSDT": (0.16, 0.08), "XRPUSDT": (0.55, 0.08),
    "ADAUSDT": (0.45, 0.06), "AVAXUSDT": (35.0, 0.06), "LINKUSDT": (17.0, 0.05), "DOTUSDT": (7.0, 0.05),
    "LTCUSDT": (85.0, 0.05), "BCHUSDT": (420.0, 0.04), "ETCUSDT": (27.0, 0.04), "NEARUSDT": (6.5, 0.04),
    "APTUSDT": (9.0, 0.03), "ARBUSDT": (1.1, 0.03), "OPUSDT": (2.4, 0.02), "FILUSDT": (5.8, 0.02),
}


class RecordedConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(default=2026, ge=0)
    trades: int = Field(default=2193, ge=50, le=20_000)
    start_ms: int = 1_772_323_200_000  # 2026-03-01T00:00Z
    start_capital: float = Field(default=33_820.0, gt=0)
    saturated_share: float = Field(default=0.05, ge=0, le=1)  # vel_div <= extreme, spikes included
    spike_share: float = Field(default=0.01, ge=0, le=1)
    tail_share: float = Field(default=0.28, ge=0, le=1)
    tail_boost: tuple[float, float] = (1.36, 1.60)
    esof_bands: dict[float, float] = {1.0: 0.60, 0.9: 0.10, 0.8: 0.15, 0.65: 0.10, 0.3: 0.05}
    win_rate: float = Field(default=0.584, gt=0, lt=1)
    win_return: tuple[float, float] = (0.0019, 0.0079)
    loss_return: tuple[float, float] = (0.002, 0.0085)
    below_ma99_share: float = Field(default=0.55, ge=0, le=1)
    return_scale_below_ma99: float = Field(default=1.40, gt=0)
    return_scale_above_ma99: float = Field(default=0.62, gt=0)
    return_scale_high_dvol: float = Field(default=1.23, gt=0)
    return_scale_low_dvol: float = Field(default=0.79, gt=0)
    hibernate_halts: int = Field(default=66, ge=1)
    halts_with_zero_bars: int = Field(default=54, ge=1)
    zero_bar_others: int = Field(default=6, ge=0)
    halt_loss: tuple[float, float] = (0.003, 0.02)  # other halts lose this fraction of notional
    worst_halt_pnl: float = Field(default=-39_164.0, lt=0)
    duplicate_rows: int = Field(default=1260, ge=0)
    max_rows_per_trade: int = Field(default=317, ge=1)
    partial_emission_share: float = Field(default=0.017, ge=0, le=1)

    @model_validator(mode="after")
    def _consistent(self) -> "RecordedConfig":
        if self.halts_with_zero_bars > self.hibernate_halts:
            raise ValueError("halts_with_zero_bars cannot exceed hibernate_halts")
        if self.hibernate_halts + self.zero_bar_others >= self.trades:
            raise ValueError("artifacts must leave some clean trades")
        if self.max_rows_per_trade - 1 > self.duplicate_rows:
            raise ValueError("duplicate_rows must cover max_rows_per_trade - 1")
        if abs(sum(self.esof_bands.values()) - 1.0) > 1e-9 or not all(0 < m <= 1 for m in self.esof_bands):
            raise ValueError("esof_bands: multipliers in (0, 1] with probabilities summing to 1")
        return self


@dataclass(frozen=True)
class Planted:
    """The generator's ground truth, counted from its own flags, never by the studies' rules."""

    rows: int
    trade_ids: int
    multi_row_trade_ids: int
    partial_emission_trade_ids: int
    max_rows_per_trade: int
    hibernate_halts: int
    zero_bar_trades: int
    clean_trades: int
    clean_wins: int
    raw_pnl: Decimal
    clean_pnl: Decimal
    mid_band_clean: int
    boosted_mid_clean: int
    return_ratio_ma99: float  # mean return below / above MA99, as planted
    return_ratio_dvol: float  # mean return high / low DVOL, as planted

    @property
    def boosted_share(self) -> float:
        return self.boosted_mid_clean / self.mid_band_clean

    def as_dict(self) -> dict[str, object]:
        out = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in vars(self).items()}
        return out | {"boosted_share": round(self.boosted_share, 6)}


@dataclass(frozen=True)
class Recorded:
    events: pa.Table
    legs: pa.Table
    planted: Planted


def _vel_div(rng: np.random.Generator, n: int, c: RecordedConfig) -> np.ndarray:
    """Mid-band entries denser toward ``extreme``, a saturated share beyond it, rare large spikes."""
    mid = THRESHOLD - (THRESHOLD - EXTREME) * rng.beta(1.2, 1.0, n)
    saturated = EXTREME - rng.exponential(0.012, n)
    spikes = -rng.uniform(0.5, 605.0, n)
    kind = rng.random(n)
    return np.where(kind < c.spike_share, spikes, np.where(kind < c.saturated_share, saturated, mid))


def _conviction(streams: RngStreams, vel_div: np.ndarray, c: RecordedConfig) -> tuple[np.ndarray, ...]:
    """(recorded conviction, EsoF multiplier, boosted mask, mid-band mask)."""
    n = vel_div.shape[0]
    mid = (vel_div > EXTREME) & (vel_div < THRESHOLD)
    steep = streams.stream("steepener")
    boosted = mid & (steep.random(n) < c.tail_share)
    factor = np.where(boosted, steep.uniform(*c.tail_boost, n), 1.0)
    bands = sorted(c.esof_bands)
    mult = streams.stream("esof").choice(np.array(bands), size=n, p=[c.esof_bands[b] for b in bands])
    mult = np.where(boosted, 1.0, mult)
    cut = haircut_array(base_conviction(vel_div), mult, CONVICTION_DIGITS)
    return round_like_python(np.minimum(cut * factor, MAX_LEVERAGE), CONVICTION_DIGITS), mult, boosted, mid


def _cents(values: np.ndarray) -> list[Decimal]:
    return [Decimal(int(v)).scaleb(-2) for v in values]


def _artifacts(rng: np.random.Generator, n: int, c: RecordedConfig) -> tuple[np.ndarray, np.ndarray]:
    """(HIBERNATE_HALT mask, bars_held = 0 mask: most halts and a few other exits)."""
    pick = rng.permutation(n)
    halt = np.zeros(n, dtype=bool)
    halt[pick[: c.hibernate_halts]] = True
    zero_bar = np.zeros(n, dtype=bool)
    zero_bar[pick[: c.halts_with_zero_bars]] = True
    zero_bar[pick[c.hibernate_halts: c.hibernate_halts + c.zero_bar_others]] = True
    return halt, zero_bar


def _regime(rng: np.random.Generator, n: int, c: RecordedConfig) -> tuple[np.ndarray, ...]:
    """(btc_price, btc_ma99, dvol, return scale) at each entry."""
    below = rng.random(n) < c.below_ma99_share
    btc_ma99 = 62_000.0 * exp(np.cumsum(rng.normal(0.0, 0.004, n)))
    btc_price = btc_ma99 * (1.0 + np.where(below, -1.0, 1.0) * rng.uniform(0.002, 0.06, n))
    dvol = rng.uniform(30.0, 90.0, n)
    scale = (np.where(below, c.return_scale_below_ma99, c.return_scale_above_ma99)
             * np.where(dvol > 60.0, c.return_scale_high_dvol, c.return_scale_low_dvol))
    return btc_price, btc_ma99, dvol, scale


def _money(conviction: np.ndarray, ret: np.ndarray, halt: np.ndarray, artifact: np.ndarray, worst: int,
           c: RecordedConfig) -> tuple[np.ndarray, np.ndarray]:
    """(capital before, PnL) in cents: one slot, so each trade is sized on the capital the earlier
    ones left; artifacts are booked but do not move capital."""
    n = conviction.shape[0]
    capital = np.empty(n, dtype=np.int64)
    pnl = np.empty(n, dtype=np.int64)
    wallet = round(c.start_capital * 100)
    for i in range(n):
        capital[i] = wallet
        pnl[i] = round(c.worst_halt_pnl * 100) if i == worst else round(wallet * BASE_FRACTION * conviction[i] * ret[i])
        if not artifact[i]:
            wallet += pnl[i]
    return capital, pnl


def _schedule(rng: np.random.Generator, win: np.ndarray, halt: np.ndarray, zero_bar: np.ndarray,
              c: RecordedConfig) -> tuple[np.ndarray, ...]:
    """(exit reason, bars held, entry ms, exit ms): trades back to back on the 5 s scan grid."""
    n = win.shape[0]
    reason = np.where(win, np.where(rng.random(n) < 0.85, "TAKE_PROFIT", "MAX_HOLD"),
                      np.where(rng.random(n) < 0.7, "STOP_LOSS", "MAX_HOLD")).astype(object)
    bars = np.where(reason == "MAX_HOLD", MAX_HOLD_SCANS, rng.integers(1, MAX_HOLD_SCANS, n))
    reason[halt] = "HIBERNATE_HALT"
    bars[halt] = rng.integers(1, 6, int(halt.sum()))
    bars[zero_bar] = 0
    gaps = SCAN_MS * np.maximum(1, np.rint(rng.exponential(300.0, n))).astype(np.int64)
    hold = bars.astype(np.int64) * SCAN_MS + np.where(bars == 0, 1_000, 0)
    entry_ms = c.start_ms + np.concatenate([[0], np.cumsum(hold + gaps)[:-1]])
    return reason, bars, entry_ms, entry_ms + hold


def generate(config: RecordedConfig | None = None) -> Recorded:
    c = config or RecordedConfig()
    streams = RngStreams(c.seed)
    n = c.trades
    halt, zero_bar = _artifacts(streams.stream("artifacts"), n, c)
    artifact = halt | zero_bar
    worst = int(np.flatnonzero(halt & zero_bar)[0])  # the one large halt loss, as recorded

    vel_div = _vel_div(streams.stream("vel_div"), n, c)
    conviction, esof_mult, boosted, mid = _conviction(streams, vel_div, c)
    btc_price, btc_ma99, dvol, scale = _regime(streams.stream("regime"), n, c)

    outcome = streams.stream("outcome")
    win = outcome.random(n) < c.win_rate
    magnitude = np.where(win, outcome.uniform(*c.win_return, n), outcome.uniform(*c.loss_return, n)) * scale
    ret = np.where(halt, -outcome.uniform(*c.halt_loss, n), np.where(win, magnitude, -magnitude))
    capital_cents, pnl_cents = _money(conviction, ret, halt, artifact, worst, c)
    notional = capital_cents / 100 * BASE_FRACTION * conviction
    reason, bars, entry_ms, exit_ms = _schedule(streams.stream("timing"), win, halt, zero_bar, c)

    names = list(ASSETS)
    weights = np.array([ASSETS[a][1] for a in names])
    asset = np.array(names)[streams.stream("assets").choice(len(names), size=n, p=weights / weights.sum())]
    asset[worst] = "ZECUSDT"
    entry_price = np.array([ASSETS[a][0] for a in asset]) * exp(streams.stream("prices").normal(0.0, 0.08, n))

    trades = {
        "trade_id": np.array([f"blue-{i:06d}" for i in range(n)]),
        "asset": asset, "side": np.full(n, "SHORT"),
        "entry_time": entry_ms, "exit_time": exit_ms,
        "entry_price": entry_price, "exit_price": entry_price * (1.0 - pnl_cents / 100 / notional),
        "quantity": notional / entry_price,
        "capital_before": _cents(capital_cents), "leverage": conviction,
        "notional": [Decimal(f"{v:.8f}") for v in notional], "pnl": _cents(pnl_cents),
        "exit_reason": reason, "bars_held": bars, "vel_div_entry": vel_div, "esof_mult": esof_mult,
        "btc_price": btc_price, "btc_ma99": btc_ma99, "dvol": dvol,
    }
    legs, leg_cents = _legs(streams.stream("legs"), trades, pnl_cents)
    extra, partial = _duplicates(streams.stream("emission"), pnl_cents, halt, leg_cents, c)
    events, raw_cents = _emit(trades, pnl_cents, leg_cents, extra, partial)

    clean = ~artifact
    planted = Planted(
        rows=events.num_rows, trade_ids=n, multi_row_trade_ids=int((extra > 0).sum()),
        partial_emission_trade_ids=len(partial), max_rows_per_trade=c.max_rows_per_trade,
        hibernate_halts=int(halt.sum()), zero_bar_trades=int(zero_bar.sum()), clean_trades=int(clean.sum()),
        clean_wins=int((pnl_cents[clean] > 0).sum()),
        raw_pnl=Decimal(raw_cents).scaleb(-2), clean_pnl=Decimal(int(pnl_cents[clean].sum())).scaleb(-2),
        mid_band_clean=int((mid & clean).sum()), boosted_mid_clean=int((boosted & clean).sum()),
        return_ratio_ma99=c.return_scale_below_ma99 / c.return_scale_above_ma99,
        return_ratio_dvol=c.return_scale_high_dvol / c.return_scale_low_dvol,
    )
    return Recorded(events, legs, planted)


def _legs(rng: np.random.Generator, trades: dict[str, object], pnl_cents: np.ndarray) -> tuple[pa.Table, list[np.ndarray]]:
    """Each trade closes in 1-3 legs; leg PnLs (in cents) sum exactly to the trade's PnL."""
    n = pnl_cents.shape[0]
    count = rng.choice([1, 2, 3], size=n, p=[0.7, 0.2, 0.1])
    rows: dict[str, list] = {name: [] for name in TRADE_EXIT_LEGS_SCHEMA.names}
    per_trade = []
    for i in range(n):
        share = rng.dirichlet(np.ones(count[i]))
        cents = np.floor(share * pnl_cents[i]).astype(np.int64)
        cents[-1] = pnl_cents[i] - cents[:-1].sum()
        per_trade.append(cents)
        for leg in range(count[i]):
            rows["trade_id"].append(trades["trade_id"][i])
            rows["leg"].append(leg)
            rows["exit_time"].append(int(trades["exit_time"][i]) - (count[i] - 1 - leg) * SCAN_MS)
            rows["exit_price"].append(float(trades["exit_price"][i]))
            rows["quantity"].append(float(trades["quantity"][i] * share[leg]))
            rows["pnl"].append(Decimal(int(cents[leg])).scaleb(-2))
            rows["exit_reason"].append(str(trades["exit_reason"][i]))
    rows["exit_time"] = pa.array(rows["exit_time"], pa.int64()).cast(TRADE_EXIT_LEGS_SCHEMA.field("exit_time").type)
    return pa.Table.from_pydict(rows, schema=TRADE_EXIT_LEGS_SCHEMA), per_trade


def _duplicates(rng: np.random.Generator, pnl_cents: np.ndarray, halt: np.ndarray, leg_cents: list[np.ndarray],
                c: RecordedConfig) -> tuple[np.ndarray, set[int]]:
    """(extra rows per trade, trades whose extra rows are partial emissions).

    One losing clean trade gets ``max_rows_per_trade`` rows; the rest of ``duplicate_rows`` goes
    1-3 rows at a time to random trades."""
    n = pnl_cents.shape[0]
    extra = np.zeros(n, dtype=np.int64)
    heavy = rng.choice(np.flatnonzero((pnl_cents < 0) & ~halt))
    extra[heavy] = c.max_rows_per_trade - 1
    left = c.duplicate_rows - extra[heavy]
    for i in rng.permutation(np.setdiff1d(np.arange(n), [heavy])):
        if left == 0:
            break
        extra[i] = min(left, rng.integers(1, 4))
        left -= extra[i]
    multi = np.flatnonzero(extra)
    candidates = np.array([i for i in multi if leg_cents[i].shape[0] > 1 and i != heavy], dtype=np.int64)
    k = min(candidates.shape[0], int(round(c.partial_emission_share * multi.shape[0])))
    return extra, set(rng.choice(candidates, size=k, replace=False).tolist())


def _emit(trades: dict[str, object], pnl_cents: np.ndarray, leg_cents: list[np.ndarray], extra: np.ndarray,
          partial: set[int]) -> tuple[pa.Table, int]:
    """(trade_events as the live emitter wrote them, in (entry_time, trade_id, exit_time) order;
    the sum of their PnL in cents)."""
    index, exit_ms, pnl = [], [], []
    for i in range(pnl_cents.shape[0]):
        final_exit = int(trades["exit_time"][i])
        index.append(i), exit_ms.append(final_exit), pnl.append(int(pnl_cents[i]))
        legs = leg_cents[i].shape[0]
        for k in range(int(extra[i])):
            index.append(i)
            if i in partial:  # emitted after leg j: that leg's exit time and the PnL closed so far
                j = k % (legs - 1)
                exit_ms.append(final_exit - (legs - 1 - j) * SCAN_MS)
                pnl.append(int(leg_cents[i][: j + 1].sum()))
            else:
                exit_ms.append(final_exit)
                pnl.append(int(pnl_cents[i]))
    rows = np.array(index)
    exit_arr = np.array(exit_ms, dtype=np.int64)
    order = np.lexsort((exit_arr, rows, np.asarray(trades["entry_time"])[rows]))
    columns = {name: np.asarray(values, dtype=object if name in ("capital_before", "notional") else None)[rows[order]]
               for name, values in trades.items()}
    columns["exit_time"] = exit_arr[order]
    columns["pnl"] = _cents(np.array(pnl)[order])
    for name in ("entry_time", "exit_time"):
        columns[name] = pa.array(columns[name], pa.int64()).cast(TRADE_EVENTS_SCHEMA.field(name).type)
    return pa.Table.from_pydict(columns, schema=TRADE_EVENTS_SCHEMA), int(sum(pnl))
