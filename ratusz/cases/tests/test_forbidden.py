"""Inside the workspace a page the person may not open says so in the workspace's own
layout (issue 23, item 3): 403 with the menu, for a role that does not do the work and for
a case the person sees but may not act on; staff of another gmina and cases out of sight
still get "not found", so nothing of them can be told apart from a missing one."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ratusz.accounts.permissions import Role
from ratusz.cases import services
from ratusz.cases.models import Case, LetterStatus

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def case(unit_a, officer_a, department_a, jrwa_a):
    return services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="Udostępnienie uchwały")


@pytest.fixture
def letter(case, officer_a):
    return services.draft_letter(case, acting_user=officer_a, subject="odpowiedź",
                                 body="Treść odpowiedzi.", addressee_name="Jan Kowalski",
                                 addressee_address="ul. Polna 1", addressee_city="24-220 Alfa")


def assert_forbidden_in_the_workspace(response):
    assert response.status_code == 403
    assert [template.name for template in response.templates][0] == \
        "accounts/staff/forbidden.html"
    page = response.content.decode()
    assert 'class="sidebar"' in page and "/g/alfa/staff/" in page


def test_the_registry_clerk_sees_the_case_but_its_letters_say_forbidden(client, clerk_a,
                                                                       case, letter):
    client.force_login(clerk_a)  # of the case's department: the case is visible
    assert client.get(f"/g/alfa/staff/ezd/cases/{case.pk}/").status_code == 200

    preview = client.get(f"/g/alfa/staff/ezd/cases/{case.pk}/letters/{letter.pk}/"
                         "preview.pdf")
    assert_forbidden_in_the_workspace(preview)
    editing = client.get(f"/g/alfa/staff/ezd/cases/{case.pk}/letters/{letter.pk}/")
    assert_forbidden_in_the_workspace(editing)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT


def test_a_role_that_opens_no_cases_is_told_so_and_nothing_is_opened(
        client, make_staff, municipality_a, clerk_a, unit_a, department_a, jrwa_a):
    entry, _ = services.register_incoming(
        unit_a, acting_user=clerk_a, title="Wniosek", channel="post", received_on=TODAY,
        senders=[services.SenderData(kind="person", first_name="Jan", last_name="Kowalski",
                                     city="Alfa")])
    finance = make_staff(municipality_a, Role.FINANCE, username="alfa.finanse")
    client.force_login(finance)

    answer = client.post(f"/g/alfa/staff/ezd/incoming/{entry.pk}/open-case/", {
        "case-department": department_a.pk, "case-jrwa_class": "1431",
        "case-title": "Udostępnienie uchwały"})

    assert_forbidden_in_the_workspace(answer)
    assert not Case.objects.exists()


def test_staff_of_another_gmina_and_cases_out_of_sight_stay_not_found(
        client, officer_b, officer_a2, case, letter):
    preview = f"/g/alfa/staff/ezd/cases/{case.pk}/letters/{letter.pk}/preview.pdf"
    client.force_login(officer_b)
    assert client.get(preview).status_code == 404
    client.force_login(officer_a2)  # another department of the gmina: the case is unseen
    assert client.get(preview).status_code == 404
    assert client.get(f"/g/alfa/staff/ezd/cases/{case.pk}/").status_code == 404
