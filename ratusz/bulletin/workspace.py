"""What the BIP has waiting for a staff member on the workspace's dashboard (registered
with `ratusz.accounts.workspace` by the app's ready()): the entries waiting for their
approval, only where a BIP they approve for has the approval step switched on."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission
from ratusz.accounts.workspace import WaitingItem, WaitingWork
from ratusz.bulletin import selectors

#: How many entries the dashboard lists (the count covers all).
SHOWN = 5


def waiting_work(user, municipality, *, detailed: bool = False) -> list[WaitingWork]:
    """BIP entries waiting for this editor's approval."""
    if not has_permission(user, municipality, Permission.APPROVE_BIP):
        return []
    needs_approval, entries = selectors.approvals_waiting_for(
        user, municipality,
        approve_scope=selectors.unit_scope(user, municipality, Permission.APPROVE_BIP))
    if not needs_approval:
        return []
    slug = municipality.slug
    items: tuple[WaitingItem, ...] = ()
    if detailed:
        rows = list(entries[:SHOWN])
        count = len(rows) if len(rows) < SHOWN else entries.count()
        items = tuple(WaitingItem(
            label=entry.title, url=reverse("bip-staff:entry-edit", args=[slug, entry.pk]),
            detail=_("%(site)s, entered by %(who)s") % {
                "site": entry.site.title,
                "who": entry.entered_by.get_full_name() or entry.entered_by.username})
            for entry in rows)
    else:
        count = entries.count()
    return [WaitingWork(
        key="bip-approvals", title=_("BIP entries to approve"), count=count,
        url=reverse("bip-staff:dashboard", args=[slug]) + "#awaiting-title", items=items,
        empty_text=_("No BIP entry waits for your approval."))]
