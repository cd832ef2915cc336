"""Writes of the EZD: registering, assigning, opening and handling cases, the case record.

Every public function owns its transaction (`durable=True`), locks what it numbers or
changes, and writes its case-record entry in that same transaction. Side effects (e-mail,
indexing) run after commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from ratusz.cases.models import (
    OPEN_STATUSES,
    AccessLevel,
    Assignment,
    Case,
    CaseAction,
    CaseLink,
    CaseLinkKind,
    CaseParty,
    CaseRecordEntry,
    CaseStatus,
    CaseType,
    Channel,
    Counter,
    IncomingEntry,
    IncomingSender,
    IncomingStatus,
    JrwaClass,
    PartyKind,
    RoutingRule,
)
from ratusz.core.models import AuditAction, Department, Municipality, Unit
from ratusz.core.services import record_audit

GENESIS_HASH = "0" * 64
DEFAULT_DEADLINE_DAYS = 30


class EzdError(ValueError):
    """A rule of the EZD was broken. `code` is stable (API, tests); the message is for people."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code
        self.message = message or code


# --- Numbers ----------------------------------------------------------------------------

def next_in_sequence(municipality: Municipality | int, scope: str, year: int) -> int:
    """The next number of a gapless sequence. Must run inside the caller's transaction:
    the counter row stays locked until it commits, and a rollback gives the number back.

    One round trip in the usual case: an UPDATE … RETURNING takes the row lock and the
    number together (both PostgreSQL and SQLite ≥ 3.35 support it)."""
    from django.db import connection

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
        with transaction.atomic():
            Counter.objects.create(municipality_id=municipality_id, scope=scope, year=year,
                                   value=1)
        return 1
    except IntegrityError:
        # Another transaction created the row first: wait for its lock, then increment.
        with connection.cursor() as cursor:
            cursor.execute(increment, [municipality_id, scope, year])
            return cursor.fetchone()[0]


def validate_partial_date(value: str) -> None:
    """A date of law that may be partial: YYYY, YYYY-MM or YYYY-MM-DD, and real."""
    parts = value.split("-")
    try:
        numbers = [int(part) for part in parts]
        if len(parts) > 3 or len(parts[0]) != 4 or any(len(p) != 2 for p in parts[1:]):
            raise ValueError
        date(numbers[0], numbers[1] if len(numbers) > 1 else 1,
             numbers[2] if len(numbers) > 2 else 1)
    except ValueError:
        raise EzdError("invalid_letter_date",
                       "Podaj datę pisma jako RRRR-MM-DD, RRRR-MM lub RRRR.") from None


def _check_lengths(instance, fields) -> None:
    """Field lengths checked before saving (cheaper than full_clean on the hot path)."""
    for name in fields:
        limit = instance._meta.get_field(name).max_length
        if len(getattr(instance, name) or "") > limit:
            raise EzdError(f"invalid_{name}", f"{name}: najwyżej {limit} znaków.")


def rpw_number(sequence: int, year: int) -> str:
    return f"RPW/{sequence}/{year}"


def rkw_number(sequence: int, year: int) -> str:
    return f"RKW/{sequence}/{year}"


def case_mark(department_symbol: str, jrwa_symbol: str, sequence: int, year: int,
              sub_sequence: int | None = None) -> str:
    parts = [department_symbol, jrwa_symbol, str(sequence)]
    if sub_sequence is not None:
        parts.append(str(sub_sequence))
    parts.append(str(year))
    return ".".join(parts)


# --- The case record --------------------------------------------------------------------

def _person_label(user) -> tuple[str, str]:
    if user is None:
        return "System Ratusz", ""
    return (user.get_full_name() or user.username), getattr(user, "position", "")


def record_hash(fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_fields(entry: CaseRecordEntry) -> dict:
    """What the hash of a record entry covers."""
    return {
        "case": entry.case_id,
        "position": entry.position,
        "occurred_at": entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "actor_position": entry.actor_position,
        "action": entry.action,
        "description": entry.description,
        "document": entry.document_id,
        "document_label": entry.document_label,
        "data": entry.data,
        "previous_hash": entry.previous_hash,
    }


def record_case_event(case: Case, action: str, *, acting_user, description: str,
                      document=None, data: dict | None = None,
                      previous: CaseRecordEntry | None = None,
                      touch_case: bool = True) -> CaseRecordEntry:
    """Append one row to the case record. Caller holds the case row lock and the
    transaction, so positions are consecutive and the chain is linear. A caller that has
    just written the previous entry (or created the case) passes it (or `touch_case`
    False) to save the look-ups."""
    if previous is not None:
        last = {"position": previous.position, "hash": previous.hash}
    elif touch_case is False and getattr(case, "_is_new", False):
        last = None
    else:
        last = (CaseRecordEntry.objects.filter(case=case).order_by("-position")
                .values("position", "hash").first())
    name, position = _person_label(acting_user)
    entry = CaseRecordEntry(
        municipality_id=case.municipality_id,
        case=case,
        position=(last["position"] + 1) if last else 1,
        occurred_at=timezone.now(),
        actor=acting_user if getattr(acting_user, "pk", None) else None,
        actor_name=name,
        actor_position=position,
        action=action,
        description=description,
        document=document,
        document_label=str(document)[:300] if document is not None else "",
        data=data or {},
        previous_hash=last["hash"] if last else GENESIS_HASH,
    )
    entry.hash = record_hash(record_fields(entry))
    entry.save()
    if touch_case:
        Case.objects.filter(pk=case.pk).update(last_activity_at=entry.occurred_at)
    return entry


@dataclass
class ChainProblem:
    case_mark: str
    position: int
    problem: str


def verify_case_record(case: Case) -> list[ChainProblem]:
    """Recompute the chain of one case; an empty list means untouched."""
    problems = []
    previous = GENESIS_HASH
    expected_position = 1
    for entry in CaseRecordEntry.objects.filter(case=case).order_by("position"):
        if entry.position != expected_position:
            problems.append(ChainProblem(case.mark, entry.position, "missing entry before"))
        if entry.previous_hash != previous:
            problems.append(ChainProblem(case.mark, entry.position, "chain broken"))
        if record_hash(record_fields(entry)) != entry.hash:
            problems.append(ChainProblem(case.mark, entry.position, "content changed"))
        previous = entry.hash
        expected_position = entry.position + 1
    return problems


# --- Registering correspondence ---------------------------------------------------------

@dataclass
class SenderData:
    kind: str = PartyKind.PERSON
    organisation_name: str = ""
    first_name: str = ""
    last_name: str = ""
    city: str = ""
    postal_code: str = ""
    street: str = ""
    building: str = ""
    flat: str = ""
    country: str = "Polska"
    email: str = ""

    def validate(self) -> None:
        if self.kind == PartyKind.ORGANISATION and not self.organisation_name.strip():
            raise EzdError("sender_name_required", "Podaj nazwę nadawcy.")
        if self.kind == PartyKind.PERSON and not self.last_name.strip():
            raise EzdError("sender_name_required", "Podaj nazwisko nadawcy.")


def _apply_routing_rules(entry: IncomingEntry, acting_user, senders: list[SenderData]
                         ) -> Assignment | None:
    rules = RoutingRule.objects.for_municipality(entry.municipality_id).filter(
        unit=entry.unit, is_active=True).order_by("priority", "id")
    senders = " ".join(
        (sender.organisation_name if sender.kind == PartyKind.ORGANISATION
         else f"{sender.first_name} {sender.last_name}").lower() for sender in senders)
    for rule in rules:
        if rule.match_channel and rule.match_channel != entry.channel:
            continue
        if rule.match_service and rule.match_service != entry.service:
            continue
        if rule.match_sender_contains and rule.match_sender_contains.lower() not in senders:
            continue
        if rule.match_title_contains and rule.match_title_contains.lower() not in \
                entry.title.lower():
            continue
        due = (entry.received_on + timedelta(days=rule.deadline_days)
               if rule.deadline_days else None)
        assignment = Assignment.objects.create(
            municipality_id=entry.municipality_id, entry=entry, assigned_by=None,
            to_department=rule.to_department, to_user=rule.to_user, is_leading=True,
            instructions=rule.instructions, due_date=due, rule=rule,
        )
        IncomingEntry.objects.filter(pk=entry.pk).update(status=IncomingStatus.ASSIGNED)
        entry.status = IncomingStatus.ASSIGNED
        return assignment
    return None


def register_incoming(
    unit: Unit,
    *,
    acting_user,
    title: str,
    senders: list[SenderData],
    received_on: date,
    channel: str,
    letter_date: str = "",
    posted_on: date | None = None,
    sender_reference: str = "",
    document_type: str = "",
    access_level: str = "public",
    attachments_count: int = 0,
    data_format: str = "",
    remarks: str = "",
    is_unopened: bool = False,
    unopened_reason: str = "",
    is_fully_scanned: bool = True,
    idempotency_key: str = "",
    service: str = "",
) -> tuple[IncomingEntry, bool]:
    """Register an item in the unit's RPW. Returns (entry, created).

    The number RPW/<n>/<yyyy> is gapless per unit and year. With an idempotency key, a
    retried registration returns the first entry and registers nothing."""
    if idempotency_key:
        existing = IncomingEntry.objects.for_municipality(unit.municipality_id).filter(
            idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    try:
        return _register_incoming(
            unit, acting_user=acting_user, title=title, senders=senders,
            received_on=received_on, channel=channel, letter_date=letter_date,
            posted_on=posted_on, sender_reference=sender_reference,
            document_type=document_type, access_level=access_level,
            attachments_count=attachments_count, data_format=data_format, remarks=remarks,
            is_unopened=is_unopened, unopened_reason=unopened_reason,
            is_fully_scanned=is_fully_scanned, idempotency_key=idempotency_key,
            service=service,
        ), True
    except IntegrityError:
        if not idempotency_key:
            raise
        existing = IncomingEntry.objects.for_municipality(unit.municipality_id).filter(
            idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False


def _register_incoming_rows(unit: Unit, *, acting_user, title, senders, received_on, channel,
                            letter_date="", posted_on=None, sender_reference="",
                            document_type="", access_level="public", attachments_count=0,
                            data_format="", remarks="", is_unopened=False, unopened_reason="",
                            is_fully_scanned=True, idempotency_key="", service=""
                            ) -> IncomingEntry:
    title = (title or "").strip()
    if not title:
        raise EzdError("title_required", "Podaj tytuł (krótki opis treści).")
    if not senders:
        raise EzdError("sender_required", "Podaj co najmniej jednego nadawcę.")
    for sender in senders:
        sender.validate()
    if channel not in Channel.values:
        raise EzdError("channel_invalid", "Wybierz sposób dostarczenia z listy.")
    today = timezone.localdate()
    if received_on > today:
        raise EzdError("received_in_future", "Data wpływu nie może być późniejsza niż dziś.")
    if posted_on and posted_on > received_on:
        raise EzdError("posted_after_received",
                       "Data nadania nie może być późniejsza niż data wpływu.")
    if is_unopened and not unopened_reason.strip():
        raise EzdError("unopened_reason_required",
                       "Podaj, dlaczego przesyłka została zarejestrowana bez otwierania.")
    letter_date = (letter_date or received_on.isoformat()).strip()
    validate_partial_date(letter_date)
    year = received_on.year
    sequence = next_in_sequence(unit.municipality, f"rpw:{unit.pk}", year)
    entry = IncomingEntry(
        municipality_id=unit.municipality_id, unit=unit, year=year, sequence=sequence,
        number=rpw_number(sequence, year), title=title, letter_date=letter_date,
        posted_on=posted_on, received_on=received_on,
        registered_by=acting_user if getattr(acting_user, "pk", None) else None,
        channel=channel, sender_reference=sender_reference.strip(),
        document_type=document_type.strip(), access_level=access_level,
        attachments_count=attachments_count, data_format=data_format, remarks=remarks,
        is_unopened=is_unopened, unopened_reason=unopened_reason.strip(),
        is_fully_scanned=is_fully_scanned, idempotency_key=idempotency_key, service=service,
    )
    _check_lengths(entry, ("title", "sender_reference", "document_type", "data_format",
                           "unopened_reason"))
    if access_level not in AccessLevel.values:
        raise EzdError("invalid_access_level", "Wybierz poziom dostępu z listy.")
    entry.save()
    IncomingSender.objects.bulk_create([
        IncomingSender(municipality_id=unit.municipality_id, entry=entry, **sender.__dict__)
        for sender in senders
    ])
    record_audit(municipality=unit.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=entry,
                 after={"number": entry.number, "title": entry.title, "channel": channel})
    _apply_routing_rules(entry, acting_user, senders)
    return entry


_register_incoming = transaction.atomic(durable=True)(_register_incoming_rows)


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("This function runs inside the caller's transaction.")


def register_incoming_within(unit: Unit, *, acting_user, title: str, senders: list[SenderData],
                             received_on: date, channel: str, **fields) -> IncomingEntry:
    """`register_incoming` as one step of a larger write (an e-service submission): the
    caller owns the transaction, so a later failure leaves no used number behind."""
    _require_transaction()
    return _register_incoming_rows(unit, acting_user=acting_user, title=title,
                                   senders=senders, received_on=received_on, channel=channel,
                                   **fields)


def attach_stored_file_within(entry: IncomingEntry, *, acting_user, title: str, name: str,
                              path: str, inspection):
    """Attach a file already stored with `store_checked_file` to a registered entry, inside
    the caller's transaction (opening the case then moves it into the case)."""
    from ratusz.cases.models import Document, DocumentKind

    _require_transaction()
    document = Document.objects.create(
        municipality_id=entry.municipality_id, incoming=entry, title=(title or name)[:300],
        kind=DocumentKind.SCAN if inspection.content_type.startswith("image/")
        else DocumentKind.INCOMING, access_level=entry.access_level, created_by=acting_user)
    _create_version(document, acting_user=acting_user, name=name, path=path,
                    inspection=inspection)
    return document


def open_case_within(unit: Unit, *, acting_user, department: Department, jrwa_symbol: str,
                     title: str, incoming: IncomingEntry | None = None,
                     description: str = "", deadline: date | None = None,
                     access_level: str = "public") -> Case:
    """`open_case` as one step of a larger write; the caller owns the transaction."""
    _require_transaction()
    return _open_case(unit, acting_user=acting_user, department=department,
                      jrwa_symbol=jrwa_symbol, title=title, incoming=incoming,
                      description=description, deadline=deadline, access_level=access_level)


def await_party_within(case: Case, *, acting_user, note: str) -> Case:
    """Put a freshly opened case on hold for the party (a fee to pay), in the caller's
    transaction."""
    _require_transaction()
    return _set_status(case, CaseStatus.AWAITING_PARTY, acting_user=acting_user, note=note)


def lock_case(case: Case) -> Case:
    """The case row locked for the caller's transaction (serialises record entries)."""
    _require_transaction()
    return _locked_case(case)


def set_status_within(case: Case, status: str, *, acting_user, note: str = "") -> Case:
    """`change_status` as one step of a larger write; the caller holds the case lock."""
    _require_transaction()
    return _set_status(case, status, acting_user=acting_user, note=note)


def add_stored_document_within(case: Case, *, acting_user, title: str, kind: str, name: str,
                               path: str, inspection):
    """Add an already stored, checked file to an open case inside the caller's transaction
    (the caller holds the case lock)."""
    from ratusz.cases.models import Document

    _require_transaction()
    if not case.is_open:
        raise EzdError("case_closed", "Do zakończonej sprawy nie można dodawać dokumentów.")
    document = Document.objects.create(municipality_id=case.municipality_id, case=case,
                                       title=(title or name)[:300], kind=kind,
                                       access_level=case.access_level, created_by=acting_user)
    version = _create_version(document, acting_user=acting_user, name=name, path=path,
                              inspection=inspection)
    record_case_event(case, CaseAction.DOCUMENT_ADDED, acting_user=acting_user,
                      description=f"Dodanie dokumentu „{document.title}” ({name}, "
                                  f"SHA-256 {version.sha256[:16]}…)",
                      document=document, data={"sha256": version.sha256, "version": 1})
    transaction.on_commit(partial(_index_later, case.pk))
    return document


def store_checked_file(municipality_id: int, inspection, name: str, data: bytes) -> str:
    """Store bytes checked by `documents.inspect_upload` before the transaction that records
    them; pair with `discard_stored_file` when that transaction fails."""
    return _store_file(municipality_id, inspection, name, data)


def discard_stored_file(path: str) -> None:
    """Remove a stored file that no document version refers to."""
    _discard_file(path)


@transaction.atomic(durable=True)
def annul_incoming(entry: IncomingEntry, *, acting_user, reason: str) -> IncomingEntry:
    """Annul a registration (it is never deleted); its number stays used."""
    reason = reason.strip()
    if not reason:
        raise EzdError("reason_required", "Podaj powód unieważnienia wpisu.")
    updated = IncomingEntry.objects.filter(
        pk=entry.pk, status__in=[IncomingStatus.REGISTERED, IncomingStatus.ASSIGNED]
    ).update(status=IncomingStatus.ANNULLED, annulled_at=timezone.now(),
             annulled_by=acting_user, annulment_reason=reason)
    if updated != 1:
        raise EzdError("cannot_annul",
                       "Tego wpisu nie można unieważnić (jest już w sprawie lub unieważniony).")
    record_audit(municipality=entry.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=entry,
                 before={"status": entry.status}, after={"status": "annulled", "reason": reason})
    entry.refresh_from_db()
    return entry


# --- Assignment (dekretacja) ------------------------------------------------------------

def _first_due_date(assignments) -> date | None:
    first = assignments.order_by("created_at", "id").first()
    return first.due_date if first else None


@transaction.atomic(durable=True)
def assign_entry(entry: IncomingEntry, *, acting_user, to_department: Department | None = None,
                 to_user=None, instructions: str = "", due_date: date | None = None,
                 co_departments: list[Department] | None = None) -> Assignment:
    """Route an entry (dekretacja) to its leading department or person, optionally with
    co-operating departments. A re-assignment supersedes the current one and can never
    extend the first deadline."""
    entry = IncomingEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == IncomingStatus.ANNULLED:
        raise EzdError("annulled", "Wpis jest unieważniony.")
    if to_department is None and to_user is None:
        raise EzdError("target_required", "Wskaż komórkę organizacyjną lub osobę.")
    for department in [to_department, *(co_departments or [])]:
        if department is not None and department.municipality_id != entry.municipality_id:
            raise EzdError("department_not_found", "Nie ma takiej komórki organizacyjnej.")
    if to_user is not None and (to_user.municipality_id != entry.municipality_id
                                or not to_user.is_active):
        raise EzdError("user_not_found", "Nie ma takiego pracownika.")
    history = Assignment.objects.filter(entry=entry)
    first_due = _first_due_date(history)
    if first_due and (due_date is None or due_date > first_due):
        if due_date is not None and due_date > first_due:
            raise EzdError(
                "deadline_extended",
                f"Ponowna dekretacja nie może przedłużyć terminu z pierwszej dekretacji "
                f"({first_due:%d.%m.%Y}).")
        due_date = first_due
    current = history.filter(is_current=True, is_leading=True).first()
    history.filter(is_current=True).update(is_current=False)
    leading = Assignment.objects.create(
        municipality_id=entry.municipality_id, entry=entry, assigned_by=acting_user,
        to_department=to_department, to_user=to_user, is_leading=True,
        instructions=instructions.strip(), due_date=due_date, supersedes=current,
    )
    for department in co_departments or []:
        if department == to_department:
            continue
        Assignment.objects.create(
            municipality_id=entry.municipality_id, entry=entry, assigned_by=acting_user,
            to_department=department, is_leading=False, instructions=instructions.strip(),
            due_date=due_date,
        )
    if entry.status == IncomingStatus.REGISTERED:
        IncomingEntry.objects.filter(pk=entry.pk).update(status=IncomingStatus.ASSIGNED)
    record_audit(municipality=entry.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=entry,
                 after={"assigned_to_department": to_department.symbol if to_department else None,
                        "assigned_to_user": to_user.pk if to_user else None,
                        "due_date": due_date.isoformat() if due_date else None})
    return leading


# --- Cases ------------------------------------------------------------------------------

def final_class(unit: Unit, symbol: str) -> JrwaClass | None:
    """The final JRWA class with this symbol in the unit's current JRWA, or None."""
    return (JrwaClass.objects.for_municipality(unit.municipality_id)
            .filter(version__unit=unit, version__is_current=True, symbol=symbol, is_final=True)
            .first())


def add_working_days(start: date, days: int) -> date:
    return start + timedelta(days=days)


@dataclass
class PartyData(SenderData):
    role: str = "strona"


@transaction.atomic(durable=True)
def open_case(unit: Unit, *, acting_user, department: Department, jrwa_symbol: str, title: str,
              incoming: IncomingEntry | None = None, handler=None, description: str = "",
              deadline: date | None = None, case_type: CaseType | None = None,
              group: Case | None = None, parties: list[PartyData] | None = None,
              access_level: str = "public") -> Case:
    """Open a case under a final JRWA class. The mark is
    `<department>.<JRWA>.<n>.<yyyy>` (or `<department>.<JRWA>.<group>.<m>.<yyyy>` in a
    sub-series), n gapless per department, class and year."""
    return _open_case(unit, acting_user=acting_user, department=department,
                      jrwa_symbol=jrwa_symbol, title=title, incoming=incoming, handler=handler,
                      description=description, deadline=deadline, case_type=case_type,
                      group=group, parties=parties, access_level=access_level)


def _open_case(unit, *, acting_user, department, jrwa_symbol, title, incoming=None,
               handler=None, description="", deadline=None, case_type=None, group=None,
               parties=None, access_level="public", year=None) -> Case:
    title = (title or "").strip()
    if not title:
        raise EzdError("title_required", "Podaj tytuł sprawy.")
    if department.municipality_id != unit.municipality_id or not department.is_active:
        raise EzdError("department_not_found", "Nie ma takiej komórki organizacyjnej.")
    jrwa = final_class(unit, jrwa_symbol)
    if jrwa is None:
        raise EzdError("jrwa_not_final",
                       f"Symbol {jrwa_symbol} nie jest klasą końcową JRWA tej jednostki.")
    if incoming is not None:
        incoming = IncomingEntry.objects.select_for_update().get(pk=incoming.pk)
        if incoming.municipality_id != unit.municipality_id:
            raise EzdError("incoming_not_found", "Nie ma takiego wpisu w rejestrze.")
        if incoming.status == IncomingStatus.ANNULLED:
            raise EzdError("annulled", "Wpis w rejestrze jest unieważniony.")
    if handler is not None and handler.municipality_id != unit.municipality_id:
        raise EzdError("user_not_found", "Nie ma takiego pracownika.")
    now = timezone.now()
    year = year or timezone.localdate().year
    if group is not None:
        if group.department_id != department.pk or group.jrwa_symbol != jrwa_symbol:
            raise EzdError("group_mismatch", "Podteczka musi należeć do tej samej komórki i klasy.")
        sequence = group.sequence
        year = group.year
        sub = next_in_sequence(unit.municipality,
                               f"case:{department.pk}:{jrwa_symbol}:{group.sequence}", year)
    else:
        sequence = next_in_sequence(unit.municipality, f"case:{department.pk}:{jrwa_symbol}",
                                    year)
        sub = None
    days = case_type.deadline_days if case_type else DEFAULT_DEADLINE_DAYS
    case = Case.objects.create(
        municipality_id=unit.municipality_id, unit=unit, department=department,
        jrwa_class=jrwa, jrwa_symbol=jrwa_symbol, year=year, sequence=sequence,
        sub_sequence=sub, mark=case_mark(department.symbol, jrwa_symbol, sequence, year, sub),
        title=title, description=description, status=CaseStatus.NEW,
        access_level=access_level, case_type=case_type, opened_at=now,
        opened_by=acting_user if getattr(acting_user, "pk", None) else None,
        handler=handler or (acting_user if getattr(acting_user, "is_staff_member", False)
                            else None),
        deadline=deadline or add_working_days(timezone.localdate(), days),
        incoming=incoming, last_activity_at=now,
    )
    case._is_new = True
    opened = record_case_event(case, CaseAction.OPENED, acting_user=acting_user,
                               description=f"Założenie sprawy {case.mark}: {case.title}",
                               data={"jrwa": jrwa_symbol, "department": department.symbol},
                               touch_case=False)
    if incoming is not None:
        IncomingEntry.objects.filter(pk=incoming.pk).update(status=IncomingStatus.IN_CASE)
        record_case_event(case, CaseAction.ENTRY_ATTACHED, acting_user=acting_user,
                          description=f"Włączenie do akt pisma {incoming.number}: "
                                      f"{incoming.title}",
                          data={"incoming": incoming.number}, previous=opened,
                          touch_case=False)
        CaseParty.objects.bulk_create([
            CaseParty(municipality_id=case.municipality_id, case=case,
                      **{name: getattr(sender, name) for name in SenderData.__dataclass_fields__})
            for sender in incoming.senders.all()
        ])
        from ratusz.cases.models import Document

        Document.objects.filter(incoming=incoming, case__isnull=True).update(case=case)
    for party in parties or []:
        party.validate()
        CaseParty.objects.create(municipality_id=case.municipality_id, case=case,
                                 **party.__dict__)
    transaction.on_commit(partial(_index_later, case.pk))
    return case


def _index_later(case_id: int) -> None:
    from ratusz.cases import search

    search.index_case_by_id(case_id)


def _locked_case(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


ALLOWED_TRANSITIONS = {
    CaseStatus.NEW: {CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_PARTY},
    CaseStatus.IN_PROGRESS: {CaseStatus.AWAITING_PARTY, CaseStatus.AWAITING_APPROVAL,
                             CaseStatus.SETTLED},
    CaseStatus.AWAITING_PARTY: {CaseStatus.IN_PROGRESS},
    CaseStatus.AWAITING_APPROVAL: {CaseStatus.IN_PROGRESS},
    CaseStatus.SETTLED: {CaseStatus.IN_PROGRESS},
}
STATUS_LABELS_PL = {
    CaseStatus.NEW: "nowa", CaseStatus.IN_PROGRESS: "w toku",
    CaseStatus.AWAITING_PARTY: "oczekuje na stronę",
    CaseStatus.AWAITING_APPROVAL: "oczekuje na akceptację", CaseStatus.SETTLED: "załatwiona",
    CaseStatus.CLOSED: "zakończona",
}


def _set_status(case: Case, new_status: str, *, acting_user, note: str = "") -> Case:
    if new_status not in ALLOWED_TRANSITIONS.get(case.status, set()):
        raise EzdError("transition_not_allowed",
                       f"Ze statusu „{STATUS_LABELS_PL[case.status]}” nie można przejść do "
                       f"„{STATUS_LABELS_PL.get(new_status, new_status)}”.")
    old = case.status
    Case.objects.filter(pk=case.pk, status=old).update(status=new_status)
    case.status = new_status
    description = f"Zmiana statusu: {STATUS_LABELS_PL[old]} → {STATUS_LABELS_PL[new_status]}"
    if note:
        description += f" ({note})"
    record_case_event(case, CaseAction.STATUS_CHANGED, acting_user=acting_user,
                      description=description, data={"from": old, "to": new_status})
    _notify_status_change(case)
    return case


def _notify_status_change(case: Case) -> None:
    """Case news for the resident: the notifications module subscribes to this hook."""
    from ratusz.cases import signals

    transaction.on_commit(partial(signals.case_status_changed.send, sender=Case,
                                  case_id=case.pk, status=case.status))


@transaction.atomic(durable=True)
def change_status(case: Case, *, acting_user, status: str, note: str = "") -> Case:
    """Move a case along its life cycle (closing has its own function)."""
    return _set_status(_locked_case(case), status, acting_user=acting_user, note=note)


@transaction.atomic(durable=True)
def assign_case(case: Case, *, acting_user, handler) -> Case:
    """Give the case to a handler (prowadzący sprawę) of this gmina."""
    case = _locked_case(case)
    if not case.is_open:
        raise EzdError("case_closed", "Sprawa jest zakończona.")
    if handler.municipality_id != case.municipality_id or not handler.is_active:
        raise EzdError("user_not_found", "Nie ma takiego pracownika.")
    Case.objects.filter(pk=case.pk).update(handler=handler)
    case.handler = handler
    record_case_event(case, CaseAction.ASSIGNED, acting_user=acting_user,
                      description=f"Przydzielenie sprawy: {handler.get_full_name()}",
                      data={"handler": handler.pk})
    if case.status == CaseStatus.NEW:
        _set_status(case, CaseStatus.IN_PROGRESS, acting_user=acting_user)
    return case


@transaction.atomic(durable=True)
def add_note(case: Case, *, acting_user, text: str) -> CaseRecordEntry:
    """An official note (notatka służbowa) in the case record."""
    case = _locked_case(case)
    if not text.strip():
        raise EzdError("text_required", "Wpisz treść notatki.")
    if not case.is_open:
        raise EzdError("case_closed", "Sprawa jest zakończona.")
    return record_case_event(case, CaseAction.NOTE_ADDED, acting_user=acting_user,
                             description=f"Notatka: {text.strip()}")


@transaction.atomic(durable=True)
def link_cases(case: Case, other: Case, *, acting_user) -> CaseLink:
    if other.municipality_id != case.municipality_id or other.pk == case.pk:
        raise EzdError("case_not_found", "Nie ma takiej sprawy.")
    case = _locked_case(case)
    link, _ = CaseLink.objects.get_or_create(municipality_id=case.municipality_id,
                                             from_case=case, to_case=other,
                                             kind=CaseLinkKind.RELATED)
    record_case_event(case, CaseAction.LINKED, acting_user=acting_user,
                      description=f"Powiązanie ze sprawą {other.mark}")
    return link


def retention_dates(category: str, settled_on: date) -> tuple[date | None, date]:
    """(earliest disposal date or None for category A, archive transfer date).

    Bn and BEn: n full years counted from 1 January of the year after settlement. Bc: from
    1 January of the next year. A: kept for ever (to the state archive after 25 years).
    Transfer to the unit's archive: after two full calendar years."""
    transfer = date(settled_on.year + 3, 1, 1)
    if category == "A":
        return None, transfer
    if category == "Bc":
        return date(settled_on.year + 1, 1, 1), transfer
    years = int(category.removeprefix("BE").removeprefix("B"))
    return date(settled_on.year + 1 + years, 1, 1), transfer


@transaction.atomic(durable=True)
def close_case(case: Case, *, acting_user, settled_on: date | None = None,
               note: str = "") -> Case:
    """Close a case: fixes its settlement date, archival category and retention.
    Refused while a letter of the case awaits approval or sealing."""
    case = _locked_case(case)
    if not case.is_open:
        raise EzdError("case_closed", "Sprawa jest już zakończona.")
    from ratusz.cases.models import LetterStatus

    pending = case.letters.filter(status__in=[LetterStatus.AWAITING_APPROVAL,
                                              LetterStatus.APPROVED, LetterStatus.SEALED])
    if pending.exists():
        raise EzdError("letters_pending",
                       "Sprawa ma pisma niewysłane lub oczekujące na akceptację.")
    settled_on = settled_on or timezone.localdate()
    category = case.jrwa_class.category
    retention, transfer = retention_dates(category, settled_on)
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, settled_on=settled_on, closed_at=timezone.now(),
        archival_category=category, retention_until=retention, archive_transfer_due=transfer,
    )
    old_status = case.status
    case.refresh_from_db()
    description = f"Zakończenie sprawy, data ostatecznego załatwienia {settled_on:%d.%m.%Y}"
    if note.strip():
        description += f". {note.strip()}"
    record_case_event(case, CaseAction.CLOSED, acting_user=acting_user, description=description,
                      data={"from": old_status, "category": category,
                            "retention_until": retention.isoformat() if retention else None})
    _notify_status_change(case)
    transaction.on_commit(partial(_index_later, case.pk))
    return case


@transaction.atomic(durable=True)
def reopen_case(case: Case, *, acting_user, reason: str) -> Case:
    """Reopen a closed case: a new case with a new mark in the current year, cross-linked
    with the old one, whose mark is never erased."""
    case = _locked_case(case)
    if case.status != CaseStatus.CLOSED:
        raise EzdError("case_open", "Wznowić można tylko sprawę zakończoną.")
    if not reason.strip():
        raise EzdError("reason_required", "Podaj powód wznowienia.")
    new_case = _open_case(case.unit, acting_user=acting_user, department=case.department,
                          jrwa_symbol=case.jrwa_symbol, title=case.title,
                          handler=case.handler, description=case.description)
    CaseLink.objects.create(municipality_id=case.municipality_id, from_case=case,
                            to_case=new_case, kind=CaseLinkKind.REOPENED)
    record_case_event(case, CaseAction.REOPENED, acting_user=acting_user,
                      description=f"Wznowienie sprawy jako {new_case.mark}: {reason.strip()}",
                      data={"new_case": new_case.mark})
    record_case_event(new_case, CaseAction.REOPENED, acting_user=acting_user,
                      description=f"Sprawa wznowiona ze sprawy {case.mark}: {reason.strip()}",
                      data={"old_case": case.mark})
    return new_case


@transaction.atomic(durable=True)
def transfer_case(case: Case, *, acting_user, to_department: Department,
                  reason: str = "") -> Case:
    """Move an open case to another department: a new mark there, both cross-linked; the
    old case is closed as transferred and keeps its mark."""
    case = _locked_case(case)
    if not case.is_open:
        raise EzdError("case_closed", "Sprawa jest zakończona.")
    if to_department.pk == case.department_id:
        raise EzdError("same_department", "Sprawa jest już w tej komórce.")
    new_case = _open_case(case.unit, acting_user=acting_user, department=to_department,
                          jrwa_symbol=case.jrwa_symbol, title=case.title,
                          description=case.description, deadline=case.deadline)
    for party in case.parties.all():
        party.pk = None
        party.case = new_case
        party.save()
    case.documents.update(case=new_case)
    CaseLink.objects.create(municipality_id=case.municipality_id, from_case=case,
                            to_case=new_case, kind=CaseLinkKind.TRANSFERRED)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=timezone.now(),
                                           settled_on=timezone.localdate())
    record_case_event(case, CaseAction.TRANSFERRED, acting_user=acting_user,
                      description=f"Przekazanie sprawy do komórki {to_department.symbol} "
                                  f"jako {new_case.mark}" + (f": {reason}" if reason else ""),
                      data={"new_case": new_case.mark})
    record_case_event(new_case, CaseAction.TRANSFERRED, acting_user=acting_user,
                      description=f"Przejęcie sprawy {case.mark} z komórki "
                                  f"{case.department.symbol}",
                      data={"old_case": case.mark})
    return new_case


def overdue_filter(today: date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(status__in=OPEN_STATUSES, deadline__lt=today)


def last_position(case: Case) -> int:
    return CaseRecordEntry.objects.filter(case=case).aggregate(m=Max("position"))["m"] or 0


# --- Documents --------------------------------------------------------------------------

def preview_path(path: str) -> str:
    return f"{path}.preview.png"


def _store_file(municipality_id: int, inspection, name: str, data: bytes) -> str:
    """Store the bytes (content-addressed) and their preview, before the transaction that
    records them; `_discard_file` removes both if that transaction fails."""
    from pathlib import PurePath

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    extension = PurePath(name).suffix.lower()[:10]
    path = f"documents/{municipality_id}/{inspection.sha256[:2]}/{inspection.sha256}{extension}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(data))
    preview = getattr(inspection, "preview_png", None)
    if preview and not default_storage.exists(preview_path(path)):
        default_storage.save(preview_path(path), ContentFile(preview))
    return path


def _discard_file(path: str) -> None:
    from django.core.files.storage import default_storage

    from ratusz.cases.models import DocumentVersion

    if not DocumentVersion.objects.filter(file=path).exists():
        default_storage.delete(path)
        default_storage.delete(preview_path(path))


def add_document(case: Case, *, acting_user, title: str, kind: str, name: str, data: bytes,
                 access_level: str = "public"):
    """Add a document to a case from uploaded bytes: checked by content (not by name),
    hashed, its text extracted and any signature verified. Refused uploads raise
    `documents.UploadRejected`; a failure leaves no file behind."""
    from ratusz.cases import documents

    inspection = documents.inspect_upload(name, data)
    path = _store_file(case.municipality_id, inspection, name, data)
    try:
        return _add_document_rows(case, acting_user=acting_user, title=title, kind=kind,
                                  name=name, path=path, inspection=inspection,
                                  access_level=access_level)
    except BaseException:
        _discard_file(path)
        raise


@transaction.atomic(durable=True)
def _add_document_rows(case, *, acting_user, title, kind, name, path, inspection,
                       access_level):
    from ratusz.cases.models import Document

    case = _locked_case(case)
    if not case.is_open:
        raise EzdError("case_closed", "Do zakończonej sprawy nie można dodawać dokumentów.")
    title = (title or "").strip() or name
    document = Document.objects.create(municipality_id=case.municipality_id, case=case,
                                       title=title[:300], kind=kind, access_level=access_level,
                                       created_by=acting_user)
    version = _create_version(document, acting_user=acting_user, name=name, path=path,
                              inspection=inspection)
    check = version.get_signature_status_display()
    record_case_event(case, CaseAction.DOCUMENT_ADDED, acting_user=acting_user,
                      description=f"Dodanie dokumentu „{document.title}” ({name}, "
                                  f"SHA-256 {version.sha256[:16]}…; podpis: {check})",
                      document=document, data={"sha256": version.sha256, "version": 1})
    transaction.on_commit(partial(_index_later, case.pk))
    return document


def _create_version(document, *, acting_user, name, path, inspection):
    from ratusz.cases.models import DocumentVersion

    number = (document.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    return DocumentVersion.objects.create(
        municipality_id=document.municipality_id, document=document, number=number, file=path,
        original_name=name[:255], content_type=inspection.content_type, size=inspection.size,
        sha256=inspection.sha256, text=inspection.text,
        signature_status=inspection.signature_status,
        signature_report=inspection.signature_report, created_by=acting_user,
    )


def add_document_version(document, *, acting_user, name: str, data: bytes):
    """A new version of a case document; the earlier versions stay."""
    from ratusz.cases import documents

    inspection = documents.inspect_upload(name, data)
    path = _store_file(document.municipality_id, inspection, name, data)
    try:
        with transaction.atomic(durable=True):
            case = _locked_case(document.case)
            if not case.is_open:
                raise EzdError("case_closed", "Sprawa jest zakończona.")
            version = _create_version(document, acting_user=acting_user, name=name, path=path,
                                      inspection=inspection)
            record_case_event(case, CaseAction.DOCUMENT_VERSION_ADDED, acting_user=acting_user,
                              description=f"Nowa wersja {version.number} dokumentu "
                                          f"„{document.title}” (SHA-256 "
                                          f"{version.sha256[:16]}…)",
                              document=document, data={"version": version.number})
            return version
    except BaseException:
        _discard_file(path)
        raise


# --- Outgoing letters: drafting, approval (akceptacja), sealing, sending ----------------

LETTER_FIELDS = ("subject", "body", "addressee_name", "addressee_address", "addressee_city",
                 "sending_method")


@transaction.atomic(durable=True)
def draft_letter(case: Case, *, acting_user, subject: str, body: str, addressee_name: str,
                 addressee_address: str, addressee_city: str, sending_method: str = "post",
                 template: str = ""):
    """Draft an outgoing letter of a case."""
    from ratusz.cases.models import OutgoingLetter, SendingMethod

    case = _locked_case(case)
    if not case.is_open:
        raise EzdError("case_closed", "Sprawa jest zakończona.")
    values = {"subject": subject.strip(), "body": body.strip(),
              "addressee_name": addressee_name.strip(),
              "addressee_address": addressee_address.strip(),
              "addressee_city": addressee_city.strip()}
    for field, message in (("subject", "Podaj temat pisma."), ("body", "Wpisz treść pisma."),
                           ("addressee_name", "Podaj adresata."),
                           ("addressee_city", "Podaj miejscowość adresata.")):
        if not values[field]:
            raise EzdError(f"{field}_required", message)
    if sending_method not in SendingMethod.values:
        raise EzdError("sending_method_invalid", "Wybierz sposób wysyłki z listy.")
    letter = OutgoingLetter.objects.create(municipality_id=case.municipality_id, case=case,
                                           template=template, sending_method=sending_method,
                                           created_by=acting_user, **values)
    record_case_event(case, CaseAction.LETTER_DRAFTED, acting_user=acting_user,
                      description=f"Projekt pisma „{letter.subject}” do {letter.addressee_name}",
                      data={"letter": letter.pk})
    if case.status == CaseStatus.NEW:
        _set_status(case, CaseStatus.IN_PROGRESS, acting_user=acting_user)
    return letter


def _locked_letter(letter):
    from ratusz.cases.models import OutgoingLetter

    return OutgoingLetter.objects.select_for_update().select_related("case").get(pk=letter.pk)


@transaction.atomic(durable=True)
def update_letter(letter, *, acting_user, **changes):
    """Edit a draft (or a returned letter) before it goes for approval."""
    from ratusz.cases.models import LetterStatus

    _locked_case(letter.case)
    letter = _locked_letter(letter)
    if letter.status not in (LetterStatus.DRAFT, LetterStatus.RETURNED):
        raise EzdError("letter_locked", "Pisma w akceptacji lub zatwierdzonego nie można zmieniać.")
    for name, value in changes.items():
        if name not in LETTER_FIELDS:
            raise EzdError("field_not_changeable", name)
        setattr(letter, name, value.strip() if isinstance(value, str) else value)
    letter.save(update_fields=list(changes))
    return letter


@transaction.atomic(durable=True)
def request_approval(letter, *, acting_user, approvers: list):
    """Send a letter along an approval path of one or more people, in order."""
    from ratusz.accounts.permissions import Permission
    from ratusz.accounts.selectors import has_permission
    from ratusz.cases.models import ApprovalStep, LetterStatus

    case = _locked_case(letter.case)
    letter = _locked_letter(letter)
    if letter.status not in (LetterStatus.DRAFT, LetterStatus.RETURNED):
        raise EzdError("letter_not_draft", "To pismo jest już w akceptacji albo zatwierdzone.")
    if not approvers:
        raise EzdError("approvers_required", "Wskaż co najmniej jedną osobę akceptującą.")
    for approver in approvers:
        if approver.municipality_id != case.municipality_id or not has_permission(
                approver, case.municipality, Permission.APPROVE):
            raise EzdError("approver_not_allowed",
                           f"{approver.get_full_name()} nie może akceptować pism.")
    round_number = (letter.steps.aggregate(m=Max("round"))["m"] or 0) + 1
    for order, approver in enumerate(approvers, start=1):
        ApprovalStep.objects.create(municipality_id=case.municipality_id, letter=letter,
                                    order=order, approver=approver, round=round_number)
    letter.status = LetterStatus.AWAITING_APPROVAL
    letter.save(update_fields=["status"])
    names = ", ".join(a.get_full_name() for a in approvers)
    record_case_event(case, CaseAction.APPROVAL_REQUESTED, acting_user=acting_user,
                      description=f"Przekazanie pisma „{letter.subject}” do akceptacji: {names}",
                      data={"letter": letter.pk, "round": round_number})
    if case.status == CaseStatus.IN_PROGRESS:
        _set_status(case, CaseStatus.AWAITING_APPROVAL, acting_user=acting_user)
    return letter


def pending_step(letter):
    """The approval step now waiting, if any."""
    from ratusz.cases.models import ApprovalDecision

    return letter.steps.filter(decision=ApprovalDecision.PENDING).order_by("round",
                                                                           "order").first()


@transaction.atomic(durable=True)
def decide_approval(letter, *, acting_user, approve: bool, comment: str = ""):
    """The current approver approves (the next step follows; the last makes the letter
    approved) or returns the letter with comments."""
    from ratusz.cases.models import ApprovalDecision, LetterStatus

    case = _locked_case(letter.case)
    letter = _locked_letter(letter)
    if letter.status != LetterStatus.AWAITING_APPROVAL:
        raise EzdError("not_awaiting_approval", "To pismo nie czeka na akceptację.")
    step = pending_step(letter)
    if step is None or step.approver_id != acting_user.pk:
        raise EzdError("not_your_turn", "To pismo czeka na akceptację innej osoby.")
    if not approve and not comment.strip():
        raise EzdError("comment_required", "Napisz, co trzeba poprawić.")
    step.decision = ApprovalDecision.APPROVED if approve else ApprovalDecision.RETURNED
    step.comment = comment.strip()
    step.decided_at = timezone.now()
    step.save(update_fields=["decision", "comment", "decided_at"])
    if approve:
        record_case_event(case, CaseAction.APPROVED, acting_user=acting_user,
                          description=f"Akceptacja pisma „{letter.subject}” "
                                      f"(krok {step.order})" + (f": {step.comment}"
                                                                if step.comment else ""),
                          data={"letter": letter.pk, "step": step.order})
        if pending_step(letter) is None:
            letter.status = LetterStatus.APPROVED
            letter.save(update_fields=["status"])
            if case.status == CaseStatus.AWAITING_APPROVAL:
                _set_status(case, CaseStatus.IN_PROGRESS, acting_user=acting_user)
    else:
        letter.steps.filter(decision=ApprovalDecision.PENDING).update(
            decision=ApprovalDecision.RETURNED, comment="(pominięte po zwrocie)")
        letter.status = LetterStatus.RETURNED
        letter.save(update_fields=["status"])
        record_case_event(case, CaseAction.RETURNED, acting_user=acting_user,
                          description=f"Zwrot pisma „{letter.subject}” do poprawy: "
                                      f"{step.comment}",
                          data={"letter": letter.pk, "step": step.order})
        if case.status == CaseStatus.AWAITING_APPROVAL:
            _set_status(case, CaseStatus.IN_PROGRESS, acting_user=acting_user)
    return letter


def seal_letter(letter, *, acting_user):
    """Render the approved letter to PDF and seal it with the unit's e-seal (PAdES); the
    sealed PDF becomes a document of the case."""
    from ratusz.cases import letters as letter_rendering
    from ratusz.cases import signing
    from ratusz.cases.models import ApprovalDecision, LetterStatus

    if letter.status != LetterStatus.APPROVED:
        raise EzdError("letter_not_approved", "Opieczętować można tylko pismo zaakceptowane.")
    case = letter.case
    unit = case.unit
    municipality = case.municipality
    last_approval = letter.steps.filter(decision=ApprovalDecision.APPROVED).order_by(
        "-round", "-order").select_related("approver").first()
    signer = last_approval.approver if last_approval else acting_user
    letter_date = timezone.localdate()
    pdf = letter_rendering.render_letter_pdf(
        unit_name=unit.name, municipality_name=municipality.official_name,
        address_line=f"{unit.street} {unit.building}, {unit.postal_code} {unit.city}".strip(
            " ,"),
        case_mark=case.mark, letter_date=letter_date, addressee_name=letter.addressee_name,
        addressee_address=letter.addressee_address, addressee_city=letter.addressee_city,
        subject=letter.subject, body=letter.body, signer_name=signer.get_full_name(),
        signer_position=signer.position,
        seal_note="Dokument opatrzony pieczęcią elektroniczną urzędu "
                  "(certyfikat demonstracyjny).",
    )
    sealed = signing.seal_pdf(pdf, unit)
    from ratusz.cases import documents

    name = f"{case.mark}-pismo-{letter.pk}.pdf"
    inspection = documents.inspect_upload(name, sealed)
    path = _store_file(case.municipality_id, inspection, name, sealed)
    try:
        with transaction.atomic(durable=True):
            from ratusz.cases.models import Document, DocumentKind

            case = _locked_case(case)
            letter = _locked_letter(letter)
            if letter.status != LetterStatus.APPROVED:
                raise EzdError("letter_not_approved", "Pismo zostało już opieczętowane.")
            document = Document.objects.create(
                municipality_id=case.municipality_id, case=case, title=letter.subject[:300],
                kind=DocumentKind.OUTGOING, created_by=acting_user)
            version = _create_version(document, acting_user=acting_user, name=name, path=path,
                                      inspection=inspection)
            letter.document = document
            letter.status = LetterStatus.SEALED
            letter.sealed_at = timezone.now()
            letter.letter_date = letter_date
            letter.save(update_fields=["document", "status", "sealed_at", "letter_date"])
            record_case_event(case, CaseAction.SEALED, acting_user=acting_user,
                              description=f"Opatrzenie pisma „{letter.subject}” pieczęcią "
                                          f"elektroniczną {unit.name} (SHA-256 "
                                          f"{version.sha256[:16]}…)",
                              document=document, data={"letter": letter.pk})
            return letter
    except BaseException:
        _discard_file(path)
        raise


@transaction.atomic(durable=True)
def send_letter(letter, *, acting_user, sending_method: str | None = None):
    """Enter a sealed letter in the outgoing register (RKW/<n>/<yyyy>) and send it."""
    from ratusz.cases.models import LetterStatus, OutgoingEntry, SendingMethod

    case = _locked_case(letter.case)
    letter = _locked_letter(letter)
    if letter.status != LetterStatus.SEALED:
        raise EzdError("letter_not_sealed", "Wysłać można tylko pismo opieczętowane.")
    method = sending_method or letter.sending_method
    if method not in SendingMethod.values:
        raise EzdError("sending_method_invalid", "Wybierz sposób wysyłki z listy.")
    year = timezone.localdate().year
    sequence = next_in_sequence(case.municipality, f"rkw:{case.unit_id}", year)
    name, position = _person_label(letter.created_by or acting_user)
    entry = OutgoingEntry.objects.create(
        municipality_id=case.municipality_id, unit=case.unit, year=year, sequence=sequence,
        number=rkw_number(sequence, year), letter=letter, case=case, title=letter.subject,
        addressee_name=letter.addressee_name, addressee_city=letter.addressee_city,
        addressee_country=letter.addressee_country, letter_date=letter.letter_date,
        sending_method=method, responsible_name=name, responsible_position=position,
        access_level=case.access_level,
    )
    letter.status = LetterStatus.SENT
    letter.sending_method = method
    letter.save(update_fields=["status", "sending_method"])
    record_case_event(case, CaseAction.SENT, acting_user=acting_user,
                      description=f"Wysłanie pisma „{letter.subject}” do "
                                  f"{letter.addressee_name} ({entry.number}, "
                                  f"{entry.get_sending_method_display()})",
                      document=letter.document, data={"rkw": entry.number})
    from ratusz.cases import signals

    transaction.on_commit(partial(signals.letter_sent.send, sender=Case, case_id=case.pk,
                                  letter_id=letter.pk))
    return entry


def add_incoming_file(entry: IncomingEntry, *, acting_user, name: str, data: bytes):
    """Attach a scan or an electronic file to a registered entry (before it is in a case,
    the file belongs to the entry; opening a case moves it to the case)."""
    from ratusz.cases import documents
    from ratusz.cases.models import Document, DocumentKind

    inspection = documents.inspect_upload(name, data)
    path = _store_file(entry.municipality_id, inspection, name, data)
    try:
        with transaction.atomic(durable=True):
            entry = IncomingEntry.objects.select_for_update().get(pk=entry.pk)
            if entry.status == IncomingStatus.ANNULLED:
                raise EzdError("annulled", "Wpis jest unieważniony.")
            case = entry.cases.order_by("pk").first()
            document = Document.objects.create(
                municipality_id=entry.municipality_id, incoming=entry, case=case,
                title=name[:300], kind=DocumentKind.SCAN if inspection.content_type.startswith(
                    "image/") else DocumentKind.INCOMING, access_level=entry.access_level,
                created_by=acting_user)
            _create_version(document, acting_user=acting_user, name=name, path=path,
                            inspection=inspection)
            return document
    except BaseException:
        _discard_file(path)
        raise


# --- Automatic routing rules and case parties -------------------------------------------

@transaction.atomic(durable=True)
def create_routing_rule(unit: Unit, *, acting_user, name: str, to_department=None,
                        to_user=None, priority: int = 100, match_channel: str = "",
                        match_sender_contains: str = "", match_service: str = "",
                        match_title_contains: str = "", instructions: str = "",
                        deadline_days: int | None = None) -> RoutingRule:
    """A rule of automatic dekretacja: entries of the unit that match go to the target."""
    if to_department is None and to_user is None:
        raise EzdError("target_required", "Wskaż komórkę organizacyjną lub osobę.")
    if not any([match_channel, match_sender_contains.strip(), match_service.strip(),
                match_title_contains.strip()]):
        raise EzdError("condition_required",
                       "Podaj co najmniej jeden warunek (nadawca, sposób dostarczenia, "
                       "usługa lub słowo w tytule).")
    if not name.strip():
        raise EzdError("name_required", "Nazwij regułę.")
    rule = RoutingRule.objects.create(
        municipality_id=unit.municipality_id, unit=unit, name=name.strip(), priority=priority,
        match_channel=match_channel, match_sender_contains=match_sender_contains.strip(),
        match_service=match_service.strip(), match_title_contains=match_title_contains.strip(),
        to_department=to_department, to_user=to_user, instructions=instructions.strip(),
        deadline_days=deadline_days)
    record_audit(municipality=unit.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=rule,
                 after={"name": rule.name, "department": to_department.symbol
                        if to_department else None})
    return rule


@transaction.atomic(durable=True)
def set_routing_rule_active(rule: RoutingRule, *, acting_user, is_active: bool) -> RoutingRule:
    if rule.is_active == is_active:
        return rule
    RoutingRule.objects.filter(pk=rule.pk).update(is_active=is_active)
    record_audit(municipality=rule.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=rule,
                 before={"is_active": rule.is_active}, after={"is_active": is_active})
    rule.is_active = is_active
    return rule


@transaction.atomic(durable=True)
def add_party(case: Case, *, acting_user, party: PartyData) -> CaseParty:
    """Add a party (strona) or another participant to a case."""
    case = _locked_case(case)
    if not case.is_open:
        raise EzdError("case_closed", "Sprawa jest zakończona.")
    party.validate()
    added = CaseParty.objects.create(municipality_id=case.municipality_id, case=case,
                                     **party.__dict__)
    record_case_event(case, CaseAction.PARTY_ADDED, acting_user=acting_user,
                      description=f"Dodanie uczestnika: {added.display_name} ({added.role})")
    transaction.on_commit(partial(_index_later, case.pk))
    return added
