"""Fixtures of the e-office's browser tests: Chromium (Polish locale, the live server as
base URL), Gmina Alfa with its office and the whole library published, its staff."""

from __future__ import annotations

import os

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from ratusz.accounts.permissions import Role  # noqa: E402
from ratusz.cases.jrwa import load_default_jrwa  # noqa: E402
from ratusz.core.tests.factories import DepartmentFactory, LocalityFactory  # noqa: E402
from ratusz.eservices import services  # noqa: E402
from ratusz.eservices.tests.browser.helpers import FEE_ACCOUNT  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402

# The browser fixtures of the core browser tests (Chromium at /usr/bin/chromium, Polish
# locale, desktop size, the live server as base URL).
browser = chromium.browser
new_page = chromium.new_page


# --- The gmina ---------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture(autouse=True)
def _public_url_is_the_live_server(settings, live_server):
    """The addresses printed on receipts and sent in e-mails are built from
    RATUSZ_PUBLIC_URL: here, the live server, so the browser can follow them."""
    settings.RATUSZ_PUBLIC_URL = live_server.url


@pytest.fixture
def gmina(municipality_a, department_a):
    """Gmina Alfa with its office: OR and FN, the shipped JRWA, the locality Jastków of the
    library's examples, and the whole library published."""
    unit = department_a.unit
    unit.name, unit.street, unit.building = "Urząd Gminy Alfa", "Rynek", "1"
    unit.postal_code, unit.city = "24-220", "Alfa"
    unit.save()
    DepartmentFactory(municipality=municipality_a, unit=unit, symbol="FN",
                      name="Referat Finansowy")
    load_default_jrwa(unit, acting_user=None)
    LocalityFactory(municipality=municipality_a, name="Jastków")
    services.publish_library(municipality_a, acting_user=None, fee_account=FEE_ACCOUNT)
    return municipality_a


@pytest.fixture
def officer(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.CASE_OFFICER, department=department_a,
                      username="alfa.referent", first_name="Piotr", last_name="Wiśniewski",
                      position="Podinspektor")


@pytest.fixture
def head(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.HEAD, department=department_a,
                      username="alfa.kierownik", first_name="Marta", last_name="Zielińska",
                      position="Kierownik Referatu Organizacyjnego")
