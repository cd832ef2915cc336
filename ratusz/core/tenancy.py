"""Which gmina the current request or task works for, and the database wall around it.

The tenant is set once per request (by `TenantMiddleware`) or per task (by
`tenant_context`). On PostgreSQL it is also written into the connection setting
`ratusz.municipality_id` that the row-level security policies read: a query on a
tenant-owned table sees only that gmina's rows, and with no setting it sees nothing.
The special value `all` is for the platform operator and for system jobs that work
across gminy (migrations, the demo loader).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    from ratusz.core.models import Municipality

RLS_SETTING = "ratusz.municipality_id"
ALL_MUNICIPALITIES = "all"

_current: contextvars.ContextVar[Municipality | None] = contextvars.ContextVar(
    "ratusz_municipality", default=None
)


def get_current_municipality() -> Municipality | None:
    return _current.get()


def _uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def _transaction_is_aborted() -> bool:
    raw = connection.connection
    if raw is None:
        return False
    from psycopg.pq import TransactionStatus

    return raw.info.transaction_status == TransactionStatus.INERROR


def restore_database_tenant(previous: str) -> None:
    """Put the previous setting back, unless the transaction failed: its rollback puts
    back the value the transaction started with, and a query now would hide the error."""
    if _uses_postgres() and _transaction_is_aborted():
        return
    set_database_tenant(previous)


def set_database_tenant(value: str) -> str:
    """Set the row-level security key of this connection; return the previous value."""
    if not _uses_postgres():
        return ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting(%s, true), set_config(%s, %s, false)",
            [RLS_SETTING, RLS_SETTING, value],
        )
        previous, _ = cursor.fetchone()
    return previous or ""


@contextlib.contextmanager
def tenant_context(municipality: Municipality | None, *, all_municipalities: bool = False
                   ) -> Iterator[None]:
    """Run the block for one gmina (or, for system work, for all of them)."""
    if all_municipalities:
        value = ALL_MUNICIPALITIES
    elif municipality is not None:
        value = str(municipality.pk)
    else:
        value = ""
    token = _current.set(municipality)
    previous = set_database_tenant(value)
    try:
        yield
    finally:
        _current.reset(token)
        restore_database_tenant(previous)
