"""Writes of the exchange app (durable transactions; side effects after commit)."""
