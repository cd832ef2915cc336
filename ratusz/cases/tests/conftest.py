"""Fixtures of the EZD tests: a small JRWA and the office's people in their roles."""

import pytest

from ratusz.accounts import services as account_services
from ratusz.accounts.permissions import ROLE_PERMISSIONS, Role
from ratusz.cases.models import JrwaClass, JrwaVersion
from ratusz.core.tests.factories import DepartmentFactory

CLASSES = [
    ("0", "Zarządzanie", "", False),
    ("00", "Organy gminy", "", False),
    ("000", "Rada gminy", "", False),
    ("0003", "Wnioski i interpelacje radnych", "A", True),
    ("1", "Kadry", "", False),
    ("14", "Informacja, skargi i wnioski", "", False),
    ("143", "Informacja", "", False),
    ("1431", "Udostępnianie informacji publicznej", "B10", True),
    ("6", "Gospodarka przestrzenna", "", False),
    ("62", "Ochrona środowiska", "", False),
    ("622", "Ocena oddziaływania", "", False),
    ("6220", "Decyzje o środowiskowych uwarunkowaniach", "BE10", True),
    ("6221", "Kopie pism", "Bc", True),
]


def make_jrwa(unit):
    version = JrwaVersion.objects.create(municipality_id=unit.municipality_id, unit=unit,
                                         name="JRWA testowy", checksum="x")
    for symbol, title, category, is_final in CLASSES:
        JrwaClass.objects.create(municipality_id=unit.municipality_id, version=version,
                                 symbol=symbol, title=title, category=category,
                                 is_final=is_final, is_verified=True)
    return version


@pytest.fixture
def unit_a(department_a):
    return department_a.unit


@pytest.fixture
def jrwa_a(unit_a):
    return make_jrwa(unit_a)


@pytest.fixture
def jrwa_b(department_b):
    return make_jrwa(department_b.unit)


@pytest.fixture
def department_a2(municipality_a, unit_a):
    return DepartmentFactory(municipality=municipality_a, unit=unit_a, symbol="GK",
                             name="Referat Gospodarki Komunalnej")


@pytest.fixture
def clerk_a(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.REGISTRY_CLERK, department=department_a,
                      username="alfa.kancelaria", first_name="Anna", last_name="Kowalczyk",
                      position="Inspektor ds. kancelaryjnych")


@pytest.fixture
def officer_a(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.CASE_OFFICER, department=department_a,
                      username="alfa.referent", first_name="Piotr", last_name="Wiśniewski",
                      position="Podinspektor")


@pytest.fixture
def officer_a2(make_staff, municipality_a, department_a2):
    return make_staff(municipality_a, Role.CASE_OFFICER, department=department_a2,
                      username="alfa.referent2", first_name="Ola", last_name="Zając",
                      position="Referent")


@pytest.fixture
def head_a(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.HEAD, department=department_a,
                      username="alfa.kierownik", first_name="Marta", last_name="Zielińska",
                      position="Kierownik Referatu Organizacyjnego")


@pytest.fixture
def officer_b(make_staff, municipality_b, department_b):
    return make_staff(municipality_b, Role.CASE_OFFICER, department=department_b,
                      username="beta.referent")


@pytest.fixture
def token_for(admin_a):
    def issue(user, municipality=None):
        municipality = municipality or user.municipality
        role_permissions = set()
        for role in Role:
            role_permissions |= ROLE_PERMISSIONS[role]
        _token, secret = account_services.issue_api_token(
            municipality, acting_user=None, name=f"test {user.username}", user=user,
            permissions=sorted(role_permissions),
        )
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return issue
