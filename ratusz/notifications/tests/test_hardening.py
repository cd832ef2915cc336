"""Issue 15, the notifications' part: one alert XML cannot carry never takes a feed down
(finding 3), every input of the alerts is bounded (finding 6), and an Idempotency-Key
belongs to the token that sent it and to one body (finding 8)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from ratusz.notifications import atom, cap, services, xmltext
from ratusz.notifications.forms import AlertForm, RejectForm, TemplateForm
from ratusz.notifications.models import Alert, AlertStatus, Channel, TemplatePurpose

pytestmark = pytest.mark.django_db

BODY = {"event": "Przerwa w dostawie wody", "headline": "Brak wody w Dąbrowie",
        "description": "Awaria sieci wodociągowej przy ul. Polnej.",
        "severity": "Moderate", "urgency": "Expected", "certainty": "Likely",
        "topic": "water"}


def post_alert(client, headers, django_capture_on_commit_callbacks, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/api/v1/alerts", data=json.dumps({**BODY, **fields}),
                           content_type="application/json", **headers)


def stored_alert(municipality, headline: str, **fields) -> Alert:
    """A published alert written straight into the database, past every check: data from
    before the edge refused control characters."""
    now = timezone.now()
    values = {"event": "Burza", "description": "Silny wiatr.", "severity": "Moderate",
              "urgency": "Expected", "certainty": "Likely", "topic": "weather",
              "status": AlertStatus.PUBLISHED, "published_at": now, "channels": ["email"],
              **fields}
    return Alert.objects.create(municipality=municipality, headline=headline, **values)


# --- finding 3: an alert XML cannot carry ---------------------------------------------------

def test_the_feed_leaves_out_only_the_alert_xml_cannot_carry(client, municipality_a, caplog):
    good = stored_alert(municipality_a, "Burza nad gminą")
    bad = stored_alert(municipality_a, "Grad\x06 nad gminą")
    with caplog.at_level(logging.WARNING, logger="ratusz.notifications"):
        answer = client.get("/g/alfa/alerts/atom.xml")
    assert answer.status_code == 200
    atom.validate(answer.content)
    assert answer.content.count(b"<entry>") == 1
    assert f"alert:{good.pk}<".encode() in answer.content
    assert f"alert:{bad.pk}<".encode() not in answer.content
    assert any(f"alert:{bad.pk}" in record.getMessage() for record in caplog.records)


def test_the_cap_of_such_an_alert_is_not_found_instead_of_a_crash(client, municipality_a):
    good = stored_alert(municipality_a, "Burza nad gminą")
    bad = stored_alert(municipality_a, "Burza", description="Wiatr\x1b[31m do 90 km/h")
    assert client.get(f"/g/alfa/alerts/{good.pk}.cap").status_code == 200
    answer = client.get(f"/g/alfa/alerts/{bad.pk}.cap")
    assert answer.status_code == 404
    assert b"\x1b" not in answer.content
    page = client.get(f"/g/alfa/alerts/{bad.pk}/")
    assert page.status_code == 200
    assert f"/g/alfa/alerts/{bad.pk}.cap".encode() not in page.content
    assert b"Wiatr[31m do 90 km/h" in page.content


def test_pages_never_print_characters_xml_cannot_carry(client, municipality_a):
    # (a NUL cannot be stored at all on PostgreSQL; U+0001 can)
    bad = stored_alert(municipality_a, "Grad\x06 nad \u202egminą", event="Burza\x01")
    for path in ("/g/alfa/powiadomienia/", "/g/alfa/alerts/", f"/g/alfa/alerts/{bad.pk}/"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert b"\x06" not in answer.content and b"\x01" not in answer.content, path
        assert "\u202e".encode() not in answer.content, path
    banner = client.get("/g/alfa/alerts/").content.decode()
    assert "alert-banner__item" in banner and "Grad nad gminą" in banner


def test_the_atom_writer_leaves_out_one_entry_and_keeps_the_feed():
    when = datetime(2026, 7, 10, 12, 0, tzinfo=UTC)
    entries = [atom.AtomEntry(id=f"tag:ratusz.example.pl,2026-07-10:alert/{n}", title=title,
                              updated=when, link=f"https://ratusz.example.pl/a/{n}/")
               for n, title in enumerate(("Burza", "Grad\ufffe", "Upał"), start=1)]
    feed = atom.AtomFeed(id="tag:ratusz.example.pl,2026-01-01:alerts",
                         title="Komunikaty\x07 gminy", updated=when,
                         link_self="https://ratusz.example.pl/atom.xml", link_alternate="",
                         author_name="Gmina Alfa", entries=entries)
    xml = atom.to_xml(feed)
    atom.validate(xml)
    assert xml.count(b"<entry>") == 2 and b"alert/2<" not in xml
    assert b"<title type=\"text\">Komunikaty gminy</title>" in xml


def test_the_cap_writer_names_the_text_it_cannot_write():
    alert = cap.CapAlert(identifier="PL-TERC-0609072-2026-1", sender="ratusz.alfa@example.pl",
                         sent=datetime(2026, 7, 10, 12, 0, tzinfo=UTC), info=[cap.CapInfo(
                             event="Burza", urgency="Expected", severity="Moderate",
                             certainty="Likely", headline="Grad\x06")])
    with pytest.raises(xmltext.UnsafeText) as refused:
        cap.to_xml(alert)
    assert refused.value.where == "info[0].headline"
    assert refused.value.character == "\x06"


def test_the_api_refuses_unknown_keys_naming_them(client, localities_a, clerk_token,
                                                 django_capture_on_commit_callbacks):
    answer = post_alert(client, clerk_token, django_capture_on_commit_callbacks,
                        colour="red")
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert any(error["loc"][-1] == "colour" for error in answer.json()["errors"])
    assert not Alert.objects.exists()


def test_the_reject_body_refuses_unknown_keys(client, localities_a, clerk_token,
                                              secretary_token,
                                              django_capture_on_commit_callbacks):
    created = post_alert(client, clerk_token, django_capture_on_commit_callbacks,
                         severity="Severe").json()
    answer = client.post(f"/api/v1/alerts/{created['id']}/reject",
                         data=json.dumps({"reason": "Za ogólne.", "status": "draft"}),
                         content_type="application/json", **secretary_token)
    assert answer.status_code == 422
    assert any(error["loc"][-1] == "status" for error in answer.json()["errors"])
    assert Alert.objects.get().status == AlertStatus.PENDING


def data(**changes) -> services.AlertData:
    values = {"event": "Burza", "headline": "Burza nad gminą", "description": "Wiatr.",
              "severity": "Moderate", "urgency": "Expected", "certainty": "Likely",
              **changes}
    return services.AlertData(**values)


@pytest.mark.parametrize("field", ["event", "headline", "description", "instruction"])
@pytest.mark.parametrize("character", ["\x06", "\u202e", "\ufffe"])
def test_the_alert_service_refuses_unsafe_text_itself(municipality_a, registry_clerk_a,
                                                      field, character):
    with pytest.raises(services.NotificationError) as refused:
        services.create_alert(municipality_a, data(**{field: f"Tekst{character}"}),
                              acting_user=registry_clerk_a)
    assert (field, refused.value.errors[0][1]) in refused.value.errors
    assert f"U+{ord(character):04X}" in refused.value.errors[0][1]
    assert not Alert.objects.exists()


def test_the_other_services_refuse_unsafe_text_too(municipality_a, registry_clerk_a,
                                                   secretary_a):
    alert, _created = services.create_alert(municipality_a, data(severity="Severe"),
                                            acting_user=registry_clerk_a)
    alert = services.submit_alert(alert, acting_user=registry_clerk_a)
    with pytest.raises(services.NotificationError) as refused:
        services.reject_alert(alert, acting_user=secretary_a, reason="Zły\x0b tekst")
    assert refused.value.field == "reason"
    with pytest.raises(services.NotificationError) as refused:
        services.reject_alert(alert, acting_user=secretary_a, reason="x" * 2001)
    assert refused.value.field == "reason"
    alert.refresh_from_db()
    assert alert.status == AlertStatus.PENDING
    for subject, body in (("Temat\x06", "Treść"), ("Temat", "Treść\u202e"),
                          ("T" * 201, "Treść"), ("Temat", "x" * 4001)):
        with pytest.raises(services.NotificationError):
            services.save_template(municipality_a, TemplatePurpose.ALERT, Channel.EMAIL,
                                   subject=subject, body=body, transliterate=False,
                                   acting_user=registry_clerk_a)


def test_the_forms_refuse_unsafe_text(municipality_a):
    form = AlertForm({"topic": "weather", "event": "Burza", "headline": "Grad\x06",
                      "description": "Wiatr\u202e", "severity": "Moderate",
                      "urgency": "Expected", "certainty": "Likely", "channels": ["email"]},
                     municipality=municipality_a)
    assert not form.is_valid()
    assert {"headline", "description"} <= set(form.errors)
    assert not RejectForm({"reason": "Zły\x1f tekst"}).is_valid()
    template = TemplateForm({"subject": "Temat\x06", "body": "Treść"},
                            purpose=TemplatePurpose.ALERT, channel=Channel.EMAIL)
    assert not template.is_valid() and "subject" in template.errors


# --- finding 6: every input bounded ---------------------------------------------------------

@pytest.mark.parametrize("field, value", [
    ("event", "x" * 121),
    ("headline", "x" * 161),
    ("description", "x" * 4001),
    ("instruction", "x" * 2001),
    ("severity", "x" * 1000),
    ("topic", "x" * 1000),
    ("msg_type", "x" * 1000),
    ("area", ["Dąbrowa"] * 501),
    ("area", ["x" * 121]),
    ("channels", ["email", "sms", "push", "email"]),
    ("references", 2 ** 63),
])
def test_the_alert_api_bounds_every_field(client, localities_a, clerk_token,
                                          django_capture_on_commit_callbacks, field, value):
    answer = post_alert(client, clerk_token, django_capture_on_commit_callbacks,
                        **{field: value})
    assert answer.status_code == 422, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert any(field in error["loc"] for error in answer.json()["errors"])
    assert not Alert.objects.exists()


def test_a_rejection_reason_is_bounded(client, localities_a, clerk_token, secretary_token,
                                       django_capture_on_commit_callbacks):
    created = post_alert(client, clerk_token, django_capture_on_commit_callbacks,
                         severity="Severe").json()
    answer = client.post(f"/api/v1/alerts/{created['id']}/reject",
                         data=json.dumps({"reason": "x" * 2001}),
                         content_type="application/json", **secretary_token)
    assert answer.status_code == 422
    assert any("reason" in error["loc"] for error in answer.json()["errors"])
    assert Alert.objects.get().status == AlertStatus.PENDING


@pytest.mark.parametrize("field, value", [
    ("onset", "0001-01-01T00:00:00+00:00"),
    ("onset", "2001-01-01T00:00:00+01:00"),
    ("expiry", "9999-12-31T00:00:00+00:00"),
    ("expires", "2999-01-01T00:00:00+01:00"),
])
def test_dates_out_of_a_plausible_range_are_refused(client, localities_a, clerk_token,
                                                    django_capture_on_commit_callbacks,
                                                    field, value):
    answer = post_alert(client, clerk_token, django_capture_on_commit_callbacks,
                        **{field: value})
    assert answer.status_code == 422, answer.content
    named = {"onset": "onset", "expiry": "expires", "expires": "expires"}[field]
    assert answer.json()["detail"].startswith(f"{named}:")
    assert any(error["loc"][-1] == named for error in answer.json()["errors"])
    assert not Alert.objects.exists()


def test_a_date_without_an_offset_is_polish_time(client, localities_a, clerk_token,
                                                 django_capture_on_commit_callbacks):
    tomorrow = (timezone.localtime() + timedelta(days=1)).replace(microsecond=0)
    answer = post_alert(client, clerk_token, django_capture_on_commit_callbacks,
                        expiry=tomorrow.replace(tzinfo=None).isoformat())
    assert answer.status_code == 201, answer.content
    assert Alert.objects.get().expires == tomorrow


def test_the_alert_form_refuses_implausible_dates(client, registry_clerk_a):
    client.force_login(registry_clerk_a)
    answer = client.post("/g/alfa/staff/powiadomienia/nowy/", {
        "topic": "weather", "event": "Burza", "headline": "Burza", "description": "Wiatr.",
        "severity": "Moderate", "urgency": "Expected", "certainty": "Likely",
        "onset": "0001-01-01T00:00", "channels": ["email"], "save": "1"})
    assert answer.status_code == 422
    assert "onset" in answer.context["form"].errors
    assert not Alert.objects.exists()


# --- finding 8: a key belongs to its token and to one body ------------------------------------

def test_a_key_belongs_to_the_token_that_sent_it(client, localities_a, clerk_token,
                                                 another_clerk_token, secretary_token,
                                                 django_capture_on_commit_callbacks):
    first = post_alert(client, {**clerk_token, "HTTP_IDEMPOTENCY_KEY": "alert-42"},
                       django_capture_on_commit_callbacks)
    second = post_alert(client, {**another_clerk_token, "HTTP_IDEMPOTENCY_KEY": "alert-42"},
                        django_capture_on_commit_callbacks, headline="Brak wody w Olszynach")
    third = post_alert(client, {**secretary_token, "HTTP_IDEMPOTENCY_KEY": "alert-42"},
                       django_capture_on_commit_callbacks, headline="Brak wody w Zalesiu")
    assert (first.status_code, second.status_code, third.status_code) == (201, 201, 201)
    assert len({first.json()["id"], second.json()["id"], third.json()["id"]}) == 3
    assert sorted(Alert.objects.values_list("headline", flat=True)) == [
        "Brak wody w Dąbrowie", "Brak wody w Olszynach", "Brak wody w Zalesiu"]
    assert "alert-42" not in Alert.objects.values_list("idempotency_key", flat=True)


def test_the_same_key_with_another_body_is_a_conflict(client, localities_a, clerk_token,
                                                      django_capture_on_commit_callbacks):
    headers = {**clerk_token, "HTTP_IDEMPOTENCY_KEY": "alert-43"}
    first = post_alert(client, headers, django_capture_on_commit_callbacks)
    again = post_alert(client, headers, django_capture_on_commit_callbacks)
    other = post_alert(client, headers, django_capture_on_commit_callbacks,
                       headline="Brak wody w Olszynach")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert other.status_code == 409
    assert other["Content-Type"] == "application/problem+json"
    assert "Idempotency-Key" in other.json()["detail"]
    assert Alert.objects.count() == 1


def test_an_overlong_key_is_refused(client, localities_a, clerk_token,
                                    django_capture_on_commit_callbacks):
    answer = post_alert(client, {**clerk_token, "HTTP_IDEMPOTENCY_KEY": "k" * 256},
                        django_capture_on_commit_callbacks)
    assert answer.status_code == 422 and "Idempotency-Key" in answer.json()["detail"]
    assert not Alert.objects.exists()


def test_an_alert_stored_before_keys_were_scoped_still_answers_its_retry(
        client, localities_a, clerk_token, secretary_token, registry_clerk_a,
        municipality_a, django_capture_on_commit_callbacks):
    legacy = stored_alert(municipality_a, "Brak wody w Dąbrowie", idempotency_key="alert-7",
                          created_by=registry_clerk_a)
    retry = post_alert(client, {**clerk_token, "HTTP_IDEMPOTENCY_KEY": "alert-7"},
                       django_capture_on_commit_callbacks)
    assert retry.status_code == 200 and retry.json()["id"] == legacy.pk
    other = post_alert(client, {**secretary_token, "HTTP_IDEMPOTENCY_KEY": "alert-7"},
                       django_capture_on_commit_callbacks)
    assert other.status_code == 201 and other.json()["id"] != legacy.pk


def test_the_staff_page_says_why_an_alert_has_no_cap_document(client, municipality_a,
                                                              registry_clerk_a):
    good = stored_alert(municipality_a, "Burza nad gminą", created_by=registry_clerk_a)
    bad = stored_alert(municipality_a, "Grad\x06 nad gminą", created_by=registry_clerk_a)
    client.force_login(registry_clerk_a)
    page = client.get(f"/g/alfa/staff/powiadomienia/{bad.pk}/")
    assert page.status_code == 200 and b"\x06" not in page.content
    assert f"/g/alfa/alerts/{bad.pk}.cap".encode() not in page.content
    assert page.context["has_cap"] is False
    page = client.get(f"/g/alfa/staff/powiadomienia/{good.pk}/")
    assert f"/g/alfa/alerts/{good.pk}.cap".encode() in page.content


def test_the_openapi_document_shows_the_bounds(client):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schema["AlertIn"]["additionalProperties"] is False
    assert schema["AlertIn"]["properties"]["headline"]["maxLength"] == 160
    assert schema["RejectIn"]["additionalProperties"] is False
