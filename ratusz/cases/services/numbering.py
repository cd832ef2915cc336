"""Numbers of the EZD: gapless sequences from locked counter rows, and their formats."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from ratusz.cases.models import Counter
from ratusz.core.models import Municipality


def next_in_sequence(municipality: Municipality | int, scope: str, year: int) -> int:
    """The next number of a gapless sequence. Must run inside the caller's transaction:
    the counter row stays locked until it commits, and a rollback gives the number back.

    One round trip in the usual case: an UPDATE … RETURNING takes the row lock and the
    number together (both PostgreSQL and SQLite ≥ 3.35 support it)."""
    municipality_id = getattr(municipality, "pk", municipality)
    table = Counter._meta.db_table
    increment = (f'UPDATE "{table}" SET "value" = "value" + 1 '  # noqa: S608 - fixed names
                 'WHERE "municipality_id" = %s AND "scope" = %s AND "year" = %s '
                 'RETURNING "value"')
    with connection.cursor() as cursor:
        cursor.execute(increment, [municipality_id, scope, year])
        row = cursor.fetchone()
        if row is not None:
            return row[0]
    try:
        # A savepoint: losing the race for the first row must not end the caller's
        # transaction.
        with transaction.atomic():
            Counter.objects.create(municipality_id=municipality_id, scope=scope, year=year,
                                   value=1)
        return 1
    except IntegrityError:
        # Another transaction created the row first: wait for its lock, then increment.
        with connection.cursor() as cursor:
            cursor.execute(increment, [municipality_id, scope, year])
            return cursor.fetchone()[0]


def rpw_number(sequence: int, year: int) -> str:
    """RPW/<n>/<yyyy>, the number of an incoming entry."""
    return f"RPW/{sequence}/{year}"


def rkw_number(sequence: int, year: int) -> str:
    """RKW/<n>/<yyyy>, the number of an outgoing entry."""
    return f"RKW/{sequence}/{year}"


def case_mark(department_symbol: str, jrwa_symbol: str, sequence: int, year: int,
              sub_sequence: int | None = None) -> str:
    """`<department>.<JRWA>.<n>[.<m>].<yyyy>`, the mark (znak) of a case."""
    parts = [department_symbol, jrwa_symbol, str(sequence)]
    if sub_sequence is not None:
        parts.append(str(sub_sequence))
    parts.append(str(year))
    return ".".join(parts)


def require_transaction() -> None:
    """Refuse to run outside a transaction (for the `*_within` steps of a larger write)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("This function runs inside the caller's transaction.")
