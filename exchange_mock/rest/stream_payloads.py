"""What the WebSocket streams send, in BingX's swap stream shapes, built from the REST endpoints'
own rows so that no number is computed twice: a ticker pushed at a step is ``ticker`` at that
step with BingX's one-letter stream keys, a kline is the latest ``klines`` row, the book is
``depth``, a public trade is a ``trades`` row, an order event carries ``query_order`` and
``allFillOrders`` rows, an account event the ``balance`` and ``positions`` rows.

Where the BingX reference is silent on a stream field, the field is the one ccxt's bingx pro
parser reads (the README's stream table says which). Frames are gzip-compressed JSON with a
zero gzip timestamp, so equal payloads are equal bytes.
"""
from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Collection

from exchange_mock.contracts import QUOTE
from exchange_mock.endpoints.market_history import KLINE_INTERVALS
from exchange_mock.enums import OrderStatus, PositionSide
from exchange_mock.envelope import error
from exchange_mock.errors import Code, VenueError
from exchange_mock.money import fmt_money
from exchange_mock.venue import AccountApi

Payload = dict[str, Any]
#: The book depths BingX's swap stream serves, and the push intervals a depth topic may name
#: (accepted and ignored: this server pushes on every venue step).
STREAM_DEPTHS = ("5", "10", "20", "50", "100")
DEPTH_INTERVALS = ("100", "200", "500", "1000")
_TOPIC = re.compile(r"(?P<symbol>[A-Z0-9]+-[A-Z0-9]+)@(?P<channel>ticker|trade|kline_(?P<interval>\w+)"
                    r"|depth(?P<levels>\d+)(?:@(?P<every>\d+)ms)?)")


class Channel(str, Enum):
    TICKER = "ticker"
    KLINE = "kline"
    DEPTH = "depth"
    TRADE = "trade"


class ExecType(str, Enum):
    """``x`` of an ORDER_TRADE_UPDATE: what happened to the order."""

    NEW = "NEW"
    TRADE = "TRADE"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"


class UpdateReason(str, Enum):
    """``a.m`` of an ACCOUNT_UPDATE: why the balance or a position moved."""

    ORDER = "ORDER"
    FUNDING_FEE = "FUNDING_FEE"
    ADJUSTMENT = "ADJUSTMENT"


class TopicError(ValueError):
    """A dataType this server does not stream; the message says which part is wrong."""


@dataclass(frozen=True, slots=True)
class Topic:
    """One market subscription: ``data_type`` as the client sent it, echoed in every push."""

    data_type: str
    symbol: str
    channel: Channel
    interval: str = ""
    levels: str = ""


def parse_topic(data_type: Any, symbols: Collection[str]) -> Topic:
    """``<SYMBOL>@ticker``, ``@trade``, ``@kline_<interval>`` (the REST kline intervals) or
    ``@depth<N>[@<ms>ms]`` (N in ``STREAM_DEPTHS``); ``TopicError`` for anything else."""
    match = _TOPIC.fullmatch(data_type) if isinstance(data_type, str) else None
    if match is None:
        raise TopicError(f"dataType {data_type!r} is not <SYMBOL>@ticker, @trade, @kline_<interval> or @depth<N>")
    symbol = match["symbol"]
    if symbol not in symbols:
        raise TopicError(f"dataType {data_type!r}: symbol {symbol} is not listed")
    if match["interval"] is not None:
        if match["interval"] not in KLINE_INTERVALS:
            raise TopicError(f"dataType {data_type!r}: interval must be one of {', '.join(KLINE_INTERVALS)}")
        return Topic(data_type, symbol, Channel.KLINE, interval=match["interval"])
    if match["levels"] is not None:
        if match["levels"] not in STREAM_DEPTHS or (match["every"] or "100") not in DEPTH_INTERVALS:
            raise TopicError(f"dataType {data_type!r}: depth must be one of {', '.join(STREAM_DEPTHS)}, "
                             f"the interval one of {', '.join(DEPTH_INTERVALS)} ms")
        return Topic(data_type, symbol, Channel.DEPTH, levels=match["levels"])
    return Topic(data_type, symbol, Channel(match["channel"]))


def frame(payload: Payload | str) -> bytes:
    """One binary frame as BingX sends it: gzip of the JSON text (or of ``Ping``)."""
    text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"), allow_nan=False)
    return gzip.compress(text.encode("utf-8"), mtime=0)


def ack(request_id: str) -> Payload:
    """The answer to a good sub or unsub, in the shape ccxt's bingx parser reads for swap."""
    return {"id": request_id, "code": 0, "msg": "", "dataType": "", "data": None}


def refusal(request_id: str, detail: str) -> Payload:
    """The answer to a request this server cannot serve: 80014 with BingX's invalid-parameter
    message, as BingX answers a bad subscription."""
    exc = VenueError(Code.INVALID_PARAMETER, detail=detail)
    return {"id": request_id, **error(exc.code, exc.msg), "dataType": "", "data": None}


def _data(reply: Payload) -> Any:
    return reply["data"] if reply["code"] == 0 else None


def market_push(venue: AccountApi, topic: Topic) -> Payload | None:
    """The push of a ticker, kline or depth topic at the venue's current step (``None`` while
    the symbol has no price). Trades are pushed by ``trade_push``, as they happen."""
    head = {"code": 0, "dataType": topic.data_type}
    if topic.channel is Channel.DEPTH:
        book = _data(venue.depth(symbol=topic.symbol, limit=topic.levels))
        return None if book is None else {**head, "ts": book["T"], "data": {"bids": book["bids"], "asks": book["asks"]}}
    if topic.channel is Channel.TICKER:
        row = _data(venue.ticker(symbol=topic.symbol))
        return None if row is None else {**head, "s": topic.symbol, "data": _ticker(row)}
    rows = _data(venue.klines(symbol=topic.symbol, interval=topic.interval, limit="1"))
    return {**head, "s": topic.symbol, "data": [_kline(r) for r in rows]} if rows else None


def _ticker(row: Payload) -> Payload:
    return {"e": "24hTicker", "E": row["closeTime"], "s": row["symbol"], "p": row["priceChange"],
            "P": row["priceChangePercent"], "c": row["lastPrice"], "L": row["lastQty"], "h": row["highPrice"],
            "l": row["lowPrice"], "v": row["volume"], "q": row["quoteVolume"], "o": row["openPrice"],
            "O": row["openTime"], "C": row["closeTime"], "A": row["askPrice"], "a": row["askQty"],
            "B": row["bidPrice"], "b": row["bidQty"]}


def _kline(row: Payload) -> Payload:
    """``T`` is the kline's open time: ccxt's parser reads it so for linear swaps."""
    return {"o": row["open"], "h": row["high"], "l": row["low"], "c": row["close"], "v": row["volume"],
            "T": row["time"]}


def trade_push(topic: Topic, rows: list[Payload]) -> Payload:
    """Public trades (``trades`` rows) in the swap stream's shape: ``m`` is buyer-is-maker."""
    return {"code": 0, "dataType": topic.data_type,
            "data": [{"q": r["qty"], "p": r["price"], "T": r["time"], "m": r["isBuyerMaker"], "s": topic.symbol}
                     for r in rows]}


def order_update(ts_ms: int, order: Payload, exec_type: ExecType, fill: Payload | None = None,
                 status: str | None = None) -> Payload:
    """ORDER_TRADE_UPDATE from a ``query_order`` row, and for a TRADE the ``allFillOrders`` row
    of the fill: ``l``/``L`` its quantity and price, ``n`` its commission (negative: paid), ``t``
    its trade id, ``m`` whether it made liquidity (``t``, ``m`` and ``ro`` are what ccxt reads).
    ``status`` is the order's status right after that fill; ``z`` and ``ap`` are its totals now."""
    body = {"s": order["symbol"], "c": order["clientOrderId"], "i": str(order["orderId"]), "S": order["side"],
            "o": order["type"], "q": order["origQty"], "p": order["price"], "ap": order["avgPrice"],
            "x": exec_type.value, "X": status or order["status"], "N": QUOTE, "n": order["commission"],
            "T": order["updateTime"], "wt": order["workingType"], "ps": order["positionSide"],
            "rp": order["profit"], "z": order["executedQty"], "ro": order["reduceOnly"]}
    if exec_type is ExecType.NEW:
        body.update({"X": OrderStatus.NEW.value, "z": "0", "ap": "0", "n": "0", "rp": "0", "T": order["time"]})
    if fill is not None:
        body.update({"l": fill["volume"], "L": fill["price"], "n": fill["commission"], "rp": fill["realisedPNL"],
                     "t": fill["tradeId"], "T": fill["time"], "m": fill["isMaker"]})
    return {"e": "ORDER_TRADE_UPDATE", "E": ts_ms, "T": body["T"], "o": body}


def account_update(ts_ms: int, reason: UpdateReason, balance: Payload, wallet_before: str,
                   positions: list[Payload]) -> Payload:
    """ACCOUNT_UPDATE from the ``balance`` row (``wb`` the wallet balance, ``cw`` the available
    margin, ``bc`` the wallet's change since the last push) and ``position_entry`` rows."""
    change = fmt_money(Decimal(balance["balance"]) - Decimal(wallet_before))
    return {"e": "ACCOUNT_UPDATE", "E": ts_ms, "T": ts_ms, "a": {
        "m": reason.value,
        "B": [{"a": balance["asset"], "wb": balance["balance"], "cw": balance["availableMargin"], "bc": change}],
        "P": positions}}


def position_entry(row: Payload, closed: bool = False) -> Payload:
    """A ``positions`` row as ACCOUNT_UPDATE's ``P`` entry. One-way positions go as ``ps`` BOTH
    with a signed ``pa``, as BingX sends them; a position that closed goes once with ``pa`` 0."""
    amount = "0" if closed else row["positionAmt"]
    side = row["positionSide"]
    if row["onlyOnePosition"] and not closed:
        side, amount = PositionSide.BOTH.value, amount if side == PositionSide.LONG else f"-{amount}"
    return {"s": row["symbol"], "pa": amount, "ep": "0" if closed else row["avgPrice"],
            "up": "0" if closed else row["unrealizedProfit"], "mt": "isolated" if row["isolated"] else "crossed",
            "iw": "0" if closed else row["margin"], "ps": side}
