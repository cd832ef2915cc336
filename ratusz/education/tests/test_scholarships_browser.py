"""The clerk's scholarship journey in a real browser, in Polish: opens the income test on a
filed application, enters the household (the per-person income shows as she types), sees
the eligibility and the amount the regulation proposes, grants and puts the decision in
the case; the payout list shows the line. axe-core: no serious or critical violation."""

from __future__ import annotations

import datetime
import re

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from ratusz.accounts.permissions import Role  # noqa: E402
from ratusz.cases.models import OutgoingLetter  # noqa: E402
from ratusz.education import services  # noqa: E402
from ratusz.education.models import HelpApplication, HelpStatus  # noqa: E402
from ratusz.education.tests.scholarship_factories import (  # noqa: E402
    file_help,
    scholarship_data,
)
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page


def test_the_clerk_tests_the_income_grants_and_drafts_the_decision(
        new_page, live_server, municipality_a, department_a, make_staff, resident):
    clerk = make_staff(municipality_a, Role.EDUCATION, department=department_a,
                       username="alfa.oswiata", first_name="Agnieszka",
                       last_name="Dąbrowska")
    services.set_regulation(municipality_a, acting_user=clerk,
                            effective_from=datetime.date(2025, 1, 1),
                            resolution="Uchwała nr V/12/2025",
                            tiers=[{"up_to": 50_000, "amount": 20_000},
                                   {"up_to": 82_300, "amount": 12_400}])
    submission = file_help(municipality_a, department_a, "stypendium-szkolne",
                           scholarship_data(incomes=(3000, 0, 0)), resident=resident)
    page = new_page()
    sign_in(page, live_server, clerk)
    page.goto(f"/g/{municipality_a.slug}/staff/edukacja/pomoc-materialna/")
    expect(page.locator("h1")).to_have_text("Stypendia i zasiłki szkolne")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Rozpocznij badanie dochodu")).click()
    item = HelpApplication.objects.get(submission=submission)
    expect(page).to_have_url(re.compile(rf"/pomoc-materialna/{item.pk}/$"))
    expect(page.locator("#eligibility")).to_contain_text("nie")
    assert_accessible(page)

    # The mother's income corrected: the per-person income shows as she types.
    income = page.locator("#m0-other")
    income.fill("")
    page.locator("#m0-employment").fill("1 200,00")
    expect(page.locator("#live-income")).to_contain_text("400,00")
    expect(page.locator("#live-income")).to_contain_text("w granicach kryterium")
    page.get_by_role("button", name="Zapisz gospodarstwo domowe").click()
    expect(page.locator("#income-per-person")).to_contain_text("400,00")
    expect(page.locator("#eligibility")).to_contain_text("tak")
    expect(page.locator("#proposal")).to_contain_text("200,00")
    expect(page.locator("#help-amount")).to_have_value("200,00")

    page.get_by_label("Liczba miesięcy (1–10)").fill("10")
    page.get_by_role("button", name="Przyznaj i przygotuj decyzję").click()
    expect(page.locator("#help-status")).to_contain_text("przyznane")
    expect(page.locator("#decision-text")).to_contain_text("przyznaję")
    expect(page.locator("#decision-text")).to_contain_text("Samorządowego Kolegium")
    assert_accessible(page)
    page.get_by_role("button", name="Dodaj decyzję do sprawy jako projekt pisma").click()
    expect(page.locator("#decision-letter")).to_contain_text("Decyzja o przyznaniu")
    item.refresh_from_db()
    assert item.status == HelpStatus.GRANTED and item.monthly_amount == 20_000
    assert OutgoingLetter.objects.get(pk=item.decision_letter_id).case_id == item.case_id

    page.goto(f"/g/{municipality_a.slug}/staff/edukacja/pomoc-materialna/wyplaty/"
              f"?month={item.school_year}-09")
    expect(page.locator("main")).to_contain_text("Piotr Kowalski")
    expect(page.locator("#payouts-total")).to_contain_text("200,00")
    assert_accessible(page)
