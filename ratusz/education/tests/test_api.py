"""The API contract of the education issue: campaigns, an idempotent allocation and the
whole allocation document with opaque candidate ids."""

from __future__ import annotations

import pytest

from ratusz.accounts import services as account_services
from ratusz.accounts.permissions import Permission, Role
from ratusz.education.models import Allocation
from ratusz.education.tests.factories import apply, make_recruitment

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_staff, municipality_a):
    return make_staff(municipality_a, Role.EDUCATION, username="alfa.oswiata")


def headers(municipality, user, permissions):
    _token, secret = account_services.issue_api_token(
        municipality, acting_user=None, name="test", permissions=permissions, user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_campaigns_allocation_and_its_document(client, municipality_a, department_a,
                                               officer):
    recruitment = make_recruitment(municipality_a, department_a)
    applications = [apply(recruitment) for _ in range(3)]
    view = headers(municipality_a, officer, [Permission.VIEW_EDUCATION])
    manage = headers(municipality_a, officer, [Permission.VIEW_EDUCATION,
                                               Permission.MANAGE_EDUCATION])
    campaign = recruitment["campaign"]
    listed = client.get("/api/v1/recruitment/campaigns", **view)
    assert listed.status_code == 200
    assert listed.json()["items"] == [{"id": campaign.pk, "year": campaign.year,
                                       "kind": "preschool", "status": "open",
                                       "name": campaign.name}]
    url = f"/api/v1/recruitment/campaigns/{campaign.pk}/allocate"
    assert client.post(url, **view).status_code == 403
    assert client.get(f"/api/v1/recruitment/campaigns/{campaign.pk}/allocation",
                      **view).status_code == 404
    first = client.post(url, **manage)
    again = client.post(url, **manage)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["placed"] == 3
    assert Allocation.objects.count() == 1
    document = client.get(f"/api/v1/recruitment/campaigns/{campaign.pk}/allocation",
                          **view).json()
    assert set(document) == {"seed", "institutions", "candidates", "assignments"}
    assert document["seed"] == campaign.seed
    assert {c["id"] for c in document["candidates"]} == \
        {a.candidate_code for a in applications}
    text = str(document)
    for application in applications:
        assert application.child.last_name not in text
    assert set(document["assignments"].values()) <= \
        {i["id"] for i in document["institutions"]} | {None}


def test_another_gminas_campaign_is_not_found_and_a_state_conflict_is_409(
        client, municipality_a, municipality_b, department_a, department_b, officer,
        make_staff):
    recruitment_b = make_recruitment(municipality_b, department_b)
    manage = headers(municipality_a, officer, [Permission.VIEW_EDUCATION,
                                               Permission.MANAGE_EDUCATION])
    foreign = recruitment_b["campaign"].pk
    assert client.post(f"/api/v1/recruitment/campaigns/{foreign}/allocate",
                       **manage).status_code == 404
    recruitment_a = make_recruitment(municipality_a, department_a, open_it=False)
    answer = client.post(f"/api/v1/recruitment/campaigns/{recruitment_a['campaign'].pk}"
                         "/allocate", **manage)
    assert answer.status_code == 409
    assert answer.json()["code"] == "not_open"
    assert answer["Content-Type"] == "application/problem+json"
