"""The JRWA (jednolity rzeczowy wykaz akt): parsing a table and importing it as a new
version for a unit (the current version is read through `selectors`).

A JRWA table is a CSV file with the header
`symbol,title,category,other_units_category,remarks,verified,source`. The gmina table of
2011 ships as `data/jrwa_gmina_2011.csv` (see docs/jrwa.md for what in it is verified).
Imported versions are never changed: a new import makes a new version, the unit switches
to it, and cases opened under the old version keep their classes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from ratusz.cases.models import JrwaClass, JrwaVersion
from ratusz.core.models import AuditAction, Unit
from ratusz.core.services import record_audit
from ratusz.core.text import describe, first_unsafe_character

DEFAULT_TABLE = Path(__file__).resolve().parent / "data" / "jrwa_gmina_2011.csv"
DEFAULT_NAME = "JRWA gminy 2011 (Dz.U. 2011 nr 14 poz. 67, zał. nr 2)"

REQUIRED_COLUMNS = ("symbol", "title", "category")
OPTIONAL_COLUMNS = ("other_units_category", "remarks", "verified", "source")

SYMBOL_PATTERN = re.compile(r"^\d{1,10}$")
# The same rule as `models.archival_category_validator`.
CATEGORY_PATTERN = re.compile(r"^(A|B\d{1,3}|BE\d{1,3}|Bc)$")
TITLE_MAX_LENGTH = JrwaClass._meta.get_field("title").max_length


class JrwaImportError(ValueError):
    """A JRWA table that cannot be imported; the message names the offending line."""


# --- Parsing ----------------------------------------------------------------------------

def parse_jrwa_csv(path_or_text: str | Path) -> list[dict]:
    """Read and validate a JRWA table; return its rows ordered by symbol.

    `path_or_text` is a path to a UTF-8 CSV file or the CSV text itself (anything with a
    line break is taken as text). Each row is a dict with `symbol`, `title`, `category`,
    `other_units_category`, `remarks`, `is_verified`, `source`, `is_final` and `line` (the
    line of the file it came from). Raises `JrwaImportError` naming the line of the first
    problem: a bad symbol, a duplicate, a missing parent, a final class without a valid
    category or a non-final class with one.
    """
    text = _read(path_or_text)
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise JrwaImportError(f"Line 1: the header lacks the column(s) {', '.join(missing)}; "
                              f"expected {','.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}.")
    reader.fieldnames = header
    rows = []
    for raw in reader:
        line = reader.line_num
        if not any((value or "").strip() for value in raw.values() if isinstance(value, str)):
            continue
        if None in raw:
            raise JrwaImportError(f"Line {line}: more fields than columns in the header "
                                  f"(quote a value that contains a comma).")
        rows.append(_row(raw, line))
    validate_rows(rows)
    return sorted(rows, key=lambda row: row["symbol"])


def validate_rows(rows: Iterable[dict]) -> None:
    """Check the tree: unique symbols, every parent present, categories on final classes
    only. Sets `is_final` on each row. Raises `JrwaImportError` naming the line."""
    rows = list(rows)
    if not rows:
        raise JrwaImportError("The table has no classes.")
    by_symbol: dict[str, dict] = {}
    for row in rows:
        symbol = row["symbol"]
        if not SYMBOL_PATTERN.match(symbol):
            raise JrwaImportError(f"{_where(row)}: the symbol {symbol!r} is not 1 to 10 digits.")
        if symbol in by_symbol:
            raise JrwaImportError(f"{_where(row)}: the symbol {symbol} appears twice "
                                  f"(first on {_where(by_symbol[symbol]).lower()}).")
        by_symbol[symbol] = row
    parents = {symbol[:-1] for symbol in by_symbol if len(symbol) > 1}
    in_file_order = sorted(rows, key=lambda row: row.get("line") or 0)
    # A missing parent is reported first: it also makes its parent look like a final class.
    for row in in_file_order:
        symbol = row["symbol"]
        if len(symbol) > 1 and symbol[:-1] not in by_symbol:
            raise JrwaImportError(f"{_where(row)}: class {symbol} has no parent class "
                                  f"{symbol[:-1]} in the table.")
    for row in in_file_order:
        row["is_final"] = row["symbol"] not in parents
        _check_categories(row)


def _row(raw: dict, line: int) -> dict:
    def value(name: str) -> str:
        return (raw.get(name) or "").strip()

    title = " ".join(value("title").split())
    if not title:
        raise JrwaImportError(f"Line {line}: class {value('symbol') or '?'} has no title.")
    if len(title) > TITLE_MAX_LENGTH:
        raise JrwaImportError(f"Line {line}: the title is longer than {TITLE_MAX_LENGTH} "
                              f"characters.")
    for name in ("symbol", "title", "remarks", "source", "category", "other_units_category"):
        character = first_unsafe_character(value(name))
        if character is not None:
            raise JrwaImportError(f"Line {line}: the {name} contains an invisible control "
                                  f"character ({describe(character)}).")
    verified = value("verified")
    if verified not in ("", "0", "1"):
        raise JrwaImportError(f"Line {line}: 'verified' must be 1 or 0, not {verified!r}.")
    return {
        "symbol": value("symbol"),
        "title": title,
        "category": _normalise_category(value("category")),
        "other_units_category": _normalise_category(value("other_units_category")),
        "remarks": value("remarks"),
        "is_verified": verified == "1",
        "source": value("source"),
        "line": line,
    }


def _normalise_category(category: str) -> str:
    # Older tables write "BE-5" or "B 10"; the category itself is the same.
    return re.sub(r"[\s-]", "", category)


def _check_categories(row: dict) -> None:
    symbol, category, other = row["symbol"], row["category"], row["other_units_category"]
    if row["is_final"]:
        if not category:
            raise JrwaImportError(f"{_where(row)}: final class {symbol} has no archival "
                                  f"category.")
        if not CATEGORY_PATTERN.match(category):
            raise JrwaImportError(f"{_where(row)}: {category!r} of class {symbol} is not an "
                                  f"archival category (A, Bn, BEn or Bc).")
        if other and not CATEGORY_PATTERN.match(other):
            raise JrwaImportError(f"{_where(row)}: {other!r} (other units) of class {symbol} "
                                  f"is not an archival category (A, Bn, BEn or Bc).")
    elif category or other:
        raise JrwaImportError(f"{_where(row)}: class {symbol} has subclasses, so it must not "
                              f"have an archival category (found {category or other!r}).")


def _where(row: dict) -> str:
    return f"Line {row['line']}" if row.get("line") else f"Class {row['symbol']}"


def _read(path_or_text: str | Path) -> str:
    if isinstance(path_or_text, Path) or "\n" not in path_or_text:
        path = Path(path_or_text)
        try:
            return path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise JrwaImportError(f"No such file: {path}") from None
        except UnicodeDecodeError as error:
            raise JrwaImportError(f"{path} is not UTF-8 text ({error.reason} at byte "
                                  f"{error.start}).") from None
    return path_or_text.removeprefix("\ufeff")


def checksum(rows: Iterable[dict]) -> str:
    """The SHA-256 of the stored content of the rows, independent of order, spacing and
    the informational `source` column: equal checksums mean the same table."""
    normalised = sorted(
        [row["symbol"], row["title"], row["category"], row.get("other_units_category", ""),
         row.get("remarks", ""), bool(row.get("is_verified"))]
        for row in rows
    )
    payload = json.dumps(normalised, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- Writes -----------------------------------------------------------------------------

@transaction.atomic(durable=True)
def import_jrwa(unit: Unit, rows: list[dict], *, acting_user, name: str,
                source: str = "") -> JrwaVersion:
    """Make `rows` the unit's current JRWA, as a new version with one audit entry.

    The previous version stays (no longer current) with its classes, so old cases keep
    theirs. Importing the table the unit already uses changes nothing and returns the
    current version. Two imports for one unit at once are serialised on the unit row.
    """
    validate_rows(rows)
    digest = checksum(rows)
    municipality_id = unit.municipality_id
    Unit.objects.for_municipality(municipality_id).select_for_update().get(pk=unit.pk)
    versions = JrwaVersion.objects.for_municipality(municipality_id).filter(unit=unit)
    current = versions.filter(is_current=True).first()
    if current is not None and current.checksum == digest:
        return current
    versions.filter(is_current=True).update(is_current=False)
    version = JrwaVersion.objects.create(
        municipality_id=municipality_id, unit=unit, name=name[:200], source=source[:300],
        checksum=digest, is_current=True,
    )
    JrwaClass.objects.bulk_create([
        JrwaClass(
            municipality_id=municipality_id, version=version, symbol=row["symbol"],
            title=row["title"], category=row["category"] if row["is_final"] else "",
            other_units_category=row.get("other_units_category", "") if row["is_final"] else "",
            is_final=row["is_final"], remarks=row.get("remarks", ""),
            is_verified=bool(row.get("is_verified")),
        )
        for row in sorted(rows, key=lambda row: row["symbol"])
    ], batch_size=500)
    record_audit(municipality=unit.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=version,
                 after={"classes": len(rows), "name": version.name})
    return version


def load_default_jrwa(unit: Unit, *, acting_user) -> JrwaVersion:
    """Import the shipped 2011 gmina JRWA for the unit (a no-op if it already uses it)."""
    rows = parse_jrwa_csv(DEFAULT_TABLE)
    return import_jrwa(unit, rows, acting_user=acting_user, name=DEFAULT_NAME,
                       source=f"ratusz/cases/data/{DEFAULT_TABLE.name}")
