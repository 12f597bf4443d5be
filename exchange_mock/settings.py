"""An account's own choices: leverage per symbol and side, margin type per symbol, position mode.

Until the account sets them, a symbol uses the venue's defaults (the default leverage capped by
the symbol's maximum, the default margin type). Checking a new leverage against the margin it
would need is the account's job; this module owns what may be asked at all.
"""
from __future__ import annotations

from exchange_mock.config import VenueConfig
from exchange_mock.contracts import Contract
from exchange_mock.enums import MarginType, PositionSide
from exchange_mock.errors import Code, VenueError, bad_request

_DIRECTIONS = {PositionSide.BOTH: (1, -1), PositionSide.LONG: (1,), PositionSide.SHORT: (-1,)}


class AccountSettings:
    def __init__(self, config: VenueConfig) -> None:
        self._default_leverage = config.default_leverage
        self._default_margin_type = config.default_margin_type
        self.dual_side = config.dual_side_position
        self._leverage: dict[str, tuple[int, int]] = {}
        self._margin_type: dict[str, str] = {}

    def leverage(self, contract: Contract, direction: int) -> int:
        pair = self._leverage.get(contract.symbol)
        if pair is None:
            return min(self._default_leverage, contract.max_leverage(direction))
        return pair[0] if direction > 0 else pair[1]

    def leverage_pair(self, contract: Contract) -> tuple[int, int]:
        """(long, short) leverage of the symbol."""
        return self.leverage(contract, 1), self.leverage(contract, -1)

    def store_leverage(self, contract: Contract, pair: tuple[int, int]) -> None:
        self._leverage[contract.symbol] = pair

    def margin_type(self, symbol: str) -> str:
        return self._margin_type.get(symbol, self._default_margin_type)

    def isolated(self, symbol: str) -> bool:
        return self.margin_type(symbol) == MarginType.ISOLATED

    def store_margin_type(self, symbol: str, margin_type: str) -> None:
        self._margin_type[symbol] = margin_type

    def hedge_closes(self, position_side: str, direction: int) -> bool:
        """Whether an order closes by its position side alone: hedge mode, SELL+LONG or BUY+SHORT."""
        return self.dual_side and ((position_side == PositionSide.LONG and direction < 0)
                                   or (position_side == PositionSide.SHORT and direction > 0))

    def leverage_directions(self, contract: Contract, side: str, leverage: int) -> tuple[int, ...]:
        """The directions a leverage request for ``side`` changes, once it is known to be allowed."""
        if leverage < 1:
            raise VenueError(Code.INVALID_PARAMETER, detail=f"leverage: invalid value {leverage}")
        if self.dual_side and side == PositionSide.BOTH:
            raise bad_request("side must be LONG or SHORT in Hedge mode")
        directions = _DIRECTIONS[PositionSide(side)]
        for d in directions:
            if leverage > contract.max_leverage(d):
                raise VenueError(Code.MAX_LEVERAGE, max_leverage=contract.max_leverage(d))
        return directions
