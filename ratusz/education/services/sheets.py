"""Writes of the organisation sheets. Each call is one durable transaction holding the
sheet's row lock; a refused call leaves nothing behind. A version is edited only while it
is a draft; once sent it never changes: a returned version is corrected in a new version,
an approved one is changed by an annex (a new version compared with the approved one).
Every step goes on the version's record (`SheetEvent`) and in the audit log."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit
from ratusz.education import selectors_sheets, sheet_rules
from ratusz.education.errors import EducationError
from ratusz.education.models import (
    AdditionalHours,
    Division,
    EmploymentForm,
    Institution,
    InstitutionKind,
    OpinionBody,
    OrganisationSheet,
    SheetComment,
    SheetEvent,
    SheetOpinion,
    SheetRates,
    SheetStatus,
    SheetStep,
    SheetTeacher,
    SheetVersion,
    SubjectHours,
)
from ratusz.education.services.common import clean_text, polish_date, today


@dataclass(frozen=True)
class TeacherData:
    name: str
    qualifications: str
    subjects: str
    employment: str
    pensum: int
    contracted_hours: int
    assigned_hours: int
    overtime_consent: bool = False


def _event(version: SheetVersion, step: str, acting_user, note: str = "") -> None:
    SheetEvent.objects.create(municipality_id=version.municipality_id, version=version,
                              step=step, note=note, by=acting_user)
    record_audit(municipality=version.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=version,
                 after={"step": step, "note": note[:500]})


def _lock(version: SheetVersion, *statuses: str) -> SheetVersion:
    """The version re-read under its sheet's lock, refused unless in one of `statuses`."""
    OrganisationSheet.objects.select_for_update().get(pk=version.sheet_id)
    version = SheetVersion.objects.select_related("sheet").get(pk=version.pk)
    if version.status not in statuses:
        if SheetStatus.DRAFT in statuses:
            raise EducationError("sheet_version_frozen", _(
                "This version has been sent and can no longer change; prepare a correction "
                "or an annex."))
        raise EducationError("sheet_version_status", _(
            "This step is not possible while the version is “%(status)s”."),
            status=version.get_status_display())
    return version


def _number(value, *, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise EducationError("number_invalid", _(
            "The field “%(field)s” must be a whole number from %(low)s to %(high)s."),
            field=name, low=low, high=high)
    return number


@transaction.atomic(durable=True)
def set_rates(municipality, *, acting_user, school_year: int, hour_rate: int,
              weeks: int) -> SheetRates:
    """The gmina's cost of a teaching hour (grosze) and teaching weeks for a year."""
    school_year = _number(school_year, name=_("school year"), low=2000, high=2100)
    hour_rate = _number(hour_rate, name=_("cost of a teaching hour"), low=1,
                        high=10_000_000)
    weeks = _number(weeks, name=_("teaching weeks"), low=1, high=52)
    item, _created = SheetRates.objects.update_or_create(
        municipality=municipality, school_year=school_year,
        defaults={"hour_rate": hour_rate, "weeks": weeks})
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=item,
                 after={"hour_rate": hour_rate, "weeks": weeks})
    return item


@transaction.atomic(durable=True)
def create_sheet(institution: Institution, *, acting_user, school_year: int) -> SheetVersion:
    """The school's sheet for a year with its first version, a draft."""
    school_year = _number(school_year, name=_("school year"), low=2000, high=2100)
    if institution.kind == InstitutionKind.PRESCHOOL:
        raise EducationError("sheet_not_a_school", _(
            "Sheets are kept here for schools; a preschool's sheet is not supported yet."))
    if OrganisationSheet.objects.filter(institution=institution,
                                        school_year=school_year).exists():
        raise EducationError("sheet_exists", _(
            "%(school)s already has a sheet for %(year)s/%(next)s."),
            school=institution.name, year=school_year, next=school_year + 1)
    sheet = OrganisationSheet.objects.create(municipality_id=institution.municipality_id,
                                             institution=institution,
                                             school_year=school_year)
    version = SheetVersion.objects.create(municipality_id=institution.municipality_id,
                                          sheet=sheet, number=1, created_by=acting_user)
    record_audit(municipality=institution.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=sheet, after={"school_year": school_year})
    _event(version, SheetStep.PREPARED, acting_user)
    return version


@transaction.atomic(durable=True)
def add_division(version: SheetVersion, *, acting_user, grade, name: str,
                 pupils) -> Division:
    """A division with its subjects' hours filled in from the framework plan."""
    version = _lock(version, SheetStatus.DRAFT)
    grade = _number(grade, name=_("grade"), low=1, high=8)
    pupils = _number(pupils, name=_("pupils"), low=0, high=40)
    name = clean_text(name, name=_("name of the division"), limit=20, required=True)
    if Division.objects.filter(version=version, name=name).exists():
        raise EducationError("division_exists", _(
            "There already is a division named “%(name)s”."), name=name)
    division = Division.objects.create(municipality_id=version.municipality_id,
                                       version=version, grade=grade, name=name,
                                       pupils=pupils)
    SubjectHours.objects.bulk_create([
        SubjectHours(municipality_id=version.municipality_id, division=division,
                     subject=subject, hours=hours)
        for subject, hours in sheet_rules.FRAMEWORK.get(grade, {}).items()])
    record_audit(municipality=version.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=division,
                 after={"grade": grade, "name": name, "pupils": pupils})
    return division


@transaction.atomic(durable=True)
def update_division(division: Division, *, acting_user, pupils, hours: dict) -> Division:
    """The division's pupils and its weekly hours per subject (a subject at 0 is
    dropped)."""
    _lock(division.version, SheetStatus.DRAFT)
    pupils = _number(pupils, name=_("pupils"), low=0, high=40)
    clean = {}
    for subject, value in hours.items():
        if subject not in sheet_rules.SUBJECT_NAMES:
            raise EducationError("subject_unknown", _("There is no such subject."))
        clean[subject] = _number(value, name=str(sheet_rules.SUBJECT_NAMES[subject]),
                                 low=0, high=30)
    division.pupils = pupils
    division.save(update_fields=["pupils"])
    SubjectHours.objects.filter(division=division).delete()
    SubjectHours.objects.bulk_create([
        SubjectHours(municipality_id=division.municipality_id, division=division,
                     subject=subject, hours=value)
        for subject, value in clean.items() if value])
    record_audit(municipality=division.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=division,
                 after={"pupils": pupils, "hours": clean})
    return division


@transaction.atomic(durable=True)
def remove_division(division: Division, *, acting_user) -> None:
    _lock(division.version, SheetStatus.DRAFT)
    record_audit(municipality=division.municipality, acting_user=acting_user,
                 action=AuditAction.DELETED, target=division)
    division.delete()


@transaction.atomic(durable=True)
def add_additional(version: SheetVersion, *, acting_user, kind: str, hours,
                   division: Division | None = None, description: str = "") -> AdditionalHours:
    version = _lock(version, SheetStatus.DRAFT)
    if kind not in dict(sheet_rules.ADDITIONAL_KINDS):
        raise EducationError("additional_kind_unknown", _("There is no such kind of hours."))
    if division is not None and division.version_id != version.pk:
        raise EducationError("division_not_found", _("There is no such division."))
    line = AdditionalHours.objects.create(
        municipality_id=version.municipality_id, version=version, kind=kind,
        division=division, hours=_number(hours, name=_("hours a week"), low=1, high=200),
        description=clean_text(description, name=_("description"), limit=200))
    record_audit(municipality=version.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=line,
                 after={"kind": kind, "hours": line.hours})
    return line


@transaction.atomic(durable=True)
def remove_additional(line: AdditionalHours, *, acting_user) -> None:
    _lock(line.version, SheetStatus.DRAFT)
    record_audit(municipality=line.municipality, acting_user=acting_user,
                 action=AuditAction.DELETED, target=line)
    line.delete()


def _teacher_fields(data: TeacherData) -> dict:
    if data.employment not in EmploymentForm.values:
        raise EducationError("employment_unknown", _("Choose the form of employment."))
    fields = {
        "name": clean_text(data.name, name=_("name"), limit=200, required=True),
        "qualifications": clean_text(data.qualifications, name=_("qualifications"),
                                     limit=300, required=True),
        "subjects": clean_text(data.subjects, name=_("subjects taught"), limit=300),
        "employment": data.employment,
        "pensum": _number(data.pensum, name=_("pensum"), low=1, high=40),
        "contracted_hours": _number(data.contracted_hours, name=_("hours of employment"),
                                    low=0, high=40),
        "assigned_hours": _number(data.assigned_hours, name=_("hours assigned"), low=0,
                                  high=60),
        "overtime_consent": bool(data.overtime_consent)}
    refusals = [finding for finding in sheet_rules.teacher_findings(
        name=fields["name"], pensum=fields["pensum"], contracted=fields["contracted_hours"],
        assigned=fields["assigned_hours"], consent=fields["overtime_consent"])
        if finding.refuses]
    if refusals:
        raise EducationError(refusals[0].code, refusals[0].message)
    return fields


@transaction.atomic(durable=True)
def save_teacher(version: SheetVersion, data: TeacherData, *, acting_user,
                 teacher: SheetTeacher | None = None) -> SheetTeacher:
    """A teacher added or changed; hours beyond KN art. 35's limits without the recorded
    consent (or above 1/2 of the pensum at all) are refused."""
    version = _lock(version, SheetStatus.DRAFT)
    fields = _teacher_fields(data)
    if teacher is not None and teacher.version_id != version.pk:
        raise EducationError("teacher_not_found", _("There is no such teacher."))
    clash = SheetTeacher.objects.filter(version=version, name=fields["name"])
    if teacher is not None:
        clash = clash.exclude(pk=teacher.pk)
    if clash.exists():
        raise EducationError("teacher_exists", _(
            "There already is a teacher named “%(name)s” in the sheet."), name=fields["name"])
    if teacher is None:
        teacher = SheetTeacher(municipality_id=version.municipality_id, version=version)
    for key, value in fields.items():
        setattr(teacher, key, value)
    teacher.save()
    record_audit(municipality=version.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=teacher,
                 after={key: value for key, value in fields.items() if key != "name"})
    return teacher


@transaction.atomic(durable=True)
def remove_teacher(teacher: SheetTeacher, *, acting_user) -> None:
    _lock(teacher.version, SheetStatus.DRAFT)
    record_audit(municipality=teacher.municipality, acting_user=acting_user,
                 action=AuditAction.DELETED, target=teacher)
    teacher.delete()


@transaction.atomic(durable=True)
def send_version(version: SheetVersion, *, acting_user) -> SheetVersion:
    """The director sends the draft to the education department: it is frozen, its flags
    are kept with it, a late original (after 21 April) is marked."""
    version = _lock(version, SheetStatus.DRAFT)
    figures = selectors_sheets.summary(version)
    if not figures.divisions or not figures.teachers:
        raise EducationError("sheet_incomplete", _(
            "A sheet needs at least one division and one teacher before it is sent."))
    if figures.refusals:
        raise EducationError(figures.refusals[0].code, figures.refusals[0].message)
    now = timezone.now()
    version.status = SheetStatus.SENT
    version.sent_at = now
    version.sent_late = (not version.is_annex and timezone.localdate(now)
                         > sheet_rules.sending_deadline(version.sheet.school_year))
    version.flags = [{"code": item.code, "message": item.message, "line": item.line}
                     for item in figures.findings]
    version.save(update_fields=["status", "sent_at", "sent_late", "flags"])
    _event(version, SheetStep.SENT, acting_user, _(
        "%(hours)s hours a week, %(fte)s FTEs, %(flags)s findings.") % {
            "hours": figures.total_hours, "fte": figures.hours_fte,
            "flags": len(figures.findings)})
    return version


@transaction.atomic(durable=True)
def comment_version(version: SheetVersion, *, acting_user, text: str,
                    line: str = "") -> SheetComment:
    """The department's comment on a sent version, on the whole or on one line."""
    version = _lock(version, SheetStatus.SENT)
    item = _comment(version, acting_user, text, line)
    _event(version, SheetStep.COMMENTED, acting_user, item.line)
    return item


def _comment(version, acting_user, text, line) -> SheetComment:
    return SheetComment.objects.create(
        municipality_id=version.municipality_id, version=version, created_by=acting_user,
        text=clean_text(text, name=_("comment"), limit=5000, required=True),
        line=clean_text(line, name=_("about"), limit=200))


@transaction.atomic(durable=True)
def return_version(version: SheetVersion, *, acting_user, text: str) -> SheetVersion:
    """The department returns the sent version to the director with a comment."""
    version = _lock(version, SheetStatus.SENT)
    item = _comment(version, acting_user, text, "")
    version.status = SheetStatus.RETURNED
    version.save(update_fields=["status"])
    _event(version, SheetStep.RETURNED, acting_user, item.text)
    return version


def _copy(source: SheetVersion, *, acting_user, annex: int) -> SheetVersion:
    sheet = source.sheet
    number = selectors_sheets.latest_version(sheet).number + 1
    target = SheetVersion.objects.create(municipality_id=sheet.municipality_id, sheet=sheet,
                                         number=number, annex=annex, base=source,
                                         created_by=acting_user)
    divisions = {}
    for division in selectors_sheets.divisions(source):
        copy = Division.objects.create(municipality_id=sheet.municipality_id,
                                       version=target, grade=division.grade,
                                       name=division.name, pupils=division.pupils)
        divisions[division.pk] = copy
        SubjectHours.objects.bulk_create([
            SubjectHours(municipality_id=sheet.municipality_id, division=copy,
                         subject=line.subject, hours=line.hours)
            for line in division.hours.all()])
    AdditionalHours.objects.bulk_create([
        AdditionalHours(municipality_id=sheet.municipality_id, version=target,
                        kind=line.kind, description=line.description, hours=line.hours,
                        division=divisions.get(line.division_id))
        for line in selectors_sheets.additional(source)])
    SheetTeacher.objects.bulk_create([
        SheetTeacher(municipality_id=sheet.municipality_id, version=target,
                     **{field: getattr(teacher, field) for field in (
                         "name", "qualifications", "subjects", "employment", "pensum",
                         "contracted_hours", "assigned_hours", "overtime_consent")})
        for teacher in selectors_sheets.teachers(source)])
    _event(target, SheetStep.PREPARED, acting_user, _("From version %(number)s.") % {
        "number": source.number})
    return target


def _latest_is(version: SheetVersion) -> None:
    if selectors_sheets.latest_version(version.sheet).pk != version.pk:
        raise EducationError("sheet_newer_version", _(
            "A newer version of this sheet exists; work on that one."))


@transaction.atomic(durable=True)
def prepare_correction(version: SheetVersion, *, acting_user) -> SheetVersion:
    """A returned version corrected: a new draft of the same annex, compared with it."""
    version = _lock(version, SheetStatus.RETURNED)
    _latest_is(version)
    return _copy(version, acting_user=acting_user, annex=version.annex)


@transaction.atomic(durable=True)
def start_annex(version: SheetVersion, *, acting_user) -> SheetVersion:
    """An annex during the year: a new draft compared with the approved version."""
    version = _lock(version, SheetStatus.APPROVED)
    _latest_is(version)
    return _copy(version, acting_user=acting_user, annex=version.annex + 1)


def _date(value, *, name: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise EducationError("date_invalid", _(
            "The field “%(field)s” must be a date."), field=name) from None


@transaction.atomic(durable=True)
def request_opinion(version: SheetVersion, *, acting_user, body: str, body_name: str,
                    requested_on) -> SheetOpinion:
    """The department asks a body (the curator's office, a trade union) for its opinion;
    the request itself leaves the platform by the department's usual channel."""
    version = _lock(version, SheetStatus.SENT)
    if body not in OpinionBody.values:
        raise EducationError("opinion_body_unknown", _("Choose whose opinion it is."))
    requested_on = _date(requested_on, name=_("requested on"))
    if requested_on > today():
        raise EducationError("date_in_future", _("The date cannot be in the future."))
    opinion = SheetOpinion.objects.create(
        municipality_id=version.municipality_id, version=version, body=body,
        body_name=clean_text(body_name, name=_("name of the body"), limit=200,
                             required=True),
        requested_on=requested_on, recorded_by=acting_user)
    _event(version, SheetStep.OPINION_REQUESTED, acting_user, _(
        "%(body)s, %(date)s") % {"body": opinion.body_name, "date": polish_date(requested_on)})
    return opinion


@transaction.atomic(durable=True)
def record_opinion(version: SheetVersion, *, acting_user, given_on, text: str,
                   opinion: SheetOpinion | None = None, body: str = "",
                   body_name: str = "") -> SheetOpinion:
    """The opinion as given (date and text): on a request, or one that came unasked."""
    version = _lock(version, SheetStatus.SENT)
    given_on = _date(given_on, name=_("given on"))
    if given_on > today():
        raise EducationError("date_in_future", _("The date cannot be in the future."))
    text = clean_text(text, name=_("opinion"), limit=10_000, required=True)
    if opinion is None:
        if body not in OpinionBody.values:
            raise EducationError("opinion_body_unknown", _("Choose whose opinion it is."))
        opinion = SheetOpinion(municipality_id=version.municipality_id, version=version,
                               body=body, recorded_by=acting_user,
                               body_name=clean_text(body_name, name=_("name of the body"),
                                                    limit=200, required=True))
    elif opinion.version_id != version.pk or opinion.given_on is not None:
        raise EducationError("opinion_not_open", _("This opinion is already recorded."))
    if opinion.requested_on and given_on < opinion.requested_on:
        raise EducationError("opinion_before_request", _(
            "The opinion cannot be given before it was requested (%(date)s)."),
            date=polish_date(opinion.requested_on))
    opinion.given_on = given_on
    opinion.text = text
    opinion.save()
    _event(version, SheetStep.OPINION_RECORDED, acting_user, _(
        "%(body)s, %(date)s") % {"body": opinion.body_name, "date": polish_date(given_on)})
    return opinion


@transaction.atomic(durable=True)
def approve_version(version: SheetVersion, *, acting_user, approved_on,
                    approved_by: str) -> SheetVersion:
    """The wójt's approval registered with its date; an original approved after 29 May
    (§17 ust. 9) is marked late, one approved without the curator's opinion on record
    says so on the record."""
    version = _lock(version, SheetStatus.SENT)
    approved_on = _date(approved_on, name=_("approved on"))
    if approved_on > today():
        raise EducationError("date_in_future", _("The date cannot be in the future."))
    if approved_on < timezone.localdate(version.sent_at):
        raise EducationError("approval_before_sending", _(
            "The approval cannot be dated before the sheet was sent (%(date)s)."),
            date=polish_date(timezone.localdate(version.sent_at)))
    version.status = SheetStatus.APPROVED
    version.approved_on = approved_on
    version.approved_by = clean_text(approved_by, name=_("approved by"), limit=200,
                                     required=True)
    version.approval_late = (not version.is_annex and approved_on
                             > sheet_rules.approval_deadline(version.sheet.school_year))
    version.save(update_fields=["status", "approved_on", "approved_by", "approval_late"])
    notes = [polish_date(approved_on)]
    if version.approval_late:
        notes.append(_("after the statutory date of %(date)s") % {
            "date": polish_date(sheet_rules.approval_deadline(version.sheet.school_year))})
    if not SheetOpinion.objects.filter(version=version, body=OpinionBody.CURATOR,
                                       given_on__isnull=False).exists():
        notes.append(_("without the curator's opinion on record"))
    _event(version, SheetStep.APPROVED, acting_user, "; ".join(str(n) for n in notes))
    return version

