"""Writes of the education app (durable transactions; side effects after commit)."""
