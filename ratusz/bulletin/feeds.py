"""Machine-readable BIP: Atom feeds (the gmina, a site, a section), the sitemap
(sitemaps.org 0.9) and the open-data exports of register sections (CSV, JSON).

One item never takes a document down: an entry whose texts XML cannot carry (a control
character stored before the input checks, or written some other way) is left out of the
feeds and the exports and logged; the texts that are not the entry's own (a section's
title as its category) lose such characters instead."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Sequence
from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from ratusz.bulletin import selectors
from ratusz.bulletin.models import Entry, Section, Site, is_inline_image
from ratusz.core.text import XML_FORBIDDEN, describe
from ratusz.notifications import atom

logger = logging.getLogger("ratusz.bulletin")

FEED_SIZE = 50
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_LIMIT = 50_000


def base_url() -> str:
    return settings.RATUSZ_PUBLIC_URL.rstrip("/")


def absolute(path: str) -> str:
    return base_url() + path


def entry_url(entry: Entry, slug: str) -> str:
    return absolute(reverse("bip:entry", args=[slug, entry.pk]))


def attachment_url(attachment, slug: str) -> str:
    return absolute(reverse("bip:attachment", args=[slug, attachment.pk]))


# --- one item, not the document ----------------------------------------------------------

def _unsafe(texts: dict[str, str]) -> str | None:
    """Which of the texts (name → text) holds a character XML does not allow, with the
    character, or None."""
    for name, text in texts.items():
        match = XML_FORBIDDEN.search(text or "")
        if match:
            return f"{name} contains {describe(match.group(0))}"
    return None


def writable(entry: Entry, document: str, files: Sequence = ()) -> bool:
    """Whether the entry's texts (and the names of the `files` the document lists with
    it) can go into the document; when not, it is logged."""
    texts = {"title": entry.title, "body": entry.body, "number": entry.number,
             "produced_by": entry.produced_by}
    texts.update({f"attachment {a.pk}": a.name for a in files})
    problem = _unsafe(texts)
    if problem:
        logger.warning("bip: entry %s left out of %s: %s", entry.pk, document, problem)
    return problem is None


def _printable(text: str) -> str:
    return XML_FORBIDDEN.sub("", text or "")


def _documents(entry: Entry) -> list:
    """The entry's downloadable files as the exports list them (prefetched)."""
    return [a for a in entry.attachments.all()
            if a.removed_at is None and not is_inline_image(a)]


# --- Atom -------------------------------------------------------------------------------

def atom_feed(municipality, *, site: Site | None = None, section: Section | None = None,
              self_path: str, alternate_path: str) -> bytes:
    entries = selectors.feed_entries(municipality, site=site, section=section,
                                     count=FEED_SIZE)
    title = f"BIP – {municipality.official_name or municipality.name}"
    specific = f"{municipality.slug}:bip"
    if site is not None:
        title = site.title
        specific += f":site:{site.pk}"
    if section is not None:
        title = f"{section.title} – {section.site.title}"
        specific += f":section:{section.pk}"
    host = urlsplit(base_url()).hostname or "ratusz.localhost"
    author = municipality.official_name or municipality.name
    items = []
    for entry in entries:
        if not writable(entry, self_path):
            continue
        items.append(atom.AtomEntry(
            id=atom.tag_uri(host, entry.published_at.date(),
                            f"{municipality.slug}:bip:entry:{entry.pk}"),
            title=entry.title, updated=entry.modified_at or entry.published_at,
            published=entry.published_at, content_html=entry.body,
            summary="" if entry.body else entry.title,
            link=entry_url(entry, municipality.slug),
            categories=[_printable(entry.section.title)],
            author_name=entry.produced_by or author))
    updated = max((e.modified_at or e.published_at for e in entries),
                  default=municipality.created_at)
    feed = atom.AtomFeed(
        id=atom.tag_uri(host, municipality.created_at.date(), specific), title=title,
        updated=updated, link_self=absolute(self_path),
        link_alternate=absolute(alternate_path), author_name=author,
        subtitle="Biuletyn Informacji Publicznej: nowe i zmienione wpisy", entries=items)
    return atom.to_xml(feed)


# --- the sitemap ------------------------------------------------------------------------

def sitemap(municipality) -> bytes:
    slug = municipality.slug
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})

    def add(path: str, lastmod=None, changefreq: str = "") -> None:
        url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = absolute(path)
        if lastmod is not None:
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = \
                lastmod.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if changefreq:
            etree.SubElement(url, f"{{{SITEMAP_NS}}}changefreq").text = changefreq

    for name in ("bip:home", "bip:register", "bip:instructions", "bip:stats", "bip:search"):
        add(reverse(name, args=[slug]), changefreq="daily" if name != "bip:instructions"
            else "monthly")
    all_sites = selectors.sites(municipality)
    menus = selectors.menus(all_sites)
    for site in all_sites:
        if site.path:
            add(site.url, changefreq="daily")
        for item in _flatten(menus[site.pk]):
            add(item.url, changefreq="weekly")
    for entry in selectors.sitemap_entries(municipality, SITEMAP_LIMIT - len(root)):
        add(reverse("bip:entry", args=[slug, entry.pk]),
            lastmod=entry.modified_at or entry.published_at)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _flatten(items):
    for item in items:
        yield item
        yield from _flatten(item.children)


# --- open data --------------------------------------------------------------------------

EXPORT_FIELDS = ["id", "number", "act_date", "title", "published_at", "url", "attachments"]


def export_rows(section: Section) -> list[dict]:
    slug = section.municipality.slug
    rows = []
    document = selectors.section_url(section)
    for entry in selectors.register_entries(section):
        files = _documents(entry)
        if not writable(entry, document, files):
            continue
        rows.append({
            "id": entry.pk, "number": entry.number,
            "act_date": entry.act_date.isoformat() if entry.act_date else None,
            "title": entry.title,
            "published_at": entry.published_at.isoformat(),
            "url": entry_url(entry, slug),
            "attachments": [{"name": a.name, "url": attachment_url(a, slug),
                             "content_type": a.content_type, "size": a.size}
                            for a in files],
        })
    return rows


def export_csv(section: Section) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheets read the file as UTF-8
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    for row in export_rows(section):
        writer.writerow([row["id"], row["number"], row["act_date"] or "", row["title"],
                         row["published_at"], row["url"],
                         " ".join(a["url"] for a in row["attachments"])])
    return out.getvalue()


def export_json(section: Section) -> str:
    site = section.site
    document = {
        "publisher": site.unit.name, "site": site.title, "section": section.title,
        "section_url": absolute(selectors.section_url(section, site)),
        "generated_at": timezone.now().isoformat(), "entries": export_rows(section),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
