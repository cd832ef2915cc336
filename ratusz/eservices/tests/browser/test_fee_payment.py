"""A level-4 service with a fee filed and paid in one journey (issue 16, item 6), in
Polish, with axe-core: a resident signs in through the login.gov.pl simulator, files the
certificate of no arrears (stamp duty 21 zł), pays it from the confirmation through the
Przelewy24 simulator, and the matter page shows the fee paid and the case going on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ratusz.eservices.models import FeeStatus, Submission
from ratusz.eservices.tests.browser.helpers import example, expect_summary, fill_fields, press
from ratusz.payments.models import Obligation
from ratusz.payments.tests import factories as payment_factories
from ratusz.testing.browser import assert_accessible
from ratusz.testing.journey import patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = "zaswiadczenie-o-niezaleganiu-w-podatkach"


@pytest.fixture
def gateway():
    from ratusz.testing.payments import start_gateway_simulator

    simulator = start_gateway_simulator()
    simulator.add_merchant(payment_factories.MERCHANT, api_key=payment_factories.API_KEY,
                           crc=payment_factories.CRC)
    yield simulator
    simulator.stop()


def _field_on_page(page, name: str) -> bool:
    return bool(page.locator(f"#field-{name}").count()
                or page.locator(f"input[type=radio][name='{name}']").count())


def test_a_resident_files_a_service_with_a_fee_and_pays_it(new_page, gmina, resident,
                                                           logingov_live, gateway):
    payment_factories.set_up(gmina, gateway_url=gateway.url)
    page = patient(new_page())
    page.goto(f"/g/alfa/e-urzad/uslugi/{SERVICE}/formularz/")
    page.locator("main a.button[href*='/auth/login-gov/start/']").click()
    expect(page).to_have_url(re.compile(re.escape(logingov_live.url)))
    page.get_by_label(re.compile(r"Ewa Mazur \(PESEL 90010112349\)")).check()
    page.get_by_label("Profil zaufany").check()
    page.get_by_role("button", name="Zaloguj").click()
    expect(page).to_have_url(re.compile(rf"/uslugi/{SERVICE}/formularz/"))

    answers = {name: value for name, value in example(SERVICE).items()
               if name != "attachments"}
    for _ in range(4):  # the server may split the page where a field depends on another
        fill_fields(page, {name: value for name, value in answers.items()
                           if _field_on_page(page, name)})
        press(page, "next")
        if re.search(r"/formularz/sprawdz/$", page.url):
            break
    expect_summary(page)
    press(page, "submit")

    # The confirmation offers the payment: online, or to the individual account.
    expect(page).to_have_url(re.compile(r"/e-urzad/przyjeto/[0-9a-f-]+/$"))
    submission = Submission.objects.get()
    obligation = Obligation.objects.get()
    assert obligation.external_id == submission.fee_obligation_id
    assert obligation.kind.code == "stamp_duty"
    expect(page.locator("section[aria-labelledby=next-title]")).to_contain_text(
        obligation.payer.account)
    assert_accessible(page)
    page.locator("main a.pay-fee").click()

    # The taxpayer account's payment page with the stamp duty, then the gateway.
    expect(page).to_have_url(re.compile(r"/e-urzad/naleznosci/zaplac/\?zobowiazanie="))
    expect(page.locator("td.total")).to_contain_text("21,00")
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    page.locator("button[value=pay]").click()
    expect(page.locator(".payment-status")).to_have_class(re.compile("status-paid"))

    # The matter: the fee paid, the case no longer waits for the party.
    submission.refresh_from_db()
    submission.case.refresh_from_db()
    assert submission.fee_status == FeeStatus.CONFIRMED
    assert submission.case.status == "in_progress"
    page.goto(f"/g/alfa/e-urzad/moje-sprawy/{submission.public_id}/")
    expect(page.locator("main a.pay-fee")).to_have_count(0)
    assert_accessible(page)
