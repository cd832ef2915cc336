"""The parent's page, the staff's day and the month end over HTTP."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from ratusz.accounts.permissions import Role
from ratusz.accounts.tests.factories import ResidentFactory
from ratusz.core.models import PersonalDataAccess
from ratusz.education.models import Absence, FeeStatement, Presence
from ratusz.education.tests.attendance_factories import (
    last_month,
    make_child,
    make_preschool,
    working_day,
)
from ratusz.payments.calendar import is_working_day
from ratusz.payments.tests import factories as payment_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(municipality_a, resident):
    payment_factories.set_up(municipality_a)
    institution, plan = make_preschool(municipality_a, name="Przedszkole Słoneczko")
    return {"institution": institution, "agreement": make_child(institution, plan, resident)}


@pytest.fixture
def officer(make_staff, municipality_a):
    return make_staff(municipality_a, Role.EDUCATION, username="alfa.oswiata")


def test_the_parent_reports_an_absence_and_sees_it(client, world, resident, municipality_a):
    client.force_login(resident)
    agreement = world["agreement"]
    url = reverse("education:attendance-child", args=[municipality_a.slug, agreement.child_id])
    day = working_day(1)
    answer = client.post(url, {"day": day.isoformat(), "meals": "on"})
    assert answer.status_code == 302
    absence = Absence.objects.get()
    assert (absence.day, absence.meals_cancelled) == (day, True)
    page = client.get(url)
    assert page.status_code == 200 and b"fee-preview" in page.content


def test_after_the_cut_off_the_page_names_it_and_saves_nothing(client, world, resident,
                                                                municipality_a):
    client.force_login(resident)
    url = reverse("education:attendance-child",
                  args=[municipality_a.slug, world["agreement"].child_id])
    day = working_day(-1)
    answer = client.post(url, {"day": day.isoformat(), "meals": "on"})
    assert answer.status_code == 422
    assert f"{day:%d.%m.%Y} 08:00".encode() in answer.content
    assert not Absence.objects.exists()


def test_another_parent_gets_not_found(client, world, municipality_a):
    client.force_login(ResidentFactory())
    url = reverse("education:attendance-child",
                  args=[municipality_a.slug, world["agreement"].child_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"day": working_day(1).isoformat()}).status_code == 404
    assert client.get(reverse("education:attendance-children",
                              args=[municipality_a.slug])).status_code == 404
    assert not Absence.objects.exists()


def test_staff_record_the_day_and_close_the_month(client, world, officer, municipality_a):
    client.force_login(officer)
    institution, agreement = world["institution"], world["agreement"]
    day_url = reverse("education-staff:attendance-day", args=[municipality_a.slug,
                                                              institution.pk])
    page = client.get(day_url)
    assert page.status_code == 200 and agreement.child.full_name.encode() in page.content
    mark = reverse("education-staff:attendance-mark", args=[municipality_a.slug,
                                                            institution.pk, agreement.pk])
    answer = client.post(mark, {"action": "arrival"})
    assert answer.status_code == 302
    # On a weekend or holiday the preschool is closed and the arrival is refused.
    expected = 1 if is_working_day(timezone.localdate()) else 0
    assert Presence.objects.filter(agreement=agreement).count() == expected
    month_url = reverse("education-staff:fees-month-action", args=[municipality_a.slug,
                                                                    institution.pk])
    answer = client.post(month_url, {"action": "close", "month": f"{last_month():%Y-%m}"})
    assert answer.status_code == 302
    statement = FeeStatement.objects.get()
    review = client.get(reverse("education-staff:fees-month",
                                args=[municipality_a.slug, institution.pk]),
                        {"miesiac": f"{last_month():%Y-%m}"})
    assert review.status_code == 200
    assert statement.get_status_display().encode() in review.content
    access = PersonalDataAccess.objects.get(context="preschool_fees")
    assert (access.staff, access.fields) == (officer, ["child name", "fees"])


def test_viewing_staff_cannot_close_the_month(client, world, make_staff, municipality_a):
    viewer = make_staff(municipality_a, Role.SECRETARY, username="alfa.sekretarz")
    client.force_login(viewer)
    url = reverse("education-staff:fees-month-action", args=[municipality_a.slug,
                                                             world["institution"].pk])
    answer = client.post(url, {"action": "close"})
    assert answer.status_code in (403, 404)
    assert not FeeStatement.objects.exists()


def test_the_childs_page_gathers_its_library_loans_and_other_matters(
        client, world, resident, municipality_a):
    from ratusz.education import services
    from ratusz.education.models import ReaderKind
    from ratusz.education.tests.library_factories import add_book, make_library

    child = world["agreement"].child
    library = make_library(municipality_a)
    record = add_book(library, "W pustyni i w puszczy", "Sienkiewicz, Henryk")
    reader = services.add_reader(library, acting_user=None, card_number="K-77",
                                 kind=ReaderKind.PUPIL, name=child.first_name, child=child)
    services.lend(library, acting_user=None, card_number=reader.card_number,
                  inventory_number=record.copies.get().inventory_number)
    other = ResidentFactory()
    client.force_login(resident)
    page = client.get(reverse("education:attendance-child",
                              args=[municipality_a.slug, child.pk])).content.decode()
    assert "W pustyni i w puszczy" in page and 'class="child-loan"' in page
    assert 'class="child-matters"' in page
    client.force_login(other)
    assert client.get(reverse("education:attendance-child",
                              args=[municipality_a.slug, child.pk])).status_code == 404
