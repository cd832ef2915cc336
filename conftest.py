"""Fixtures shared by every app's tests.

On PostgreSQL the row-level security wall is opened (`all`) for the test's own set-up
code, as it is for system jobs; every request the test makes through the client or the
browser sets its own gmina, exactly as in production.
"""

import pytest

from ratusz.accounts.permissions import Role
from ratusz.accounts.tests.factories import (
    ResidentFactory,
    StaffFactory,
    give_role,
)
from ratusz.core.tests.factories import DepartmentFactory, MunicipalityFactory


@pytest.fixture(autouse=True)
def _open_tenant_wall_for_setup(request):
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(names & {"transactional_db", "live_server"}) or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        _national_tables_again()
    elif "db" in names or marker is not None:
        request.getfixturevalue("db")
    else:
        yield
        return
    from django.db import connection

    from ratusz.core.tenancy import ALL_MUNICIPALITIES, set_database_tenant

    if connection.vendor == "postgresql":
        set_database_tenant(ALL_MUNICIPALITIES)
    yield


def _national_tables_again() -> None:
    """A transactional test empties every table after it, the rows data migrations wrote
    included: the payments' national tables (interest rates, statutory amounts) are seeded
    again, as the migration does, for the test that follows."""
    import importlib

    from django.apps import apps

    from ratusz.payments.selectors import forget_national_tables

    importlib.import_module("ratusz.payments.migrations.0003_national_tables").seed(apps, None)
    forget_national_tables()


@pytest.fixture
def municipality_a(db):
    return MunicipalityFactory(name="Alfa", official_name="Gmina Alfa", slug="alfa",
                               teryt="0609991")


@pytest.fixture
def municipality_b(db):
    return MunicipalityFactory(name="Beta", official_name="Gmina Beta", slug="beta",
                               teryt="0609992")


@pytest.fixture
def department_a(municipality_a):
    return DepartmentFactory(municipality=municipality_a, symbol="OR",
                             name="Referat Organizacyjny")


@pytest.fixture
def department_b(municipality_b):
    return DepartmentFactory(municipality=municipality_b, symbol="OR",
                             name="Referat Organizacyjny")


@pytest.fixture
def make_staff(db):
    def make(municipality, *roles, department=None, **fields):
        user = StaffFactory(municipality=municipality, **fields)
        for role in roles:
            give_role(user, role, department)
        return user

    return make


@pytest.fixture
def admin_a(make_staff, municipality_a):
    return make_staff(municipality_a, Role.ADMIN, username="alfa.admin")


@pytest.fixture
def admin_b(make_staff, municipality_b):
    return make_staff(municipality_b, Role.ADMIN, username="beta.admin")


@pytest.fixture
def resident(db):
    """A resident whose identity login.gov.pl has confirmed (PESEL on the account).
    Web tests sign in with `ratusz.testing.logingov.sign_in_identified` for a session
    opened through login.gov.pl."""
    from ratusz.accounts.identity import set_identified

    user = ResidentFactory(username="mieszkaniec", first_name="Ewa", last_name="Mazur")
    set_identified(user, "90010112349")
    return user


@pytest.fixture(scope="session")
def logingov_simulator(tmp_path_factory):
    """The login.gov.pl simulator process, shared by the session (keys in a temp dir)."""
    from ratusz.testing.logingov import start_simulator

    simulator = start_simulator(tmp_path_factory.mktemp("logingov"))
    yield simulator
    simulator.stop()


@pytest.fixture
def logingov(logingov_simulator, settings):
    """Point the platform at the simulator and give it our SP metadata (test client:
    the public URL is http://testserver)."""
    return _point_at_simulator(logingov_simulator, settings, "http://testserver")


@pytest.fixture
def logingov_live(logingov_simulator, live_server, settings):
    """The same for a real browser on the live server."""
    return _point_at_simulator(logingov_simulator, settings, live_server.url)


def _point_at_simulator(logingov_simulator, settings, public_url):
    from ratusz.accounts.logingov import protocol
    from ratusz.accounts.logingov.config import config_for

    settings.RATUSZ_PUBLIC_URL = public_url
    settings.LOGIN_GOV_ENABLED = True
    settings.LOGIN_GOV_IDP_URL = logingov_simulator.url
    settings.LOGIN_GOV_IDP_ENTITY_ID = ""
    settings.LOGIN_GOV_SP_KEY_DIR = str(logingov_simulator.key_dir)
    settings.LOGIN_GOV_IDP_CERT = str(logingov_simulator.key_dir / "idp-sign.crt")
    settings.LOGIN_GOV_SP_ENTITY_ID = ""
    settings.LOGIN_GOV_LOA = "http://eidas.europa.eu/LoA/substantial"
    logingov_simulator.metadata_file.write_bytes(protocol.metadata(config_for(None)))
    return logingov_simulator
