"""Queries per public page of the BIP without the page cache (issue 18, goal 4): what a
page asks the database is counted, and it must not grow with the entries it lists. A page
that starts asking once per row (a menu, a section's entries, an entry's attachments or
versions) fails here before it is slow at a regional installation's scale."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ratusz.bulletin.tests.conftest import publish
from ratusz.core import pagecache

pytestmark = pytest.mark.django_db

BIP = "/g/alfa/bip/"
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}
#: Most queries an uncached public page may ask (today's counts with some room).
CEILING = 20


def queries_of(client, url: str) -> int:
    """The queries of one anonymous GET rendered afresh (the page cache emptied)."""
    cache.clear()
    pagecache.forget_process_state()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **BROWSER)
    assert response.status_code == 200, url
    return len(captured)


def pages(world) -> dict[str, str]:
    return {"home": BIP, "section": f"{BIP}dzial/uchwaly/",
            "announcements": f"{BIP}dzial/ogloszenia/",
            "entry": f"{BIP}wpis/{world.resolution.pk}/",
            "register": f"{BIP}rejestr-zmian/", "unit": f"{BIP}jednostki/szkola/",
            "gmina home": "/g/alfa/"}


def test_uncached_bip_pages_ask_few_queries_however_many_entries(client, bip_world):
    urls = pages(bip_world)
    urls["unit"] = f"{BIP}jednostki/{bip_world.school_site.unit.slug}/"
    for url in urls.values():  # what a process looks up once (the gmina's sites, menus)
        queries_of(client, url)
    before = {name: queries_of(client, url) for name, url in urls.items()}
    for number in range(5):
        publish(bip_world.section("uchwaly"), bip_world.editor,
                f"Uchwała nr {number} w sprawie zmian w budżecie",
                kind="document", number=f"XII/{90 + number}/2026",
                act_date=bip_world.resolution.act_date)
        publish(bip_world.section("ogloszenia"), bip_world.editor,
                f"Obwieszczenie nr {number}")
    after = {name: queries_of(client, url) for name, url in urls.items()}
    grew = {name: (before[name], after[name]) for name in urls if after[name] > before[name]}
    assert not grew, f"queries grew with the entries: {grew}"
    assert max(after.values()) <= CEILING, after
