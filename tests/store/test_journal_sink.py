"""Journal sink against embedded ClickHouse: batching, reject at source, exactly-once keys."""
from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from sim.journal.schema import ORDERS
from sim.store.client import session
from sim.store.journal_rows import keyed_payload
from sim.store.journal_sink import ClickHouseJournalSink, JournalSink


def table_rows(dsn: str, table: str) -> list[tuple]:
    with session(dsn) as client:
        return client.query(f"SELECT run_id, batch_seq, row_idx, scan_number, toUnixTimestamp64Milli(ts_ms) "
                            f"FROM {table} ORDER BY run_id, batch_seq, row_idx").result_rows


def test_rows_arrive_in_keyed_batches(dsn, decisions, tmp_path):
    sink: JournalSink = ClickHouseJournalSink("run-a", dsn, spool_dir=tmp_path, batch_rows=100)
    for first in range(0, 250, 70):
        sink.write("decisions", decisions(first, min(70, 250 - first)))
    report = sink.close()
    assert report.delivered == {"decisions": 250}
    assert (report.spooled, report.retries, report.rejected, report.last_error) == (0, 0, {}, None)
    rows = table_rows(dsn, "violet_decisions")
    assert [r[3] for r in rows] == list(range(250))
    assert [(r[1], r[2]) for r in rows] == [(i // 100, i % 100) for i in range(250)]
    assert [r[4] for r in rows] == decisions(0, 250).column("ts_ms").to_pylist()
    assert not list(tmp_path.iterdir())


def test_invalid_rows_are_counted_and_never_inserted(dsn, decisions, tmp_path):
    bad = decisions(0, 6).to_pydict()
    bad["vel_div"][1] = float("nan")
    bad["asset"][2] = None
    bad["action"][3] = "MAYBE"
    bad["ts_ms"][4] = 2**62
    sink = ClickHouseJournalSink("run-b", dsn, spool_dir=tmp_path)
    sink.write("decisions", pa.Table.from_pydict(bad))
    sink.write("decisions", decisions(10, 2).drop_columns(["notional"]))
    report = sink.close()
    assert report.rejected == {"action:not_allowed": 1, "asset:null": 1, "notional:missing": 2,
                               "ts_ms:out_of_range": 1, "vel_div:not_finite": 1}
    assert report.delivered == {"decisions": 2}
    assert [r[3] for r in table_rows(dsn, "violet_decisions")] == [0, 5]


def test_money_is_exact(dsn, tmp_path):
    tiny, big = Decimal("0.000000000000000001"), Decimal("12345678901234567890.123456789012345678")
    order = {
        "ts_ms": [1_781_308_800_000], "order_id": [7], "client_order_id": ["c-7"], "symbol": ["BTCUSDT"],
        "side": ["SELL"], "type": ["MARKET"], "time_in_force": ["GTC"], "reduce_only": [False],
        "purpose": ["ENTRY"], "quantity": [tiny], "price": [big], "status": ["FILLED"],
        "executed_qty": [tiny], "avg_price": [big], "code": [0], "msg": [""]}
    sink = ClickHouseJournalSink("run-c", dsn, spool_dir=tmp_path)
    sink.write("orders", pa.Table.from_pydict(order, schema=ORDERS))
    assert sink.close().delivered == {"orders": 1}
    with session(dsn) as client:
        assert client.query("SELECT quantity, price FROM violet_orders").result_rows == [(tiny, big)]


def test_engine_honours_the_dedup_token(dsn, decisions):
    """The token alone stops a blind re-insert of the same batch (the lost-ack retry)."""
    payload = keyed_payload(decisions(0, 50), "run-d", 0)
    with session(dsn) as client:
        for token in ("run-d/decisions/0", "run-d/decisions/0", "another-token"):
            client.insert_arrow("violet_decisions", payload, settings={"insert_deduplication_token": token})
        count = client.command("SELECT count() FROM violet_decisions")
        final = client.command("SELECT count() FROM violet_decisions FINAL")
    assert (count, final) == (100, 50)  # a new token inserts; the key still collapses it on read


def test_rerun_of_a_run_lands_once(dsn, decisions, tmp_path):
    for attempt in range(2):
        sink = ClickHouseJournalSink("run-e", dsn, spool_dir=tmp_path, batch_rows=100)
        sink.write("decisions", decisions(0, 300))
        report = sink.close()
        assert report.delivered == {"decisions": 300}
        assert report.already_present == 3 * attempt
    assert [r[3] for r in table_rows(dsn, "violet_decisions")] == list(range(300))


def test_unknown_table_is_a_programming_error(dsn, decisions, tmp_path):
    with pytest.raises(ValueError, match="unknown journal table"):
        ClickHouseJournalSink("run-f", dsn, spool_dir=tmp_path).write("decision", decisions(0, 1))
