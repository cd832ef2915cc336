"""The API contract of the e-services issue: exactly these endpoints and fields."""

import base64
import json

import pytest

from ratusz.eservices.models import Submission
from ratusz.eservices.tests.conftest import VALID_LETTER, VALID_TAX
from ratusz.eservices.tests.test_services import PDF, counts

pytestmark = pytest.mark.django_db


def post(client, slug, body, headers, key=None):
    extra = dict(headers)
    if key:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(f"/api/v1/services/{slug}/submissions", data=json.dumps(body),
                       content_type="application/json", **extra)


def test_services_list_and_card(client, letter_service, tax_service, resident_token):
    listing = client.get("/api/v1/services", **resident_token).json()
    assert listing["count"] == 2
    assert {item["slug"] for item in listing["items"]} == {"pismo-ogolne", "in-1"}
    card = client.get("/api/v1/services/pismo-ogolne", **resident_token).json()
    schema = card["form"]["schema"]
    assert schema["properties"]["subject"]["title"] == "Temat"
    assert schema["properties"]["files"]["items"]["required"] == ["filename", "content"]
    tax = client.get("/api/v1/services/in-1", **resident_token).json()
    assert tax["form"]["schema"]["properties"]["locality"]["enum"] == ["Snopków"]
    assert tax["fee_amount"] == "17.00"


def test_services_need_a_token_of_the_gmina(client, letter_service):
    assert client.get("/api/v1/services").status_code == 401


def test_submission_returns_the_contract_fields_and_is_idempotent(client, letter_service,
                                                                  resident_token):
    body = {"data": {**VALID_LETTER, "files": [
        {"filename": "skan.pdf", "content": base64.b64encode(PDF).decode()}]}}
    first = post(client, "pismo-ogolne", body, resident_token, key="k-1")
    assert first.status_code == 201, first.content
    payload = first.json()
    for field in ("id", "case_mark", "rpw_number", "receipt_pdf_url", "receipt_xml_url"):
        assert payload[field]
    assert payload["case_mark"].startswith("OR.140.1.")
    assert payload["rpw_number"].startswith("RPW/1/")
    before = counts()
    again = post(client, "pismo-ogolne", body, resident_token, key="k-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == payload["id"]
    assert counts() == before
    receipt = client.get(payload["receipt_pdf_url"], **resident_token)
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    xml = client.get(payload["receipt_xml_url"], **resident_token)
    assert b"SignedProperties" in xml.content
    status = client.get(f"/api/v1/submissions/{payload['id']}", **resident_token).json()
    assert status["status"] == "new"


def test_invalid_data_gets_422_naming_each_field(client, tax_service, resident_token):
    before = counts()
    answer = post(client, "in-1", {"data": {**VALID_TAX, "pesel": "123",
                                            "postal_code": "24220x", "bogus": 1}},
                  resident_token, key="k-2")
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert errors == {  # the API speaks English; the field titles are the form's own
        "bogus": "The form has no field “bogus”.",
        "pesel": "The PESEL number in the field “PESEL” must have 11 digits.",
        "postal_code": "Enter the postal code in the field “Kod pocztowy” in the form 00-000.",
    }
    assert counts() == before


def test_bad_base64_and_mislabelled_files_are_refused(client, letter_service,
                                                      resident_token):
    answer = post(client, "pismo-ogolne", {"data": {**VALID_LETTER, "files": [
        {"filename": "a.pdf", "content": "!!!"}]}}, resident_token)
    assert answer.status_code == 422
    assert "base64" in answer.json()["errors"]["files.0"]
    answer = post(client, "pismo-ogolne", {"data": {**VALID_LETTER, "files": [
        {"filename": "a.png", "content": base64.b64encode(PDF).decode()}]}}, resident_token)
    assert answer.status_code == 422
    assert "a.png" in answer.json()["errors"]["files"]
    assert not Submission.objects.exists()


def test_a_staff_token_cannot_file_for_a_resident(client, letter_service, admin_a):
    from ratusz.accounts import services as account_services
    from ratusz.accounts.permissions import Permission

    _token, secret = account_services.issue_api_token(
        admin_a.municipality, acting_user=None, name="staff", user=admin_a,
        permissions=[Permission.VIEW_WORKSPACE])
    answer = post(client, "pismo-ogolne", {"data": VALID_LETTER},
                  {"HTTP_AUTHORIZATION": f"Bearer {secret}"})
    assert answer.status_code == 403
    assert not Submission.objects.exists()


def test_other_residents_and_gminy_see_nothing(client, letter_service, resident_token,
                                               municipality_b):
    from ratusz.accounts import services as account_services
    from ratusz.accounts.permissions import Permission
    from ratusz.accounts.tests.factories import ResidentFactory

    payload = post(client, "pismo-ogolne", {"data": VALID_LETTER}, resident_token).json()
    other = ResidentFactory(username="sasiad")
    _token, secret = account_services.issue_api_token(
        letter_service.municipality, acting_user=None, name="x", user=other,
        permissions=[Permission.RESIDENT_SELF])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get(f"/api/v1/submissions/{payload['id']}", **headers).status_code == 404
    assert client.get(f"/api/v1/submissions/{payload['id']}/receipt.pdf",
                      **headers).status_code == 404
    _token, secret_b = account_services.issue_api_token(
        municipality_b, acting_user=None, name="b", user=other,
        permissions=[Permission.RESIDENT_SELF])
    assert client.get("/api/v1/services/pismo-ogolne",
                      HTTP_AUTHORIZATION=f"Bearer {secret_b}").status_code == 404
