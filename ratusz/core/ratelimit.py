"""A small fixed-window rate limit on Django's cache: enough to slow down guessing on the
public forms (status checks, submissions without sign-in)."""

from __future__ import annotations

import time

from django.core.cache import cache


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; False once `limit` attempts were made in the current window."""
    bucket = int(time.time() // window_seconds)
    name = f"ratelimit:{scope}:{key}:{bucket}"
    if cache.add(name, 1, timeout=window_seconds + 1):
        return True
    try:
        count = cache.incr(name)
    except ValueError:
        cache.set(name, 1, timeout=window_seconds + 1)
        count = 1
    return count <= limit


def _bucket_name(scope: str, key: str, window_seconds: int) -> str:
    return f"ratelimit:{scope}:{key}:{int(time.time() // window_seconds)}"


def record(scope: str, key: str, *, window_seconds: int) -> int:
    """Count one event (a failure, say) in the current window; returns the count so far."""
    name = _bucket_name(scope, key, window_seconds)
    if cache.add(name, 1, timeout=window_seconds + 1):
        return 1
    try:
        return cache.incr(name)
    except ValueError:
        cache.set(name, 1, timeout=window_seconds + 1)
        return 1


def reached(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Whether `limit` events were already counted in the current window (counts nothing)."""
    return (cache.get(_bucket_name(scope, key, window_seconds)) or 0) >= limit


def forget(scope: str, key: str, *, window_seconds: int) -> None:
    cache.delete(_bucket_name(scope, key, window_seconds))
