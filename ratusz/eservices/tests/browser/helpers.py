"""What the e-office's browser tests share: the addresses and examples of the library, and
the helpers that fill and read forms as a person does (the fixtures are in conftest.py).

The UI strings are being translated, so the tests look at data (what was typed, case marks,
codes, addresses), at structure (headings, URLs, ids, `name=action` buttons by value) and
at status codes, not at the wording of buttons.

The live server runs in a thread of this process: the e-mails it sends land in this
process's `mail.outbox`, and the in-memory file storage of the test settings is shared.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core import mail
from django.db import connection
from django.utils import timezone

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Page, expect  # noqa: E402

from ratusz.accounts.tests.factories import PASSWORD  # noqa: E402
from ratusz.core.tenancy import ALL_MUNICIPALITIES, set_database_tenant  # noqa: E402
from ratusz.eservices.library import library_service  # noqa: E402
from ratusz.eservices.models import Service  # noqa: E402

YEAR = timezone.localdate().year
E_OFFICE = "/g/alfa/e-urzad/"
IN1 = "informacja-podatek-od-nieruchomosci-in-1"
PUBLIC_INFO = "wniosek-o-udostepnienie-informacji-publicznej"
GENERAL_LETTER = "pismo-ogolne"
FEE_ACCOUNT = "61109010140000071219812874"
ANONYMOUS_EMAIL = "jan.kowalski@example.com"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/g/alfa/e-urzad/potwierdz/[^/\s]+/)")
STATUS_CODE = re.compile(r"^[A-Z2-7]{4}-[A-Z2-7]{4}$")


def example(slug: str) -> dict:
    """The valid answers the library file of the service gives as its example."""
    return library_service(slug)["example"]


def off_the_event_loop(function, *args, **kwargs):
    """Run a service call in another thread: sealing (pyHanko) calls asyncio.run(), which
    cannot run in this thread, where Playwright's event loop is running. The thread has its
    own database connection, opened to every gmina as the test's own set-up is."""

    def work():
        try:
            if connection.vendor == "postgresql":
                set_database_tenant(ALL_MUNICIPALITIES)
            return function(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def service(slug: str) -> Service:
    return Service.objects.get(slug=slug)


# --- Helpers -------------------------------------------------------------------------------

def press(page: Page, action: str) -> None:
    """Press the form button `name=action` with this value (next, back, save, submit,
    add:<group>)."""
    page.locator(f"main button[name=action][value='{action}']").click()


def as_typed(value) -> str:
    """A number as a person in Poland types it (a decimal comma)."""
    if isinstance(value, float):
        return f"{value}".replace(".", ",")
    return str(value)


def fill_fields(page: Page, values: dict, prefix: str = "") -> None:
    """Fill form fields by their ids (`#field-<name>`, `#field-<group>-<i>-<sub>`): text,
    dates and numbers are typed, selects chosen, radios and checkboxes clicked."""
    for name, value in values.items():
        field_name = f"{prefix}{name}"
        if isinstance(value, bool):
            page.locator(f"#field-{field_name}").set_checked(value)
            continue
        if page.locator(f"input[type=radio][name='{field_name}']").count():
            page.locator(f"input[type=radio][name='{field_name}'][value='{value}']").check()
            continue
        field = page.locator(f"#field-{field_name}")
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value=str(value))
        else:
            field.fill(as_typed(value))


def expect_values(page: Page, values: dict, prefix: str = "") -> None:
    """The fields still hold what was typed."""
    for name, value in values.items():
        field_name = f"{prefix}{name}"
        if isinstance(value, bool):
            expect(page.locator(f"#field-{field_name}")).to_be_checked(checked=value)
        elif page.locator(f"input[type=radio][name='{field_name}']").count():
            expect(page.locator(f"input[type=radio][name='{field_name}'][value='{value}']")
                   ).to_be_checked()
        else:
            expect(page.locator(f"#field-{field_name}")).to_have_value(as_typed(value))


def expect_step(page: Page, number: int, total: int, *, step: int | None = None) -> None:
    """The form shows page `number` of `total` in its step list; the address names the
    step (`?strona=`), which is the page's number unless a page before it was split by a
    condition (`forms_engine.form_steps`)."""
    expect(page).to_have_url(re.compile(rf"/formularz/\?strona={step or number}$"))
    steps = page.locator("ol.steps > li")
    expect(steps).to_have_count(total)
    expect(steps.nth(number - 1)).to_have_attribute("aria-current", "step")


def expect_summary(page: Page) -> None:
    """The summary of every answer before sending ("check your answers")."""
    expect(page).to_have_url(re.compile(r"/formularz/sprawdz/$"))
    expect(page.locator("dl.summary-list").first).to_be_visible()


def sign_in_with_the_form(page: Page, username: str) -> None:
    """The real sign-in page (reached with a `next`), as a person uses it."""
    expect(page).to_have_url(re.compile(r"/auth/login/\?next="))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()


def download(page: Page, link) -> tuple[str, bytes]:
    """Click a download link; the file's suggested name and bytes."""
    with page.expect_download() as info:
        link.click()
    file = info.value
    return file.suggested_filename, Path(file.path()).read_bytes()


def confirmation_link(email: str) -> str:
    """The path of the confirmation link of the last e-mail sent to this address (sent by
    the live server's thread into this process's outbox)."""
    sent = [message for message in mail.outbox if email in message.to]
    assert sent, f"no e-mail to {email}; outbox: {[m.to for m in mail.outbox]}"
    match = CONFIRM_LINK.search(sent[-1].body)
    assert match, sent[-1].body
    return match.group(1)


def screenshot_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("RATUSZ_SCREENSHOT_DIR") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(page: Page, folder: Path, name: str) -> None:
    expect(page.locator("h1")).to_be_visible()
    page.screenshot(path=folder / name, full_page=True, animations="disabled", caret="hide")


IN1_PAGES = 5
#: The steps (`?strona=`) of the IN-1's pages for the library's example: page 2 and page 4
#: each have a step of their own for the fields their answers open (the reason of a
#: correction, the exempt items), passed over for the example.
IN1_STEPS = (1, 2, 4, 5, 7)


def in1_page_values() -> list[dict]:
    """The example of the IN-1 library file split by the pages of its form."""
    answers = example(IN1)
    layout = library_service(IN1)["form"]["layout"]
    pages = []
    for page in layout["pages"]:
        names = [name for section in page["sections"] for name in section["fields"]]
        pages.append({name: answers[name] for name in names if name in answers})
    return pages


def live_server_root(simulator) -> re.Pattern:
    return re.compile(r"^http://(localhost|127\.0\.0\.1):\d+/$")


#: The request for public information's fields shown once its first step is answered.
PUBLIC_INFO_SECOND_STEP = ("file_format", "email", "postal_address")


def fill_public_information_request(page: Page, email: str = ANONYMOUS_EMAIL) -> dict:
    """Both steps of the library's example (the format of the file and the address to
    send it to are asked once "as a file" and "by e-mail" are chosen), up to the
    summary."""
    answers = {**example(PUBLIC_INFO), "email": email}
    fill_fields(page, {name: value for name, value in answers.items()
                       if name not in PUBLIC_INFO_SECOND_STEP})
    press(page, "next")
    fill_fields(page, {name: value for name, value in answers.items()
                       if name in PUBLIC_INFO_SECOND_STEP})
    press(page, "next")
    return answers
