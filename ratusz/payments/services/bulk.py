"""Writing many rows at once for imports and statements (100,000 lines): plain
`executemany` INSERT and UPDATE in the caller's transaction, and primary keys reserved
ahead so that rows can point at each other before they are written. Django's
`bulk_create`/`bulk_update` build a model (and for updates a CASE expression) per row,
which costs more than the rest of the work together.

Values are given as the database takes them: dates and aware datetimes are adapted here
(`connection.ops`), everything else must already be a plain value. Rows of a gmina carry
its `municipality_id`; on PostgreSQL the row-level security policy checks each one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.db import connection

BATCH = 1000


def _adapt(value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


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
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = ", ".join(["%s"] * len(fields))
    columns = ", ".join(_columns(model, fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [[_adapt(v) for v in row]
                                     for row in rows[start:start + BATCH]])


def update_rows(model, fields: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Each row: the values of `fields`, then the primary key."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{column} = %s" for column in _columns(model, fields))
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608 - model names
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [[_adapt(v) for v in row]
                                     for row in rows[start:start + BATCH]])
