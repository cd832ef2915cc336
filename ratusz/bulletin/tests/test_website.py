"""The units' websites: the services' rules, the public pages (with the iCalendar), and
the staff editor scoped to the editor's units."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ratusz.accounts.permissions import Role
from ratusz.bulletin import website
from ratusz.bulletin.models import Event, NewsItem, WebPage
from ratusz.bulletin.services import BulletinError
from ratusz.core.models import AuditLog, Unit, UnitKind
from ratusz.core.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_head(make_staff, municipality_a, bip_school_a):
    """The school's head: edits the school's BIP and website, and no other unit's."""
    department = DepartmentFactory(municipality=municipality_a, unit=bip_school_a,
                                   symbol="SP", name="Sekretariat szkoły")
    return make_staff(municipality_a, Role.HEAD, department=department,
                      username="alfa.dyrektor")


@pytest.fixture
def school_site(bip_school_a, school_head):
    """The school with a page, a news item and an upcoming event (and the school's BIP)."""
    from ratusz.bulletin import services

    services.ensure_site(bip_school_a)
    user = school_head
    page = website.create_page(bip_school_a, website.PageData(
        title="O nas", body="<p>Szkoła w Dąbrowie.</p>"), acting_user=user)
    news = website.create_news(bip_school_a, website.NewsData(
        title="Rekrutacja do klasy pierwszej", lead="Zapisy trwają.",
        body="<p>Wnioski w sekretariacie.</p>",
        published_at=timezone.now() - timedelta(hours=1)), acting_user=user)
    starts = timezone.now() + timedelta(days=5)
    event = website.create_event(bip_school_a, website.EventData(
        title="Dzień otwarty; zapraszamy, rodziców", starts_at=starts,
        ends_at=starts + timedelta(hours=3), place="Dąbrowa, ul. Szkolna 5",
        description="<p>Zwiedzanie szkoły.</p>"), acting_user=user)
    return {"unit": bip_school_a, "page": page, "news": news, "event": event, "user": user}


def _url(name, unit, *args, slug="alfa"):
    return reverse(f"website:{name}", args=[slug, unit.slug, *args])


# --- services ---------------------------------------------------------------------------

def test_the_html_is_sanitised_and_audited(bip_school_a, bip_school_editor_a):
    before = AuditLog.objects.count()
    page = website.create_page(bip_school_a, website.PageData(
        title="Dokumenty", body='<p onclick="x()">Tekst</p><script>alert(1)</script>'),
        acting_user=bip_school_editor_a)
    assert page.slug == "dokumenty"
    assert "<script" not in page.body and "onclick" not in page.body
    assert "Tekst" in page.body
    assert AuditLog.objects.count() == before + 1


def test_an_image_without_alt_is_refused_and_nothing_stored(bip_school_a,
                                                            bip_school_editor_a):
    for call, data in (
            (website.create_page, website.PageData(title="X", body='<img src="a.png">')),
            (website.create_news, website.NewsData(title="X", body='<img src="a.png" alt="">')),
            (website.create_event, website.EventData(
                title="X", starts_at=timezone.now(), description='<img src="a.png">'))):
        with pytest.raises(BulletinError):
            call(bip_school_a, data, acting_user=bip_school_editor_a)
    assert not WebPage.objects.exists() and not NewsItem.objects.exists()
    assert not Event.objects.exists()


def test_an_event_ending_before_it_starts_is_refused(bip_school_a, bip_school_editor_a):
    starts = timezone.now() + timedelta(days=1)
    with pytest.raises(BulletinError) as error:
        website.create_event(bip_school_a, website.EventData(
            title="Koncert", starts_at=starts, ends_at=starts - timedelta(hours=1)),
            acting_user=bip_school_editor_a)
    assert error.value.field == "ends_at"
    assert not Event.objects.exists()


def test_an_update_that_fails_changes_nothing(school_site):
    page = school_site["page"]
    with pytest.raises(BulletinError):
        website.update_page(page, website.PageData(title="", body="<p>Nowa</p>"),
                            acting_user=school_site["user"])
    page.refresh_from_db()
    assert page.title == "O nas"


def test_reserved_and_duplicate_slugs_are_refused(school_site):
    unit, user = school_site["unit"], school_site["user"]
    for slug in ("kontakt", "o-nas"):
        with pytest.raises(BulletinError):
            website.create_page(unit, website.PageData(title="Inna", slug=slug),
                                acting_user=user)


# --- public pages -----------------------------------------------------------------------

def test_the_home_page_shows_news_events_contact_and_the_bip(client, school_site):
    unit = school_site["unit"]
    response = client.get(_url("home", unit))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Rekrutacja do klasy pierwszej" in html
    assert "Dzień otwarty" in html
    assert "sp@dabrowa.example.pl" in html and "Szkolna 5" in html
    assert reverse("bip:unit-home", args=["alfa", unit.slug]) in html
    assert _url("page", unit, "o-nas") in html


@pytest.mark.parametrize("name,key", [("news", None), ("news-item", "news"),
                                      ("events", None), ("event", "event"),
                                      ("page", "page"), ("contact", None)])
def test_every_public_page_answers(client, school_site, name, key):
    unit = school_site["unit"]
    args = []
    if key == "page":
        args = [school_site["page"].slug]
    elif key:
        args = [school_site[key].pk]
    response = client.get(_url(name, unit, *args))
    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1
    assert 'style="' not in response.content.decode()


def test_the_office_website_links_the_main_bip(client, bip_site_a, bip_office_a):
    response = client.get(_url("home", bip_office_a))
    assert response.status_code == 200
    assert f'href="{reverse("bip:home", args=["alfa"])}"' in response.content.decode()


def test_the_calendar_is_icalendar(client, school_site):
    response = client.get(_url("events-ics", school_site["unit"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "").split("\r\n")
    event = school_site["event"]
    assert any(line.startswith("UID:event-") and str(event.pk) in line for line in unfolded)
    start = event.starts_at.astimezone(UTC)
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in unfolded
    assert "SUMMARY:Dzień otwarty\\; zapraszamy\\, rodziców" in unfolded
    assert any(line.startswith("DTSTAMP:") for line in unfolded)
    assert any(line.startswith("DTEND:") for line in unfolded)


def test_drafts_unknown_units_and_other_gminas_items_are_404(client, school_site,
                                                             municipality_b):
    unit = school_site["unit"]
    assert client.get(reverse("website:home", args=["alfa", "nie-ma"])).status_code == 404
    draft = website.create_news(unit, website.NewsData(title="Szkic", is_published=False),
                                acting_user=school_site["user"])
    assert client.get(_url("news-item", unit, draft.pk)).status_code == 404
    assert "Szkic" not in client.get(_url("news", unit)).content.decode()
    other = Unit.objects.create(municipality=municipality_b, name="Biblioteka Beta",
                                slug="biblioteka", kind=UnitKind.LIBRARY)
    foreign = website.create_news(other, website.NewsData(title="Beta"), acting_user=None)
    foreign_event = website.create_event(other, website.EventData(
        title="Beta", starts_at=timezone.now() + timedelta(days=1)), acting_user=None)
    assert client.get(_url("news-item", unit, foreign.pk)).status_code == 404
    assert client.get(_url("event", unit, foreign_event.pk)).status_code == 404
    # Beta's unit under Alfa's address is unknown too.
    assert client.get(reverse("website:home", args=["alfa", "biblioteka"])).status_code == 404
    assert client.get(reverse("website:home", args=[municipality_b.slug, "biblioteka"])
                      ).status_code == 200


# --- the staff editor -------------------------------------------------------------------

def test_an_editor_of_the_unit_creates_and_edits(client, school_site):
    unit, user = school_site["unit"], school_site["user"]
    client.force_login(user)
    dashboard = client.get(reverse("bip-staff:website", args=["alfa", unit.pk]))
    assert dashboard.status_code == 200
    new = reverse("bip-staff:website-news-new", args=["alfa", unit.pk])
    form = client.get(new)
    assert b"data-wysiwyg" in form.content and b"bulletin/editor.js" in form.content
    refused = client.post(new, {"title": "Z obrazkiem", "body": '<img src="https://x/a.png">',
                                "is_published": "on"})
    assert refused.status_code == 400
    assert not NewsItem.objects.filter(title="Z obrazkiem").exists()
    response = client.post(new, {"title": "Wycieczka klas szóstych", "lead": "Do Krakowa.",
                                 "body": "<p>Wyjazd o 7:00.</p><script>x</script>",
                                 "is_published": "on"})
    assert response.status_code == 302
    item = NewsItem.objects.get(title="Wycieczka klas szóstych")
    assert "<script" not in item.body
    edit = reverse("bip-staff:website-news", args=["alfa", unit.pk, item.pk])
    assert client.post(edit, {"title": "Wycieczka do Krakowa", "body": "<p>Zmiana.</p>",
                              "is_published": "on"}).status_code == 302
    item.refresh_from_db()
    assert item.title == "Wycieczka do Krakowa"
    event_new = reverse("bip-staff:website-event-new", args=["alfa", unit.pk])
    bad = client.post(event_new, {"title": "Koncert", "starts_at": "2030-05-10T18:00",
                                  "ends_at": "2030-05-10T17:00", "is_published": "on"})
    assert bad.status_code == 400
    assert client.post(event_new, {"title": "Koncert", "starts_at": "2030-05-10T18:00",
                                   "ends_at": "2030-05-10T20:00", "place": "Aula",
                                   "is_published": "on"}).status_code == 302
    page_new = reverse("bip-staff:website-page-new", args=["alfa", unit.pk])
    assert client.post(page_new, {"title": "Kadra", "body": "<p>Nauczyciele.</p>",
                                  "position": "2", "is_published": "on"}).status_code == 302
    page = WebPage.objects.get(unit=unit, slug="kadra")
    assert client.get(reverse("bip-staff:website-page", args=["alfa", unit.pk, page.pk])
                      ).status_code == 200


def test_an_editor_of_another_unit_is_refused(client, school_site, bip_office_a):
    """The school's editor cannot work on the office's website, nor reach the school's
    items through the office's address."""
    user = school_site["user"]
    client.force_login(user)
    office_page = website.create_page(bip_office_a, website.PageData(title="Urząd"),
                                      acting_user=None)
    for url in (reverse("bip-staff:website", args=["alfa", bip_office_a.pk]),
                reverse("bip-staff:website-page-new", args=["alfa", bip_office_a.pk]),
                reverse("bip-staff:website-page", args=["alfa", bip_office_a.pk,
                                                        office_page.pk]),
                reverse("bip-staff:website-news", args=["alfa", bip_office_a.pk,
                                                        school_site["news"].pk])):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "Przejęte"}).status_code in (404, 405), url
    assert not WebPage.objects.filter(title="Przejęte").exists()
    office_page.refresh_from_db()
    assert office_page.title == "Urząd"


def test_the_demo_is_idempotent(municipality_a, bip_school_a, bip_office_a):
    from ratusz.bulletin import demo_website

    demo_website.ensure_demo(municipality_a)
    counts = (WebPage.objects.count(), NewsItem.objects.count(), Event.objects.count())
    assert counts == (4, 6, 6)
    demo_website.ensure_demo(municipality_a)
    assert (WebPage.objects.count(), NewsItem.objects.count(), Event.objects.count()) == counts
    assert website.upcoming_events(bip_school_a).count() == 3
