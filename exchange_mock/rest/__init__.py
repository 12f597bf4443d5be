"""An HTTP front over the venue that speaks BingX's USDT-M perpetual REST dialect, so that a BingX
client (ccxt's ``bingx`` class, or the live execution code) trades the mock unchanged.

    from exchange_mock import Venue
    from exchange_mock.rest import VenueHost, create_app, load_accounts, new_token, uvicorn_options
    host = VenueHost(Venue(), load_accounts("accounts.yaml"))
    app = create_app(host, clock=lambda: time.time_ns() // 10**6, admin_token=new_token())  # an ASGI app
    uvicorn.run(app, host="127.0.0.1", **uvicorn_options())  # the parser settings the limits rely on

The same app serves BingX's swap WebSocket streams at ``/swap-market`` (``streams``): market
topics, and with a listen key the account's order and balance events.

The package reads no clock itself: the caller passes one (ms since the epoch) for signature
timestamps and rate limits, and the venue's own time moves only through ``VenueHost.advance``.
"""
from exchange_mock.rest.accounts import (
    DEMO_ACCOUNT,
    AccountsFile,
    AccountsFileError,
    ApiAccount,
    load_accounts,
    load_accounts_file,
    parse_accounts,
)
from exchange_mock.rest.admin import TOKEN_HEADER, new_token
from exchange_mock.rest.app import create_app
from exchange_mock.rest.host import VenueHost
from exchange_mock.rest.limits import Limits, uvicorn_options
from exchange_mock.rest.ratelimit import Clock
from exchange_mock.rest.streams import StreamSettings

__all__ = [
    "create_app", "VenueHost", "Clock", "Limits", "StreamSettings", "uvicorn_options", "TOKEN_HEADER", "new_token",
    "ApiAccount", "AccountsFile", "AccountsFileError", "DEMO_ACCOUNT", "load_accounts", "load_accounts_file",
    "parse_accounts",
]
