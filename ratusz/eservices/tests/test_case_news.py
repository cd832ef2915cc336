"""News of a resident's case goes through the notification outbox, by the channels the
resident chose for "news of my cases" — here SMS through the gateway simulator — and
falls back to e-mail to the address of the submission. The status reads as residents
know it, in Polish, whatever language is active."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone, translation

from ratusz.cases.models import CaseStatus
from ratusz.eservices import case_news
from ratusz.eservices.tests.conftest import VALID_LETTER
from ratusz.notifications.models import Message, MessageKind, Subscriber, Subscription
from ratusz.notifications.tests.conftest import sms_gateways, sms_simulator  # noqa: F401


def test_the_status_words_are_the_polish_ones_whatever_the_language():
    expected = {CaseStatus.NEW: "nowa", CaseStatus.IN_PROGRESS: "w toku",
                CaseStatus.AWAITING_PARTY: "oczekuje na stronę",
                CaseStatus.AWAITING_APPROVAL: "oczekuje na akceptację",
                CaseStatus.SETTLED: "załatwiona", CaseStatus.CLOSED: "zakończona"}
    with translation.override("en"):
        assert {status: case_news.status_label(status) for status in CaseStatus} == expected


@pytest.mark.django_db
def test_a_status_change_reaches_the_resident_by_the_chosen_sms(
        letter_service, resident, clerk_a, sms_gateways, django_capture_on_commit_callbacks):  # noqa: F811
    from ratusz.cases import services as ezd
    from ratusz.eservices import services

    submission, _ = services.submit(letter_service, data=VALID_LETTER, resident=resident)
    subscriber = Subscriber.objects.create(
        municipality=letter_service.municipality, user=resident, phone="48600123456",
        phone_confirmed_at=timezone.now())
    Subscription.objects.create(municipality=letter_service.municipality,
                                subscriber=subscriber, topic="cases", channel="sms")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ezd.change_status(submission.case, acting_user=clerk_a, status="in_progress")
    sent = sms_gateways.log("smsapi")
    assert len(sent) == 1 and sent[0]["to"] == "48600123456"
    assert submission.case.mark in sent[0]["text"]
    assert sent[0]["encoding"] == "GSM-7"
    assert not mail.outbox  # the resident chose SMS only
    message = Message.objects.get(kind=MessageKind.CASE_NEWS, channel="sms")
    assert message.status == "sent" and message.subscriber == subscriber


@pytest.mark.django_db
def test_without_a_choice_case_news_is_emailed_once(letter_service, resident, clerk_a,
                                                     django_capture_on_commit_callbacks):
    from ratusz.eservices import services

    submission, _ = services.submit(letter_service, data=VALID_LETTER, resident=resident)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case_news.notify(submission.pk, "letter", "letter:7")
        case_news.notify(submission.pk, "letter", "letter:7")  # the same letter again
    assert [m.subject for m in mail.outbox] == [
        f"Nowe pismo w sprawie: {submission.case.mark}"]
