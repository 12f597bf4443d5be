"""Studies of recorded BLUE trades (clean, parity, margin, regimes): JSON, a plot, a web page."""
