"""While the shared cache (Redis) restarts, pages and writes still answer (issue 22, the
faults bench): no page from an old generation, no 500 after a committed write."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from ratusz.core import pagecache, routers


class Unreachable:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Error 111 connecting to the shared cache")
        return fail


@pytest.fixture
def shared_cache_down(monkeypatch):
    monkeypatch.setattr(pagecache, "_shared", Unreachable)
    monkeypatch.setattr(routers, "cache", Unreachable())
    pagecache.forget_process_state()
    yield
    pagecache.forget_process_state()


def test_a_page_generation_without_the_shared_cache_is_a_miss_not_an_error(
        shared_cache_down, settings):
    settings.RATUSZ_PAGE_CACHE_CHECK_SECONDS = 60
    first, second = pagecache.generation(5), pagecache.generation(5)
    assert first and second and first != second  # nothing cached under either


@pytest.mark.django_db(transaction=True)
def test_an_edit_whose_generation_cannot_be_renewed_tries_again(shared_cache_down,
                                                                monkeypatch):
    retries = []
    monkeypatch.setattr(pagecache, "later",
                        lambda seconds, function, *args: retries.append((seconds, args)))
    monkeypatch.setattr(pagecache, "_replica_may_lag", lambda: False)
    pagecache.invalidate(5)  # outside a transaction: at once; must not raise
    assert retries == [(1, (2,))]


def test_an_api_client_is_read_from_the_primary_while_its_pin_cannot_be_read(
        shared_cache_down):
    request = RequestFactory().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer rtz_a_b")
    assert routers.pinned_to_primary(request) is True


def test_a_committed_write_keeps_its_answer_when_its_pin_cannot_be_stored(
        shared_cache_down):
    request = RequestFactory().post("/api/v1/incoming", HTTP_AUTHORIZATION="Bearer rtz_a_b")
    response = HttpResponse(status=201)
    routers.pin_to_primary(request, response)
    assert response.status_code == 201


def test_a_task_that_cannot_be_looked_up_after_the_commit_is_logged_not_raised(
        monkeypatch, caplog):
    """The first submission of a web process once answered 500 after its commit: another
    thread was half-way through importing the tasks (the faults bench)."""
    from celery.exceptions import NotRegistered

    from ratusz.core import effects

    def not_yet(name):
        raise NotRegistered(name)

    monkeypatch.setattr(effects, "registered_task", not_yet)
    effects._send("eservices.make_receipt", (1,), {})
    assert "effects.broker_unreachable" in caplog.text
