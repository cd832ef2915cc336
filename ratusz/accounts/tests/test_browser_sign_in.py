"""Sign-in as people use it, in a real browser: a staff member with the second factor,
a resident's weaker registration, a refused login.gov.pl answer. Screenshots too."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytest.importorskip("playwright")

from django_otp.oath import totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402

from ratusz.accounts.models import User  # noqa: E402
from ratusz.accounts.permissions import Role  # noqa: E402
from ratusz.accounts.tests.factories import PASSWORD  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page


def _folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("RATUSZ_SCREENSHOT_DIR") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _shoot(page: Page, folder: Path, name: str) -> None:
    expect(page.locator("h1")).to_be_visible()
    page.screenshot(path=folder / name, full_page=True, animations="disabled", caret="hide")


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_staff_sign_in_requires_the_second_factor(new_page, settings, make_staff,
                                                  municipality_a, tmp_path):
    settings.RATUSZ_STAFF_2FA_REQUIRED = True
    folder = _folder(tmp_path)
    clerk = make_staff(municipality_a, Role.REGISTRY_CLERK, username="alfa.kancelaria")
    page = new_page()
    page.goto(f"/g/{municipality_a.slug}/staff/")
    expect(page).to_have_url(re.compile(r"/auth/login/\?next="))
    _shoot(page, folder, "sign-in.png")
    page.locator("#id_username").fill(clerk.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się", exact=True).click()
    # The password alone does not open the workspace: first the authenticator is set up.
    expect(page).to_have_url(re.compile(r"/auth/2fa/setup/"))
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()
    assert_accessible(page)
    _shoot(page, folder, "two-factor-setup.png")
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    page.locator("#code").fill("000000" if _code(device) != "000000" else "111111")
    page.get_by_role("button", name="Potwierdź i przejdź dalej").click()
    expect(page.locator(".error-summary")).to_be_visible()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0,
                                                   throttling_failure_timestamp=None)
    page.locator("#code").fill(_code(device))
    page.get_by_role("button", name="Potwierdź i przejdź dalej").click()
    expect(page.locator("ul.recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    _shoot(page, folder, "two-factor-recovery-codes.png")
    page.get_by_role("link", name="Zapisałem je, dalej").click()
    expect(page).to_have_url(re.compile(rf"/g/{municipality_a.slug}/staff/$"))

    # Next time: password, then the code.
    page.get_by_role("button", name=re.compile("Wyloguj")).first.click()
    page.goto(f"/g/{municipality_a.slug}/staff/")
    page.locator("#id_username").fill(clerk.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się", exact=True).click()
    expect(page).to_have_url(re.compile(r"/auth/2fa/\?next="))
    assert_accessible(page)
    _shoot(page, folder, "two-factor-code.png")
    page.goto(f"/g/{municipality_a.slug}/staff/ezd/")
    expect(page).to_have_url(re.compile(r"/auth/2fa/\?next="))
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    page.locator("#code").fill(_code(device))
    page.get_by_role("button", name="Potwierdź", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/g/{municipality_a.slug}/staff/ezd/$"))


def test_a_resident_registers_the_weaker_kind_of_account(new_page, tmp_path):
    folder = _folder(tmp_path)
    page = new_page()
    page.goto("/auth/login/")
    page.get_by_role("link", name="założyć je z adresem e-mail").click()
    expect(page.locator("main")).to_contain_text("To słabszy rodzaj konta.")
    assert_accessible(page)
    _shoot(page, folder, "register.png")
    page.locator("#id_first_name").fill("Ewa")
    page.locator("#id_last_name").fill("Nowak")
    page.locator("#id_email").fill("ewa.nowak@example.org")
    page.locator("#id_password").fill("qwertyuiop123")
    page.locator("#id_password2").fill("qwertyuiop123")
    page.get_by_role("button", name="Załóż konto").click()
    expect(page.locator(".error-summary")).to_contain_text("wyciekły")
    assert not User.objects.filter(username="ewa.nowak@example.org").exists()
    page.locator("#id_password").fill("zielony rower nad Wieprzem")
    page.locator("#id_password2").fill("zielony rower nad Wieprzem")
    page.get_by_role("button", name="Załóż konto").click()
    # Nobody is signed in before the address is confirmed: the link goes by e-mail.
    expect(page.get_by_role("heading", level=1)).to_have_text("Sprawdź pocztę e-mail")
    assert_accessible(page)
    _shoot(page, folder, "register-check-email.png")
    from django.core import mail

    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.get_by_role("button", name="Potwierdź adres").click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.locator("main")).to_contain_text("Potwierdź przez login.gov.pl")
    _shoot(page, folder, "resident-account-unconfirmed.png")


def test_a_refused_answer_explains_itself(new_page, logingov_live, tmp_path):
    folder = _folder(tmp_path)
    logingov_live.fault("expired")
    page = new_page()
    page.goto("/auth/login/")
    page.get_by_role("link", name="Zaloguj się przez login.gov.pl").click()
    expect(page).to_have_url(re.compile(re.escape(logingov_live.url)))
    _shoot(page, folder, "logingov-simulator.png")
    page.get_by_role("button", name="Zaloguj").click()
    expect(page.locator("h1")).to_have_text("Logowanie przez login.gov.pl odrzucone")
    expect(page.locator("main")).to_contain_text("Potwierdzenie z login.gov.pl wygasło.")
    assert_accessible(page)
    _shoot(page, folder, "logingov-refused.png")
