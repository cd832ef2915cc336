"""Demo data of the organisation sheets: per gmina, the rates for the next school year and
the first school's sheet for it — eight divisions by the framework plan, religion and
support hours, nine teachers assigned exactly the planned hours (three with recorded
consent to overtime, one part-time) — sent to the education department, with the
curator's opinion requested and the trade union's recorded: a sheet in review."""

from __future__ import annotations

from django.utils import timezone

from ratusz.core.models import Unit, UnitKind
from ratusz.education import selectors_sheets, services
from ratusz.education.models import EmploymentForm, InstitutionKind, OpinionBody

HOUR_RATE = 9_500  # grosze per teaching hour with the employer's charges (made up)
WEEKS = 38
# name, qualifications, subjects, employment, pensum, contracted, assigned, consent
TEACHERS = [
    ("Anna Wiśniewska", "mgr pedagogiki wczesnoszkolnej", "edukacja wczesnoszkolna 1a",
     EmploymentForm.APPOINTMENT, 18, 18, 20, False),
    ("Barbara Kaczmarek", "mgr pedagogiki wczesnoszkolnej", "edukacja wczesnoszkolna 2a",
     EmploymentForm.APPOINTMENT, 18, 18, 20, False),
    ("Celina Zając", "mgr pedagogiki wczesnoszkolnej", "edukacja wczesnoszkolna 3a",
     EmploymentForm.CONTRACT, 18, 18, 20, False),
    ("Dorota Mazur", "mgr filologii angielskiej", "język angielski",
     EmploymentForm.APPOINTMENT, 18, 18, 21, False),
    ("Ewa Sikora", "mgr filologii polskiej", "język polski",
     EmploymentForm.APPOINTMENT, 18, 18, 25, True),
    ("Filip Baran", "mgr matematyki, informatyka (studia podyplomowe)",
     "matematyka, informatyka", EmploymentForm.APPOINTMENT, 18, 18, 25, True),
    ("Grzegorz Duda", "mgr historii", "historia, WOS, muzyka, plastyka, godziny wychowawcze",
     EmploymentForm.CONTRACT, 18, 18, 24, True),
    ("Halina Pietrzak", "mgr biologii, geografii; pedagog", "przyroda, geografia, biologia, "
     "zajęcia wspierające", EmploymentForm.CONTRACT, 18, 16, 16, False),
    ("Igor Wróblewski", "mgr fizyki, chemii; filologia germańska",
     "chemia, fizyka, język niemiecki, technika", EmploymentForm.CONTRACT, 18, 18, 15, False),
    ("Jerzy Sadowski", "mgr wychowania fizycznego", "wychowanie fizyczne, EDB",
     EmploymentForm.APPOINTMENT, 18, 18, 21, False),
    ("Krystyna Olszewska", "mgr teologii", "religia", EmploymentForm.CONTRACT, 18, 16, 16,
     False),
]


def next_school_year() -> int:
    today = timezone.localdate()
    return today.year if today.month < 9 else today.year + 1


def ensure_demo(municipality, officer) -> dict:
    """The first school's sheet for the next school year, in review (idempotent)."""
    year = next_school_year()
    unit = Unit.objects.for_municipality(municipality).filter(
        kind=UnitKind.SCHOOL).order_by("pk").first()
    if unit is None:
        return {}
    school = services.ensure_institution(unit, acting_user=officer,
                                         kind=InstitutionKind.PRIMARY_SCHOOL)
    if selectors_sheets.rates(municipality, year) is None:
        services.set_rates(municipality, acting_user=officer, school_year=year,
                           hour_rate=HOUR_RATE, weeks=WEEKS)
    sheet = selectors_sheets.sheets(municipality, year).filter(institution=school).first()
    if sheet is not None:
        return {"education_sheet": selectors_sheets.latest_version(sheet).pk}
    version = services.create_sheet(school, acting_user=officer, school_year=year)
    for grade in range(1, 9):
        division = services.add_division(version, acting_user=officer, grade=grade,
                                         name=f"{grade}a", pupils=18 + (grade * 3) % 8)
        services.add_additional(version, acting_user=officer, kind="religion", hours=2,
                                division=division)
    services.add_additional(version, acting_user=officer, kind="support", hours=4,
                            description="zajęcia korekcyjno-kompensacyjne")
    for name, qualifications, subjects, employment, pensum, contracted, assigned, consent \
            in TEACHERS:
        services.save_teacher(version, services.TeacherData(
            name=name, qualifications=qualifications, subjects=subjects,
            employment=employment, pensum=pensum, contracted_hours=contracted,
            assigned_hours=assigned, overtime_consent=consent), acting_user=officer)
    version = services.send_version(version, acting_user=officer)
    today = timezone.localdate()
    services.request_opinion(version, acting_user=officer, body=OpinionBody.CURATOR,
                             body_name="Kuratorium Oświaty", requested_on=today)
    services.record_opinion(version, acting_user=officer, body=OpinionBody.UNION,
                            body_name="ZNP, oddział gminny", given_on=today,
                            text="Związek opiniuje arkusz pozytywnie.")
    return {"education_sheet": version.pk}
