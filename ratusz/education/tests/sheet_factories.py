"""Building organisation sheets for the tests: a primary school of the gmina and a sheet
with two divisions by the framework plan and two teachers, through the services."""

from __future__ import annotations

import itertools

from ratusz.core.tests.factories import UnitFactory
from ratusz.education import services
from ratusz.education.models import EmploymentForm, InstitutionKind

_serial = itertools.count(1)


def make_school(municipality, name=None):
    number = next(_serial)
    unit = UnitFactory(municipality=municipality, kind="school",
                       name=name or f"Szkoła Podstawowa nr {number}",
                       slug=f"szkola-{number}")
    return services.ensure_institution(unit, acting_user=None,
                                       kind=InstitutionKind.PRIMARY_SCHOOL)


def teacher(name="Anna Nowak", *, assigned=18, pensum=18, contracted=None, consent=False,
            subjects="matematyka"):
    return services.TeacherData(
        name=name, qualifications="mgr matematyki, przygotowanie pedagogiczne",
        subjects=subjects, employment=EmploymentForm.CONTRACT, pensum=pensum,
        contracted_hours=pensum if contracted is None else contracted,
        assigned_hours=assigned, overtime_consent=consent)


def make_sheet(municipality, *, school=None, year=2027, user=None):
    """A draft: divisions 1a (grade 1, 22 hours) and 4a (grade 4, 24 hours), 2 hours of
    religion, and two teachers assigned the 48 hours."""
    school = school or make_school(municipality)
    version = services.create_sheet(school, acting_user=user, school_year=year)
    first = services.add_division(version, acting_user=user, grade=1, name="1a", pupils=21)
    fourth = services.add_division(version, acting_user=user, grade=4, name="4a",
                                   pupils=24)
    services.add_additional(version, acting_user=user, kind="religion", hours=2,
                            division=first, description="religia rzymskokatolicka")
    services.save_teacher(version, teacher("Anna Nowak", assigned=22,
                                           subjects="edukacja wczesnoszkolna"),
                          acting_user=user)
    services.save_teacher(version, teacher("Jan Kowal", assigned=26, consent=True,
                                           subjects="przedmioty klas IV"),
                          acting_user=user)
    return {"version": version, "school": school, "first": first, "fourth": fourth}
