"""From a scenario's ``data:`` section to a ScanSource."""
from __future__ import annotations

from sim.scans.archive import ParquetScanSource
from sim.scans.candles import CandleScanSource
from sim.scans.source import ScanSource
from sim.scans.synthetic import SyntheticScanSource
from sim.scenario.schema import CandleData, ClickHouseData, DataSource, ParquetData, SyntheticData


def open_source(data: DataSource, seed: int, extremes: bool = False) -> ScanSource:
    """The scan source a scenario names; the run seed also seeds synthetic data. Archives and
    candles are read with their highs and lows only for a run that looks inside the bars
    (``extremes``): the others would carry two more price arrays for nothing."""
    if isinstance(data, ParquetData):
        return ParquetScanSource(data.path, batch_size=data.batch_size, extremes=extremes)
    if isinstance(data, SyntheticData):
        return SyntheticScanSource(data.config, seed=seed, batch_size=data.batch_size)
    if isinstance(data, CandleData):
        return CandleScanSource(data.dataset, data.assets, data.start, data.end, candles=data.path,
                                marks=data.marks, funding=data.funding, gaps=data.gaps, interval=data.interval,
                                vel_div=data.vel_div, seed=seed, batch_size=data.batch_size, extremes=extremes)
    if isinstance(data, ClickHouseData):
        from sim.store.scan_store import ClickHouseScanSource
        return ClickHouseScanSource(data.dsn, start=data.start, end=data.end, dataset=data.dataset,
                                    batch_size=data.batch_size)
    raise TypeError(f"unknown data source {data!r}")
