"""Reading obligations sent by a gmina's tax and fee systems, line by line (pure: no
database). A line is an obligation with its instalments; a refused line says why, with
stable codes (`errors.LINE_REASONS`), and nothing of it is written.

JSON: a list of objects
    {"external_id", "kind", "title", "period"?,
     "payer": {"kind": "person", "pesel", "name"?, "email"?, "address"?}
            | {"kind": "business", "nip", "regon"?, "name"?, ...},
     "classification"?: {"dzial", "rozdzial", "paragraf"},
     "instalments": [{"number"?, "due_date": "YYYY-MM-DD", "amount": <grosze>}, ...]}

CSV (`;` or `,`, UTF-8, a header row): one row per instalment, rows of one obligation
sharing its external_id; the columns of `CSV_COLUMNS`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from stdnum.pl import nip as nip_number
from stdnum.pl import pesel as pesel_number
from stdnum.pl import regon as regon_number

from ratusz.core.text import first_unsafe_character
from ratusz.payments.money import AmountError, parse_grosze

MAX_INSTALMENTS = 24
LINE_KEYS = {"external_id", "kind", "title", "period", "payer", "classification",
             "instalments"}
PAYER_KEYS = {"kind", "pesel", "nip", "regon", "name", "email", "address"}
CSV_COLUMNS = ["external_id", "kind", "title", "period", "payer_kind", "pesel", "nip",
               "regon", "payer_name", "email", "address", "dzial", "rozdzial", "paragraf",
               "instalment", "due_date", "amount"]
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


@dataclass
class PayerData:
    kind: str
    pesel: str = ""
    nip: str = ""
    regon: str = ""
    name: str = ""
    email: str = ""
    address: str = ""

    @property
    def identifier(self) -> str:
        return self.pesel or self.nip


@dataclass
class InstalmentData:
    number: int
    due_date: date
    amount: int


@dataclass
class ObligationData:
    line: int
    external_id: str
    kind: str
    title: str
    period: str
    payer: PayerData
    classification: tuple[str, str, str] | None
    instalments: list[InstalmentData] = field(default_factory=list)


@dataclass
class Refused:
    line: int
    external_id: str
    reasons: list[dict]  # {"code", "params"}


class _Reasons(list):
    def add(self, code: str, **params) -> None:
        self.append({"code": code, "params": {k: str(v)[:60] for k, v in params.items()}})


def _text(value, limit: int) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text if len(text) <= limit else None


def _digits(value) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def parse_payer(value, reasons: _Reasons) -> PayerData | None:
    if not isinstance(value, dict) or value.get("kind") not in ("person", "business"):
        reasons.add("payer_kind")
        return None
    unknown = sorted(set(value) - PAYER_KEYS)
    if unknown:
        reasons.add("unknown_field", value=f"payer.{unknown[0]}")
    payer = PayerData(kind=value["kind"])
    if payer.kind == "person":
        payer.pesel = _digits(value.get("pesel"))
        if not pesel_number.is_valid(payer.pesel) or set(payer.pesel) == {"0"}:
            reasons.add("pesel", value=value.get("pesel", ""))
    else:
        payer.nip = _digits(value.get("nip"))
        if not nip_number.is_valid(payer.nip) or set(payer.nip) == {"0"}:
            reasons.add("nip", value=value.get("nip", ""))
        if value.get("regon"):
            payer.regon = _digits(value.get("regon"))
            if not regon_number.is_valid(payer.regon):
                reasons.add("regon", value=value.get("regon"))
    name = _text(value.get("name"), 300)
    if name is None:
        reasons.add("payer_name")
    payer.name = name or ""
    email = _text(value.get("email"), 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            email = None
    if email is None:
        reasons.add("email")
    payer.email = email or ""
    payer.address = _text(value.get("address"), 300) or ""
    return payer


def _date(value) -> date | None:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 \
            else None
    except ValueError:
        return None
    return day if day and EARLIEST <= day <= LATEST else None


def parse_instalments(value, reasons: _Reasons) -> list[InstalmentData]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_INSTALMENTS:
        reasons.add("instalments")
        return []
    result, numbers = [], set()
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            reasons.add("instalments")
            continue
        number = item.get("number", index)
        if isinstance(number, str) and number.isdigit():
            number = int(number)
        if isinstance(number, bool) or not isinstance(number, int) \
                or not 1 <= number <= MAX_INSTALMENTS or number in numbers:
            reasons.add("instalment_number", number=index)
            continue
        numbers.add(number)
        due = _date(item.get("due_date"))
        if due is None:
            reasons.add("due_date", number=number)
        try:
            amount = parse_grosze(item.get("amount"))
        except AmountError as error:
            reasons.add(f"amount_{error.code}", number=number)
            amount = None
        if due is not None and amount is not None:
            result.append(InstalmentData(number=number, due_date=due, amount=amount))
    return sorted(result, key=lambda i: i.number)


def _texts(value, found: list[str]) -> list[str]:
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _texts(item, found)
    elif isinstance(value, list):
        for item in value:
            _texts(item, found)
    return found


def _has_unsafe_text(value) -> bool:
    """Any text of the line with a character no text input accepts (one search for all)."""
    return first_unsafe_character(" ".join(_texts(value, []))) is not None


def parse_line(line: int, value, known_kinds: set[str]) -> ObligationData | Refused:
    reasons = _Reasons()
    if not isinstance(value, dict):
        reasons.add("not_an_object")
        return Refused(line, "", reasons)
    external_id = _text(value.get("external_id"), 120)
    if not external_id:
        reasons.add("external_id")
    if _has_unsafe_text(value):
        reasons.add("unsafe_text")
    unknown = sorted(set(value) - LINE_KEYS)
    if unknown:
        reasons.add("unknown_field", value=unknown[0])
    kind = value.get("kind")
    if kind not in known_kinds:
        reasons.add("kind", value=kind if isinstance(kind, str) else "")
    title = _text(value.get("title"), 300)
    if not title:
        reasons.add("title")
    period = _text(value.get("period"), 40)
    if period is None:
        reasons.add("period")
    payer = parse_payer(value.get("payer"), reasons)
    classification = None
    if value.get("classification") not in (None, {}):
        raw = value["classification"]
        parts = tuple(_digits(raw.get(k)) if isinstance(raw, dict) else ""
                      for k in ("dzial", "rozdzial", "paragraf"))
        if [len(p) for p in parts] != [3, 5, 4]:
            reasons.add("classification")
        else:
            classification = parts
    instalments = parse_instalments(value.get("instalments"), reasons)
    if reasons:
        return Refused(line, external_id or "", reasons)
    return ObligationData(line=line, external_id=external_id, kind=kind, title=title,
                          period=period or "", payer=payer, classification=classification,
                          instalments=instalments)


def parse_lines(records: list, known_kinds: set[str]
                ) -> tuple[list[ObligationData], list[Refused]]:
    accepted: list[ObligationData] = []
    refused: list[Refused] = []
    seen: set[str] = set()
    for index, value in enumerate(records, start=1):
        line = value.pop("_line", index) if isinstance(value, dict) else index
        parsed = parse_line(line, value, known_kinds)
        if isinstance(parsed, ObligationData) and parsed.external_id in seen:
            reasons = _Reasons()
            reasons.add("external_id_twice")
            parsed = Refused(line, parsed.external_id, reasons)
        if isinstance(parsed, Refused):
            refused.append(parsed)
        else:
            seen.add(parsed.external_id)
            accepted.append(parsed)
    return accepted, refused


class CsvError(ValueError):
    pass


def read_csv(text: str) -> list[dict]:
    """The rows of a CSV file as the JSON lines above (one per obligation, with `_line`:
    the row of its first instalment)."""
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if reader.fieldnames is None or not {"external_id", "due_date", "amount"} <= {
            name.strip() for name in reader.fieldnames}:
        raise CsvError("header")
    records: dict[str, dict] = {}
    for row_number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()
               if not isinstance(v, list)}
        key = row.get("external_id", "") or f"\x00{row_number}"
        record = records.get(key)
        if record is None:
            payer = {"kind": row.get("payer_kind", "")}
            for column, name in (("pesel", "pesel"), ("nip", "nip"), ("regon", "regon"),
                                 ("payer_name", "name"), ("email", "email"),
                                 ("address", "address")):
                if row.get(column):
                    payer[name] = row[column]
            record = {"_line": row_number, "external_id": row.get("external_id", ""),
                      "kind": row.get("kind", ""), "title": row.get("title", ""),
                      "period": row.get("period", ""), "payer": payer, "instalments": []}
            if any(row.get(k) for k in ("dzial", "rozdzial", "paragraf")):
                record["classification"] = {k: row.get(k, "") for k in
                                            ("dzial", "rozdzial", "paragraf")}
            records[key] = record
        instalment = {"due_date": row.get("due_date", ""), "amount": row.get("amount", "")}
        if row.get("instalment"):
            instalment["number"] = row["instalment"]
        record["instalments"].append(instalment)
    return list(records.values())
