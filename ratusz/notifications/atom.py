"""Atom (RFC 4287) feeds of published alerts: build and validate.

Pure functions over plain dataclasses, independent of the Django models. Each alert is an
entry with an HTML page link and, as MeteoAlarm-style CAP feeds do, a link to its CAP 1.2
document::

    <link rel="alternate" type="application/cap+xml" href="https://…/alerts/1.cap"/>

`validate` checks a feed with lxml's RELAX NG against ``schemas/atom.rng`` (written after
RFC 4287 appendix B) and then the RFC's rules a grammar cannot express: the feed has an
author or every entry has one, every atom:id is an absolute IRI, exactly one rel="self"
link, at most one alternate link per type/hreflang, an entry without content links to an
alternate page. Our profile also wants every link href absolute (we never emit xml:base).

Entry ids are tag URIs (RFC 4151, see `tag_uri`) or https URLs.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from lxml import etree

from ratusz.notifications import xmltext

NS = "http://www.w3.org/2005/Atom"
MIME_TYPE = "application/atom+xml"
CAP_MIME_TYPE = "application/cap+xml"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "atom.rng"

logger = logging.getLogger("ratusz.notifications")


class AtomInvalid(ValueError):
    """An Atom document failed validation; `messages` lists every problem found."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


@dataclass
class AtomEntry:
    id: str
    title: str
    updated: datetime
    published: datetime | None = None
    summary: str = ""
    #: escaped HTML content (type="html"); takes precedence over content_text
    content_html: str = ""
    content_text: str = ""
    #: the alert's HTML page (rel="alternate" type="text/html")
    link: str = ""
    #: the alert's CAP 1.2 document (rel="alternate" type="application/cap+xml")
    cap_link: str = ""
    categories: list[str] = field(default_factory=list)
    author_name: str = ""


@dataclass
class AtomFeed:
    id: str
    title: str
    updated: datetime
    link_self: str
    link_alternate: str
    author_name: str
    subtitle: str = ""
    entries: list[AtomEntry] = field(default_factory=list)
    language: str = "pl"


def tag_uri(authority: str, day: date, specific: str) -> str:
    """An RFC 4151 tag URI, e.g. ``tag:ratusz.gmina.pl,2026-05-09:alert/17``."""
    if not authority or not specific:
        raise ValueError("a tag URI needs an authority and a specific part")
    return f"tag:{authority},{day.isoformat()}:{specific}"


def format_datetime(value: datetime) -> str:
    """An RFC 3339 date-time in UTC with "Z", whole seconds."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"Atom needs a timezone-aware datetime, got naive {value!r}")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str):
    el = etree.SubElement(parent, _q(name), {k: v for k, v in attrs.items() if v})
    if text is not None:
        el.text = text
    return el


def _author(parent: etree._Element, name: str) -> None:
    if name:
        _sub(_sub(parent, "author"), "name", name)


def _entry(parent: etree._Element, entry: AtomEntry) -> None:
    el = _sub(parent, "entry")
    _sub(el, "id", entry.id)
    _sub(el, "title", entry.title, type="text")
    _sub(el, "updated", format_datetime(entry.updated))
    if entry.published is not None:
        _sub(el, "published", format_datetime(entry.published))
    _author(el, entry.author_name)
    if entry.link:
        _sub(el, "link", rel="alternate", type="text/html", href=entry.link)
    if entry.cap_link:
        _sub(el, "link", rel="alternate", type=CAP_MIME_TYPE, href=entry.cap_link)
    for term in entry.categories:
        _sub(el, "category", term=term)
    if entry.summary:
        _sub(el, "summary", entry.summary, type="text")
    if entry.content_html:
        _sub(el, "content", entry.content_html, type="html")
    elif entry.content_text:
        _sub(el, "content", entry.content_text, type="text")


def to_xml(feed: AtomFeed) -> bytes:
    """The feed as an Atom 1.0 document: UTF-8 bytes with an XML declaration. Text is
    escaped by the serializer; HTML content goes as escaped markup (type="html").

    One item never takes the feed down: an entry with a text XML cannot carry (a control
    character stored before the input checks) is left out and logged; the feed's own
    title, subtitle and author lose such characters."""
    root = etree.Element(_q("feed"), nsmap={None: NS})
    if feed.language:
        root.set("{http://www.w3.org/XML/1998/namespace}lang", feed.language)
    _sub(root, "id", feed.id)
    _sub(root, "title", xmltext.without_forbidden(feed.title), type="text")
    if feed.subtitle:
        _sub(root, "subtitle", xmltext.without_forbidden(feed.subtitle), type="text")
    _sub(root, "updated", format_datetime(feed.updated))
    _author(root, xmltext.without_forbidden(feed.author_name))
    _sub(root, "link", rel="self", type="application/atom+xml", href=feed.link_self)
    if feed.link_alternate:
        _sub(root, "link", rel="alternate", type="text/html", href=feed.link_alternate)
    for entry in feed.entries:
        unsafe = xmltext.first_unsafe(entry)
        if unsafe:
            logger.warning("atom: entry %s left out of %s: %s", xmltext.without_forbidden(
                entry.id), feed.link_self, xmltext.UnsafeText(*unsafe))
            continue
        _entry(root, entry)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --------------------------------------------------------------------------- validation

#: RFC 3986 scheme followed by a non-empty, whitespace-free rest.
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_TAG_URI = re.compile(r"^tag:[^,\s]+,\d{4}(-\d{2}(-\d{2})?)?:\S*$")


def _is_absolute_iri(value: str) -> bool:
    if not _ABSOLUTE_IRI.match(value):
        return False
    if value.lower().startswith("tag:"):
        return bool(_TAG_URI.match(value))
    return True


@cache
def _schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA_PATH)))


def _parse(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        doc = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise AtomInvalid([f"not well-formed XML: {exc}"]) from exc
    if doc.getroottree().docinfo.doctype:
        raise AtomInvalid(["a DOCTYPE declaration is not allowed in an Atom feed"])
    return doc


def _check_links(el: etree._Element, where: str, errors: list[str]) -> list[etree._Element]:
    links = el.findall(_q("link"))
    seen: set[tuple[str, str]] = set()
    for link in links:
        href = link.get("href", "")
        if not _is_absolute_iri(href):
            errors.append(f"{where}: link href {href!r} is not an absolute IRI")
        if link.get("rel", "alternate") == "alternate":
            key = (link.get("type", ""), link.get("hreflang", ""))
            if key in seen:
                errors.append(f"{where}: more than one alternate link with type "
                              f"{key[0]!r} and hreflang {key[1]!r}")
            seen.add(key)
    return links


def _check_rules(root: etree._Element) -> list[str]:
    """RFC 4287 rules beyond the grammar (sections 4.1.1, 4.1.2, 4.2.6, 4.2.7)."""
    errors: list[str] = []
    if root.tag != _q("feed"):
        return [f"root element is {root.tag}, expected {{{NS}}}feed"]
    feed_id = root.findtext(_q("id"), "").strip()
    if not _is_absolute_iri(feed_id):
        errors.append(f"feed: atom:id {feed_id!r} is not an absolute IRI")
    links = _check_links(root, "feed", errors)
    self_links = [link for link in links if link.get("rel") == "self"]
    if len(self_links) != 1:
        errors.append(f"feed: needs exactly one link rel=\"self\", has {len(self_links)}")
    feed_has_author = root.find(_q("author")) is not None
    seen_ids: dict[tuple[str, str], int] = {}
    for n, entry in enumerate(root.findall(_q("entry")), start=1):
        entry_id = entry.findtext(_q("id"), "").strip()
        where = f"entry {n} ({entry_id})"
        if not _is_absolute_iri(entry_id):
            errors.append(f"{where}: atom:id {entry_id!r} is not an absolute IRI")
        key = (entry_id, entry.findtext(_q("updated"), "").strip())
        if key in seen_ids:
            errors.append(f"{where}: same atom:id and atom:updated as entry {seen_ids[key]}")
        seen_ids.setdefault(key, n)
        if not feed_has_author and entry.find(_q("author")) is None:
            errors.append(f"{where}: has no atom:author and the feed has none either")
        entry_links = _check_links(entry, where, errors)
        has_alternate = any(link.get("rel", "alternate") == "alternate" for link in entry_links)
        if entry.find(_q("content")) is None and not has_alternate:
            errors.append(f"{where}: an entry without atom:content needs an alternate link")
        content = entry.find(_q("content"))
        if (content is not None and content.get("src")
                and entry.find(_q("summary")) is None):
            errors.append(f"{where}: out-of-line content (src) requires atom:summary")
    return errors


def _missing_required(root: etree._Element) -> list[str]:
    found = []
    containers = [("feed", root)] if root.tag == _q("feed") else []
    containers += [(f"entry {n}", e) for n, e in enumerate(root.findall(_q("entry")), start=1)]
    for where, el in containers:
        for name in ("id", "title", "updated"):
            count = len(el.findall(_q(name)))
            if count != 1:
                found.append(f"{where}: needs exactly one atom:{name}, has {count}")
    return found


def validate(xml: bytes) -> None:
    """Raise AtomInvalid listing every problem unless `xml` is a valid Atom feed."""
    root = _parse(xml)
    schema = _schema()
    if not schema.validate(root):
        # libxml2's interleave errors are vague; name missing required children first
        raise AtomInvalid(
            _missing_required(root) + [f"line {e.line}: {e.message}" for e in schema.error_log]
        )
    errors = _check_rules(root)
    if errors:
        raise AtomInvalid(errors)
