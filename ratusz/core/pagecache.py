"""The page cache of the public pages (BIP, the units' websites), and its invalidation.

Rendered pages live in the ``pages`` cache: memory of each process (fast: a hit is one
dictionary lookup and no network). Their keys carry the gmina's *generation*, a token
kept in the ``default`` cache that every process shares (Redis in production, files under
VAR_DIR on the embedded defaults). An edit that changes what the public sees calls
``invalidate(municipality_id)`` (after its transaction commits): the generation gets a new
value and every process, which re-reads it at most ``RATUSZ_PAGE_CACHE_CHECK_SECONDS``
after its last look, stops finding the gmina's old pages; they expire on their own.

A generation lost from the shared cache (eviction, a restart of Redis) is replaced by a
fresh unique token, never by an old value, so a lost generation can only cause misses.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

GENERATION_PREFIX = "pagegen:"
#: How often a renewal the shared cache refused is tried (the last after 15 s).
BUMP_ATTEMPTS = 5
logger = logging.getLogger("ratusz.pagecache")
_generations: dict[int, tuple[float, str]] = {}
_lock = threading.Lock()


def _shared():
    return caches["default"]


def pages():
    return caches["pages"]


def _fresh_token() -> str:
    return f"{time.time_ns():x}"


def generation(municipality_id: int) -> str:
    """The gmina's current generation, as this process last saw it (at most
    RATUSZ_PAGE_CACHE_CHECK_SECONDS old)."""
    now = time.monotonic()
    known = _generations.get(municipality_id)
    if known is not None and known[0] > now:
        return known[1]
    key = f"{GENERATION_PREFIX}{municipality_id}"
    shared = _shared()
    try:
        token = shared.get(key)
        if token is None:
            shared.add(key, _fresh_token(), timeout=None)
            token = shared.get(key) or _fresh_token()
    except Exception:  # noqa: BLE001 - the shared cache is down (a restart of Redis)
        # A token nobody else has: every page is a miss until the cache answers again,
        # never an old page. Not remembered, so the next request asks again.
        logger.warning("pagecache.shared_cache_unreachable")
        return _fresh_token()
    with _lock:
        if len(_generations) > 10_000:
            _generations.clear()
        _generations[municipality_id] = (now + settings.RATUSZ_PAGE_CACHE_CHECK_SECONDS,
                                         token)
    return token


def later(seconds: float, function, *args) -> None:
    timer = threading.Timer(seconds, function, args)
    timer.daemon = True
    timer.start()


def _replica_may_lag() -> bool:
    return "replica" in settings.DATABASES


def invalidate(municipality_id: int) -> None:
    """Make every process drop the gmina's cached pages; runs when the current
    transaction commits (at once outside one).

    With a read replica (DATABASE_REPLICA_URL), a page rendered just after the commit may
    have read the replica before it replayed the edit, and been cached under the new
    generation: the generation is renewed once more when the replica may lag no longer
    (RATUSZ_REPLICA_MAX_LAG_SECONDS later; beyond that lag reads go to the primary)."""

    def bump(attempt: int = 1) -> None:
        token = _fresh_token()
        with _lock:
            _generations[municipality_id] = (
                time.monotonic() + settings.RATUSZ_PAGE_CACHE_CHECK_SECONDS, token)
        try:
            _shared().set(f"{GENERATION_PREFIX}{municipality_id}", token, timeout=None)
        except Exception:  # noqa: BLE001 - the shared cache is down; the edit has committed
            # Tried again in the background (1, 2, 4, 8, 16 s): the other processes keep
            # their pages until the shared cache takes the new generation.
            logger.warning("pagecache.generation_not_renewed",
                           extra={"municipality_id": municipality_id, "attempt": attempt})
            if attempt < BUMP_ATTEMPTS:
                later(2 ** (attempt - 1), bump, attempt + 1)

    def bump_now_and_after_the_replica() -> None:
        bump()
        if _replica_may_lag():
            later(settings.RATUSZ_REPLICA_MAX_LAG_SECONDS, bump)

    transaction.on_commit(bump_now_and_after_the_replica)


def key(municipality_id: int, language: str, full_path: str) -> str:
    digest = hashlib.blake2b(full_path.encode(), digest_size=16).hexdigest()
    return f"page:{municipality_id}:{generation(municipality_id)}:{language}:{digest}"


def get(page_key: str):
    return pages().get(page_key)


def put(page_key: str, value, seconds: int) -> None:
    pages().set(page_key, value, seconds)


def forget_process_state() -> None:
    """Forget the generations this process has seen (tests; a fresh process)."""
    with _lock:
        _generations.clear()
