"""A preschool with its fee policy and meal plan, and a child of a parent with an agreement
covering last month and this one (made through the services)."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from ratusz.core.tests.factories import UnitFactory
from ratusz.education import services
from ratusz.education.models import Child, InstitutionKind
from ratusz.education.services.attendance import first_of_month
from ratusz.payments.calendar import is_working_day

_serial = itertools.count(1)


def working_day(step: int) -> datetime.date:
    """The `step`-th working day after (positive) or before (negative) today."""
    day, found = timezone.localdate(), 0
    while found < abs(step):
        day += datetime.timedelta(days=1 if step > 0 else -1)
        found += is_working_day(day)
    return day


def last_month() -> datetime.date:
    return first_of_month(first_of_month(timezone.localdate()) - datetime.timedelta(days=1))


def make_preschool(municipality, *, name=None, rate=144, cutoff=datetime.time(8, 0),
                   rule="cancelled_in_time"):
    unit = UnitFactory(municipality=municipality, kind="preschool",
                       name=name or f"Przedszkole nr {next(_serial)}",
                       slug=f"przedszkole-oplaty-{next(_serial)}")
    institution = services.ensure_institution(unit, acting_user=None,
                                              kind=InstitutionKind.PRESCHOOL)
    services.set_fee_policy(institution, acting_user=None, free_hours=5, hourly_rate=rate,
                            resolution="Uchwała nr XII/34/2025 Rady Gminy", cutoff=cutoff,
                            deduction_rule=rule)
    plan = services.add_meal_plan(institution, acting_user=None, name="Trzy posiłki",
                                  daily_cost=1200)
    return institution, plan


def make_child(institution, plan, parent, *, first_name="Ola", birth=datetime.date(2022, 3, 10),
               declared=(datetime.time(7, 30), datetime.time(16, 0)), group="Motylki"):
    child = Child.objects.create(
        municipality_id=institution.municipality_id, first_name=first_name,
        last_name="Mazur", birth_date=birth, identity_digest=f"digest-{next(_serial)}",
        identity_ciphertext="-")
    child.guardians.add(parent)
    start = last_month()
    return services.make_agreement(
        institution, child, acting_user=None, payer=parent, valid_from=start,
        valid_until=start + datetime.timedelta(days=400), declared_from=declared[0],
        declared_until=declared[1], meal_plan=plan, group=group)
