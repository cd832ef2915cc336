"""The registers: items entered in the incoming register (RPW) with their files,
annulment, assignment (dekretacja) by hand and by automatic routing rules."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases.documents import inspect_upload
from ratusz.cases.errors import EzdError
from ratusz.cases.models import (
    AccessLevel,
    Assignment,
    Channel,
    Document,
    DocumentKind,
    IncomingEntry,
    IncomingSender,
    IncomingStatus,
    PartyKind,
    RoutingRule,
)
from ratusz.cases.services.checks import (
    EARLIEST_LETTER_DATE,
    LATEST_DEADLINE,
    REASON_LIMIT,
    check_date,
    check_fields,
    check_text,
    today,
)
from ratusz.cases.services.documents import (
    create_version,
    discard_stored_file,
    store_checked_file,
)
from ratusz.cases.services.numbering import next_in_sequence, require_transaction, rpw_number
from ratusz.cases.services.parties import SenderData
from ratusz.core.idempotency import check_repeat
from ratusz.core.models import AuditAction, Department, Unit
from ratusz.core.services import record_audit


def validate_partial_date(value: str) -> None:
    """A date of law that may be partial: YYYY, YYYY-MM or YYYY-MM-DD, real, from 1900 on
    and not after today (its first possible day)."""
    parts = value.split("-")
    try:
        numbers = [int(part) for part in parts]
        if len(parts) > 3 or len(parts[0]) != 4 or any(len(p) != 2 for p in parts[1:]) \
                or not all(part.isdigit() for part in parts):
            raise ValueError
        first_day = date(numbers[0], numbers[1] if len(numbers) > 1 else 1,
                         numbers[2] if len(numbers) > 2 else 1)
    except ValueError:
        raise EzdError("invalid_letter_date",
                       _("Give the date of the letter as YYYY-MM-DD, YYYY-MM or YYYY.")) from None
    check_date(first_day, name="letter_date", earliest=EARLIEST_LETTER_DATE, latest=today())


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
    fingerprint: str = "",
    service: str = "",
) -> tuple[IncomingEntry, bool]:
    """Register an item in the unit's RPW. Returns (entry, created).

    The number RPW/<n>/<yyyy> is gapless per unit and year. With an idempotency key (the
    caller's scoped key, `ratusz.core.idempotency.scoped_key`), a retried registration
    returns the first entry and registers nothing; the same key with another body (its
    `fingerprint` differs) raises `ratusz.core.idempotency.IdempotencyConflict`."""
    if idempotency_key:
        existing = _repeated(unit, idempotency_key, fingerprint)
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
            fingerprint=fingerprint, service=service,
        ), True
    except IntegrityError:
        # A concurrent request with the same key committed first.
        existing = _repeated(unit, idempotency_key, fingerprint) if idempotency_key else None
        if existing is None:
            raise
        return existing, False


def _repeated(unit: Unit, idempotency_key: str, fingerprint: str) -> IncomingEntry | None:
    """The entry an earlier request with this key registered, or None; IdempotencyConflict
    when that request had another body."""
    existing = IncomingEntry.objects.for_municipality(unit.municipality_id).filter(
        idempotency_key=idempotency_key).first()
    if existing is not None:
        check_repeat(existing.idempotency_fingerprint, fingerprint)
    return existing


def _register_incoming_rows(unit: Unit, *, acting_user, title, senders, received_on, channel,
                            letter_date="", posted_on=None, sender_reference="",
                            document_type="", access_level="public", attachments_count=0,
                            data_format="", remarks="", is_unopened=False, unopened_reason="",
                            is_fully_scanned=True, idempotency_key="", fingerprint="",
                            service="") -> IncomingEntry:
    title = (title or "").strip()
    if not title:
        raise EzdError("title_required", _("Give the title (a short description of the "
                                           "content)."))
    check_fields(IncomingEntry, title=title, sender_reference=sender_reference,
                 document_type=document_type, data_format=data_format, remarks=remarks,
                 unopened_reason=unopened_reason, service=service)
    if not senders:
        raise EzdError("sender_required", _("Give at least one sender."))
    for sender in senders:
        sender.validate()
    if channel not in Channel.values:
        raise EzdError("channel_invalid", _("Choose the delivery method from the list."))
    if received_on > today():
        raise EzdError("received_in_future",
                       _("The date received cannot be later than today."))
    check_date(received_on, name="received_on")
    check_date(posted_on, name="posted_on")
    if posted_on and posted_on > received_on:
        raise EzdError("posted_after_received",
                       _("The date posted cannot be later than the date received."))
    if is_unopened and not unopened_reason.strip():
        raise EzdError("unopened_reason_required",
                       _("Give the reason why the item was registered unopened."))
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
        is_fully_scanned=is_fully_scanned, idempotency_key=idempotency_key,
        idempotency_fingerprint=fingerprint if idempotency_key else "", service=service,
    )
    if access_level not in AccessLevel.values:
        raise EzdError("invalid_access_level", _("Choose the level of access from the list."))
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


def register_incoming_within(unit: Unit, *, acting_user, title: str, senders: list[SenderData],
                             received_on: date, channel: str, **fields) -> IncomingEntry:
    """`register_incoming` as one step of a larger write (an e-service submission): the
    caller owns the transaction, so a later failure leaves no used number behind."""
    require_transaction()
    return _register_incoming_rows(unit, acting_user=acting_user, title=title,
                                   senders=senders, received_on=received_on, channel=channel,
                                   **fields)


def attach_stored_file_within(entry: IncomingEntry, *, acting_user, title: str, name: str,
                              path: str, inspection):
    """Attach a file already stored with `store_checked_file` to a registered entry, inside
    the caller's transaction (opening the case then moves it into the case)."""
    require_transaction()
    document = Document.objects.create(
        municipality_id=entry.municipality_id, incoming=entry, title=(title or name)[:300],
        kind=DocumentKind.SCAN if inspection.content_type.startswith("image/")
        else DocumentKind.INCOMING, access_level=entry.access_level, created_by=acting_user)
    create_version(document, acting_user=acting_user, name=name, path=path,
                    inspection=inspection)
    return document


@transaction.atomic(durable=True)
def annul_incoming(entry: IncomingEntry, *, acting_user, reason: str) -> IncomingEntry:
    """Annul a registration (it is never deleted); its number stays used."""
    reason = check_text(reason, name="reason", limit=REASON_LIMIT).strip()
    if not reason:
        raise EzdError("reason_required", _("Give the reason for annulling the entry."))
    updated = IncomingEntry.objects.filter(
        pk=entry.pk, status__in=[IncomingStatus.REGISTERED, IncomingStatus.ASSIGNED]
    ).update(status=IncomingStatus.ANNULLED, annulled_at=timezone.now(),
             annulled_by=acting_user, annulment_reason=reason)
    if updated != 1:
        raise EzdError("cannot_annul",
                       _("This entry cannot be annulled (it is already in a case or annulled)."))
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
        raise EzdError("annulled", _("The entry is annulled."))
    if to_department is None and to_user is None:
        raise EzdError("target_required", _("Give a department or a person."))
    check_fields(Assignment, instructions=instructions)
    check_date(due_date, name="due_date", latest=today() + LATEST_DEADLINE)
    for department in [to_department, *(co_departments or [])]:
        if department is not None and department.municipality_id != entry.municipality_id:
            raise EzdError("department_not_found", _("There is no such department."))
    if to_user is not None and (to_user.municipality_id != entry.municipality_id
                                or not to_user.is_active):
        raise EzdError("user_not_found", _("There is no such staff member."))
    history = Assignment.objects.filter(entry=entry)
    first_due = _first_due_date(history)
    if first_due and (due_date is None or due_date > first_due):
        if due_date is not None and due_date > first_due:
            raise EzdError(
                "deadline_extended",
                _("A new assignment cannot extend the deadline of the first assignment "
                  "(%(deadline)s)."), deadline=f"{first_due:%d.%m.%Y}")
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


def add_incoming_file(entry: IncomingEntry, *, acting_user, name: str, data: bytes):
    """Attach a scan or an electronic file to a registered entry (before it is in a case,
    the file belongs to the entry; opening a case moves it to the case)."""
    inspection = inspect_upload(name, data)
    path = store_checked_file(entry.municipality_id, inspection, name, data)
    try:
        with transaction.atomic(durable=True):
            entry = IncomingEntry.objects.select_for_update().get(pk=entry.pk)
            if entry.status == IncomingStatus.ANNULLED:
                raise EzdError("annulled", _("The entry is annulled."))
            case = entry.cases.order_by("pk").first()
            document = Document.objects.create(
                municipality_id=entry.municipality_id, incoming=entry, case=case,
                title=name[:300], kind=DocumentKind.SCAN if inspection.content_type.startswith(
                    "image/") else DocumentKind.INCOMING, access_level=entry.access_level,
                created_by=acting_user)
            create_version(document, acting_user=acting_user, name=name, path=path,
                           inspection=inspection)
            return document
    except BaseException:
        discard_stored_file(path)
        raise


# --- Automatic routing rules -------------------------------------------------------------

@transaction.atomic(durable=True)
def create_routing_rule(unit: Unit, *, acting_user, name: str, to_department=None,
                        to_user=None, priority: int = 100, match_channel: str = "",
                        match_sender_contains: str = "", match_service: str = "",
                        match_title_contains: str = "", instructions: str = "",
                        deadline_days: int | None = None) -> RoutingRule:
    """A rule of automatic dekretacja: entries of the unit that match go to the target."""
    if to_department is None and to_user is None:
        raise EzdError("target_required", _("Give a department or a person."))
    if not any([match_channel, match_sender_contains.strip(), match_service.strip(),
                match_title_contains.strip()]):
        raise EzdError("condition_required",
                       _("Give at least one condition (sender, delivery method, service or a "
                         "word in the title)."))
    if not name.strip():
        raise EzdError("name_required", _("Name the rule."))
    check_fields(RoutingRule, name=name, match_sender_contains=match_sender_contains,
                 match_service=match_service, match_title_contains=match_title_contains,
                 instructions=instructions)
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
    """Switch a routing rule on or off (audited)."""
    if rule.is_active == is_active:
        return rule
    RoutingRule.objects.filter(pk=rule.pk).update(is_active=is_active)
    record_audit(municipality=rule.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=rule,
                 before={"is_active": rule.is_active}, after={"is_active": is_active})
    rule.is_active = is_active
    return rule
