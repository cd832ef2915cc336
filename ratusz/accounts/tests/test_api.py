"""The API contract: /api/v1/me, token auth, problem+json errors, pagination, OpenAPI."""

import pytest

from ratusz.accounts import services
from ratusz.accounts.permissions import Permission, Role
from ratusz.core.tests.factories import DepartmentFactory


@pytest.fixture
def clerk_token(make_staff, municipality_a, department_a, admin_a):
    clerk = make_staff(municipality_a, Role.REGISTRY_CLERK, username="alfa.kancelaria",
                       first_name="Anna", last_name="Kowalczyk", position="Inspektor")
    _token, secret = services.issue_api_token(
        municipality_a, acting_user=None, name="Kancelaria", user=clerk,
        permissions=[Permission.VIEW_DIRECTORY, Permission.REGISTER_CORRESPONDENCE],
    )
    return secret


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_me_returns_the_caller_and_its_municipality(client, clerk_token, municipality_a):
    response = client.get("/api/v1/me", **bearer(clerk_token))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "alfa.kancelaria"
    assert body["kind"] == "staff"
    assert body["display_name"] == "Anna Kowalczyk"
    assert body["roles"] == ["registry_clerk"]
    assert body["permissions"] == ["correspondence.register", "directory.view"]
    assert body["municipality"] == {"id": municipality_a.pk, "slug": "alfa", "name": "Alfa",
                                    "teryt": "0609991", "ade": None}
    assert body["ade"] is None  # the gmina's ADE (docs/exchange.md); this one has none yet


def test_a_resident_token_says_who_the_resident_is(client, resident, municipality_a, admin_a):
    _token, secret = services.issue_api_token(municipality_a, acting_user=None,
                                              name="Mieszkaniec", user=resident,
                                              permissions=[Permission.RESIDENT_SELF])
    body = client.get("/api/v1/me", **bearer(secret)).json()
    assert body["kind"] == "resident"
    assert body["permissions"] == ["resident.self"]
    assert body["municipality"]["slug"] == "alfa"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Bearer rtz_abc_def",
                                    "Basic dXNlcjpwYXNz"])
def test_missing_or_bad_tokens_get_401_problem_json(client, db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/me", **extra)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized"
    assert body["instance"] == "/api/v1/me"


def test_a_revoked_token_gets_401(client, clerk_token, admin_a):
    from ratusz.accounts.selectors import authenticate_api_token

    services.revoke_api_token(authenticate_api_token(clerk_token), acting_user=admin_a)
    assert client.get("/api/v1/me", **bearer(clerk_token)).status_code == 401


def test_a_token_of_a_disabled_user_gets_401(client, clerk_token, admin_a):
    from ratusz.accounts.models import User

    User.objects.filter(username="alfa.kancelaria").update(is_active=False)
    assert client.get("/api/v1/me", **bearer(clerk_token)).status_code == 401


def test_lists_hold_only_the_tokens_gmina_and_are_paginated(client, clerk_token, municipality_a,
                                                            department_a, department_b):
    for index in range(3):
        DepartmentFactory(municipality=municipality_a, unit=department_a.unit,
                          symbol=f"X{index}")
    response = client.get("/api/v1/departments?page=1&page_size=2", **bearer(clerk_token))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert len(body["items"]) == 2
    all_ids = {item["id"] for item in client.get("/api/v1/departments?page_size=50",
                                                 **bearer(clerk_token)).json()["items"]}
    assert department_b.pk not in all_ids and department_a.pk in all_ids


def test_a_token_without_the_permission_gets_403(client, municipality_a, admin_a):
    _token, secret = services.issue_api_token(municipality_a, acting_user=admin_a,
                                              name="Wąski", permissions=[])
    response = client.get("/api/v1/units", **bearer(secret))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Forbidden"


def test_invalid_parameters_get_422_problem_json(client, clerk_token):
    response = client.get("/api/v1/departments?page=zero", **bearer(clerk_token))
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]


def test_openapi_document_is_public_and_describes_me(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/me" in document["paths"]
    assert "BearerTokenAuth" in document["components"]["securitySchemes"]


def test_the_api_does_not_leak_the_tenant_to_the_next_request(client, clerk_token,
                                                              municipality_b):
    from ratusz.core.tenancy import get_current_municipality

    client.get("/api/v1/me", **bearer(clerk_token))
    assert get_current_municipality() is None
    response = client.get("/g/beta/")
    assert response.context["municipality"] == municipality_b


@pytest.mark.parametrize("query", ["page=4611686018427387905&page_size=2",
                                   "page=999999999999999999999999", "page_size=100000",
                                   "page=0"])
def test_page_numbers_out_of_bounds_get_422_problem_json(client, clerk_token, query):
    # Finding 4 of the outside review: the offset overflowed the database integer (500).
    for path in ("/api/v1/units", "/api/v1/departments"):
        response = client.get(f"{path}?{query}", **bearer(clerk_token))
        assert response.status_code == 422, (path, query)
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "status"), [
    ("delete", "/api/v1/me", 405), ("get", "/api/v1/nope", 404),
    ("post", "/api/v1/units", 405)])
def test_every_api_error_is_problem_json(client, clerk_token, method, path, status):
    # Finding 5: an unknown address and a method an operation lacks answered HTML.
    response = getattr(client, method)(path, **bearer(clerk_token))
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["instance"] == path
