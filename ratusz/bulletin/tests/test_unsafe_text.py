"""Issue 15, finding 3, the BIP's part: a text XML cannot carry costs one item of a
document, never the document (the Atom feeds, the sitemap, the open-data exports, the
websites' iCalendar), and every service and form of the BIP refuses such text itself.

The bad rows are written straight into the database, past every check: data from before
the checks, or written some other way (a NUL cannot be stored on PostgreSQL; U+0006 and
U+001B can)."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from ratusz.bulletin import services
from ratusz.bulletin.forms import EntryForm, SectionForm, SiteForm, WithdrawForm
from ratusz.bulletin.forms_website import EventForm, NewsForm, PageForm
from ratusz.bulletin.models import Entry, Event, Section
from ratusz.bulletin.services import BulletinError
from ratusz.bulletin.tests.conftest import entry_data, publish
from ratusz.notifications import atom

pytestmark = pytest.mark.django_db

BIP = "/g/alfa/bip/"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
FEEDS = (f"{BIP}atom.xml", f"{BIP}dzial/ogloszenia/atom.xml",
         f"{BIP}jednostki/sp-dabrowa/atom.xml",
         f"{BIP}jednostki/sp-dabrowa/dzial/ogloszenia/atom.xml")


def stored(entry: Entry, **fields) -> Entry:
    """The entry with `fields` written straight into its row (no service, no check)."""
    Entry.objects.filter(pk=entry.pk).update(**fields)
    entry.refresh_from_db()
    return entry


def left_out(caplog, entry: Entry) -> bool:
    return any(record.name == "ratusz.bulletin" and f"entry {entry.pk} left out"
               in record.getMessage() for record in caplog.records)


# --- the documents: one item, never the whole -------------------------------------------

def test_every_feed_leaves_out_only_the_entry_xml_cannot_carry(client, bip_world, caplog):
    office_bad = publish(bip_world.section("ogloszenia"), bip_world.editor, "Zły wpis")
    school_bad = publish(bip_world.section("ogloszenia", bip_world.school_site),
                         bip_world.school_editor, "Zły wpis szkoły")
    stored(office_bad, title="Obwieszczenie\x06 wójta")
    stored(school_bad, body="<p>Treść\x1b[31m</p>")
    with caplog.at_level(logging.WARNING, logger="ratusz.bulletin"):
        answers = {url: client.get(url) for url in FEEDS}
    for url, answer in answers.items():
        assert answer.status_code == 200, url
        atom.validate(answer.content)
        for bad in (office_bad, school_bad):
            assert f"/bip/wpis/{bad.pk}/".encode() not in answer.content, url
    whole = answers[f"{BIP}atom.xml"].content.decode()
    for good in (bip_world.announcement, bip_world.resolution, bip_world.school_news):
        assert f"/bip/wpis/{good.pk}/" in whole
    assert left_out(caplog, office_bad) and left_out(caplog, school_bad)


def test_a_section_title_xml_cannot_carry_costs_the_feed_no_entry(client, bip_world):
    Section.objects.filter(pk=bip_world.section("uchwaly").pk).update(
        title="Uchwały\x06 Rady Gminy")
    for url in (f"{BIP}atom.xml", f"{BIP}dzial/uchwaly/atom.xml"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        atom.validate(answer.content)
        assert f"/bip/wpis/{bip_world.resolution.pk}/".encode() in answer.content, url
        assert 'term="Uchwały Rady Gminy"' in answer.content.decode(), url


def test_the_sitemap_stays_whole_and_valid_beside_such_an_entry(client, bip_world):
    stored(bip_world.announcement, title="Obwieszczenie\x06", body="<p>\x1b</p>",
           produced_by="Wójt\x06")
    answer = client.get(f"{BIP}sitemap.xml")
    assert answer.status_code == 200
    root = etree.fromstring(answer.content)
    assert root.tag == f"{SITEMAP}urlset"
    urls = root.findall(f"{SITEMAP}url")
    assert urls and all(url.findtext(f"{SITEMAP}loc").startswith("http") for url in urls)
    locations = [url.findtext(f"{SITEMAP}loc") for url in urls]
    # The sitemap writes addresses and dates only: the entry's page is there and answers.
    for entry in (bip_world.announcement, bip_world.resolution, bip_world.school_news):
        assert any(loc.endswith(f"/bip/wpis/{entry.pk}/") for loc in locations)


def test_the_exports_leave_out_only_the_entry_xml_cannot_carry(client, bip_world, caplog):
    good = bip_world.resolution
    bad = publish(bip_world.section("uchwaly"), bip_world.editor, "Uchwała w sprawie dróg",
                  kind="document", number="XII/86/2026")
    stored(bad, number="XII/86\x06/2026")
    with caplog.at_level(logging.WARNING, logger="ratusz.bulletin"):
        answer = client.get(f"{BIP}dzial/uchwaly/csv/")
        document = json.loads(client.get(f"{BIP}dzial/uchwaly/json/").content)
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [row["id"] for row in rows] == [str(good.pk)]
    assert [item["id"] for item in document["entries"]] == [good.pk]
    assert left_out(caplog, bad)


def test_an_attachment_name_xml_cannot_carry_leaves_its_entry_out_of_the_exports(
        client, bip_world):
    from ratusz.bulletin.tests.conftest import PDF

    attachment = services.add_attachment(bip_world.resolution, name="budzet.pdf", data=PDF,
                                         acting_user=bip_world.editor)
    type(attachment).objects.filter(pk=attachment.pk).update(name="budzet\x06.pdf")
    document = json.loads(client.get(f"{BIP}dzial/uchwaly/json/").content)
    assert document["entries"] == []


def test_the_calendar_leaves_out_only_the_event_it_cannot_carry(client, bip_school_a,
                                                                bip_school_editor_a, caplog):
    starts = timezone.now() + timedelta(days=3)
    good = services.create_event(bip_school_a, services.EventData(
        title="Dzień otwarty", starts_at=starts), acting_user=bip_school_editor_a)
    bad = Event.objects.create(municipality=bip_school_a.municipality, unit=bip_school_a,
                               title="Festyn\x06", place="Boisko\x1b", starts_at=starts,
                               is_published=True)
    with caplog.at_level(logging.WARNING, logger="ratusz.bulletin"):
        answer = client.get(reverse("website:events-ics", args=["alfa", bip_school_a.slug]))
    assert answer.status_code == 200
    text = answer.content.decode()
    assert f"UID:event-{good.pk}@" in text and f"UID:event-{bad.pk}@" not in text
    assert "\x06" not in text and "\x1b" not in text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert any(f"event {bad.pk} left out" in record.getMessage()
               for record in caplog.records)


# --- the services refuse such text themselves -------------------------------------------

BAD = ["Tytuł\x06", "Tytuł\x1b[31m", "faktura\u202efdp", "\ufffe"]


def refused(call, field: str) -> BulletinError:
    with pytest.raises(BulletinError) as caught:
        call()
    fields = [name for name, _message in caught.value.errors]
    assert field in fields, caught.value.errors
    message = dict(caught.value.errors)[field]
    assert "U+" in message, message
    return caught.value


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("field", ["title", "body", "number", "produced_by", "responsible"])
def test_an_entry_with_such_text_is_refused(bip_site_a, bip_editor_a, field, bad):
    section = bip_site_a.sections.get(slug="ogloszenia")
    values = {"title": "Ogłoszenie", "body": "<p>Treść.</p>"}
    values[field] = f"<p>{bad}</p>" if field == "body" else bad
    title, body = values.pop("title"), values.pop("body")
    before = Entry.objects.count()
    refused(lambda: services.create_entry(section, entry_data(title, body, **values),
                                          acting_user=bip_editor_a), field)
    refused(lambda: services.save_entry(None, entry_data(title, body, **values),
                                        section=section, acting_user=bip_editor_a), field)
    assert Entry.objects.count() == before


def test_a_character_reference_to_such_a_character_is_refused_too(bip_site_a, bip_editor_a):
    section = bip_site_a.sections.get(slug="ogloszenia")
    refused(lambda: services.create_entry(section, entry_data(
        "Ogłoszenie", "<p>Treść&#6; i &#x202E;</p>"), acting_user=bip_editor_a), "body")


def test_reasons_site_fields_and_sections_with_such_text_are_refused(bip_world):
    editor, entry = bip_world.editor, bip_world.announcement
    refused(lambda: services.withdraw_entry(entry, acting_user=editor,
                                            reason="Omyłka\x06"), "reason")
    refused(lambda: services.update_entry(entry, entry_data("Nowy tytuł"),
                                          acting_user=editor, reason="Zmiana\u202e"),
            "reason")
    values = {name: getattr(bip_world.site, name) for name in services.SITE_FIELDS}
    refused(lambda: services.update_site(bip_world.site, {**values, "editor_name": "Jan\x06"},
                                         acting_user=editor), "editor_name")
    refused(lambda: services.add_section(bip_world.site, title="Dział\x06",
                                         is_register=False, acting_user=editor), "title")
    refused(lambda: services.rename_section(bip_world.section("uchwaly"),
                                            title="Uchwały\u202e", acting_user=editor),
            "title")
    entry.refresh_from_db()
    assert entry.state == "published" and entry.title != "Nowy tytuł"
    assert not Section.objects.filter(title__startswith="Dział").exists()


def test_website_items_with_such_text_are_refused(bip_school_a, bip_school_editor_a):
    unit, user = bip_school_a, bip_school_editor_a
    starts = timezone.now() + timedelta(days=1)
    refused(lambda: services.create_page(unit, services.PageData(title="O nas\x06"),
                                         acting_user=user), "title")
    refused(lambda: services.create_page(unit, services.PageData(
        title="O nas", body="<p>a\x1b</p>"), acting_user=user), "body")
    refused(lambda: services.create_news(unit, services.NewsData(
        title="Nabór", lead="Zapisy\u202e"), acting_user=user), "lead")
    refused(lambda: services.create_event(unit, services.EventData(
        title="Festyn", starts_at=starts, place="Boisko\x06"), acting_user=user), "place")
    refused(lambda: services.create_event(unit, services.EventData(
        title="Festyn", starts_at=starts, description="<p>&#6;</p>"), acting_user=user),
        "description")
    assert not unit.web_pages.exists() and not unit.news_items.exists()
    assert not unit.events.exists()


# --- and so do the forms ----------------------------------------------------------------

def test_the_forms_refuse_such_text(bip_site_a):
    produced_on = (timezone.localdate() - timedelta(days=1)).isoformat()
    section = bip_site_a.sections.get(slug="ogloszenia")
    cases = [
        (EntryForm({"section": section.pk, "kind": "article", "title": "Ogłoszenie\x06",
                    "produced_by": "Referat", "responsible": "Jan",
                    "produced_on": produced_on}, site=bip_site_a), "title"),
        (SiteForm({"title": "BIP", "editorial_address": "Alfa\u202e", "editor_name": "Jan",
                   "editor_email": "bip@alfa.example.pl", "instructions": "Instrukcja"}),
         "editorial_address"),
        (SectionForm({"title": "Dział\x1b"}), "title"),
        (WithdrawForm({"reason": "Omyłka\x06"}), "reason"),
        (PageForm({"title": "O nas\x06", "position": 0}), "title"),
        (NewsForm({"title": "Nabór", "lead": "Zapisy\x06"}), "lead"),
        (EventForm({"title": "Festyn", "starts_at": "2030-05-01T10:00",
                    "place": "Boisko\u202e"}), "place"),
    ]
    for form, field in cases:
        assert not form.is_valid(), form
        assert "U+" in " ".join(form.errors[field]), (form, form.errors)
