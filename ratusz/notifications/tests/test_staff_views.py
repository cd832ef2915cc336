"""The staff notification pages through the test client: composing, the second person's
approval, the delivery report, templates and the audited list of subscribers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from ratusz.accounts.permissions import Role
from ratusz.core.models import PersonalDataAccess
from ratusz.core.tests.factories import LocalityFactory
from ratusz.notifications import services
from ratusz.notifications.delivery import rendering
from ratusz.notifications.models import (
    Alert,
    AlertStatus,
    Message,
    MessageKind,
    MessageStatus,
    PushEndpoint,
    Subscriber,
    Subscription,
    Template,
    Topic,
)

pytestmark = pytest.mark.django_db
BASE = "/g/alfa/staff/powiadomienia/"


@pytest.fixture(autouse=True)
def _fresh_content_cache():
    # delivery caches rendered alerts per (alert pk, channel, gmina) for the process; the
    # test database hands the same numbers out again, test after test.
    rendering._content_cache.clear()
    yield
    rendering._content_cache.clear()


@pytest.fixture
def localities(municipality_a):
    return (LocalityFactory(municipality=municipality_a, name="Snopków"),
            LocalityFactory(municipality=municipality_a, name="Wola"))


@pytest.fixture
def registry_clerk(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.REGISTRY_CLERK, department=department_a,
                      username="alfa.kancelaria", first_name="Kamil", last_name="Kos")


@pytest.fixture
def head(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.HEAD, department=department_a,
                      username="alfa.kierownik", first_name="Halina", last_name="Wrona")


@pytest.fixture
def secretary(make_staff, municipality_a):
    return make_staff(municipality_a, Role.SECRETARY, username="alfa.sekretarz",
                      first_name="Sabina", last_name="Lis")


def make_subscriber(municipality, email, *, topics=("water",), channels=("email",),
                    localities=(), phone=""):
    now = timezone.now()
    subscriber = Subscriber.objects.create(
        municipality=municipality, email=email, email_confirmed_at=now if email else None,
        phone=phone, phone_confirmed_at=now if phone else None)
    subscriber.localities.set(localities)
    for topic in topics:
        for channel in channels:
            Subscription.objects.create(municipality=municipality, subscriber=subscriber,
                                        topic=topic, channel=channel)
    return subscriber


def alert_post(**changes):
    data = {"topic": "water", "event": "Przerwa w dostawie wody",
            "headline": "Brak wody w Snopkowie we wtorek",
            "description": "Z powodu awarii sieci wodociągowej nie będzie wody.",
            "instruction": "Zróbcie zapas wody.", "severity": "Moderate",
            "urgency": "Expected", "certainty": "Likely", "onset": "", "expires": "",
            "channels": ["email", "sms", "push"], "save": "1"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_moderate_alert_is_composed_sent_and_delivered_to_the_right_subscribers(
        client, registry_clerk, localities, municipality_a,
        django_capture_on_commit_callbacks):
    snopkow, wola = localities
    everywhere = make_subscriber(municipality_a, "ewa@example.pl")
    in_snopkow = make_subscriber(municipality_a, "jan@example.pl", localities=[snopkow])
    make_subscriber(municipality_a, "ola@example.pl", localities=[wola])
    make_subscriber(municipality_a, "roads@example.pl", topics=("roads",))
    Subscriber.objects.create(municipality=municipality_a, email="nie@example.pl")
    client.force_login(registry_clerk)
    assert client.get(BASE).status_code == 200
    assert client.get(f"{BASE}nowy/").status_code == 200

    preview = client.post(f"{BASE}nowy/", alert_post(localities=[snopkow.pk], save=None,
                                                     preview="1"))
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Alfa: Brak wody w Snopkowie we wtorek" in text  # the e-mail subject
    assert "Zrobcie zapas wody" in text  # SMS, transliterated
    assert "GSM-7" in text
    assert not Alert.objects.exists()

    key = "a1" * 16
    response = client.post(f"{BASE}nowy/", alert_post(localities=[snopkow.pk], klucz=key))
    alert = Alert.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}{alert.pk}/"
    assert alert.status == AlertStatus.DRAFT and alert.created_by == registry_clerk
    assert list(alert.localities.all()) == [snopkow]
    # The same form posted twice (a double click) does not make a second draft.
    again = client.post(f"{BASE}nowy/", alert_post(localities=[snopkow.pk], klucz=key))
    assert again["Location"] == f"{BASE}{alert.pk}/" and Alert.objects.count() == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"{BASE}{alert.pk}/wyslij/")
    assert sent.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.PUBLISHED and alert.published_at
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["ewa@example.pl", "jan@example.pl"]
    assert mail.outbox[0].subject == "Alfa: Brak wody w Snopkowie we wtorek"
    assert {m.subscriber for m in Message.objects.filter(alert=alert)} == {everywhere,
                                                                          in_snopkow}
    page = client.get(f"{BASE}{alert.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/g/alfa/alerts/{alert.pk}.cap" in text and "/g/alfa/alerts/atom.xml" in text
    assert f"{BASE}{alert.pk}/aktualizacja/" in text


def test_a_severe_alert_waits_for_a_second_person(client, registry_clerk, head, secretary,
                                                 municipality_a,
                                                 django_capture_on_commit_callbacks):
    make_subscriber(municipality_a, "ewa@example.pl", topics=("weather",))
    client.force_login(head)
    client.post(f"{BASE}nowy/", alert_post(topic="weather", event="Burza z gradem",
                                          headline="Silne burze z gradem", severity="Severe"))
    alert = Alert.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{BASE}{alert.pk}/wyslij/")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.PENDING and not mail.outbox
    assert "Silne burze z gradem" in client.get(BASE).content.decode()

    # The author holds APPROVE_ALERTS, but may not approve their own alert.
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(f"{BASE}{alert.pk}/zatwierdz/")
    assert refused.status_code == 409
    with translation.override("pl"):
        expected = gettext("A severe alert needs a second person: its author cannot "
                              "approve it.")
    assert escape(expected) in refused.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.PENDING and not mail.outbox

    # A registry clerk may compose but not approve.
    client.force_login(registry_clerk)
    assert client.post(f"{BASE}{alert.pk}/zatwierdz/").status_code == 403

    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(f"{BASE}{alert.pk}/zatwierdz/")
    assert approved.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.PUBLISHED and alert.decided_by == secretary
    assert [message.to for message in mail.outbox] == [["ewa@example.pl"]]


def test_a_pending_alert_is_rejected_with_a_reason(client, registry_clerk, secretary,
                                                  municipality_a):
    client.force_login(registry_clerk)
    client.post(f"{BASE}nowy/", alert_post(severity="Extreme"))
    alert = Alert.objects.get()
    client.post(f"{BASE}{alert.pk}/wyslij/")
    client.force_login(secretary)
    assert client.post(f"{BASE}{alert.pk}/odrzuc/", {"reason": " "}).status_code == 422
    assert client.post(f"{BASE}{alert.pk}/odrzuc/",
                       {"reason": "Za mało konkretów."}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.REJECTED and alert.rejection_reason == \
        "Za mało konkretów."
    assert "Za mało konkretów." in client.get(BASE).content.decode()


def test_without_the_permission_the_pages_say_so(client, make_staff, municipality_a,
                                                 department_a, municipality_b):
    officer = make_staff(municipality_a, Role.CASE_OFFICER, department=department_a,
                         username="alfa.referent")
    client.force_login(officer)
    # Staff of the gmina are told the pages are not theirs (403); another gmina: 404.
    for path in ("", "nowy/", "szablony/", "subskrybenci/"):
        assert client.get(BASE + path).status_code == 403, path
    assert client.post(f"{BASE}nowy/", alert_post()).status_code == 403
    assert not Alert.objects.exists()
    other = make_staff(municipality_b, Role.SECRETARY, username="beta.sekretarz")
    client.force_login(other)
    assert client.get(BASE).status_code == 404
    client.logout()
    assert client.get(BASE).status_code == 302


def test_validation_errors_keep_the_input_and_send_nothing(client, registry_clerk,
                                                          municipality_a):
    make_subscriber(municipality_a, "ewa@example.pl")
    client.force_login(registry_clerk)
    mail.outbox.clear()
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"{BASE}nowy/", alert_post(headline="", expires=past,
                                                      channels=[]))
    assert response.status_code == 422
    text = response.content.decode()
    assert "error-summary" in text and 'href="#id_headline"' in text
    assert 'href="#id_channels"' in text
    assert "Przerwa w dostawie wody" in text and "Zróbcie zapas wody." in text
    assert not Alert.objects.exists() and not mail.outbox
    # The service's own rules (the end already past) show next to their field too.
    response = client.post(f"{BASE}nowy/", alert_post(expires=past))
    assert response.status_code == 422 and 'id="id_expires_error"' in response.content.decode()
    assert not Alert.objects.exists() and not Message.objects.exists()


def test_a_published_alert_is_updated_and_cancelled(client, registry_clerk, municipality_a,
                                                    django_capture_on_commit_callbacks):
    client.force_login(registry_clerk)
    client.post(f"{BASE}nowy/", alert_post())
    original = Alert.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{BASE}{original.pk}/wyslij/")
    form = client.get(f"{BASE}{original.pk}/odwolanie/")
    assert form.status_code == 200 and "Brak wody w Snopkowie we wtorek" in \
        form.content.decode()
    response = client.post(f"{BASE}{original.pk}/odwolanie/", alert_post(
        topic=None, severity=None, urgency=None, certainty=None,
        headline="Woda znów płynie", description="Awaria usunięta."))
    cancel = Alert.objects.exclude(pk=original.pk).get()
    assert response.status_code == 302 and cancel.msg_type == "Cancel"
    assert cancel.references == original and cancel.status == AlertStatus.DRAFT
    assert cancel.urgency == "Past" and cancel.severity == original.severity
    # The cancellation's draft is edited without the levels it takes from the original.
    edited = client.post(f"{BASE}{cancel.pk}/edycja/", alert_post(
        topic=None, severity=None, urgency=None, certainty=None,
        headline="Woda już płynie", description="Awaria usunięta."))
    assert edited.status_code == 302
    cancel.refresh_from_db()
    assert cancel.headline == "Woda już płynie" and cancel.urgency == "Past"
    update = client.post(f"{BASE}{original.pk}/aktualizacja/", alert_post(
        headline="Brak wody także w środę"))
    assert update.status_code == 302
    assert Alert.objects.filter(msg_type="Update", references=original).exists()


def test_the_delivery_report_shows_the_counts(client, secretary, municipality_a):
    alert, _created = services.create_alert(
        municipality_a, services.AlertData(
            event="Przerwa w dostawie prądu", headline="Brak prądu w Woli",
            description="Prace na linii.", severity="Minor", urgency="Expected",
            certainty="Likely", topic="power"), acting_user=secretary)
    published_at = timezone.now() - timedelta(minutes=5)
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.PUBLISHED,
                                             published_at=published_at)
    subscriber = make_subscriber(municipality_a, "jan.kowalski@example.pl",
                                 phone="48500100200")

    def message(channel, status, n, **fields):
        Message.objects.create(
            municipality=municipality_a, key=f"alert:{alert.pk}:{n}:{channel}",
            kind=MessageKind.ALERT, alert=alert, subscriber=subscriber, channel=channel,
            recipient={"email": "jan.kowalski@example.pl", "sms": "48500100200"}.get(
                channel, "push"), status=status, **fields)

    for n in range(3):
        message("email", MessageStatus.SENT, n,
                sent_at=published_at + timedelta(minutes=1))
    message("email", MessageStatus.BOUNCED, 3, error="550 mailbox unavailable")
    message("sms", MessageStatus.DELIVERED, 4, parts=2, cost=Decimal("0.16"),
            sent_at=published_at + timedelta(minutes=2, seconds=5))
    message("sms", MessageStatus.FAILED, 5, parts=1, cost=Decimal("0.08"),
            error="smsapi: 13 number not found")
    message("push", MessageStatus.QUEUED, 6)
    client.force_login(secretary)
    page = client.get(f"{BASE}{alert.pk}/")
    assert page.status_code == 200
    report = page.context["report"]
    rows = {row["channel"]: row for row in report["rows"]}
    statuses = [status.value for status in report["statuses"]]
    assert rows["email"]["cells"][statuses.index("sent")] == 3
    assert rows["email"]["cells"][statuses.index("bounced")] == 1
    assert rows["sms"]["cells"][statuses.index("delivered")] == 1
    assert rows["push"]["cells"][statuses.index("queued")] == 1
    assert report["total"] == 7 and report["sms_parts"] == 3
    assert report["sms_cost"] == Decimal("0.24") and report["failure_count"] == 2
    text = page.content.decode()
    assert "j***@example.pl" in text and "••• ••• 200" in text
    assert "jan.kowalski@example.pl" not in text and "48500100200" not in text
    assert "550 mailbox unavailable" in text and "smsapi: 13 number not found" in text
    assert report["took"] and report["last_sent"] == published_at + timedelta(minutes=2,
                                                                              seconds=5)
    dashboard = client.get(BASE).content.decode()
    assert "Brak prądu w Woli" in dashboard


def test_template_edit_refuses_unknown_placeholders_and_restores_the_default(client, head):
    client.force_login(head)
    listing = client.get(f"{BASE}szablony/")
    assert listing.status_code == 200 and f"{BASE}szablony/alert/sms/" in \
        listing.content.decode()
    path = f"{BASE}szablony/alert/sms/"
    page = client.get(path)
    text = page.content.decode()
    assert page.status_code == 200 and 'data-sms-counter="sms-counter"' in text
    assert "sms-counter.js" in text and "GSM-7" in text
    refused = client.post(path, {"body": "((gmina)): ((nazwa)) ((headline))",
                                 "transliterate": "on"})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "((nazwa))" in text and "((preferences))" in text
    assert not Template.objects.exists()
    assert client.post(path, {"body": " "}).status_code == 422
    saved = client.post(path, {"body": "((gmina)): ŻÓŁW ((headline))"})
    assert saved.status_code == 302
    template = Template.objects.get()
    assert template.body == "((gmina)): ŻÓŁW ((headline))" and not template.transliterate
    text = client.get(path).content.decode()
    assert "UCS-2" in text and "Ż, Ó, Ł" in text
    email = client.post(f"{BASE}szablony/alert/email/",
                        {"subject": "((gmina)) – ((headline))", "body": "((description))"})
    assert email.status_code == 302 and Template.objects.count() == 2
    assert client.post(path, {"action": "reset"}).status_code == 302
    assert list(Template.objects.values_list("channel", flat=True)) == ["email"]
    assert client.get(f"{BASE}szablony/alert/fax/").status_code == 404


def test_the_subscribers_page_is_for_the_secretary_and_is_recorded(
        client, registry_clerk, secretary, localities, municipality_a):
    make_subscriber(municipality_a, "jan.kowalski@example.pl", phone="48500100200",
                    localities=[localities[0]])
    make_subscriber(municipality_a, "ewa@example.pl", topics=("roads",))
    client.force_login(registry_clerk)
    assert client.get(f"{BASE}subskrybenci/").status_code == 403
    assert not PersonalDataAccess.objects.exists()
    dashboard = client.get(BASE).content.decode()
    assert f"{BASE}subskrybenci/" not in dashboard

    client.force_login(secretary)
    page = client.get(f"{BASE}subskrybenci/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "j***@example.pl" in text and "jan.kowalski@example.pl" not in text
    access = PersonalDataAccess.objects.get()
    assert access.staff == secretary and access.context == "notification subscribers"
    filtered = client.get(f"{BASE}subskrybenci/", {"temat": "roads", "pelne": "on"})
    text = filtered.content.decode()
    assert "ewa@example.pl" in text and "j***@example.pl" not in text
    assert PersonalDataAccess.objects.count() == 2
    assert "email" in PersonalDataAccess.objects.order_by("-pk").first().fields


def test_the_dashboard_counts_confirmed_subscribers_only(client, registry_clerk, localities,
                                                         municipality_a):
    snopkow, wola = localities
    make_subscriber(municipality_a, "ewa@example.pl", channels=("email", "sms"))
    make_subscriber(municipality_a, "jan@example.pl", localities=[snopkow, wola])
    unconfirmed = Subscriber.objects.create(municipality=municipality_a,
                                            email="nie@example.pl")
    Subscription.objects.create(municipality=municipality_a, subscriber=unconfirmed,
                                topic="water", channel="email")
    pushed = make_subscriber(municipality_a, "", channels=("push",), localities=[wola])
    for n in range(2):
        PushEndpoint.objects.create(municipality=municipality_a, subscriber=pushed,
                                    endpoint=f"https://push.example/{n}", p256dh="k",
                                    auth="a")
    make_subscriber(municipality_a, "", channels=("push",))  # no browser subscribed
    client.force_login(registry_clerk)
    counts = client.get(BASE).context["counts"]
    water = next(row for row in counts["by_topic"] if row["label"] == Topic.WATER.label)
    assert water["cells"] == [2, 0, 1]  # e-mail, SMS (ewa's phone unconfirmed), push
    assert counts["total"] == 3 and counts["whole"] == 1
    assert {row["name"]: row["count"] for row in counts["localities"]} == {
        "Snopków": 1, "Wola": 2}
