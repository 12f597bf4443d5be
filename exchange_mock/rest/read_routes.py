"""Read-only routes: public market data from the replay, and an account's history."""
from __future__ import annotations

from exchange_mock.endpoints.market_history import KLINE_INTERVALS
from exchange_mock.endpoints.market_quotes import DEPTH_LIMITS
from exchange_mock.rest.routing import FIVE_PER_S, MARKET, Param, Route, venue_call

_SYMBOL = Param("symbol", "symbol")
_SYMBOL_NEEDED = Param("symbol", "symbol", required=True)

_KLINE_FIELDS = (_SYMBOL_NEEDED, Param("interval", required=True, enum=tuple(KLINE_INTERVALS)),
                 Param("startTime", "integer"), Param("endTime", "integer"), Param("limit", "integer"))
_KLINE_NOTE = ("Klines are the prices the venue was advanced to (the scans served so far), merged from "
               "one-minute bars; volume is what the venue's accounts filled in the interval; an interval "
               "with no price step has no kline. Without startTime the latest `limit` klines.")

MARKET_ROUTES: tuple[Route, ...] = (
    Route("ticker", "GET", "/openApi/swap/v2/quote/ticker", "24 h ticker",
          venue_call("ticker"), MARKET, private=False, params=(_SYMBOL,),
          note="Statistics over the minute bars of the last 24 h of served prices and the venue's fills; "
               "bid and ask are the spread model's quote. Without a symbol: every symbol that has a price."),
    Route("book_ticker", "GET", "/openApi/swap/v2/quote/bookTicker", "Best bid and ask",
          venue_call("book_ticker"), MARKET, private=False, params=(_SYMBOL_NEEDED,),
          note="The reply shape (data.book_ticker with bid_price, bid_qty, ask_price, ask_qty) is the one "
               "ccxt's bingx parser reads; quantities are the synthetic depth's level size."),
    Route("depth", "GET", "/openApi/swap/v2/quote/depth", "Order book",
          venue_call("depth"), MARKET, private=False, params=(_SYMBOL_NEEDED, Param("limit", enum=DEPTH_LIMITS)),
          note="A synthetic, deterministic book: level 0 is the spread model's bid and ask, each further "
               "level one tick worse, each level 10000 USDT at the best price (rounded down to the step, "
               "at least the minimum quantity). Default 20 levels."),
    Route("klines", "GET", "/openApi/swap/v3/quote/klines", "Klines of the last price",
          venue_call("klines"), MARKET, private=False, params=_KLINE_FIELDS, note=_KLINE_NOTE),
    Route("mark_klines", "GET", "/openApi/swap/v1/market/markPriceKlines", "Klines of the mark price",
          venue_call("mark_klines"), MARKET, private=False, params=_KLINE_FIELDS,
          note=_KLINE_NOTE + " The path is the one ccxt's bingx class calls for price='mark'."),
    Route("trades", "GET", "/openApi/swap/v2/quote/trades", "Recent public trades",
          venue_call("trades"), MARKET, private=False, params=(_SYMBOL_NEEDED, Param("limit", "integer")),
          note="The venue's fills of every account (the venue has no other traders), latest `limit` "
               "(default 500, at most 1000), oldest first."),
    Route("funding_rate_history", "GET", "/openApi/swap/v2/quote/fundingRate", "Funding-rate history",
          venue_call("funding_rate_history"), MARKET, private=False,
          params=(_SYMBOL_NEEDED, Param("startTime", "integer"), Param("endTime", "integer"),
                  Param("limit", "integer")),
          note="The settlements the venue crossed while serving, with the funding model's rate at each."),
    Route("open_interest", "GET", "/openApi/swap/v2/quote/openInterest", "Open interest",
          venue_call("open_interest"), MARKET, private=False, params=(_SYMBOL_NEEDED,),
          note="From the venue's own open positions: the summed size of every account's long and short "
               "positions in the symbol, in USDT at the mark. Shape as ccxt's bingx parser reads it "
               "(openInterest, symbol, time)."),
)

_WINDOW = (Param("startTime", "integer"), Param("endTime", "integer"))
_ORDER_HISTORY = (_SYMBOL, Param("orderId", "integer")) + _WINDOW + (Param("limit", "integer"),)
_MARKET_TIME = "Times are the venue's market time (the replayed clock), not the server's."

HISTORY_ROUTES: tuple[Route, ...] = (
    Route("all_orders", "GET", "/openApi/swap/v2/trade/allOrders", "Ended orders",
          venue_call("all_orders"), FIVE_PER_S, params=_ORDER_HISTORY,
          note="Filled, cancelled and expired orders in data.orders, oldest first (from startTime the first "
               "`limit`, else the latest; default 500, at most 1000). " + _MARKET_TIME),
    Route("full_orders", "GET", "/openApi/swap/v1/trade/fullOrder", "All orders",
          venue_call("full_orders"), FIVE_PER_S, params=_ORDER_HISTORY,
          note="Working and ended orders in data.orders, as allOrders. " + _MARKET_TIME),
    Route("fill_orders", "GET", "/openApi/swap/v2/trade/allFillOrders", "The account's fills",
          venue_call("fill_orders"), FIVE_PER_S,
          params=(_SYMBOL, Param("orderId", "integer"), Param("startTs", "integer"), Param("endTs", "integer"),
                  Param("tradingUnit", enum=("CONT", "COIN"))),
          note="data.fill_orders; besides BingX's fields each row has time (ms), tradeId and isMaker, which "
               "ccxt's bingx parser reads. Quantities are in coins for either tradingUnit. " + _MARKET_TIME),
    Route("position_history", "GET", "/openApi/swap/v1/trade/positionHistory", "Closed positions",
          venue_call("position_history"), FIVE_PER_S,
          params=(_SYMBOL_NEEDED, Param("startTs", "integer"), Param("endTs", "integer"),
                  Param("pageSize", "integer"), Param("pageIndex", "integer")),
          note="Positions that went back to zero, rebuilt from the fills (a flipping fill closes one and "
               "opens the next), with funding booked while open. " + _MARKET_TIME),
    Route("force_orders", "GET", "/openApi/swap/v2/trade/forceOrders", "Liquidation orders",
          venue_call("force_orders"), FIVE_PER_S,
          params=(_SYMBOL, Param("autoCloseType", enum=("LIQUIDATION", "ADL"))) + _WINDOW
          + (Param("limit", "integer"),),
          note="The venue's forced closes in data.orders; it does no auto-deleveraging, so ADL lists none. "
               + _MARKET_TIME),
)
