"""Attendance, meals and fees: the fee policy and meal plans, a child's agreement, absences
(parents before the cut-off hour, staff any time), arrivals and departures, and the month
end: statements computed by `ratusz.education.fees`, issued, and charged as obligations of
the payments module (the parent's individual account number comes from there).

Issued statements never change: a recomputation that differs from the last issued version
makes a new version that `corrects` it; its obligations charge the increase, and a
decrease lowers the earlier versions' obligations down to what was paid on them (what is
left is an overpayment the finance department refunds or sets off)."""

from __future__ import annotations

import datetime
import logging
from calendar import monthrange
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.effects import enqueue_after_commit
from ratusz.core.models import AuditAction, Municipality
from ratusz.core.services import record_audit
from ratusz.education import fees
from ratusz.education.errors import EducationError
from ratusz.education.models import (
    Absence,
    AbsenceSource,
    AttendanceAgreement,
    DeductionRule,
    FeePolicy,
    FeeStatement,
    Institution,
    MealPlan,
    Presence,
    StatementStatus,
)
from ratusz.education.services.common import clean_text
from ratusz.payments import selectors as payment_selectors
from ratusz.payments import services as payment_services
from ratusz.payments.calendar import is_working_day

logger = logging.getLogger(__name__)

KINDS = {"stay": "preschool_stay", "meals": "preschool_meals"}
OBLIGATIONS_TASK = "education.create_fee_obligations"


def _money(grosze: int) -> str:
    return f"{grosze // 100},{grosze % 100:02d} zł"


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_days(month: datetime.date) -> list[datetime.date]:
    """The days the institution is open in `month`: working days (no weekends, no public
    holidays; the institution's own breaks are not modelled)."""
    return [day for n in range(1, monthrange(month.year, month.month)[1] + 1)
            if is_working_day(day := month.replace(day=n))]


# --- Policy, meal plans, agreements ------------------------------------------------------

def policy_of(institution: Institution) -> FeePolicy:
    """The institution's policy (the statutory defaults until the council's is entered)."""
    policy = FeePolicy.objects.filter(institution=institution).first()
    return policy or FeePolicy(municipality_id=institution.municipality_id,
                               institution=institution)


@transaction.atomic(durable=True)
def set_fee_policy(institution: Institution, *, acting_user, free_hours: int, hourly_rate: int,
                   resolution: str, cutoff: datetime.time, deduction_rule: str,
                   payment_day: int = 15) -> FeePolicy:
    """The council's resolution and the director's rules for the institution's fees."""
    if free_hours < fees.MINIMUM_FREE_HOURS or free_hours > 12:
        raise EducationError("free_hours", _("The free hours must be between 5 (the statutory "
                                             "minimum) and 12."))
    cap = fees.hourly_cap(timezone.localdate())
    if not 0 <= hourly_rate <= cap:
        raise EducationError("rate_above_cap", _(
            "The hourly rate cannot exceed the statutory cap of %(cap)s."), cap=_money(cap))
    if deduction_rule not in DeductionRule.values:
        raise EducationError("deduction_rule", _("Choose the rule for absences."))
    if not 1 <= payment_day <= 28:
        raise EducationError("payment_day", _("The payment day must be between 1 and 28."))
    policy, _created = FeePolicy.objects.update_or_create(
        institution=institution, defaults={
            "municipality_id": institution.municipality_id, "free_hours": free_hours,
            "hourly_rate": hourly_rate, "cutoff": cutoff, "deduction_rule": deduction_rule,
            "payment_day": payment_day,
            "resolution": clean_text(resolution, name=str(_("council's resolution")),
                                     limit=200)})
    record_audit(municipality=institution.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=policy,
                 after={"free_hours": free_hours, "hourly_rate": hourly_rate,
                        "cutoff": cutoff.isoformat(), "deduction_rule": deduction_rule})
    return policy


@transaction.atomic(durable=True)
def add_meal_plan(institution: Institution, *, acting_user, name: str, daily_cost: int
                  ) -> MealPlan:
    """A meal plan at the cost of its food per day (Prawo oświatowe art. 106 ust. 3)."""
    name = clean_text(name, name=str(_("name")), limit=100, required=True)
    if not 0 < daily_cost <= 10000:
        raise EducationError("meal_cost", _("The daily food cost must be between 0,01 zł and "
                                            "100 zł."))
    plan, _created = MealPlan.objects.update_or_create(
        institution=institution, name=name,
        defaults={"municipality_id": institution.municipality_id, "daily_cost": daily_cost})
    record_audit(municipality=institution.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=plan, after={"daily_cost": daily_cost})
    return plan


@transaction.atomic(durable=True)
def make_agreement(institution: Institution, child, *, acting_user, payer, valid_from,
                   valid_until, declared_from: datetime.time, declared_until: datetime.time,
                   meal_plan: MealPlan | None = None, group: str = "", enrolment=None,
                   stay_exempt: bool = False, meals_waived: bool = False,
                   relief_basis: str = "") -> AttendanceAgreement:
    """The child's stay at the institution as its parent declared it. `payer`: the parent
    with an account who pays (None: the parents pay by the paper statement)."""
    return agreement_within(
        institution, child, acting_user=acting_user, payer=payer, valid_from=valid_from,
        valid_until=valid_until, declared_from=declared_from, declared_until=declared_until,
        meal_plan=meal_plan, group=group, enrolment=enrolment, stay_exempt=stay_exempt,
        meals_waived=meals_waived, relief_basis=relief_basis)


def agreement_within(institution, child, *, acting_user, payer, valid_from, valid_until,
                     declared_from, declared_until, meal_plan=None, group="", enrolment=None,
                     stay_exempt=False, meals_waived=False, relief_basis=""
                     ) -> AttendanceAgreement:
    """`make_agreement` in the caller's transaction (the demo, the bench)."""
    if child.municipality_id != institution.municipality_id:
        raise EducationError("child_foreign", _("The child is not known in this gmina."))
    if payer is not None and not child.guardians.filter(pk=payer.pk).exists():
        raise EducationError("payer_not_guardian", _("The parent who pays must be one of the "
                                                     "child's parents or guardians."))
    if valid_until < valid_from:
        raise EducationError("dates", _("The end date is before the start date."))
    if declared_until <= declared_from:
        raise EducationError("hours", _("The declared hours end before they start."))
    if meal_plan is not None and meal_plan.institution_id != institution.pk:
        raise EducationError("meal_plan", _("The meal plan is not one of this institution."))
    if (stay_exempt or meals_waived) and not relief_basis.strip():
        raise EducationError("relief_basis", _("Give the basis of the relief (the decision "
                                               "or the resolution)."))
    if AttendanceAgreement.objects.filter(child=child, valid_from__lte=valid_until,
                                          valid_until__gte=valid_from).exists():
        raise EducationError("agreement_overlaps", _(
            "The child already has an agreement for part of these dates."))
    agreement = AttendanceAgreement.objects.create(
        municipality_id=institution.municipality_id, institution=institution, child=child,
        enrolment=enrolment, payer=payer, valid_from=valid_from, valid_until=valid_until,
        declared_from=declared_from, declared_until=declared_until, meal_plan=meal_plan,
        group=clean_text(group, name=str(_("group")), limit=60), stay_exempt=stay_exempt,
        meals_waived=meals_waived,
        relief_basis=clean_text(relief_basis, name=str(_("basis of the relief")), limit=200))
    record_audit(municipality=institution.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=agreement,
                 after={"child": child.pk, "valid_from": valid_from.isoformat(),
                        "valid_until": valid_until.isoformat()})
    return agreement


# --- Absences and presence ---------------------------------------------------------------

def cutoff_of(agreement: AttendanceAgreement, day: datetime.date) -> datetime.datetime:
    """The moment after which `day`'s absence no longer cancels its meals."""
    policy = policy_of(agreement.institution)
    return timezone.make_aware(datetime.datetime.combine(day, policy.cutoff))


def _check_day(agreement: AttendanceAgreement, day: datetime.date) -> None:
    if not agreement.covers(day):
        raise EducationError("outside_enrolment", _(
            "%(day)s is outside the child's place at the institution (%(start)s – %(end)s)."),
            day=day.isoformat(), start=agreement.valid_from.isoformat(),
            end=agreement.valid_until.isoformat())
    if not is_working_day(day):
        raise EducationError("closed_day", _("The institution is closed on %(day)s."),
                             day=day.isoformat())


@transaction.atomic(durable=True)
def report_absence(agreement: AttendanceAgreement, *, user, day: datetime.date,
                   meals: bool = True) -> tuple[Absence, bool]:
    """A parent's report that the child will not come on `day`, cancelling its meals when
    asked. Accepted only before the institution's cut-off hour of that day; a repeat
    returns the first report (and may add the meals' cancellation while still in time)."""
    _check_day(agreement, day)
    cutoff = cutoff_of(agreement, day)
    if timezone.now() >= cutoff:
        raise EducationError("after_cutoff", _(
            "Absences for %(day)s could be reported until %(cutoff)s; it is too late now."),
            day=day.isoformat(), cutoff=timezone.localtime(cutoff).strftime("%d.%m.%Y %H:%M"))
    if Presence.objects.filter(agreement=agreement, day=day).exists():
        raise EducationError("present", _("The child's arrival is recorded for that day."))
    absence, created = Absence.objects.select_for_update().get_or_create(
        agreement=agreement, day=day, defaults={
            "municipality_id": agreement.municipality_id, "meals_cancelled": meals,
            "in_time": True, "source": AbsenceSource.PARENT, "reported_by": user,
            "reported_at": timezone.now()})
    if not created and meals and not absence.meals_cancelled:
        absence.meals_cancelled = True
        absence.save(update_fields=["meals_cancelled"])
    return absence, created


@transaction.atomic(durable=True)
def record_absence(agreement: AttendanceAgreement, *, acting_user, day: datetime.date
                   ) -> Absence:
    """Staff note that the child did not come (not reported in time: meals stay charged
    under the cut-off rule)."""
    _check_day(agreement, day)
    if Presence.objects.filter(agreement=agreement, day=day).exists():
        raise EducationError("present", _("The child's arrival is recorded for that day."))
    absence, _created = Absence.objects.get_or_create(
        agreement=agreement, day=day, defaults={
            "municipality_id": agreement.municipality_id, "in_time": False,
            "source": AbsenceSource.STAFF, "reported_by": acting_user,
            "reported_at": timezone.now()})
    return absence


@transaction.atomic(durable=True)
def record_arrival(agreement: AttendanceAgreement, *, acting_user,
                   at: datetime.datetime | None = None) -> Presence:
    """The child arrived (now, unless `at` is given). A child reported absent who comes
    after all is present: the absence is dropped (its meals are charged again)."""
    at = timezone.localtime(at or timezone.now())
    _check_day(agreement, at.date())
    Absence.objects.filter(agreement=agreement, day=at.date()).delete()
    presence, created = Presence.objects.get_or_create(
        agreement=agreement, day=at.date(), defaults={
            "municipality_id": agreement.municipality_id,
            "arrived_at": at.time().replace(microsecond=0), "recorded_by": acting_user})
    if not created:
        raise EducationError("already_arrived", _("The arrival is already recorded at "
                                                  "%(time)s."),
                             time=presence.arrived_at.strftime("%H:%M"))
    return presence


@transaction.atomic(durable=True)
def record_departure(agreement: AttendanceAgreement, *, acting_user,
                     at: datetime.datetime | None = None) -> Presence:
    """The child left (now, unless `at` is given)."""
    at = timezone.localtime(at or timezone.now())
    presence = Presence.objects.select_for_update().filter(
        agreement=agreement, day=at.date()).first()
    if presence is None:
        raise EducationError("not_arrived", _("Record the arrival first."))
    left = at.time().replace(microsecond=0)
    if left <= presence.arrived_at:
        raise EducationError("departure_before_arrival", _("The departure cannot be before "
                                                           "the arrival."))
    presence.departed_at, presence.recorded_by = left, acting_user
    presence.save(update_fields=["departed_at", "recorded_by"])
    return presence


@dataclass(frozen=True)
class AttendanceRow:
    """One child's day from an attendance terminal or an offline tablet: a presence
    (`arrived`, `departed`) or an absence (`absent`, whether its meals were cancelled in
    time)."""

    agreement_id: int
    day: datetime.date
    arrived: datetime.time | None = None
    departed: datetime.time | None = None
    absent: bool = False
    meals_cancelled_in_time: bool = False


def _recorded_days(agreement_ids: list[int], rows: list[AttendanceRow]) -> set:
    if not rows:
        return set()
    first, last = min(row.day for row in rows), max(row.day for row in rows)
    recorded = set()
    for model in (Presence, Absence):
        for chunk in range(0, len(agreement_ids), 500):
            recorded.update(model.objects.filter(
                agreement_id__in=agreement_ids[chunk:chunk + 500],
                day__range=(first, last)).values_list("agreement_id", "day"))
    return recorded


@transaction.atomic(durable=True)
def import_attendance(institution: Institution, rows: list[AttendanceRow], *, acting_user
                      ) -> dict:
    """Many days at once, all or nothing: each row must name an agreement of the
    institution covering an open day; a day already recorded is kept as it is."""
    agreements = {a.pk: a for a in AttendanceAgreement.objects.filter(
        institution=institution, pk__in={row.agreement_id for row in rows})}
    presences, absences, now = [], [], timezone.now()
    recorded = _recorded_days(list(agreements), rows)
    for number, row in enumerate(rows, start=1):
        if (row.agreement_id, row.day) in recorded:
            continue
        recorded.add((row.agreement_id, row.day))
        agreement = agreements.get(row.agreement_id)
        if agreement is None:
            raise EducationError("row_agreement", _("Row %(number)s: no such child at the "
                                                    "institution."), number=number)
        _check_day(agreement, row.day)
        if row.absent:
            absences.append(Absence(
                municipality_id=institution.municipality_id, agreement=agreement, day=row.day,
                meals_cancelled=row.meals_cancelled_in_time, in_time=row.meals_cancelled_in_time,
                source=AbsenceSource.PARENT if row.meals_cancelled_in_time
                else AbsenceSource.STAFF, reported_at=now))
        elif row.arrived is None or (row.departed is not None and row.departed <= row.arrived):
            raise EducationError("row_times", _("Row %(number)s: the arrival must come before "
                                                "the departure."), number=number)
        else:
            presences.append(Presence(
                municipality_id=institution.municipality_id, agreement=agreement, day=row.day,
                arrived_at=row.arrived, departed_at=row.departed, recorded_by=acting_user))
    Presence.objects.bulk_create(presences, batch_size=1000)
    Absence.objects.bulk_create(absences, batch_size=1000)
    record_audit(municipality=institution.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=institution,
                 after={"attendance_rows": len(rows)})
    return {"presences": len(presences), "absences": len(absences)}


# --- The month's fee ----------------------------------------------------------------------

def _minutes(start: datetime.time, end: datetime.time) -> int:
    return max(0, (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute))


def fee_days(agreement: AttendanceAgreement, month: datetime.date, *, absences: dict,
             presences: dict, until: datetime.date | None = None) -> list[fees.Day]:
    """The month's open days of the agreement as the fee function takes them. A past day
    with no record counts as the declared hours (the child came, staff did not record it);
    a departure not recorded counts to the declared end (or the arrival when later)."""
    days = []
    for day in month_days(month):
        if not agreement.covers(day) or (until is not None and day > until):
            continue
        absence = absences.get((agreement.pk, day))
        if absence is not None:
            days.append(fees.Day(day, 0, True, absence.meals_cancelled and absence.in_time))
            continue
        presence = presences.get((agreement.pk, day))
        if presence is None:
            minutes = _minutes(agreement.declared_from, agreement.declared_until)
        else:
            end = presence.departed_at or max(agreement.declared_until, presence.arrived_at)
            minutes = _minutes(presence.arrived_at, end)
        days.append(fees.Day(day, minutes))
    return days


def terms_of(agreement: AttendanceAgreement, policy: FeePolicy) -> fees.Terms:
    return fees.Terms(
        free_hours=policy.free_hours, council_rate=policy.hourly_rate,
        meal_cost=agreement.meal_plan.daily_cost if agreement.meal_plan_id else 0,
        deduction_rule=policy.deduction_rule, birth_date=agreement.child.birth_date,
        stay_exempt=agreement.stay_exempt, meals_waived=agreement.meals_waived)


def _records(agreements: list[AttendanceAgreement], month: datetime.date):
    ids = [a.pk for a in agreements]
    end = month.replace(day=monthrange(month.year, month.month)[1])
    absences, presences = {}, {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        for absence in Absence.objects.filter(agreement_id__in=part, day__range=(month, end)):
            absences[(absence.agreement_id, absence.day)] = absence
        for presence in Presence.objects.filter(agreement_id__in=part,
                                                day__range=(month, end)):
            presences[(presence.agreement_id, presence.day)] = presence
    return absences, presences


def fee_preview(agreement: AttendanceAgreement, *, on: datetime.date | None = None) -> fees.Fee:
    """This month's fee from the attendance so far (up to `on`, today by default)."""
    on = on or timezone.localdate()
    month = first_of_month(on)
    absences, presences = _records([agreement], month)
    return fees.compute_fee(terms_of(agreement, policy_of(agreement.institution)),
                            fee_days(agreement, month, absences=absences, presences=presences,
                                     until=on))


def fee_forecast(agreement: AttendanceAgreement, month: datetime.date) -> fees.Fee:
    """The whole month's fee as it stands: the days so far as recorded, the days to come at
    the declared hours, less the absences already reported."""
    month = first_of_month(month)
    absences, presences = _records([agreement], month)
    return fees.compute_fee(terms_of(agreement, policy_of(agreement.institution)),
                            fee_days(agreement, month, absences=absences, presences=presences))


def _due_date(month: datetime.date, policy: FeePolicy) -> datetime.date:
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return following.replace(day=policy.payment_day)


def _latest(agreements, month) -> dict[int, FeeStatement]:
    latest: dict[int, FeeStatement] = {}
    for statement in FeeStatement.objects.filter(
            agreement__in=agreements, month=month).order_by("version"):
        latest[statement.agreement_id] = statement
    return latest


def _compute(institution: Institution, month: datetime.date) -> dict:
    """Drafts of the month where the fee differs from the last issued version."""
    month = first_of_month(month)
    end = month.replace(day=monthrange(month.year, month.month)[1])
    if end >= timezone.localdate():
        raise EducationError("month_not_over", _("The month %(month)s is not over yet."),
                             month=month.strftime("%m.%Y"))
    policy = policy_of(institution)
    agreements = list(AttendanceAgreement.objects.filter(
        institution=institution, valid_from__lte=end, valid_until__gte=month)
        .select_related("child", "meal_plan"))
    absences, presences = _records(agreements, month)
    latest = _latest(agreements, month)
    now, due = timezone.now(), _due_date(month, policy)
    drafts, dropped, unchanged = [], [], 0
    for agreement in agreements:
        fee = fees.compute_fee(terms_of(agreement, policy), fee_days(
            agreement, month, absences=absences, presences=presences))
        lines = [line.as_dict() for line in fee.lines]
        previous = latest.get(agreement.pk)
        if previous is not None and previous.status == StatementStatus.DRAFT:
            dropped.append(previous.pk)
            previous = previous.corrects
        if previous is not None and previous.lines == lines:
            unchanged += 1
            continue
        if previous is None and fee.total == 0:
            unchanged += 1
            continue
        drafts.append(FeeStatement(
            municipality_id=institution.municipality_id, agreement=agreement, month=month,
            version=previous.version + 1 if previous else 1, corrects=previous, lines=lines,
            stay_amount=fee.stay, meals_amount=fee.meals, total=fee.total, due_date=due,
            computed_at=now))
    FeeStatement.objects.filter(pk__in=dropped).delete()
    FeeStatement.objects.bulk_create(drafts, batch_size=500)
    return {"drafts": len(drafts), "unchanged": unchanged}


@transaction.atomic(durable=True)
def compute_month(institution: Institution, month: datetime.date, *, acting_user) -> dict:
    """The month's statements as drafts for review (idempotent: an unchanged fee makes no
    draft; a fee that differs from an issued statement makes a correcting draft)."""
    result = _compute(institution, month)
    record_audit(municipality=institution.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=institution,
                 after={"fees_computed": month.isoformat(), **result})
    return result


@transaction.atomic(durable=True)
def issue_month(institution: Institution, month: datetime.date, *, acting_user) -> dict:
    """Issue the month's drafts; their obligations are created in payments after commit."""
    return _issue(institution, first_of_month(month), acting_user=acting_user)


@transaction.atomic(durable=True)
def close_month(institution: Institution, month: datetime.date, *, acting_user) -> dict:
    """Compute and issue the month in one go (the staff's "Close the month")."""
    result = _compute(institution, month)
    result.update(_issue(institution, first_of_month(month), acting_user=acting_user))
    return result


def _issue(institution: Institution, month: datetime.date, *, acting_user) -> dict:
    drafts = FeeStatement.objects.select_for_update().filter(
        agreement__institution=institution, month=month, status=StatementStatus.DRAFT)
    ids = list(drafts.values_list("pk", flat=True))
    FeeStatement.objects.filter(pk__in=ids).update(
        status=StatementStatus.ISSUED, issued_at=timezone.now(),
        issued_by=acting_user if getattr(acting_user, "pk", None) else None)
    record_audit(municipality=institution.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=institution,
                 after={"fees_issued": month.isoformat(), "statements": len(ids)})
    if ids:
        enqueue_after_commit(OBLIGATIONS_TASK, institution.municipality_id, ids)
    return {"issued": len(ids)}


# --- Obligations in payments --------------------------------------------------------------

def _chain(statement: FeeStatement) -> list[FeeStatement]:
    """The earlier issued versions, newest first."""
    chain, current = [], statement.corrects
    while current is not None:
        chain.append(current)
        current = current.corrects
    return chain


def _amount_of(statement: FeeStatement, kind: str) -> int:
    return statement.stay_amount if kind == "stay" else statement.meals_amount


def _records_for(municipality, statement: FeeStatement, payer) -> list[dict]:
    title_month = statement.month.strftime("%m.%Y")
    child = statement.agreement.child
    records = []
    for kind, code in KINDS.items():
        previous = statement.corrects
        difference = _amount_of(statement, kind) - (_amount_of(previous, kind)
                                                    if previous else 0)
        title = (f"{'Pobyt' if kind == 'stay' else 'Wyżywienie'} w przedszkolu "
                 f"{title_month}: {child.first_name} {child.last_name[:1]}.")
        if difference > 0:
            records.append(_record(statement.external_id(kind), code, title, payer,
                                   statement, difference))
            continue
        credit = -difference
        for earlier in _chain(statement):
            if credit <= 0:
                break
            state = payment_selectors.obligation_by_external_id(
                municipality, earlier.external_id(kind))
            if state is None:
                continue
            instalment = state.instalments.order_by("number").first()
            lowered = max(instalment.paid_principal, instalment.amount - credit)
            if lowered == instalment.amount or lowered <= 0:
                continue
            credit -= instalment.amount - lowered
            records.append(_record(earlier.external_id(kind), code, state.title, payer,
                                   earlier, lowered))
    return records


def _record(external_id, code, title, payer, statement, amount) -> dict:
    return {"external_id": external_id, "kind": code, "title": title[:300],
            "period": statement.month.strftime("%Y-%m"),
            "payer": {k: v for k, v in payer.__dict__.items() if v},
            "instalments": [{"number": 1, "due_date": statement.due_date.isoformat(),
                             "amount": amount}]}


def create_fee_obligations(municipality, statement_ids: list[int]) -> dict:
    """The issued statements as obligations of their paying parents (one import, its own
    durable transaction; idempotent by external id, so running it twice is harmless).
    A statement whose parent has no confirmed PESEL gets none: the parent pays by the
    statement and the finance department books it by hand."""
    statements = list(FeeStatement.objects.for_municipality(municipality).filter(
        pk__in=statement_ids, status=StatementStatus.ISSUED).select_related(
        "agreement__child", "agreement__payer", "corrects"))
    records, skipped = [], 0
    for statement in statements:
        payer = (payment_services.resident_payer_data(statement.agreement.payer)
                 if statement.agreement.payer_id else None)
        if payer is None:
            skipped += 1
            continue
        records.extend(_records_for(municipality, statement, payer))
    if not records or payment_selectors.collection_account(municipality) is None:
        return {"lines": 0, "skipped": skipped + (len(statements) if records else 0)}
    run = payment_services.import_obligations(municipality, records, acting_user=None,
                                              channel="service",
                                              file_name="education-fees")
    if run.refused:
        logger.warning("education.fee_obligations_refused", extra={
            "municipality_id": municipality.pk, "refused": run.refused})
    return {"lines": len(records), "refused": run.refused, "skipped": skipped}



def create_fee_obligations_of(municipality_id: int, statement_ids: list[int]) -> dict:
    """`create_fee_obligations` for the task, which knows the gmina by its id."""
    municipality = Municipality.objects.filter(pk=municipality_id).first()
    if municipality is None:
        return {"lines": 0}
    return create_fee_obligations(municipality, statement_ids)
