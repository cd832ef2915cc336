"""The education department's place in the staff workspace: its menu entry and what waits
for it on the dashboard (applications to verify, justifications and appeals due)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission
from ratusz.accounts.workspace import MenuEntry, MenuTarget, WaitingItem, WaitingWork
from ratusz.education import selectors, selectors_sheets

MENU_ENTRY = MenuEntry(
    "education", _("Recruitment"),
    (MenuTarget("education-staff:campaigns", Permission.VIEW_EDUCATION),),
    current=tuple(f"education-staff:{name}" for name in (
        "campaigns", "campaign-create", "campaign", "campaign-offer", "campaign-criterion",
        "campaign-continuation", "campaign-step", "applications", "lists", "application",
        "application-action", "attachment", "paper-application")),
    badges=("education",))
SHOWN = 10


def waiting_work(user, municipality, *, detailed: bool = False) -> list[WaitingWork]:
    """Applications waiting for the commission's verification, and justifications and
    appeals waiting for an answer, in the gmina's campaigns."""
    if not has_permission(user, municipality, Permission.VIEW_EDUCATION):
        return []
    waiting = selectors.waiting_for_commission(
        municipality, selectors.commission_scope(municipality, user))
    url = reverse("education-staff:campaigns", args=[municipality.slug])
    items: tuple[WaitingItem, ...] = ()
    if detailed:
        items = tuple(WaitingItem(label=label, url=reverse(
            "education-staff:application", args=[municipality.slug, application_id]),
            detail=detail) for label, application_id, detail in waiting["items"][:SHOWN])
    return [WaitingWork(key="education", title=_("Recruitment: waiting for the commission"),
                        count=waiting["count"], url=url, items=items,
                        empty_text=_("Nothing waits for the recruitment commissions."))]


ATTENDANCE_MENU_ENTRY = MenuEntry(
    "education-attendance", _("Attendance and fees"),
    (MenuTarget("education-staff:attendance", Permission.VIEW_EDUCATION),),
    current=("education-staff:attendance", "education-staff:attendance-day",
             "education-staff:fees-month"))
HELP_MENU_ENTRY = MenuEntry(
    "education-help", _("Scholarships and allowances"),
    (MenuTarget("education-staff:help-list", Permission.VIEW_EDUCATION),),
    current=tuple(f"education-staff:{name}" for name in (
        "help-list", "help-open", "help-matter", "help-decision", "help-letter",
        "help-payouts", "help-regulations")))
LIBRARY_MENU_ENTRY = MenuEntry(
    "education-libraries", _("School libraries"),
    (MenuTarget("education-staff:libraries", Permission.MANAGE_EDUCATION),),
    current=("education-staff:libraries", "education-staff:library"))
# --- organisation sheets ---
SHEETS_MENU_ENTRY = MenuEntry(
    "education-sheets", _("Organisation sheets"),
    (MenuTarget("education-staff:sheets", Permission.VIEW_EDUCATION),),
    badges=("education-sheets",))


def sheets_waiting(user, municipality, *, detailed: bool = False) -> list[WaitingWork]:
    """Sheet versions sent by the schools and waiting for the department's review."""
    if not has_permission(user, municipality, Permission.VIEW_EDUCATION):
        return []
    waiting = selectors_sheets.waiting_versions(municipality)
    items: tuple[WaitingItem, ...] = ()
    if detailed:
        items = tuple(WaitingItem(label=str(version.sheet), url=reverse(
            "education-staff:sheet-version", args=[municipality.slug, version.pk]),
            detail=f"v{version.number}") for version in waiting[:SHOWN])
    return [WaitingWork(key="education-sheets", title=_("Organisation sheets to review"),
                        count=len(waiting),
                        url=reverse("education-staff:sheets", args=[municipality.slug]),
                        items=items,
                        empty_text=_("No organisation sheet waits for review."))]
