"""E-mail notices to staff (issue 23, item 12): off until the person asks; an immediate
notice when a letter waits for their approval, and a morning summary of everything that
waits (a Celery beat task), once a day, with absolute links that answer."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail

from ratusz.cases import services
from ratusz.cases.models import StaffNotices

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def letter(unit_a, officer_a, department_a, jrwa_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="Udostępnienie uchwały")
    return services.draft_letter(case, acting_user=officer_a, subject="Odpowiedź",
                                 body="Treść", addressee_name="Jan Kowalski",
                                 addressee_address="", addressee_city="24-220 Alfa")


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def assert_links_answer(client, message):
    base = settings.RATUSZ_PUBLIC_URL.rstrip("/")
    assert links(message)
    for link in links(message):
        assert link.startswith(base + "/g/alfa/"), link
        assert client.get(link.removeprefix(base)).status_code == 200, link


def test_the_preference_is_chosen_on_its_page(client, head_a, municipality_a):
    client.force_login(head_a)
    assert client.get("/g/alfa/staff/ezd/notices/").status_code == 200

    response = client.post("/g/alfa/staff/ezd/notices/", {"approval_requests": "on"})

    assert response.status_code == 302
    notices = StaffNotices.objects.get(user=head_a)
    assert (notices.approval_requests, notices.daily_summary) == (True, False)


def test_the_approver_who_asked_is_told_at_once(client, letter, officer_a, head_a,
                                                municipality_a,
                                                django_capture_on_commit_callbacks):
    head_a.email = "marta@alfa.example"
    head_a.save(update_fields=["email"])
    services.set_staff_notices(head_a, municipality_a, daily_summary=False,
                               approval_requests=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.request_approval(letter, acting_user=officer_a, approvers=[head_a])

    assert [message.to for message in mail.outbox] == [["marta@alfa.example"]]
    message = mail.outbox[0]
    assert letter.case.mark in message.subject
    client.force_login(head_a)
    assert_links_answer(client, message)


def test_no_notice_unless_asked(letter, officer_a, head_a,
                                django_capture_on_commit_callbacks):
    head_a.email = "marta@alfa.example"
    head_a.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approval(letter, acting_user=officer_a, approvers=[head_a])
    assert mail.outbox == []


def test_the_morning_summary_lists_the_waiting_work_once_a_day(client, letter, officer_a,
                                                               head_a, municipality_a):
    head_a.email = "marta@alfa.example"
    head_a.save(update_fields=["email"])
    services.set_staff_notices(head_a, municipality_a, daily_summary=True,
                               approval_requests=False)
    services.request_approval(letter, acting_user=officer_a, approvers=[head_a])
    mail.outbox.clear()

    assert services.send_daily_summaries() == 1
    assert services.send_daily_summaries() == 0  # the same day: nothing again

    message = mail.outbox[0]
    assert "Odpowiedź" in message.body
    client.force_login(head_a)
    assert_links_answer(client, message)


def test_no_summary_when_nothing_waits(head_a, municipality_a):
    head_a.email = "marta@alfa.example"
    head_a.save(update_fields=["email"])
    services.set_staff_notices(head_a, municipality_a, daily_summary=True,
                               approval_requests=False)
    assert services.send_daily_summaries() == 0 and mail.outbox == []


def test_the_summary_is_a_beat_task_run_every_morning():
    from config.celery import app
    from ratusz.core.effects import registered_task

    entry = app.conf.beat_schedule["cases-daily-work-summary"]
    assert entry["task"] == "cases.daily_work_summary"
    assert registered_task("cases.daily_work_summary").name == "cases.daily_work_summary"
    assert registered_task("cases.notify_approval_request")
    assert "notifications-sweep" in app.conf.beat_schedule  # the settings' entries stay
