"""ClickHouse for the harness, one code path for a server (HTTP) and the embedded engine (chDB).

- ``dsn`` / ``client``: name a target by DSN and connect, with one-line errors;
- ``ddl/*.sql`` / ``schema``: the version-controlled tables and their idempotent creation;
- ``scan_store``: scans in and out as ``ScanBatch`` batches (``ClickHouseScanSource``);
- ``journal_sink``: a run's journal tables into ClickHouse, spooled through outages;
- ``journal_runs``: run ids, the start/end records in ``journal_runs``, and reading runs back;
- ``server_version``: a server too old for the driver named as such;
- ``scratch``: a database per test on ``VIOLET_CLICKHOUSE_DSN`` (or a fresh embedded directory).
"""
