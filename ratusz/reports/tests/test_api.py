"""The API contract: GET /api/v1/indicators and /api/v1/overdue, and the open data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ratusz.accounts import services as account_services
from ratusz.accounts.permissions import Permission
from ratusz.reports import services
from ratusz.reports.indicators import CONTRACT_KEYS
from ratusz.reports.tests.conftest import past_case


def token(municipality, user, permissions):
    _token, secret = account_services.issue_api_token(
        municipality, acting_user=None, name="raporty", permissions=permissions, user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def figures(municipality_a, office_a, department_a, officer_a):
    today = timezone.localdate()
    case = past_case(office_a, officer_a, department_a, received_on=today - timedelta(days=30))
    services.track_cases(municipality_a, [case.pk])
    services.refresh_days(municipality_a, [today])
    return case


def test_indicators_follow_the_contract(client, municipality_a, secretary_a, figures):
    year = timezone.localdate().year
    response = client.get(f"/api/v1/indicators?year={year}",
                          **token(municipality_a, secretary_a, [Permission.VIEW_REPORTS]))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"municipality", "year", "indicators", "units"}
    assert body["municipality"] == "alfa" and body["year"] == year
    assert set(CONTRACT_KEYS) <= set(body["indicators"])
    for value in body["indicators"].values():
        assert set(value) == {"value", "unit", "by_month"}
        assert isinstance(value["value"], int | float)
    assert body["indicators"]["cases_overdue"]["value"] == 1
    assert body["units"][0]["unit"] == "urzad" or body["units"][0]["unit"]
    assert set(body["units"][0]) == {"unit", "indicators"}


def test_indicators_need_reports_view(client, municipality_a, officer_a):
    response = client.get("/api/v1/indicators",
                          **token(municipality_a, officer_a, [Permission.VIEW_REGISTERS]))
    assert response.status_code == 403


def test_overdue_lists_the_late_matters(client, municipality_a, secretary_a, figures):
    response = client.get("/api/v1/overdue",
                          **token(municipality_a, secretary_a, [Permission.VIEW_REPORTS]))
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert set(item) == {"case_mark", "deadline", "days_late", "department", "handler"}
    assert item["case_mark"] == figures.mark and item["department"] == "OR"
    assert item["days_late"] > 0 and item["handler"]


def test_another_gminas_token_sees_none_of_it(client, municipality_b, figures, make_staff):
    from ratusz.accounts.permissions import Role

    other = make_staff(municipality_b, Role.SECRETARY, username="beta.sekretarz")
    headers = token(municipality_b, other, [Permission.VIEW_REPORTS])
    assert client.get("/api/v1/overdue", **headers).json()["items"] == []
    body = client.get("/api/v1/indicators", **headers).json()
    assert body["municipality"] == "beta"
    assert body["indicators"]["cases_overdue"]["value"] == 0


def test_the_open_data_is_the_same_document_without_a_token(client, municipality_a, figures):
    year = timezone.localdate().year
    body = client.get(f"/g/alfa/wskazniki.json?rok={year}").json()
    assert set(CONTRACT_KEYS) <= set(body["indicators"])
    assert body["indicators"]["cases_overdue"]["value"] == 1
    csv = client.get("/g/alfa/wskazniki.csv").content.decode("utf-8-sig")
    assert "cases_overdue" in csv and ";" in csv
    page = client.get("/g/alfa/wskazniki/")
    assert page.status_code == 200 and b"data:image/svg+xml" in page.content
