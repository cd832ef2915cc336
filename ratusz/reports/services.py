"""Writes of the reports app (durable transactions; side effects after commit)."""
