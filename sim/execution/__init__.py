"""V4 execution: the trader process, what it learns from the venue, and what it remembers.

    config.py      ``ExecutionConfig``: capital, margin type, V4 caps, maker policy
    intent.py      ``EntryIntent``: one decision's entry, with the conviction after the V4 cap
    client_ids.py  the clientOrderID scheme (entry, fallbacks, exits) and its parser
    replies.py     typed readings of the venue's envelopes (orders, positions, balance, income)
    book.py        the trade book: fills of the trade in progress, closed trades, the day's PnL
    memory.py      what a restarted engine reads back from its journal
    trader.py      ``Execution``: the slot, V4 gates, entries, exits, the venue's truth
    recovery.py    the restart after a crash: rebuild from memory, reconcile with the venue
    host.py        ``EngineHost``: the process boundary (start, crash, restart) around execution
"""
