"""Fixtures of the payments app's tests: Gmina Alfa set up for payments (collection
account, gateway credentials), its finance officer, and the Przelewy24 simulator."""

from __future__ import annotations

import pytest

from ratusz.accounts import services as account_services
from ratusz.accounts.permissions import Role
from ratusz.payments.tests import factories


@pytest.fixture(scope="session")
def gateway_simulator():
    from ratusz.testing.payments import start_gateway_simulator

    simulator = start_gateway_simulator()
    simulator.add_merchant(factories.MERCHANT, api_key=factories.API_KEY, crc=factories.CRC)
    yield simulator
    simulator.stop()


@pytest.fixture
def gmina(municipality_a, resident):
    """Alfa with its collection account and a gateway that answers nowhere; the resident
    (Ewa Mazur, identified) has matters with it."""
    factories.set_up(municipality_a)
    account_services.link_resident(municipality_a, resident)
    return municipality_a


@pytest.fixture
def gmina_with_gateway(municipality_a, resident, gateway_simulator, settings):
    settings.RATUSZ_PUBLIC_URL = "http://testserver"
    factories.set_up(municipality_a, gateway_url=gateway_simulator.url)
    account_services.link_resident(municipality_a, resident)
    return municipality_a


@pytest.fixture
def finance(make_staff, municipality_a):
    return make_staff(municipality_a, Role.FINANCE, username="alfa.finanse",
                      first_name="Joanna", last_name="Kamińska")


@pytest.fixture(autouse=True)
def _national_tables(request):
    """The rates and amounts the migration seeds (also when tests run without migrations)."""
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames \
            and request.node.get_closest_marker("django_db") is None:
        return
    import importlib

    from django.apps import apps

    from ratusz.payments.selectors import forget_national_tables

    seed = importlib.import_module("ratusz.payments.migrations.0003_national_tables").seed
    seed(apps, None)
    forget_national_tables()
