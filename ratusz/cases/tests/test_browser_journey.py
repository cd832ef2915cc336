"""The EZD journey in a real browser, in Polish, as the clerk, the officer and the head.

Register a letter and assign it; open a case from it; draft a reply; get it approved;
seal and send it; close the case; the metryka shows every step; the spis spraw lists it.
"""

from __future__ import annotations

import os

import pytest
from django.utils import timezone

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import expect  # noqa: E402

from ratusz.testing.browser import (  # noqa: E402, F401 - fixtures
    assert_accessible,
    browser,
    new_page,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_the_ezd_journey_in_a_browser(new_page, live_server, clerk_a, officer_a,  # noqa: F811
                                      head_a, jrwa_a, department_a):
    # The clerk registers a letter at the front desk.
    clerk = new_page()
    sign_in(clerk, live_server, clerk_a)
    clerk.goto("/g/alfa/staff/ezd/incoming/new/")
    assert_accessible(clerk)
    clerk.locator("#id_title").fill("Wniosek o udostępnienie uchwały budżetowej")
    clerk.locator("#id_first_name").fill("Jan")
    clerk.locator("#id_last_name").fill("Kowalski")
    clerk.locator("#id_postal_code").fill("24-220")
    clerk.locator("#id_city").fill("Alfa")
    clerk.locator("main button[type=submit]").first.click()
    expect(clerk.locator("h1")).to_contain_text(f"RPW/1/{YEAR}")

    # …and assigns it to the department OR.
    clerk.locator("#id_assign-department").select_option(value=str(department_a.pk))
    clerk.locator("#id_assign-instructions").fill("Proszę o udostępnienie w terminie 14 dni.")
    clerk.locator("form[action$='/assign/'] button[type=submit]").click()
    expect(clerk.locator("table").first).to_contain_text("Proszę o udostępnienie")
    assert_accessible(clerk)

    # The case officer finds it in their work and opens a case from it.
    officer = new_page()
    sign_in(officer, live_server, officer_a)
    officer.goto("/g/alfa/staff/ezd/")
    officer.get_by_role("link", name=f"RPW/1/{YEAR}").click()
    officer.locator("#id_case-jrwa_class").select_option(label="1431 – Udostępnianie informacji "
                                                         "publicznej (B10)")
    officer.locator("form[action$='/open-case/'] button[type=submit]").click()
    expect(officer.locator("h1")).to_have_text(f"OR.1431.1.{YEAR}")
    assert_accessible(officer)

    # Drafts a reply from the template, sends it for approval to the head.
    officer.locator("a[href$='template=reply']").click()
    expect(officer.locator("#id_addressee_name")).to_have_value("Jan Kowalski")
    officer.locator("#id_body").fill("W odpowiedzi na wniosek przesyłam uchwałę budżetową.")
    officer.locator("main form button[type=submit]").click()
    officer.locator("form.approval-form select").first.select_option(value=str(head_a.pk))
    officer.locator("form.approval-form button[type=submit]").click()
    expect(officer.locator(".letter")).to_contain_text("Marta Zielińska")

    # The head approves it.
    head = new_page()
    sign_in(head, live_server, head_a)
    head.goto("/g/alfa/staff/ezd/")
    head.locator("#approvals-title + ul a").first.click()
    head.locator("form.decision-form button[name=approve]").click()
    expect(head.locator(".letter .tag").first).to_have_class("tag letter-approved")

    # The officer seals it, sends it and closes the case.
    officer.reload()
    officer.locator("form[action$='/seal/'] button").click()
    expect(officer.locator(".letter")).to_contain_text("PDF")
    officer.locator("form[action$='/send/'] button").click()
    expect(officer.locator(".messages")).to_contain_text(f"RKW/1/{YEAR}")
    officer.locator("summary", has_text="Zako").click() if officer.locator(
        "summary", has_text="Zako").count() else officer.locator("details.panel").last.click()
    officer.locator("form[action$='/close/'] #close_note").fill("Informację udostępniono.")
    officer.locator("form[action$='/close/'] button[type=submit]").click()
    expect(officer.locator(".stats")).to_contain_text("zakończona")

    # The record shows every step.
    record = officer.locator("table.record tbody tr")
    expect(record).to_have_count(11)
    expect(officer.locator("table.record")).to_contain_text("Akceptacja pisma")
    expect(officer.locator("table.record")).to_contain_text("pieczęcią elektroniczną")
    expect(officer.locator("table.record")).to_contain_text(f"RKW/1/{YEAR}")
    assert_accessible(officer)

    # The spis spraw lists the case.
    officer.goto(f"/g/alfa/staff/ezd/reports/spis-spraw/?department={department_a.pk}"
                 f"&jrwa_symbol=1431&year={YEAR}")
    expect(officer.locator("main")).to_contain_text(f"OR.1431.1.{YEAR}")
