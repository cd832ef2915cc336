"""The e-office in a real headless Chromium, in Polish: the library's forms filled page by
page, the anonymous request confirmed by e-mail, the status check and the receipt
verification, the resident reading the office's answer; axe-core on every page; the same
without JavaScript; the screenshots in docs/screenshots/eservices-*.png.

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

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Page, expect  # noqa: E402

from ratusz.accounts.permissions import Role  # noqa: E402
from ratusz.accounts.tests.factories import PASSWORD  # noqa: E402
from ratusz.cases import services as ezd  # noqa: E402
from ratusz.cases.jrwa import load_default_jrwa  # noqa: E402
from ratusz.cases.tests.fixtures.samples import minimal_pdf  # noqa: E402
from ratusz.core.tenancy import ALL_MUNICIPALITIES, set_database_tenant  # noqa: E402
from ratusz.core.tests.factories import DepartmentFactory, LocalityFactory  # noqa: E402
from ratusz.eservices import case_news, receipts, services  # noqa: E402
from ratusz.eservices.library import library_service  # noqa: E402
from ratusz.eservices.models import Message, MessageDirection, Service, Submission  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import MOBILE, assert_accessible, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = timezone.localdate().year
E_OFFICE = "/g/alfa/e-urzad/"
IN1 = "informacja-podatek-od-nieruchomosci-in-1"
PUBLIC_INFO = "wniosek-o-udostepnienie-informacji-publicznej"
GENERAL_LETTER = "pismo-ogolne"
FEE_ACCOUNT = "61109010140000071219812874"
ANONYMOUS_EMAIL = "jan.kowalski@example.com"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/g/alfa/e-urzad/potwierdz/[^/\s]+/)")
STATUS_CODE = re.compile(r"^[A-Z2-7]{4}-[A-Z2-7]{4}$")


# The browser fixtures of the core browser tests (Chromium at /usr/bin/chromium, Polish
# locale, desktop size, the live server as base URL).
browser = chromium.browser
new_page = chromium.new_page


def example(slug: str) -> dict:
    """The valid answers the library file of the service gives as its example."""
    return library_service(slug)["example"]


# --- The gmina ---------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def gmina(municipality_a, department_a):
    """Gmina Alfa with its office: OR and FN, the shipped JRWA, the locality Jastków of the
    library's examples, and the whole library published."""
    unit = department_a.unit
    unit.name, unit.street, unit.building = "Urząd Gminy Alfa", "Rynek", "1"
    unit.postal_code, unit.city = "24-220", "Alfa"
    unit.save()
    DepartmentFactory(municipality=municipality_a, unit=unit, symbol="FN",
                      name="Referat Finansowy")
    load_default_jrwa(unit, acting_user=None)
    LocalityFactory(municipality=municipality_a, name="Jastków")
    services.publish_library(municipality_a, acting_user=None, fee_account=FEE_ACCOUNT)
    return municipality_a


@pytest.fixture
def officer(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.CASE_OFFICER, department=department_a,
                      username="alfa.referent", first_name="Piotr", last_name="Wiśniewski",
                      position="Podinspektor")


@pytest.fixture
def head(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.HEAD, department=department_a,
                      username="alfa.kierownik", first_name="Marta", last_name="Zielińska",
                      position="Kierownik Referatu Organizacyjnego")


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


def expect_step(page: Page, number: int, total: int) -> None:
    expect(page).to_have_url(re.compile(rf"/formularz/\?strona={number}$"))
    steps = page.locator("ol.steps > li")
    expect(steps).to_have_count(total)
    expect(steps.nth(number - 1)).to_have_attribute("aria-current", "step")


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


def in1_page_values() -> list[dict]:
    """The example of the IN-1 library file split by the pages of its form."""
    answers = example(IN1)
    layout = library_service(IN1)["form"]["layout"]
    pages = []
    for page in layout["pages"]:
        names = [name for section in page["sections"] for name in section["fields"]]
        pages.append({name: answers[name] for name in names if name in answers})
    return pages


# --- 1. A resident files the IN-1 ------------------------------------------------------------

def test_a_resident_files_the_property_tax_information_in1_page_by_page(
        new_page, gmina, resident, logingov_live):
    page = new_page()
    answers = in1_page_values()
    assert len(answers) == IN1_PAGES

    # The catalogue lists the library; the resident searches for the IN-1.
    page.goto(E_OFFICE)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("ul.cards > li")).to_have_count(
        Service.objects.filter(municipality=gmina, is_published=True).count())
    assert_accessible(page)
    page.locator("#q").fill("IN-1")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"\?q=IN-1"))
    found = page.locator(f"ul.cards a[href$='/uslugi/{IN1}/']")
    expect(found).to_have_text(service(IN1).name)
    expect(page.locator("ul.cards > li")).to_have_count(1)

    # The card says who handles it and where the legal basis is.
    found.click()
    expect(page).to_have_url(re.compile(rf"/e-urzad/uslugi/{IN1}/$"))
    expect(page.locator("h1")).to_have_text(service(IN1).name)
    expect(page.locator("main")).to_contain_text("Referat Finansowy (FN)")
    assert_accessible(page)

    # Starting it asks to confirm the identity through login.gov.pl (here its simulator,
    # a separate process speaking the same SAML); the resident comes back to the form.
    page.locator(f"main a.button[href$='/uslugi/{IN1}/formularz/']").click()
    expect(page.locator("h1")).to_have_text(service(IN1).name)
    assert_accessible(page)
    page.locator("main a.button[href*='/auth/login-gov/start/']").click()
    expect(page).to_have_url(re.compile(re.escape(logingov_live.url)))
    page.get_by_label(re.compile(r"Ewa Mazur \(PESEL 90010112349\)")).check()
    page.get_by_label("Profil zaufany").check()
    page.get_by_role("button", name="Zaloguj").click()
    expect(page).to_have_url(re.compile(rf"/uslugi/{IN1}/formularz/$"))
    expect(page.locator(".messages")).to_contain_text("login.gov.pl")
    expect(page.locator("ol.steps > li").first).to_have_attribute("aria-current", "step")
    expect(page.locator("h1")).to_have_text(service(IN1).current_form.title)
    # Prefilled from the account.
    expect(page.locator("#field-last_name")).to_have_value("Mazur")
    expect(page.locator("#field-first_name")).to_have_value("Ewa")
    expect(page.locator("#field-postal_code")).to_have_value("24-220")
    assert_accessible(page)

    # Page 1, with a PESEL whose check digit is wrong: the server says so.
    wrong = {**answers[0], "pesel": "44051401358"}
    fill_fields(page, wrong)
    title = page.title()
    press(page, "next")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#field-pesel']")).to_have_count(1)
    expect(page.locator("#field-pesel-error")).to_be_visible()
    expect(page.locator("#field-pesel")).to_have_attribute(
        "aria-describedby", re.compile(r"field-pesel-error"))
    expect(page).to_have_title(re.compile(rf"^\S+: {re.escape(title)}$"))  # "Błąd: …"
    expect_values(page, wrong)  # nothing typed is lost
    assert_accessible(page)
    summary.locator("a[href='#field-pesel']").click()
    expect(page).to_have_url(re.compile(r"#field-pesel$"))

    # Fixed, the resident goes on.
    fill_fields(page, {"pesel": answers[0]["pesel"]})
    press(page, "next")
    expect_step(page, 2, IN1_PAGES)
    expect(page.locator(".error-summary")).to_have_count(0)
    assert_accessible(page)

    # Page 2: the circumstances.
    fill_fields(page, answers[1])
    press(page, "next")
    expect_step(page, 3, IN1_PAGES)
    assert_accessible(page)

    # Page 3: the areas and the taxable items, a repeatable group; a second item is added.
    items = answers[2].pop("taxable_items")
    assert len(items) == 2
    fill_fields(page, answers[2])
    rows = page.locator("#field-taxable_items fieldset.group__row")
    expect(rows).to_have_count(1)
    fill_fields(page, items[0], prefix="taxable_items-0-")
    press(page, "add:taxable_items")
    expect(rows).to_have_count(2)
    expect(page.locator("input[name=taxable_items-count]")).to_have_value("2")
    expect_values(page, items[0], prefix="taxable_items-0-")
    expect_values(page, answers[2])
    fill_fields(page, items[1], prefix="taxable_items-1-")
    assert_accessible(page)
    press(page, "next")
    expect_step(page, 4, IN1_PAGES)

    # Back one page: everything is there; forward again.
    press(page, "back")
    expect_step(page, 3, IN1_PAGES)
    expect(rows).to_have_count(2)
    expect_values(page, answers[2])
    expect_values(page, items[0], prefix="taxable_items-0-")
    expect_values(page, items[1], prefix="taxable_items-1-")
    press(page, "next")
    expect_step(page, 4, IN1_PAGES)

    # Page 4: no exemptions, no co-owners (their groups stay empty).
    fill_fields(page, answers[3])
    assert_accessible(page)
    press(page, "next")
    expect_step(page, 5, IN1_PAGES)

    # Page 5: contact, an attachment, the declaration; then it goes to the office.
    fill_fields(page, answers[4])
    page.locator("#field-attachments").set_input_files(files=[{
        "name": "akt-notarialny.pdf", "mimeType": "application/pdf",
        "buffer": minimal_pdf()}])
    assert_accessible(page)
    press(page, "submit")

    # The matter page with the case mark of FN under JRWA 3120.
    submission = Submission.objects.get()
    expect(page).to_have_url(re.compile(rf"/e-urzad/moje-sprawy/{submission.public_id}/$"))
    mark = page.locator("dd.case-mark")
    expect(mark).to_have_text(re.compile(rf"^FN\.3120\.1\.{YEAR}$"))
    assert submission.case.mark == f"FN.3120.1.{YEAR}"
    assert submission.resident == resident
    assert submission.data["pesel"] == "44051401359"
    assert submission.data["taxable_items"][1]["area"] == 142.5
    assert [a.original_name for a in submission.attachments.all()] == ["akt-notarialny.pdf"]
    main = page.locator("main")
    expect(main).to_contain_text("Panieńszczyzna")
    expect(main).to_contain_text("LU1I/00012345/5")
    expect(page.locator("dd.hash")).to_have_text(receipts.status_code(submission))
    assert_accessible(page)

    # The sealed receipt.
    name, pdf = download(page, page.locator("main a[href$='/upp/pdf/']"))
    assert pdf.startswith(b"%PDF")
    assert name == f"UPP-{submission.case.mark.replace('/', '-')}.pdf"

    # Signing out ends the session here and at login.gov.pl (SAML single logout).
    page.get_by_role("button", name=re.compile("Wyloguj")).first.click()
    expect(page).to_have_url(live_server_root(logingov_live))
    expect(page.locator(".messages")).to_contain_text("login.gov.pl")
    assert any(entry["event"] == "logout" and entry["known_session"]
               for entry in logingov_live.log())
    page.goto(f"{E_OFFICE}moje-sprawy/")
    expect(page).to_have_url(re.compile(r"/auth/login/\?next="))


def live_server_root(simulator) -> re.Pattern:
    return re.compile(r"^http://(localhost|127\.0\.0\.1):\d+/$")


# --- 2. An anonymous request, confirmed by e-mail; status; verification -------------------

def fill_public_information_request(page: Page) -> dict:
    answers = example(PUBLIC_INFO)
    fill_fields(page, answers)
    page.locator("#field-applicant_email").fill(ANONYMOUS_EMAIL)
    return answers


def test_an_anonymous_person_requests_public_information_and_checks_it(new_page, gmina):
    page = new_page()
    page.goto(f"{E_OFFICE}uslugi/{PUBLIC_INFO}/")
    page.locator("main a.button[href$='/formularz/']").click()
    expect(page).to_have_url(re.compile(rf"/uslugi/{PUBLIC_INFO}/formularz/$"))
    expect(page.locator("ol.steps")).to_have_count(0)  # one page, no steps
    assert_accessible(page)

    # The required text left out first: the server says so and keeps the rest.
    answers = fill_public_information_request(page)
    page.locator("#field-requested_information").fill("")
    press(page, "submit")
    expect(page.locator(".error-summary a[href='#field-requested_information']")
           ).to_have_count(1)
    expect(page.locator("#field-requested_information-error")).to_be_visible()
    expect_values(page, {**answers, "requested_information": ""})
    expect(page.locator("#field-applicant_email")).to_have_value(ANONYMOUS_EMAIL)
    assert_accessible(page)
    assert not mail.outbox

    page.locator("#field-requested_information").fill(answers["requested_information"])
    press(page, "submit")

    # Nothing is filed yet: the e-mail goes out first.
    expect(page).to_have_url(re.compile(rf"/uslugi/{PUBLIC_INFO}/sprawdz-poczte/$"))
    expect(page.locator("main")).to_contain_text(ANONYMOUS_EMAIL)
    assert_accessible(page)
    assert not Submission.objects.exists()
    link = confirmation_link(ANONYMOUS_EMAIL)  # proves the outbox is shared with the server

    # Opening the link only asks; the button files the request.
    page.goto(link)
    expect(page.locator("h1")).to_have_count(1)
    assert not Submission.objects.exists()
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()

    submission = Submission.objects.get()
    expect(page).to_have_url(re.compile(rf"/e-urzad/przyjeto/{submission.public_id}/$"))
    mark = page.locator(".case-mark")
    expect(mark).to_have_text(re.compile(rf"^OR\.1431\.1\.{YEAR}$"))
    code = page.locator("dl.details strong.hash").inner_text().strip()
    assert STATUS_CODE.match(code)
    assert code == receipts.status_code(submission)
    assert submission.email == ANONYMOUS_EMAIL
    assert submission.data["requested_information"] == answers["requested_information"]
    expect(page.locator("main")).to_contain_text(submission.incoming.number)
    assert_accessible(page)
    _name, pdf = download(page, page.locator("main a[href$='/pdf/']"))
    assert pdf.startswith(b"%PDF")
    _name, xml = download(page, page.locator("main a[href$='/xml/']"))
    assert xml.lstrip().startswith(b"<")

    # Anyone with the case mark and the code sees the status, in a fresh browser.
    stranger = new_page()
    stranger.goto(f"{E_OFFICE}status/")
    expect(stranger.locator("#result-title")).to_have_count(0)
    assert_accessible(stranger)
    stranger.locator("main form button[type=submit]").click()
    expect(stranger.locator(".error-summary a[href='#case_mark']")).to_have_count(1)
    expect(stranger.locator(".error-summary a[href='#code']")).to_have_count(1)
    assert_accessible(stranger)
    stranger.locator("#case_mark").fill(submission.case.mark)
    stranger.locator("#code").fill("AAAA-BBBB")
    stranger.locator("main form button[type=submit]").click()
    expect(stranger.locator(".error-summary a[href='#code']")).to_have_count(1)
    expect(stranger.locator("#case_mark")).to_have_value(submission.case.mark)
    stranger.locator("#code").fill(code.lower().replace("-", ""))  # as people type it
    stranger.locator("main form button[type=submit]").click()
    expect(stranger.locator(".error-summary")).to_have_count(0)
    expect(stranger.locator("#result-title")).to_have_text(submission.case.mark)
    expect(stranger.locator("section.panel")).to_contain_text(
        case_news.status_label(submission.case.status))
    expect(stranger.locator("main")).not_to_contain_text(ANONYMOUS_EMAIL)
    assert_accessible(stranger)

    # …and verifies the receipt by uploading the XML.
    stranger.goto(f"{E_OFFICE}weryfikacja/")
    expect(stranger.locator("#result-title")).to_have_count(0)
    assert_accessible(stranger)
    stranger.locator("#receipt").set_input_files(files=[{
        "name": "UPP.xml", "mimeType": "application/xml", "buffer": xml}])
    stranger.locator("main form button[type=submit]").click()
    result = stranger.locator("section.panel")
    expect(result.locator(".signature-valid")).to_have_count(1)
    expect(result).to_contain_text(submission.case.mark)
    expect(result).to_contain_text(submission.incoming.number)
    assert_accessible(stranger)

    # A changed receipt is not confirmed.
    stranger.locator("#receipt").set_input_files(files=[{
        "name": "UPP.xml", "mimeType": "application/xml",
        "buffer": xml.replace(ANONYMOUS_EMAIL.encode(), b"ktos.inny@example.com")}])
    stranger.locator("main form button[type=submit]").click()
    expect(result.locator(".signature-invalid")).to_have_count(1)
    expect(result).not_to_contain_text(submission.case.mark)

    # The accessibility statement of the e-office.
    stranger.goto(f"{E_OFFICE}deklaracja-dostepnosci/")
    expect(stranger.locator("#a11y-status")).to_be_visible()
    assert_accessible(stranger)


def test_a_wrong_confirmation_address_is_flagged_on_its_own_field(new_page, gmina):
    page = new_page()
    page.goto(f"{E_OFFICE}uslugi/{PUBLIC_INFO}/formularz/")
    fill_public_information_request(page)
    page.locator("#field-applicant_email").fill("jan.kowalski")
    press(page, "submit")
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.locator("#field-applicant_email-error").count() == 1
    assert page.locator("#field-email-error").count() == 0


# --- 3. The resident reads the office's answer and replies ----------------------------------

def test_the_resident_reads_the_message_and_the_sealed_letter_and_replies(
        new_page, gmina, resident, officer, head):
    submission, _created = services.submit(service(GENERAL_LETTER),
                                           data=example(GENERAL_LETTER), resident=resident)
    services.send_message_to_resident(
        submission, acting_user=officer,
        text="Zbiórka odbędzie się 14 maja.\nSzczegóły w piśmie w załączeniu.")
    letter = ezd.draft_letter(
        submission.case, acting_user=officer, subject="odpowiedź w sprawie zbiórki odpadów",
        body="Uprzejmie informuję, że zbiórka odpadów wielkogabarytowych w Jastkowie "
             "odbędzie się 14 maja.", addressee_name="Jan Kowalski",
        addressee_address="ul. Lipowa 12/3", addressee_city="20-020 Lublin",
        sending_method="resident_inbox")
    letter = ezd.request_approval(letter, acting_user=officer, approvers=[head])
    letter = ezd.decide_approval(letter, acting_user=head, approve=True)
    letter = off_the_event_loop(ezd.seal_letter, letter, acting_user=officer)
    ezd.send_letter(letter, acting_user=officer)
    mark = submission.case.mark
    # The news reached the resident's e-mail too (sent after commit, in this thread).
    subjects = [message.subject for message in mail.outbox if resident.email in message.to]
    assert f"Nowa wiadomość w sprawie: {mark}" in subjects
    assert f"Nowe pismo w sprawie: {mark}" in subjects

    # My matters asks to sign in; the sign-in page brings the resident back.
    page = new_page()
    page.goto(f"{E_OFFICE}moje-sprawy/")
    sign_in_with_the_form(page, resident.username)
    expect(page).to_have_url(re.compile(r"/e-urzad/moje-sprawy/$"))
    row = page.locator("main table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".case-mark")).to_have_text(mark)
    assert_accessible(page)

    row.locator(f"a[href$='/moje-sprawy/{submission.public_id}/']").click()
    expect(page.locator("dd.case-mark")).to_have_text(mark)
    conversation = page.locator("section[aria-labelledby=conversation-title]")
    expect(conversation.locator("ol.record > li")).to_have_count(1)
    expect(conversation).to_contain_text("Zbiórka odbędzie się 14 maja.")
    letter_link = conversation.locator(
        f"a[href$='/moje-sprawy/{submission.public_id}/pisma/{letter.pk}/']")
    expect(letter_link).to_have_text("odpowiedź w sprawie zbiórki odpadów")
    assert_accessible(page)
    assert Message.objects.get(direction=MessageDirection.TO_RESIDENT).read_at is not None

    name, pdf = download(page, letter_link)
    assert pdf.startswith(b"%PDF")
    assert name.endswith(".pdf") and mark.replace("/", "-") in name.replace("/", "-")

    # The reply shows on the page and is recorded.
    reply = page.locator("section[aria-labelledby=reply-title]")
    reply.locator("#reply-text").fill("Dziękuję, wystawię meble 13 maja wieczorem.")
    reply.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/moje-sprawy/{submission.public_id}/$"))
    expect(conversation.locator("ol.record > li")).to_have_count(2)
    expect(conversation.locator("ol.record > li").last).to_contain_text(
        "wystawię meble 13 maja")
    assert Message.objects.filter(direction=MessageDirection.FROM_RESIDENT,
                                  submission=submission).count() == 1
    assert_accessible(page)


# --- 5. Without JavaScript ------------------------------------------------------------------

def test_the_anonymous_request_works_without_javascript(new_page, gmina):
    page = new_page(java_script_enabled=False)
    page.goto(E_OFFICE)
    page.locator("#kategoria").select_option("general")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"kategoria=general"))
    page.locator(f"ul.cards a[href$='/uslugi/{PUBLIC_INFO}/']").click()
    page.locator("main a.button[href$='/formularz/']").click()

    answers = fill_public_information_request(page)
    press(page, "submit")
    expect(page).to_have_url(re.compile(r"/sprawdz-poczte/$"))

    page.goto(confirmation_link(ANONYMOUS_EMAIL))
    page.locator("main form button[type=submit]").click()
    submission = Submission.objects.get()
    expect(page).to_have_url(re.compile(rf"/przyjeto/{submission.public_id}/$"))
    expect(page.locator(".case-mark")).to_have_text(submission.case.mark)
    assert submission.data["delivery_method"] == answers["delivery_method"]

    _name, xml = download(page, page.locator("main a[href$='/xml/']"))

    page.locator(f"main a[href$='{E_OFFICE}status/']").click()
    page.locator("#case_mark").fill(submission.case.mark)
    page.locator("#code").fill(receipts.status_code(submission))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#result-title")).to_have_text(submission.case.mark)

    page.goto(f"{E_OFFICE}weryfikacja/")
    page.locator("#receipt").set_input_files(files=[{
        "name": "UPP.xml", "mimeType": "application/xml", "buffer": xml}])
    page.locator("main form button[type=submit]").click()
    expect(page.locator("section.panel .signature-valid")).to_have_count(1)
    expect(page.locator("section.panel")).to_contain_text(submission.case.mark)


# --- 6. Screenshots -------------------------------------------------------------------------

def test_screenshots_of_the_e_office(new_page, live_server, tmp_path, gmina, resident,
                                     officer):
    folder = screenshot_folder(tmp_path)
    submission, _created = services.submit(service(IN1), data=example(IN1),
                                           resident=resident)
    services.send_message_to_resident(
        submission, acting_user=officer,
        text="Dziękujemy za złożenie informacji. Decyzję doręczymy w ciągu miesiąca.")

    public = new_page()
    public.goto(f"{E_OFFICE}?kategoria=taxes")
    shoot(public, folder, "eservices-catalogue.png")
    public.goto(f"{E_OFFICE}uslugi/{IN1}/")
    shoot(public, folder, "eservices-card.png")

    signed_in = new_page()
    sign_in(signed_in, live_server, resident)
    signed_in.goto(f"{E_OFFICE}moje-sprawy/{submission.public_id}/")
    expect(signed_in.locator("dd.case-mark")).to_have_text(submission.case.mark)
    shoot(signed_in, folder, "eservices-matter.png")
    _name, receipt = download(signed_in, signed_in.locator("main a[href$='/upp/pdf/']"))
    signed_in.goto(f"{E_OFFICE}uslugi/{IN1}/formularz/")
    fill_fields(signed_in, {**in1_page_values()[0], "pesel": "44051401358"})
    press(signed_in, "next")
    expect(signed_in.locator(".error-summary")).to_be_visible()
    shoot(signed_in, folder, "eservices-form-errors.png")

    public.goto(f"{E_OFFICE}weryfikacja/")
    public.locator("#receipt").set_input_files(files=[{
        "name": f"UPP-{submission.case.mark}.pdf", "mimeType": "application/pdf",
        "buffer": receipt}])
    public.locator("main form button[type=submit]").click()
    expect(public.locator(".signature-valid")).to_have_count(1)
    shoot(public, folder, "eservices-verify.png")

    mobile = new_page(viewport=MOBILE, is_mobile=True, device_scale_factor=1)
    mobile.goto(f"{E_OFFICE}uslugi/{PUBLIC_INFO}/formularz/")
    shoot(mobile, folder, "eservices-form-mobile.png")

    names = {"eservices-catalogue.png", "eservices-card.png", "eservices-verify.png",
             "eservices-matter.png", "eservices-form-errors.png", "eservices-form-mobile.png"}
    assert names <= {path.name for path in folder.iterdir()}
