"""Writes of the school libraries: the library of a school, the catalogue (MARC21 import
with a per-record report, entries by hand, copies), readers, loans and returns by reader
card and inventory number, reservations (set aside → ready with a pick-up notice →
collected or expired) and overdue reminders. Every public function is one durable
transaction; the notices go after the commit (`education.library_notice`).

Rules chosen (the law leaves a school library's rules to its statute, regulamin
biblioteki, Prawo oświatowe art. 104 [unverified: no statutory loan period or pick-up
time exists; the defaults below are the school's to change]): a loan runs `loan_days`
(30) days; a copy set aside waits `pickup_days` (7) days, the last day included; an
overdue loan gets a reminder the day after its due date, then every `reminder_days` (7)
days while it stays out."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from ratusz.core.effects import enqueue_after_commit
from ratusz.core.models import AuditAction, Municipality, UnitKind
from ratusz.core.services import record_audit
from ratusz.core.tenancy import tenant_context
from ratusz.education import marc
from ratusz.education.errors import EducationError
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
    OverdueReminder,
    Reader,
    ReaderKind,
    Reservation,
    ReservationState,
)
from ratusz.education.services.common import clean_text, today

#: The largest MARC file accepted at once (a school's whole catalogue fits easily).
MAX_MARC_BYTES = 20 * 1024 * 1024
SCHOOL_KINDS = (InstitutionKind.PRIMARY_SCHOOL, InstitutionKind.PRESCHOOL_CLASS)
NOTICE_TASK = "education.library_notice"


@dataclass
class ImportLine:
    number: int
    title: str
    outcome: str  # created | updated | unchanged | skipped
    note: str = ""


@dataclass
class ImportReport:
    lines: list[ImportLine] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def summary(self) -> dict[str, int]:
        return {outcome: self.count(outcome)
                for outcome in ("created", "updated", "unchanged", "skipped")}


def search_text(data: marc.RecordData) -> str:
    return marc.fold(" ".join([data.title, data.author, data.isbn, *data.subjects]))


@transaction.atomic(durable=True)
def create_library(institution: Institution, *, acting_user, name: str = "",
                   loan_days: int = 30, pickup_days: int = 7) -> Library:
    """The library of a school (one per school)."""
    if institution.kind not in SCHOOL_KINDS and institution.unit.kind != UnitKind.SCHOOL:
        raise EducationError("library_not_school", _("A school library belongs to a school; "
                                                     "%(name)s is not a school."),
                             name=institution.name)
    existing = Library.objects.for_municipality(institution.municipality_id).filter(
        institution=institution).first()
    if existing is not None:
        return existing
    library = Library.objects.create(
        municipality_id=institution.municipality_id, institution=institution,
        name=clean_text(name, name="name", limit=200) or f"Biblioteka – {institution.name}",
        loan_days=loan_days, pickup_days=pickup_days)
    record_audit(municipality=institution.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=library, after={"name": library.name})
    return library


# --- The catalogue ---

def _match(library: Library, data: marc.RecordData) -> BibRecord | None:
    records = BibRecord.objects.for_municipality(library.municipality_id).filter(
        library=library)
    if data.control_number:
        found = records.filter(control_number=data.control_number).first()
        if found is not None:
            return found
    if data.isbn:
        return records.filter(isbn=data.isbn).first()
    return None


FIELDS = ("title", "author", "isbn", "publisher", "year", "subjects", "control_number")


def _values(data: marc.RecordData) -> dict:
    return {"title": data.title[:500], "author": data.author[:300], "isbn": data.isbn,
            "publisher": data.publisher[:300], "year": data.year,
            "subjects": "; ".join(data.subjects)[:1000],
            "control_number": data.control_number, "search_text": search_text(data)}


def _store(library: Library, data: marc.RecordData, raw: bytes) -> tuple[BibRecord, str]:
    """Create or update the record `data` describes; its copies (852 $p) are added when
    the library does not know their inventory number yet."""
    values = _values(data)
    record = _match(library, data)
    if record is None:
        record = BibRecord.objects.create(municipality_id=library.municipality_id,
                                          library=library, marc=raw, **values)
        outcome = "created"
    elif all(getattr(record, name) == value for name, value in values.items()) and \
            bytes(record.marc) == raw:
        outcome = "unchanged"
    else:
        for name, value in values.items():
            setattr(record, name, value)
        record.marc = raw
        record.save()
        outcome = "updated"
    known = set(Copy.objects.for_municipality(library.municipality_id).filter(
        library=library, inventory_number__in=[c.inventory_number for c in data.copies])
        .values_list("inventory_number", flat=True))
    for copy in data.copies:
        if copy.inventory_number and copy.inventory_number not in known:
            Copy.objects.create(municipality_id=library.municipality_id, record=record,
                                library=library, inventory_number=copy.inventory_number,
                                location=copy.location)
            known.add(copy.inventory_number)
            if outcome == "unchanged":
                outcome = "updated"
    return record, outcome


@transaction.atomic(durable=True)
def import_marc(library: Library, data: bytes, *, acting_user) -> ImportReport:
    """Import a MARC21 file (ISO 2709 or MARCXML) into the library's catalogue: each record
    created, updated or left unchanged (found again by its control number 001, else by its
    ISBN), or skipped with the reason. A file that is not MARC21 is refused whole, with
    the reason, and nothing is saved."""
    if len(data) > MAX_MARC_BYTES:
        raise EducationError("marc_too_large", _("The file is larger than %(limit)s MB."),
                             limit=MAX_MARC_BYTES // (1024 * 1024))
    try:
        records = marc.read(data)
    except marc.NotMarc as error:
        raise EducationError("not_marc", _("The file was not imported: %(reason)s"),
                             reason=str(error)) from error
    report = ImportReport()
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        data_ = marc.data_of(record)
        notes = list(data_.notes)
        if not data_.title:
            report.lines.append(ImportLine(number, "", "skipped",
                                           "no title (245 $a): not a bibliographic record"))
            continue
        key = data_.control_number or data_.isbn
        if key and key in seen:
            report.lines.append(ImportLine(number, data_.title, "skipped",
                                           f"the same record as record {seen[key]} of the "
                                           "file"))
            continue
        if key:
            seen[key] = number
        record.force_utf8 = True
        _stored, outcome = _store(library, data_, record.as_marc())
        report.lines.append(ImportLine(number, data_.title, outcome, "; ".join(notes)))
    record_audit(municipality=library.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=library,
                 after={"marc_import": report.summary})
    return report


def check_record(data: marc.RecordData) -> marc.RecordData:
    """A hand-made entry checked: a title, an ISBN that checks (kept as ISBN-13), a
    plausible year, texts without control characters."""
    title = clean_text(data.title, name="title", limit=500, required=True)
    isbn = (data.isbn or "").strip()
    if isbn:
        try:
            isbn = marc.normal_isbn(isbn)
        except ValueError as error:
            raise EducationError("invalid_isbn", _("The ISBN %(isbn)s is not valid (its check "
                                                   "digit or length is wrong)."),
                                 isbn=isbn) from error
    if data.year is not None and not 1000 <= data.year <= today().year + 1:
        raise EducationError("invalid_year", _("The year of publication %(year)s is not "
                                               "plausible."), year=data.year)
    return marc.RecordData(
        title=title, author=clean_text(data.author, name="author", limit=300),
        isbn=isbn, publisher=clean_text(data.publisher, name="publisher", limit=300),
        year=data.year, subjects=[clean_text(s, name="subjects", limit=200)
                                  for s in data.subjects if s.strip()],
        copies=data.copies)


@transaction.atomic(durable=True)
def add_record(library: Library, data: marc.RecordData, *, acting_user) -> BibRecord:
    """A record entered by hand (its MARC21 built for the export; its control number is
    "RATUSZ-<id>"); an ISBN the catalogue already has is refused."""
    data = check_record(data)
    if data.isbn and _match(library, data) is not None:
        raise EducationError("record_exists", _("The catalogue already has a record with "
                                                "the ISBN %(isbn)s."), isbn=data.isbn)
    record = BibRecord.objects.create(municipality_id=library.municipality_id,
                                      library=library, **_values(data))
    data.control_number = record.control_number = f"RATUSZ-{record.pk}"
    record.marc = marc.build(data).as_marc()
    record.save(update_fields=["control_number", "marc"])
    for copy in data.copies:
        _add_copy(record, copy.inventory_number, copy.location)
    record_audit(municipality=library.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=record, after={"title": record.title})
    return record


def _add_copy(record: BibRecord, inventory_number: str, location: str) -> Copy:
    number = clean_text(inventory_number, name="inventory number", limit=40, required=True)
    if Copy.objects.for_municipality(record.municipality_id).filter(
            library_id=record.library_id, inventory_number=number).exists():
        raise EducationError("inventory_taken", _("The inventory number %(number)s is "
                                                  "already used in this library."),
                             number=number)
    return Copy.objects.create(municipality_id=record.municipality_id, record=record,
                               library_id=record.library_id, inventory_number=number,
                               location=clean_text(location, name="location", limit=100))


@transaction.atomic(durable=True)
def add_copy(record: BibRecord, *, acting_user, inventory_number: str,
             location: str = "") -> Copy:
    copy = _add_copy(record, inventory_number, location)
    record_audit(municipality=record.library.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=copy, after={"record": record.pk})
    return copy


# --- Readers ---

@transaction.atomic(durable=True)
def add_reader(library: Library, *, acting_user, card_number: str, kind: str, name: str,
               child: Child | None = None, user=None, email: str = "") -> Reader:
    """A reader card of the library; a pupil is a child of the gmina, `user` the resident
    account of the reader or of the pupil's parent (who gets the notices)."""
    card = clean_text(card_number, name="reader card number", limit=40, required=True)
    if kind not in ReaderKind.values:
        raise EducationError("reader_kind", _("Choose the kind of reader."))
    if child is not None and child.municipality_id != library.municipality_id:
        raise EducationError("child_elsewhere", _("The pupil is not a child of this gmina."))
    if Reader.objects.for_municipality(library.municipality_id).filter(
            library=library, card_number=card).exists():
        raise EducationError("card_taken", _("The reader card %(card)s is already issued in "
                                             "this library."), card=card)
    reader = Reader.objects.create(
        municipality_id=library.municipality_id, library=library, card_number=card,
        kind=kind, name=clean_text(name, name="name", limit=200, required=True),
        child=child, user=user, email=clean_text(email, name="e-mail", limit=254))
    record_audit(municipality=library.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=reader, after={"card": card})
    return reader


# --- Circulation ---

def _copy(library: Library, inventory_number: str) -> Copy:
    number = (inventory_number or "").strip()
    copy = Copy.objects.select_for_update().filter(
        municipality_id=library.municipality_id, library=library,
        inventory_number=number).first()
    if copy is None:
        raise EducationError("no_copy", _("This library has no copy with the inventory "
                                          "number %(number)s."), number=number[:40])
    return copy


def _reader(library: Library, card_number: str) -> Reader:
    card = (card_number or "").strip()
    reader = Reader.objects.for_municipality(library.municipality_id).filter(
        library=library, card_number=card).first()
    if reader is None:
        raise EducationError("no_reader", _("This library has no reader with the card "
                                            "%(card)s."), card=card[:40])
    return reader


@transaction.atomic(durable=True)
def lend(library: Library, *, acting_user, card_number: str, inventory_number: str,
         on: datetime.date | None = None) -> Loan:
    """Lend a copy to a reader: a copy on the shelf, or the copy set aside for this
    reader's reservation (which is then collected)."""
    on = on or today()
    reader = _reader(library, card_number)
    copy = _copy(library, inventory_number)
    if copy.status == CopyStatus.ON_LOAN:
        raise EducationError("copy_on_loan", _("The copy %(number)s is on loan; return it "
                                               "first."), number=copy.inventory_number)
    if copy.status == CopyStatus.WITHDRAWN:
        raise EducationError("copy_withdrawn", _("The copy %(number)s is withdrawn."),
                             number=copy.inventory_number)
    if copy.status == CopyStatus.ON_HOLD:
        held = Reservation.objects.select_for_update().filter(
            municipality_id=library.municipality_id, copy=copy,
            state=ReservationState.READY).first()
        if held is not None and held.reader_id != reader.pk:
            raise EducationError("copy_held", _("The copy %(number)s is set aside for another "
                                                "reader's reservation."),
                                 number=copy.inventory_number)
        if held is not None:
            held.state, held.closed_on = ReservationState.COLLECTED, on
            held.save(update_fields=["state", "closed_on"])
    Reservation.objects.for_municipality(library.municipality_id).filter(
        record_id=copy.record_id, reader=reader, state=ReservationState.WAITING).update(
        state=ReservationState.COLLECTED, closed_on=on)
    copy.status = CopyStatus.ON_LOAN
    copy.save(update_fields=["status"])
    loan = Loan.objects.create(municipality_id=library.municipality_id, copy=copy,
                               reader=reader, loaned_on=on,
                               due_on=on + datetime.timedelta(days=library.loan_days))
    record_audit(municipality=library.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=loan,
                 after={"copy": copy.inventory_number, "card": reader.card_number})
    return loan


def _hold_for_next(copy: Copy, on: datetime.date) -> Reservation | None:
    """The copy set aside for the oldest waiting reservation of its record (ready, with
    the pick-up notice after the commit), else back on the shelf."""
    waiting = Reservation.objects.select_for_update().filter(
        municipality_id=copy.municipality_id, record_id=copy.record_id,
        reader__library_id=copy.library_id, state=ReservationState.WAITING,
    ).order_by("placed_at", "id").first()
    if waiting is None:
        copy.status = CopyStatus.AVAILABLE
        copy.save(update_fields=["status"])
        return None
    library = Library.objects.get(pk=copy.library_id)
    copy.status = CopyStatus.ON_HOLD
    copy.save(update_fields=["status"])
    waiting.state, waiting.copy, waiting.ready_on = ReservationState.READY, copy, on
    waiting.pickup_until = on + datetime.timedelta(days=library.pickup_days)
    waiting.save(update_fields=["state", "copy", "ready_on", "pickup_until"])
    enqueue_after_commit(NOTICE_TASK, "pickup", waiting.pk)
    return waiting


@transaction.atomic(durable=True)
def return_copy(library: Library, *, acting_user, inventory_number: str,
                on: datetime.date | None = None) -> tuple[Loan, Reservation | None]:
    """Take a copy back; if a reader waits for its record, the copy is set aside for
    them and they get the pick-up notice."""
    on = on or today()
    copy = _copy(library, inventory_number)
    loan = Loan.objects.select_for_update().filter(
        municipality_id=library.municipality_id, copy=copy, returned_on__isnull=True).first()
    if loan is None:
        raise EducationError("not_on_loan", _("The copy %(number)s is not on loan."),
                             number=copy.inventory_number)
    loan.returned_on = on
    loan.save(update_fields=["returned_on"])
    reservation = _hold_for_next(copy, on)
    record_audit(municipality=library.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=loan, after={"returned_on": str(on)})
    return loan, reservation


@transaction.atomic(durable=True)
def reserve(record: BibRecord, reader: Reader, *, acting_user) -> Reservation:
    """A reader's reservation of a record of their library (waiting until a copy is set
    aside). One active reservation per reader and record; a copy the reader already has
    on loan is not reserved again."""
    if reader.library_id != record.library_id:
        raise EducationError("other_library", _("The reader card %(card)s is of another "
                                                "library; reserve there."),
                             card=reader.card_number)
    if Reservation.objects.for_municipality(record.municipality_id).filter(
            record=record, reader=reader, state__in=ACTIVE_RESERVATION).exists():
        raise EducationError("already_reserved", _("%(reader)s has already reserved this "
                                                   "book."), reader=reader.name)
    if Loan.objects.for_municipality(record.municipality_id).filter(
            copy__record=record, reader=reader, returned_on__isnull=True).exists():
        raise EducationError("already_loaned", _("%(reader)s already has this book on "
                                                 "loan."), reader=reader.name)
    if not Copy.objects.for_municipality(record.municipality_id).filter(record=record).exclude(
            status=CopyStatus.WITHDRAWN).exists():
        raise EducationError("no_copies", _("The library has no copy of this book to "
                                            "reserve."))
    try:
        with transaction.atomic():  # savepoint: a concurrent twin hits the constraint
            reservation = Reservation.objects.create(
                municipality_id=record.municipality_id, record=record, reader=reader)
    except IntegrityError as error:
        raise EducationError("already_reserved", _("%(reader)s has already reserved this "
                                                   "book."), reader=reader.name) from error
    record_audit(municipality=record.library.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=reservation,
                 after={"record": record.pk, "card": reader.card_number})
    return reservation


@transaction.atomic(durable=True)
def set_aside(reservation: Reservation, *, acting_user,
              on: datetime.date | None = None) -> Reservation:
    """The librarian sets a copy on the shelf aside for a waiting reservation: it becomes
    ready and the reader (or the pupil's parent) gets the pick-up notice."""
    on = on or today()
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.state != ReservationState.WAITING:
        raise EducationError("not_waiting", _("This reservation is not waiting for a copy."))
    copy = Copy.objects.select_for_update().filter(
        municipality_id=reservation.municipality_id, record_id=reservation.record_id,
        status=CopyStatus.AVAILABLE).order_by("inventory_number").first()
    if copy is None:
        raise EducationError("no_copy_on_shelf", _("No copy of this book is on the shelf; "
                                                   "the reservation waits for a return."))
    library = Library.objects.get(pk=copy.library_id)
    copy.status = CopyStatus.ON_HOLD
    copy.save(update_fields=["status"])
    reservation.state, reservation.copy, reservation.ready_on = ReservationState.READY, copy, on
    reservation.pickup_until = on + datetime.timedelta(days=library.pickup_days)
    reservation.save(update_fields=["state", "copy", "ready_on", "pickup_until"])
    enqueue_after_commit(NOTICE_TASK, "pickup", reservation.pk)
    record_audit(municipality=library.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=reservation,
                 after={"state": reservation.state, "copy": copy.inventory_number})
    return reservation


@transaction.atomic(durable=True)
def cancel_reservation(reservation: Reservation, *, acting_user,
                       on: datetime.date | None = None) -> Reservation:
    """Cancel an active reservation; a copy held for it goes to the next reader waiting
    or back on the shelf."""
    on = on or today()
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.state not in ACTIVE_RESERVATION:
        raise EducationError("not_active", _("This reservation is no longer active."))
    copy = reservation.copy
    reservation.state, reservation.closed_on = ReservationState.CANCELLED, on
    reservation.save(update_fields=["state", "closed_on"])
    if copy is not None:
        _hold_for_next(Copy.objects.select_for_update().get(pk=copy.pk), on)
    record_audit(municipality=reservation.record.library.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=reservation, after={"state": "cancelled"})
    return reservation


@transaction.atomic(durable=True)
def expire_reservations(municipality, *, on: datetime.date | None = None) -> int:
    """Ready reservations not picked up by their last day expire (the day after it); each
    held copy goes to the next reader waiting or back on the shelf. Run daily (beat) and
    from the librarian's page; running it twice changes nothing more."""
    on = on or today()
    expired = list(Reservation.objects.select_for_update().filter(
        municipality_id=municipality.pk, state=ReservationState.READY,
        pickup_until__lt=on).order_by("pk"))
    for reservation in expired:
        reservation.state, reservation.closed_on = ReservationState.EXPIRED, on
        reservation.save(update_fields=["state", "closed_on"])
        if reservation.copy_id:
            _hold_for_next(Copy.objects.select_for_update().get(pk=reservation.copy_id), on)
    if expired:
        record_audit(municipality=municipality, acting_user=None,
                     action=AuditAction.UPDATED, object_type="education.reservation",
                     object_id=",".join(str(r.pk) for r in expired[:50]),
                     after={"expired": len(expired)})
    return len(expired)


@transaction.atomic(durable=True)
def send_overdue_reminders(municipality, *, on: datetime.date | None = None) -> int:
    """A reminder for each loan past its due date that had none in the library's
    `reminder_days` (the first the day after the due date); the notices go after the
    commit. Twice on one day sends nothing more."""
    on = on or today()
    sent = 0
    loans = Loan.objects.filter(municipality_id=municipality.pk, returned_on__isnull=True,
                                due_on__lt=on).select_related("copy__library")
    for loan in loans:
        pause = datetime.timedelta(days=loan.copy.library.reminder_days)
        if OverdueReminder.objects.filter(municipality_id=municipality.pk, loan=loan,
                                          sent_on__gt=on - pause).exists():
            continue
        reminder = OverdueReminder.objects.create(municipality_id=municipality.pk, loan=loan,
                                                  sent_on=on)
        enqueue_after_commit(NOTICE_TASK, "overdue", reminder.pk)
        sent += 1
    return sent


def daily_round() -> dict:
    """For every gmina with a school library: expire the reservations not picked up and
    send the overdue reminders (each gmina its own transactions)."""
    with tenant_context(None, all_municipalities=True):
        municipalities = list(Municipality.objects.filter(pk__in=Library.objects.values(
            "municipality")).order_by("slug"))
    done = {}
    for municipality in municipalities:
        with tenant_context(municipality):
            done[municipality.slug] = {"expired": expire_reservations(municipality),
                                       "reminded": send_overdue_reminders(municipality)}
    return done
