"""Two API keys trade the same symbol at the same time, each on its own account: neither sees
nor touches the other's orders, positions or balance."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import ccxt
import pytest
from rest_kit import ALICE, BOB, BTC, START_MS, TestClock, advance, exchange

from exchange_mock.rest import ApiAccount, VenueHost


def _trade(base_url: str, account: ApiAccount, side: str, amount: float, rounds: int) -> dict[str, Any]:
    """Open, rest an order, then read back what the key can see."""
    ex = exchange(base_url, account)
    for _ in range(rounds):
        ex.create_order(BTC, "market", side, amount)
    resting = ex.create_order(BTC, "limit", side, amount, 50000 if side == "buy" else 70000)
    return {
        "resting": resting["id"],
        "open": [o["id"] for o in ex.fetch_open_orders(BTC)],
        "positions": [(p["side"], p["contracts"]) for p in ex.fetch_positions([BTC])],
        "wallet": ex.fetch_balance()["info"]["data"][0]["balance"],
    }


def test_two_keys_trading_concurrently_see_only_their_own_books(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    with ThreadPoolExecutor(max_workers=2) as pool:
        alice_run = pool.submit(_trade, server, ALICE, "sell", 0.01, 3)
        bob_run = pool.submit(_trade, server, BOB, "buy", 0.02, 3)
        alice, bob = alice_run.result(timeout=60), bob_run.result(timeout=60)

    assert alice["open"] == [alice["resting"]] and bob["open"] == [bob["resting"]]
    assert alice["positions"] == [("short", 0.03)] and bob["positions"] == [("long", 0.06)]
    for key, seen in ((ALICE.api_key, alice), (BOB.api_key, bob)):  # each wallet paid its own fees only
        assert Decimal(seen["wallet"]) == host.accounts[key].account_snapshot()["wallet"]
    assert Decimal(alice["wallet"]) == 10000 - Decimal("0.0005") * 3 * 600  # taker fee on 3 x 600 USDT

    bob_ex = exchange(server, BOB)
    for attempt in (lambda: bob_ex.fetch_order(alice["resting"], BTC),
                    lambda: bob_ex.cancel_order(alice["resting"], BTC)):
        with pytest.raises(ccxt.BaseError) as refused:
            attempt()
        assert type(refused.value) is ccxt.OrderNotFound and '"code":80016' in str(refused.value)
    assert bob_ex.cancel_all_orders(BTC)  # cancels Bob's order only
    assert exchange(server, ALICE).fetch_open_orders(BTC)[0]["id"] == alice["resting"]
    for account in host.accounts.values():
        assert account.reconcile().ok


def test_rate_limits_are_per_key(server: str, clock: TestClock) -> None:
    alice, bob = exchange(server, ALICE), exchange(server, BOB)
    with clock.freeze():
        for _ in range(5):
            alice.fetch_balance()
        with pytest.raises(ccxt.RateLimitExceeded):
            alice.fetch_balance()
        assert bob.fetch_balance()["USDT"]["free"] == 5000.0
