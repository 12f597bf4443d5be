"""Recorded BLUE trades: their tables, and a seeded generator that imitates the recorded data."""
