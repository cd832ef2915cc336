"""Fixtures of the exchange tests: one simulator process per module, two gminy with their
offices' ADEs and mailboxes in it."""

import itertools

import pytest

from ratusz.core.models import Unit
from ratusz.exchange import services
from ratusz.testing.edelivery import start_edelivery_simulator

_numbers = itertools.count(10000)


def new_ade(letters: str = "TESTA") -> str:
    number = next(_numbers)
    return f"AE:PL-{number:05d}-{number:05d}-{letters}-00"


@pytest.fixture(scope="module")
def simulator(tmp_path_factory):
    process = start_edelivery_simulator(str(tmp_path_factory.mktemp("edelivery")))
    yield process
    process.stop()


@pytest.fixture
def exchange_settings(settings, simulator):
    if simulator.process is None:  # a test stopped it and failed before starting it again
        simulator.start()
    for name, value in simulator.settings().items():
        setattr(settings, name, value)
    return settings


def office_of(municipality):
    return Unit.objects.for_municipality(municipality).get(kind="office")


@pytest.fixture
def office_a(municipality_a, department_a):
    return department_a.unit


@pytest.fixture
def office_b(municipality_b, department_b):
    return department_b.unit


@pytest.fixture
def boxes(exchange_settings, simulator, office_a, office_b):
    """Both offices with an ADE and a mailbox in the simulator."""
    result = {}
    for key, unit in (("a", office_a), ("b", office_b)):
        ade = new_ade("GMINA")
        services.assign_ade(unit, acting_user=None, ade=ade)
        simulator.add_mailbox(ade, unit.name)
        unit.refresh_from_db()
        result[key] = unit
    return result
