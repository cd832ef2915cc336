"""The platform's pages in a real headless Chromium: accessibility (axe-core), the staff
workspace journey, keyboard use and the screenshots of the layouts in docs/screenshots/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ratusz.accounts.permissions import Role
from ratusz.accounts.services import link_resident
from ratusz.accounts.tests.factories import PASSWORD
from ratusz.core.tests.factories import DepartmentFactory, UnitFactory
from ratusz.testing import browser as chromium
from ratusz.testing.browser import MOBILE, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page
page = chromium.page


# --- Accessibility -----------------------------------------------------------------------


def test_public_pages_have_no_serious_accessibility_violations(page, municipality_a, department_a):
    for path in ("/", "/g/alfa/", "/auth/login/"):
        page.goto(path)
        assert_accessible(page)


def test_sign_in_error_summary_is_accessible(page, admin_a):
    page.goto("/auth/login/")
    page.locator("#id_username").fill(admin_a.username)
    page.locator("#id_password").fill("not-the-password")
    page.locator("main button[type=submit]").click()

    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)


def test_resident_account_is_accessible(page, live_server, municipality_a, resident):
    link_resident(municipality_a, resident)
    sign_in(page, live_server, resident)

    page.goto("/account/")

    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)


def test_staff_pages_are_accessible(
    page, live_server, admin_a, department_a, make_staff, municipality_a
):
    officer = make_staff(municipality_a, Role.CASE_OFFICER, department=department_a)
    sign_in(page, live_server, admin_a)

    for path in (
        "/g/alfa/staff/",
        "/g/alfa/staff/people/",
        f"/g/alfa/staff/people/{officer.pk}/",
        "/g/alfa/staff/departments/",
        "/g/alfa/staff/audit/",
        "/g/alfa/staff/api-tokens/",
    ):
        page.goto(path)
        assert_accessible(page)

    page.goto("/g/alfa/staff/people/new/")
    page.locator("main button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)


# --- Journeys ------------------------------------------------------------------------------


def test_an_administrator_adds_a_department_and_a_staff_member_in_polish(
    page, admin_a, department_a
):
    # Given the administrator signs in with the form
    page.goto("/auth/login/")
    page.get_by_label("Nazwa użytkownika").fill("alfa.admin")
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Zaloguj się").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Pulpit")
    sidebar = page.get_by_role("navigation", name="Menu panelu pracownika")

    # When they add the department GK
    sidebar.get_by_role("link", name="Komórki organizacyjne i jednostki").click()
    expect(heading).to_have_text("Komórki organizacyjne i jednostki")

    def add_department():
        page.get_by_role("link", name="Dodaj komórkę organizacyjną").click()
        expect(heading).to_have_text("Dodaj komórkę organizacyjną")
        page.get_by_label("Symbol").fill("GK")
        page.get_by_label("Nazwa", exact=True).fill("Referat Gospodarki Komunalnej")
        page.get_by_label("Jednostka organizacyjna").select_option(label=department_a.unit.name)
        page.get_by_role("button", name="Zapisz").click()

    add_department()

    # Then it is listed
    expect(page.get_by_role("status")).to_have_text("Zapisano komórkę organizacyjną.")
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="GK", exact=True))
    expect(row).to_contain_text("Referat Gospodarki Komunalnej")

    # When they add it again, the error summary says why, in Polish
    add_department()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading")).to_have_text("Wystąpił problem")
    expect(summary.get_by_role("link")).to_have_text(
        "Symbol: W tej gminie istnieje już komórka organizacyjna o tym symbolu."
    )
    expect(page.get_by_label("Symbol")).to_have_attribute("aria-invalid", "true")

    # When they add a case officer of GK
    sidebar.get_by_role("link", name="Pracownicy").click()
    page.get_by_role("link", name="Dodaj pracownika").click()
    page.get_by_label("Nazwa użytkownika").fill("jan.kowalski")
    page.get_by_label("Imię", exact=True).fill("Jan")
    page.get_by_label("Nazwisko").fill("Kowalski")
    page.get_by_label("Stanowisko").fill("Inspektor ds. gospodarki komunalnej")
    page.get_by_label("Rola").select_option(label="referent")
    page.get_by_label("Komórka organizacyjna").select_option(
        label="GK – Referat Gospodarki Komunalnej"
    )
    page.get_by_role("main").get_by_role("button", name="Dodaj").click()

    # Then their page shows the role
    expect(heading).to_have_text("Jan Kowalski")
    expect(page.get_by_role("status")).to_have_text("Dodano pracownika: Jan Kowalski.")
    roles = page.get_by_role("table")
    expect(roles).to_contain_text("Referent")
    expect(roles).to_contain_text("GK – Referat Gospodarki Komunalnej")

    # When they grant a second role, for the whole gmina
    page.get_by_label("Rola").select_option(label="pracownik kancelarii")
    page.get_by_role("button", name="Nadaj").click()

    # Then both roles are held
    expect(page.get_by_role("status")).to_have_text("Nadano rolę.")
    expect(roles.get_by_role("row")).to_have_count(3)
    expect(roles).to_contain_text("Pracownik kancelarii")
    expect(roles).to_contain_text("cała gmina")


def test_the_language_switch_works_without_javascript(new_page, municipality_a):
    page = new_page(java_script_enabled=False)
    page.goto("/g/alfa/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.get_by_role("link", name="Strona główna")).to_be_visible()

    page.get_by_label("Język").select_option(label="English")
    page.get_by_role("button", name="Zmień").click()

    expect(page).to_have_url(re.compile(r"/g/alfa/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation", name="Main menu")).to_contain_text("Units")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_attached()
    expect(page.get_by_label("Language")).to_have_value("en")


# --- Keyboard ------------------------------------------------------------------------------


def test_the_first_tab_reaches_the_skip_link_which_moves_focus_to_the_content(
    page, live_server, admin_a, department_a
):
    sign_in(page, live_server, admin_a)

    for path in ("/g/alfa/", "/g/alfa/staff/"):
        page.goto(path)
        page.keyboard.press("Tab")

        skip_link = page.get_by_role("link", name="Przejdź do treści")
        expect(skip_link).to_be_focused()
        box = skip_link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["y"] >= 0, "shown when focused"

        page.keyboard.press("Enter")
        expect(page.get_by_role("main")).to_be_focused()

    # From there on, Tab moves through the content, not the header again.
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("main").get_by_role("link", name="Gmina Alfa")).to_be_focused()


# --- Screenshots ---------------------------------------------------------------------------


def _furnish(municipality, admin):
    """A gmina that looks lived-in: contact details, units, departments."""
    municipality.email = "urzad@alfa.example.pl"
    municipality.phone = "+48 81 500 10 00"
    municipality.website = "https://alfa.example.pl"
    municipality.street, municipality.building, municipality.city = "Rynek", "1", "Alfa"
    municipality.save()
    office = UnitFactory(
        municipality=municipality,
        name="Urząd Gminy Alfa",
        kind="office",
        street="Rynek",
        building="1",
        postal_code="24-220",
        city="Alfa",
    )
    UnitFactory(
        municipality=municipality,
        name="Szkoła Podstawowa im. Marii Konopnickiej",
        kind="school",
        street="Szkolna",
        building="4",
        postal_code="24-220",
        city="Alfa",
    )
    UnitFactory(
        municipality=municipality,
        name="Gminny Ośrodek Pomocy Społecznej",
        kind="social_welfare",
        street="Rynek",
        building="3",
        postal_code="24-220",
        city="Alfa",
    )
    for symbol, name in (
        ("OR", "Referat Organizacyjny"),
        ("FN", "Referat Finansowy"),
        ("GK", "Referat Gospodarki Komunalnej"),
        ("USC", "Urząd Stanu Cywilnego"),
    ):
        DepartmentFactory(municipality=municipality, unit=office, symbol=symbol, name=name)
    admin.first_name, admin.last_name, admin.position = "Anna", "Nowak", "Sekretarz Gminy"
    admin.save()


def test_screenshots_of_the_three_layouts(
    new_page, live_server, tmp_path, municipality_a, municipality_b, admin_a, resident
):
    folder = Path(os.environ.get("RATUSZ_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    _furnish(municipality_a, admin_a)
    link_resident(municipality_a, resident)

    def shoot(page: Page, path: str, name: str) -> None:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        page.screenshot(path=folder / name, full_page=True, animations="disabled", caret="hide")

    public = new_page()
    shoot(public, "/", "platform-home.png")
    shoot(public, "/g/alfa/", "gmina-home.png")
    shoot(
        new_page(viewport=MOBILE, is_mobile=True, device_scale_factor=1),
        "/g/alfa/",
        "gmina-home-mobile.png",
    )

    resident_page = new_page()
    sign_in(resident_page, live_server, resident)
    shoot(resident_page, "/account/", "resident-account.png")

    staff_page = new_page()
    sign_in(staff_page, live_server, admin_a)
    shoot(staff_page, "/g/alfa/staff/", "staff-dashboard.png")

    names = {
        "platform-home.png",
        "gmina-home.png",
        "gmina-home-mobile.png",
        "resident-account.png",
        "staff-dashboard.png",
    }
    assert names <= {path.name for path in folder.iterdir()}
