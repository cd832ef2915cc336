"""The BIP editor in a real headless Chromium (Polish browser): an editor opens the staff
BIP, writes a resolution with the WYSIWYG toolbar (heading, bold, list; the image button
of a new entry asks to save the draft first), attaches a PDF and publishes; the public
entry shows the metryczka; the editor changes it with a reason, uploading an image through
the toolbar's dialog (refused without an alternative text, accepted with one), and the
public entry shows the image; the public change register shows both versions and the
diff; a resident finds it by a word; the editor withdraws it and the public page says so.
axe-core on the editor page and every public page; screenshots bip-editor*.png in
RATUSZ_SCREENSHOT_DIR when set.

The UI strings are being translated, so the test finds the form by ids and `name=action`
buttons by value, the toolbar by its buttons' data-command, and checks the data typed."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.core.cache import cache

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from PIL import Image  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402

from ratusz.bulletin.models import Entry, EntryState  # noqa: E402
from ratusz.bulletin.tests.conftest import PDF  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible, sign_in  # noqa: E402
from ratusz.testing.journey import patient  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page

TITLE = "Uchwała nr XIII/90/2026 w sprawie budowy sieci kanalizacyjnej w Olszynach"
IMAGE_ALT = "Mapa przebiegu sieci kanalizacyjnej"



def wait_until_loaded(image, check, seconds: float = 10.0) -> None:
    """Until the image's naturalWidth passes the check. (page.wait_for_function polls with
    eval, which the pages' strict CSP forbids; a locator's evaluate does not need it.)"""
    import time

    deadline = time.monotonic() + seconds
    width = image.evaluate("img => img.naturalWidth")
    while not check(width):
        assert time.monotonic() < deadline, f"the image did not load (naturalWidth {width})"
        image.page.wait_for_timeout(100)
        width = image.evaluate("img => img.naturalWidth")

def png_bytes() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (320, 200), (30, 110, 60)).save(output, "PNG")
    return output.getvalue()


@pytest.fixture
def folder(tmp_path) -> Path:
    return Path(os.environ.get("RATUSZ_SCREENSHOT_DIR") or tmp_path)


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=folder / f"bip-{name}.png", full_page=True, animations="disabled",
                    caret="hide")


def tool(page: Page, command: str):
    return page.locator(f".wysiwyg__toolbar button[data-command='{command}']")


def test_an_editor_writes_publishes_changes_and_withdraws_a_resolution(
        new_page, live_server, bip_site_a, bip_editor_a, folder):
    page = patient(new_page())  # a shared machine: publishing may take seconds
    sign_in(page, live_server, bip_editor_a)

    # The staff BIP: the office's site, "Uchwały Rady Gminy", add an entry.
    page.goto("/g/alfa/staff/")
    page.get_by_role("navigation").locator("a[href='/g/alfa/staff/bip/']").click()
    expect(page).to_have_url(re.compile(r"/g/alfa/staff/bip/$"))
    row = page.locator("main tr", has=page.get_by_role("rowheader",
                                                       name="Uchwały Rady Gminy"))
    row.get_by_role("link").click()
    expect(page.locator("#id_section option:checked")).to_have_text("Uchwały Rady Gminy")

    # The kind of entry follows the section: a resolution in "Uchwały" is a document.
    expect(page.locator("input[name=kind]")).to_have_count(0)
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_number").fill("XIII/90/2026")
    page.locator("#id_act_date").fill("2026-03-12")

    # The WYSIWYG editor: one toolbar with a single tab stop, the textarea hidden.
    area = page.locator(".wysiwyg__area")
    expect(area).to_be_visible()
    expect(page.locator("#id_body")).to_be_hidden()
    toolbar = page.get_by_role("toolbar")
    expect(toolbar.locator("button[tabindex='0']")).to_have_count(1)
    # The link and image buttons are drawn (an emoji shows as an empty box without an
    # emoji font, as in this Chromium).
    expect(toolbar.locator("button svg")).to_have_count(2)

    area.click()
    page.keyboard.type("Budowa sieci kanalizacyjnej")
    tool(page, "h2").click()
    expect(area.locator("h2")).to_have_text("Budowa sieci kanalizacyjnej")
    expect(tool(page, "h2")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("Uwagi do projektu można składać do ")
    tool(page, "bold").click()
    page.keyboard.type("30 czerwca")
    expect(tool(page, "bold")).to_have_attribute("aria-pressed", "true")
    tool(page, "bold").click()
    page.keyboard.type(" w sekretariacie urzędu.")
    expect(area.locator("b, strong")).to_have_text("30 czerwca")
    page.keyboard.press("Enter")
    tool(page, "ul").click()
    page.keyboard.type("pisemnie")
    page.keyboard.press("Enter")
    page.keyboard.type("przez ePUAP")
    expect(area.locator("ul > li")).to_have_text(["pisemnie", "przez ePUAP"])
    expect(tool(page, "ul")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # leaves the list

    # A new entry has no address to upload images to yet: the dialog says to save first.
    tool(page, "image").click()
    dialog = page.locator("dialog.wysiwyg__dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#id_body_image_info")).to_be_visible()
    expect(dialog.locator("input")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(tool(page, "image")).to_be_focused()
    area.click()

    # The metryczka (who is responsible is filled in from the editor's account).
    expect(page.locator("#id_responsible")).to_have_value("Anna Kowalska, Redaktor BIP")
    page.locator("#id_produced_by").fill("Rada Gminy Alfa")
    page.locator("#id_files").set_input_files(files=[{
        "name": "uchwala-XIII-90-2026.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    assert_accessible(page)
    shoot(page, folder, "editor")

    page.locator("button[name=action][value=publish]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    entry = Entry.objects.get(title=TITLE)
    assert entry.state == EntryState.PUBLISHED
    assert entry.section.slug == "uchwaly" and entry.number == "XIII/90/2026"
    assert entry.kind == "document"
    for html in ("<h2>Budowa sieci kanalizacyjnej</h2>", "<li>pisemnie</li>"):
        assert html in entry.body
    assert re.search(r"<(b|strong)>30 czerwca</\1>", entry.body)
    assert list(entry.attachments.values_list("name", flat=True)) == [
        "uchwala-XIII-90-2026.pdf"]
    assert_accessible(page)

    # The public entry with its metryczka and the attachment.
    page.locator(f"main a[href='/g/alfa/bip/wpis/{entry.pk}/']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    content = page.locator("main")
    expect(content.locator("h2", has_text="Budowa sieci kanalizacyjnej")).to_have_count(1)
    metryczka = page.locator("#metryczka")
    expect(metryczka).to_contain_text("Rada Gminy Alfa")
    expect(metryczka).to_contain_text("Anna Kowalska, Redaktor BIP")
    expect(content.get_by_role("link", name=re.compile("uchwala-XIII-90-2026"))).to_be_visible()
    assert_accessible(page)
    shoot(page, folder, "editor-entry")

    # The editor changes the term, with a reason (in the HTML code view, and back).
    page.goto(f"/g/alfa/staff/bip/wpisy/{entry.pk}/")
    tool(page, "source").click()
    source = page.locator("#id_body")
    expect(source).to_be_visible()
    source.fill(source.input_value().replace("30 czerwca", "15 lipca"))
    tool(page, "source").click()
    expect(area.locator("b, strong")).to_have_text("15 lipca")

    # An image through the toolbar: a file and a required alternative text, uploaded.
    area.locator("li", has_text="przez ePUAP").click()
    page.keyboard.press("End")
    tool(page, "image").click()
    dialog = page.locator("dialog.wysiwyg__dialog")
    expect(dialog).to_be_visible()
    file_input = dialog.locator("#id_body_image_file")
    expect(file_input).to_be_focused()
    expect(dialog.locator("label[for=id_body_image_file]")).to_be_visible()
    file_input.set_input_files(files=[{"name": "mapa.png", "mimeType": "image/png",
                                       "buffer": png_bytes()}])
    dialog.locator(".wysiwyg__dialog-actions button").first.click()  # upload and insert
    alt_input = dialog.locator("#id_body_image_alt")
    expect(dialog.locator("label[for=id_body_image_alt]")).to_be_visible()
    expect(alt_input).to_have_attribute("aria-invalid", "true")
    expect(alt_input).to_be_focused()
    expect(dialog.get_by_role("alert")).not_to_be_empty()
    assert entry.attachments.count() == 1  # nothing was sent
    alt_input.fill(IMAGE_ALT)
    alt_input.press("Enter")
    expect(dialog).to_be_hidden()
    image = area.locator("img")
    expect(image).to_have_attribute("alt", IMAGE_ALT)
    expect(image).to_have_attribute("src", re.compile(r"^/g/alfa/bip/obraz/\d+/$"))
    wait_until_loaded(image, lambda width: width > 0)

    page.locator("#id_reason").fill("Przedłużono termin składania uwag")
    page.locator("button[name=action][value=save]").click()
    expect(page.locator("main table tbody tr")).to_have_count(2)  # the versions, staff side
    entry.refresh_from_db()
    assert f'alt="{IMAGE_ALT}"' in entry.body and "/g/alfa/bip/obraz/" in entry.body
    # The image is not a downloadable attachment.
    expect(page.locator("#attachments-title ~ ul > li")).to_have_count(1)

    # The public entry shows the image (anonymous visitor: the image is public).
    visitor = patient(new_page())
    visitor.goto(f"/g/alfa/bip/wpis/{entry.pk}/")
    public_image = visitor.locator(f"main img[alt='{IMAGE_ALT}']")
    expect(public_image).to_have_count(1)
    wait_until_loaded(public_image, lambda width: width == 320)
    expect(visitor.locator("main .bip-attachments li")).to_have_count(1)
    assert_accessible(visitor)
    shoot(visitor, folder, "editor-image")

    # The public change register: both versions, the reason, and the diff.
    page.locator(f"main a[href='/g/alfa/bip/wpis/{entry.pk}/wersje/']").click()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("main table")).to_contain_text("Przedłużono termin składania uwag")
    assert_accessible(page)
    shoot(page, folder, "editor-register")
    page.locator(f"main a[href='/g/alfa/bip/wpis/{entry.pk}/wersje/2/zmiany/']").click()
    expect(page.locator(".bip-diff del")).to_contain_text(["30 czerwca"])
    expect(page.locator(".bip-diff ins")).to_contain_text(["15 lipca"])
    assert_accessible(page)
    shoot(page, folder, "editor-diff")

    # A resident (not signed in) finds it by a word of the text.
    resident = patient(new_page())
    resident.goto("/g/alfa/bip/")
    search = resident.get_by_role("search").first
    search.get_by_role("searchbox").fill("kanalizacyjnej")
    search.get_by_role("button").click()
    expect(resident.locator("#result-count")).to_contain_text("1")
    expect(resident.locator(".bip-results")).to_contain_text(TITLE)
    expect(resident.locator(".bip-results mark").first).to_have_text(
        re.compile("kanalizacyjnej", re.I))
    assert_accessible(resident)
    resident.locator(".bip-results").get_by_role("link", name=TITLE).click()
    expect(resident.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(resident.locator("main")).to_contain_text("15 lipca")

    # The editor withdraws it with a reason; the public page says so and keeps the text.
    page.goto(f"/g/alfa/staff/bip/wpisy/{entry.pk}/")
    page.locator("#id_withdraw-reason").fill("Uchwała uchylona przez Radę Gminy")
    page.locator("button[name=action][value=withdraw]").click()
    expect(page.locator("#id_withdraw-reason")).to_have_count(0)
    assert Entry.objects.get(pk=entry.pk).state == EntryState.WITHDRAWN
    # Anonymous pages are cached for views.CACHE_SECONDS and not invalidated by writes:
    # the resident would see the withdrawal within a minute; the test does not wait.
    cache.clear()
    resident.reload()
    notice = resident.locator(".bip-notice")
    expect(notice).to_contain_text("Uchwała uchylona przez Radę Gminy")
    expect(resident.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_accessible(resident)
    resident.goto(f"/g/alfa/bip/wpis/{entry.pk}/wersje/")
    expect(resident.locator("main table tbody tr")).to_have_count(3)
    assert_accessible(resident)


def test_the_toolbar_works_from_the_keyboard(new_page, live_server, bip_site_a,
                                            bip_editor_a):
    page = new_page()
    sign_in(page, live_server, bip_editor_a)
    page.goto(f"/g/alfa/staff/bip/strony/{bip_site_a.pk}/nowy/")
    first = tool(page, "bold")
    first.focus()
    page.keyboard.press("ArrowRight")
    expect(tool(page, "italic")).to_be_focused()
    expect(tool(page, "italic")).to_have_attribute("tabindex", "0")
    expect(first).to_have_attribute("tabindex", "-1")
    page.keyboard.press("End")
    expect(tool(page, "source")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(first).to_be_focused()
    # The image button opens its dialog from the keyboard; Escape closes it and gives the
    # focus back to the button.
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    expect(tool(page, "image")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.wysiwyg__dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(tool(page, "image")).to_be_focused()
    # The label of the text field focuses the editable area.
    page.locator("label[for=id_body]").click()
    expect(page.locator(".wysiwyg__area")).to_be_focused()
    assert_accessible(page)
