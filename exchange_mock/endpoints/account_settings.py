"""Account settings: leverage (with what it allows to open), margin type, position mode."""
from __future__ import annotations

from typing import Any

from exchange_mock import params
from exchange_mock.endpoints.base import EndpointGroup
from exchange_mock.enums import MARGIN_TYPES, POSITION_SIDES, MarginType
from exchange_mock.envelope import NO_DATA, endpoint
from exchange_mock.errors import bad_request
from exchange_mock.money import ROUND_DOWN, ZERO, divide, fmt, fmt_money


def _tf(value: bool) -> str:
    return "true" if value else "false"


class AccountSettingsApi(EndpointGroup):
    """Endpoints that change or report the account's settings."""

    @endpoint
    def get_leverage(self, symbol: str | None = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        acct = self._account
        long_lev, short_lev = acct.leverage(contract, 1), acct.leverage(contract, -1)
        available = max(ZERO, acct.available())
        price = self._market.last_price(contract)
        taker = self._market.matcher.fee_rate(contract, maker=False)

        def volume(leverage: int) -> str:
            """Largest quantity whose initial margin and taker fee at the last price fit."""
            if not price:
                return "0"
            return fmt(divide(available * leverage, price * (1 + leverage * taker), contract.step, ROUND_DOWN))

        cap = fmt(contract.tiers[-1].max_value)
        return {
            "longLeverage": long_lev,
            "shortLeverage": short_lev,
            "maxLongLeverage": contract.max_long_leverage,
            "maxShortLeverage": contract.max_short_leverage,
            "availableLongVol": volume(long_lev),
            "availableShortVol": volume(short_lev),
            "availableLongVal": fmt_money(available * long_lev),
            "availableShortVal": fmt_money(available * short_lev),
            "maxPositionLongVal": cap,
            "maxPositionShortVal": cap,
        }

    @endpoint
    def set_leverage(self, symbol: str | None = None, side: str | None = None, leverage: Any = None,
                     **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        chosen = params.choice("side", side, POSITION_SIDES)
        value = params.integer("leverage", leverage, needed=True)
        self._account.set_leverage(contract, chosen, value)
        return {"leverage": value, "symbol": contract.symbol}

    @endpoint
    def get_margin_type(self, symbol: str | None = None, **extra: Any) -> dict[str, str]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        return {"marginType": self._account.margin_type(contract.symbol)}

    @endpoint
    def set_margin_type(self, symbol: str | None = None, marginType: str | None = None, **extra: Any) -> object:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        chosen = params.choice("marginType", marginType, MARGIN_TYPES)
        if chosen not in tuple(MarginType):
            raise bad_request(f"marginType {chosen} is not supported by this venue")
        self._account.set_margin_type(contract, chosen)
        return NO_DATA

    @endpoint
    def get_position_mode(self, **extra: Any) -> dict[str, str]:
        params.check_extra(extra)
        return {"dualSidePosition": _tf(self._account.dual_side)}

    @endpoint
    def set_position_mode(self, dualSidePosition: Any = None, **extra: Any) -> dict[str, str]:
        params.check_extra(extra)
        if dualSidePosition is None or dualSidePosition == "":
            raise params.required("dualSidePosition")
        self._account.set_position_mode(params.flag("dualSidePosition", dualSidePosition))
        return {"dualSidePosition": _tf(self._account.dual_side)}
