"""The BIP editor as editors use it (issue 23, item 14): the kind of entry follows the
section (a resolution in "Uchwały" is a document), a correction of a published entry needs
its reason, and the public entry says it was corrected, when and why."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from ratusz.bulletin.defaults import section_entry_kind
from ratusz.bulletin.models import Entry, EntryVersion
from ratusz.bulletin.tests.test_staff import (  # noqa: F401 - fixtures
    clerk,
    form_data,
    office,
    site,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_pages():
    cache.clear()


@pytest.mark.parametrize(("slug", "is_register", "kind"), [
    ("uchwaly", True, "document"), ("zarzadzenia", True, "document"),
    ("statut", False, "document"), ("ogloszenia", False, "announcement"),
    ("nabor", False, "announcement"), ("o-gminie", False, "article"),
    ("moj-dzial", True, "document"), ("moj-dzial", False, "article"),
])
def test_the_kind_of_entry_follows_the_section(slug, is_register, kind):
    assert section_entry_kind(slug, is_register) == kind


def resolution(site, **overrides):
    return form_data(site, **{
        "section": site.sections.get(slug="uchwaly").pk, "kind": "article",
        "title": "Uchwała nr XIII/90/2026 w sprawie sieci kanalizacyjnej",
        "number": "XIII/90/2026", "body": "<p>Termin: 30 czerwca.</p>", **overrides})


def test_a_resolution_in_uchwaly_is_a_document_whatever_was_sent(client, site, clerk):
    client.force_login(clerk)
    page = client.get(url("entry-new", site.pk)).content.decode()
    assert 'name="kind"' not in page

    client.post(url("entry-new", site.pk), resolution(site, action="publish"))

    assert Entry.objects.get().kind == "document"


def test_a_correction_of_a_published_entry_needs_its_reason(client, site, clerk):
    client.force_login(clerk)
    client.post(url("entry-new", site.pk), resolution(site, action="publish"))
    entry = Entry.objects.get()

    refused = client.post(url("entry-edit", entry.pk),
                          resolution(site, body="<p>Termin: 15 lipca.</p>"))

    assert refused.status_code == 400
    assert refused.context["form"].errors["reason"]
    assert EntryVersion.objects.filter(entry=entry).count() == 1
    entry.refresh_from_db()
    assert "30 czerwca" in entry.body


def test_the_public_entry_says_it_was_corrected_when_and_why(client, site, clerk):
    client.force_login(clerk)
    client.post(url("entry-new", site.pk), resolution(site, action="publish"))
    entry = Entry.objects.get()
    public = f"/g/alfa/bip/wpis/{entry.pk}/"
    assert "bip-notice--corrected" not in client.get(public).content.decode()

    client.post(url("entry-edit", entry.pk), resolution(
        site, body="<p>Termin: 15 lipca.</p>", reason="Przedłużono termin składania uwag"))
    client.logout()

    page = client.get(public).content.decode()
    note = re.search(r'<div class="bip-notice[^"]*bip-notice--corrected".*?</div>', page, re.S)
    assert note, "the public page says the entry was corrected"
    assert "Przedłużono termin składania uwag" in note.group(0)
    changed_at = timezone.localtime(EntryVersion.objects.get(entry=entry, number=2).changed_at)
    assert str(changed_at.year) in note.group(0) and f"{changed_at:%H:%M}" in note.group(0)
    diff = f"/g/alfa/bip/wpis/{entry.pk}/wersje/2/zmiany/"
    assert diff in note.group(0) and client.get(diff).status_code == 200
