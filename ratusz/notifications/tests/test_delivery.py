"""Delivery through real parts: SMTP (aiosmtpd on 127.0.0.1), the SMS gateway simulator
process (bulk, failover, delivery reports), the push service simulator; and the outbox's
promises: one row per (alert, subscriber, channel), nothing lost when the broker is down,
every message exactly once when a worker process is killed mid-run."""

from __future__ import annotations

import contextlib
import email
import os
import signal
import subprocess
import sys
import time
from datetime import time as dtime
from datetime import timedelta
from email.header import decode_header, make_header
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from ratusz.notifications import delivery, services
from ratusz.notifications.delivery import outbox
from ratusz.notifications.models import (
    Alert,
    Channel,
    Message,
    MessageStatus,
    PushEndpoint,
    Subscriber,
    Subscription,
)
from ratusz.notifications.tests.conftest import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def make_subscribers(municipality, n, *, channel=Channel.EMAIL, topic="water", localities=(),
                     prefix="osoba", quiet=False):
    now = timezone.now()
    subscribers = Subscriber.objects.bulk_create([
        Subscriber(municipality=municipality,
                   email=f"{prefix}{i}@example.pl" if channel == Channel.EMAIL else "",
                   email_confirmed_at=now if channel == Channel.EMAIL else None,
                   phone=f"48600{i:06d}" if channel == Channel.SMS else "",
                   phone_confirmed_at=now if channel == Channel.SMS else None,
                   quiet_from=dtime(0, 0) if quiet else None,
                   quiet_until=dtime(23, 59) if quiet else None)
        for i in range(n)])
    subscribers = list(Subscriber.objects.filter(municipality=municipality,
                                                 created_at__gte=now).order_by("pk"))
    Subscription.objects.bulk_create([
        Subscription(municipality=municipality, subscriber=s, topic=topic, channel=channel)
        for s in subscribers])
    for s in subscribers:
        if localities:
            s.localities.set(localities)
    return subscribers


def publish(municipality, user, *, severity="Moderate", channels=None, localities=None,
            headline="Brak wody: ul. Łąkowa", **extra):
    data = services.AlertData(
        event="Przerwa w dostawie wody", headline=headline,
        description="Awaria magistrali. Naprawa potrwa do wieczora.",
        severity=severity, urgency="Expected", certainty="Likely",
        instruction="Beczkowóz przy świetlicy.", topic="water",
        localities=localities or [], channels=channels, **extra)
    alert, _ = services.create_alert(municipality, data, acting_user=user)
    return services.submit_alert(alert, acting_user=user)


@contextlib.contextmanager
def broker_unreachable():
    """Celery sends for real (the suite runs tasks eagerly) to a broker that does not
    answer: nothing listens on its port. Leaving the block brings back the suite's own."""
    conf = celery_app.conf
    saved = (conf.broker_url, dict(conf.broker_transport_options or {}),
             conf.task_always_eager)
    conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    conf.broker_transport_options, conf.task_always_eager = {}, False
    celery_app.close()  # forget pooled connections made with the old options
    try:
        yield
    finally:
        conf.broker_url, conf.broker_transport_options, conf.task_always_eager = saved
        celery_app.close()


@pytest.mark.django_db
def test_fan_out_twice_makes_one_message_per_subscriber_and_channel(
        municipality_a, registry_clerk_a, monkeypatch):
    woken = []
    monkeypatch.setattr(outbox, "wake", lambda channel, ids: woken.append(len(ids)))
    make_subscribers(municipality_a, 25)
    alert = publish(municipality_a, registry_clerk_a, channels=["email"])
    delivery.fan_out(alert.pk)
    delivery.fan_out(alert.pk)  # a retried task
    assert Message.objects.filter(alert=alert).count() == 25
    assert Message.objects.filter(alert=alert).values("key").distinct().count() == 25


@pytest.mark.django_db
def test_email_over_smtp_with_one_click_headers_and_a_bounce(
        municipality_a, registry_clerk_a, smtp_sink, django_capture_on_commit_callbacks):
    subscribers = make_subscribers(municipality_a, 12)
    smtp_sink.refuse.add(subscribers[0].email)
    with django_capture_on_commit_callbacks(execute=True):
        alert = publish(municipality_a, registry_clerk_a, channels=["email"])
    assert len(smtp_sink.messages) == 11
    raw = smtp_sink.to(subscribers[1].email)[0]
    parsed = email.message_from_bytes(raw)
    assert str(make_header(decode_header(parsed["Subject"]))) == \
        "Alfa: Brak wody: ul. Łąkowa"
    body = parsed.get_payload(decode=True).decode("utf-8")
    assert "Beczkowóz przy świetlicy." in body
    assert subscribers[1].token in parsed["List-Unsubscribe"]
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    statuses = dict(Message.objects.filter(alert=alert).values_list("recipient", "status"))
    assert statuses[subscribers[0].email] == MessageStatus.BOUNCED
    assert statuses[subscribers[1].email] == MessageStatus.SENT
    assert Message.objects.get(alert=alert, recipient=subscribers[1].email).handed_at


@pytest.mark.django_db
def test_quiet_hours_hold_minor_news_but_not_a_severe_alert(
        municipality_a, registry_clerk_a, secretary_a, smtp_sink,
        django_capture_on_commit_callbacks):
    make_subscribers(municipality_a, 3, quiet=True)
    with django_capture_on_commit_callbacks(execute=True):
        moderate = publish(municipality_a, registry_clerk_a, channels=["email"])
    assert smtp_sink.messages == []
    held = Message.objects.filter(alert=moderate)
    assert all(m.status == MessageStatus.QUEUED and m.not_before for m in held)
    with django_capture_on_commit_callbacks(execute=True):
        severe = publish(municipality_a, registry_clerk_a, channels=["email"],
                         severity="Severe", headline="Powódź")
        services.approve_alert(severe, acting_user=secretary_a)
    assert len(smtp_sink.messages) == 3


@pytest.mark.django_db
def test_sms_in_bulk_with_delivery_reports_and_failover(
        municipality_a, registry_clerk_a, sms_gateways, client,
        django_capture_on_commit_callbacks):
    subscribers = make_subscribers(municipality_a, 40, channel=Channel.SMS)
    with django_capture_on_commit_callbacks(execute=True):
        alert = publish(municipality_a, registry_clerk_a, channels=["sms"])
    log = sms_gateways.log("smsapi")
    assert len(log) == 40
    assert {entry["to"] for entry in log} == {s.phone for s in subscribers}
    text = log[0]["text"]
    assert text.startswith("Alfa: Brak wody: ul. Lakowa.")  # transliterated: GSM-7
    assert log[0]["encoding"] == "GSM-7"
    sent = Message.objects.filter(alert=alert, status=MessageStatus.SENT)
    assert sent.count() == 40 and set(sent.values_list("provider", flat=True)) == {"smsapi"}
    assert all(m.parts == log[0]["parts"] for m in sent)

    # The gateway's delivery report, as it arrives, through our callback endpoint.
    message = sent.first()
    url = delivery.sms_callback_url("smsapi").replace(delivery.public_url(), "")
    report = client.get(url + "&" + urlencode({
        "MsgId": message.provider_id, "status": "404", "idx": f"r{message.pk}",
        "donedate": str(int(time.time()))}))
    assert report.status_code == 200 and report.content == b"OK"
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    wrong_key = client.get("/notifications/callbacks/sms/smsapi/?key=x&MsgId=1&status=403")
    assert wrong_key.status_code == 403

    # SMSAPI fails: the next alert goes through SerwerSMS.
    sms_gateways.fault("smsapi", "down")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            second = publish(municipality_a, registry_clerk_a, channels=["sms"],
                             headline="Woda wraca o 18")
    finally:
        sms_gateways.fault("smsapi", "ok")
    assert set(Message.objects.filter(alert=second).values_list("provider", flat=True)) == \
        {"serwersms"}
    assert len(sms_gateways.log("serwersms")) == 40


@pytest.mark.django_db
def test_both_gateways_down_keeps_the_messages_for_a_retry(
        municipality_a, registry_clerk_a, sms_gateways, django_capture_on_commit_callbacks):
    make_subscribers(municipality_a, 5, channel=Channel.SMS)
    sms_gateways.fault("smsapi", "down")
    sms_gateways.fault("serwersms", "down")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            alert = publish(municipality_a, registry_clerk_a, channels=["sms"])
    finally:
        sms_gateways.fault("smsapi", "ok")
        sms_gateways.fault("serwersms", "ok")
    waiting = Message.objects.filter(alert=alert)
    assert all(m.status == MessageStatus.QUEUED and m.attempts == 1 and m.not_before
               for m in waiting)
    waiting.update(not_before=timezone.now() - timedelta(seconds=1))
    delivery.deliver(Channel.SMS, list(waiting.values_list("pk", flat=True)))
    assert set(waiting.values_list("status", flat=True)) == {MessageStatus.SENT}


@pytest.mark.django_db
def test_web_push_reaches_the_browser_and_a_gone_subscription_is_removed(
        municipality_a, registry_clerk_a, settings, django_capture_on_commit_callbacks):
    from ratusz.testing.push import start_push_simulator

    settings.RATUSZ_PUSH_ALLOW_HTTP_ENDPOINTS = True
    simulator = start_push_simulator()
    try:
        subscribers = make_subscribers(municipality_a, 2, channel=Channel.PUSH,
                                       prefix="push")
        browsers = []
        for subscriber in subscribers:
            browser = simulator.subscribe()
            services.add_push_endpoint(subscriber, browser)
            browsers.append(browser)
        simulator.expire(browsers[1]["id"])
        with django_capture_on_commit_callbacks(execute=True):
            alert = publish(municipality_a, registry_clerk_a, channels=["push"])
        received = simulator.messages_for(browsers[0]["id"])
        assert len(received) == 1
        assert received[0]["payload"]["title"] == "Brak wody: ul. Łąkowa"
        assert f"/g/alfa/alerts/{alert.pk}/" in received[0]["payload"]["url"]
        assert not PushEndpoint.objects.filter(subscriber=subscribers[1]).exists()
        statuses = dict(Message.objects.filter(alert=alert).values_list("subscriber_id",
                                                                        "status"))
        assert statuses[subscribers[0].pk] == MessageStatus.SENT
        assert statuses[subscribers[1].pk] == MessageStatus.FAILED
    finally:
        simulator.stop()


@pytest.mark.django_db
def test_a_broker_outage_loses_nothing(municipality_a, registry_clerk_a, smtp_sink,
                                       django_capture_on_commit_callbacks):
    """The broker is down when the alert is published: the rows wait in the outbox and the
    sweep dispatches them once it is back."""
    make_subscribers(municipality_a, 6)
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        alert = publish(municipality_a, registry_clerk_a, channels=["email"])
    assert not Message.objects.filter(alert=alert).exists()
    # The sweep (every minute) finds published alerts without a fan-out.
    with django_capture_on_commit_callbacks(execute=True):
        result = delivery.sweep()
    assert result["fanned_out"] == 1
    assert len(smtp_sink.messages) == 6
    assert set(Message.objects.filter(alert=alert).values_list("status", flat=True)) == {
        MessageStatus.SENT}
    assert Alert.objects.get(pk=alert.pk).fanout_done_at is not None


def _database_env() -> dict:
    settings_dict = connection.settings_dict
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test")
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{settings_dict['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD']}@"
            f"{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}")
    return env


@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_run_delivers_every_message_exactly_once(
        municipality_a, registry_clerk_a, settings, smtp_sink):
    subscribers = make_subscribers(municipality_a, 300)
    with delivery.polling_delivery():  # as the workers below: no broker, no wake-ups
        alert = publish(municipality_a, registry_clerk_a, channels=["email"])
        delivery.fan_out(alert.pk)
    assert Message.objects.filter(alert=alert, status=MessageStatus.QUEUED).count() == 300
    command = [sys.executable, "manage.py", "notifications_deliver", "--channel", "email",
               "--batch", "40", "--smtp", f"127.0.0.1:{settings.EMAIL_PORT}"]
    worker = subprocess.Popen(command, cwd=ROOT, env=_database_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The worker dies while it announces the 131st recipient: in the middle of its fourth
    # batch, with 130 messages accepted of which the last ones are not yet marked sent.
    smtp_sink.kill_pid, smtp_sink.kill_at = worker.pid, 131
    try:
        worker.wait(timeout=90)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL, worker.stderr.read().decode()[-2000:]
    received_at_kill = len(smtp_sink.messages)
    assert received_at_kill == 130
    smtp_sink.kill_pid = 0
    stuck = Message.objects.filter(alert=alert, status=MessageStatus.SENDING).count()
    assert stuck == 40  # the dead worker's fourth batch, claimed whole
    # Accepted by the server but never marked sent: the sweep must not send them again.
    assert Message.objects.filter(alert=alert, status=MessageStatus.SENDING,
                                  handed_at__isnull=False).count() == 10
    again = subprocess.run(command + ["--sweep"], cwd=ROOT, env=_database_env(),
                           capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    for subscriber in subscribers:
        assert len(smtp_sink.to(subscriber.email)) == 1, subscriber.email
    assert set(Message.objects.filter(alert=alert).values_list("status", flat=True)) == {
        MessageStatus.SENT}
