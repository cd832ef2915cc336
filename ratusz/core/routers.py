"""Reads from a streaming replica, writes to the primary, and read-your-writes.

Off unless `DATABASE_REPLICA_URL` is set (config/settings/base.py then adds the `replica`
database, `ReplicaRouter` and `ReplicaReadsMiddleware`). What reads from the replica:

- only requests that change nothing (GET and HEAD), and only their reads outside a
  transaction: a service's transaction reads what it locks and writes on the primary;
- never the tables whose staleness would be a security or sign-in bug: sessions, the
  password lockouts (django-axes), second-factor devices (django-otp) and API tokens;
- never for a client that wrote within `RATUSZ_REPLICA_PIN_SECONDS`: a request that may
  write (POST, PUT, PATCH, DELETE) pins its client to the primary for that long, so the
  client reads its own writes. A browser is pinned by a cookie, an API client by its
  token (a key in the shared cache, so every web host knows it);
- never while the replica is unreachable or more than `RATUSZ_REPLICA_MAX_LAG_SECONDS`
  behind: each process asks the replica at most once every
  `RATUSZ_REPLICA_CHECK_SECONDS`, and reads go to the primary meanwhile.

Tasks, commands and the page-cache fast path read from the primary. Row-level security
holds on the replica as on the primary: it is a physical copy with the same policies, and
every connection carries the tenant setting per transaction (ratusz/core/tenancy.py).
The replica's lag is exported in /metrics (`ratusz_database_replica_lag_seconds`).
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("ratusz.db")

REPLICA = "replica"
PRIMARY = "default"
PIN_COOKIE = "ratusz_primary"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: Apps and models always read from the primary.
PRIMARY_ONLY_APPS = frozenset({"sessions", "axes", "otp_totp", "otp_static", "django_otp"})
PRIMARY_ONLY_MODELS = frozenset({"accounts.apitoken"})

#: True while the current request may read from the replica.
_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "ratusz_replica_reads", default=False)

LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """Reads to the replica while the request allows it; writes and migrations to the
    primary. Both names are one database, so relations between their objects are fine."""

    def db_for_read(self, model, **hints):
        if not _replica_reads.get():
            return PRIMARY
        meta = model._meta
        if meta.app_label in PRIMARY_ONLY_APPS or meta.label_lower in PRIMARY_ONLY_MODELS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


# --- The replica's state, as this process last saw it ---------------------------------------


@dataclass
class ReplicaState:
    checked_at: float = 0.0
    usable: bool = False
    lag_seconds: float | None = None
    error: str = ""


_state = ReplicaState()
_state_lock = threading.Lock()


def measure_replica() -> ReplicaState:
    """Ask the replica how far behind it is (a new state; the process's is not changed)."""
    state = ReplicaState(checked_at=time.monotonic())
    database = connections[REPLICA]
    try:
        with database.cursor() as cursor:
            cursor.execute(LAG_SQL)
            _in_recovery, lag = cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure: read from the primary
        state.error = type(error).__name__
        database.close()
        return state
    state.lag_seconds = float(lag)
    state.usable = state.lag_seconds <= settings.RATUSZ_REPLICA_MAX_LAG_SECONDS
    return state


def replica_usable() -> bool:
    """Whether reads may go to the replica now (checked at most once per
    RATUSZ_REPLICA_CHECK_SECONDS per process; the other threads use the last answer)."""
    global _state
    now = time.monotonic()
    if now - _state.checked_at < settings.RATUSZ_REPLICA_CHECK_SECONDS:
        return _state.usable
    if not _state_lock.acquire(blocking=False):
        return _state.usable
    try:
        previous = _state
        _state = measure_replica()
        if previous.usable != _state.usable:
            logger.warning("replica.state", extra={
                "usable": _state.usable, "lag_seconds": _state.lag_seconds,
                "error": _state.error})
    finally:
        _state_lock.release()
    return _state.usable


#: Set when a read of the current request failed for want of the replica.
_replica_failed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "ratusz_replica_failed", default=False)


def mark_replica_unusable(error: str) -> None:
    """Stop reading from the replica until the next check (a read on it just failed)."""
    global _state
    _state = ReplicaState(checked_at=time.monotonic(), usable=False, error=error)
    _replica_failed.set(True)


def watch_replica(execute, sql, params, many, context):
    """Execute wrapper of the replica's connections: a statement that fails for want of
    the replica (not for its own fault) stops replica reads until the next check."""
    try:
        return execute(sql, params, many, context)
    except DatabaseError as error:
        if context["connection"].is_usable() is False:
            mark_replica_unusable(type(error).__name__)
        raise


def install_replica_watch(sender, connection, **kwargs) -> None:
    """`connection_created` receiver."""
    if connection.alias == REPLICA and watch_replica not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_replica)


def replica_failed(sender, request=None, **kwargs) -> None:
    """`got_request_exception` receiver: a request that could read from the replica ended
    in a database error that was perhaps the replica's (a failed connection never reaches
    the execute wrapper): ask the replica again before using it."""
    import sys

    error = sys.exc_info()[1]
    if _replica_reads.get() and isinstance(error, DatabaseError):
        mark_replica_unusable(type(error).__name__)


def replica_metrics() -> str:
    """Prometheus text for /metrics: the replica's lag and whether it is used."""
    if not replica_configured():
        return ""
    state = measure_replica()
    lag = "NaN" if state.lag_seconds is None else f"{state.lag_seconds:.3f}"
    return (
        "# HELP ratusz_database_replica_lag_seconds How far the replica's replay is behind"
        " the primary (NaN: unreachable)\n"
        "# TYPE ratusz_database_replica_lag_seconds gauge\n"
        f"ratusz_database_replica_lag_seconds {lag}\n"
        "# HELP ratusz_database_replica_usable 1 when reads may go to the replica\n"
        "# TYPE ratusz_database_replica_usable gauge\n"
        f"ratusz_database_replica_usable {1 if state.usable else 0}\n"
    )


# --- Read-your-writes -------------------------------------------------------------------------


def _token_pin_key(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    digest = hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return f"replica-pin:{digest}"


def pinned_to_primary(request: HttpRequest) -> bool:
    try:
        until = float(request.COOKIES.get(PIN_COOKIE, "0"))
    except ValueError:
        until = 0.0
    if until > time.time():
        return True
    key = _token_pin_key(request)
    if key is None:
        return False
    try:
        return bool(cache.get(key))
    except Exception:  # noqa: BLE001 - the shared cache is down: the primary is safe
        return True


def pin_to_primary(request: HttpRequest, response: HttpResponse) -> None:
    seconds = settings.RATUSZ_REPLICA_PIN_SECONDS
    key = _token_pin_key(request)
    if key is not None:
        try:
            cache.set(key, 1, timeout=seconds)
        except Exception:  # noqa: BLE001 - the write has committed; its answer stands
            logger.warning("replica.pin_not_stored")
        return
    response.set_cookie(PIN_COOKIE, str(int(time.time() + seconds) + 1), max_age=seconds,
                        httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)


class ReplicaReadsMiddleware:
    """Let a request that writes nothing read from the replica; pin a client that wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        safe = request.method in SAFE_METHODS
        allowed = safe and not pinned_to_primary(request) and replica_usable()
        response = self.answer(request, allowed)
        if allowed and response.status_code >= 500 and _replica_failed.get():
            # The replica went away under this request, which changes nothing: answer it
            # again from the primary rather than with an error.
            logger.warning("replica.request_answered_again", extra={"path": request.path})
            response = self.answer(request, False)
        if not safe:
            pin_to_primary(request, response)
        return response

    def answer(self, request: HttpRequest, replica_reads: bool) -> HttpResponse:
        token = _replica_reads.set(replica_reads)
        failed = _replica_failed.set(False)
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(token)
            if not replica_reads:
                _replica_failed.reset(failed)
