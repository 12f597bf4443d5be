"""Scan sources: archives, the synthetic generator and real candles, all yielding ScanBatch."""
