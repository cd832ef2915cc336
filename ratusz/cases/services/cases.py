"""Cases (sprawy): opening under a final JRWA class, the life cycle of statuses, handlers,
notes, links, parties, closing with retention, reopening and transfer."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ratusz.cases import search, signals
from ratusz.cases.errors import EzdError, lazy_message
from ratusz.cases.models import (
    Case,
    CaseAction,
    CaseLink,
    CaseLinkKind,
    CaseParty,
    CaseRecordEntry,
    CaseStatus,
    CaseType,
    Document,
    IncomingEntry,
    IncomingStatus,
    LetterStatus,
)
from ratusz.cases.selectors import final_class
from ratusz.cases.services.checks import (
    LATEST_DEADLINE,
    REASON_LIMIT,
    TEXT_CAP,
    check_date,
    check_fields,
    check_text,
    today,
)
from ratusz.cases.services.numbering import case_mark, next_in_sequence, require_transaction
from ratusz.cases.services.parties import PartyData, SenderData
from ratusz.cases.services.record import record_case_event
from ratusz.core.effects import after_commit
from ratusz.core.idempotency import check_repeat
from ratusz.core.models import Department, Unit

DEFAULT_DEADLINE_DAYS = 30
#: The language of the case record: its text is written once and stays as written.
RECORD_LANGUAGE = "pl"
CASE_CLOSED = _("The case is closed.")


def add_working_days(start: date, days: int) -> date:
    """The deadline `days` after `start` (counted in calendar days)."""
    return start + timedelta(days=days)


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


def open_case_once(unit: Unit, *, idempotency_key: str, fingerprint: str,
                   **fields) -> tuple[Case, bool]:
    """`open_case` for a client that may send the same request again (the API's
    `Idempotency-Key`): returns (case, opened). A repeat with the caller's scoped key
    (`ratusz.core.idempotency.scoped_key`) returns the first case and opens nothing; the
    same key with another body (its `fingerprint` differs) raises
    `ratusz.core.idempotency.IdempotencyConflict`. Without a key every call opens a case."""
    if not idempotency_key:
        return open_case(unit, **fields), True
    existing = _repeated_case(unit, idempotency_key, fingerprint)
    if existing is not None:
        return existing, False
    try:
        return _open_case_keyed(unit, idempotency_key=idempotency_key,
                                fingerprint=fingerprint, **fields), True
    except IntegrityError:
        # A concurrent request with the same key committed first.
        existing = _repeated_case(unit, idempotency_key, fingerprint)
        if existing is None:
            raise
        return existing, False


@transaction.atomic(durable=True)
def _open_case_keyed(unit, *, idempotency_key, fingerprint, **fields) -> Case:
    return _open_case(unit, idempotency_key=idempotency_key, fingerprint=fingerprint,
                      **fields)


def _repeated_case(unit: Unit, idempotency_key: str, fingerprint: str) -> Case | None:
    existing = Case.objects.for_municipality(unit.municipality_id).filter(
        idempotency_key=idempotency_key).first()
    if existing is not None:
        check_repeat(existing.idempotency_fingerprint, fingerprint)
    return existing


def _open_case(unit, *, acting_user, department, jrwa_symbol, title, incoming=None,
               handler=None, description="", deadline=None, case_type=None, group=None,
               parties=None, access_level="public", year=None, idempotency_key="",
               fingerprint="") -> Case:
    title = (title or "").strip()
    if not title:
        raise EzdError("title_required", _("Give the title of the case."))
    check_fields(Case, title=title, description=description)
    check_date(deadline, name="deadline", latest=today() + LATEST_DEADLINE)
    for party in parties or []:
        party.validate()
    if department.municipality_id != unit.municipality_id or not department.is_active:
        raise EzdError("department_not_found", _("There is no such department."))
    jrwa = final_class(unit, jrwa_symbol)
    if jrwa is None:
        raise EzdError("jrwa_not_final",
                       _("The symbol %(symbol)s is not a final class of this unit's JRWA."),
                       symbol=jrwa_symbol)
    if incoming is not None:
        incoming = IncomingEntry.objects.select_for_update().get(pk=incoming.pk)
        if incoming.municipality_id != unit.municipality_id:
            raise EzdError("incoming_not_found", _("There is no such entry in the register."))
        if incoming.status == IncomingStatus.ANNULLED:
            raise EzdError("annulled", _("The entry in the register is annulled."))
    if handler is not None and handler.municipality_id != unit.municipality_id:
        raise EzdError("user_not_found", _("There is no such staff member."))
    now = timezone.now()
    year = year or timezone.localdate().year
    if group is not None:
        if group.department_id != department.pk or group.jrwa_symbol != jrwa_symbol:
            raise EzdError("group_mismatch",
                           _("A sub-series must belong to the same department and class."))
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
        incoming=incoming, last_activity_at=now, idempotency_key=idempotency_key,
        idempotency_fingerprint=fingerprint if idempotency_key else "",
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
        Document.objects.filter(incoming=incoming, case__isnull=True).update(case=case)
    for party in parties or []:
        CaseParty.objects.create(municipality_id=case.municipality_id, case=case,
                                 **party.__dict__)
    after_commit(search.index_case_by_id, case.pk)
    return case


def lock_case(case: Case) -> Case:
    """The case row, locked until the caller's transaction ends (serialises its record
    entries)."""
    require_transaction()
    return Case.objects.select_for_update().get(pk=case.pk)


ALLOWED_TRANSITIONS = {
    CaseStatus.NEW: {CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_PARTY},
    CaseStatus.IN_PROGRESS: {CaseStatus.AWAITING_PARTY, CaseStatus.AWAITING_APPROVAL,
                             CaseStatus.SETTLED},
    CaseStatus.AWAITING_PARTY: {CaseStatus.IN_PROGRESS},
    CaseStatus.AWAITING_APPROVAL: {CaseStatus.IN_PROGRESS},
    CaseStatus.SETTLED: {CaseStatus.IN_PROGRESS},
}
def status_in_record(status: str) -> str:
    """A status as the case record writes it (in Polish, whatever the clerk reads)."""
    with translation.override(RECORD_LANGUAGE):
        return str(CaseStatus(status).label)


def _set_status(case: Case, new_status: str, *, acting_user, note: str = "") -> Case:
    check_text(note, name="note", limit=REASON_LIMIT)
    if new_status not in ALLOWED_TRANSITIONS.get(case.status, set()):
        raise EzdError("transition_not_allowed",
                       _("From the status “%(current)s” the case cannot move to “%(new)s”."),
                       current=CaseStatus(case.status).label,
                       new=CaseStatus(new_status).label if new_status in CaseStatus.values
                       else new_status)
    old = case.status
    Case.objects.filter(pk=case.pk, status=old).update(status=new_status)
    case.status = new_status
    description = (f"Zmiana statusu: {status_in_record(old)} → "
                   f"{status_in_record(new_status)}")
    if note:
        description += f" ({note})"
    record_case_event(case, CaseAction.STATUS_CHANGED, acting_user=acting_user,
                      description=description, data={"from": old, "to": new_status})
    _notify_status_change(case)
    return case


def _notify_status_change(case: Case) -> None:
    """Tell the apps that listen (the resident's case news) once the change has committed."""
    after_commit(signals.case_status_changed.send, sender=Case, case_id=case.pk,
                 municipality_id=case.municipality_id, status=case.status)


@transaction.atomic(durable=True)
def change_status(case: Case, *, acting_user, status: str, note: str = "") -> Case:
    """Move a case along its life cycle (closing has its own function)."""
    return _set_status(lock_case(case), status, acting_user=acting_user, note=note)


@transaction.atomic(durable=True)
def assign_case(case: Case, *, acting_user, handler) -> Case:
    """Give the case to a handler (prowadzący sprawę) of this gmina."""
    case = lock_case(case)
    if not case.is_open:
        raise EzdError("case_closed", CASE_CLOSED)
    if handler.municipality_id != case.municipality_id or not handler.is_active:
        raise EzdError("user_not_found", _("There is no such staff member."))
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
    check_text(text, name="text", limit=TEXT_CAP)
    case = lock_case(case)
    if not text.strip():
        raise EzdError("text_required", _("Write the text of the note."))
    if not case.is_open:
        raise EzdError("case_closed", CASE_CLOSED)
    return record_case_event(case, CaseAction.NOTE_ADDED, acting_user=acting_user,
                             description=f"Notatka: {text.strip()}")


@transaction.atomic(durable=True)
def link_cases(case: Case, other: Case, *, acting_user) -> CaseLink:
    """Link two cases of the gmina as related (once; linking again changes nothing)."""
    if other.municipality_id != case.municipality_id or other.pk == case.pk:
        raise EzdError("case_not_found", _("There is no such case."))
    case = lock_case(case)
    link, _created = CaseLink.objects.get_or_create(municipality_id=case.municipality_id,
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


def retention_reason(case: Case) -> str:
    """Why a closed case's file, with the personal data in it, is kept (RODO art. 17(3)(b)
    and (d)): the instrukcja kancelaryjna and the case's archival category."""
    category = case.archival_category or case.jrwa_class.category
    if category == "A":
        return str(_("the case file is archival material (category A) under the instrukcja "
                     "kancelaryjna: it is kept permanently and goes to the state archive"))
    return str(lazy_message(_("the case file is kept under the instrukcja kancelaryjna for "
                              "its archival category (%(category)s)"), category=category))


def retention_end(case: Case) -> str:
    """Until when the case file is kept: its retention date (ISO), "permanently" for
    category A, empty while the date is not fixed (the case is not closed)."""
    if case.retention_until is not None:
        return case.retention_until.isoformat()
    if case.status == CaseStatus.CLOSED and (case.archival_category or
                                             case.jrwa_class.category) == "A":
        return str(_("permanently"))
    return ""


@transaction.atomic(durable=True)
def close_case(case: Case, *, acting_user, settled_on: date | None = None,
               note: str = "") -> Case:
    """Close a case: fixes its settlement date, archival category and retention.
    Refused while a letter of the case awaits approval or sealing."""
    check_text(note, name="note", limit=REASON_LIMIT)
    check_date(settled_on, name="settled_on", latest=today())
    case = lock_case(case)
    if not case.is_open:
        raise EzdError("case_closed", _("The case is already closed."))
    pending = case.letters.filter(status__in=[LetterStatus.AWAITING_APPROVAL,
                                              LetterStatus.APPROVED, LetterStatus.SEALED])
    if pending.exists():
        raise EzdError("letters_pending",
                       _("The case has letters not sent or awaiting approval."))
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
    after_commit(search.index_case_by_id, case.pk)
    return case


@transaction.atomic(durable=True)
def reopen_case(case: Case, *, acting_user, reason: str) -> Case:
    """Reopen a closed case: a new case with a new mark in the current year, cross-linked
    with the old one, whose mark is never erased."""
    check_text(reason, name="reason", limit=REASON_LIMIT)
    case = lock_case(case)
    if case.status != CaseStatus.CLOSED:
        raise EzdError("case_open", _("Only a closed case can be reopened."))
    if not reason.strip():
        raise EzdError("reason_required", _("Give the reason for reopening."))
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
    check_text(reason, name="reason", limit=REASON_LIMIT)
    case = lock_case(case)
    if not case.is_open:
        raise EzdError("case_closed", CASE_CLOSED)
    if to_department.pk == case.department_id:
        raise EzdError("same_department", _("The case is already in this department."))
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


def open_case_within(unit: Unit, *, acting_user, department: Department, jrwa_symbol: str,
                     title: str, incoming: IncomingEntry | None = None,
                     description: str = "", deadline: date | None = None,
                     access_level: str = "public") -> Case:
    """`open_case` as one step of a larger write; the caller owns the transaction."""
    require_transaction()
    return _open_case(unit, acting_user=acting_user, department=department,
                      jrwa_symbol=jrwa_symbol, title=title, incoming=incoming,
                      description=description, deadline=deadline, access_level=access_level)


def await_party_within(case: Case, *, acting_user, note: str) -> Case:
    """Put a freshly opened case on hold for the party (a fee to pay), in the caller's
    transaction."""
    require_transaction()
    return _set_status(case, CaseStatus.AWAITING_PARTY, acting_user=acting_user, note=note)


def set_status_within(case: Case, status: str, *, acting_user, note: str = "") -> Case:
    """`change_status` as one step of a larger write; the caller holds the case lock."""
    require_transaction()
    return _set_status(case, status, acting_user=acting_user, note=note)


@transaction.atomic(durable=True)
def add_party(case: Case, *, acting_user, party: PartyData) -> CaseParty:
    """Add a party (strona) or another participant to a case."""
    case = lock_case(case)
    if not case.is_open:
        raise EzdError("case_closed", CASE_CLOSED)
    party.validate()
    added = CaseParty.objects.create(municipality_id=case.municipality_id, case=case,
                                     **party.__dict__)
    record_case_event(case, CaseAction.PARTY_ADDED, acting_user=acting_user,
                      description=f"Dodanie uczestnika: {added.display_name} ({added.role})")
    after_commit(search.index_case_by_id, case.pk)
    return added
