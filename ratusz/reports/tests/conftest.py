"""Fixtures of the reports' tests: a gmina with the shipped JRWA, staff in the roles the
watch reminds, the general letter of the e-office, and helpers that make cases whose
dates lie in the past (the EZD opens every case today)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ratusz.accounts.permissions import Role
from ratusz.cases import services as ezd
from ratusz.cases.jrwa import load_default_jrwa
from ratusz.cases.models import Case
from ratusz.core.services import update_department
from ratusz.eservices.tests.conftest import LETTER_FORM, make_service


@pytest.fixture
def office_a(department_a):
    load_default_jrwa(department_a.unit, acting_user=None)
    return department_a.unit


@pytest.fixture
def officer_a(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.CASE_OFFICER, department=department_a,
                      username="alfa.referent", email="referent@alfa.example")


@pytest.fixture
def head_a(make_staff, municipality_a, department_a):
    head = make_staff(municipality_a, Role.HEAD, department=department_a,
                      username="alfa.kierownik", email="kierownik@alfa.example")
    update_department(department_a, acting_user=None, head=head)
    return head


@pytest.fixture
def secretary_a(make_staff, municipality_a):
    return make_staff(municipality_a, Role.SECRETARY, username="alfa.sekretarz",
                      email="sekretarz@alfa.example")


@pytest.fixture
def letter_service(office_a, department_a):
    return make_service(department_a.municipality, department_a, "pismo-ogolne", LETTER_FORM,
                        allows_anonymous=True, requires_identification=False)


def registered(unit, clerk, *, received_on: date, channel: str = "post",
               title: str = "Wniosek", service: str = ""):
    entry, _ = ezd.register_incoming(
        unit, acting_user=clerk, title=title, received_on=received_on, channel=channel,
        senders=[ezd.SenderData(kind="person", first_name="Jan", last_name="Nowak",
                                city="Alfa")], service=service)
    return entry


def past_case(unit, officer, department, *, received_on: date, jrwa: str = "1431",
              channel: str = "post", settled_on: date | None = None, handler=None) -> Case:
    """A case of a letter received on `received_on`, opened that day, optionally closed on
    `settled_on` (the EZD's services, then the opening date moved back)."""
    entry = registered(unit, officer, received_on=received_on, channel=channel)
    case = ezd.open_case(unit, acting_user=officer, department=department, jrwa_symbol=jrwa,
                         title="Sprawa", incoming=entry, handler=handler or officer)
    opened = timezone.make_aware(timezone.datetime.combine(received_on,
                                                           timezone.datetime.min.time()))
    Case.objects.filter(pk=case.pk).update(opened_at=opened + timedelta(hours=9))
    if settled_on is not None:
        ezd.close_case(case, acting_user=officer, settled_on=settled_on)
    case.refresh_from_db()
    return case
