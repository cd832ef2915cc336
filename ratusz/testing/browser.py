"""Debian's headless Chromium for the browser tests of every app: the fixtures (`browser`,
`new_page`, `page`), signing a user in without the form, and the axe-core check.

The browser runs against pytest-django's live server; each test creates its own data
(`transactional_db`), so the server thread sees it. A test module imports the fixtures it
uses from here (`from ratusz.testing.browser import browser, new_page, page`).
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.test import Client

# Playwright's sync API runs an event loop in this thread; the test's own database set-up
# happens in the same thread and Django would refuse it as "async context".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = {"serious", "critical"}

_axe = Axe()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts (Polish browser, desktop size by default)."""
    contexts = []

    def open_page(**options) -> Page:
        options = {"locale": "pl-PL", "viewport": DESKTOP, "base_url": live_server.url, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def sign_in(page: Page, live_server, user) -> None:
    """Give the browser a signed-in session without going through the form."""
    from ratusz.accounts.identity import is_identified_account
    from ratusz.testing.logingov import sign_in_identified

    client = Client()
    if is_identified_account(user):
        sign_in_identified(client, user)  # as after login.gov.pl
    else:
        client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def serious_violations(page: Page) -> list[dict]:
    results = _axe.run(page)
    return [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {node['target']}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    violations = serious_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"
