"""Reads of the public BIP: which entries the public sees, the subject menu, the change
register, search with highlighted snippets, the statistics and the readable diff of two
versions of an entry.

What is public:

- *listed* (menus, section pages, feeds, exports): published, due (``publish_from`` passed),
  not expired, not withdrawn;
- *readable* (the entry page, its versions, attachments, search, the register): listed,
  or expired, or withdrawn after publication. Nothing published disappears.
"""

from __future__ import annotations

import difflib
import functools
import html
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, strip_tags

from ratusz.bulletin import textsearch
from ratusz.bulletin.models import (
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


def _ensure(unit: Unit) -> Site | None:
    from ratusz.bulletin import services

    try:
        return services.ensure_site(unit)
    except IntegrityError:  # made at the same moment by another request
        return Site.objects.filter(unit=unit).first()


def office_site(municipality) -> Site | None:
    """The gmina's main BIP (made on first visit from the office unit, if missing)."""
    site = (Site.objects.select_related("unit", "municipality")
            .filter(municipality=municipality, path="").first())
    if site is None:
        unit = Unit.objects.filter(municipality=municipality, kind=UnitKind.OFFICE,
                                   is_active=True).first()
        if unit is not None:
            site = _ensure(unit)
    return site


def unit_site(municipality, path: str) -> Site | None:
    """A unit's BIP by its path (made on first visit for an active unit, if missing)."""
    site = (Site.objects.select_related("unit", "municipality")
            .filter(municipality=municipality, path=path, unit__is_active=True).first())
    if site is None and path:
        unit = (Unit.objects.filter(municipality=municipality, slug=path, is_active=True)
                .exclude(kind=UnitKind.OFFICE).first())
        if unit is not None:
            site = _ensure(unit)
    return site


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


def section_entries(section: Section) -> QuerySet[Entry]:
    return (listed_entries(section.municipality_id).filter(section=section)
            .order_by("-published_at", "-pk"))


def latest_entries(municipality, site: Site | None = None, count: int = 10) -> list[Entry]:
    entries = listed_entries(municipality).select_related("section", "site")
    if site is not None:
        entries = entries.filter(site=site)
    return list(entries.order_by("-published_at", "-pk")[:count])


def _documents(attachments: QuerySet[Attachment]) -> QuerySet[Attachment]:
    """Downloadable files only: not the images of the text (services.add_image)."""
    from ratusz.bulletin.services import INLINE_IMAGE_PARAMETER

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


def inline_image(municipality, attachment_id: int) -> Attachment | None:
    """An image of the text of one of the gmina's entries, with its entry and site; who
    may see it is the caller's decision (the entry's readability, or the editor's scope)."""
    from ratusz.bulletin.services import INLINE_IMAGE_PARAMETER

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


def version_of(entry: Entry, number: int) -> EntryVersion | None:
    return entry.versions.filter(number=number).first()


# --- search -----------------------------------------------------------------------------

TERM_PATTERN = re.compile(r"[^\s\"']+")
MAX_TERMS = 8


def search_terms(query: str) -> list[str]:
    """The words of a query (quotes dropped), at most eight, at least two characters."""
    terms = [t.strip(".,;:!?()") or t for t in TERM_PATTERN.findall(query or "")]
    return [t for t in terms if len(t) >= 2][:MAX_TERMS]


def search(municipality, terms: list[str], *, site_id: int | None = None,
           section_id: int | None = None) -> QuerySet[Entry]:
    """Readable entries with every word of the query in any inflected form, with or
    without Polish letters (``textsearch``). PostgreSQL: the GIN-indexed tsvector of
    Entry.search_stems, best match first (ts_rank), then newest; SQLite: the same tokens
    by LIKE, newest first."""
    entries = readable_entries(municipality).select_related("site", "site__unit", "section")
    found = textsearch.terms(terms)
    if not found:
        return entries.none()
    if site_id:
        entries = entries.filter(site_id=site_id)
    if section_id:
        entries = entries.filter(section_id=section_id)
    if connection.vendor == "postgresql":
        query = textsearch.tsquery(found)
        vector = "to_tsvector('simple'::regconfig, bulletin_entry.search_stems)"
        # Constant SQL (the GIN index's own expression); the query is a bound parameter.
        return entries.extra(  # noqa: S610
            where=[f"{vector} @@ to_tsquery('simple', %s)"], params=[query],
        ).annotate(
            rank=RawSQL(f"ts_rank({vector}, to_tsquery('simple', %s))", [query]),  # noqa: S611
        ).order_by("-rank", "-published_at", "-pk")
    for term in found:
        condition = Q(search_stems__contains=f" {term.prefix}")
        for form in term.exact:
            condition |= Q(search_stems__contains=f" {form} ")
        entries = entries.filter(condition)
    return entries.order_by("-published_at", "-pk")


SNIPPET_SCAN = 20_000


def snippet(text: str, terms: list[str], width: int = 220) -> str:
    """A piece of the text around the first word the query matched, escaped, the matched
    words (in whatever form) in <mark>."""
    text = re.sub(r"\s+", " ", html.unescape(text or "")).strip()
    found = textsearch.terms(terms)
    first = next((m.start() for m in textsearch.WORD.finditer(text[:SNIPPET_SCAN])
                  if textsearch.matches(m.group(), found)), -1)
    start = max(0, first - width // 3) if first > 0 else 0
    if start:  # begin at a word
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    piece = text[start:start + width]
    parts, position = [], 0
    for match in textsearch.WORD.finditer(piece):
        parts.append(str(escape(piece[position:match.start()])))
        word = str(escape(match.group()))
        parts.append(f"<mark>{word}</mark>" if found and textsearch.matches(
            match.group(), found) else word)
        position = match.end()
    parts.append(str(escape(piece[position:])))
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + width < len(text) else ""
    return f"{prefix}{''.join(parts)}{suffix}"


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


# --- the diff of two versions -----------------------------------------------------------

_BLOCK_END = re.compile(r"</(p|h[1-6]|li|tr|blockquote|pre|figure|figcaption|caption|"
                        r"table|ul|ol)\s*>|<br\s*/?>|<hr\s*/?>", re.I)
_CELL_END = re.compile(r"</t[dh]\s*>", re.I)


def paragraphs(body: str) -> list[str]:
    """The text of sanitised HTML as paragraphs (tags stripped, entities decoded)."""
    text = _CELL_END.sub(" | ", body or "")
    text = _BLOCK_END.sub("\n", text)
    text = html.unescape(strip_tags(text))
    lines = [re.sub(r"\s+", " ", line).strip(" |") for line in text.split("\n")]
    return [line.strip() for line in lines if line.strip()]


@dataclass
class Piece:
    kind: str  # "equal", "insert", "delete"
    text: str


@dataclass
class DiffParagraph:
    kind: str  # "equal", "insert", "delete", "change"
    pieces: list[Piece]


def _words(old: str, new: str) -> list[Piece]:
    a, b = old.split(" "), new.split(" ")
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("equal", " ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(Piece("delete", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(Piece("insert", " ".join(b[j1:j2])))
    return pieces


def diff(old_body: str, new_body: str) -> list[DiffParagraph]:
    """Paragraph by paragraph, and word by word inside a changed paragraph."""
    old, new = paragraphs(old_body), paragraphs(new_body)
    result: list[DiffParagraph] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            result.extend(DiffParagraph("equal", [Piece("equal", p)]) for p in old[i1:i2])
        elif op == "delete":
            result.extend(DiffParagraph("delete", [Piece("delete", p)]) for p in old[i1:i2])
        elif op == "insert":
            result.extend(DiffParagraph("insert", [Piece("insert", p)]) for p in new[j1:j2])
        else:
            pairs = min(i2 - i1, j2 - j1)
            for k in range(pairs):
                result.append(DiffParagraph("change", _words(old[i1 + k], new[j1 + k])))
            result.extend(DiffParagraph("delete", [Piece("delete", p)])
                          for p in old[i1 + pairs:i2])
            result.extend(DiffParagraph("insert", [Piece("insert", p)])
                          for p in new[j1 + pairs:j2])
    return result


METADATA_LABELS = ["number", "act_date", "produced_by", "responsible", "produced_on",
                   "section", "attachments"]


def metadata_changes(old: dict, new: dict) -> list[dict]:
    changes = []
    for key in METADATA_LABELS:
        before, after = old.get(key), new.get(key)
        if before != after:
            if isinstance(before, list):
                before = ", ".join(before)
            if isinstance(after, list):
                after = ", ".join(after)
            changes.append({"key": key, "before": before or "", "after": after or ""})
    return changes

