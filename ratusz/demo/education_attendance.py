"""Demo of attendance, meals and fees: the gmina's first preschool gets the council's fee
policy, two meal plans and 20 children with agreements (those it admitted, topped up with
made-up ones), among them a child of the demo resident (who pays, so the fees reach the
resident's taxpayer account). The previous month is attended in full and closed (its
statements issued and charged), the current one up to yesterday; the resident has also
reported an absence for the next open day. Deterministic per gmina and idempotent."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from ratusz.education import services
from ratusz.education.models import (
    AttendanceAgreement,
    Enrolment,
    FeeStatement,
    Institution,
    InstitutionKind,
    MealPlan,
)
from ratusz.education.services.attendance import first_of_month, month_days
from ratusz.education.services.children import ChildData, child_for
from ratusz.payments.calendar import is_working_day

CHILDREN = 20
FIRST_NAMES = ["Antoni", "Zofia", "Jan", "Hanna", "Leon", "Maja", "Ignacy", "Lena", "Adam",
               "Pola", "Tymon", "Nela", "Kacper", "Iga", "Bruno", "Ada", "Olaf", "Ida", "Igor",
               "Ewa"]
LAST_NAMES = ["Kowalski", "Nowak", "Wójcik", "Mazur", "Krawczyk", "Zając", "Król", "Wróbel"]


def _pesel(birth: datetime.date, serial: int) -> str:
    base = f"{birth.year % 100:02d}{birth.month + 20:02d}{birth.day:02d}{serial:04d}"
    weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
    check = (10 - sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 10) % 10
    return base + str(check)


def _school_year_end(today: datetime.date) -> datetime.date:
    return datetime.date(today.year + 1 if today.month >= 9 else today.year, 8, 31)


def _agreements(institution, officer, resident, rng: random.Random) -> list:
    existing = list(AttendanceAgreement.objects.filter(institution=institution)
                    .select_related("child"))
    if len(existing) >= CHILDREN:
        return existing
    today = timezone.localdate()
    start = first_of_month(first_of_month(today) - datetime.timedelta(days=1))
    end = _school_year_end(today)
    policy_plans = list(MealPlan.objects.filter(institution=institution).order_by("name"))
    taken = {a.child_id for a in existing}
    children = []
    with transaction.atomic():
        mine = child_for(institution.municipality, ChildData(
            "Antoś", resident.last_name or "Mazur",
            _pesel(datetime.date(today.year - 4, 5, 12), 7001)), guardian=resident)
        children.append((mine, resident))
        for enrolment in (Enrolment.objects.filter(institution=institution)
                          .select_related("child").order_by("pk")):
            if len(children) < CHILDREN and enrolment.child_id != mine.pk:
                children.append((enrolment.child, None))
        serial = 7100
        while len(children) < CHILDREN:
            serial += 1
            birth = datetime.date(today.year - rng.choice([3, 4, 5]), rng.randint(1, 12),
                                  rng.randint(1, 28))
            child = child_for(institution.municipality, ChildData(
                rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), _pesel(birth, serial)),
                guardian=None)
            children.append((child, None))
    made = list(existing)
    for index, (child, payer) in enumerate(children):
        if child.pk in taken:
            continue
        until = datetime.time(16, 0) if payer else datetime.time(rng.choice([13, 14, 15, 16]))
        made.append(services.make_agreement(
            institution, child, acting_user=officer, payer=payer, valid_from=start,
            valid_until=end, declared_from=datetime.time(7, 30), declared_until=until,
            meal_plan=policy_plans[index % len(policy_plans)] if index % 5 else
            policy_plans[-1], group="Motylki" if index % 2 else "Biedronki"))
    return made


def _attendance(institution, agreements, resident, officer, rng: random.Random) -> None:
    today = timezone.localdate()
    previous = first_of_month(first_of_month(today) - datetime.timedelta(days=1))
    days = [d for d in month_days(previous) + month_days(first_of_month(today)) if d < today]
    rows = []
    for agreement in agreements:
        mine = agreement.payer_id == resident.pk
        absent_days = set(rng.sample(days, 2)) if mine else set()
        for day in days:
            if not agreement.covers(day):
                continue
            if day in absent_days or (not mine and rng.random() < 0.08):
                rows.append(services.AttendanceRow(
                    agreement.pk, day, absent=True,
                    meals_cancelled_in_time=mine or rng.random() < 0.5))
                continue
            arrived = datetime.time(7, rng.choice([0, 15, 30, 45]))
            end = agreement.declared_until
            departed = datetime.time(max(end.hour - rng.choice([0, 0, 1]), 12),
                                     rng.choice([0, 10, 20, 40, 50]))
            rows.append(services.AttendanceRow(agreement.pk, day, arrived, departed))
    services.import_attendance(institution, rows, acting_user=officer)


def ensure_attendance_demo(municipality, staff: dict, resident) -> dict:
    """What the gmina's entry of var/demo.json gains under `attendance`: the preschool, the
    resident's child, the closed month."""
    officer = staff["education"]
    institution = (Institution.objects.for_municipality(municipality)
                   .filter(kind=InstitutionKind.PRESCHOOL).order_by("pk").first())
    if institution is None:
        return {}
    rng = random.Random(f"ratusz-demo-attendance:{municipality.slug}")  # noqa: S311
    services.set_fee_policy(
        institution, acting_user=officer, free_hours=5, hourly_rate=144,
        resolution="Uchwała nr XLI/312/2025 Rady Gminy w sprawie opłat za korzystanie z "
                   "wychowania przedszkolnego (demo)", cutoff=datetime.time(8, 0),
        deduction_rule="cancelled_in_time")
    services.add_meal_plan(institution, acting_user=officer, name="Trzy posiłki",
                           daily_cost=1200)
    services.add_meal_plan(institution, acting_user=officer, name="Obiad", daily_cost=700)
    agreements = _agreements(institution, officer, resident, rng)
    mine = next(a for a in agreements if a.payer_id == resident.pk)
    _attendance(institution, agreements, resident, officer, rng)
    today = timezone.localdate()
    previous = first_of_month(first_of_month(today) - datetime.timedelta(days=1))
    services.close_month(institution, previous, acting_user=officer)
    issued = list(FeeStatement.objects.filter(agreement__institution=institution,
                                              month=previous).values_list("pk", flat=True))
    services.create_fee_obligations(municipality, issued)
    upcoming = today + datetime.timedelta(days=1)
    while not is_working_day(upcoming):
        upcoming += datetime.timedelta(days=1)
    if mine.covers(upcoming):
        services.report_absence(mine, user=resident, day=upcoming, meals=True)
    return {"attendance": {"preschool": institution.pk, "child": mine.child_id,
                           "children": len(agreements), "closed_month": f"{previous:%Y-%m}",
                           "absence_reported_for": upcoming.isoformat()}}
