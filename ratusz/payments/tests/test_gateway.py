"""Online payment against the Przelewy24 simulator (a separate process speaking the same
protocol): registration, the signed notification and its verification, refusals, the
sweep of pending payments. Notifications are posted here by the test client with the body
the simulator signs."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from ratusz.accounts.tests.factories import ResidentFactory
from ratusz.payments import events, selectors, services
from ratusz.payments.models import (
    GatewayEvent,
    Instalment,
    Payment,
    PaymentStatus,
    Receipt,
)
from ratusz.payments.tests.factories import import_lines, obligation_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def owed(gmina_with_gateway):
    today = timezone.localdate()
    import_lines(gmina_with_gateway, obligation_line(
        "PN/1", instalments=[(today - timedelta(days=60), 150000),
                             (today + timedelta(days=30), 150000)]))
    return list(Instalment.objects.order_by("number"))


def _start(gmina, resident, instalments) -> Payment:
    return services.start_payment(gmina, user=resident,
                                  instalment_ids=[i.pk for i in instalments])


def _notify(client, payment, body) -> int:
    url = f"/payments/bramka/{payment.gateway.notify_key}/status/"
    return client.post(url, data=json.dumps(body), content_type="application/json").status_code


def test_a_payment_is_registered_and_its_verified_notification_books_it_once(
        client, gmina_with_gateway, resident, owed, gateway_simulator,
        django_capture_on_commit_callbacks):
    payment = _start(gmina_with_gateway, resident, owed[:1])
    assert payment.status == PaymentStatus.PENDING
    assert payment.redirect_url == f"{gateway_simulator.url}/trnRequest/{payment.token}"
    assert payment.amount > 150000  # the arrear with its interest to date
    gateway_simulator.payer(payment.session_id, "pay")
    body = gateway_simulator.notification(payment.session_id)
    paid = []
    events.obligation_paid.connect(lambda **kw: paid.append(kw), weak=False,
                                   dispatch_uid="test-paid")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert _notify(client, payment, body) == 200
        assert _notify(client, payment, body) == 200  # repeated: nothing twice
    finally:
        events.obligation_paid.disconnect(dispatch_uid="test-paid")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.order_id == body["orderId"]
    assert Receipt.objects.count() == 1 and payment.receipt.amount == payment.amount
    first = Instalment.objects.get(pk=owed[0].pk)
    assert first.settled_at is not None and first.interest_paid > 0
    assert Instalment.objects.get(pk=owed[1].pk).settled_at is None
    assert paid == []  # the obligation still has its second instalment
    outcomes = list(GatewayEvent.objects.order_by("pk").values_list("kind", "outcome"))
    assert ("notification", "accepted") in outcomes and ("notification", "repeated") in outcomes


def test_paying_the_last_instalment_tells_the_owner_of_the_obligation(
        client, gmina_with_gateway, resident, owed, gateway_simulator,
        django_capture_on_commit_callbacks):
    payment = _start(gmina_with_gateway, resident, owed)
    gateway_simulator.payer(payment.session_id, "pay")
    paid = []
    events.obligation_paid.connect(lambda **kw: paid.append(kw), weak=False,
                                   dispatch_uid="test-paid")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert _notify(client, payment, gateway_simulator.notification(
                payment.session_id)) == 200
    finally:
        events.obligation_paid.disconnect(dispatch_uid="test-paid")
    assert [(p["external_id"], p["kind"]) for p in paid] == [("PN/1", "property_tax")]


@pytest.mark.parametrize("options,reason", [({"forge": True}, "bad signature"),
                                            ({"amount": 1}, "wrong amount")])
def test_a_forged_or_wrong_notification_is_refused_and_kept_for_the_clerk(
        client, gmina_with_gateway, resident, owed, gateway_simulator, options, reason):
    payment = _start(gmina_with_gateway, resident, owed[:1])
    gateway_simulator.payer(payment.session_id, "pay")
    body = gateway_simulator.notification(payment.session_id, **options)
    if "amount" in options:  # the gateway's sign is right, the amount is not ours
        assert body["amount"] == 1
    assert _notify(client, payment, body) == 400
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and not Receipt.objects.exists()
    event = GatewayEvent.objects.get(outcome="refused")
    assert reason in event.reason and event.body


def test_a_notification_the_gateway_will_not_verify_books_nothing(
        client, gmina_with_gateway, resident, owed, gateway_simulator):
    payment = _start(gmina_with_gateway, resident, owed[:1])
    body = gateway_simulator.notification(payment.session_id)  # never paid there
    assert _notify(client, payment, body) == 400
    assert not Receipt.objects.exists()
    assert GatewayEvent.objects.filter(kind="verify", outcome="refused").exists()


def test_garbage_and_unknown_addresses_are_refused(client, gmina_with_gateway):
    assert client.post("/payments/bramka/nieznany/status/", data="{}",
                       content_type="application/json").status_code == 404
    key = selectors.gateway_account(gmina_with_gateway).notify_key
    for body in ("not json", "[]", json.dumps({"sessionId": 1})):
        response = client.post(f"/payments/bramka/{key}/status/", data=body,
                               content_type="application/json")
        assert response.status_code == 400
    assert client.get(f"/payments/bramka/{key}/status/").status_code == 405
    assert GatewayEvent.objects.filter(outcome="refused").count() == 3


def test_a_payment_refused_by_the_bank_fails(client, gmina_with_gateway, resident, owed,
                                             gateway_simulator):
    payment = _start(gmina_with_gateway, resident, owed[:1])
    gateway_simulator.payer(payment.session_id, "refuse")
    body = gateway_simulator.refusal(payment.session_id)
    url = f"/payments/bramka/{payment.gateway.notify_key}/odmowa/"
    assert client.post(url, data=json.dumps(body),
                       content_type="application/json").status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and "err161" in payment.failure_reason
    forged = {**body, "sign": "0" * 96}
    assert client.post(url, data=json.dumps(forged),
                       content_type="application/json").status_code == 400


def test_the_sweep_books_a_payment_whose_notification_never_came(
        gmina_with_gateway, resident, owed, gateway_simulator):
    paid = _start(gmina_with_gateway, resident, owed[:1])
    gateway_simulator.payer(paid.session_id, "pay")
    abandoned = _start(gmina_with_gateway, resident, owed[1:])
    gateway_simulator.payer(abandoned.session_id, "abandon")
    Payment.objects.update(created_at=timezone.now() - timedelta(hours=1))
    counts = services.sweep_gmina(gmina_with_gateway)
    assert counts == {"checked": 2, "paid": 1, "closed": 1}
    paid.refresh_from_db()
    abandoned.refresh_from_db()
    assert paid.status == PaymentStatus.PAID and Receipt.objects.count() == 1
    assert abandoned.status == PaymentStatus.CANCELLED


def test_the_gateway_down_fails_the_payment_and_charges_nothing(
        gmina_with_gateway, resident, owed, gateway_simulator):
    gateway_simulator.fault("down", 1)
    with pytest.raises(services.PaymentsError) as refused:
        _start(gmina_with_gateway, resident, owed[:1])
    assert refused.value.code == "gateway_unavailable"
    assert Payment.objects.get().status == PaymentStatus.FAILED


def test_a_resident_pays_only_their_own_unpaid_items(gmina_with_gateway, resident, owed):
    stranger = ResidentFactory(username="obcy")
    with pytest.raises(services.PaymentsError) as refused:
        services.create_payment(gmina_with_gateway, user=stranger,
                                instalment_ids=[owed[0].pk])
    assert refused.value.code == "not_found"
    Instalment.objects.filter(pk=owed[0].pk).update(
        paid_principal=150000, settled_at=timezone.now())
    with pytest.raises(services.PaymentsError) as refused:
        services.create_payment(gmina_with_gateway, user=resident, instalment_ids=[owed[0].pk])
    assert refused.value.code == "already_paid"
    assert not Payment.objects.exists()
