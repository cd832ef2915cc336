"""The demo's preschool: 20 children, last month attended and closed, this month so far,
the demo resident a paying parent; a second run adds nothing."""

from __future__ import annotations

import datetime

import pytest

from ratusz.accounts.permissions import Role
from ratusz.core.tests.factories import LocalityFactory, UnitFactory
from ratusz.demo import education as demo
from ratusz.education.models import (
    Absence,
    AttendanceAgreement,
    FeeStatement,
    Presence,
    StatementStatus,
)
from ratusz.education.services.attendance import first_of_month, month_days
from ratusz.education.tests.attendance_factories import last_month
from ratusz.payments import selectors as payment_selectors
from ratusz.payments.tests import factories as payment_factories

pytestmark = pytest.mark.django_db


def test_the_demo_preschool_has_twenty_children_and_a_closed_month(
        municipality_a, department_a, make_staff, resident, django_capture_on_commit_callbacks):
    department_a.unit.kind = "office"
    department_a.unit.save()
    UnitFactory(municipality=municipality_a, kind="school", name="Szkoła Podstawowa w Alfie")
    LocalityFactory(municipality=municipality_a, name="Alfa")
    payment_factories.set_up(municipality_a)
    officer = make_staff(municipality_a, Role.EDUCATION, username="alfa.oswiata")
    with django_capture_on_commit_callbacks(execute=True):
        first = demo.ensure_demo(municipality_a, {"education": officer}, resident,
                                 issue_token=lambda user, permissions: "secret")
    attendance = first["attendance"]
    agreements = AttendanceAgreement.objects.filter(institution_id=attendance["preschool"])
    assert agreements.count() == 20
    mine = agreements.get(child_id=attendance["child"])
    assert mine.payer_id == resident.pk and resident in mine.child.guardians.all()
    previous = last_month()
    this_month = first_of_month(first_of_month(previous) + datetime.timedelta(days=32))
    recorded = sum(model.objects.filter(agreement=mine, day__gte=previous,
                                        day__lt=this_month).count()
                   for model in (Presence, Absence))
    assert recorded == len(month_days(previous))
    statement = FeeStatement.objects.get(agreement=mine, month=previous)
    assert statement.status == StatementStatus.ISSUED and statement.total > 0
    state = payment_selectors.fee_state(municipality_a, statement.external_id("stay"))
    assert state is not None and state.amount == statement.stay_amount
    counts = (Presence.objects.count(), Absence.objects.count(), FeeStatement.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        second = demo.ensure_demo(municipality_a, {"education": officer}, resident,
                                  issue_token=lambda user, permissions: "secret")
    assert second["attendance"]["child"] == attendance["child"]
    assert (Presence.objects.count(), Absence.objects.count(),
            FeeStatement.objects.count()) == counts
