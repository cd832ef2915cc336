"""The journeys of issue 16 in a real browser, in Polish, with axe-core on every page:
a resident signs in through the login.gov.pl simulator, sees an overdue instalment with
interest, pays it through the Przelewy24 simulator and sees it paid; a resident pays a fee
of an e-service on the payment page the e-services send them to; a clerk imports a
statement and assigns the line nothing matched. Our own UI strings are still being
translated, so the tests look at data and structure (URLs, classes, ids), not wording."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

pytest.importorskip("playwright")

from django.utils import timezone  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from ratusz.accounts import services as account_services  # noqa: E402
from ratusz.payments import events, selectors, services  # noqa: E402
from ratusz.payments.models import (  # noqa: E402
    Instalment,
    LineStatus,
    PaymentStatus,
    StatementLine,
)
from ratusz.payments.tests import factories  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page
ACCOUNT = "/g/alfa/e-urzad/naleznosci/"
SLOW = 30_000  # ms: Chromium, the live server and two simulators share two busy cores


@pytest.fixture(autouse=True)
def _patient():
    expect.set_options(timeout=SLOW)
    yield
    expect.set_options(timeout=5_000)


def _page(new_page):
    page = new_page()
    page.set_default_timeout(SLOW)
    return page


@pytest.fixture
def gmina_live(municipality_a, resident, gateway_simulator, logingov_live):
    """Alfa against both simulators; the resident Ewa Mazur is the simulator's person."""
    factories.set_up(municipality_a, gateway_url=gateway_simulator.url)
    account_services.link_resident(municipality_a, resident)
    return municipality_a


def test_a_resident_pays_an_overdue_instalment_through_the_gateway(new_page, gmina_live,
                                                                    gateway_simulator):
    today = timezone.localdate()
    factories.import_lines(gmina_live, factories.obligation_line(
        "PN/2026/7", instalments=[(today - timedelta(days=120), 180000),
                                  (today + timedelta(days=40), 180000)]))
    overdue = Instalment.objects.get(number=1)
    page = _page(new_page)

    # The account needs login.gov.pl: the sign-in page sends the resident there.
    page.goto(ACCOUNT)
    expect(page).to_have_url(re.compile(r"/auth/login/\?next="))
    page.get_by_role("link", name="Zaloguj się przez login.gov.pl").click()
    page.get_by_label(re.compile(r"Ewa Mazur \(PESEL 90010112349\)")).check()
    page.get_by_label("Profil zaufany").check()
    page.get_by_role("button", name="Zaloguj").click()
    expect(page).to_have_url(re.compile(re.escape(ACCOUNT) + "$"))

    # The overdue instalment with its interest to date, and the individual account.
    row = page.locator(f"tr[data-id='{overdue.pk}']")
    expect(row).to_have_class(re.compile("status-overdue"))
    expect(row.locator("td.interest")).not_to_have_text("0,00\u00a0zł")
    payer = selectors.payer_by_identifier(gmina_live, factories.PESEL_EWA)
    expect(page.locator(".account-number").first).to_have_text(
        re.compile(payer.account[-4:] + "$"))
    assert_accessible(page)

    # Only the overdue one is chosen; the pay page sums it with its interest.
    expect(row.locator("input[name=pozycja]")).to_be_checked()
    page.locator("main form[action$='/zaplac/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/zaplac/\?pozycja="))
    view = selectors.views([overdue])[0]
    expect(page.locator("td.total")).to_contain_text(
        f"{view.to_pay // 100:,}".replace(",", "\u00a0"))
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()

    # The gateway's payer page (the simulator, another process): pay.
    expect(page).to_have_url(re.compile(re.escape(gateway_simulator.url) + "/trnRequest/"))
    assert_accessible(page)
    page.locator("button[value=pay]").click()

    # Back at the gmina: the notification was verified and booked.
    expect(page).to_have_url(re.compile(r"/e-urzad/naleznosci/platnosci/[0-9a-f-]+/$"))
    expect(page.locator(".payment-status")).to_have_class(re.compile("status-paid"))
    assert_accessible(page)
    overdue.refresh_from_db()
    assert overdue.settled_at is not None and overdue.interest_paid > 0
    page.locator(f"main a[href='{ACCOUNT}']").click()
    expect(page.locator(f"tr[data-id='{overdue.pk}']")).to_have_count(0)
    expect(page.locator(f".paid-items li[data-id='{overdue.pk}']")).to_have_count(1)


def test_a_resident_pays_an_e_service_fee_on_the_payment_page(new_page, gmina_live,
                                                               resident, gateway_simulator,
                                                               live_server):
    """What the e-services do when a level-4 service with a fee is filed: an obligation of
    kind stamp duty with the external id `eservices.submission:<id>`, and the resident sent
    to the payment page for it; paying it tells the e-services (`obligation_paid`)."""
    from django.db import transaction

    with transaction.atomic():
        services.create_obligation(
            gmina_live, payer=services.resident_payer_data(resident), kind="stamp_duty",
            external_id="eservices.submission:41", title="Opłata skarbowa: zaświadczenie",
            instalments=[(timezone.localdate(), 1700)])
    paid = []
    events.obligation_paid.connect(lambda **kw: paid.append(kw["external_id"]), weak=False,
                                   dispatch_uid="browser-fee")
    page = _page(new_page)
    sign_in(page, live_server, resident)
    try:
        page.goto(ACCOUNT + "zaplac/?zobowiazanie=eservices.submission:41")
        expect(page.locator("td.total")).to_contain_text("17,00")
        assert_accessible(page)
        page.locator("main form button[type=submit]").click()
        page.locator("button[value=pay]").click()
        expect(page.locator(".payment-status")).to_have_class(re.compile("status-paid"))
    finally:
        events.obligation_paid.disconnect(dispatch_uid="browser-fee")
    assert paid == ["eservices.submission:41"]


def test_a_resident_who_refuses_at_the_gateway_sees_the_payment_failed(new_page, gmina_live,
                                                                        resident, live_server):
    factories.import_lines(gmina_live, factories.obligation_line("PN/2026/8"))
    page = _page(new_page)
    sign_in(page, live_server, resident)
    page.goto(ACCOUNT)
    page.locator("input[name=pozycja]").first.check()
    page.locator("main form[action$='/zaplac/'] button[type=submit]").click()
    page.locator("main form button[type=submit]").click()
    page.locator("button[value=refuse]").click()
    expect(page.locator(".payment-status")).to_have_class(re.compile("status-failed"))
    assert_accessible(page)
    from ratusz.payments.models import Payment

    assert Payment.objects.get().status == PaymentStatus.FAILED


def test_a_clerk_imports_a_statement_and_assigns_the_unmatched_line(new_page, gmina_live,
                                                                    finance, live_server,
                                                                    tmp_path):
    factories.import_lines(gmina_live, factories.obligation_line(
        "OD/2026/12", kind="waste_fee", title="Odpady – grudzień 2026",
        instalments=[(timezone.localdate() + timedelta(days=10), 3500)]))
    payer = selectors.payer_by_identifier(gmina_live, factories.PESEL_EWA)
    account = selectors.collection_account(gmina_live).nrb
    statement = tmp_path / "wyciag-2026-12-07.sta"
    statement.write_bytes(factories.mt940(account, [
        (3500, "odpady grudzien", payer.account, "TNR1"),
        (3500, "za smieci Mazur Ewa", "", "TNR2")], day=timezone.localdate()))
    page = _page(new_page)
    sign_in(page, live_server, finance)
    page.goto("/g/alfa/staff/finanse/wyciagi/")
    assert_accessible(page)
    page.locator("input[type=file]").set_input_files(str(statement))
    page.locator("main form[enctype] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/finanse/wyciagi/\d+/$"))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    assert_accessible(page)
    page.locator("main table a[href*='/do-przypisania/']").click()
    expect(page).to_have_url(re.compile(r"/staff/finanse/do-przypisania/\d+/$"))
    assert_accessible(page)
    page.locator("#id_payer").fill(payer.account)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/finanse/do-przypisania/$"))
    expect(page.locator("main table a[href*='/do-przypisania/']")).to_have_count(0)
    assert_accessible(page)
    assigned = StatementLine.objects.get(status=LineStatus.ASSIGNED)
    assert assigned.payer == payer and assigned.assigned_by == finance
