"""Writing many rows at once for imports and statements (100,000 lines): plain
`executemany` INSERT and UPDATE in the caller's transaction, and primary keys reserved
ahead so that rows can point at each other before they are written. Django's
`bulk_create`/`bulk_update` build a model (and for updates a CASE expression) per row,
which costs more than the rest of the work together.

Values are given as the database takes them: dates and aware datetimes are adapted here
(`connection.ops`), everything else must already be a plain value. Rows of a gmina carry
its `municipality_id`; on PostgreSQL the row-level security policy checks each one."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import DatabaseError, connection

from ratusz.core.effects import after_commit

BATCH = 1000
#: A write of this many rows or more refreshes the planner's statistics of its tables.
ANALYZE_AFTER_ROWS = 1000

logger = logging.getLogger("ratusz.payments")


def _adapters(model, fields: Sequence[str]) -> list[tuple[int, object]]:
    """(position, adapter) of the columns whose values the database takes adapted: dates
    and datetimes (looked up once per statement, not per value)."""
    found = []
    for position, name in enumerate(fields):
        internal = model._meta.get_field(name).get_internal_type()
        if internal == "DateTimeField":
            found.append((position, connection.ops.adapt_datetimefield_value))
        elif internal == "DateField":
            found.append((position, connection.ops.adapt_datefield_value))
    return found


def _adapted(rows: Sequence[Sequence], adapters) -> list:
    if not adapters:
        return [list(row) for row in rows]
    result = []
    for row in rows:
        values = list(row)
        for position, adapt in adapters:
            if values[position] is not None:
                values[position] = adapt(values[position])
        result.append(values)
    return result


def _columns(model, fields: Sequence[str]) -> list[str]:
    return [connection.ops.quote_name(model._meta.get_field(name).column) for name in fields]


def reserve_ids(model, count: int) -> list[int]:
    """`count` primary keys for new rows of `model`, never given to anyone else."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                           "FROM generate_series(1, %s)", [table, count])
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the write transaction is exclusive; AUTOINCREMENT moves its sequence
        # past explicit ids by itself.
        quoted = connection.ops.quote_name(table)  # a model's table, never input
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))


def insert_rows(model, fields: Sequence[str], rows: Sequence[Sequence]) -> None:
    """INSERT the rows with `executemany` (psycopg pipelines it: measured four times
    faster here than multi-row VALUES of 500 rows; COPY is refused on tables under
    row-level security)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = ", ".join(["%s"] * len(fields))
    columns = ", ".join(_columns(model, fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names
    adapters = _adapters(model, fields)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, _adapted(rows[start:start + BATCH], adapters))


def update_rows(model, fields: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Each row: the values of `fields`, then the primary key."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{column} = %s" for column in _columns(model, fields))
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608 - model names
    adapters = _adapters(model, [*fields, "id"])
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, _adapted(rows[start:start + BATCH], adapters))


def refresh_statistics_after_commit(models, rows_written: int) -> None:
    """After a bulk write of `rows_written` rows, ANALYZE the tables of `models` once the
    transaction commits (PostgreSQL). Autovacuum would, within a minute or so; until then
    the planner keeps the statistics of the tables before the import (empty, for a new
    gmina) and joins the next statement's 100,000 instalments by nested scans: the ledger's
    read took 2.3 s per 1,000 payers instead of 0.03 s (bench/payments.py)."""
    if rows_written >= ANALYZE_AFTER_ROWS and connection.vendor == "postgresql":
        after_commit(_analyze, [model._meta.db_table for model in models])


def _analyze(tables: list[str]) -> None:
    names = ", ".join(connection.ops.quote_name(table) for table in tables)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {names}")  # model tables, never input
    except DatabaseError:  # the statistics are a help, never a reason to fail the import
        logger.warning("payments.analyze_failed", extra={"tables": tables}, exc_info=True)
