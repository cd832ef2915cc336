"""The parent's journey of issue 21 in a real browser (Polish UI, axe-core on every page):
the parent reports an absence for the next open day before the cut-off, sees the month's
expected fee lower by the rule (no stay and no meals that day), then pays last month's
statement through the Przelewy24 simulator. The UI strings are still being translated, so
the test looks at data and structure (ids, classes, values), not wording."""

from __future__ import annotations

import datetime
import re

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from ratusz.accounts import services as account_services  # noqa: E402
from ratusz.education import services  # noqa: E402
from ratusz.education.models import FeeStatement  # noqa: E402
from ratusz.education.services.attendance import month_days  # noqa: E402
from ratusz.education.tests.attendance_factories import (  # noqa: E402
    last_month,
    make_child,
    make_preschool,
    working_day,
)
from ratusz.payments import selectors as payment_selectors  # noqa: E402
from ratusz.payments.tests import factories as payment_factories  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page
SLOW = 30_000


@pytest.fixture(scope="module")
def gateway_simulator():
    from ratusz.testing.payments import start_gateway_simulator

    simulator = start_gateway_simulator()
    simulator.add_merchant(payment_factories.MERCHANT, api_key=payment_factories.API_KEY,
                           crc=payment_factories.CRC)
    yield simulator
    simulator.stop()


def test_a_parent_reports_an_absence_sees_the_fee_lower_and_pays(
        new_page, municipality_a, resident, gateway_simulator, live_server, settings):
    settings.RATUSZ_PUBLIC_URL = live_server.url
    payment_factories.set_up(municipality_a, gateway_url=gateway_simulator.url)
    account_services.link_resident(municipality_a, resident)
    institution, plan = make_preschool(municipality_a, name="Przedszkole Słoneczko")
    agreement = make_child(institution, plan, resident)
    services.import_attendance(institution, [
        services.AttendanceRow(agreement.pk, day, datetime.time(7, 30), datetime.time(16))
        for day in month_days(last_month())], acting_user=None)
    services.close_month(institution, last_month(), acting_user=None)
    statement = FeeStatement.objects.get()
    expect.set_options(timeout=SLOW)
    page = new_page()
    page.set_default_timeout(SLOW)
    sign_in(page, live_server, resident)

    day = working_day(1)
    child_url = f"/g/{municipality_a.slug}/edukacja/dzieci/{agreement.child_id}/"
    page.goto(f"{child_url}?miesiac={day:%Y-%m}")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    before = int(page.locator("#fee-forecast").get_attribute("data-grosze"))
    assert_accessible(page)

    # Before the cut-off of that day: the absence cancels the meals and the stay.
    page.locator("#absence-day").fill(day.isoformat())
    expect(page.locator("#absence-meals")).to_be_checked()
    page.locator("section[aria-labelledby=absence-title] button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(child_url) + rf"\?miesiac={day:%Y-%m}$"))
    expect(page.locator("#fee-forecast")).to_have_attribute(
        "data-grosze", str(before - 1200 - 4 * 144))
    assert_accessible(page)

    # Last month's statement: the individual account, and paying it online.
    row = page.locator(f"tr[data-statement='{statement.pk}']")
    payer = payment_selectors.payers_of_resident(municipality_a, resident).get()
    expect(row.locator(".account-number")).to_have_text(re.compile(payer.account[-4:] + "$"))
    row.locator("a.pay-statement").click()
    expect(page).to_have_url(re.compile(r"/zaplac/\?pozycja="))
    expect(page.locator("td.total")).to_contain_text(
        f"{statement.total // 100:,}".replace(",", "\u00a0"))
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(gateway_simulator.url) + "/trnRequest/"))
    page.locator("button[value=pay]").click()
    expect(page.locator(".payment-status")).to_have_class(re.compile("status-paid"))

    page.goto(child_url)
    expect(row.locator("td.payment")).to_have_class(re.compile("status-paid"))
    assert payment_selectors.fee_state(municipality_a, statement.external_id("stay")).paid
    assert payment_selectors.fee_state(municipality_a, statement.external_id("meals")).paid
    assert_accessible(page)
