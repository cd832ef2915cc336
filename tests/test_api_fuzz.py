"""The whole API under a fuzzer (schemathesis, property-based): for every operation and every
kind of caller (a clerk's token, a resident's, an administrator's, none), generated
requests never get a 5xx and every answer, errors included, matches what the OpenAPI
document says. A fixed seed and a bounded number of examples keep it repeatable."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from ratusz.accounts import services as account_services
from ratusz.accounts.permissions import ROLE_PERMISSIONS, Permission, Role

pytestmark = pytest.mark.django_db


def _schema():
    """The OpenAPI document as the API builds it, called in-process through the WSGI
    application (schemathesis' lazy fixture loading does not run under pytest 9)."""
    from config.api import api
    from config.wsgi import application

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
    loaded.app = application
    return loaded


schema = _schema()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance,
          negative_data_rejection, unsupported_method]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does, the connection is kept across requests (it holds the
    test's transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def callers(make_staff, municipality_a, department_a, admin_a, resident):
    """The bearer headers of each kind of caller (and none)."""
    clerk = make_staff(municipality_a, Role.REGISTRY_CLERK, department=department_a)
    account_services.link_resident(municipality_a, resident)
    headers = {"none": {}}
    for kind, user, permissions in (
            ("clerk", clerk, sorted(ROLE_PERMISSIONS[Role.REGISTRY_CLERK])),
            ("resident", resident, [Permission.RESIDENT_SELF]),
            ("admin", admin_a, sorted(ROLE_PERMISSIONS[Role.ADMIN]))):
        _token, secret = account_services.issue_api_token(
            municipality_a, acting_user=None, name=f"fuzz {kind}", user=user,
            permissions=permissions)
        headers[kind] = {"Authorization": f"Bearer {secret}"}
    return headers


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_answers_outside_its_contract(case, callers):
    # Not asked: that every schema-valid request is accepted (business rules – an open
    # case, a date not in the future – are the services', not the schema's).
    for headers in callers.values():
        case.call_and_validate(headers=headers, checks=CHECKS)
