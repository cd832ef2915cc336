"""A partnership coordinator is neither staff nor resident: they reach their own
partnership's pages, where only the accepted members' numbers appear, and nothing else:
no page of any gmina's workspace, no resident's page, no other partnership, no personal
data, no case content, no row of a member gmina."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from ratusz.accounts.models import UserKind
from ratusz.reports import services
from ratusz.reports.models import MemberStatus, PartnershipMember
from ratusz.reports.tests.conftest import past_case
from tests.test_isolation import (  # noqa: F401 - worlds is a fixture
    PUBLIC,
    RESIDENT_ONLY,
    database_state,
    fill,
    site_patterns,
    values_for,
    worlds,
)


@pytest.fixture
def coordinator(db):
    return get_user_model().objects.create_user("koordynator", password="x" * 12,
                                                kind=UserKind.COORDINATOR)


@pytest.fixture
def partnership(municipality_a, municipality_b, coordinator):
    partnership = services.create_partnership(acting_user=None, name="E-gminy",
                                              members=[municipality_a, municipality_b])
    partnership.coordinators.add(coordinator)
    PartnershipMember.objects.filter(municipality=municipality_a).update(
        status=MemberStatus.ACCEPTED)
    return partnership


def test_a_coordinator_reaches_no_page_of_any_gmina_or_resident(client, worlds, coordinator,  # noqa: F811
                                                               partnership):
    """Every address of a gmina that is not public: never a page (200), never a change;
    the staff workspace and the residents' pages answer 404 as for a missing page."""
    world_a, _world_b = worlds
    client.force_login(coordinator)
    before = database_state()
    checked = 0
    for route, name, _pattern in site_patterns():
        if name in PUBLIC or name.startswith("partnerships:") or not route.startswith("g/"):
            continue
        url = fill(route, values_for(world_a, name))
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"name": "x", "decision": "accept"})
            assert response.status_code != 200, (method, url)
            if "/staff/" in url or name in RESIDENT_ONLY:
                assert response.status_code in (404, 405), (method, url, response.status_code)
        checked += 1
    assert checked > 100
    assert database_state() == before


def test_a_coordinator_sees_only_their_partnerships(client, coordinator, partnership):
    services.create_partnership(acting_user=None, name="Inne", slug="inne")
    client.force_login(coordinator)
    assert client.get("/partnerstwa/").status_code == 200
    assert client.get("/partnerstwa/e-gminy/").status_code == 200
    assert client.get("/partnerstwa/inne/").status_code == 404
    assert client.get("/partnerstwa/inne/eksport/porownanie.csv").status_code == 404
    assert client.get("/partnerstwa/inne/zapytania-testowe/").status_code == 404


def test_staff_and_residents_are_no_coordinators(client, partnership, admin_a, resident):
    for user in (admin_a, resident):
        client.force_login(user)
        assert client.get("/partnerstwa/").status_code == 404
        assert client.get("/partnerstwa/e-gminy/").status_code == 404


def test_the_comparison_holds_numbers_of_accepted_members_only(
        client, coordinator, partnership, municipality_a, office_a, department_a, officer_a,
        resident):
    today = timezone.localdate()
    case = past_case(office_a, officer_a, department_a, received_on=today - timedelta(days=40))
    services.track_cases(municipality_a, [case.pk])
    services.refresh_days(municipality_a, [today])
    client.force_login(coordinator)
    html = client.get("/partnerstwa/e-gminy/?wskaznik=cases_overdue").content.decode()
    assert "Alfa" in html and "Beta" not in html  # Beta was invited, did not accept
    for personal in (officer_a.last_name, officer_a.username, case.mark, case.title,
                     resident.last_name, "Nowak", department_a.name):
        assert personal not in html, personal
    csv = client.get("/partnerstwa/e-gminy/eksport/porownanie.csv").content.decode("utf-8-sig")
    assert "Alfa" in csv and case.mark not in csv and officer_a.last_name not in csv
