"""The units' websites: the services' rules, the public pages (with the iCalendar) and
their page cache, and the staff editor scoped to the editor's units (writing, deleting
after a confirmation, publishing, the order of the menu)."""

from __future__ import annotations

import html
import re
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ratusz.accounts.permissions import Role
from ratusz.bulletin import selectors, services
from ratusz.bulletin.models import Event, NewsItem, WebPage
from ratusz.bulletin.services import BulletinError
from ratusz.bulletin.views import CSRF_PLACEHOLDER
from ratusz.core.models import AuditAction, AuditLog, Unit, UnitKind
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
    services.ensure_site(bip_school_a)
    user = school_head
    page = services.create_page(bip_school_a, services.PageData(
        title="O nas", body="<p>Szkoła w Dąbrowie.</p>"), acting_user=user)
    news = services.create_news(bip_school_a, services.NewsData(
        title="Rekrutacja do klasy pierwszej", lead="Zapisy trwają.",
        body="<p>Wnioski w sekretariacie.</p>",
        published_at=timezone.now() - timedelta(hours=1)), acting_user=user)
    starts = timezone.now() + timedelta(days=5)
    event = services.create_event(bip_school_a, services.EventData(
        title="Dzień otwarty; zapraszamy, rodziców", starts_at=starts,
        ends_at=starts + timedelta(hours=3), place="Dąbrowa, ul. Szkolna 5",
        description="<p>Zwiedzanie szkoły.</p>"), acting_user=user)
    return {"unit": bip_school_a, "page": page, "news": news, "event": event, "user": user}


def _url(name, unit, *args, slug="alfa"):
    return reverse(f"website:{name}", args=[slug, unit.slug, *args])


# --- services ---------------------------------------------------------------------------

def test_the_html_is_sanitised_and_audited(bip_school_a, bip_school_editor_a):
    before = AuditLog.objects.count()
    page = services.create_page(bip_school_a, services.PageData(
        title="Dokumenty", body='<p onclick="x()">Tekst</p><script>alert(1)</script>'),
        acting_user=bip_school_editor_a)
    assert page.slug == "dokumenty"
    assert "<script" not in page.body and "onclick" not in page.body
    assert "Tekst" in page.body
    assert AuditLog.objects.count() == before + 1


def test_an_image_without_alt_is_refused_and_nothing_stored(bip_school_a,
                                                            bip_school_editor_a):
    for call, data in (
            (services.create_page, services.PageData(title="X", body='<img src="a.png">')),
            (services.create_news, services.NewsData(title="X", body='<img src="a.png" alt="">')),
            (services.create_event, services.EventData(
                title="X", starts_at=timezone.now(), description='<img src="a.png">'))):
        with pytest.raises(BulletinError):
            call(bip_school_a, data, acting_user=bip_school_editor_a)
    assert not WebPage.objects.exists() and not NewsItem.objects.exists()
    assert not Event.objects.exists()


def test_an_event_ending_before_it_starts_is_refused(bip_school_a, bip_school_editor_a):
    starts = timezone.now() + timedelta(days=1)
    with pytest.raises(BulletinError) as error:
        services.create_event(bip_school_a, services.EventData(
            title="Koncert", starts_at=starts, ends_at=starts - timedelta(hours=1)),
            acting_user=bip_school_editor_a)
    assert error.value.field == "ends_at"
    assert not Event.objects.exists()


def test_an_update_that_fails_changes_nothing(school_site):
    page = school_site["page"]
    with pytest.raises(BulletinError):
        services.update_page(page, services.PageData(title="", body="<p>Nowa</p>"),
                            acting_user=school_site["user"])
    page.refresh_from_db()
    assert page.title == "O nas"


def test_reserved_and_duplicate_slugs_are_refused(school_site):
    unit, user = school_site["unit"], school_site["user"]
    for slug in ("kontakt", "o-nas"):
        with pytest.raises(BulletinError):
            services.create_page(unit, services.PageData(title="Inna", slug=slug),
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
    draft = services.create_news(unit, services.NewsData(title="Szkic", is_published=False),
                                acting_user=school_site["user"])
    assert client.get(_url("news-item", unit, draft.pk)).status_code == 404
    assert "Szkic" not in client.get(_url("news", unit)).content.decode()
    other = Unit.objects.create(municipality=municipality_b, name="Biblioteka Beta",
                                slug="biblioteka", kind=UnitKind.LIBRARY)
    foreign = services.create_news(other, services.NewsData(title="Beta"), acting_user=None)
    foreign_event = services.create_event(other, services.EventData(
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
    office_page = services.create_page(bip_office_a, services.PageData(title="Urząd"),
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
    from ratusz.demo import websites as demo_website

    demo_website.ensure_demo(municipality_a)
    counts = (WebPage.objects.count(), NewsItem.objects.count(), Event.objects.count())
    assert counts == (4, 6, 6)
    demo_website.ensure_demo(municipality_a)
    assert (WebPage.objects.count(), NewsItem.objects.count(), Event.objects.count()) == counts
    assert selectors.upcoming_events(bip_school_a).count() == 3


# --- the page cache of the public pages -------------------------------------------------

def _anonymous_get(url: str):
    return Client().get(url, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")


def _without_tokens(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def _public_urls(site: dict) -> list[str]:
    unit = site["unit"]
    return [_url("home", unit), _url("news", unit), _url("news-item", unit, site["news"].pk),
            _url("events", unit), _url("event", unit, site["event"].pk),
            _url("events-ics", unit), _url("page", unit, site["page"].slug),
            _url("contact", unit)]


def test_a_second_anonymous_get_is_served_from_the_cache_without_the_database(
        school_site, django_assert_num_queries):
    for url in _public_urls(school_site):
        first = _anonymous_get(url)
        assert first.status_code == 200, url
        with django_assert_num_queries(0):
            second = _anonymous_get(url)
        assert second.status_code == 200, url
        assert second["Content-Type"] == first["Content-Type"], url
        assert _without_tokens(second.content) == _without_tokens(first.content), url
        assert CSRF_PLACEHOLDER.encode() not in second.content, url


def test_a_cached_page_carries_the_visitors_own_csrf_token(school_site):
    """The language switch of a page from the cache works for each visitor."""
    url = _url("home", school_site["unit"])
    _anonymous_get(url)  # fills the cache
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url)
    html = page.content.decode()
    assert CSRF_PLACEHOLDER not in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = visitor.post(reverse("set_language"), {"language": "en", "next": url,
                                                      "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == url


def test_an_edit_through_the_staff_editor_shows_at_once(client, school_site,
                                                        django_capture_on_commit_callbacks):
    unit, news = school_site["unit"], school_site["news"]
    urls = (_url("home", unit), _url("news", unit), _url("news-item", unit, news.pk))
    for url in urls:
        _anonymous_get(url)
        assert "Rekrutacja do klasy pierwszej" in _anonymous_get(url).content.decode()
    client.force_login(school_site["user"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("bip-staff:website-news", args=["alfa", unit.pk,
                                                                       news.pk]),
                               {"title": "Rekrutacja przedłużona do 15 kwietnia",
                                "body": "<p>Zmiana terminu.</p>", "is_published": "on"})
    assert response.status_code == 302
    for url in urls:
        html = _anonymous_get(url).content.decode()
        assert "Rekrutacja przedłużona do 15 kwietnia" in html, url
        assert "Rekrutacja do klasy pierwszej" not in html, url


def test_an_edit_and_a_deletion_through_the_services_show_at_once(
        school_site, django_capture_on_commit_callbacks):
    unit, page = school_site["unit"], school_site["page"]
    home, page_url = _url("home", unit), _url("page", unit, page.slug)
    for url in (home, page_url, home, page_url):
        assert _anonymous_get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.update_page(page, services.PageData(title="O naszej szkole", slug=page.slug,
                                                   body="<p>Historia szkoły.</p>"),
                            acting_user=school_site["user"])
    assert "O naszej szkole" in _anonymous_get(home).content.decode()  # the menu
    assert "Historia szkoły" in _anonymous_get(page_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_item(page, acting_user=school_site["user"])
    assert "O naszej szkole" not in _anonymous_get(home).content.decode()
    assert _anonymous_get(page_url).status_code == 404


def test_a_signed_in_users_get_is_neither_cached_nor_served_from_the_cache(
        client, school_site, django_assert_max_num_queries):
    unit = school_site["unit"]
    url = _url("home", unit)
    user = school_site["user"]
    client.force_login(user)
    mine = client.get(url)
    assert mine.status_code == 200
    assert user.display_name in mine.content.decode()
    anonymous = _anonymous_get(url)  # not the signed-in page from the cache
    assert user.display_name not in anonymous.content.decode()
    # A change that renews nothing (a bare UPDATE): the cached anonymous page keeps the
    # old title, the signed-in user sees the new one at once.
    NewsItem.objects.filter(pk=school_site["news"].pk).update(title="Zmiana bez sygnału")
    assert "Zmiana bez sygnału" not in _anonymous_get(url).content.decode()
    assert "Zmiana bez sygnału" in client.get(url).content.decode()


def test_a_404_is_not_cached(school_site):
    unit = school_site["unit"]
    for url in (_url("page", unit, "nie-ma-takiej"), _url("news-item", unit, 987654),
                reverse("website:home", args=["alfa", "nie-ma"])):
        assert _anonymous_get(url).status_code == 404
        with CaptureQueriesContext(connection) as queries:
            assert _anonymous_get(url).status_code == 404
        assert len(queries) > 0, url  # rendered again, not found in the cache


# --- the staff editor: deleting, publishing, the order of the menu ----------------------

ITEMS = {"page": ("website-page", WebPage), "news": ("website-news", NewsItem),
         "event": ("website-event", Event)}


def _staff_url(kind: str, suffix: str, unit, pk) -> str:
    name = ITEMS[kind][0] + (f"-{suffix}" if suffix else "")
    return reverse(f"bip-staff:{name}", args=["alfa", unit.pk, pk])


def _post(client, url: str, data: dict | None = None):
    """POST, expect the redirect to the unit's dashboard, and give the messages it shows
    as (level, text) pairs."""
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200, url
    (target, status), = response.redirect_chain
    assert status == 302 and re.fullmatch(r"/g/alfa/staff/bip/strony-www/\d+/", target)
    return [(level, html.unescape(text)) for level, text in re.findall(
        r'<p class="message message--(\w+)">([^<]*)</p>', response.content.decode())]


@pytest.mark.parametrize("kind", ["page", "news", "event"])
def test_delete_asks_first_and_only_a_post_deletes(client, school_site, kind,
                                                   django_capture_on_commit_callbacks):
    unit, item = school_site["unit"], school_site[kind]
    model = ITEMS[kind][1]
    client.force_login(school_site["user"])
    url = _staff_url(kind, "delete", unit, item.pk)
    # The edit page links to the confirmation page.
    assert url in client.get(_staff_url(kind, "", unit, item.pk)).content.decode()
    confirmation = client.get(url)
    assert confirmation.status_code == 200
    html = confirmation.content.decode()
    assert html.count("<h1") == 1 and item.title in html
    assert '<form method="post"' in html
    assert model.objects.filter(pk=item.pk).exists()  # GET deleted nothing
    audit_before = AuditLog.objects.filter(action=AuditAction.DELETED).count()
    with django_capture_on_commit_callbacks(execute=True):
        shown = _post(client, url)
    assert len(shown) == 1 and shown[0][0] == "success" and item.title in shown[0][1]
    assert not model.objects.filter(pk=item.pk).exists()
    audit = AuditLog.objects.filter(action=AuditAction.DELETED).latest("pk")
    assert AuditLog.objects.filter(action=AuditAction.DELETED).count() == audit_before + 1
    assert audit.object_id == str(item.pk) and audit.object_label == item.title
    assert audit.actor_id == school_site["user"].pk
    assert item.title not in client.get(
        reverse("bip-staff:website", args=["alfa", unit.pk])).content.decode()
    # Deleted twice, or never there: not found, nothing recorded.
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    assert client.post(_staff_url(kind, "delete", unit, 987654)).status_code == 404
    assert AuditLog.objects.filter(action=AuditAction.DELETED).count() == audit_before + 1


def test_a_deleted_item_leaves_the_public_website(client, school_site,
                                                  django_capture_on_commit_callbacks):
    unit = school_site["unit"]
    public = {"page": _url("page", unit, school_site["page"].slug),
              "news": _url("news-item", unit, school_site["news"].pk),
              "event": _url("event", unit, school_site["event"].pk)}
    for url in public.values():
        assert _anonymous_get(url).status_code == 200
    client.force_login(school_site["user"])
    for kind in public:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(_staff_url(kind, "delete", unit, school_site[kind].pk))
    for url in public.values():
        assert _anonymous_get(url).status_code == 404
    home = _anonymous_get(_url("home", unit)).content.decode()
    assert "O nas" not in home and "Rekrutacja" not in home and "Dzień otwarty" not in home


@pytest.mark.parametrize("kind", ["page", "news", "event"])
def test_an_item_is_published_and_unpublished(client, school_site, kind,
                                              django_capture_on_commit_callbacks):
    unit, item = school_site["unit"], school_site[kind]
    model = ITEMS[kind][1]
    public = {"page": _url("page", unit, item.pk and school_site["page"].slug),
              "news": _url("news-item", unit, item.pk),
              "event": _url("event", unit, item.pk)}[kind]
    assert _anonymous_get(public).status_code == 200  # cached now
    client.force_login(school_site["user"])
    url = _staff_url(kind, "publication", unit, item.pk)
    assert client.get(url).status_code == 405
    audit_before = AuditLog.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        shown = _post(client, url, {"action": "unpublish"})
    assert [level for level, _text in shown] == ["success"]
    assert model.objects.get(pk=item.pk).is_published is False
    assert AuditLog.objects.count() == audit_before + 1
    assert _anonymous_get(public).status_code == 404
    # Unpublishing again, or an unknown action, is refused with a message; nothing changes.
    for data in ({"action": "unpublish"}, {"action": "delete"}, {}):
        assert [level for level, _text in _post(client, url, data)] == ["error"], data
    assert AuditLog.objects.count() == audit_before + 1
    assert model.objects.get(pk=item.pk).is_published is False
    with django_capture_on_commit_callbacks(execute=True):
        assert [level for level, _text in _post(client, url, {"action": "publish"})] == [
            "success"]
    assert model.objects.get(pk=item.pk).is_published is True
    assert _anonymous_get(public).status_code == 200


def _menu(unit) -> list[str]:
    html = _anonymous_get(_url("home", unit)).content.decode()
    menu = html.split('class="bip-menu"', 1)[1].split("</nav>", 1)[0]
    prefix = f"/g/alfa/strony/{unit.slug}/"
    return [href[len(prefix):].strip("/") for href in re.findall(r'href="([^"]+)"', menu)
            if href.startswith(prefix) and href != prefix
            and href[len(prefix):].strip("/") not in services.RESERVED_SLUGS]


def test_pages_move_up_and_down_in_the_menu(client, school_site,
                                            django_capture_on_commit_callbacks):
    unit, user = school_site["unit"], school_site["user"]
    with django_capture_on_commit_callbacks(execute=True):
        # The same position for all: the menu falls back to the titles.
        kadra = services.create_page(unit, services.PageData(title="Kadra"), acting_user=user)
        services.create_page(unit, services.PageData(title="Dokumenty"), acting_user=user)
    assert _menu(unit) == ["dokumenty", "kadra", "o-nas"]
    client.force_login(user)
    url = _staff_url("page", "move", unit, kadra.pk)
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        shown = _post(client, url, {"direction": "up"})
    assert len(shown) == 1 and shown[0][0] == "success" and "Kadra" in shown[0][1]
    assert _menu(unit) == ["kadra", "dokumenty", "o-nas"]
    assert list(WebPage.objects.filter(unit=unit).order_by("position").values_list(
        "slug", "position")) == [("kadra", 0), ("dokumenty", 1), ("o-nas", 2)]
    dashboard = client.get(reverse("bip-staff:website", args=["alfa", unit.pk]))
    html = dashboard.content.decode()
    assert html.index("Kadra") < html.index("Dokumenty") < html.index("O nas")
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, url, {"direction": "down"})
        _post(client, url, {"direction": "down"})
    assert _menu(unit) == ["dokumenty", "o-nas", "kadra"]
    # Nonsense is refused with a message and moves nothing.
    audit_before = AuditLog.objects.count()
    first = WebPage.objects.get(unit=unit, slug="dokumenty")
    for target, data in ((kadra.pk, {"direction": "down"}),  # already the last
                         (first.pk, {"direction": "up"}),  # already the first
                         (first.pk, {"direction": "sideways"}), (first.pk, {})):
        shown = _post(client, _staff_url("page", "move", unit, target), data)
        assert [level for level, _text in shown] == ["error"], data
    assert _menu(unit) == ["dokumenty", "o-nas", "kadra"]
    assert AuditLog.objects.count() == audit_before


def test_an_editor_of_another_unit_can_neither_delete_move_nor_publish(
        client, school_site, bip_office_a):
    """The school's editor gets 404 for the office's items, under the office's address
    and with the office's ids under the school's address; nothing changes."""
    office_page = services.create_page(bip_office_a, services.PageData(title="Urząd"),
                                      acting_user=None)
    office_news = services.create_news(bip_office_a, services.NewsData(title="Sesja rady"),
                                      acting_user=None)
    office_event = services.create_event(bip_office_a, services.EventData(
        title="Dożynki", starts_at=timezone.now() + timedelta(days=3)), acting_user=None)
    school = school_site["unit"]
    client.force_login(school_site["user"])
    audit_before = AuditLog.objects.count()
    for kind, item in (("page", office_page), ("news", office_news), ("event", office_event)):
        for unit in (bip_office_a, school):
            delete = _staff_url(kind, "delete", unit, item.pk)
            assert client.get(delete).status_code == 404, delete
            assert client.post(delete).status_code == 404, delete
            publication = _staff_url(kind, "publication", unit, item.pk)
            assert client.post(publication, {"action": "unpublish"}).status_code == 404
    for unit in (bip_office_a, school):
        move = _staff_url("page", "move", unit, office_page.pk)
        assert client.post(move, {"direction": "up"}).status_code == 404
    # The school's own item under the office's address is not found either.
    assert client.post(_staff_url("news", "delete", bip_office_a,
                                  school_site["news"].pk)).status_code == 404
    assert AuditLog.objects.count() == audit_before
    assert WebPage.objects.filter(pk=office_page.pk, is_published=True).exists()
    assert NewsItem.objects.filter(pk=office_news.pk, is_published=True).exists()
    assert Event.objects.filter(pk=office_event.pk, is_published=True).exists()
    assert NewsItem.objects.filter(pk=school_site["news"].pk).exists()


def test_anonymous_people_are_sent_to_sign_in(client, school_site):
    unit = school_site["unit"]
    for url in (_staff_url("page", "delete", unit, school_site["page"].pk),
                _staff_url("news", "publication", unit, school_site["news"].pk),
                _staff_url("page", "move", unit, school_site["page"].pk)):
        response = client.post(url, {"action": "unpublish", "direction": "up"})
        assert response.status_code == 302
        assert response["Location"].startswith("/auth/login/")
    assert WebPage.objects.filter(pk=school_site["page"].pk, is_published=True).exists()
    assert NewsItem.objects.filter(pk=school_site["news"].pk, is_published=True).exists()


# --- the services of deleting, publishing and moving -------------------------------------

def test_publishing_the_state_an_item_has_is_refused(school_site):
    news = school_site["news"]
    before = AuditLog.objects.count()
    with pytest.raises(BulletinError) as error:
        services.set_published(news, True, acting_user=school_site["user"])
    assert error.value.code == "website_same_state"
    assert AuditLog.objects.count() == before


def test_moving_renumbers_pages_that_share_a_position(school_site):
    unit, user = school_site["unit"], school_site["user"]
    second = services.create_page(unit, services.PageData(title="Plan lekcji", position=5),
                                 acting_user=user)
    services.create_page(unit, services.PageData(title="Zajęcia", position=5), acting_user=user)
    moved = services.move_page(second, services.MoveDirection.UP, acting_user=user)
    assert moved.position == 0
    assert list(WebPage.objects.filter(unit=unit).order_by("position").values_list(
        "title", flat=True)) == ["Plan lekcji", "O nas", "Zajęcia"]
    with pytest.raises(BulletinError) as error:
        services.move_page(moved, "up", acting_user=user)
    assert error.value.code == "website_first"
