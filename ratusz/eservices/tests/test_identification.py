"""Services with legal effects need an identity confirmed through login.gov.pl."""

import pytest

from ratusz.accounts import services as account_services
from ratusz.accounts.permissions import Permission
from ratusz.accounts.tests.factories import ResidentFactory
from ratusz.eservices import services
from ratusz.eservices.models import Submission
from ratusz.testing.logingov import sign_in_identified

pytestmark = pytest.mark.django_db


@pytest.fixture
def weak_resident():
    return ResidentFactory(username="ewa@example.org", email="ewa@example.org")


def test_a_password_session_is_sent_to_login_gov(client, tax_service, resident):
    client.force_login(resident)  # identified account, but this session used a password
    page = client.get(f"/g/{tax_service.municipality.slug}/e-urzad/uslugi/in-1/formularz/")
    assert page.status_code == 403
    text = page.content.decode()
    assert "/auth/login-gov/start/?next=" in text


def test_a_weak_account_cannot_file_and_is_told_why(client, tax_service, weak_resident):
    client.force_login(weak_resident)
    page = client.get(f"/g/{tax_service.municipality.slug}/e-urzad/uslugi/in-1/formularz/")
    assert page.status_code == 403
    assert "/auth/login-gov/start/" in page.content.decode()
    with pytest.raises(services.EserviceError) as refused:
        services.submit(tax_service, data={}, resident=weak_resident)
    assert refused.value.code == "identification_required"
    assert Submission.objects.count() == 0


def test_an_identified_session_reaches_the_form_with_the_pesel_prefilled(client, tax_service,
                                                                         resident):
    sign_in_identified(client, resident)
    page = client.get(f"/g/{tax_service.municipality.slug}/e-urzad/uslugi/in-1/formularz/")
    assert page.status_code == 200


def test_a_weak_account_may_file_what_needs_no_identification(client, letter_service,
                                                              weak_resident):
    client.force_login(weak_resident)
    page = client.get(f"/g/{letter_service.municipality.slug}/e-urzad/uslugi/pismo-ogolne/"
                      "formularz/")
    assert page.status_code == 200


def test_the_api_refuses_a_weak_account_with_403(client, tax_service, weak_resident,
                                                 municipality_a):
    _token, secret = account_services.issue_api_token(
        municipality_a, acting_user=None, name="weak", user=weak_resident,
        permissions=[Permission.RESIDENT_SELF])
    response = client.post("/api/v1/services/in-1/submissions", data={"data": {}},
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403, response.content
    assert "login.gov.pl" in response.json()["detail"]
    assert Submission.objects.count() == 0
