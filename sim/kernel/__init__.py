"""The simulation kernel: simulated time, the feed of scans, and the link to the venue.

    clock.py     integer-ms time and the priority of same-instant events
    feed.py      batches of scans in, the engine's decisions per batch, wake-ups where something can happen
    requests.py  ``RequestKind`` (every request execution can send) and the venue's endpoints, typed
    link.py      every request and answer crosses it, with latency and (optionally) a fault layer
    latency.py   one-way latency per request kind, seeded jitter
    market.py    each scan's prices into the venue, the venue's clock between scans
    messages.py  what arrives in the engine's inbox besides scans
"""
