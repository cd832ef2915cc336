"""Reads of the public BIP: which entries the public sees, the sites and the subject
menu, the files, the change register and the statistics.

What is public:

- *listed* (menus, section pages, feeds, exports): published, due (``publish_from`` passed),
  not expired, not withdrawn;
- *readable* (the entry page, its versions, attachments, search, the register): listed,
  or expired, or withdrawn after publication. Nothing published disappears.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from ratusz.bulletin.models import (
    INLINE_IMAGE_PARAMETER,
    Attachment,
    Entry,
    EntryState,
    EntryVersion,
    MonthlyStat,
    Section,
    Site,
)
from ratusz.core.models import Unit, UnitKind

#: User agents of robots (search engines, link checkers): their visits are not counted.
BOT_PATTERN = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|bingpreview|"
    r"mediapartners|python-requests|wget|curl/|httpclient|monitor|preview", re.I)


@functools.lru_cache(maxsize=1024)
def is_bot(user_agent: str) -> bool:
    return not user_agent or bool(BOT_PATTERN.search(user_agent))


# --- what is public ---------------------------------------------------------------------

def _due(now) -> Q:
    return Q(publish_from__isnull=True) | Q(publish_from__lte=now)


def listed_entries(municipality) -> QuerySet[Entry]:
    """Entries shown in menus, section pages, feeds and exports."""
    now = timezone.now()
    return (Entry.objects.filter(municipality=municipality, state=EntryState.PUBLISHED,
                                 published_at__isnull=False)
            .filter(_due(now))
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)))


def readable_entries(municipality) -> QuerySet[Entry]:
    """Entries anyone may open: listed, expired (archive) or withdrawn after publication."""
    now = timezone.now()
    published = Q(state=EntryState.PUBLISHED) & _due(now)
    withdrawn = Q(state=EntryState.WITHDRAWN)
    return Entry.objects.filter(municipality=municipality, published_at__isnull=False).filter(
        published | withdrawn)


def readable_entry(municipality, entry_id: int) -> Entry | None:
    return (readable_entries(municipality)
            .select_related("site", "site__unit", "site__municipality", "section",
                            "entered_by")
            .filter(pk=entry_id).first())


def is_expired(entry: Entry) -> bool:
    return entry.expires_at is not None and entry.expires_at <= timezone.now()


# --- sites and the menu -----------------------------------------------------------------

def site_url(site: Site) -> str:
    slug = site.municipality.slug
    if not site.path:
        return reverse("bip:home", args=[slug])
    return reverse("bip:unit-home", args=[slug, site.path])


def section_url(section: Section, site: Site | None = None) -> str:
    site = site or section.site
    slug = site.municipality.slug
    if not site.path:
        return reverse("bip:section", args=[slug, section.slug])
    return reverse("bip:unit-section", args=[slug, site.path, section.slug])


def office_site(municipality) -> Site | None:
    """The gmina's main BIP (None while the office has none)."""
    return (Site.objects.select_related("unit", "municipality")
            .filter(municipality=municipality, path="").first())


def unit_site(municipality, path: str) -> Site | None:
    """An active unit's BIP by its path (None when there is none)."""
    return (Site.objects.select_related("unit", "municipality")
            .filter(municipality=municipality, path=path, unit__is_active=True).first())


def site_of_unit(municipality, unit: Unit) -> Site | None:
    """The unit's BIP, if it has one."""
    return Site.objects.filter(municipality=municipality, unit=unit).first()


def sites(municipality) -> list[Site]:
    """All BIPs of the gmina: the office first, then the units by name."""
    found = list(Site.objects.select_related("unit", "municipality")
                 .filter(municipality=municipality, unit__is_active=True))
    for site in found:
        site.url = site_url(site)
    return sorted(found, key=lambda s: (bool(s.path), s.unit.name))


def other_units(municipality, site: Site | None) -> list[dict]:
    """Links to the BIPs of the gmina's other units (office included)."""
    links = []
    known = {s.unit_id: s for s in sites(municipality)}
    for unit in Unit.objects.filter(municipality=municipality, is_active=True):
        if site is not None and unit.pk == site.unit_id:
            continue
        if unit.kind == UnitKind.OFFICE:
            url = reverse("bip:home", args=[municipality.slug])
        else:
            url = known[unit.pk].url if unit.pk in known else reverse(
                "bip:unit-home", args=[municipality.slug, unit.slug])
        links.append({"name": unit.name, "url": url, "office": unit.kind == UnitKind.OFFICE})
    return sorted(links, key=lambda link: (not link["office"], link["name"]))


@dataclass
class MenuItem:
    section: Section
    url: str
    children: list[MenuItem] = field(default_factory=list)


def menu(site: Site) -> list[MenuItem]:
    """The subject menu of a site, nested (one query)."""
    return _nested(site, list(Section.objects.filter(site=site)))


def menus(all_sites: list[Site]) -> dict[int, list[MenuItem]]:
    """The subject menus of several sites by site id, each as `menu` gives it (one query)."""
    by_site: dict[int, list[Section]] = {site.pk: [] for site in all_sites}
    for section in Section.objects.filter(site__in=list(by_site)):
        by_site[section.site_id].append(section)
    return {site.pk: _nested(site, by_site[site.pk]) for site in all_sites}


def _nested(site: Site, sections: list[Section]) -> list[MenuItem]:
    items = {s.pk: MenuItem(section=s, url=section_url(s, site)) for s in sections}
    roots = []
    for section in sections:
        item = items[section.pk]
        if section.parent_id and section.parent_id in items:
            items[section.parent_id].children.append(item)
        else:
            roots.append(item)
    return roots


def section_by_slug(site: Site, slug: str) -> Section | None:
    return Section.objects.filter(site=site, slug=slug).select_related("parent").first()


def subsections(section: Section) -> list[Section]:
    return list(section.children.all())


def sections_of_sites(municipality, site_ids: set[int]) -> list[Section]:
    """The sections of these sites, by site path and menu order (the search's filter)."""
    return list(Section.objects.filter(municipality=municipality, site_id__in=site_ids)
                .select_related("site").order_by("site__path", "position", "title"))


def section_entries(section: Section) -> QuerySet[Entry]:
    return (listed_entries(section.municipality_id).filter(section=section)
            .order_by("-published_at", "-pk"))


def register_entries(section: Section) -> QuerySet[Entry]:
    """The section's listed entries with their files (the open-data exports)."""
    return section_entries(section).prefetch_related("attachments")


def latest_entries(municipality, site: Site | None = None, count: int = 10) -> list[Entry]:
    entries = listed_entries(municipality).select_related("section", "site")
    if site is not None:
        entries = entries.filter(site=site)
    return list(entries.order_by("-published_at", "-pk")[:count])


def feed_entries(municipality, *, site: Site | None = None, section: Section | None = None,
                 count: int = 50) -> list[Entry]:
    """The newest listed entries of the gmina, of a site or of a section (Atom feeds)."""
    entries = listed_entries(municipality).select_related("section", "site")
    if site is not None:
        entries = entries.filter(site=site)
    if section is not None:
        entries = entries.filter(section=section)
    return list(entries.order_by("-published_at", "-pk")[:count])


def sitemap_entries(municipality, count: int) -> QuerySet[Entry]:
    """The newest readable entries with only what the sitemap shows."""
    return (readable_entries(municipality).only("pk", "published_at", "modified_at")
            .order_by("-published_at")[:count])


def entry_by_source_key(municipality, source_key: str) -> Entry | None:
    """The entry published from this source (e.g. "eservices.submission:<pk>"), if any."""
    return Entry.objects.filter(municipality=municipality, source_key=source_key).first()


def _documents(attachments: QuerySet[Attachment]) -> QuerySet[Attachment]:
    """Downloadable files only: not the images of the text (services.add_image)."""
    return attachments.exclude(content_type__endswith=INLINE_IMAGE_PARAMETER)


def live_attachments(entry: Entry) -> list[Attachment]:
    """The files the current version of the entry lists for download (images of the text
    are not among them)."""
    return list(_documents(entry.attachments.filter(removed_at__isnull=True)))


def removed_attachments(entry: Entry) -> list[Attachment]:
    """Files earlier versions listed and a later one removed (still stored, still served
    for the change register)."""
    return list(_documents(entry.attachments.filter(removed_at__isnull=False))
                .order_by("-removed_at", "-pk"))


def version_files(entry: Entry, metadata: dict) -> list[dict]:
    """The files an archived version listed: name, and (for versions that recorded the
    ids) the attachment, marked when the current version no longer lists it."""
    names = metadata.get("attachments") or []
    ids = metadata.get("attachment_ids") or []
    found = {a.pk: a for a in entry.attachments.filter(pk__in=ids)} if ids else {}
    files = []
    for index, name in enumerate(names):
        attachment = found.get(ids[index]) if index < len(ids) else None
        files.append({"name": name, "attachment": attachment,
                      "removed": attachment is not None and attachment.removed_at is not None})
    return files


def attachment(municipality, attachment_id: int) -> Attachment | None:
    """One of the gmina's attachments (whether the public may have it is the caller's
    decision)."""
    return Attachment.objects.filter(municipality=municipality, pk=attachment_id).first()


def inline_image(municipality, attachment_id: int) -> Attachment | None:
    """An image of the text of one of the gmina's entries, with its entry and site; who
    may see it is the caller's decision (the entry's readability, or the editor's scope)."""
    return (Attachment.objects.filter(municipality=municipality, pk=attachment_id,
                                      content_type__endswith=INLINE_IMAGE_PARAMETER)
            .select_related("entry", "entry__site").first())


# --- the change register ----------------------------------------------------------------

def change_register(municipality, site_id: int | None = None) -> QuerySet[EntryVersion]:
    versions = (EntryVersion.objects.filter(municipality=municipality,
                                            entry__published_at__isnull=False)
                .select_related("entry", "entry__site", "entry__site__unit")
                .order_by("-changed_at", "-pk"))
    if site_id:
        versions = versions.filter(entry__site_id=site_id)
    return versions


def entry_versions(entry: Entry) -> list[EntryVersion]:
    return list(entry.versions.order_by("-number"))


def last_version(entry: Entry) -> EntryVersion | None:
    return entry.versions.order_by("-number").first()


def version_of(entry: Entry, number: int) -> EntryVersion | None:
    return entry.versions.filter(number=number).first()


# --- statistics -------------------------------------------------------------------------

def statistics(municipality, months: int = 12) -> dict:
    stats = MonthlyStat.objects.filter(municipality=municipality)
    monthly = list(stats.values("month").annotate(views=Sum("views"),
                                                  downloads=Sum("downloads"))
                   .order_by("-month")[:months])
    entries = readable_entries(municipality)
    totals = entries.aggregate(views=Sum("views"), count=Count("pk"))
    downloads = Attachment.objects.filter(municipality=municipality,
                                          entry__in=entries).aggregate(n=Sum("downloads"))
    top = list(entries.select_related("site__unit").annotate(
        download_count=Sum("attachments__downloads")).order_by("-views", "-pk")[:50])
    return {"monthly": monthly, "top": top, "total_views": totals["views"] or 0,
            "total_downloads": downloads["n"] or 0, "entry_count": totals["count"]}
