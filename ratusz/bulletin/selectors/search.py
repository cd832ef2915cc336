"""The BIP's search: readable entries with every word of the query in any inflected
form (``textsearch``), and the snippet with the matched words marked."""

from __future__ import annotations

import html
import re

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape

from ratusz.bulletin import textsearch
from ratusz.bulletin.models import Entry
from ratusz.bulletin.selectors.public import readable_entries

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
