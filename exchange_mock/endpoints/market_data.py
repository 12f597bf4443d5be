"""Public market data: server time, contracts, mark price and funding, maintenance tiers."""
from __future__ import annotations

from typing import Any

from exchange_mock import params
from exchange_mock.contracts import Contract
from exchange_mock.endpoints.base import EndpointGroup
from exchange_mock.envelope import endpoint
from exchange_mock.models.funding import next_settlement_of
from exchange_mock.money import fmt


class MarketData(EndpointGroup):
    """Public endpoints: they read only the venue core."""

    @endpoint
    def server_time(self, **extra: Any) -> dict[str, int]:
        params.check_extra(extra)
        return {"serverTime": self._market.ts_ms}

    @endpoint
    def contracts(self, symbol: str | None = None, **extra: Any) -> list[dict[str, Any]]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        chosen = [contract] if contract else self._market.contracts.values()
        return [c.to_api() for c in chosen]

    @endpoint
    def premium_index(self, symbol: str | None = None, **extra: Any) -> dict[str, Any] | list[dict[str, Any]]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        if contract is not None:
            return self._premium(contract)
        return [self._premium(c) for c in self._market.contracts.values()]

    def _premium(self, contract: Contract) -> dict[str, Any]:
        mark = self._market.mark_price(contract)
        shown = fmt(mark) if mark is not None else "0"
        next_time = next_settlement_of(self._market.funding, contract.symbol, self._market.ts_ms)
        return {
            "symbol": contract.symbol,
            "markPrice": shown,
            "indexPrice": shown,
            "lastFundingRate": fmt(self._market.funding.rate_at(contract.symbol, next_time)),
            "nextFundingTime": next_time,
        }

    @endpoint
    def maint_margin_ratio(self, symbol: str | None = None, **extra: Any) -> list[dict[str, str]]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        return [t.to_api(contract.symbol) for t in contract.tiers]
