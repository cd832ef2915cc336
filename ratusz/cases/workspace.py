"""What the EZD has waiting for a staff member, for the workspace's dashboard and the
menu's counts (registered with `ratusz.accounts.workspace` by the app's ready()):
correspondence to assign or to take up, letters to approve, letters back with their
author, and cases near or past their deadline."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import permissions_of
from ratusz.accounts.workspace import WaitingItem, WaitingWork
from ratusz.cases import selectors

#: How many items of each kind the dashboard lists (the count covers all).
SHOWN = 5


def _deadline_detail(deadline, today) -> tuple[str, bool]:
    if deadline < today:
        days = (today - deadline).days
        return ngettext("%(days)d day overdue", "%(days)d days overdue", days) % {
            "days": days}, True
    if deadline == today:
        return _("due today"), True
    return _("due %(date)s") % {"date": date_format(deadline)}, False


def _work(key, title, queryset, url, detailed, item, *, empty_text, urgent=None):
    if detailed:
        rows = list(queryset[:SHOWN])
        count = len(rows) if len(rows) < SHOWN else queryset.count()
        items = tuple(item(row) for row in rows)
    else:
        count, items = queryset.count(), ()
    is_urgent = urgent(queryset) if urgent and count else False
    return WaitingWork(key=key, title=title, count=count, url=url, items=items,
                       is_urgent=is_urgent, empty_text=empty_text)


def waiting_work(user, municipality, *, detailed: bool = False) -> list[WaitingWork]:
    """The EZD's kinds of work for this person, each only for those whose roles do it."""
    held = permissions_of(user, municipality)
    slug = municipality.slug
    today = timezone.localdate()
    inbox = reverse("ezd:inbox", args=[slug])
    work = []

    def entry_item(entry):
        return WaitingItem(label=f"{entry.number} – {entry.title}",
                           url=reverse("ezd:incoming-detail", args=[slug, entry.pk]),
                           detail=date_format(entry.received_on))

    if Permission.ASSIGN_CASES in held and Permission.REGISTER_CORRESPONDENCE in held:
        work.append(_work(
            "to-assign", _("Correspondence to assign"),
            selectors.unassigned_entries(municipality).order_by("registered_at", "pk"),
            reverse("ezd:incoming-register", args=[slug]) + "?status=registered", detailed,
            entry_item, empty_text=_("Every registered item has been assigned.")))
    work.append(_work(
        "incoming", _("New correspondence for you"),
        selectors.inbox_entries(user, municipality).order_by("registered_at", "pk"),
        f"{inbox}#entries-title", detailed, entry_item,
        empty_text=_("No new items are assigned to you or your departments.")))

    if Permission.APPROVE in held:
        letters = selectors.letters_awaiting_approval_by(user, municipality)
        work.append(WaitingWork(
            key="approvals", title=_("Letters to approve"), count=len(letters),
            url=f"{inbox}#approvals-title", empty_text=_("No letter waits for your approval."),
            items=tuple(WaitingItem(
                label=letter.subject, detail=letter.case.mark,
                url=reverse("ezd:case-detail", args=[slug, letter.case_id])
                + f"#letter-{letter.pk}") for letter in letters[:SHOWN]) if detailed else ()))

    if Permission.HANDLE_CASES in held:
        next_steps = {"returned": _("returned for changes"), "approved": _("approved: seal it"),
                      "sealed": _("sealed: send it")}
        work.append(_work(
            "letters", _("Your letters to finish"), selectors.letters_to_finish(
                user, municipality), f"{inbox}#mine-title", detailed,
            lambda letter: WaitingItem(
                label=letter.subject, detail=f"{letter.case.mark}, "
                                             f"{next_steps.get(letter.status, '')}",
                url=reverse("ezd:case-detail", args=[slug, letter.case_id])
                + f"#letter-{letter.pk}", is_urgent=letter.status == "returned"),
            empty_text=_("None of your letters waits for you.")))

        def case_item(case):
            detail, is_urgent = _deadline_detail(case.deadline, today)
            return WaitingItem(label=f"{case.mark} – {case.title}", detail=detail,
                               url=reverse("ezd:case-detail", args=[slug, case.pk]),
                               is_urgent=is_urgent)

        work.append(_work(
            "deadlines", _("Cases near or past the deadline"),
            selectors.cases_near_deadline(user, municipality,
                                          with_department=Permission.ASSIGN_CASES in held),
            reverse("ezd:overdue", args=[slug]), detailed, case_item,
            urgent=lambda cases: cases.filter(deadline__lt=today).exists(),
            empty_text=_("No case of yours is due within three days.")))
    return work
