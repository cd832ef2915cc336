"""The issue's "done when", through the HTTP layer: a resident subscribes by e-mail to water
outages in their village, confirms, receives an alert a clerk publishes through the API
(and not one for another village), unsubscribes in one click; a severe alert waits for a
second approver; the CAP and Atom outputs validate."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.test import Client

from ratusz.notifications import atom, cap
from ratusz.notifications.models import (
    Alert,
    AlertStatus,
    ConsentRecord,
    Message,
    Subscriber,
    Subscription,
)

pytestmark = pytest.mark.django_db


def _subscribe(client, django_capture_on_commit_callbacks, *, email, localities, **extra):
    data = {"t_water_email": "1", "email": email, "consent": "on",
            "localities": [str(loc.pk) for loc in localities], **extra}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/g/alfa/powiadomienia/", data)


def _confirm(client, email):
    message = [m for m in mail.outbox if email in m.to][-1]
    assert message.subject.startswith("Potwierdź zapis na powiadomienia")
    link = re.search(r"https?://[^/\s]+(/g/alfa/powiadomienia/potwierdz/[^/]+/)",
                     message.body).group(1)
    page = client.get(link)
    assert page.status_code == 200 and "Potwierdź".encode() in page.content
    return client.post(link)


def _alert(client, token, django_capture_on_commit_callbacks, **fields):
    body = {"event": "Przerwa w dostawie wody", "headline": "Brak wody w Dąbrowie",
            "description": "Awaria sieci wodociągowej przy ul. Polnej.",
            "severity": "Moderate", "urgency": "Expected", "certainty": "Likely",
            "instruction": "Beczkowóz stoi przy świetlicy.", "topic": "water",
            "area": ["Dąbrowa"], **fields}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/api/v1/alerts", data=json.dumps(body),
                           content_type="application/json", **token)


def test_subscribe_confirm_receive_and_unsubscribe_in_one_click(
        client, localities_a, clerk_token, django_capture_on_commit_callbacks):
    dabrowa, olszyny = localities_a["Dąbrowa"], localities_a["Olszyny"]
    page = client.get("/g/alfa/powiadomienia/")
    assert page.status_code == 200
    assert "Przerwy w dostawie wody".lower().encode() in page.content.lower() or \
        b"water" in page.content
    answer = _subscribe(client, django_capture_on_commit_callbacks,
                        email="ewa@example.pl", localities=[dabrowa])
    assert answer.status_code == 302 and answer["Location"].endswith("/sprawdz-poczte/")
    subscriber = Subscriber.objects.get(email="ewa@example.pl")
    assert subscriber.email_confirmed_at is None
    assert list(subscriber.localities.all()) == [dabrowa]
    assert ConsentRecord.objects.filter(subscriber=subscriber, action="given").count() == 1

    # Before confirming nothing but the confirmation goes to the address.
    _alert(client, clerk_token, django_capture_on_commit_callbacks)
    assert [m.subject for m in mail.outbox if "ewa@example.pl" in m.to] == [
        "Potwierdź zapis na powiadomienia: Alfa"]

    confirmed = _confirm(client, "ewa@example.pl")
    assert confirmed.status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.email_confirmed_at is not None
    record = ConsentRecord.objects.filter(subscriber=subscriber, action="confirmed").get()
    assert "art. 7 ust. 3 RODO" in record.wording and record.wording_version

    # A neighbour subscribed for another village.
    other = Client()
    _subscribe(other, django_capture_on_commit_callbacks, email="jan@example.pl",
               localities=[olszyny])
    _confirm(other, "jan@example.pl")
    mail.outbox.clear()

    answer = _alert(client, clerk_token, django_capture_on_commit_callbacks)
    assert answer.status_code == 201, answer.content
    created = answer.json()
    assert created["status"] == "published" and created["id"]
    to_ewa = [m for m in mail.outbox if "ewa@example.pl" in m.to]
    assert len(to_ewa) == 1
    assert to_ewa[0].subject == "Alfa: Brak wody w Dąbrowie"
    assert "Beczkowóz stoi przy świetlicy." in to_ewa[0].body
    assert not [m for m in mail.outbox if "jan@example.pl" in m.to]
    unsubscribe = to_ewa[0].extra_headers["List-Unsubscribe"].strip("<>")
    assert to_ewa[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert subscriber.token in to_ewa[0].body  # the preferences link

    # An alert for Olszyny reaches Jan only.
    mail.outbox.clear()
    _alert(client, clerk_token, django_capture_on_commit_callbacks, area=["Olszyny"],
           headline="Brak wody w Olszynach")
    assert [m.to for m in mail.outbox] == [["jan@example.pl"]]

    # One click (RFC 8058): the mail provider POSTs without cookies or a CSRF token.
    provider = Client(enforce_csrf_checks=True)
    path = re.sub(r"^https?://[^/]+", "", unsubscribe)
    answer = provider.post(path, "List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200 and answer.content == b"OK"
    assert not Subscriber.objects.filter(email="ewa@example.pl").exists()
    assert ConsentRecord.objects.filter(subscriber_ref=subscriber.public_id,
                                        action="withdrawn").count() == 1
    mail.outbox.clear()
    _alert(client, clerk_token, django_capture_on_commit_callbacks,
           headline="Woda znów jest")
    assert not [m for m in mail.outbox if "ewa@example.pl" in m.to]


def test_a_link_scanner_opening_the_unsubscribe_link_unsubscribes_nobody(
        client, localities_a, django_capture_on_commit_callbacks):
    _subscribe(client, django_capture_on_commit_callbacks, email="ewa@example.pl",
               localities=[])
    subscriber = Subscriber.objects.get()
    page = client.get(f"/g/alfa/powiadomienia/wypisz/{subscriber.token}/?kanal=email")
    assert page.status_code == 200 and b"Wypisz" in page.content
    assert Subscription.objects.filter(subscriber=subscriber).exists()


def test_bad_input_is_explained_and_leaves_nothing(client, localities_a):
    before = (Subscriber.objects.count(), ConsentRecord.objects.count())
    answer = client.post("/g/alfa/powiadomienia/", {
        "t_water_sms": "1", "email": "", "phone": "12345", "consent": "on"})
    assert answer.status_code == 422
    assert b"9 cyfr" in answer.content or b"numer" in answer.content
    answer = client.post("/g/alfa/powiadomienia/", {"t_water_email": "1",
                                                    "email": "ewa@example.pl"})
    assert answer.status_code == 422
    assert b"Bez zgody" in answer.content
    answer = client.post("/g/alfa/powiadomienia/", {"email": "ewa@example.pl",
                                                    "consent": "on"})
    assert answer.status_code == 422
    assert (Subscriber.objects.count(), ConsentRecord.objects.count()) == before


def test_a_severe_alert_waits_for_a_second_person(
        client, localities_a, clerk_token, secretary_token, registry_clerk_a,
        django_capture_on_commit_callbacks):
    answer = _alert(client, clerk_token, django_capture_on_commit_callbacks,
                    severity="Severe", headline="Powódź: ewakuacja Dąbrowy")
    assert answer.status_code == 201
    alert = answer.json()
    assert alert["status"] == "pending" and alert["needs_approval"] is True
    assert client.get(f"/g/alfa/alerts/{alert['id']}.cap").status_code == 404
    assert not Message.objects.filter(alert_id=alert["id"]).exists()
    answer = client.post(f"/api/v1/alerts/{alert['id']}/approve", **clerk_token)
    assert answer.status_code == 403  # the clerk's token may not approve at all
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/alerts/{alert['id']}/approve", **secretary_token)
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "published"
    stored = Alert.objects.get(pk=alert["id"])
    assert stored.decided_by.username == "alfa.sekretarz"


def test_the_author_cannot_approve_their_own_severe_alert(
        client, localities_a, secretary_token, django_capture_on_commit_callbacks):
    answer = _alert(client, secretary_token, django_capture_on_commit_callbacks,
                    severity="Extreme")
    alert_id = answer.json()["id"]
    answer = client.post(f"/api/v1/alerts/{alert_id}/approve", **secretary_token)
    assert answer.status_code == 409
    assert b"drugiej osoby" in answer.content or b"second person" in answer.content
    assert Alert.objects.get(pk=alert_id).status == AlertStatus.PENDING


def test_cap_and_atom_validate_and_an_update_references_the_original(
        client, localities_a, clerk_token, django_capture_on_commit_callbacks):
    first = _alert(client, clerk_token, django_capture_on_commit_callbacks).json()
    update = _alert(client, clerk_token, django_capture_on_commit_callbacks,
                    msg_type="Update", references=first["id"],
                    headline="Brak wody w Dąbrowie do 18:00").json()
    answer = client.get(f"/g/alfa/alerts/{first['id']}.cap")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/cap+xml"
    cap.validate(answer.content)
    parsed = cap.from_xml(answer.content)
    assert parsed.info[0].headline == "Brak wody w Dąbrowie"
    assert ("TERYT_SIMC", "0123451") in parsed.info[0].areas[0].geocodes
    answer = client.get(f"/g/alfa/alerts/{update['id']}.cap")
    cap.validate(answer.content)
    parsed_update = cap.from_xml(answer.content)
    assert parsed_update.msg_type == "Update"
    assert parsed_update.references[0].identifier == parsed.identifier
    feed = client.get("/g/alfa/alerts/atom.xml")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    atom.validate(feed.content)
    assert feed.content.count(b"<entry>") == 2
    assert f"/g/alfa/alerts/{first['id']}.cap".encode() in feed.content
    # The banner on the gmina's pages shows the current (updated) alert only.
    page = client.get("/g/alfa/alerts/")
    assert "Brak wody w Dąbrowie do 18:00".encode() in page.content
    assert page.content.count(b"alert-banner__item ") == 1


def test_the_api_refuses_bad_alerts_precisely(client, localities_a, clerk_token,
                                              django_capture_on_commit_callbacks):
    answer = _alert(client, clerk_token, django_capture_on_commit_callbacks,
                    severity="Huge")
    assert answer.status_code == 422 and b"severity" in answer.content
    answer = _alert(client, clerk_token, django_capture_on_commit_callbacks,
                    area=["Atlantyda"])
    assert answer.status_code == 422 and b"Atlantyda" in answer.content
    assert not Alert.objects.exists()
    anonymous = client.post("/api/v1/alerts", data="{}", content_type="application/json")
    assert anonymous.status_code == 401


def test_a_retried_request_creates_one_alert(client, localities_a, clerk_token,
                                             django_capture_on_commit_callbacks):
    headers = {**clerk_token, "HTTP_IDEMPOTENCY_KEY": "alert-42"}
    first = _alert(client, headers, django_capture_on_commit_callbacks)
    again = _alert(client, headers, django_capture_on_commit_callbacks)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Alert.objects.count() == 1
