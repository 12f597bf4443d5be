"""Perpetual contracts and maintenance-margin tiers, loaded from the bundled tables.

``data/contracts.csv`` has one row per symbol; ``data/maint_tiers.csv`` one row per tier of a
named ladder that contracts refer to. Each row says whether its values are ``public`` (from the
BingX reference: BTC-USDT's precision, minimums, leverage, fees and first two tiers; ETH-USDT's
first tier and leverage) or ``assumed`` (templates: tick from the coin's 2023 price level, step
such that one step is worth at most 5 USDT, ladder by leverage class). Loading checks that every
ladder is contiguous and that its maintenance amounts keep the maintenance margin continuous.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path

from exchange_mock.money import fmt

QUOTE = "USDT"


def to_venue_symbol(symbol: str) -> str:
    """``BTCUSDT`` (the data's Binance name) -> ``BTC-USDT`` (the venue's)."""
    if "-" in symbol:
        return symbol
    if not symbol.endswith(QUOTE) or len(symbol) == len(QUOTE):
        raise ValueError(f"not a USDT pair: {symbol!r}")
    return f"{symbol[:-len(QUOTE)]}-{QUOTE}"


def from_venue_symbol(symbol: str) -> str:
    """``BTC-USDT`` -> ``BTCUSDT``."""
    return symbol.replace("-", "")


@dataclass(frozen=True, slots=True)
class MaintTier:
    tier: int
    min_value: Decimal
    max_value: Decimal
    rate: Decimal
    amount: Decimal
    source: str

    def to_api(self, symbol: str) -> dict[str, str]:
        return {
            "tier": f"Tier {self.tier}",
            "symbol": symbol,
            "minPositionVal": fmt(self.min_value),
            "maxPositionVal": fmt(self.max_value),
            "maintMarginRatio": fmt(self.rate),
            "maintAmount": fmt(self.amount),
        }


@dataclass(frozen=True, slots=True)
class Contract:
    symbol: str
    asset: str
    contract_id: int
    price_precision: int
    quantity_precision: int
    min_qty: Decimal
    min_notional: Decimal
    max_long_leverage: int
    max_short_leverage: int
    maker_fee: Decimal
    taker_fee: Decimal
    tiers: tuple[MaintTier, ...]
    source: str
    note: str
    tick: Decimal = field(init=False)
    step: Decimal = field(init=False)
    tick_f: float = field(init=False)
    _api: dict[str, object] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tick", Decimal(1).scaleb(-self.price_precision))
        object.__setattr__(self, "step", Decimal(1).scaleb(-self.quantity_precision))
        object.__setattr__(self, "tick_f", float(self.tick))
        object.__setattr__(self, "_api", self._api_row())

    def max_leverage(self, direction: int) -> int:
        return self.max_long_leverage if direction > 0 else self.max_short_leverage

    def tier_for(self, position_value: Decimal) -> MaintTier:
        """The tier whose range holds the position value (the top tier beyond its maximum)."""
        for tier in self.tiers:
            if position_value < tier.max_value:
                return tier
        return self.tiers[-1]

    def maintenance_margin(self, position_value: Decimal) -> Decimal:
        tier = self.tier_for(position_value)
        return position_value * tier.rate - tier.amount

    def to_api(self) -> dict[str, object]:
        """The contract as ``/quote/contracts`` lists it: a copy of the row built once. A contract
        is frozen and the table is parsed once per process, while every run asks for the whole
        table several times (ccxt's ``load_markets``, the engine's start and each restart)."""
        return dict(self._api)

    def _api_row(self) -> dict[str, object]:
        return {
            "contractId": str(self.contract_id),
            "symbol": self.symbol,
            "size": fmt(self.step),
            "quantityPrecision": self.quantity_precision,
            "pricePrecision": self.price_precision,
            "feeRate": fmt(self.taker_fee),
            "makerFeeRate": fmt(self.maker_fee),
            "takerFeeRate": fmt(self.taker_fee),
            "tradeMinLimit": 0,
            "tradeMinQuantity": fmt(self.min_qty),
            "tradeMinUSDT": fmt(self.min_notional),
            "maxLongLeverage": self.max_long_leverage,
            "maxShortLeverage": self.max_short_leverage,
            "currency": QUOTE,
            "asset": self.asset,
            "status": 1,
            "apiStateOpen": "true",
            "apiStateClose": "true",
            "ensureTrigger": False,
            "triggerFeeRate": fmt(self.taker_fee),
            "brokerState": False,
            "launchTime": 0,
            "maintainTime": 0,
            "offTime": 0,
            "displayName": self.symbol,
        }


def _read_text(path: Path | None, name: str) -> str:
    if path is None:
        return resources.files("exchange_mock").joinpath("data", name).read_text(encoding="utf-8")
    return (path / name).read_text(encoding="utf-8")


def _read_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(text.splitlines()))


def _load_ladders(rows: list[dict[str, str]]) -> dict[str, tuple[MaintTier, ...]]:
    ladders: dict[str, list[MaintTier]] = {}
    for row in rows:
        ladders.setdefault(row["tiers"], []).append(MaintTier(
            tier=int(row["tier"]),
            min_value=Decimal(row["minPositionVal"]),
            max_value=Decimal(row["maxPositionVal"]),
            rate=Decimal(row["maintMarginRatio"]),
            amount=Decimal(row["maintAmount"]),
            source=row["source"],
        ))
    for name, tiers in ladders.items():
        previous: MaintTier | None = None
        for tier in tiers:
            expected_min = previous.max_value if previous else Decimal(0)
            expected_amount = (previous.amount + tier.min_value * (tier.rate - previous.rate)
                               if previous else Decimal(0))
            if tier.min_value != expected_min or tier.amount != expected_amount:
                raise ValueError(f"maintenance ladder {name} tier {tier.tier} is not continuous")
            previous = tier
    return {name: tuple(tiers) for name, tiers in ladders.items()}


TEMPLATE_LADDER = "L50"
TEMPLATE_NOTE = "template: tick for 5 significant digits at the first price, step*price<=5 USDT, tiers L50"


def template_row(symbol: str, price: Decimal) -> dict[str, str]:
    """A contract row for a symbol the table lacks, the way the bundled template rows were made:
    a tick giving 5 significant digits at ``price``, the largest power-of-ten step worth at most
    5 USDT, minimum 2 USDT, 50x, BingX's standard fees, the L50 ladder."""
    if not price.is_finite() or price <= 0:
        raise ValueError(f"{symbol}: a template contract needs a positive first price, got {price}")
    digits = price.adjusted()          # floor(log10(price)), exact
    price_precision = max(0, 4 - digits)
    quantity_precision = 0
    while Decimal(1).scaleb(-quantity_precision) * price > 5:
        quantity_precision += 1
    step = Decimal(1).scaleb(-quantity_precision)
    return {"symbol": symbol, "pricePrecision": str(price_precision), "quantityPrecision": str(quantity_precision),
            "tradeMinQuantity": str(step), "tradeMinUSDT": "2", "maxLongLeverage": "50", "maxShortLeverage": "50",
            "makerFeeRate": "0.0002", "takerFeeRate": "0.0005", "tiers": TEMPLATE_LADDER, "source": "template",
            "note": f"{TEMPLATE_NOTE} ({price})"}


def load_contracts(directory: Path | None = None, templates: dict[str, Decimal] | None = None) -> dict[str, Contract]:
    """All contracts by venue symbol, from ``directory`` or the bundled tables, plus a template
    contract for each symbol of ``templates`` (symbol -> reference price) the tables lack.

    The files are read on every call (an edited table is seen at once); the parse of the same
    text is kept, as a swarm worker builds a venue for each of thousands of seeds."""
    texts = (_read_text(directory, "contracts.csv"), _read_text(directory, "maint_tiers.csv"))
    return dict(_parse_contracts(*texts, tuple(sorted((templates or {}).items()))))


@functools.lru_cache(maxsize=16)
def _parse_contracts(contracts_text: str, tiers_text: str,
                     templates: tuple[tuple[str, Decimal], ...]) -> dict[str, Contract]:
    """The contract table of these texts (callers get a copy: a ``Contract`` is frozen)."""
    ladders = _load_ladders(_read_rows(tiers_text))
    contracts: dict[str, Contract] = {}
    rows = _read_rows(contracts_text)
    known = {row["symbol"] for row in rows}
    rows += [template_row(s, p) for s, p in templates if s not in known]
    for index, row in enumerate(rows, start=1):
        contract = Contract(
            symbol=row["symbol"],
            asset=row["symbol"].split("-")[0],
            contract_id=100000 + index,
            price_precision=int(row["pricePrecision"]),
            quantity_precision=int(row["quantityPrecision"]),
            min_qty=Decimal(row["tradeMinQuantity"]),
            min_notional=Decimal(row["tradeMinUSDT"]),
            max_long_leverage=int(row["maxLongLeverage"]),
            max_short_leverage=int(row["maxShortLeverage"]),
            maker_fee=Decimal(row["makerFeeRate"]),
            taker_fee=Decimal(row["takerFeeRate"]),
            tiers=ladders[row["tiers"]],
            source=row["source"],
            note=row["note"],
        )
        first = contract.tiers[0].rate + contract.taker_fee
        if first * max(contract.max_long_leverage, contract.max_short_leverage) >= 1:
            raise ValueError(f"{contract.symbol}: max leverage would be liquidated on entry")
        contracts[contract.symbol] = contract
    return contracts
