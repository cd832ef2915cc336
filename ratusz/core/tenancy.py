"""Which gmina the current request or task works for, and the database wall around it.

The tenant is set once per request (by `TenantMiddleware`) or per task (by
`tenant_context`). On PostgreSQL the row-level security policies read the setting
`ratusz.municipality_id`: a query on a tenant-owned table sees only that gmina's rows, and
with no setting it sees nothing. The special value `all` is for the platform operator and
for system jobs that work across gminy (migrations, the demo loader).

The setting lives in **each transaction**, never in the database session: the value is
kept here (per thread or task) and every transaction carries it as
`set_config('ratusz.municipality_id', value, true)`, which PostgreSQL forgets when the
transaction ends. A connection pooler in transaction mode (PgBouncer
`pool_mode=transaction`) may hand the server connection to another client after any
transaction; nothing of this gmina is left on it. How (`_carry_tenant`, installed on
every PostgreSQL connection when it opens):

- a statement in autocommit (Django's default outside `transaction.atomic()`) is sent as
  `SELECT set_config(…, true); <statement>` in one message: one implicit transaction, one
  round trip;
- the first statement of a transaction block is sent the same way (or, when it is not a
  plain SELECT/INSERT/UPDATE/DELETE/WITH, after its own `set_config`);
- changing the value inside an open transaction (`tenant_context` in a service, the audit
  insert of another gmina) sets it at once for the rest of that transaction.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db import connection, connections

if TYPE_CHECKING:
    from ratusz.core.models import Municipality

RLS_SETTING = "ratusz.municipality_id"
ALL_MUNICIPALITIES = "all"

_current: contextvars.ContextVar[Municipality | None] = contextvars.ContextVar(
    "ratusz_municipality", default=None
)
#: The database wall's value for this thread or task: a gmina's id, `all` or "" (nothing).
_database_value: contextvars.ContextVar[str] = contextvars.ContextVar(
    "ratusz_database_tenant", default=""
)
_VALID_VALUE = re.compile(r"\A(?:[0-9]{1,19}|all|)\Z")
# Statements that may share one message with the set_config (a multi-statement string is
# one implicit transaction; CREATE DATABASE, VACUUM and the like refuse to run in one).
_PLAIN_STATEMENT = re.compile(r"\A\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


def get_current_municipality() -> Municipality | None:
    return _current.get()


def _uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def _set_config_sql(value: str) -> str:
    # The value is a digit string, `all` or empty (checked by set_database_tenant), so it
    # is written as a literal: no placeholder, whatever the statement's parameters.
    return f"SELECT set_config('{RLS_SETTING}', '{value}', true)"


def restore_database_tenant(previous: str) -> None:
    """Put the previous value back (an alias of set_database_tenant, for the callers that
    pair it with the value set_database_tenant returned)."""
    set_database_tenant(previous)


def current_database_tenant() -> str:
    """The value the next transaction of this thread or task carries."""
    return _database_value.get()


def set_database_tenant(value: str) -> str:
    """Set the row-level security key of this thread or task; return the previous value.

    Takes effect with the next transaction, and at once in any transaction already open
    on a PostgreSQL connection of this thread (a failed one excepted: it can run nothing
    until its rollback, which ends it)."""
    if not _VALID_VALUE.match(value):
        raise ValueError(f"not a tenant setting: {value!r}")
    previous = _database_value.get()
    _database_value.set(value)
    for wrapper in connections.all(initialized_only=True):
        raw = wrapper.connection
        if wrapper.vendor == "postgresql" and raw is not None and not raw.closed:
            from psycopg.pq import TransactionStatus

            if raw.info.transaction_status == TransactionStatus.INTRANS:
                with wrapper.cursor() as cursor:
                    cursor.execute(_set_config_sql(value))
    return previous


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


def _carry_tenant(execute, sql, params, many, context):
    """Execute wrapper of every PostgreSQL connection: give the transaction that this
    statement opens the wall's value (see the module's docstring)."""
    from psycopg import ServerCursor
    from psycopg.pq import TransactionStatus

    wrapper = context["connection"]
    raw = wrapper.connection
    if raw.info.transaction_status != TransactionStatus.IDLE:
        # Inside a transaction that already carries it (or a failed one).
        return execute(sql, params, many, context)
    set_config = _set_config_sql(_database_value.get())
    cursor = context["cursor"]
    if many or isinstance(cursor.cursor, ServerCursor) or not _PLAIN_STATEMENT.match(sql):
        if raw.autocommit:
            if not _PLAIN_STATEMENT.match(sql) and not many:
                # Utility statements (SET, SHOW, CREATE DATABASE, VACUUM…) read no rows.
                return execute(sql, params, many, context)
            with raw.transaction():
                raw.execute(set_config)
                return execute(sql, params, many, context)
        raw.execute(set_config)  # opens the transaction block
        return execute(sql, params, many, context)
    result = execute(f"{set_config}; {sql}", params, many, context)
    cursor.nextset()
    return result


def install_tenant_wrapper(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: carry the tenant on every PostgreSQL connection."""
    if connection.vendor == "postgresql" and _carry_tenant not in connection.execute_wrappers:
        connection.execute_wrappers.append(_carry_tenant)
