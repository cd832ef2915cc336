"""Idempotency keys of API writes (`Idempotency-Key` header).

A key belongs to the caller that sent it (the API token, else the signed-in user), never to
the whole gmina: two systems of one gmina may well pick the same key. What is stored with
the created row is `scoped_key(...)` (fixed length, fits a CharField of 80), and beside it
`fingerprint(body)`: a repeat with the same key and the same body answers the first
result; the same key with another body is a conflict (409), never a silent "first one"."""

from __future__ import annotations

import hashlib
import json

#: Longest key a client may send (RFC draft "The Idempotency-Key HTTP Header Field" leaves
#: it open; 255 is what the common gateways accept).
MAX_KEY_LENGTH = 255


class IdempotencyConflict(Exception):
    """The key was used before with another request body."""


def caller_of(request) -> str:
    """Who owns the keys of this request: the API token, else the user."""
    token = getattr(request, "api_token", None)
    if token is not None:
        return f"t{token.pk}"
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "pk", None):
        return f"u{user.pk}"
    return "anonymous"


def scoped_key(caller: str, raw_key: str) -> str:
    """The stored form of a caller's key ("" when no key was sent): 'k:' + 67 hex chars."""
    raw_key = (raw_key or "").strip()
    if not raw_key:
        return ""
    digest = hashlib.sha256(f"{caller}\n{raw_key}".encode()).hexdigest()
    return f"k:{digest}"


def fingerprint(body) -> str:
    """A stable digest of a request body (JSON-like data; key order does not matter)."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_repeat(stored_fingerprint: str, body_fingerprint: str) -> None:
    """Raise IdempotencyConflict when a repeat's body differs from the first one's."""
    if stored_fingerprint and stored_fingerprint != body_fingerprint:
        raise IdempotencyConflict
