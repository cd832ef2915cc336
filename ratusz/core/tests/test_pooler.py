"""The gmina's database setting behind a connection pooler in transaction mode.

A real PgBouncer (`pool_mode = transaction`, one server connection) stands between the
clients and the test database, as in the cluster (docs/scaling.md). Every client's
transactions then run on the same PostgreSQL session, one after another: a gmina left on
that session by one client would be read by the next. The setting is carried by each
transaction (`set_config(…, true)`, ratusz/core/tenancy.py), so nothing is left.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from ratusz.core.models import Department
from ratusz.core.tenancy import ALL_MUNICIPALITIES, set_database_tenant, tenant_context
from ratusz.core.tests.factories import DepartmentFactory
from ratusz.core.tests.pooler import pgbouncer, pgbouncer_binary

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pooled_port(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the pooler is in front of PostgreSQL")
    if pgbouncer_binary() is None:
        pytest.skip("pgbouncer is not installed (scripts/install-system-packages.sh test)")
    database = connection.settings_dict
    with pgbouncer(database["HOST"], int(database["PORT"]), database["USER"],
                   database["PASSWORD"]) as port:
        yield port


@pytest.fixture
def two_gminy(municipality_a, municipality_b):
    DepartmentFactory(municipality=municipality_a, symbol="OR", name="Referat Alfy")
    DepartmentFactory(municipality=municipality_b, symbol="OR", name="Referat Bety")
    return municipality_a, municipality_b


def in_pooled_thread(port: int, work):
    """Run work() in a thread whose database connection goes through the pooler, as a web
    host's would; return what it returned (or raise what it raised)."""
    outcome = {}

    def run():
        database = connections["default"]
        database.settings_dict = {**database.settings_dict, "HOST": "127.0.0.1",
                                  "PORT": str(port), "CONN_MAX_AGE": 0,
                                  "DISABLE_SERVER_SIDE_CURSORS": True}
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the test's thread
            outcome["error"] = error
        finally:
            database.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def finish(thread, outcome):
    thread.join(timeout=60)
    assert not thread.is_alive(), "a client hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def department_names() -> list[str]:
    return sorted(Department.objects.values_list("name", flat=True))


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_the_pool_shares_one_session_so_a_session_setting_would_leak(pooled_port, two_gminy):
    """The set-up is able to show a leak: a session-level setting (what the platform wrote
    before issue 22) made by one client is seen by the next client's statement."""
    municipality_a, _ = two_gminy
    first_written = threading.Event()

    def first_client():
        with connection.cursor() as cursor:  # connect, then write as the old code did
            cursor.execute("SELECT 1")
        connection.connection.execute(
            f"SELECT set_config('ratusz.municipality_id', '{municipality_a.pk}', false)")
        first_written.set()
        return backend_pid()

    def second_client():
        first_written.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        raw = connection.connection.execute(
            "SELECT current_setting('ratusz.municipality_id', true), pg_backend_pid()")
        return raw.fetchone()

    first = in_pooled_thread(pooled_port, first_client)
    second = in_pooled_thread(pooled_port, second_client)
    first_pid = finish(*first)
    seen, second_pid = finish(*second)
    assert first_pid == second_pid
    assert seen == str(municipality_a.pk)


def test_a_pooled_connection_never_carries_one_gminas_setting_to_another_client(
        pooled_port, two_gminy):
    """Two clients on the one server session, their statements interleaved: a gmina-less
    client sees no tenant row while the other works in gmina A, and each client keeps
    seeing its own gmina whatever the other set in between."""
    municipality_a, municipality_b = two_gminy
    a_has_read, b_has_read = threading.Event(), threading.Event()

    def client_of_a():
        set_database_tenant(str(municipality_a.pk))  # as TenantMiddleware does
        first = department_names()
        pid = backend_pid()
        a_has_read.set()
        assert b_has_read.wait(timeout=30)
        second = department_names()
        set_database_tenant("")
        return first, second, pid

    def client_of_b():
        assert a_has_read.wait(timeout=30)
        nothing = department_names()  # a request without a gmina never sets the value
        pid = backend_pid()
        set_database_tenant(str(municipality_b.pk))
        own = department_names()
        b_has_read.set()
        set_database_tenant("")
        return nothing, own, pid

    a = in_pooled_thread(pooled_port, client_of_a)
    b = in_pooled_thread(pooled_port, client_of_b)
    a_first, a_second, a_pid = finish(*a)
    b_nothing, b_own, b_pid = finish(*b)
    assert a_pid == b_pid, "both clients must have shared the one server connection"
    assert a_first == a_second == ["Referat Alfy"]
    assert b_nothing == []
    assert b_own == ["Referat Bety"]


def test_a_transaction_that_switches_gmina_hands_nothing_on(pooled_port, two_gminy):
    """A service's transaction that opens the wall for one statement (as record_audit
    does for another gmina's entry) leaves nothing behind for the next client."""
    municipality_a, _ = two_gminy
    done = threading.Event()

    def writer():
        from django.db import transaction

        set_database_tenant(str(municipality_a.pk))
        with transaction.atomic():
            department_names()
            with tenant_context(None, all_municipalities=True):
                everything = department_names()
            own = department_names()
        set_database_tenant("")
        done.set()
        return everything, own

    def reader():
        assert done.wait(timeout=30)
        return department_names()

    w = in_pooled_thread(pooled_port, writer)
    r = in_pooled_thread(pooled_port, reader)
    everything, own = finish(*w)
    assert everything == ["Referat Alfy", "Referat Bety"]
    assert own == ["Referat Alfy"]
    assert finish(*r) == []


def test_requests_of_two_gminy_through_the_pooler_see_only_their_own(pooled_port, two_gminy):
    """Real requests (TenantMiddleware, the views) of gmina A and gmina B at the same time,
    all on one server session: each page shows its own department, never the other's."""
    rounds = 15

    def browse(slug: str, own: str, other: str):
        def work():
            client = Client()
            for _ in range(rounds):
                body = client.get(f"/g/{slug}/").content.decode()
                assert own in body, f"{slug}: its own department is missing"
                assert other not in body, f"{slug}: shows the other gmina's department"
            return rounds
        return work

    a = in_pooled_thread(pooled_port, browse("alfa", "Referat Alfy", "Referat Bety"))
    b = in_pooled_thread(pooled_port, browse("beta", "Referat Bety", "Referat Alfy"))
    assert finish(*a) == rounds
    assert finish(*b) == rounds


def test_no_statement_leaves_the_gmina_on_the_session(two_gminy):
    """Without a pooler too: after requests and services, the database session holds no
    gmina (only transactions ever carried one)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    municipality_a, _ = two_gminy
    previous = set_database_tenant(ALL_MUNICIPALITIES)
    try:
        Client().get("/g/alfa/")
        with tenant_context(municipality_a):
            assert department_names() == ["Referat Alfy"]
        seen = connection.connection.execute(
            "SELECT current_setting('ratusz.municipality_id', true)").fetchone()[0]
    finally:
        set_database_tenant(previous)
    assert seen in ("", None)
