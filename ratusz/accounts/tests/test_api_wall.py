"""A staff token's permissions on PostgreSQL, when the request starts with the database
wall closed, as every request of a web process does (the test's own set-up code runs with
it open, which hid this: issue 22)."""

import pytest
from django.db import connection

from ratusz.accounts import services
from ratusz.accounts.permissions import Permission, Role
from ratusz.core.tenancy import set_database_tenant


@pytest.fixture
def clerk_token(make_staff, municipality_a, department_a, admin_a):
    clerk = make_staff(municipality_a, Role.REGISTRY_CLERK, username="alfa.kancelaria")
    _token, secret = services.issue_api_token(
        municipality_a, acting_user=None, name="Kancelaria", user=clerk,
        permissions=[Permission.VIEW_DIRECTORY, Permission.REGISTER_CORRESPONDENCE])
    return secret


@pytest.mark.postgres_only
def test_a_staff_tokens_permissions_are_read_inside_its_gmina(client, clerk_token):
    if connection.vendor != "postgresql":
        pytest.skip("the database wall is PostgreSQL's")
    previous = set_database_tenant("")  # a web process's request starts with no gmina
    try:
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {clerk_token}")
    finally:
        set_database_tenant(previous)
    assert response.status_code == 200
    assert response.json()["roles"] == ["registry_clerk"]
    assert response.json()["permissions"] == ["correspondence.register", "directory.view"]
