"""Fees of other apps (the e-services' stamp duty): charged as an obligation of the
identified resident with their individual account, shown to the owner, paid through the
gateway (the owner is told), and closed when a clerk confirms it was paid elsewhere."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ratusz.accounts.tests.factories import ResidentFactory
from ratusz.core.models import AuditLog
from ratusz.payments import events, nrb, selectors, services
from ratusz.payments.models import Instalment, Obligation, ObligationImport
from ratusz.payments.tests.factories import import_lines, obligation_line

pytestmark = pytest.mark.django_db

FEE = "eservices.submission:41"


def _charge(gmina, user, external_id=FEE, amount=1700):
    with transaction.atomic():
        return services.charge_fee(gmina, user=user, external_id=external_id,
                                   title="Opłata skarbowa: zaświadczenie", amount=amount)


def test_a_fee_is_an_obligation_of_the_resident_with_their_individual_account(gmina,
                                                                              resident):
    obligation = _charge(gmina, resident)
    assert obligation is not None and obligation.kind.code == "stamp_duty"
    assert (obligation.dzial, obligation.rozdzial, obligation.paragraf) == ("756", "75618",
                                                                            "0410")
    instalment = obligation.instalments.get()
    assert (instalment.amount, instalment.due_date) == (1700, timezone.localdate())
    state = selectors.fee_state(gmina, FEE)
    assert state.to_pay == 1700 and not state.paid
    assert state.account == obligation.payer.account and nrb.is_valid(state.account)
    assert state.pay_url == "/g/alfa/e-urzad/naleznosci/zaplac/?zobowiazanie=" \
        "eservices.submission%3A41"
    assert _charge(gmina, resident).pk == obligation.pk  # again: the same one
    assert Obligation.objects.count() == Instalment.objects.count() == 1


def test_no_fee_is_charged_where_it_cannot_be_collected(municipality_a, gmina, resident):
    unidentified = ResidentFactory(email="bez.pesel@example.org")
    assert _charge(gmina, unidentified) is None
    assert _charge(gmina, resident, amount=0) is None
    with transaction.atomic():
        assert services.charge_fee(gmina, user=resident, external_id="x:1", title="t",
                                   amount=100, kind="no_such_kind") is None
    assert not Obligation.objects.exists()


def test_a_refused_fee_leaves_the_callers_transaction_whole(gmina, resident):
    with transaction.atomic():
        marker = ObligationImport.objects.create(municipality=gmina, channel="api",
                                                 lines=0)
        # An external id over 120 characters is refused by the import's checks.
        assert services.charge_fee(gmina, user=resident, external_id="x" * 200,
                                   title="Opłata", amount=1700) is None
    assert ObligationImport.objects.filter(pk=marker.pk).exists()
    assert not Obligation.objects.exists()


def test_a_gmina_without_a_collection_account_charges_nothing(municipality_a, resident):
    assert _charge(municipality_a, resident) is None
    assert selectors.fee_state(municipality_a, FEE) is None


def test_a_fee_paid_through_the_gateway_tells_its_owner(
        client, gmina_with_gateway, resident, gateway_simulator,
        django_capture_on_commit_callbacks):
    _charge(gmina_with_gateway, resident)
    ids = [i.pk for i in Instalment.objects.all()]
    payment = services.start_payment(gmina_with_gateway, user=resident, instalment_ids=ids)
    assert payment.amount == 1700
    gateway_simulator.payer(payment.session_id, "pay", notify=False)
    body = gateway_simulator.notification(payment.session_id)
    paid = []
    events.obligation_paid.connect(lambda **kw: paid.append(kw), weak=False,
                                   dispatch_uid="test-fee-paid")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/payments/bramka/{payment.gateway.notify_key}/status/",
                                   data=json.dumps(body), content_type="application/json")
    finally:
        events.obligation_paid.disconnect(dispatch_uid="test-fee-paid")
    assert response.status_code == 200
    assert [(p["external_id"], p["kind"]) for p in paid] == [(FEE, "stamp_duty")]
    state = selectors.fee_state(gmina_with_gateway, FEE)
    assert state.paid and state.to_pay == 0


def test_the_payment_page_shows_the_fee_the_owner_links_to(client, gmina, resident):
    from ratusz.testing.logingov import sign_in_identified

    _charge(gmina, resident)
    sign_in_identified(client, resident)
    page = client.get(selectors.fee_state(gmina, FEE).pay_url)
    assert page.status_code == 200
    assert [view.kind for view in page.context["chosen"]] == ["stamp_duty"]
    assert page.context["total"] == 1700


def test_a_fee_paid_elsewhere_is_closed_and_audited(gmina, resident, make_staff):
    from ratusz.accounts.permissions import Role

    clerk = make_staff(gmina, Role.CASE_OFFICER, username="alfa.referent")
    _charge(gmina, resident)
    with transaction.atomic():
        assert services.close_fee_paid_elsewhere(gmina, external_id=FEE, acting_user=clerk,
                                                 note="zapłacono w kasie")
    assert selectors.fee_state(gmina, FEE) is None
    assert not Obligation.objects.exists()
    assert AuditLog.objects.filter(actor=clerk, object_type__endswith="obligation").exists()
    with transaction.atomic():
        assert not services.close_fee_paid_elsewhere(gmina, external_id=FEE,
                                                     acting_user=clerk)


def test_a_fee_partly_paid_here_keeps_what_was_paid_when_closed(gmina, resident):
    today = timezone.localdate()
    import_lines(gmina, obligation_line("OS/1", kind="stamp_duty", title="Opłata skarbowa",
                                        instalments=[(today - timedelta(days=1), 1700)]))
    services.book_receipt(gmina, payer_id=Obligation.objects.get().payer_id, amount=700,
                          value_date=today, source="manual")
    with transaction.atomic():
        assert services.close_fee_paid_elsewhere(gmina, external_id="OS/1", acting_user=None)
    instalment = Instalment.objects.get()
    assert (instalment.amount, instalment.paid_principal) == (700, 700)
    assert instalment.settled_at is not None
    assert selectors.fee_state(gmina, "OS/1").paid
