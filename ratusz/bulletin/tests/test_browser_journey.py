"""The BIP editor's journey in a real browser, in Polish, on a desktop (1280×800) and a
phone (390×844), as the people take it (issue 23, item 14): the editor opens the BIP from
the workspace's menu, adds a resolution in "Uchwały Rady Gminy" (the kind of entry follows
the section: nothing to choose) and publishes it; corrects it, is asked for the reason and
gives it; a visitor finds the resolution by a word of its text and sees that it was
corrected, when and why, and what was changed. Every step is checked with axe-core and
photographed (`bip-journey-<viewport>-NN-*.png`); the steps, clicks and fields are counted.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import expect  # noqa: E402

from ratusz.bulletin.models import Entry, EntryState, EntryVersion  # noqa: E402
from ratusz.testing.browser import (  # noqa: E402, F401 - fixtures
    DESKTOP,
    MOBILE,
    browser,
    new_page,
    sign_in,
)
from ratusz.testing.journey import Journey, patient  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Uchwała nr XIII/90/2026 w sprawie budowy sieci kanalizacyjnej w Olszynach"
REASON = "Przedłużono termin składania uwag"


@pytest.fixture
def folder(tmp_path) -> Path:
    return Path(os.environ.get("RATUSZ_SCREENSHOT_DIR") or tmp_path)


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_the_bip_editor_journey_in_a_browser(new_page, live_server, bip_site_a,  # noqa: F811
                                             bip_editor_a, folder, viewport):
    size = DESKTOP if viewport == "desktop" else MOBILE
    journey = Journey("bip-journey", viewport, folder)

    # The editor: the BIP from the workspace's menu, then "Add an entry" in "Uchwały".
    editor = patient(new_page(viewport=size))
    sign_in(editor, live_server, bip_editor_a)
    editor.goto("/g/alfa/staff/")
    journey.menu(editor, "/g/alfa/staff/bip/")
    journey.step(editor, "editor opens the bip")
    row = editor.locator("main tr", has=editor.get_by_role("rowheader",
                                                           name="Uchwały Rady Gminy"))
    journey.click(row.get_by_role("link"))
    expect(editor.locator("#id_section option:checked")).to_have_text("Uchwały Rady Gminy")
    expect(editor.locator("input[name=kind], select[name=kind]")).to_have_count(0)

    # The resolution: title, number, date of the act, its text, who produced it.
    journey.fill(editor.locator("#id_title"), TITLE)
    journey.fill(editor.locator("#id_number"), "XIII/90/2026")
    journey.fill(editor.locator("#id_act_date"), "2026-03-12")
    area = editor.locator(".wysiwyg__area")
    area.click()
    editor.keyboard.type("Uwagi do projektu sieci kanalizacyjnej można składać do "
                         "30 czerwca w sekretariacie urzędu.")
    journey.fields += 1
    journey.fill(editor.locator("#id_produced_by"), "Rada Gminy Alfa")
    journey.step(editor, "editor writes the resolution")
    journey.click(editor.locator("button[name=action][value=publish]"))
    expect(editor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(editor.locator(".messages")).to_be_visible()
    entry = Entry.objects.get(title=TITLE)
    assert (entry.state, entry.kind, entry.section.slug) == (EntryState.PUBLISHED,
                                                             "document", "uchwaly")
    journey.step(editor, "editor published the resolution")

    # The correction: without a reason it is refused, and says why; with it, published.
    editor.locator(".wysiwyg__area").click()
    editor.keyboard.press("Control+End")
    editor.keyboard.type(" Termin przedłużono do 15 lipca.")
    journey.fields += 1
    journey.click(editor.locator("button[name=action][value=save]"))
    reason = editor.locator("#id_reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    assert EntryVersion.objects.filter(entry=entry).count() == 1
    journey.step(editor, "a correction needs its reason")
    journey.fill(reason, REASON)
    journey.click(editor.locator("button[name=action][value=save]"))
    expect(editor.locator(".messages")).to_be_visible()
    assert EntryVersion.objects.filter(entry=entry).count() == 2
    journey.step(editor, "editor published the correction")

    # A visitor: finds it by a word, opens it, sees that it was corrected, when and why.
    visitor = patient(new_page(viewport=size))
    visitor.goto("/g/alfa/bip/")
    search = visitor.get_by_role("search").first
    journey.fill(search.get_by_role("searchbox"), "kanalizacyjnej")
    journey.click(search.get_by_role("button"))
    results = visitor.locator(".bip-results")
    expect(results).to_contain_text(TITLE)
    journey.step(visitor, "visitor finds the resolution")
    journey.click(results.get_by_role("link", name=TITLE))
    heading = visitor.get_by_role("heading", level=1)
    expect(heading).to_have_text(TITLE)
    if viewport == "mobile":  # the subject menu is folded: the entry starts on the screen
        expect(visitor.locator("nav.bip-menu")).to_be_hidden()
        assert heading.bounding_box()["y"] < MOBILE["height"]
    notice = visitor.locator(".bip-notice--corrected")
    expect(notice).to_contain_text(REASON)
    changed_at = timezone.localtime(EntryVersion.objects.get(entry=entry, number=2).changed_at)
    expect(notice).to_contain_text(f"{changed_at:%H:%M}")
    expect(notice).to_contain_text(str(changed_at.year))
    expect(visitor.locator("main")).to_contain_text("15 lipca")
    journey.step(visitor, "visitor sees it was corrected when and why")
    journey.click(notice.locator(f"a[href$='/wpis/{entry.pk}/wersje/2/zmiany/']"))
    expect(visitor.locator(".bip-diff ins")).to_contain_text([re.compile("15 lipca")])
    journey.step(visitor, "visitor sees what was changed")

    print(journey.summary())  # the counts for the notes (pytest -s)
    assert len(journey.steps) == 8
    # On the phone the editor opens the menu first.
    assert journey.clicks == (8 if viewport == "desktop" else 9)
    assert journey.fields == 8
