"""Reads of the organisation sheets; every read of a gmina's rows takes the gmina. A
version's content as plain values (`snapshot`), its totals and findings (`summary`), and
the department's table of all schools' sheets for a school year."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from ratusz.education import sheet_rules
from ratusz.education.models import (
    AdditionalHours,
    Division,
    Institution,
    InstitutionKind,
    OrganisationSheet,
    SheetComment,
    SheetEvent,
    SheetOpinion,
    SheetRates,
    SheetStatus,
    SheetTeacher,
    SheetVersion,
    SubjectHours,
)


def sheets(municipality, school_year: int | None = None) -> QuerySet[OrganisationSheet]:
    items = OrganisationSheet.objects.for_municipality(municipality).select_related(
        "institution__unit")
    if school_year is not None:
        items = items.filter(school_year=school_year)
    return items.order_by("institution__unit__name")


def access_sheet_by_id(municipality, sheet_id: int) -> OrganisationSheet | None:
    return sheets(municipality).filter(pk=sheet_id).first()


def access_version_by_id(municipality, version_id: int) -> SheetVersion | None:
    return (SheetVersion.objects.for_municipality(municipality).filter(pk=version_id)
            .select_related("sheet__institution__unit", "base", "created_by").first())


def waiting_versions(municipality) -> list[SheetVersion]:
    """Versions sent and not yet returned or approved, oldest first."""
    return list(SheetVersion.objects.for_municipality(municipality)
                .filter(status=SheetStatus.SENT).select_related("sheet__institution__unit")
                .order_by("sent_at", "pk"))


def school_years(municipality) -> list[int]:
    return sorted(set(OrganisationSheet.objects.for_municipality(municipality)
                      .values_list("school_year", flat=True)), reverse=True)


def sheet_schools(municipality) -> list[Institution]:
    """The institutions that keep a school's sheet (not the preschools)."""
    return list(Institution.objects.for_municipality(municipality)
                .exclude(kind=InstitutionKind.PRESCHOOL).select_related("unit")
                .order_by("unit__name"))


def access_school_by_id(municipality, institution_id) -> Institution | None:
    return next((item for item in sheet_schools(municipality)
                 if str(item.pk) == str(institution_id)), None)


def versions(sheet: OrganisationSheet) -> list[SheetVersion]:
    return list(SheetVersion.objects.filter(sheet=sheet).order_by("number"))


def latest_version(sheet: OrganisationSheet) -> SheetVersion | None:
    return SheetVersion.objects.filter(sheet=sheet).order_by("-number").first()


def rates(municipality, school_year: int) -> SheetRates | None:
    return SheetRates.objects.for_municipality(municipality).filter(
        school_year=school_year).first()


def divisions(version: SheetVersion) -> list[Division]:
    return list(Division.objects.filter(version=version).prefetch_related(
        Prefetch("hours", queryset=SubjectHours.objects.order_by("subject"))))


def access_division(version: SheetVersion, division_id) -> Division | None:
    return Division.objects.filter(version=version, pk=division_id).first()


def access_teacher(version: SheetVersion, teacher_id) -> SheetTeacher | None:
    return SheetTeacher.objects.filter(version=version, pk=teacher_id).first()


def access_additional(version: SheetVersion, line_id) -> AdditionalHours | None:
    return AdditionalHours.objects.filter(version=version, pk=line_id).first()


def access_opinion(version: SheetVersion, opinion_id) -> SheetOpinion | None:
    return SheetOpinion.objects.filter(version=version, pk=opinion_id).first()


def teachers(version: SheetVersion) -> list[SheetTeacher]:
    return list(SheetTeacher.objects.filter(version=version))


def additional(version: SheetVersion) -> list[AdditionalHours]:
    return list(AdditionalHours.objects.filter(version=version).select_related("division"))


def comments(version: SheetVersion) -> list[SheetComment]:
    return list(SheetComment.objects.filter(version=version).select_related("created_by"))


def opinions(version: SheetVersion) -> list[SheetOpinion]:
    return list(SheetOpinion.objects.filter(version=version))


def events(version: SheetVersion) -> list[SheetEvent]:
    return list(SheetEvent.objects.filter(version=version).select_related("by"))


def snapshot(version: SheetVersion) -> dict:
    """The version's content as plain values, keyed by what a person recognises (a
    division's name, a teacher's name), for `sheet_rules.diff`."""
    result: dict = {"divisions": {}, "additional": {}, "teachers": {}}
    for division in divisions(version):
        result["divisions"][division.name] = {
            "grade": division.grade, "pupils": division.pupils,
            "hours": {line.subject: line.hours for line in division.hours.all()}}
    for line in additional(version):
        key = " / ".join(part for part in (line.get_kind_display(),
                                           line.division.name if line.division else "",
                                           line.description) if part)
        result["additional"][key] = result["additional"].get(key, 0) + line.hours
    for teacher in teachers(version):
        result["teachers"][teacher.name] = {
            "qualifications": teacher.qualifications, "subjects": teacher.subjects,
            "employment": teacher.employment, "pensum": teacher.pensum,
            "contracted_hours": teacher.contracted_hours,
            "assigned_hours": teacher.assigned_hours,
            "overtime_consent": teacher.overtime_consent}
    return result


@dataclass
class Summary:
    """A version's totals and what the checks find in it."""

    subject_hours: int = 0
    additional_hours: int = 0
    pupils: int = 0
    divisions: int = 0
    teachers: int = 0
    assigned_hours: int = 0
    overtime_hours: int = 0
    employment_fte: Decimal = Decimal("0.00")
    hours_fte: Decimal = Decimal("0.00")
    cost: int | None = None
    findings: list = field(default_factory=list)

    @property
    def total_hours(self) -> int:
        return self.subject_hours + self.additional_hours

    @property
    def refusals(self) -> list:
        return [item for item in self.findings if item.refuses]


_UNSET = object()


def summary(version: SheetVersion, year_rates=_UNSET) -> Summary:
    """The totals and findings; `year_rates` given by a caller that read them once."""
    result = Summary()
    for division in divisions(version):
        hours = {line.subject: line.hours for line in division.hours.all()}
        result.divisions += 1
        result.pupils += division.pupils
        result.subject_hours += sum(hours.values())
        result.findings += sheet_rules.framework_findings(
            division=division.name, grade=division.grade, hours=hours)
    result.additional_hours = sum(line.hours for line in additional(version))
    for teacher in teachers(version):
        result.teachers += 1
        result.assigned_hours += teacher.assigned_hours
        result.overtime_hours += sheet_rules.overtime(
            pensum=teacher.pensum, contracted=teacher.contracted_hours,
            assigned=teacher.assigned_hours)
        result.employment_fte += sheet_rules.fte(teacher.contracted_hours, teacher.pensum)
        result.hours_fte += sheet_rules.fte(teacher.assigned_hours, teacher.pensum)
        result.findings += sheet_rules.teacher_findings(
            name=teacher.name, pensum=teacher.pensum, contracted=teacher.contracted_hours,
            assigned=teacher.assigned_hours, consent=teacher.overtime_consent)
    result.findings += sheet_rules.assignment_findings(
        planned=result.total_hours, assigned=result.assigned_hours)
    if year_rates is _UNSET:
        year_rates = rates(version.municipality_id, version.sheet.school_year)
    if year_rates is not None:
        result.cost = sheet_rules.cost_estimate(
            weekly_hours=result.total_hours, hour_rate=year_rates.hour_rate,
            weeks=year_rates.weeks)
    return result


def year_table(municipality, school_year: int) -> dict:
    """The department's table: every school's sheet of the year with its latest version's
    status and totals, the approved version's too, and the sums."""
    rows = []
    sums = {"hours": 0, "fte": Decimal("0.00"), "cost": 0, "pupils": 0, "divisions": 0}
    year_rates = rates(municipality, school_year)
    for sheet in sheets(municipality, school_year):
        latest = latest_version(sheet)
        figures = summary(latest, year_rates) if latest else Summary()
        rows.append({"sheet": sheet, "version": latest, "summary": figures})
        sums["hours"] += figures.total_hours
        sums["fte"] += figures.hours_fte
        sums["cost"] += figures.cost or 0
        sums["pupils"] += figures.pupils
        sums["divisions"] += figures.divisions
    return {"rows": rows, "sums": sums}
