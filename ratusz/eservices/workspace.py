"""What the e-office has waiting for a staff member: new submissions filed for the
services of their departments (cases not yet taken up), for the workspace's dashboard and
the menu's counts (registered with `ratusz.accounts.workspace` by the app's ready())."""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission
from ratusz.accounts.workspace import WaitingItem, WaitingWork
from ratusz.cases import selectors as ezd_selectors
from ratusz.eservices import selectors

#: How many submissions the dashboard lists (the count covers all).
SHOWN = 5


def waiting_work(user, municipality, *, detailed: bool = False) -> list[WaitingWork]:
    """New submissions of the person's departments (all the gmina's for gmina-wide roles),
    whose case no one has taken up yet."""
    if not has_permission(user, municipality, Permission.VIEW_REGISTERS):
        return []
    own = ezd_selectors.department_ids_of(user, municipality)
    submissions = selectors.department_submissions(
        user, municipality, department_ids=own or None).filter(
        case__status="new", withdrawn_at__isnull=True)
    slug = municipality.slug
    url = reverse("eservices-staff:submissions", args=[slug])
    if not detailed:
        return [WaitingWork(key="submissions", title=_("New e-office submissions"),
                            count=submissions.count(), url=url)]
    rows = list(submissions[:SHOWN])
    count = len(rows) if len(rows) < SHOWN else submissions.count()
    return [WaitingWork(
        key="submissions", title=_("New e-office submissions"), count=count, url=url,
        empty_text=_("No new submissions for your departments."),
        items=tuple(WaitingItem(
            label=f"{submission.service.name} – {submission.applicant_name}",
            detail=date_format(localtime(submission.submitted_at), "DATETIME_FORMAT"),
            url=reverse("eservices-staff:submission-detail", args=[slug, submission.pk]))
            for submission in rows))]
