"""The legal clock of every matter: kept current from the EZD's events (a status change,
a letter) and by a periodic reconciliation of the cases opened lately and the clocks still
open; the handler's notice of delay (KPA art. 36) or finding of a particularly complex
matter moves the deadline."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.effects import enqueue_after_commit
from ratusz.core.messages import DomainError
from ratusz.core.models import Municipality
from ratusz.core.text import first_unsafe_character
from ratusz.reports import deadlines, sources
from ratusz.reports.models import (
    AdjustmentKind,
    ClockAdjustment,
    ClockKind,
    MatterClock,
    TestInquiry,
)
from ratusz.reports.services.rollups import mark_pending

#: Open clocks whose case is looked up again per batch of the reconciliation.
RECONCILE_BATCH = 2000
#: How far back the reconciliation looks for cases opened without an event.
RECONCILE_DAYS = 3
REASON_LIMIT = 2000
#: An art. 36 notice sets a new date at most this far ahead (two months is the KPA's
#: longest ordinary term; a longer delay needs another notice).
LATEST_NEW_DATE = timedelta(days=366)


class WatchError(DomainError):
    """A refusal of the watch (notices of delay, ponaglenia)."""


def _adjustments(municipality, case_ids: list[int]) -> dict[int, ClockAdjustment]:
    """The newest adjustment of each case."""
    newest: dict[int, ClockAdjustment] = {}
    for adjustment in (ClockAdjustment.objects.for_municipality(municipality)
                       .filter(case_id__in=case_ids).order_by("created_at", "pk")):
        newest[adjustment.case_id] = adjustment
    return newest


def clock_values(facts: sources.CaseFacts, adjustment: ClockAdjustment | None,
                 is_test: bool) -> dict:
    """The clock's fields for a case's facts and its newest adjustment."""
    matter = deadlines.MatterFacts(starts_on=facts.starts_on, jrwa_symbol=facts.jrwa_symbol,
                                   service=facts.service, case_type_days=facts.case_type_days,
                                   ezd_deadline=facts.ezd_deadline)
    kind = deadlines.clock_kind(matter)
    if adjustment is not None and adjustment.kind == AdjustmentKind.COMPLEX and \
            kind == ClockKind.KPA:
        kind = ClockKind.COMPLEX
    legal = deadlines.legal_deadline(matter, kind)
    deadline = legal
    if adjustment is not None and adjustment.kind == AdjustmentKind.DELAY_NOTICE:
        deadline = adjustment.new_deadline
    settled_on = facts.settled_on if facts.is_closed else None
    if facts.is_closed and settled_on is None:
        settled_on = timezone.localdate()
    return {
        "case_mark": facts.mark, "unit_id": facts.unit_id,
        "department_id": facts.department_id, "handler_id": facts.handler_id,
        "jrwa_symbol": facts.jrwa_symbol, "case_type": facts.case_type[:200],
        "channel": facts.channel, "service": facts.service, "kind": kind,
        "starts_on": facts.starts_on, "legal_deadline": legal, "deadline": deadline,
        "opened_on": facts.opened_on, "settled_on": settled_on,
        "days_to_settle": max(0, (settled_on - facts.starts_on).days) if settled_on else None,
        "is_open": not facts.is_closed, "is_test": is_test, "updated_at": timezone.now(),
    }


def _test_case_ids(municipality, case_ids: list[int]) -> set[int]:
    return set(TestInquiry.objects.for_municipality(municipality)
               .filter(case_id__in=case_ids).values_list("case_id", flat=True))


@transaction.atomic(durable=True)
def track_cases(municipality: Municipality | int, case_ids: list[int]) -> int:
    """Bring the clocks of these cases up to date with the EZD (idempotent); marks the
    days whose figures they change. Returns how many clocks were written."""
    return _track(municipality, sources.case_facts(municipality, case_ids))


def _track(municipality, facts_list: list[sources.CaseFacts], *, mark: bool = True) -> int:
    if not facts_list:
        return 0
    municipality_id = getattr(municipality, "pk", municipality)
    case_ids = [facts.case_id for facts in facts_list]
    adjustments = _adjustments(municipality_id, case_ids)
    tests = _test_case_ids(municipality_id, case_ids)
    existing = {clock.case_id: clock for clock in MatterClock.objects.for_municipality(
        municipality_id).filter(case_id__in=case_ids)}
    new, changed, days = [], [], set()
    for facts in facts_list:
        values = clock_values(facts, adjustments.get(facts.case_id), facts.case_id in tests)
        clock = existing.get(facts.case_id)
        if clock is None:
            new.append(MatterClock(municipality_id=municipality_id, case_id=facts.case_id,
                                   **values))
            days.add(values["opened_on"])
        else:
            if all(getattr(clock, name) == value for name, value in values.items()
                   if name != "updated_at"):
                continue
            if clock.settled_on != values["settled_on"]:
                days.update(day for day in (clock.settled_on, values["settled_on"]) if day)
            for name, value in values.items():
                setattr(clock, name, value)
            changed.append(clock)
        days.add(timezone.localdate())
    MatterClock.objects.bulk_create(new, batch_size=1000)
    if changed:
        MatterClock.objects.bulk_update(changed, [name for name in values if name != "case_id"],
                                        batch_size=1000)
    if mark:
        for day in days:
            mark_pending(municipality_id, day)
    return len(new) + len(changed)


def backfill_clocks(municipality: Municipality, *, batch: int = 5000) -> int:
    """Clocks for every case of the gmina (an installation with a history, or a restore);
    batches by id, one transaction each; marks no day (the caller refreshes the days it
    wants). Returns clocks written."""
    written, last = 0, 0
    while True:
        facts = sources.cases_after(municipality, last, batch)
        if not facts:
            return written
        with transaction.atomic(durable=True):
            written += _track(municipality, facts, mark=False)
        last = facts[-1].case_id


def reconcile_clocks(municipality: Municipality, *, today: date | None = None) -> int:
    """The periodic catch-up: clocks for the cases opened in the last days (an opening
    sends no event) and a fresh look at every open clock. Returns clocks written."""
    today = today or timezone.localdate()
    written = 0
    recent = sources.cases_opened_between(municipality, today - timedelta(days=RECONCILE_DAYS),
                                          today)
    for start in range(0, len(recent), RECONCILE_BATCH):
        with transaction.atomic(durable=True):
            written += _track(municipality, recent[start:start + RECONCILE_BATCH])
    open_ids = list(MatterClock.objects.for_municipality(municipality).filter(is_open=True)
                    .order_by("case_id").values_list("case_id", flat=True))
    for start in range(0, len(open_ids), RECONCILE_BATCH):
        written += track_cases(municipality, open_ids[start:start + RECONCILE_BATCH])
    return written


# --- The handler's notice of delay (art. 36) -----------------------------------------------

@transaction.atomic(durable=True)
def record_adjustment(municipality: Municipality, case, *, acting_user, kind: str,
                      reason: str, new_deadline: date | None = None) -> ClockAdjustment:
    """The handler tells the parties the matter will not be settled in time, with the
    reason and a new date (KPA art. 36), or finds it particularly complex (two months,
    art. 35 § 3). The watch counts from it at once; the case record and the resident's
    matter get the notice after commit."""
    reason = (reason or "").strip()
    if kind not in AdjustmentKind.values:
        raise WatchError("kind_invalid", _("Choose what to record from the list."))
    if not reason:
        raise WatchError("reason_required", _("Give the reason for the delay."))
    if len(reason) > REASON_LIMIT or first_unsafe_character(reason) is not None:
        raise WatchError("reason_invalid", _("The reason is too long or has characters "
                                             "that cannot be stored."))
    today = timezone.localdate()
    facts = sources.case_facts(municipality, [case.pk])
    if not facts or facts[0].is_closed:
        raise WatchError("case_closed", _("The case is closed."))
    if kind == AdjustmentKind.DELAY_NOTICE:
        if new_deadline is None or new_deadline <= today or \
                new_deadline > today + LATEST_NEW_DATE:
            raise WatchError("new_date_invalid",
                             _("Give a new date after today and within a year."))
    else:
        matter = deadlines.MatterFacts(starts_on=facts[0].starts_on,
                                       jrwa_symbol=facts[0].jrwa_symbol)
        new_deadline = deadlines.legal_deadline(matter, ClockKind.COMPLEX)
    adjustment = ClockAdjustment.objects.create(
        municipality=municipality, case_id=case.pk, kind=kind, new_deadline=new_deadline,
        reason=reason, created_by=acting_user)
    _track(municipality, facts)
    enqueue_after_commit("reports.announce_adjustment", adjustment.pk, municipality.pk)
    return adjustment
