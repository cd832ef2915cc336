"""Reads from the replica, writes to the primary, read-your-writes (ratusz/core/routers.py).

On PostgreSQL the `replica` database of these tests is a second connection to the test
database (what a streaming replica shows, without the lag); the cluster (docs/scaling.md)
runs a real one.
"""

from __future__ import annotations

import time

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection, connections, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from ratusz.core import routers
from ratusz.core.models import Department
from ratusz.core.routers import (
    PIN_COOKIE,
    PRIMARY,
    REPLICA,
    ReplicaReadsMiddleware,
    ReplicaRouter,
)
from ratusz.core.tenancy import set_database_tenant
from ratusz.core.tests.factories import DepartmentFactory

router = ReplicaRouter()


@pytest.fixture
def replica_reads_allowed():
    token = routers._replica_reads.set(True)
    yield
    routers._replica_reads.reset(token)


@pytest.fixture
def replica_is_usable(monkeypatch):
    monkeypatch.setattr(routers, "replica_usable", lambda: True)


def test_reads_go_to_the_primary_outside_a_request_that_allows_the_replica():
    assert router.db_for_read(Department) == PRIMARY


def test_a_request_that_allows_it_reads_tenant_data_from_the_replica(replica_reads_allowed):
    assert router.db_for_read(Department) == REPLICA


def test_sessions_and_security_state_are_always_read_from_the_primary(replica_reads_allowed):
    from axes.models import AccessAttempt
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (Session, AccessAttempt, TOTPDevice, apps.get_model("accounts.ApiToken")):
        assert router.db_for_read(model) == PRIMARY, model


@pytest.mark.django_db
def test_reads_inside_a_transaction_go_to_the_primary(replica_reads_allowed):
    with transaction.atomic():
        assert router.db_for_read(Department) == PRIMARY


def test_writes_and_migrations_go_to_the_primary(replica_reads_allowed):
    assert router.db_for_write(Department) == PRIMARY
    assert router.allow_migrate(PRIMARY, "core")
    assert not router.allow_migrate(REPLICA, "core")


def _seen_by_view(request):
    response = HttpResponse("ok")
    response.replica_reads = routers._replica_reads.get()
    return response


def _through_middleware(request):
    return ReplicaReadsMiddleware(_seen_by_view)(request)


def test_a_get_may_read_from_the_replica(replica_is_usable, settings):
    response = _through_middleware(RequestFactory().get("/g/alfa/bip/"))
    assert response.replica_reads is True
    assert PIN_COOKIE not in response.cookies
    assert routers._replica_reads.get() is False, "the flag does not outlive the request"


def test_a_browser_that_wrote_reads_its_writes_from_the_primary(replica_is_usable, settings):
    settings.RATUSZ_REPLICA_PIN_SECONDS = 5
    posted = _through_middleware(RequestFactory().post("/g/alfa/sprawy/", {"a": "b"}))
    assert posted.replica_reads is False
    cookie = posted.cookies[PIN_COOKIE]
    assert cookie["max-age"] == 5
    assert cookie["httponly"]
    follow_up = RequestFactory().get("/g/alfa/sprawy/")
    follow_up.COOKIES[PIN_COOKIE] = cookie.value
    assert _through_middleware(follow_up).replica_reads is False


def test_the_pin_ends(replica_is_usable):
    request = RequestFactory().get("/g/alfa/")
    request.COOKIES[PIN_COOKIE] = str(int(time.time()) - 1)
    assert _through_middleware(request).replica_reads is True


def test_an_api_client_that_wrote_is_pinned_on_every_host(replica_is_usable, settings):
    """The token's pin is in the shared cache, so another web host sees it too."""
    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pins"}}
    header = {"HTTP_AUTHORIZATION": "Bearer rtz_abc_secret"}
    posted = _through_middleware(RequestFactory().post("/api/v1/x", **header))
    assert PIN_COOKIE not in posted.cookies
    assert _through_middleware(RequestFactory().get("/api/v1/x", **header)).replica_reads \
        is False
    other = {"HTTP_AUTHORIZATION": "Bearer rtz_def_other"}
    assert _through_middleware(RequestFactory().get("/api/v1/x", **other)).replica_reads


def test_an_unusable_replica_is_not_read(monkeypatch):
    monkeypatch.setattr(routers, "replica_usable", lambda: False)
    assert _through_middleware(RequestFactory().get("/g/alfa/")).replica_reads is False


# --- On PostgreSQL, with a second connection standing for the replica ------------------------


@pytest.fixture
def replica_database(transactional_db, settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the replica is a PostgreSQL feature")
    # Made here rather than in DATABASES: a connection the test makes itself is one the
    # test case allows.
    replica = type(connections["default"])({**connection.settings_dict}, alias=REPLICA)
    setattr(connections._connections, REPLICA, replica)
    monkeypatch.setattr(routers, "replica_configured", lambda: True)
    settings.DATABASE_ROUTERS = ["ratusz.core.routers.ReplicaRouter"]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("ratusz.core.middleware.MetricsMiddleware") + 1,
                      "ratusz.core.routers.ReplicaReadsMiddleware")
    settings.MIDDLEWARE = middleware
    routers._state = routers.ReplicaState()
    yield replica
    replica.close()
    delattr(connections._connections, REPLICA)
    routers._state = routers.ReplicaState()


@pytest.fixture
def two_departments(municipality_a, municipality_b):
    DepartmentFactory(municipality=municipality_a, symbol="OR", name="Referat Alfy")
    DepartmentFactory(municipality=municipality_b, symbol="OR", name="Referat Bety")
    return municipality_a, municipality_b


@pytest.mark.postgres_only
def test_row_level_security_holds_on_the_replica(replica_database, two_departments):
    municipality_a, _ = two_departments
    previous = set_database_tenant(str(municipality_a.pk))
    try:
        with replica_database.cursor() as cursor:
            cursor.execute("SELECT name FROM core_department")
            seen_in_a = sorted(row[0] for row in cursor.fetchall())
        set_database_tenant("")
        with replica_database.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM core_department")
            seen_without = cursor.fetchone()[0]
    finally:
        set_database_tenant(previous)
    assert seen_in_a == ["Referat Alfy"]
    assert seen_without == 0


@pytest.mark.postgres_only
def test_a_public_page_reads_from_the_replica_inside_its_gmina(replica_database,
                                                               two_departments):
    with CaptureQueriesContext(replica_database) as on_replica:
        body = Client().get("/g/alfa/").content.decode()
    assert "Referat Alfy" in body
    assert "Referat Bety" not in body
    assert any("core_department" in query["sql"] for query in on_replica.captured_queries)


@pytest.mark.postgres_only
def test_after_a_write_the_client_reads_from_the_primary(replica_database, two_departments):
    client = Client()
    client.post("/g/alfa/")  # any request that may write pins the client (even a 405)
    assert PIN_COOKIE in client.cookies
    with CaptureQueriesContext(replica_database) as on_replica:
        assert "Referat Alfy" in client.get("/g/alfa/").content.decode()
    assert on_replica.captured_queries == []


@pytest.mark.postgres_only
def test_the_replicas_lag_is_in_the_metrics(replica_database, client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    body = client.get("/metrics").content.decode()
    assert "ratusz_database_replica_lag_seconds 0.000" in body
    assert "ratusz_database_replica_usable 1" in body


@pytest.mark.postgres_only
def test_a_replica_that_is_gone_sends_reads_to_the_primary(replica_database,
                                                           two_departments, settings):
    settings.RATUSZ_REPLICA_CHECK_SECONDS = 0
    replica_database.settings_dict = {**replica_database.settings_dict, "PORT": "1"}
    replica_database.close()
    assert routers.replica_usable() is False
    assert "Referat Alfy" in Client().get("/g/alfa/").content.decode()
    assert "ratusz_database_replica_usable 0" in routers.replica_metrics()


@pytest.mark.django_db(transaction=True)
def test_an_edit_renews_the_page_generation_again_once_the_replica_caught_up(
        settings, monkeypatch):
    """A page rendered from a replica that had not yet replayed the edit, and cached under
    the new generation, is dropped when the replica may lag no longer."""
    from ratusz.core import pagecache

    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gen"}}
    settings.RATUSZ_PAGE_CACHE_CHECK_SECONDS = 0
    settings.RATUSZ_REPLICA_MAX_LAG_SECONDS = 0.2
    monkeypatch.setattr(pagecache, "_replica_may_lag", lambda: True)
    before = pagecache.generation(7)
    pagecache.invalidate(7)  # outside a transaction: at once
    right_after = pagecache.generation(7)
    time.sleep(0.6)
    later = pagecache.generation(7)
    assert before != right_after != later


def test_a_get_whose_replica_went_away_is_answered_again_from_the_primary(replica_is_usable):
    calls = []

    def view(request):
        calls.append(routers._replica_reads.get())
        if len(calls) == 1:
            routers.mark_replica_unusable("OperationalError")  # as watch_replica does
            return HttpResponse(status=500)
        return HttpResponse("from the primary")

    response = ReplicaReadsMiddleware(view)(RequestFactory().get("/g/alfa/bip/"))
    assert calls == [True, False]
    assert response.status_code == 200
    routers._state = routers.ReplicaState()


def test_an_error_of_its_own_is_not_answered_again(replica_is_usable):
    calls = []

    def view(request):
        calls.append(1)
        return HttpResponse(status=500)

    assert ReplicaReadsMiddleware(view)(RequestFactory().get("/g/alfa/")).status_code == 500
    assert calls == [1]
