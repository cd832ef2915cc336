"""Writes of the BIP: sanitising the editor's HTML, versions of published entries,
withdrawal, the approval step, attachments checked by their bytes, the statistics, and
bad input that leaves nothing behind."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from ratusz.accounts.permissions import Role
from ratusz.bulletin import services
from ratusz.bulletin.models import (
    Attachment,
    ChangeKind,
    Entry,
    EntryState,
    EntryVersion,
    MonthlyStat,
)
from ratusz.bulletin.services import BulletinError, EntryData
from ratusz.core.models import AuditLog
from ratusz.testing.pdf import tiny_pdf


@pytest.fixture
def site(department_a):
    return services.ensure_site(department_a.unit)


@pytest.fixture
def editor(make_staff, municipality_a):
    return make_staff(municipality_a, Role.REGISTRY_CLERK, username="alfa.redaktor",
                      first_name="Anna", last_name="Kowalczyk")


@pytest.fixture
def approver(make_staff, municipality_a):
    return make_staff(municipality_a, Role.SECRETARY, username="alfa.sekretarz")


def data(**overrides) -> EntryData:
    values = {"title": "Uchwała nr XII/85/2026", "body": "<p>Treść uchwały.</p>",
              "produced_by": "Biuro Rady Gminy", "responsible": "Przewodniczący Rady",
              "produced_on": timezone.localdate() - timedelta(days=3),
              "kind": "document", "number": "XII/85/2026"}
    values.update(overrides)
    return EntryData(**values)


def section(site, slug="uchwaly"):
    return site.sections.get(slug=slug)


# --- sanitising ----------------------------------------------------------------------------

def test_sanitise_removes_scripts_handlers_styles_and_javascript_links():
    html = services.sanitise(
        '<p onclick="steal()" style="color:red">Tekst<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">link</a><a href="https://bip.gov.pl">BIP</a>'
        '<style>p{}</style>')
    assert "<script" not in html and "alert(1)" not in html
    assert "onclick" not in html and "style" not in html
    assert "javascript:" not in html
    assert 'href="https://bip.gov.pl"' in html
    assert "Tekst" in html


def test_sanitise_drops_foreign_iframes_and_keeps_a_youtube_nocookie_recording():
    foreign = services.sanitise('<iframe src="https://evil.example/x"></iframe><p>a</p>')
    assert "iframe" not in foreign and "<p>a</p>" in foreign
    recording = services.sanitise(
        '<iframe src="https://www.youtube-nocookie.com/embed/abc" title="Sesja"></iframe>')
    assert '<iframe src="https://www.youtube-nocookie.com/embed/abc"' in recording


def test_missing_alt_counts_images_without_a_text():
    assert services.missing_alt('<img src="a.png"><img src="b.png" alt="  ">'
                                '<img src="c.png" alt="Herb gminy">') == 2
    assert services.missing_alt("<p>bez obrazów</p>") == 0


def test_an_image_without_alt_is_refused_with_a_precise_message(site, editor):
    with pytest.raises(BulletinError) as caught:
        services.create_entry(section(site), data(body='<img src="https://x/a.png">'),
                              acting_user=editor)
    assert ("body", caught.value.errors[0][1]) in caught.value.errors
    assert "alternative text" in caught.value.message or "alternatywn" in caught.value.message


# --- versions ------------------------------------------------------------------------------

def test_create_then_publish_makes_version_one(site, editor):
    entry = services.create_entry(section(site), data(), acting_user=editor)
    assert entry.state == EntryState.DRAFT and entry.version == 0
    assert not EntryVersion.objects.filter(entry=entry).exists()
    entry = services.submit_entry(entry, acting_user=editor)
    assert entry.state == EntryState.PUBLISHED and entry.published_at is not None
    version = EntryVersion.objects.get(entry=entry)
    assert (version.number, version.kind, version.title) == (1, ChangeKind.CREATED,
                                                              entry.title)


def test_updating_a_published_entry_makes_version_two_and_keeps_version_one(site, editor):
    entry = services.submit_entry(
        services.create_entry(section(site), data(), acting_user=editor), acting_user=editor)
    published_at = entry.published_at
    services.update_entry(entry, data(body="<p>Treść poprawiona.</p>"), acting_user=editor,
                          reason="Omyłka pisarska")
    entry.refresh_from_db()
    first, second = EntryVersion.objects.filter(entry=entry).order_by("number")
    assert first.number == 1 and first.body == "<p>Treść uchwały.</p>"
    assert second.number == 2 and second.kind == ChangeKind.EDITED
    assert second.body == "<p>Treść poprawiona.</p>" and second.reason == "Omyłka pisarska"
    assert entry.version == 2 and entry.published_at == published_at
    with pytest.raises(TypeError):
        first.save()


def test_withdrawal_needs_a_reason_and_makes_a_version(site, editor):
    entry = services.submit_entry(
        services.create_entry(section(site), data(), acting_user=editor), acting_user=editor)
    with pytest.raises(BulletinError) as caught:
        services.withdraw_entry(entry, acting_user=editor, reason="   ")
    assert caught.value.field == "reason"
    assert Entry.objects.get(pk=entry.pk).state == EntryState.PUBLISHED
    services.withdraw_entry(entry, acting_user=editor, reason="Opublikowano omyłkowo")
    entry.refresh_from_db()
    assert entry.state == EntryState.WITHDRAWN and entry.is_public
    last = EntryVersion.objects.filter(entry=entry).order_by("number").last()
    assert (last.number, last.kind, last.reason) == (2, ChangeKind.WITHDRAWN,
                                                     "Opublikowano omyłkowo")


def test_approval_the_author_cannot_approve_another_editor_can(site, editor, approver):
    site.requires_approval = True
    site.save()
    entry = services.submit_entry(
        services.create_entry(section(site), data(), acting_user=editor), acting_user=editor)
    assert entry.state == EntryState.AWAITING and not entry.is_public
    with pytest.raises(BulletinError) as caught:
        services.approve_entry(entry, acting_user=editor)
    assert caught.value.code == "same_person"
    entry = services.approve_entry(entry, acting_user=approver)
    assert entry.state == EntryState.PUBLISHED
    assert EntryVersion.objects.get(entry=entry).changed_by == approver


# --- attachments ---------------------------------------------------------------------------

def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def odt_bytes() -> bytes:
    return zipped({"mimetype": b"application/vnd.oasis.opendocument.text",
                   "content.xml": b"<office:document-content/>"})


@pytest.fixture
def draft(site, editor):
    return services.create_entry(section(site), data(), acting_user=editor)


@pytest.mark.parametrize("name,content", [
    ("uchwala.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
    ("uchwala.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    ("uchwala.pdf", b""),
])
def test_an_exe_or_html_renamed_pdf_is_refused(draft, editor, name, content):
    with pytest.raises(BulletinError) as caught:
        services.add_attachment(draft, name=name, data=content, acting_user=editor)
    assert caught.value.field == "files"
    assert not Attachment.objects.filter(entry=draft).exists()


@pytest.mark.parametrize("name,make,content_type", [
    ("uchwala.pdf", lambda: tiny_pdf(["Uchwala nr XII/85/2026"]), "application/pdf"),
    ("protokol.docx", docx_bytes,
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("protokol.odt", odt_bytes, "application/vnd.oasis.opendocument.text"),
])
def test_a_real_pdf_docx_or_odt_is_accepted(draft, editor, name, make, content_type):
    content = make()
    attachment = services.add_attachment(draft, name=name, data=content, acting_user=editor)
    assert attachment.content_type == content_type and attachment.size == len(content)
    assert attachment.file.read() == content


def test_the_demo_pdf_is_a_pdf_weasyprint_would_also_do():
    pdf = tiny_pdf(["Zażółć gęślą jaźń (test)"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert b"Zazolc gesla jazn \\(test\\)" in pdf


# --- statistics ----------------------------------------------------------------------------

def test_views_and_downloads_grow_the_totals_and_the_month_row(draft, editor):
    attachment = services.add_attachment(draft, name="a.pdf", data=tiny_pdf(["a"]),
                                         acting_user=editor)
    for _ in range(3):
        services.record_view(draft)
    services.record_download(attachment)
    services.record_download(attachment)
    draft.refresh_from_db()
    attachment.refresh_from_db()
    assert draft.views == 3 and attachment.downloads == 2
    month = MonthlyStat.objects.get(entry=draft)
    assert month.month == timezone.localdate().replace(day=1)
    assert (month.views, month.downloads) == (3, 2)


# --- bad input -----------------------------------------------------------------------------

def counts():
    return (Entry.objects.count(), EntryVersion.objects.count(), Attachment.objects.count(),
            AuditLog.objects.count())


@pytest.mark.parametrize("bad", [
    {"title": "  "}, {"produced_by": ""}, {"responsible": " "},
    {"produced_on": timezone.localdate() + timedelta(days=2)},
    {"kind": "poem"}, {"body": '<p>x</p><img src="https://x/y.png" alt="">'},
    {"publish_from": timezone.now() + timedelta(days=2),
     "expires_at": timezone.now() + timedelta(days=1)},
])
def test_bad_input_leaves_nothing(site, editor, bad):
    before = counts()
    with pytest.raises(BulletinError) as caught:
        services.create_entry(section(site), data(**bad), acting_user=editor)
    assert caught.value.errors
    assert counts() == before


def test_a_bad_change_of_a_published_entry_leaves_it_as_it_was(site, editor):
    entry = services.submit_entry(
        services.create_entry(section(site), data(), acting_user=editor), acting_user=editor)
    before = counts()
    with pytest.raises(BulletinError):
        services.update_entry(entry, data(title=""), acting_user=editor, reason="x")
    assert counts() == before
    entry.refresh_from_db()
    assert entry.title == "Uchwała nr XII/85/2026" and entry.version == 1
