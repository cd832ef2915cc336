"""The page cache's invalidation (a gmina's generation renewed by every edit, read by each
process at most RATUSZ_PAGE_CACHE_CHECK_SECONDS late) and the buffered view counter."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.core.cache import caches
from django.test import Client

from ratusz.bulletin import services
from ratusz.bulletin.models import Entry, MonthlyStat
from ratusz.bulletin.tests.conftest import PDF, entry_data
from ratusz.core import pagecache

pytestmark = pytest.mark.django_db

BIP = "/g/alfa/bip/"
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}


def page(url: str) -> str:
    response = Client().get(url, **BROWSER)
    assert response.status_code == 200
    return response.content.decode()


def edit_title(entry: Entry, editor, title: str, capture) -> None:
    with capture(execute=True):
        services.update_entry(entry, entry_data(title), acting_user=editor,
                              reason="Poprawa tytułu")


def test_an_edit_shows_on_cached_pages_at_once(bip_world, django_capture_on_commit_callbacks):
    entry = bip_world.announcement
    for url in (BIP, f"{BIP}dzial/ogloszenia/", f"{BIP}wpis/{entry.pk}/"):
        assert "wyłożeniu projektu planu" in page(url)
        assert "wyłożeniu projektu planu" in page(url)  # now from the cache
    edit_title(entry, bip_world.editor, "Obwieszczenie o przedłużeniu terminu uwag",
               django_capture_on_commit_callbacks)
    for url in (BIP, f"{BIP}dzial/ogloszenia/", f"{BIP}wpis/{entry.pk}/"):
        assert "przedłużeniu terminu uwag" in page(url), url


def test_nothing_is_renewed_before_the_edit_commits(bip_world,
                                                    django_capture_on_commit_callbacks):
    before = pagecache.generation(bip_world.site.municipality_id)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.update_entry(bip_world.announcement, entry_data("Nowy tytuł"),
                              acting_user=bip_world.editor, reason="Zmiana")
        assert pagecache.generation(bip_world.site.municipality_id) == before
    assert callbacks  # the renewal waits for the commit
    for callback in callbacks:
        callback()
    assert pagecache.generation(bip_world.site.municipality_id) != before


def test_another_gminas_edit_leaves_the_cache_alone(bip_world, municipality_b,
                                                     django_capture_on_commit_callbacks):
    mine = pagecache.generation(bip_world.site.municipality_id)
    theirs = pagecache.generation(municipality_b.pk)
    with django_capture_on_commit_callbacks(execute=True):
        municipality_b.save()
    assert pagecache.generation(municipality_b.pk) != theirs
    assert pagecache.generation(bip_world.site.municipality_id) == mine


def test_counters_do_not_renew_the_generation(bip_world, django_capture_on_commit_callbacks):
    before = pagecache.generation(bip_world.site.municipality_id)
    attachment = services.add_attachment(bip_world.announcement, name="a.pdf", data=PDF,
                                         acting_user=bip_world.editor)
    after_edit = pagecache.generation(bip_world.site.municipality_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_view(bip_world.announcement)
        services.record_download(attachment)
    assert pagecache.generation(bip_world.site.municipality_id) == after_edit
    assert before is not None


def test_a_process_sees_another_processes_edit_within_the_check_interval(
        bip_world, settings):
    settings.RATUSZ_PAGE_CACHE_CHECK_SECONDS = 0.3
    municipality_id = bip_world.site.municipality_id
    pagecache.forget_process_state()
    seen = pagecache.generation(municipality_id)
    # another process renews the generation in the shared cache
    caches["default"].set(f"{pagecache.GENERATION_PREFIX}{municipality_id}", "other",
                          timeout=None)
    assert pagecache.generation(municipality_id) == seen  # still trusted here
    time.sleep(0.35)
    assert pagecache.generation(municipality_id) == "other"


def test_a_lost_generation_is_replaced_by_a_new_one(bip_world):
    municipality_id = bip_world.site.municipality_id
    old = pagecache.generation(municipality_id)
    assert "wyłożeniu projektu planu" in page(BIP)
    caches["default"].delete(f"{pagecache.GENERATION_PREFIX}{municipality_id}")
    Entry.objects.filter(pk=bip_world.announcement.pk).update(title="Zmienione po cichu")
    fresh = pagecache.generation(municipality_id)
    assert fresh != old
    assert "Zmienione po cichu" in page(BIP)  # the old pages are no longer found


# --- the buffered view counter ------------------------------------------------------------

def test_views_are_buffered_and_written_together(bip_world, settings):
    settings.RATUSZ_BIP_VIEW_FLUSH_SECONDS = 3600  # the flusher thread will not run here
    entry = bip_world.announcement
    for _ in range(4):
        services.record_view(entry)
    entry.refresh_from_db()
    assert entry.views == 0
    assert services.flush_views() == 4
    entry.refresh_from_db()
    assert entry.views == 4
    assert MonthlyStat.objects.get(entry=entry).views == 4
    assert services.flush_views() == 0


def test_a_view_of_a_deleted_entry_is_dropped(bip_world, settings):
    settings.RATUSZ_BIP_VIEW_FLUSH_SECONDS = 3600
    services.record_view(Entry(pk=987654, municipality_id=bip_world.site.municipality_id))
    assert services.flush_views() == 0
    assert not MonthlyStat.objects.filter(entry_id=987654).exists()


@pytest.mark.django_db(transaction=True)
def test_the_flusher_thread_writes_the_views_of_cached_pages(bip_world, settings):
    settings.RATUSZ_BIP_VIEW_FLUSH_SECONDS = 0.2
    entry = bip_world.resolution
    for _ in range(3):
        page(f"{BIP}wpis/{entry.pk}/")  # a miss, then two hits from the cache
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        entry.refresh_from_db()
        if entry.views == 3:
            break
        time.sleep(0.1)
    assert entry.views == 3
    assert MonthlyStat.objects.get(entry=entry).views == 3


# --- Redis: the generation shared by separate processes -----------------------------------

@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs the test Redis")
def test_another_process_renews_the_generation_through_redis(settings):
    url = os.environ["REDIS_URL"]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": url, "KEY_PREFIX": f"pagecache-test-{os.getpid()}"},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                  "LOCATION": "pagecache-test"},
    }
    settings.RATUSZ_PAGE_CACHE_CHECK_SECONDS = 0.0
    try:
        pagecache.forget_process_state()
        before = pagecache.generation(424242)
        assert before == pagecache.generation(424242)
        script = (
            "import django, os;"
            "os.environ['DJANGO_SETTINGS_MODULE']='config.settings.dev';"
            f"os.environ['RATUSZ_CACHE_URL']={url!r};"
            "django.setup();"
            "from django.core.cache import caches;"
            f"caches['default'].key_prefix={'pagecache-test-' + str(os.getpid())!r};"
            "from ratusz.core import pagecache;"
            "pagecache.invalidate(424242)"
        )
        subprocess.run([sys.executable, "-c", script], check=True, timeout=60,
                       env={**os.environ, "RATUSZ_VAR_DIR": os.environ.get(
                           "RATUSZ_VAR_DIR", "/tmp")})
        assert pagecache.generation(424242) != before
    finally:
        caches["default"].delete(f"{pagecache.GENERATION_PREFIX}424242")
        pagecache.forget_process_state()
