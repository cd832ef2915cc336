"""The API contract of issue 16, exactly as the integration checks use it."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from ratusz.accounts import services as account_services
from ratusz.accounts.permissions import Permission
from ratusz.payments import selectors
from ratusz.payments.models import Obligation, PaymentStatus, Receipt
from ratusz.payments.tests.factories import (
    PESEL_EWA,
    PESELS,
    import_lines,
    mt940,
    obligation_line,
)

pytestmark = pytest.mark.django_db


def _token(municipality, user, permissions) -> str:
    _token, secret = account_services.issue_api_token(
        municipality, acting_user=None, name="t", permissions=permissions, user=user)
    return secret


def _auth(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def owed(gmina):
    today = timezone.localdate()
    import_lines(gmina, obligation_line("PN/1", instalments=[
        (today - timedelta(days=90), 100000), (today + timedelta(days=20), 100000)]))
    import_lines(gmina, obligation_line("X/1", pesel=PESELS[0], name="Jan Nowak"))
    return gmina


def test_a_resident_lists_their_own_obligations_in_grosze(client, owed, resident):
    secret = _token(owed, resident, [Permission.RESIDENT_SELF])
    answer = client.get("/api/v1/obligations", **_auth(secret))
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert answer.json()["count"] == 2 == len(items)
    overdue, upcoming = items
    assert set(overdue) >= {"id", "kind", "title", "due_date", "amount", "paid", "outstanding",
                            "interest", "status", "account"}
    assert (overdue["status"], upcoming["status"]) == ("overdue", "open")
    assert overdue["kind"] == "property_tax" and overdue["amount"] == 100000
    assert overdue["interest"] > 0 and upcoming["interest"] == 0
    assert overdue["outstanding"] == 100000 and overdue["paid"] == 0
    assert len(overdue["account"]) == 26 and overdue["account"].isdigit()


def test_staff_filter_by_pesel_or_nip(client, owed, finance):
    secret = _token(owed, finance, [Permission.VIEW_PAYMENTS])
    answer = client.get(f"/api/v1/obligations?payer={PESEL_EWA}", **_auth(secret))
    assert answer.json()["count"] == 2
    answer = client.get(f"/api/v1/obligations?payer={PESELS[0]}", **_auth(secret))
    assert answer.json()["count"] == 1
    assert client.get("/api/v1/obligations?payer=00000000000",
                      **_auth(secret)).json()["count"] == 0


def test_without_payments_view_a_staff_token_is_refused(client, owed, admin_a):
    secret = _token(owed, admin_a, [Permission.VIEW_DIRECTORY])
    answer = client.get("/api/v1/obligations", **_auth(secret))
    assert answer.status_code == 403
    assert answer["Content-Type"] == "application/problem+json"


def test_import_answers_counts_and_refused_lines(client, gmina, finance):
    secret = _token(gmina, finance, [Permission.MANAGE_PAYMENTS])
    body = [obligation_line("PN/1"), obligation_line("PN/2", pesel="44051401358"),
            {**obligation_line("PN/3"), "instalments": [{"due_date": "2026-03-15",
                                                          "amount": -5}]}]
    answer = client.post("/api/v1/obligations/import", data=json.dumps(body),
                         content_type="application/json", **_auth(secret))
    assert answer.status_code == 200
    data = answer.json()
    assert (data["created"], data["updated"], data["refused"]) == (1, 0, 2)
    assert [line["external_id"] for line in data["refused_lines"]] == ["PN/2", "PN/3"]
    assert "PESEL" in data["refused_lines"][0]["reason"]
    assert "negative" in data["refused_lines"][1]["reason"]
    again = client.post("/api/v1/obligations/import", data=json.dumps(body[:1]),
                        content_type="application/json", **_auth(secret)).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert Obligation.objects.count() == 1
    for bad in ("{}", "not json"):
        answer = client.post("/api/v1/obligations/import", data=bad,
                             content_type="application/json", **_auth(secret))
        assert answer.status_code in (400, 422)


def test_import_needs_payments_manage(client, gmina, finance):
    secret = _token(gmina, finance, [Permission.VIEW_PAYMENTS])
    answer = client.post("/api/v1/obligations/import", data="[]",
                         content_type="application/json", **_auth(secret))
    assert answer.status_code == 403


def test_a_resident_pays_through_the_api(client, gmina_with_gateway, resident,
                                         gateway_simulator):
    import_lines(gmina_with_gateway, obligation_line("PN/1"))
    secret = _token(gmina_with_gateway, resident, [Permission.RESIDENT_SELF])
    (item,) = client.get("/api/v1/obligations", **_auth(secret)).json()["items"]
    answer = client.post("/api/v1/payments", data=json.dumps({"obligations": [item["id"]]}),
                         content_type="application/json", **_auth(secret))
    assert answer.status_code == 201
    payment = answer.json()
    assert payment["status"] == "pending" and payment["amount"] == item["outstanding"] + \
        item["interest"]
    assert payment["redirect_url"].startswith(gateway_simulator.url + "/trnRequest/")
    status = client.get(f"/api/v1/payments/{payment['id']}", **_auth(secret))
    assert status.json()["status"] == "pending"
    gateway_simulator.payer(payment["id"], "pay")
    body = gateway_simulator.notification(payment["id"])
    key = selectors.gateway_account(gmina_with_gateway).notify_key
    client.post(f"/payments/bramka/{key}/status/", data=json.dumps(body),
                content_type="application/json")
    assert client.get(f"/api/v1/payments/{payment['id']}",
                      **_auth(secret)).json()["status"] == PaymentStatus.PAID
    (paid,) = client.get("/api/v1/obligations", **_auth(secret)).json()["items"]
    assert paid["status"] == "paid" and paid["outstanding"] == 0
    assert client.post("/api/v1/payments", data=json.dumps({"obligations": [999999]}),
                       content_type="application/json", **_auth(secret)).status_code == 404
    assert client.post("/api/v1/payments", data=json.dumps({"obligations": [], "x": 1}),
                       content_type="application/json", **_auth(secret)).status_code == 422


def test_statements_through_the_api(client, gmina, finance):
    import_lines(gmina, obligation_line("PN/1"))
    payer = selectors.payer_by_identifier(gmina, PESEL_EWA)
    secret = _token(gmina, finance, [Permission.MANAGE_PAYMENTS])
    data = mt940(selectors.collection_account(gmina).nrb,
                 [(120000, "podatek", payer.account, "T1"), (500, "?", "", "T2")])
    answer = client.post("/api/v1/statements", data=data, content_type="text/plain",
                         **_auth(secret))
    assert answer.status_code == 201
    assert {k: answer.json()[k] for k in ("lines", "matched", "unmatched", "duplicates")} == \
        {"lines": 2, "matched": 1, "unmatched": 1, "duplicates": 0}
    again = client.post("/api/v1/statements", data=data, content_type="text/plain",
                        **_auth(secret))
    assert again.status_code == 201
    assert (again.json()["matched"], again.json()["duplicates"]) == (0, 2)
    assert Receipt.objects.count() == 1
    bad = client.post("/api/v1/statements", data=b"garbage", content_type="text/plain",
                      **_auth(secret))
    assert bad.status_code == 422 and bad.json()["code"] == "not_mt940"
