"""The unanswered-matters watch: reminders by stage (once), the art. 36 notice that moves
the deadline and reaches the case record, the weekly digest, and the ponaglenie."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ratusz.cases.models import CaseRecordEntry, IncomingEntry
from ratusz.notifications.models import Message
from ratusz.reports import services
from ratusz.reports.models import MatterClock, Ponaglenie, WatchReminder
from ratusz.reports.tests.conftest import past_case


@pytest.fixture
def late_case(municipality_a, office_a, department_a, officer_a,
              django_capture_on_commit_callbacks):
    """A public-information request received 20 days ago, still open (6 days late)."""
    received = timezone.localdate() - timedelta(days=20)
    case = past_case(office_a, officer_a, department_a, received_on=received)
    services.track_cases(municipality_a, [case.pk])
    return case


def recipients(stage):
    return sorted(WatchReminder.objects.filter(stage=stage)
                  .values_list("recipient__username", flat=True))


def test_the_handler_then_the_head_then_the_secretary_are_reminded_once(
        municipality_a, late_case, officer_a, head_a, secretary_a):
    clock = MatterClock.objects.get(case=late_case)
    before = clock.deadline - timedelta(days=2)
    services.run_watch(municipality_a, today=before)
    assert recipients("before") == ["alfa.referent"]
    services.run_watch(municipality_a, today=clock.deadline)
    assert recipients("due") == ["alfa.kierownik"]
    assert recipients("late") == []
    services.run_watch(municipality_a, today=clock.deadline + timedelta(days=1))
    services.run_watch(municipality_a, today=clock.deadline + timedelta(days=2))
    assert recipients("late") == ["alfa.sekretarz"]
    mails = Message.objects.filter(channel="email").order_by("pk")
    assert [m.recipient for m in mails] == ["referent@alfa.example",
                                            "kierownik@alfa.example",
                                            "sekretarz@alfa.example"]
    assert late_case.mark in mails[0].subject


def test_a_notice_of_delay_moves_the_deadline_and_reaches_the_case_record(
        municipality_a, late_case, officer_a, django_capture_on_commit_callbacks):
    new_date = timezone.localdate() + timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_adjustment(municipality_a, late_case, acting_user=officer_a,
                                   kind="delay_notice", new_deadline=new_date,
                                   reason="Oczekiwanie na opinię.")
    clock = MatterClock.objects.get(case=late_case)
    assert clock.deadline == new_date and clock.is_extended
    note = CaseRecordEntry.objects.filter(case=late_case).order_by("-position").first()
    assert "art. 36" in note.description and f"{new_date:%d.%m.%Y}" in note.description
    assert services.late_matter is not None


def test_a_notice_needs_a_reason_and_a_date_after_today(municipality_a, late_case,
                                                        officer_a):
    with pytest.raises(services.WatchError):
        services.record_adjustment(municipality_a, late_case, acting_user=officer_a,
                                   kind="delay_notice", reason="",
                                   new_deadline=timezone.localdate() + timedelta(days=3))
    with pytest.raises(services.WatchError):
        services.record_adjustment(municipality_a, late_case, acting_user=officer_a,
                                   kind="delay_notice", reason="Powód",
                                   new_deadline=timezone.localdate())
    assert MatterClock.objects.get(case=late_case).is_extended is False


def test_the_weekly_digest_goes_once_to_each_head(municipality_a, late_case, head_a):
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    assert services.send_digests(municipality_a, today=monday) == 1
    assert services.send_digests(municipality_a, today=monday) == 0
    body = Message.objects.get(key__startswith="reports:digest:").body
    assert late_case.mark in body and "po terminie" in body


def test_a_ponaglenie_is_registered_and_routed(municipality_a, letter_service, resident,
                                               head_a, secretary_a,
                                               django_capture_on_commit_callbacks):
    from ratusz.eservices import services as eservices
    from ratusz.eservices.tests.conftest import VALID_LETTER

    with django_capture_on_commit_callbacks(execute=True):
        submission, _ = eservices.submit(letter_service, data=VALID_LETTER, resident=resident)
    services.track_cases(municipality_a, [submission.case_id])
    with pytest.raises(services.WatchError) as refused:
        services.file_ponaglenie(municipality_a, submission, resident=resident, reasons="x")
    assert refused.value.code == "not_late"
    MatterClock.objects.filter(case_id=submission.case_id).update(
        deadline=timezone.localdate() - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        ponaglenie = services.file_ponaglenie(municipality_a, submission, resident=resident,
                                              reasons="Brak odpowiedzi.")
    entry = IncomingEntry.objects.get(pk=ponaglenie.incoming_id)
    assert entry.title.startswith("Ponaglenie (art. 37 KPA)")
    assert entry.channel == "eservice" and entry.status == "assigned"
    assert Ponaglenie.objects.get().routed_at is not None
    assert sorted(recipients("ponaglenie")) == ["alfa.kierownik", "alfa.sekretarz"]
    with pytest.raises(services.WatchError):
        services.file_ponaglenie(municipality_a, submission, resident=resident, reasons="x")


def test_the_resident_reads_in_the_late_matter_that_the_office_is_late(
        municipality_a, letter_service, resident, django_capture_on_commit_callbacks):
    from ratusz.eservices import services as eservices
    from ratusz.eservices.models import Message as MatterMessage
    from ratusz.eservices.tests.conftest import VALID_LETTER

    with django_capture_on_commit_callbacks(execute=True):
        submission, _ = eservices.submit(letter_service, data=VALID_LETTER, resident=resident)
    services.track_cases(municipality_a, [submission.case_id])
    today = timezone.localdate()
    MatterClock.objects.filter(case_id=submission.case_id).update(
        deadline=today, legal_deadline=today)
    services.run_watch(municipality_a)
    assert not MatterMessage.objects.filter(submission=submission).exists()
    yesterday = today - timedelta(days=1)
    MatterClock.objects.filter(case_id=submission.case_id).update(
        deadline=yesterday, legal_deadline=yesterday)
    with django_capture_on_commit_callbacks(execute=True):
        services.run_watch(municipality_a)
    services.run_watch(municipality_a)
    message = MatterMessage.objects.get(submission=submission)
    assert message.direction == "to_resident"
    assert f"{yesterday:%d.%m.%Y}" in message.text
    assert "karcie usługi" in message.text and "art. 37" in message.text
    assert f"/g/alfa/e-urzad/moje-sprawy/{submission.public_id}/ponaglenie/" in message.text
    assert recipients("resident") == [resident.username]
