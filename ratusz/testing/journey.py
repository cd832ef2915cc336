"""A person's journey through the site in the browser tests, counted as they would count
it: the steps (pages they come to), the clicks (a button, a link, a choice in a list) and
the fields they type into. Each step is checked with axe-core and photographed
(`<journey>-<viewport>-<nn>-<step>.png` in RATUSZ_SCREENSHOT_DIR when set, else a
temporary folder)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from ratusz.testing.browser import assert_accessible

#: A journey runs on machines shared with other work: waits long enough not to flake.
PATIENCE_MS = 30_000


def patient(page: Page) -> Page:
    """The page (and `expect`) wait up to PATIENCE_MS instead of the usual five seconds."""
    page.set_default_timeout(PATIENCE_MS)
    page.set_default_navigation_timeout(PATIENCE_MS)
    expect.set_options(timeout=PATIENCE_MS)
    return page


@dataclass
class Journey:
    name: str
    viewport: str
    folder: Path
    steps: list[str] = field(default_factory=list)
    clicks: int = 0
    fields: int = 0

    def step(self, page: Page, title: str) -> None:
        """The person arrives at a page worth a look: checked and photographed."""
        self.steps.append(title)
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        page.screenshot(path=self.folder / f"{self.name}-{self.viewport}-"
                                           f"{len(self.steps):02d}-{slug}.png",
                        full_page=True, animations="disabled", caret="hide")
        assert_accessible(page)

    def click(self, locator: Locator) -> None:
        locator.click()
        self.clicks += 1

    def choose(self, locator: Locator, **option) -> None:
        locator.select_option(**option)
        self.clicks += 1

    def fill(self, locator: Locator, text: str) -> None:
        locator.fill(text)
        self.fields += 1

    def menu(self, page: Page, href: str) -> None:
        """Follow the workspace menu's link to `href` (on a phone, open the menu first)."""
        toggle = page.locator(".sidebar__toggle")
        if toggle.is_visible() and not page.locator(".sidebar__fold[open]").count():
            self.click(toggle)
        self.click(page.locator(f"nav.sidebar a[href='{href}']"))

    def summary(self) -> str:
        return (f"{self.name} ({self.viewport}): {len(self.steps)} steps, {self.clicks} "
                f"clicks, {self.fields} fields typed")
