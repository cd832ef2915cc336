"""The organisation sheet's journey in a real browser, in Polish: the director sends the
sheet, the education department returns it with a comment, the director sends the
corrected version and it is approved, then the director sends an annex and the
department sees the diff against the approved sheet. axe-core finds no serious or
critical violation on the pages used."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")

from django.utils import timezone  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from ratusz.accounts.permissions import Role  # noqa: E402
from ratusz.education.models import SheetStatus, SheetVersion  # noqa: E402
from ratusz.education.tests.sheet_factories import make_sheet  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page


def test_a_director_sends_the_department_returns_and_sees_the_annexs_diff(
        new_page, live_server, municipality_a, make_staff):
    director = make_staff(municipality_a, Role.EDUCATION, username="alfa.dyrektor",
                          first_name="Maria", last_name="Dyrektorska")
    officer = make_staff(municipality_a, Role.EDUCATION, username="alfa.oswiata",
                         first_name="Agnieszka", last_name="Dąbrowska")
    made = make_sheet(municipality_a, year=timezone.localdate().year + 1, user=director)
    version = made["version"]
    base = f"/g/{municipality_a.slug}/staff/edukacja/arkusze"

    school = new_page()
    sign_in(school, live_server, director)
    school.goto(f"{base}/wersje/{version.pk}/")
    expect(school.locator("h1")).to_contain_text("Arkusz organizacji")
    expect(school.locator("#total-hours")).to_have_text("48")
    assert_accessible(school)
    school.get_by_role("button", name="Wyślij do wydziału edukacji").click()
    expect(school.locator("#sheet-status")).to_have_text("wysłany do wydziału")

    department = new_page()
    sign_in(department, live_server, officer)
    department.goto(f"{base}/?rok={version.sheet.school_year}")
    expect(department.locator("#sheets-table")).to_contain_text("wysłany do wydziału")
    assert_accessible(department)
    department.locator("#sheets-table a").first.click()
    department.locator("#id_return_text").fill("Proszę dodać godziny wspomagania w 4a.")
    department.get_by_role("button", name="Zwróć z uwagami").click()
    expect(department.locator("#sheet-status")).to_have_text("zwrócony z uwagami")
    expect(department.locator("#sheet-comments")).to_contain_text("godziny wspomagania")
    assert_accessible(department)

    school.reload()
    expect(school.locator("#sheet-comments")).to_contain_text("godziny wspomagania")
    school.get_by_role("button", name="Przygotuj poprawioną wersję").click()
    expect(school.locator("#sheet-status")).to_have_text("projekt")
    school.locator("#id_kind").select_option("support")
    school.locator("#id_add_division").select_option(label="4a")
    school.locator("#id_add_hours").fill("2")
    school.get_by_role("button", name="Dodaj godziny").click()
    school.locator("#id_teacher").select_option(label="Anna Nowak")
    school.locator("#id_teacher_name").fill("Anna Nowak")
    school.locator("#id_qualifications").fill("mgr pedagogiki")
    school.locator("#id_assigned").fill("24")
    school.get_by_role("button", name="Zapisz nauczyciela").click()
    expect(school.locator("main")).to_contain_text(
        "Anna Nowak – 6 godz. ponadwymiarowych")  # 6 > 4,5 without consent
    school.locator("#id_teacher").select_option(label="Anna Nowak")
    school.locator("#id_teacher_name").fill("Anna Nowak")
    school.locator("#id_qualifications").fill("mgr pedagogiki")
    school.locator("#id_assigned").fill("24")
    school.locator("#id_consent").check()
    school.get_by_role("button", name="Zapisz nauczyciela").click()
    expect(school.locator("#total-hours")).to_have_text("50")
    school.get_by_role("button", name="Wyślij do wydziału edukacji").click()
    expect(school.locator("#sheet-status")).to_have_text("wysłany do wydziału")
    corrected = SheetVersion.objects.get(sheet=version.sheet, number=2)

    department.goto(f"{base}/wersje/{corrected.pk}/")
    department.locator("#id_approved_by").fill("Jan Wójcik, Wójt Gminy Alfa")
    department.get_by_role("button", name="Zarejestruj zatwierdzenie").click()
    expect(department.locator("#sheet-status")).to_have_text("zatwierdzony")

    school.goto(f"{base}/wersje/{corrected.pk}/")
    school.get_by_role("button", name="Przygotuj aneks").click()
    expect(school.locator("h1")).to_contain_text("Arkusz organizacji")
    annex = SheetVersion.objects.get(sheet=version.sheet, number=3)
    school.locator(f"#pupils-{annex.divisions.get(name='4a').pk}").fill("26")
    school.locator(f"#h-{annex.divisions.get(name='4a').pk}-mathematics").fill("5")
    school.get_by_role("button", name="Zapisz 4a").click()
    school.locator("#id_teacher").select_option(label="Jan Kowal")
    school.locator("#id_teacher_name").fill("Jan Kowal")
    school.locator("#id_qualifications").fill("mgr fizyki")
    school.locator("#id_assigned").fill("27")
    school.locator("#id_consent").check()
    school.get_by_role("button", name="Zapisz nauczyciela").click()
    school.get_by_role("button", name="Wyślij do wydziału edukacji").click()
    expect(school.locator("#sheet-status")).to_have_text("wysłany do wydziału")

    department.goto(f"{base}/wersje/{annex.pk}/")
    department.locator("#diff-link").click()
    expect(department.locator("h1")).to_contain_text("wersja 3 wobec wersji 2")
    expect(department.locator("#diff-divisions")).to_contain_text("26")
    expect(department.locator("#diff-hours")).to_contain_text("matematyka")
    expect(department.locator("#diff-teachers")).to_contain_text("Jan Kowal")
    assert_accessible(department)
    annex.refresh_from_db()
    assert annex.status == SheetStatus.SENT and annex.annex == 1
