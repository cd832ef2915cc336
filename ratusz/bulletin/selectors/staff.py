"""Reads of the BIP's staff pages: which units' BIPs an editor may work on, the sites,
entries and sections within that scope, the dashboard and the statistics.

A scope is None (every unit of the gmina: a role assignment without a unit) or the set of
the ids of the units named by the editor's assignments (empty without the right)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from ratusz.accounts.models import RoleAssignment
from ratusz.accounts.permissions import ROLE_PERMISSIONS
from ratusz.accounts.selectors import has_permission
from ratusz.bulletin.models import (
    Attachment,
    Entry,
    EntryState,
    EntryVersion,
    MonthlyStat,
    Section,
    Site,
)
from ratusz.core.models import Unit
from ratusz.core.selectors import list_units


def unit_scope(user, municipality, permission: str) -> set[int] | None:
    """The units whose BIP the user may work on with `permission`: None means all units
    of the gmina (an assignment without a unit), otherwise the ids of the named units."""
    scope: set[int] | None = set()
    if has_permission(user, municipality, permission):
        assignments = RoleAssignment.objects.for_municipality(municipality).filter(
            user=user).values_list("role", "unit_id")
        for role, unit_id in assignments:
            if permission not in ROLE_PERMISSIONS.get(role, frozenset()):
                continue
            if unit_id is None:
                return None
            scope.add(unit_id)
    return scope


def in_scope(scope: set[int] | None, unit_id: int) -> bool:
    return scope is None or unit_id in scope


def editable_units(municipality, scope: set[int] | None) -> QuerySet[Unit]:
    units = list_units(municipality)
    return units if scope is None else units.filter(pk__in=scope)


def editable_unit(municipality, scope: set[int] | None, unit_id: int | None) -> Unit | None:
    return editable_units(municipality, scope).filter(pk=unit_id).first()


def editable_sites(municipality, scope: set[int] | None) -> QuerySet[Site]:
    sites = Site.objects.for_municipality(municipality).select_related("unit")
    return sites if scope is None else sites.filter(unit_id__in=scope)


def editable_site(municipality, scope: set[int] | None, site_id: int) -> Site | None:
    return editable_sites(municipality, scope).filter(pk=site_id).first()


def editable_entry(municipality, scope: set[int] | None, entry_id: int) -> Entry | None:
    """An entry of the gmina whose unit is in the scope (None otherwise, like a missing
    one)."""
    entry = (Entry.objects.for_municipality(municipality)
             .select_related("site", "site__unit", "section", "entered_by")
             .filter(pk=entry_id).first())
    if entry is None or not in_scope(scope, entry.site.unit_id):
        return None
    return entry


def site_sections(site: Site) -> QuerySet[Section]:
    """The site's sections in menu order, each with its number of entries."""
    return Section.objects.filter(site=site).annotate(
        n_entries=Count("entries")).order_by("position", "title")


def site_section(site: Site, section_id: int | None) -> Section | None:
    return Section.objects.filter(site=site, pk=section_id).first()


def menu_sections(site: Site) -> QuerySet[Section]:
    """The sections an entry of the site may go to (the editor's choice)."""
    return Section.objects.filter(site=site).order_by("position", "title")


def editor_overview(municipality, *, scope: set[int] | None,
                    approve_scope: set[int] | None, user) -> dict:
    """The editor's dashboard: the sites in scope with their sections (entries counted),
    the entries awaiting the editor's approval, the editor's drafts, the latest changes
    and the units in scope without a BIP."""
    sites = list(editable_sites(municipality, scope).order_by("path"))
    site_ids = [site.pk for site in sites]
    sections = (Section.objects.filter(site_id__in=site_ids)
                .annotate(n_entries=Count("entries"),
                          n_public=Count("entries", filter=Q(
                              entries__state=EntryState.PUBLISHED)))
                .order_by("position", "title"))
    by_site: dict[int, list] = {}
    for section in sections:
        by_site.setdefault(section.site_id, []).append(section)
    entries = Entry.objects.for_municipality(municipality).filter(
        site_id__in=site_ids).select_related("site", "section", "entered_by")
    awaiting = entries.filter(state=EntryState.AWAITING).order_by("pk")
    if approve_scope is not None:  # empty without the right to approve
        awaiting = awaiting.filter(site__unit_id__in=approve_scope)
    with_site = {site.unit_id for site in sites}
    return {
        "sites": sites, "sections_by_site": by_site, "awaiting": awaiting,
        "drafts": entries.filter(state=EntryState.DRAFT, entered_by=user).order_by("-pk"),
        "changes": (EntryVersion.objects.for_municipality(municipality)
                    .filter(entry__site_id__in=site_ids)
                    .select_related("entry", "entry__site").order_by("-changed_at", "-pk")[:15]),
        "missing": [unit for unit in editable_units(municipality, scope)
                    if unit.pk not in with_site],
    }


def approvals_waiting_for(user, municipality, *, approve_scope: set[int] | None
                          ) -> tuple[bool, QuerySet[Entry]]:
    """For the workspace's dashboard: whether any BIP this editor approves for needs
    approval at all, and the entries there waiting for them (the author never approves
    their own entry), oldest first."""
    sites = editable_sites(municipality, approve_scope).filter(requires_approval=True)
    entries = (Entry.objects.for_municipality(municipality)
               .filter(site__in=sites, state=EntryState.AWAITING)
               .exclude(entered_by=user).select_related("site", "entered_by").order_by("pk"))
    return sites.exists(), entries


def _monthly(municipality, site_ids: list[int]) -> QuerySet[MonthlyStat]:
    return MonthlyStat.objects.for_municipality(municipality).filter(
        entry__site_id__in=site_ids)


def monthly_rows(municipality, sites: list[Site]) -> QuerySet[MonthlyStat]:
    """Every month's counts of every entry of these sites (the CSV export)."""
    return (_monthly(municipality, [site.pk for site in sites])
            .select_related("entry__site", "entry__section")
            .order_by("entry__site__path", "entry__title", "entry_id", "month"))


def editor_statistics(municipality, sites: list[Site]) -> dict:
    """Views and downloads of these sites: totals per site, per month of the last year,
    the most viewed entries and the months of each entry."""
    site_ids = [site.pk for site in sites]
    entries = Entry.objects.for_municipality(municipality).filter(site_id__in=site_ids)
    monthly = _monthly(municipality, site_ids)
    downloads = dict(Attachment.objects.for_municipality(municipality).filter(
        entry__site_id__in=site_ids).values("entry__site_id").annotate(
        n=Sum("downloads")).order_by().values_list("entry__site_id", "n"))
    per_site = {row["site_id"]: row for row in entries.values("site_id").annotate(
        n=Count("pk"), views_total=Sum("views"),
        n_public=Count("pk", filter=Q(state=EntryState.PUBLISHED))).order_by()}
    totals = [{"site": site, "entries": per_site.get(site.pk, {}).get("n", 0),
               "public": per_site.get(site.pk, {}).get("n_public", 0),
               "views": per_site.get(site.pk, {}).get("views_total") or 0,
               "downloads": downloads.get(site.pk) or 0} for site in sites]
    since = (timezone.localdate().replace(day=1) - timedelta(days=366)).replace(day=1)
    return {
        "totals": totals,
        "months": list(monthly.filter(month__gte=since).values("month").annotate(
            views_total=Sum("views"), downloads_total=Sum("downloads")).order_by("-month")),
        "top": list(entries.filter(published_at__isnull=False).select_related("site")
                    .annotate(n_downloads=Sum("attachments__downloads"))
                    .order_by("-views", "-pk")[:20]),
        "per_entry": list(monthly.filter(month__gte=since)
                          .select_related("entry", "entry__site")
                          .order_by("-month", "-views", "entry__title")[:200]),
        "sum_views": sum(t["views"] for t in totals),
        "sum_downloads": sum(t["downloads"] for t in totals),
    }
