"""The public BIP: mandatory elements, menu, metryczka, change register and diff,
withdrawal, scheduling and expiry, attachments, search, feeds, sitemap, exports, the
helpful 404, tenant isolation and the page cache."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from lxml import etree

from ratusz.bulletin import services
from ratusz.bulletin.models import Entry, MonthlyStat
from ratusz.bulletin.tests.conftest import PDF, entry_data, publish
from ratusz.notifications import atom

pytestmark = pytest.mark.django_db

BIP = "/g/alfa/bip/"
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}


def html(response) -> str:
    return response.content.decode()


def get(client, url, **extra):
    return client.get(url, **{**BROWSER, **extra})


def assert_mandatory_elements(page: str, site) -> None:
    assert 'href="https://www.bip.gov.pl"' in page
    assert 'alt="Biuletyn Informacji Publicznej"' in page
    assert site.editorial_address in page
    assert site.editor_name in page
    assert site.editor_email in page
    assert f'{BIP}instrukcja/' in page
    assert 'role="search"' in page and 'name="q"' in page
    assert 'class="bip-menu"' in page


def test_the_office_home_shows_the_mandatory_elements(client, bip_world):
    response = get(client, BIP)
    assert response.status_code == 200
    page = html(response)
    assert_mandatory_elements(page, bip_world.site)
    assert bip_world.site.editor_phone in page
    # the subject menu of the office, the latest entries, the links to the units' BIPs
    for title in ("Uchwały Rady Gminy", "Oświadczenia majątkowe", "Deklaracja dostępności"):
        assert title in page
    assert "Obwieszczenie o wyłożeniu projektu planu miejscowego" in page
    assert "Rekrutacja do klasy pierwszej" in page  # latest entries of the whole gmina
    assert f'{BIP}jednostki/sp-dabrowa/' in page
    assert "Szkoła Podstawowa im. Marii Konopnickiej w Dąbrowie" in page
    # the gmina's navigation links the BIP
    assert 'href="/g/alfa/bip/" aria-current="page"' in page


def test_a_unit_home_shows_its_own_menu_and_the_other_bips(client, bip_world):
    response = get(client, f"{BIP}jednostki/sp-dabrowa/")
    assert response.status_code == 200
    page = html(response)
    assert_mandatory_elements(page, bip_world.school_site)
    assert "Zarządzenia dyrektora" in page  # the unit menu
    assert "Uchwały Rady Gminy" not in page  # not the office's
    assert "Rekrutacja do klasy pierwszej" in page
    assert "Obwieszczenie o wyłożeniu" not in page
    assert f'href="{BIP}"' in page and "Urząd Gminy Alfa" in page


def test_no_advertising_and_no_third_party_resources(client, bip_world):
    page = html(get(client, BIP))
    for marker in ("googletagmanager", "google-analytics", "doubleclick", "adsbygoogle",
                   'style="'):
        assert marker not in page
    # Scripts only of the platform's own (the layout's menu button), never inline.
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
    assert all(re.search(r'\bsrc="/static/[^"]+"', attributes) and not body.strip()
               for attributes, body in scripts), scripts


def test_nested_sections_show_in_the_menu_and_breadcrumbs(client, bip_world):
    from ratusz.bulletin.models import Section

    parent = bip_world.section("rada-gminy")
    child = Section.objects.create(municipality=parent.municipality, site=parent.site,
                                   parent=parent, slug="komisje", title="Komisje rady")
    page = html(get(client, f"{BIP}dzial/komisje/"))
    assert 'aria-current="page">Komisje rady</a>' in page
    assert f'<a href="{BIP}dzial/rada-gminy/">Rada Gminy</a>' in page  # breadcrumb
    assert child.title in html(get(client, f"{BIP}dzial/rada-gminy/"))


def test_a_section_lists_its_entries_and_a_register_has_a_table_and_exports(client, bip_world):
    page = html(get(client, f"{BIP}dzial/ogloszenia/"))
    assert "Obwieszczenie o wyłożeniu projektu planu miejscowego" in page
    assert "Uchwała w sprawie" not in page
    register = html(get(client, f"{BIP}dzial/uchwaly/"))
    assert "<table>" in register and "XII/85/2026" in register
    assert f"{BIP}dzial/uchwaly/csv/" in register and f"{BIP}dzial/uchwaly/json/" in register
    unit = html(get(client, f"{BIP}jednostki/sp-dabrowa/dzial/ogloszenia/"))
    assert "Rekrutacja do klasy pierwszej" in unit


def test_sections_are_paginated(client, bip_world):
    section = bip_world.section("nabor")
    for number in range(23):
        publish(section, bip_world.editor, f"Nabór na stanowisko nr {number}")
    first = html(get(client, f"{BIP}dzial/nabor/"))
    assert first.count('class="bip-entries"') == 1 and first.count("Nabór na stanowisko") == 20
    second = html(get(client, f"{BIP}dzial/nabor/?page=2"))
    assert second.count("Nabór na stanowisko nr") == 3


def test_an_entry_shows_the_metryczka_and_counts_views(client, bip_world):
    entry = bip_world.announcement
    response = get(client, f"{BIP}wpis/{entry.pk}/")
    assert response.status_code == 200
    page = html(response)
    assert 'id="metryczka"' in page
    assert "Jan Wiśniewski, Referat Organizacyjny" in page  # wytworzył
    assert "Jan Wiśniewski, Sekretarz Gminy" in page  # odpowiada za treść
    assert "Anna Kowalska" in page  # wprowadził
    assert "Urząd Gminy Alfa" in page  # podmiot udostępniający
    assert f'datetime="{entry.produced_on:%Y-%m-%d}"' in page
    assert f"{BIP}wpis/{entry.pk}/wersje/" in page
    assert f"{BIP}wpis/{entry.pk}/druk/" in page
    assert "<p>Wójt Gminy Alfa zawiadamia" in page  # the body as HTML
    get(client, f"{BIP}wpis/{entry.pk}/")  # from the cache: still counted
    get(client, f"{BIP}wpis/{entry.pk}/", HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)")
    get(client, f"{BIP}wpis/{entry.pk}/druk/")
    entry.refresh_from_db()
    assert entry.views == 2
    assert MonthlyStat.objects.get(entry=entry).views == 2


def test_the_print_view_has_no_menus_and_does_not_count(client, bip_world):
    entry = bip_world.resolution
    page = html(get(client, f"{BIP}wpis/{entry.pk}/druk/"))
    assert "bip-print.css" in page and 'id="metryczka"' in page
    assert "bip-menu" not in page and "main-nav" not in page
    entry.refresh_from_db()
    assert entry.views == 0


def edit(entry, editor, body, reason="Poprawiono termin"):
    data = entry_data(entry.title, body, produced_by=entry.produced_by,
                      responsible=entry.responsible, produced_on=entry.produced_on)
    return services.update_entry(entry, data, acting_user=editor, reason=reason)


def test_an_edit_shows_in_the_register_with_a_readable_diff(client, bip_world):
    entry = bip_world.announcement
    edit(entry, bip_world.editor,
         "<p>Wójt Gminy Alfa zawiadamia o wyłożeniu do publicznego wglądu projektu "
         "miejscowego planu zagospodarowania przestrzennego wsi Olszyny.</p>"
         "<p>Uwagi można składać do 15 lipca.</p>")
    versions = html(get(client, f"{BIP}wpis/{entry.pk}/wersje/"))
    assert versions.count(f"{BIP}wpis/{entry.pk}/wersje/1/\"") == 1
    assert versions.count(f"{BIP}wpis/{entry.pk}/wersje/2/\"") == 1
    assert "Poprawiono termin" in versions and "Anna Kowalska" in versions
    register = html(get(client, f"{BIP}rejestr-zmian/"))
    assert register.count(f"{BIP}wpis/{entry.pk}/wersje/") == 4  # 2 versions, 2 links each
    old = html(get(client, f"{BIP}wpis/{entry.pk}/wersje/1/"))
    assert "do 30 czerwca" in old and "15 lipca" not in old
    diff = html(get(client, f"{BIP}wpis/{entry.pk}/wersje/2/zmiany/"))
    assert "30 czerwca.</del>" in diff
    assert "15 lipca.</ins>" in diff
    assert 'class="visually-hidden"' in diff  # not colour only: announced in words
    assert "miejscowego planu zagospodarowania" in diff  # the unchanged text stays


def test_the_register_filters_by_unit(client, bip_world):
    page = html(get(client, f"{BIP}rejestr-zmian/?jednostka={bip_world.school_site.pk}"))
    assert "Rekrutacja do klasy pierwszej" in page
    assert "Obwieszczenie o wyłożeniu" not in page


def test_withdrawal_keeps_the_entry_readable_and_in_the_register(client, bip_world):
    entry = services.withdraw_entry(bip_world.announcement, acting_user=bip_world.editor,
                                    reason="Błąd w treści obwieszczenia")
    page = html(get(client, f"{BIP}wpis/{entry.pk}/"))
    assert "Błąd w treści obwieszczenia" in page
    assert "Wójt Gminy Alfa zawiadamia" in page
    assert 'class="bip-notice"' in page
    register = html(get(client, f"{BIP}rejestr-zmian/"))
    assert f"{BIP}wpis/{entry.pk}/wersje/2/" in register
    assert "Błąd w treści obwieszczenia" in register
    section = html(get(client, f"{BIP}dzial/ogloszenia/"))
    assert "Obwieszczenie o wyłożeniu" not in section
    assert "Obwieszczenie o wyłożeniu" not in html(get(client, BIP + "?x=1"))


def test_scheduled_and_expired_entries_are_not_listed(client, bip_world):
    section = bip_world.section("ogloszenia")
    now = timezone.now()
    scheduled = publish(section, bip_world.editor, "Ogłoszenie zaplanowane na jutro",
                        publish_from=now + timedelta(days=1))
    expired = publish(section, bip_world.editor, "Ogłoszenie nieaktualne",
                      publish_from=now - timedelta(days=3), expires_at=now - timedelta(days=1))
    listing = html(get(client, f"{BIP}dzial/ogloszenia/"))
    assert "zaplanowane na jutro" not in listing and "nieaktualne" not in listing
    assert "zaplanowane na jutro" not in html(get(client, BIP))
    assert get(client, f"{BIP}wpis/{scheduled.pk}/").status_code == 404
    assert get(client, f"{BIP}wpis/{scheduled.pk}/wersje/1/").status_code == 404
    # an expired entry stays readable as an archive, but is not listed
    archived = get(client, f"{BIP}wpis/{expired.pk}/")
    assert archived.status_code == 200 and "bip-notice--info" in html(archived)
    Entry.objects.filter(pk=scheduled.pk).update(publish_from=now - timedelta(minutes=1))
    from django.core.cache import cache

    cache.clear()
    assert get(client, f"{BIP}wpis/{scheduled.pk}/").status_code == 200
    assert "zaplanowane na jutro" in html(get(client, f"{BIP}dzial/ogloszenia/"))


def test_drafts_are_not_public(client, bip_world):
    draft = services.create_entry(bip_world.section("ogloszenia"), entry_data("Szkic"),
                                  acting_user=bip_world.editor)
    assert get(client, f"{BIP}wpis/{draft.pk}/").status_code == 404
    assert f"{BIP}wpis/{draft.pk}/" not in html(get(client, f"{BIP}szukaj/?q=Szkic"))


def test_attachment_downloads_are_counted_with_safe_headers(client, bip_world):
    entry = bip_world.resolution
    attachment = services.add_attachment(entry, name="uchwala-budzetowa.pdf", data=PDF,
                                         acting_user=bip_world.editor)
    page = html(get(client, f"{BIP}wpis/{entry.pk}/"))
    assert "uchwala-budzetowa.pdf" in page and f"{BIP}zalacznik/{attachment.pk}/" in page
    for _ in range(2):
        response = get(client, f"{BIP}zalacznik/{attachment.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'filename="uchwala-budzetowa.pdf"' in response["Content-Disposition"]
    attachment.refresh_from_db()
    assert attachment.downloads == 2
    assert MonthlyStat.objects.get(entry=entry).downloads == 2
    fresh = html(get(client, f"{BIP}wpis/{entry.pk}/?fresh=1"))
    assert re.search(r"uchwala-budzetowa\.pdf</a> <span class=\"bip-meta\">\(PDF, [^;]+; \D*2\D*\)",
                     fresh)
    stats = html(get(client, f"{BIP}statystyki/"))
    assert "Uchwała w sprawie uchwalenia budżetu" in stats


def test_attachments_of_unpublished_entries_are_not_served(client, bip_world):
    draft = services.create_entry(bip_world.section("uchwaly"), entry_data("Projekt"),
                                  acting_user=bip_world.editor)
    attachment = services.add_attachment(draft, name="projekt.pdf", data=PDF,
                                         acting_user=bip_world.editor)
    assert get(client, f"{BIP}zalacznik/{attachment.pk}/").status_code == 404
    assert default_storage.exists(attachment.file.name)


def test_search_finds_by_a_word_of_the_body_and_by_number(client, bip_world):
    response = get(client, f"{BIP}szukaj/?q=zagospodarowania")
    page = html(response)
    assert "Obwieszczenie o wyłożeniu projektu planu miejscowego" in page
    assert "<mark>zagospodarowania</mark>" in page
    assert 'id="result-count"' in page
    by_number = html(get(client, f"{BIP}szukaj/?q=XII/85/2026"))
    assert "Uchwała w sprawie uchwalenia budżetu" in by_number
    assert "Obwieszczenie" not in by_number.split('id="result-count"')[1]
    school = html(get(client, f"{BIP}szukaj/?q=klasy&jednostka={bip_world.school_site.pk}"))
    assert "Rekrutacja do klasy pierwszej" in school
    elsewhere = html(get(client, f"{BIP}szukaj/?q=klasy&jednostka={bip_world.site.pk}"))
    assert "Rekrutacja do klasy pierwszej" not in elsewhere.split('id="result-count"')[1]
    section = bip_world.section("uchwaly")
    only = html(get(client, f"{BIP}szukaj/?q=gminy&dzial={section.pk}"))
    assert "Uchwała w sprawie" in only
    assert "Obwieszczenie" not in only.split('id="result-count"')[1]


def test_search_escapes_what_people_type(client, bip_world):
    page = html(get(client, f"{BIP}szukaj/?q=<script>alert(1)</script>"))
    assert "<script>alert(1)" not in page


def test_the_atom_feeds_validate(client, bip_world):
    for url in (f"{BIP}atom.xml", f"{BIP}dzial/uchwaly/atom.xml",
                f"{BIP}jednostki/sp-dabrowa/atom.xml",
                f"{BIP}jednostki/sp-dabrowa/dzial/ogloszenia/atom.xml"):
        response = get(client, url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/atom+xml")
        atom.validate(response.content)
    whole = get(client, f"{BIP}atom.xml").content.decode()
    assert "Uchwała w sprawie uchwalenia budżetu" in whole
    assert f"/g/alfa/bip/wpis/{bip_world.resolution.pk}/" in whole
    section = get(client, f"{BIP}dzial/uchwaly/atom.xml").content.decode()
    assert "Obwieszczenie" not in section


def test_the_sitemap_lists_the_public_pages(client, bip_world):
    response = get(client, f"{BIP}sitemap.xml")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    locations = [el.text for el in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    for entry in (bip_world.announcement, bip_world.resolution, bip_world.school_news):
        assert any(loc.endswith(f"/g/alfa/bip/wpis/{entry.pk}/") for loc in locations)
    assert any(loc.endswith("/g/alfa/bip/dzial/uchwaly/") for loc in locations)
    assert any(loc.endswith("/g/alfa/bip/jednostki/sp-dabrowa/") for loc in locations)


def test_register_sections_export_csv_and_json(client, bip_world):
    attachment = services.add_attachment(bip_world.resolution, name="budzet.pdf", data=PDF,
                                         acting_user=bip_world.editor)
    response = get(client, f"{BIP}dzial/uchwaly/csv/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0]["number"] == "XII/85/2026"
    assert rows[0]["title"] == "Uchwała w sprawie uchwalenia budżetu gminy na rok 2026"
    assert rows[0]["act_date"] == bip_world.resolution.act_date.isoformat()
    assert rows[0]["url"].endswith(f"/g/alfa/bip/wpis/{bip_world.resolution.pk}/")
    assert rows[0]["attachments"].endswith(f"/g/alfa/bip/zalacznik/{attachment.pk}/")
    document = json.loads(get(client, f"{BIP}dzial/uchwaly/json/").content)
    assert document["section"] == "Uchwały Rady Gminy"
    assert [e["number"] for e in document["entries"]] == ["XII/85/2026"]
    assert document["entries"][0]["attachments"][0]["name"] == "budzet.pdf"
    # not a register, or not a format: the BIP's 404
    assert get(client, f"{BIP}dzial/ogloszenia/csv/").status_code == 404
    assert get(client, f"{BIP}dzial/uchwaly/xml/").status_code == 404


def test_a_broken_address_gives_the_helpful_404(client, bip_world):
    for url in (f"{BIP}dzial/nie-ma-takiego/", f"{BIP}wpis/999999/", f"{BIP}cokolwiek/tu",
                f"{BIP}jednostki/nie-ma/", f"{BIP}wpis/{bip_world.announcement.pk}/wersje/9/"):
        response = get(client, url)
        assert response.status_code == 404, url
        page = html(response)
        assert 'role="search"' in page and 'id="not-found-q"' in page, url
        assert "Uchwały Rady Gminy" in page, url  # the menu
    # a missing slash is added
    response = get(client, f"{BIP}dzial/uchwaly")
    assert response.status_code == 302 and response["Location"] == f"{BIP}dzial/uchwaly/"


def test_another_gminas_entry_is_not_found(client, bip_world, municipality_b, department_b,
                                           make_staff):
    from ratusz.accounts.permissions import Role

    site_b = services.ensure_site(department_b.unit)
    editor_b = make_staff(municipality_b, Role.SECRETARY, username="beta.bip")
    section_b = site_b.sections.get(slug="ogloszenia")
    entry_b = publish(section_b, editor_b, "Ogłoszenie gminy Beta")
    attachment_b = services.add_attachment(entry_b, name="beta.pdf", data=PDF,
                                           acting_user=editor_b)
    assert get(client, f"/g/beta/bip/wpis/{entry_b.pk}/").status_code == 200
    for url in (f"{BIP}wpis/{entry_b.pk}/", f"{BIP}wpis/{entry_b.pk}/druk/",
                f"{BIP}wpis/{entry_b.pk}/wersje/", f"{BIP}wpis/{entry_b.pk}/wersje/1/",
                f"{BIP}wpis/{entry_b.pk}/wersje/1/zmiany/",
                f"{BIP}zalacznik/{attachment_b.pk}/"):
        assert get(client, url).status_code == 404, url
    assert "Ogłoszenie gminy Beta" not in html(get(client, f"{BIP}szukaj/?q=Beta"))
    assert "Ogłoszenie gminy Beta" not in html(get(client, f"{BIP}rejestr-zmian/"))
    assert "Ogłoszenie gminy Beta" not in get(client, f"{BIP}atom.xml").content.decode()


def test_anonymous_pages_are_cached_with_a_fresh_csrf_token(client, bip_world):
    first = get(client, BIP)
    assert first.status_code == 200
    bip_world.site.editor_name = "Nowa redakcja"
    bip_world.site.save()
    second = get(client, BIP)
    assert "Nowa redakcja" not in html(second)  # served from the cache
    assert "bip-csrf-placeholder" not in html(first) + html(second)
    assert 'name="csrfmiddlewaretoken"' in html(second)
    # signed-in people (a session cookie) always get a fresh page
    client.force_login(bip_world.editor)
    assert "Nowa redakcja" in html(get(client, BIP))


def test_the_language_switch_works_on_a_cached_page(client, bip_world):
    from django.test import Client

    get(Client(), BIP)  # someone else fills the cache
    visitor = Client(enforce_csrf_checks=True)
    page = html(get(visitor, BIP))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = visitor.post("/i18n/setlang/", {"language": "en", "next": BIP,
                                               "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_instructions_and_statistics(client, bip_world):
    page = html(get(client, f"{BIP}instrukcja/"))
    assert "Biuletyn Informacji Publicznej to urzędowy publikator" in page
    assert f"{BIP}dzial/informacje-nieudostepnione/" in page
    get(client, f"{BIP}wpis/{bip_world.school_news.pk}/")
    stats = html(get(client, f"{BIP}statystyki/"))
    assert "Rekrutacja do klasy pierwszej" in stats
    assert "<table>" in stats


def test_entry_body_stays_sanitised(client, bip_world):
    entry = publish(bip_world.section("ogloszenia"), bip_world.editor, "Z osadzonym nagraniem",
                    '<p onclick="x()">Sesja</p><script>alert(1)</script>'
                    '<iframe src="https://www.youtube-nocookie.com/embed/abc" title="Nagranie"'
                    '></iframe><iframe src="https://evil.example/x"></iframe>')
    response = get(client, f"{BIP}wpis/{entry.pk}/")
    page = html(response)
    assert "<script>alert" not in page and "onclick" not in page and "evil.example" not in page
    assert "frame-src https://player.vimeo.com https://www.youtube-nocookie.com" in \
        response["Content-Security-Policy"]


def test_a_cached_page_asks_the_database_nothing_more(client, bip_world, settings,
                                                      django_assert_max_num_queries):
    """The cached path is one cache get: only the gmina lookup of the middleware remains;
    an entry page's view goes to the process's buffer, written later in one go."""
    settings.RATUSZ_BIP_VIEW_FLUSH_SECONDS = 3600  # no flusher thread during the test
    get(client, BIP)
    with django_assert_max_num_queries(1):
        assert get(client, BIP).status_code == 200
    url = f"{BIP}wpis/{bip_world.resolution.pk}/"
    get(client, url)
    with django_assert_max_num_queries(1):
        assert get(client, url).status_code == 200
    assert services.flush_views() == 2
    bip_world.resolution.refresh_from_db()
    assert bip_world.resolution.views == 2
