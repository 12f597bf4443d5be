"""The venue's endpoints, one module per group of BingX's USDT-M perpetual API."""
