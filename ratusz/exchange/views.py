"""Pages of the exchange app: parse, check access, one service or selector call, render."""
