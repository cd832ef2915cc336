"""The reports' journeys in a real browser, in Polish: the secretary sees the overdue
matters of her gmina and the handler's reminder goes out; the coordinator compares the
four gminy and exports a table to XLSX; a resident sends a ponaglenie from a late matter.
axe-core finds no serious or critical violation; the charts carry text alternatives."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

pytest.importorskip("playwright")

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from ratusz.accounts.models import UserKind  # noqa: E402
from ratusz.accounts.tests.factories import PASSWORD  # noqa: E402
from ratusz.core.tests.factories import MunicipalityFactory  # noqa: E402
from ratusz.notifications.models import Message  # noqa: E402
from ratusz.reports import services  # noqa: E402
from ratusz.reports.models import MatterClock  # noqa: E402
from ratusz.reports.tests.conftest import past_case  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page


#: The page's words in Polish, or the English msgid until the catalogue has the Polish
#: (the translations are listed in /work/notes/msgids-reports.txt for the lead).
POLISH_OR_MSGID = {
    "overdue": re.compile("Sprawy po terminie|Matters overdue"),
    "ranking": re.compile("Wskaźnik rankingu i zmian w czasie|Indicator of the ranking"),
    "late": re.compile("Urząd spóźnia się|Urząd zalega|The office is .* late"),
    "send": re.compile("Wyślij ponaglenie|Send the ponaglenie"),
    "registered": re.compile(r"(zarejestrowane pod numerem|registered under number) "
                             r"RPW/\d+/\d{4}"),
}


def _sign_in_with_password(page, user, next_url: str) -> None:
    page.goto(f"/auth/login/?next={next_url}")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się", exact=True).click()


def test_the_secretary_sees_the_overdue_matters_and_the_handler_is_reminded(
        new_page, municipality_a, office_a, department_a, officer_a, head_a, secretary_a):
    today = timezone.localdate()
    case = past_case(office_a, officer_a, department_a, received_on=today - timedelta(days=20))
    services.track_cases(municipality_a, [case.pk])
    services.refresh_days(municipality_a, [today])
    page = new_page()
    _sign_in_with_password(page, secretary_a, "/g/alfa/staff/raporty/zaleglosci/")
    expect(page.get_by_role("heading", name=POLISH_OR_MSGID["overdue"])).to_be_visible()
    expect(page.get_by_role("link", name=case.mark)).to_be_visible()
    assert_accessible(page)
    page.goto("/g/alfa/staff/raporty/")
    charts = page.locator("figure.chart img")
    expect(charts.first).to_be_visible()
    for index in range(charts.count()):
        assert charts.nth(index).get_attribute("alt")
    assert_accessible(page)

    services.run_watch(municipality_a, today=MatterClock.objects.get(case=case).deadline
                       - timedelta(days=1))
    reminder = Message.objects.get(recipient=officer_a.email)
    assert case.mark in reminder.subject and "art. 36" in reminder.body


def test_the_coordinator_compares_the_four_gminy_and_exports_xlsx(new_page, municipality_a,
                                                                  tmp_path):
    others = [MunicipalityFactory(name=name, slug=slug, teryt=teryt)
              for name, slug, teryt in (("Jabłonna", "jablonna", "0609062"),
                                        ("Jastków", "jastkow", "0609072"),
                                        ("Strzyżewice", "strzyzewice", "0609122"))]
    partnership = services.create_partnership(acting_user=None, name="Partnerstwo E-gminy",
                                              slug="e-gminy", members=[municipality_a, *others],
                                              accepted=True)
    coordinator = get_user_model().objects.create_user(
        "e-gminy.koordynator", password=PASSWORD, kind=UserKind.COORDINATOR)
    partnership.coordinators.add(coordinator)
    page = new_page()
    _sign_in_with_password(page, coordinator, "/partnerstwa/e-gminy/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Partnerstwo E-gminy")
    rows = page.locator("table").first.locator("tbody tr")
    expect(rows).to_have_count(4)
    assert_accessible(page)
    page.get_by_label(POLISH_OR_MSGID["ranking"]).select_option("cases_overdue")
    page.get_by_role("button", name="Pokaż").click()
    expect(page).to_have_url(re.compile("wskaznik=cases_overdue"))
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    sheet = load_workbook(saved).active
    names = sorted(sheet.cell(row, 1).value for row in range(2, sheet.max_row + 1))
    assert names == ["Alfa", "Jabłonna", "Jastków", "Strzyżewice"]


def test_a_resident_sends_a_ponaglenie_from_a_late_matter(new_page, live_server,
                                                          municipality_a, letter_service,
                                                          resident, head_a):
    from ratusz.eservices import services as eservices
    from ratusz.eservices.tests.conftest import VALID_LETTER

    submission, _ = eservices.submit(letter_service, data=VALID_LETTER, resident=resident)
    services.track_cases(municipality_a, [submission.case_id])
    late_since = timezone.localdate() - timedelta(days=4)
    MatterClock.objects.filter(case_id=submission.case_id).update(
        deadline=late_since, legal_deadline=late_since)
    services.run_watch(municipality_a)  # the resident's matter is told it is late
    page = new_page()
    sign_in(page, live_server, resident)
    page.goto(f"/g/alfa/e-urzad/moje-sprawy/{submission.public_id}/")
    notice = page.get_by_text(re.compile("Termin załatwienia sprawy .* upłynął"))
    expect(notice).to_be_visible()
    # The message names the page by the platform's public address; here, its path.
    page.goto(re.search(r"/g/\S+/ponaglenie/", notice.inner_text()).group(0))
    expect(page.get_by_role("heading", name=POLISH_OR_MSGID["late"])).to_be_visible()
    expect(page.get_by_text("art. 37 Kodeksu postępowania administracyjnego")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=POLISH_OR_MSGID["send"]).click()
    expect(page.get_by_text(POLISH_OR_MSGID["registered"])).to_be_visible()
    assert_accessible(page)
