"""Social help for pupils (u.s.o. art. 90b–90n): the clerk opens the income test on a
submission of the e-services' forms "stypendium-szkolne" or "zasilek-szkolny" (the
matter is handled in that submission's case), enters the household and its incomes,
decides within the statutory bounds and the gmina's regulation; the decision's text is
put in the case as a draft letter; a granted help becomes payout lines for the finance
department, never edited once paid (corrections are new lines).

The arithmetic lives in `ratusz.education.scholarship_rules` (pure)."""

from __future__ import annotations

import contextlib
import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.pl import pesel as pesel_number

from ratusz.cases import services as ezd
from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit
from ratusz.education import scholarship_rules as rules
from ratusz.education import selectors_scholarships as selectors
from ratusz.education.errors import EducationError
from ratusz.education.models import (
    HelpApplication,
    HelpKind,
    HelpStatus,
    HouseholdMember,
    IncomeSource,
    MemberIncome,
    PayoutLine,
    ScholarshipRegulation,
)
from ratusz.education.services.common import clean_text, polish_date, today
from ratusz.eservices.models import Submission
from ratusz.payments import nrb
from ratusz.payments.money import zloty_text

#: The e-services' library forms this matter is opened on, by slug.
SERVICE_KINDS = {"stypendium-szkolne": HelpKind.SCHOLARSHIP,
                 "zasilek-szkolny": HelpKind.ALLOWANCE}
#: The key of the decision's draft letter in its case (OutgoingLetter.template): a retry
#: finds the letter instead of drafting a second one.
LETTER_TEMPLATE = "education.help-decision:{pk}"
MAX_MEMBERS = 20


@dataclass
class MemberData:
    name: str
    relation: str
    pesel: str = ""
    is_pupil: bool = False
    incomes: dict[str, int] = field(default_factory=dict)


def _money(value: int) -> str:
    return zloty_text(value)


def _rule_refusal(error: rules.RuleError) -> EducationError:
    values = {key: (_money(value) if isinstance(value, int) else polish_date(value))
              for key, value in error.values.items()}
    messages = {
        "amount_out_of_bounds": _("The monthly amount %(amount)s is outside the statutory "
                                  "bounds: from %(low)s to %(high)s (art. 90d ust. 9 u.s.o.)."),
        "months_out_of_range": _("The scholarship is granted for one to ten months of the "
                                 "school year (art. 90d ust. 10 u.s.o.)."),
        "months_outside_year": _("The months granted must lie between %(first)s and "
                                 "%(last)s: September to June of the school year."),
        "allowance_late": _("The school allowance is applied for within two months of the "
                            "event (art. 90e ust. 4 u.s.o.): the last day was %(deadline)s."),
        "event_in_future": _("The date of the event is after the application."),
        "allowance_out_of_bounds": _("The school allowance %(amount)s must be more than "
                                     "zero and at most %(high)s (art. 90e ust. 3 u.s.o.)."),
        "no_tiers": _("Give at least one tier of the regulation."),
        "tier_limit_invalid": _("Each tier needs its income limit in grosze."),
        "tier_amount_invalid": _("Each tier needs its monthly amount in grosze."),
        "tier_limits_repeat": _("Two tiers have the same income limit."),
    }
    values.pop("months", None)
    return EducationError(error.code, messages[error.code], **values)


@transaction.atomic(durable=True)
def set_regulation(municipality, *, acting_user, effective_from: datetime.date,
                   resolution: str, tiers: list[dict],
                   income_threshold: int = rules.INCOME_THRESHOLD,
                   family_allowance: int = rules.FAMILY_ALLOWANCE) -> ScholarshipRegulation:
    """The council's regulation from `effective_from` (a new row; an earlier one stays for
    the matters decided under it)."""
    resolution = clean_text(resolution, name=str(_("council resolution")), limit=200,
                            required=True)
    try:
        tiers = rules.check_tiers(tiers, rules.scholarship_bounds(family_allowance))
    except rules.RuleError as error:
        raise _rule_refusal(error) from error
    if ScholarshipRegulation.objects.filter(municipality=municipality,
                                            effective_from=effective_from).exists():
        raise EducationError("regulation_exists", _("A regulation in force from %(date)s "
                                                    "already exists."),
                             date=polish_date(effective_from))
    regulation = ScholarshipRegulation.objects.create(
        municipality=municipality, effective_from=effective_from, resolution=resolution,
        tiers=tiers, income_threshold=income_threshold, family_allowance=family_allowance,
        created_by=acting_user)
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=regulation,
                 after={"effective_from": effective_from.isoformat(), "tiers": tiers})
    return regulation


def _text(data: dict, *names: str) -> str:
    return " ".join(str(data.get(name) or "").strip() for name in names).strip()


def _school_year(data: dict, applied_on: datetime.date) -> int:
    """The school year the form names ("2025/2026, klasa 7") when it is the current one or
    the next (an application in the summer), else the school year of the application."""
    current = rules.school_year_of(applied_on)
    text = str(data.get("school_year") or "")
    named = int(text[:4]) if text[:4].isdigit() and text[4:5] == "/" else None
    return named if named in (current, current + 1) else current


def _household_from_form(data: dict, pupil_pesel: str) -> list[MemberData]:
    members = []
    for item in data.get("household_members") or []:
        pesel = str(item.get("pesel") or "")
        income = round(float(item.get("monthly_income") or 0) * 100)
        members.append(MemberData(
            name=_text(item, "first_name", "last_name"), relation=str(item.get("relation")
                                                                      or ""),
            pesel=pesel, is_pupil=bool(pupil_pesel) and pesel == pupil_pesel,
            incomes={IncomeSource.OTHER: income} if income else {}))
    return members


@transaction.atomic(durable=True)
def open_help_application(submission, *, acting_user) -> HelpApplication:
    """The matter of social help on a submission of the scholarship or allowance form:
    the pupil, the school, the account and (scholarship) the household as the form gave
    it, for the clerk to check. Opening twice returns the first one."""
    # The submission's row locked: two clerks opening it at once get the one matter.
    submission = Submission.objects.select_for_update().select_related("service").get(
        pk=submission.pk)
    existing = HelpApplication.objects.filter(submission=submission).first()
    if existing is not None:
        return existing
    kind = SERVICE_KINDS.get(submission.service.slug)
    if kind is None:
        raise EducationError("not_help_form", _("This submission is not an application for "
                                                "a school scholarship or allowance."))
    if submission.is_withdrawn:
        raise EducationError("submission_withdrawn", _("The application was withdrawn."))
    data = submission.data
    applied_on = timezone.localdate(submission.submitted_at)
    event_on = None
    if kind == HelpKind.ALLOWANCE and data.get("event_date"):
        event_on = datetime.date.fromisoformat(str(data["event_date"]))
    account = nrb.clean(str(data.get("bank_account") or ""))
    application = HelpApplication.objects.create(
        municipality_id=submission.municipality_id, submission=submission,
        case_id=submission.case_id, kind=kind, resident=submission.resident,
        applicant_name=submission.applicant_name[:300],
        pupil_name=_text(data, "student_first_name", "student_last_name")[:200],
        pupil_pesel=str(data.get("student_pesel") or "")[:11],
        school=str(data.get("school_name") or "")[:300], applied_on=applied_on,
        school_year=_school_year(data, applied_on),
        income_month=rules.income_month(applied_on), event_on=event_on,
        recipient_account=account if nrb.is_valid(account) else "")
    if kind == HelpKind.SCHOLARSHIP:
        members = _household_from_form(data, application.pupil_pesel)
        if members and any(m.is_pupil for m in members):
            # What the form gave may not pass the checks: then the clerk enters it.
            with contextlib.suppress(EducationError):
                _write_household(application, _checked_members(application, members))
    record_audit(municipality=submission.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=application,
                 after={"submission": submission.pk, "kind": kind})
    return application


def _checked_members(application: HelpApplication, members: list[MemberData]
                     ) -> list[MemberData]:
    if not members:
        raise EducationError("household_empty", _("Enter the members of the household."))
    if len(members) > MAX_MEMBERS:
        raise EducationError("household_too_large", _("A household may have at most "
                                                      "%(limit)s members here."),
                             limit=MAX_MEMBERS)
    checked = []
    for number, member in enumerate(members, start=1):
        if not (member.name or "").strip():
            raise EducationError("member_name_required", _("Member %(number)s: give the "
                                                           "name."), number=number)
        if not (member.relation or "").strip():
            raise EducationError("member_relation_required", _("Member %(number)s: give the "
                                                               "relation to the pupil."),
                                 number=number)
        name = clean_text(member.name, name=str(_("name")), limit=200)
        relation = clean_text(member.relation, name=str(_("relation")), limit=60)
        pesel = "".join((member.pesel or "").split())
        if pesel and (not pesel.isdigit() or not pesel_number.is_valid(pesel)):
            raise EducationError("pesel_invalid", _("Member %(number)s: the PESEL %(pesel)s "
                                                    "is not valid: check its digits."),
                                 number=number, pesel=pesel[:20])
        incomes = {}
        for source, amount in member.incomes.items():
            if source not in IncomeSource.values:
                raise EducationError("income_source_invalid", _("Member %(number)s: choose "
                                                                "the income's source from "
                                                                "the list."), number=number)
            if not isinstance(amount, int) or isinstance(amount, bool):
                raise EducationError("income_invalid", _("Member %(number)s: the income "
                                                         "must be an amount in złoty."),
                                     number=number)
            if amount < 0:
                raise EducationError("income_negative", _("Member %(number)s: the income "
                                                          "%(amount)s is negative; a net "
                                                          "income is zero or more."),
                                     number=number, amount=_money(amount))
            if amount:
                incomes[source] = amount
        checked.append(MemberData(name, relation, pesel, bool(member.is_pupil), incomes))
    pupils = [m for m in checked if m.is_pupil]
    if len(pupils) != 1:
        raise EducationError("pupil_missing" if not pupils else "pupil_twice",
                             _("The household must include the pupil, marked once: mark "
                               "the member who is %(pupil)s.") if not pupils else
                             _("Only one member can be marked as the pupil."),
                             pupil=application.pupil_name)
    if application.pupil_pesel and pupils[0].pesel and \
            pupils[0].pesel != application.pupil_pesel:
        raise EducationError("pupil_pesel_differs", _("The member marked as the pupil has "
                                                      "another PESEL than the pupil of the "
                                                      "application."))
    return checked


def _write_household(application: HelpApplication, members: list[MemberData]) -> None:
    HouseholdMember.objects.filter(application=application).delete()
    totals = []
    for position, member in enumerate(members, start=1):
        row = HouseholdMember.objects.create(
            municipality_id=application.municipality_id, application=application,
            position=position, name=member.name, relation=member.relation,
            pesel=member.pesel, is_pupil=member.is_pupil)
        MemberIncome.objects.bulk_create([
            MemberIncome(municipality_id=application.municipality_id, member=row,
                         source=source, net_amount=amount)
            for source, amount in sorted(member.incomes.items())])
        totals.append(sum(member.incomes.values()))
    regulation = selectors.regulation_in_force(application.municipality_id,
                                               application.applied_on)
    threshold = regulation.income_threshold if regulation else rules.INCOME_THRESHOLD
    application.income_per_person = rules.per_person_income(totals, len(members))
    application.eligible = rules.is_eligible(application.income_per_person, threshold)
    application.regulation = regulation
    application.save(update_fields=["income_per_person", "eligible", "regulation"])


def _lock(application: HelpApplication) -> HelpApplication:
    return HelpApplication.objects.select_for_update().get(pk=application.pk)


@transaction.atomic(durable=True)
def record_household(application: HelpApplication, *, acting_user,
                     members: list[MemberData]) -> HelpApplication:
    """The household's members and their net incomes of the income month, replacing what
    was entered before; the per-person income and the eligibility follow. All or nothing."""
    application = _lock(application)
    if application.status != HelpStatus.OPEN:
        raise EducationError("help_decided", _("The matter is decided; the household can no "
                                               "longer change."))
    _write_household(application, _checked_members(application, members))
    record_audit(municipality=application.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=application,
                 after={"members": len(members),
                        "income_per_person": application.income_per_person,
                        "eligible": application.eligible})
    return application


def proposal(application: HelpApplication) -> int | None:
    """The monthly amount the regulation's tiers give for the per-person income (the
    scholarship, when eligible)."""
    regulation = application.regulation
    if application.kind != HelpKind.SCHOLARSHIP or not application.eligible or \
            regulation is None:
        return None
    return rules.tier_amount(regulation.tiers, application.income_per_person)


def _payout_title(application: HelpApplication, month: datetime.date) -> str:
    if application.kind == HelpKind.ALLOWANCE:
        return f"Zasiłek szkolny – {application.pupil_name}"[:200]
    return f"Stypendium szkolne {month:%m/%Y} – {application.pupil_name}"[:200]


@transaction.atomic(durable=True)
def decide_help(application: HelpApplication, *, acting_user, grant: bool,
                monthly_amount: int | None = None, first_month: datetime.date | None = None,
                month_count: int | None = None, reason: str = "") -> HelpApplication:
    """The decision: granted (the scholarship's monthly amount within the statutory bounds
    for 1–10 months of the school year, or the allowance's one-off amount within its cap and
    deadline) with its payout lines, or refused with the reason. The decision's text is
    rendered with the figures, the legal basis and the appeal instruction."""
    application = _lock(application)
    if application.status != HelpStatus.OPEN:
        raise EducationError("help_decided", _("The matter is already decided."))
    reason = clean_text(reason, name=str(_("reason")), limit=2000)
    regulation = application.regulation or selectors.regulation_in_force(
        application.municipality_id, application.applied_on)
    allowance = regulation.family_allowance if regulation else rules.FAMILY_ALLOWANCE
    months: list[datetime.date] = []
    if grant:
        if monthly_amount is None:
            raise EducationError("amount_required", _("Give the amount."))
        try:
            if application.kind == HelpKind.SCHOLARSHIP:
                if application.eligible is None:
                    raise EducationError("income_test_missing", _("Enter the household and "
                                                                  "its incomes first."))
                if not application.eligible:
                    raise EducationError("not_eligible", _("The income per person %(income)s "
                                                           "exceeds the threshold: the "
                                                           "scholarship cannot be granted."),
                                         income=_money(application.income_per_person))
                rules.check_amount(monthly_amount, rules.scholarship_bounds(allowance))
                months = rules.granted_months(application.school_year,
                                              first_month or datetime.date(
                                                  application.school_year, 9, 1),
                                              month_count or 0)
            else:
                if application.event_on is None:
                    raise EducationError("event_missing", _("The application names no date "
                                                            "of the event."))
                rules.check_allowance(monthly_amount, event_on=application.event_on,
                                      applied_on=application.applied_on,
                                      family_allowance=allowance)
                months = [today().replace(day=1)]
        except rules.RuleError as error:
            raise _rule_refusal(error) from error
        application.status = HelpStatus.GRANTED
        application.monthly_amount = monthly_amount
        application.first_month, application.month_count = months[0], len(months)
    else:
        if not reason:
            raise EducationError("reason_required", _("Give the reason of the refusal."))
        application.status = HelpStatus.REFUSED
    application.regulation = regulation
    application.decided_at, application.decided_by = timezone.now(), acting_user
    application.decision_text = render_to_string(
        "education/scholarships/decision.txt",
        {"application": application, "months": months, "reason": reason,
         "threshold": regulation.income_threshold if regulation else rules.INCOME_THRESHOLD,
         "bounds": rules.scholarship_bounds(allowance), "cap": rules.allowance_cap(allowance),
         "decided_on": polish_date(timezone.localdate(application.decided_at))}).strip()
    application.save()
    PayoutLine.objects.bulk_create([
        PayoutLine(municipality_id=application.municipality_id, application=application,
                   month=month, amount=monthly_amount, recipient_name=application.applicant_name,
                   pupil_name=application.pupil_name, account=application.recipient_account,
                   title=_payout_title(application, month))
        for month in months])
    record_audit(municipality=application.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=application,
                 after={"status": application.status, "amount": monthly_amount,
                        "months": len(months)})
    return application


def put_decision_in_case(application: HelpApplication, *, acting_user):
    """The decision's text as a draft letter in the matter's case (the EZD's
    `draft_letter`, its own transaction), then linked here. A retry after a failure between
    the two finds the letter by its key and only links it."""
    application = HelpApplication.objects.select_related("case", "submission").get(
        pk=application.pk)
    if not application.decision_text:
        raise EducationError("decision_missing", _("Decide the matter first."))
    if application.decision_letter_id:
        return application
    key = LETTER_TEMPLATE.format(pk=application.pk)
    letter = selectors.letter_by_key(application.municipality_id, application.case_id, key)
    if letter is None:
        data = application.submission.data
        address = " ".join(part for part in (_text(data, "street", "building"),
                                             _text(data, "flat")) if part)
        try:
            letter = ezd.draft_letter(
                application.case, acting_user=acting_user, subject=_decision_subject(
                    application), body=application.decision_text,
                addressee_name=application.applicant_name,
                addressee_address=address or "-",
                addressee_city=_text(data, "postal_code", "city") or "-", template=key)
        except ezd.EzdError as error:
            raise EducationError(error.code, error.message) from error
    return _link_letter(application, letter.pk, acting_user)


def _decision_subject(application: HelpApplication) -> str:
    granted = application.status == HelpStatus.GRANTED
    if application.kind == HelpKind.ALLOWANCE:
        return "Decyzja o przyznaniu zasiłku szkolnego" if granted else \
            "Decyzja o odmowie przyznania zasiłku szkolnego"
    return "Decyzja o przyznaniu stypendium szkolnego" if granted else \
        "Decyzja o odmowie przyznania stypendium szkolnego"


@transaction.atomic(durable=True)
def _link_letter(application: HelpApplication, letter_id: int, acting_user):
    application = _lock(application)
    application.decision_letter_id = letter_id
    application.save(update_fields=["decision_letter_id"])
    record_audit(municipality=application.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=application,
                 after={"decision_letter": letter_id})
    return application


@transaction.atomic(durable=True)
def mark_month_paid(municipality, month: datetime.date, *, acting_user) -> int:
    """The finance department paid the month's list: its unpaid lines are marked paid (and
    from then on never change). Returns how many."""
    month = month.replace(day=1)
    lines = PayoutLine.objects.select_for_update().filter(
        municipality=municipality, month=month, paid_at__isnull=True)
    count = lines.update(paid_at=timezone.now(), paid_by=acting_user)
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, object_type="education.payoutlist",
                 object_id=month.isoformat(), after={"paid": count})
    return count


@transaction.atomic(durable=True)
def correct_payout(line: PayoutLine, *, acting_user, amount: int, month: datetime.date,
                   reason: str) -> PayoutLine:
    """A correction of a payout as a new line in `month` (`amount` is the difference:
    negative to recover what was overpaid). The corrected line stays as it was; the
    corrected total stays within the statutory bounds."""
    line = PayoutLine.objects.select_for_update().select_related("application").get(
        pk=line.pk)
    reason = clean_text(reason, name=str(_("reason")), limit=300, required=True,
                        required_message=_("Give the reason of the correction."))
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise EducationError("correction_zero", _("A correction changes the amount: give "
                                                  "a difference other than zero."))
    corrected = line.amount + sum(line.corrections.values_list("amount", flat=True)) + amount
    application = line.application
    allowance = application.regulation.family_allowance if application.regulation else \
        rules.FAMILY_ALLOWANCE
    high = rules.allowance_cap(allowance) if application.kind == HelpKind.ALLOWANCE else \
        rules.scholarship_bounds(allowance).high
    if not 0 <= corrected <= high:
        raise EducationError("correction_out_of_bounds", _("After the correction the line "
                                                           "would be %(amount)s: it must be "
                                                           "between 0 and %(high)s."),
                             amount=_money(corrected), high=_money(high))
    correction = PayoutLine.objects.create(
        municipality_id=line.municipality_id, application=application,
        month=month.replace(day=1), amount=amount, recipient_name=line.recipient_name,
        pupil_name=line.pupil_name, account=line.account,
        title=f"Korekta: {line.title}"[:200], corrects=line, reason=reason)
    record_audit(municipality=application.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=correction,
                 after={"corrects": line.pk, "amount": amount})
    return correction
