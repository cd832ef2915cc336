"""Issue 15, finding 6, the BIP's part: every text of the BIP and the websites is bounded,
every date is within a plausible range (nothing before 1 January 1990; the date produced
not after today; an act, a scheduled publication, a news item at most a year ahead; an
expiry ten years, an event five), a page's position too; attachment names lose control
characters and bidirectional controls, and the staff pages show stored names safely."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ratusz.bulletin import services
from ratusz.bulletin.forms import EntryForm
from ratusz.bulletin.models import Attachment, Entry, Event, NewsItem, WebPage
from ratusz.bulletin.services import BulletinError
from ratusz.bulletin.tests.conftest import PDF, entry_data
from ratusz.testing.pdf import tiny_pdf

pytestmark = pytest.mark.django_db


def errors_of(call) -> dict:
    with pytest.raises(BulletinError) as caught:
        call()
    return dict(caught.value.errors)


def ahead(years: int, days: int = 0) -> date:
    """The same day `years` years from today (28 February for 29 February), `days` on."""
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year + years)
    except ValueError:
        day = today.replace(year=today.year + years, day=28)
    return day + timedelta(days=days)


def moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


# --- lengths ----------------------------------------------------------------------------

@pytest.mark.parametrize("field,limit", [
    ("title", 300), ("number", 80), ("produced_by", 200), ("responsible", 200),
    ("body", 1_000_000)])
def test_every_text_of_an_entry_is_bounded(bip_site_a, bip_editor_a, field, limit):
    section = bip_site_a.sections.get(slug="ogloszenia")
    values = {"title": "Ogłoszenie", "body": "<p>Treść.</p>"}
    values[field] = "x" * (limit + 1)
    title, body = values.pop("title"), values.pop("body")
    found = errors_of(lambda: services.create_entry(
        section, entry_data(title, body, **values), acting_user=bip_editor_a))
    assert str(limit) in found[field]
    assert not Entry.objects.exists()


def test_the_longest_body_is_taken(bip_site_a, bip_editor_a):
    body = "<p>" + "x" * (1_000_000 - 7) + "</p>"
    entry = services.create_entry(bip_site_a.sections.get(slug="ogloszenia"),
                                  entry_data("Długi wpis", body), acting_user=bip_editor_a)
    assert len(entry.body) == 1_000_000


def test_reasons_site_fields_and_section_titles_are_bounded(bip_world):
    editor, entry = bip_world.editor, bip_world.announcement
    assert "2000" in errors_of(lambda: services.withdraw_entry(
        entry, acting_user=editor, reason="x" * 2001))["reason"]
    assert "2000" in errors_of(lambda: services.update_entry(
        entry, entry_data("Nowy"), acting_user=editor, reason="x" * 2001))["reason"]
    values = {name: getattr(bip_world.site, name) for name in services.SITE_FIELDS}
    found = errors_of(lambda: services.update_site(bip_world.site, {
        **values, "instructions": "x" * 10_001, "editor_phone": "1" * 41},
        acting_user=editor))
    assert set(found) == {"instructions", "editor_phone"}
    assert "200" in errors_of(lambda: services.add_section(
        bip_world.site, title="x" * 201, is_register=False, acting_user=editor))["title"]
    assert "200" in errors_of(lambda: services.rename_section(
        bip_world.section("uchwaly"), title="x" * 201, acting_user=editor))["title"]


def test_website_texts_are_bounded(bip_school_a, bip_school_editor_a):
    unit, user = bip_school_a, bip_school_editor_a
    assert "1000" in errors_of(lambda: services.create_news(unit, services.NewsData(
        title="Nabór", lead="x" * 1001), acting_user=user))["lead"]
    assert "1000000" in errors_of(lambda: services.create_page(unit, services.PageData(
        title="O nas", body="x" * 1_000_001), acting_user=user))["body"]
    assert not NewsItem.objects.exists() and not WebPage.objects.exists()


def test_a_page_position_beyond_any_menu_is_taken_as_the_last(bip_school_a,
                                                               bip_school_editor_a):
    # A position the database cannot hold answered 500.
    page = services.create_page(bip_school_a, services.PageData(
        title="O nas", position=10**20), acting_user=bip_school_editor_a)
    assert page.position == services.MAX_POSITION


def test_the_entry_form_bounds_the_body_like_the_service(bip_site_a):
    form = EntryForm({"section": bip_site_a.sections.get(slug="ogloszenia").pk,
                      "kind": "article", "title": "Wpis", "body": "x" * 1_000_001,
                      "produced_by": "Referat", "responsible": "Jan",
                      "produced_on": timezone.localdate().isoformat()}, site=bip_site_a)
    assert not form.is_valid() and "body" in form.errors


# --- dates ------------------------------------------------------------------------------

@pytest.mark.parametrize("field,value", [
    ("produced_on", date(1, 1, 1)),
    ("produced_on", date(1989, 12, 31)),
    ("act_date", date(1, 1, 1)),
    ("act_date", date(1989, 12, 31)),
    ("act_date", "a year and a day"),
    ("publish_from", datetime(1, 1, 1, tzinfo=UTC)),
    ("publish_from", "a year and a day"),
    ("expires_at", datetime(9999, 12, 31, 23, 59, tzinfo=UTC)),
    ("expires_at", "ten years and a day"),
])
def test_entry_dates_are_within_a_plausible_range(bip_site_a, bip_editor_a, field, value):
    if value == "a year and a day":
        value = ahead(1, 1) if field == "act_date" else moment(ahead(1, 1))
    elif value == "ten years and a day":
        value = moment(ahead(10, 1))
    section = bip_site_a.sections.get(slug="ogloszenia")
    found = errors_of(lambda: services.create_entry(
        section, entry_data("Wpis", **{field: value}), acting_user=bip_editor_a))
    assert "1990-01-01" in found[field]
    assert not Entry.objects.exists()


def test_the_edges_of_the_ranges_are_taken(bip_site_a, bip_editor_a):
    entry = services.create_entry(
        bip_site_a.sections.get(slug="ogloszenia"),
        entry_data("Wpis", produced_on=date(1990, 1, 1), act_date=ahead(1),
                   publish_from=moment(ahead(1)) - timedelta(hours=13),
                   expires_at=moment(ahead(10)) - timedelta(hours=13)),
        acting_user=bip_editor_a)
    assert entry.produced_on == date(1990, 1, 1) and entry.act_date == ahead(1)


def test_the_editor_gets_the_range_not_a_server_error(client, bip_site_a, bip_editor_a):
    client.force_login(bip_editor_a)
    section = bip_site_a.sections.get(slug="ogloszenia")
    answer = client.post(reverse("bip-staff:entry-new", args=["alfa", bip_site_a.pk]), {
        "section": section.pk, "kind": "article", "title": "Wpis", "body": "<p>a</p>",
        "produced_by": "Referat", "responsible": "Jan", "produced_on": "0001-01-01",
        "act_date": "9999-12-31", "publish_from": "0001-01-01T00:00",
        "expires_at": "9999-12-31T23:59", "action": "publish"})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert page.count("1990-01-01") >= 4
    assert not Entry.objects.exists()


@pytest.mark.parametrize("field,value", [
    ("starts_at", datetime(1, 1, 1, tzinfo=UTC)),
    ("starts_at", "five years and a day"),
    ("ends_at", datetime(9999, 12, 31, 23, 59, tzinfo=UTC)),
])
def test_event_dates_are_within_a_plausible_range(bip_school_a, bip_school_editor_a, field,
                                                  value):
    if value == "five years and a day":
        value = moment(ahead(5, 1))
    values = {"starts_at": timezone.now() + timedelta(days=1), field: value}
    found = errors_of(lambda: services.create_event(bip_school_a, services.EventData(
        title="Festyn", **values), acting_user=bip_school_editor_a))
    assert "1990-01-01" in found[field]
    assert not Event.objects.exists()


def test_a_news_date_is_within_a_plausible_range(bip_school_a, bip_school_editor_a):
    for value in (datetime(1, 1, 1, tzinfo=UTC), moment(ahead(1, 1))):
        found = errors_of(lambda value=value: services.create_news(
            bip_school_a, services.NewsData(title="Nabór", published_at=value),
            acting_user=bip_school_editor_a))
        assert "1990-01-01" in found["published_at"]
    assert not NewsItem.objects.exists()


# --- attachment names -------------------------------------------------------------------

@pytest.mark.parametrize("name,stored", [
    ("faktura\u202efdp.pdf", "fakturafdp.pdf"),
    ("uchwa\x00la.pdf", "uchwala.pdf"),
    ("pro\u2066to\u2069kol\u200b.pdf", "protokol.pdf"),
    ("za\tłą\ncznik\x7f.pdf", "załącznik.pdf"),
    ("Zaz\u0307o\u0301ł\u0107.pdf", "Zażółć.pdf"),  # decomposed, as a Mac sends it
    ("\u202e\u202e.pdf", ".pdf"),
])
def test_attachment_names_lose_control_and_bidirectional_characters(
        bip_world, name, stored):
    attachment = services.add_attachment(bip_world.resolution, name=name, data=PDF,
                                         acting_user=bip_world.editor)
    assert attachment.name == stored


def test_a_refused_file_is_named_without_its_invisible_characters(bip_world):
    with pytest.raises(BulletinError) as caught:
        services.add_attachment(bip_world.resolution, name="faktura\u202eexe.pdf",
                                data=b"MZ\x90\x00" + b"\x00" * 100,
                                acting_user=bip_world.editor)
    assert "\u202e" not in caught.value.message and "fakturaexe.pdf" in caught.value.message


def test_the_staff_pages_show_a_stored_name_safely(client, bip_world):
    # A name written before names were cleaned: its characters made visible, never active.
    attachment = services.add_attachment(bip_world.announcement, name="a.pdf",
                                         data=tiny_pdf(["a"]), acting_user=bip_world.editor)
    Attachment.objects.filter(pk=attachment.pk).update(name="faktura\u202efdp.exe\x06")
    client.force_login(bip_world.editor)
    page = client.get(reverse("bip-staff:entry-edit",
                              args=["alfa", bip_world.announcement.pk])).content.decode()
    assert "\u202e" not in page and "\x06" not in page
    assert "faktura\ufffdfdp.exe\ufffd" in page
    public = client.get(f"/g/alfa/bip/wpis/{bip_world.announcement.pk}/").content.decode()
    assert "\u202e" not in public and "faktura\ufffdfdp.exe" in public
    download = client.get(f"/g/alfa/bip/zalacznik/{attachment.pk}/")
    assert download.status_code == 200
    assert "\u202e" not in download["Content-Disposition"]
    assert "fakturafdp.exe" in download["Content-Disposition"]


def test_an_upload_through_the_editor_stores_the_clean_name(client, bip_site_a, bip_editor_a):
    client.force_login(bip_editor_a)
    section = bip_site_a.sections.get(slug="ogloszenia")
    pdf = SimpleUploadedFile("ogłoszenie\u200b.pdf", tiny_pdf(["x"]), "application/pdf")
    answer = client.post(reverse("bip-staff:entry-new", args=["alfa", bip_site_a.pk]), {
        "section": section.pk, "kind": "article", "title": "Wpis", "body": "<p>a</p>",
        "produced_by": "Referat", "responsible": "Jan",
        "produced_on": timezone.localdate().isoformat(), "action": "save", "files": [pdf]})
    assert answer.status_code == 302
    assert Attachment.objects.get().name == "ogłoszenie.pdf"
