"""Reads of the school libraries; every read takes the gmina.

The catalogue search folds the query as the records' `search_text` is folded (lower case,
no Polish diacritics) and asks that every word of the query begin a word of the record:
on PostgreSQL a full-text match (`word:*` prefixes on the generated column
`search_vector` of migration 0005, the "simple" configuration, a GIN index that
row-level security lets it use); elsewhere (SQLite) `LIKE 'word%'` or `LIKE '% word%'`,
the same rule by a scan. No b-tree index on the title on purpose: with one, PostgreSQL
walks it in title order for a rare word instead of using the GIN index (bench:
library_search.py, 0.8 s instead of a few ms)."""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ratusz.education import marc
from ratusz.education.models import (
    ACTIVE_RESERVATION,
    BibRecord,
    Child,
    Copy,
    CopyStatus,
    Institution,
    InstitutionKind,
    Library,
    Loan,
    Reader,
    Reservation,
    ReservationState,
)

#: At most this many words of a query are matched (the rest is ignored).
MAX_WORDS = 6
#: Shorter words than this are ignored (a trigram index cannot use them, and they match
#: nearly everything).
MIN_WORD = 2


def query_words(query: str) -> list[str]:
    words = [word for word in marc.fold(query or "").split() if len(word) >= MIN_WORD]
    return list(dict.fromkeys(words))[:MAX_WORDS]


def libraries(municipality) -> QuerySet:
    return Library.objects.for_municipality(municipality).select_related(
        "institution__unit").order_by("name")


def access_library(municipality, library_id: int) -> Library | None:
    return libraries(municipality).filter(pk=library_id).first()


def catalogue_search(municipality, query: str, *, library: Library | None = None
                     ) -> QuerySet:
    """The records of the gmina's school libraries matching every word of `query` (title,
    author, ISBN, subjects), each with `available_copies` (on the shelf), by title; an
    empty query finds nothing."""
    words = query_words(query)
    records = BibRecord.objects.for_municipality(municipality)
    if library is not None:
        records = records.filter(library=library)
    if not words:
        return records.none()
    return with_availability(matching(records, words)).select_related("library").order_by(
        "title", "id")


def matching(records: QuerySet, words: list[str]) -> QuerySet:
    """The records where every word begins a word of the search text."""
    if connection.vendor == "postgresql":
        return records.extra(  # noqa: S610 - the words are parameters; the index's expression
            where=["education_bibrecord.search_vector @@ to_tsquery('simple'::regconfig, %s)"],
            params=[" & ".join(f"'{word}':*" for word in words)])  # letters, digits only
    for word in words:
        records = records.filter(Q(search_text__startswith=word)
                                 | Q(search_text__contains=f" {word}"))
    return records


def with_availability(records: QuerySet) -> QuerySet:
    """Each record with `available_copies` (on the shelf); a subquery, so a count of the
    records leaves it out and a page computes it for its own rows only."""
    shelf = Copy.objects.filter(record=OuterRef("pk"), status=CopyStatus.AVAILABLE).order_by(
        ).values("record").annotate(n=Count("pk")).values("n")
    return records.annotate(available_copies=Coalesce(Subquery(shelf), 0)).defer(
        "marc", "search_text")


def access_public_record(municipality, record_id: int) -> BibRecord | None:
    return BibRecord.objects.for_municipality(municipality).select_related(
        "library").defer("marc").filter(pk=record_id).first()


def record_copies(record: BibRecord) -> list[Copy]:
    """The record's copies (withdrawn ones left out), with the due date of those on loan."""
    copies = list(Copy.objects.for_municipality(record.municipality_id).filter(
        record=record).exclude(status=CopyStatus.WITHDRAWN).order_by("inventory_number"))
    due = dict(Loan.objects.for_municipality(record.municipality_id).filter(
        copy__in=copies, returned_on__isnull=True).values_list("copy_id", "due_on"))
    for copy in copies:
        copy.due_on = due.get(copy.pk)
    return copies


def waiting_count(record: BibRecord) -> int:
    return Reservation.objects.for_municipality(record.municipality_id).filter(
        record=record, state=ReservationState.WAITING).count()


def resident_readers(municipality, user) -> QuerySet:
    """The reader cards a resident may act for: their own, and their children's."""
    if not getattr(user, "is_authenticated", False):
        return Reader.objects.none()
    return Reader.objects.for_municipality(municipality).filter(
        Q(user=user) | Q(child__guardians=user)).select_related("library").distinct(
        ).order_by("name", "pk")


def access_resident_reader(municipality, user, reader_id) -> Reader | None:
    return resident_readers(municipality, user).filter(pk=reader_id).first()


def access_resident_reservation(municipality, user, reservation_id) -> Reservation | None:
    return Reservation.objects.for_municipality(municipality).filter(
        pk=reservation_id, reader__in=resident_readers(municipality, user)).first()


def readers_activity(municipality, readers) -> dict:
    """The open loans and the reservations (active, and closed in the last 30 days) of
    these readers."""
    loans = Loan.objects.for_municipality(municipality).filter(
        reader__in=readers, returned_on__isnull=True).select_related(
        "copy__record", "reader").order_by("due_on")
    reservations = Reservation.objects.for_municipality(municipality).filter(
        reader__in=readers).filter(Q(state__in=ACTIVE_RESERVATION) | Q(
            placed_at__gte=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30))
    ).select_related("record", "reader", "copy", "record__library").order_by("-placed_at")
    return {"loans": list(loans), "reservations": list(reservations)}


def child_library(municipality, user, child) -> dict:
    """A child's reader cards the resident may act for, with their open loans and
    reservations (the parent's one place per child)."""
    readers = list(resident_readers(municipality, user).filter(child=child))
    if not readers:
        return {"readers": [], "loans": [], "reservations": []}
    return {"readers": readers, **readers_activity(municipality, readers)}


def library_records(library: Library, query: str = "") -> QuerySet:
    records = BibRecord.objects.for_municipality(library.municipality_id).filter(
        library=library)
    words = query_words(query)
    if words:
        records = matching(records, words)
    return with_availability(records).order_by("title", "id")


def overdue_loans(library: Library, on: datetime.date) -> QuerySet:
    return Loan.objects.for_municipality(library.municipality_id).filter(
        copy__library=library, returned_on__isnull=True, due_on__lt=on).select_related(
        "copy__record", "reader").annotate(reminders_sent=Count("reminders")).order_by(
        "due_on", "pk")


def active_reservations(library: Library) -> QuerySet:
    shelf = Copy.objects.filter(record=OuterRef("record"), status=CopyStatus.AVAILABLE)
    return Reservation.objects.for_municipality(library.municipality_id).filter(
        record__library=library, state__in=ACTIVE_RESERVATION).select_related(
        "record", "reader", "copy").annotate(on_shelf=Exists(shelf)).order_by(
        "state", "placed_at", "pk")


def access_reservation(library: Library, reservation_id: int) -> Reservation | None:
    return Reservation.objects.for_municipality(library.municipality_id).filter(
        record__library=library, pk=reservation_id).first()


def library_readers(library: Library) -> QuerySet:
    return Reader.objects.for_municipality(library.municipality_id).filter(
        library=library).order_by("card_number")


def export_records(library: Library) -> QuerySet:
    """The library's records with their copies, for the MARC export."""
    return BibRecord.objects.for_municipality(library.municipality_id).filter(
        library=library).prefetch_related("copies").order_by("pk")


def export_marc(library: Library, *, xml: bool = False) -> bytes:
    """The library's catalogue as MARC21 (ISO 2709, or MARCXML): each record as kept (as
    imported, or as built for an entry by hand) with its 852 fields replaced by the
    copies the library has now (withdrawn ones left out)."""
    out = []
    for item in export_records(library).iterator(chunk_size=500):
        record = marc.parse_stored(bytes(item.marc)) if item.marc else marc.build(
            marc.RecordData(title=item.title, author=item.author, isbn=item.isbn,
                            publisher=item.publisher, year=item.year,
                            control_number=item.control_number or f"RATUSZ-{item.pk}"))
        record.remove_fields("852")
        for copy in item.copies.all():
            if copy.status != CopyStatus.WITHDRAWN:
                record.add_ordered_field(marc.copy_field(copy.inventory_number,
                                                         copy.location))
        out.append(record)
    return marc.to_xml(out) if xml else marc.to_binary(out)


def school_institutions(municipality) -> QuerySet:
    """The gmina's schools that have no library yet."""
    return Institution.objects.for_municipality(municipality).filter(
        kind__in=[InstitutionKind.PRIMARY_SCHOOL, InstitutionKind.PRESCHOOL_CLASS]).exclude(
        pk__in=Library.objects.for_municipality(municipality).values("institution")
    ).select_related("unit").order_by("unit__name")


def pupils(library: Library) -> QuerySet:
    """The children enrolled in the library's school (any year), for a pupil's card."""
    return Child.objects.for_municipality(library.municipality_id).filter(
        enrolments__institution_id=library.institution_id).distinct().order_by(
        "last_name", "first_name")
