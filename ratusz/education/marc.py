"""MARC21 for the school libraries (pymarc; no database): reading a file as school library
systems export it (ISO 2709 "binary" or MARCXML), the fields of a bibliographic record the
catalogue keeps, building a record for entries made by hand, writing a library's records
back out (ISO 2709 or MARCXML), and folding text for the search.

MARC21 fields read (Library of Congress, MARC 21 Format for Bibliographic Data):
001 control number; 020 $a ISBN; 100 $a / 110 $a main entry (else the first 700 $a / 710
$a) as the author; 245 $a $b $n $p the title (ISBD punctuation at the end dropped); 264 $b
$c, else 260 $b $c, publisher and year (the first four digits); 600/610/650/651/655 $a
subjects; 852 $p the inventory number (piece designation) of a copy with $h $i as its
location. Written for hand-made records: 001, 008 (language "pol"), 020, 100, 245, 264,
650, 852 per copy."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field

import pymarc
from pymarc import Field, Indicators, Record, Subfield
from stdnum import isbn as isbn_number

MARCXML_NAMESPACE = "http://www.loc.gov/MARC21/slim"
TRAILING_PUNCTUATION = " /:;,.="
_DIGITS = re.compile(r"\d{4}")
#: Letters NFKD does not take apart.
_FOLD = str.maketrans({"ł": "l", "Ł": "l", "đ": "d", "ø": "o", "ß": "ss"})


class NotMarc(ValueError):
    """The file is not MARC21 (or a record of it is broken); `args[0]` says exactly why."""


@dataclass
class CopyData:
    inventory_number: str
    location: str = ""


@dataclass
class RecordData:
    """What the catalogue keeps of one bibliographic record."""

    title: str
    author: str = ""
    isbn: str = ""
    publisher: str = ""
    year: int | None = None
    subjects: list[str] = field(default_factory=list)
    control_number: str = ""
    copies: list[CopyData] = field(default_factory=list)
    #: What was dropped and why (an ISBN that does not check), for the import report.
    notes: list[str] = field(default_factory=list)


def fold(text: str) -> str:
    """Lower case without diacritics (ą→a, ł→l) and with single spaces: the form the
    catalogue search compares."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD).lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def normal_isbn(value: str) -> str:
    """An ISBN-10 or ISBN-13 as its 13 digits; ValueError (stdnum's) when it does not
    check."""
    return isbn_number.to_isbn13(isbn_number.validate(value))


def read(data: bytes) -> list[Record]:
    """The records of a MARC21 file, ISO 2709 or MARCXML; NotMarc with the reason (and the
    record's number) when any part of it is not MARC21."""
    body = data.strip(b" \t\r\n\x1a\x00")
    if not body:
        raise NotMarc("The file is empty.")
    if body.lstrip(b"\xef\xbb\xbf").startswith(b"<"):
        return _read_xml(body)
    if not body[:5].isdigit():
        raise NotMarc("This is not a MARC21 file: an ISO 2709 record starts with its length "
                      f"in five digits, this file starts with {body[:12]!r}.")
    reader = pymarc.MARCReader(body, to_unicode=True, force_utf8=False, permissive=True,
                               utf8_handling="strict")
    records = []
    for number, record in enumerate(reader, start=1):
        if record is None:
            raise NotMarc(f"Record {number} is not valid MARC21: {reader.current_exception}.")
        records.append(record)
    return records


def _read_xml(body: bytes) -> list[Record]:
    try:
        records = pymarc.parse_xml_to_array(io.BytesIO(body), strict=False)
    except Exception as error:  # noqa: BLE001 - any XML parser's error is a refusal
        raise NotMarc(f"This is not MARCXML: {error}.") from error
    records = [record for record in records if record is not None]
    if not records:
        raise NotMarc("The XML file holds no MARCXML record (elements <record> in the "
                      f"namespace {MARCXML_NAMESPACE}).")
    return records


def _clean(value: str) -> str:
    return " ".join(value.split()).rstrip(TRAILING_PUNCTUATION).strip()


def _first(record: Record, tags: tuple[str, ...], codes: tuple[str, ...]) -> str:
    for tag in tags:
        for item in record.get_fields(tag):
            parts = [_clean(v) for v in item.get_subfields(*codes) if _clean(v)]
            if parts:
                return " ".join(parts)
    return ""


def _title(record: Record) -> str:
    """245: $a, then " : " $b (the rest of the title), then ". " $n $p (part)."""
    for item in record.get_fields("245"):
        main = " : ".join(_clean(v) for v in item.get_subfields("a", "b") if _clean(v))
        part = ". ".join(_clean(v) for v in item.get_subfields("n", "p") if _clean(v))
        if main:
            return f"{main}. {part}" if part else main
    return ""


def data_of(record: Record) -> RecordData:
    """The catalogue's fields of one MARC record (see the module's list)."""
    control = record.get_fields("001")
    data = RecordData(title=_title(record),
                      control_number=(control[0].data or "").strip()[:64] if control else "")
    data.author = _first(record, ("100", "110", "700", "710"), ("a",))
    data.publisher = _first(record, ("264", "260"), ("b",))
    dates = _first(record, ("264", "260"), ("c",))
    found = _DIGITS.search(dates)
    data.year = int(found.group()) if found and 1000 <= int(found.group()) <= 2100 else None
    for item in record.get_fields("020"):
        for value in item.get_subfields("a"):
            candidate = value.split(" ")[0].strip()
            try:
                data.isbn = normal_isbn(candidate)
                break
            except ValueError:
                data.notes.append(f"ISBN {candidate} does not check; not kept")
        if data.isbn:
            break
    subjects = []
    for tag in ("600", "610", "650", "651", "655"):
        for item in record.get_fields(tag):
            subjects += [_clean(v) for v in item.get_subfields("a") if _clean(v)]
    data.subjects = list(dict.fromkeys(subjects))
    for item in record.get_fields("852"):
        for number in item.get_subfields("p"):
            location = " ".join(v.strip() for v in item.get_subfields("h", "i") if v.strip())
            data.copies.append(CopyData(number.strip()[:40], location[:100]))
    return data


def build(data: RecordData) -> Record:
    """A MARC21 record of a hand-made entry (UTF-8, leader position 9 "a")."""
    record = Record(force_utf8=True, leader="     nam a22     7i 4500")
    if data.control_number:
        record.add_field(Field(tag="001", data=data.control_number))
    year = f"{data.year:04d}" if data.year else "    "
    record.add_field(Field(tag="008", data=f"000000s{year}    pl            000 0 pol d"))
    if data.isbn:
        record.add_field(_field("020", [("a", data.isbn)]))
    if data.author:
        record.add_field(_field("100", [("a", data.author)], "1 "))
    record.add_field(_field("245", [("a", data.title)], "10" if data.author else "00"))
    imprint = [("b", data.publisher)] if data.publisher else []
    if data.year:
        imprint.append(("c", str(data.year)))
    if imprint:
        record.add_field(_field("264", imprint, " 1"))
    for subject in data.subjects:
        record.add_field(_field("650", [("a", subject)], " 4"))
    for copy in data.copies:
        record.add_field(copy_field(copy.inventory_number, copy.location))
    return record


def copy_field(inventory_number: str, location: str = "") -> Field:
    """852 (location) of one copy: $p its inventory number, $h its shelf."""
    return _field("852", [("p", inventory_number)] + ([("h", location)] if location else []))


def _field(tag: str, subfields: list[tuple[str, str]], indicators: str = "  ") -> Field:
    return Field(tag=tag, indicators=Indicators(indicators[0], indicators[1]),
                 subfields=[Subfield(code, value) for code, value in subfields])


def parse_stored(raw: bytes) -> Record:
    """A record kept as imported (ISO 2709, UTF-8 once read)."""
    return next(iter(pymarc.MARCReader(raw, to_unicode=True, force_utf8=True)))


def to_binary(records: list[Record]) -> bytes:
    """ISO 2709, UTF-8 (leader position 9 "a")."""
    out = io.BytesIO()
    for record in records:
        record.force_utf8 = True
        out.write(record.as_marc())
    return out.getvalue()


def to_xml(records: list[Record]) -> bytes:
    """A MARCXML collection."""
    parts = [b'<?xml version="1.0" encoding="UTF-8"?>\n',
             f'<collection xmlns="{MARCXML_NAMESPACE}">'.encode()]
    parts += [pymarc.record_to_xml(record) for record in records]
    parts.append(b"</collection>\n")
    return b"".join(parts)
