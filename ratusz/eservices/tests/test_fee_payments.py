"""A level-4 service with a fee, paid through the taxpayer account (issue 16, item 6):
filing makes a stamp-duty obligation of the identified resident in payments; its payment
(the gateway's notification or a bank statement) settles the submission's fee and the case
leaves the wait for the party; a fee confirmed by hand closes the obligation."""

import pytest
from django.utils import timezone

from ratusz.accounts import services as account_services
from ratusz.eservices import services
from ratusz.eservices.models import FeeStatus
from ratusz.eservices.tests.conftest import VALID_TAX
from ratusz.payments import selectors as payment_selectors
from ratusz.payments import services as payments
from ratusz.payments.models import Obligation
from ratusz.payments.tests import factories as payment_factories
from ratusz.testing.logingov import sign_in_identified

pytestmark = pytest.mark.django_db


@pytest.fixture
def fee_gmina(municipality_a, tax_service, resident):
    payment_factories.set_up(municipality_a)
    account_services.link_resident(municipality_a, resident)
    return municipality_a


def _file(tax_service, resident):
    submission, _ = services.submit(tax_service, data=VALID_TAX, resident=resident)
    return submission


def test_filing_a_service_with_a_fee_makes_the_residents_stamp_duty(fee_gmina, tax_service,
                                                                   resident):
    submission = _file(tax_service, resident)
    obligation = Obligation.objects.get()
    assert obligation.external_id == submission.fee_obligation_id
    assert obligation.kind.code == "stamp_duty"
    assert obligation.instalments.get().amount == 1700
    fee = payment_selectors.fee_state(fee_gmina, obligation.external_id)
    assert fee.to_pay == 1700 and len(fee.account) == 26


def test_paying_the_fee_settles_it_and_the_case_goes_on(fee_gmina, tax_service, resident,
                                                      django_capture_on_commit_callbacks):
    submission = _file(tax_service, resident)
    payer = Obligation.objects.get().payer_id
    with django_capture_on_commit_callbacks(execute=True):
        payments.book_receipt(fee_gmina, payer_id=payer, amount=1700,
                              value_date=timezone.localdate(), source="manual")
    submission.refresh_from_db()
    submission.case.refresh_from_db()
    assert submission.fee_status == FeeStatus.CONFIRMED
    assert submission.fee_confirmed_at is not None
    assert submission.case.status == "in_progress"


def test_a_fee_confirmed_by_hand_closes_the_obligation(fee_gmina, tax_service, resident,
                                                       clerk_a):
    submission = _file(tax_service, resident)
    services.confirm_fee(submission, acting_user=clerk_a)
    assert not Obligation.objects.exists()
    assert payment_selectors.fee_state(fee_gmina,
                                       submission.fee_obligation_id) is None


def test_withdrawing_the_request_cancels_its_unpaid_fee(fee_gmina, tax_service, resident):
    from ratusz.core.models import AuditLog

    submission = _file(tax_service, resident)
    services.withdraw_submission(submission, acting_user=resident, reason="pomyłka")
    assert not Obligation.objects.exists()
    assert payment_selectors.fee_state(fee_gmina, submission.fee_obligation_id) is None
    assert AuditLog.objects.filter(object_type="payments.obligation",
                                   after__cancelled=True).count() == 1


def test_withdrawing_keeps_what_was_paid_of_the_fee(fee_gmina, tax_service, resident):
    submission = _file(tax_service, resident)
    obligation = Obligation.objects.get()
    payments.book_receipt(fee_gmina, payer_id=obligation.payer_id, amount=700,
                          value_date=timezone.localdate(), source="manual")
    services.withdraw_submission(submission, acting_user=resident)
    instalment = obligation.instalments.get()
    assert (instalment.amount, instalment.paid_principal) == (700, 700)
    assert instalment.settled_at is not None


def test_without_payments_set_up_the_fee_waits_for_the_clerk(municipality_a, tax_service,
                                                             resident):
    submission = _file(tax_service, resident)
    assert submission.fee_status == FeeStatus.AWAITING
    assert not Obligation.objects.exists()


def test_the_matter_page_links_to_the_payment(client, fee_gmina, tax_service, resident):
    submission = _file(tax_service, resident)
    sign_in_identified(client, resident)
    page = client.get(f"/g/alfa/e-urzad/moje-sprawy/{submission.public_id}/")
    assert page.status_code == 200
    fee = page.context["fee"]
    assert fee is not None and fee.pay_url.encode() in page.content.replace(b"&amp;", b"&")


def test_a_fee_whose_news_was_lost_is_settled_by_the_sweep(
        fee_gmina, tax_service, resident, monkeypatch, django_capture_on_commit_callbacks):
    from ratusz.eservices import tasks

    submission = _file(tax_service, resident)
    payer = Obligation.objects.get().payer_id

    def lost(*args, **kwargs):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(services, "record_fee_paid", lost)
    with django_capture_on_commit_callbacks(execute=True):
        payments.book_receipt(fee_gmina, payer_id=payer, amount=1700,
                              value_date=timezone.localdate(), source="manual")
    submission.refresh_from_db()
    assert submission.fee_status == FeeStatus.AWAITING  # the payment stands, the news lost
    monkeypatch.undo()
    assert tasks.sweep_paid_fees() == 1
    submission.refresh_from_db()
    assert submission.fee_status == FeeStatus.CONFIRMED
    assert tasks.sweep_paid_fees() == 0


def test_the_sweep_of_paid_fees_is_on_celery_beats_schedule():
    from config.celery import app

    assert "eservices.sweep_paid_fees" in {
        entry["task"] for entry in app.conf.beat_schedule.values()}
