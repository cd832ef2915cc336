"""The page cache fast path: TenantMiddleware answers a cached BIP page before the
session, auth and messages middlewares, with the same headers as the full path, and the
in-process gmina lookup it relies on."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ratusz.core import middleware
from ratusz.core.models import Municipality

pytestmark = pytest.mark.django_db

BIP = "/g/alfa/bip/"
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}
PER_RESPONSE = {"X-Request-ID"}


def get(client, url, **extra):
    return client.get(url, **{**BROWSER, **extra})


def headers_of(response) -> dict:
    return {name: value for name, value in response.headers.items()
            if name not in PER_RESPONSE}


@pytest.fixture
def spy(monkeypatch):
    """Counts the page cache look-ups and the pages rendered."""
    from ratusz.bulletin import views

    calls = {"get": 0, "render": 0}
    from ratusz.core import pagecache

    real_get, real_frame = pagecache.get, views._frame

    def get_(key, *args, **kwargs):
        calls["get"] += 1
        return real_get(key, *args, **kwargs)

    def frame(*args, **kwargs):
        calls["render"] += 1
        return real_frame(*args, **kwargs)

    monkeypatch.setattr(pagecache, "get", get_)
    monkeypatch.setattr(views, "_frame", frame)
    return calls


@pytest.mark.parametrize("path", ["", "dzial/uchwaly/", "instrukcja/"])
def test_a_hit_has_the_headers_and_cookie_of_the_full_path(bip_world, path):
    url = BIP + path
    miss = get(Client(), url)
    hit = get(Client(), url)
    assert miss.status_code == hit.status_code == 200
    assert headers_of(hit) == headers_of(miss)
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                 "Referrer-Policy", "Cross-Origin-Opener-Policy", "Content-Language",
                 "Vary", "Content-Length"):
        assert name in hit.headers, name
    assert hit["X-Frame-Options"] == "DENY"
    assert "Accept-Language" in hit["Vary"] and "Cookie" in hit["Vary"]
    assert hit.cookies["csrftoken"].value and miss.cookies["csrftoken"].value


def test_hits_are_answered_before_the_view_and_ask_the_database_nothing(
        bip_world, spy, django_assert_num_queries):
    get(Client(), BIP)
    assert spy == {"get": 1, "render": 1}  # the miss: asked once (by the middleware)
    with django_assert_num_queries(0):
        assert get(Client(), BIP).status_code == 200
    assert spy == {"get": 2, "render": 1}  # the hit: one get, the view not reached


def test_a_returning_visitor_keeps_the_csrf_cookie(bip_world):
    visitor = Client(enforce_csrf_checks=True)
    get(Client(), BIP)  # someone else fills the cache
    first = get(visitor, BIP)
    secret = first.cookies["csrftoken"].value
    again = get(visitor, BIP)
    assert "csrftoken" not in again.cookies or again.cookies["csrftoken"].value == secret
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                      again.content.decode()).group(1)
    response = visitor.post("/i18n/setlang/", {"language": "en", "next": BIP,
                                               "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_the_language_is_part_of_the_cached_answer(bip_world):
    polish = get(Client(), BIP)
    english = get(Client(), BIP, HTTP_ACCEPT_LANGUAGE="en")
    assert polish["Content-Language"] == "pl"
    assert english["Content-Language"] == "en"
    assert get(Client(), BIP, HTTP_ACCEPT_LANGUAGE="en").content.decode().count(
        'lang="en"') == english.content.decode().count('lang="en"')


def test_sessions_and_queries_bypass_the_fast_path(client, bip_world, spy):
    get(Client(), BIP)
    client.force_login(bip_world.editor)
    get(client, BIP)
    get(Client(), f"{BIP}szukaj/?q=uchwała")
    assert spy == {"get": 1, "render": 3}


def test_a_cached_entry_still_counts_its_views(bip_world):
    url = f"{BIP}wpis/{bip_world.resolution.pk}/"
    get(Client(), url)
    get(Client(), url)
    get(Client(), url, HTTP_USER_AGENT="Googlebot/2.1")
    bip_world.resolution.refresh_from_db()
    assert bip_world.resolution.views == 2


def test_the_gmina_lookup_is_kept_briefly_and_forgotten_on_save(
        client, municipality_a, django_assert_num_queries):
    middleware.forget_municipalities()
    first = middleware.municipality_by_slug("alfa")
    with django_assert_num_queries(0):
        second = middleware.municipality_by_slug("alfa")
    assert first == second and first is not second  # each request its own copy
    assert middleware.municipality_by_slug("nie-ma") is None
    municipality_a.is_active = False
    municipality_a.save()
    assert middleware.municipality_by_slug("alfa") is None
    assert client.get("/g/alfa/").status_code == 404


def test_the_gmina_lookup_expires(monkeypatch, municipality_a):
    middleware.forget_municipalities()
    assert middleware.municipality_by_slug("alfa") is not None
    Municipality.objects.filter(pk=municipality_a.pk).update(is_active=False)  # no signal
    assert middleware.municipality_by_slug("alfa") is not None  # still kept
    now = middleware.time.monotonic()
    monkeypatch.setattr(middleware.time, "monotonic",
                        lambda: now + middleware.MUNICIPALITY_CACHE_SECONDS + 1)
    assert middleware.municipality_by_slug("alfa") is None
