"""Writes of the payments app (durable transactions; side effects after commit)."""
