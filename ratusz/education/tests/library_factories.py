"""Building school libraries for the tests: a school (a unit of kind school as an education
institution), its library, MARC21 files made with pymarc, records with copies, readers."""

from __future__ import annotations

import datetime
import itertools

from pymarc import Field, Indicators, Record, Subfield

from ratusz.core.tests.factories import UnitFactory
from ratusz.education import services
from ratusz.education.marc import CopyData, RecordData
from ratusz.education.models import Child, InstitutionKind, ReaderKind

_serial = itertools.count(1)


def make_library(municipality, *, name="Szkoła Podstawowa nr 1", staff=None):
    unit = UnitFactory(municipality=municipality, kind="school", name=name,
                       slug=f"szkola-z-biblioteka-{next(_serial)}")
    institution = services.ensure_institution(unit, acting_user=staff,
                                              kind=InstitutionKind.PRIMARY_SCHOOL)
    return services.create_library(institution, acting_user=staff)


def marc_record(title, author="", *, control="", isbn="", subjects=(), copies=(),
                year="2015", publisher="Wydawnictwo Literackie"):
    record = Record(force_utf8=True)
    if control:
        record.add_field(Field(tag="001", data=control))
    if isbn:
        record.add_field(Field(tag="020", indicators=Indicators(" ", " "),
                               subfields=[Subfield("a", isbn)]))
    if author:
        record.add_field(Field(tag="100", indicators=Indicators("1", " "),
                               subfields=[Subfield("a", author + ".")]))
    record.add_field(Field(tag="245", indicators=Indicators("1", "0"),
                           subfields=[Subfield("a", title + " /"),
                                      Subfield("c", author + ".")]))
    record.add_field(Field(tag="264", indicators=Indicators(" ", "1"), subfields=[
        Subfield("a", "Kraków :"), Subfield("b", publisher + ","), Subfield("c", year + ".")]))
    for subject in subjects:
        record.add_field(Field(tag="650", indicators=Indicators(" ", "4"),
                               subfields=[Subfield("a", subject)]))
    for number, shelf in copies:
        record.add_field(Field(tag="852", indicators=Indicators(" ", " "),
                               subfields=[Subfield("h", shelf), Subfield("p", number)]))
    return record


def marc_file(*records) -> bytes:
    return b"".join(record.as_marc() for record in records)


def add_book(library, title, author="", *, isbn="", copies=1, staff=None, subjects=()):
    prefix = next(_serial)
    return services.add_record(library, RecordData(
        title=title, author=author, isbn=isbn, subjects=list(subjects),
        copies=[CopyData(f"INW-{prefix}-{n + 1}", "Regał A") for n in range(copies)]),
        acting_user=staff)


def make_pupil_reader(library, parent, *, first="Ola", last="Nowak", card=None):
    child = Child.objects.create(
        municipality_id=library.municipality_id, first_name=first, last_name=last,
        birth_date=datetime.date(2015, 3, 1), identity_digest=f"digest-{next(_serial)}",
        identity_ciphertext="x")
    child.guardians.add(parent)
    return services.add_reader(library, acting_user=None, card_number=card or
                               f"K{next(_serial):05d}", kind=ReaderKind.PUPIL,
                               name=f"{first} {last}", child=child)
