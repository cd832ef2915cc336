"""Full-text search of BIP entries in Polish.

PostgreSQL ships no Polish dictionary, so the words are prepared here: each word of an
entry is lower-cased and folded (diacritics removed: "Uchwały" -> "uchwaly"), and its stem
from Stempel (the Polish stemmer of Lucene and Elasticsearch, through ``pystempel``) is
added, also folded ("uchwały" -> "uchwała" -> "uchwala"). ``Entry.search_stems`` keeps
these tokens; PostgreSQL indexes ``to_tsvector('simple', search_stems)`` (GIN) and ranks
with ``ts_rank``; SQLite matches the same tokens with LIKE.

A query word matches an entry when the entry has the word itself, its stem, or a token
beginning with the word less its last letters (the ending that Polish inflection changes:
"dróg" -> "drog", "ogłoszeń" -> "oglosz"). Residents who type without Polish letters
("budzet") find the same entries.
"""

from __future__ import annotations

import gzip
import importlib.resources
import re
import threading
import unicodedata
from dataclasses import dataclass

WORD = re.compile(r"\w+", re.UNICODE)
FOLD = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "đ": "d", "ß": "ss"})
MAX_WORDS = 50_000

_stemmer = None
_stemmer_lock = threading.Lock()


def _load_stemmer():
    """Stempel with its original table (about 1 s and 40 MB once per process; the
    larger Polimorf table costs 5 s and 170 MB per process for little gain here)."""
    global _stemmer
    if _stemmer is None:
        with _stemmer_lock:
            if _stemmer is None:
                from pystempel import Stemmer
                from pystempel.streams import DataInputStream

                table = importlib.resources.files("pystempel.data.original").joinpath(
                    "stemmer_20000.tbl.gz")
                with table.open("rb") as raw, gzip.open(raw, "rb") as stream:
                    _stemmer = Stemmer.from_stream(DataInputStream(stream))
    return _stemmer


def fold(word: str) -> str:
    """Lower case without diacritics, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", word.lower().translate(FOLD))
    return "".join(c for c in decomposed if c.isalnum() and c.isascii())


def stem(word: str) -> str:
    """The folded Stempel stem of a word ('' when it has none worth keeping)."""
    lowered = word.lower()
    if len(lowered) < 4 or lowered.isdigit():
        return ""
    found = _load_stemmer()(lowered)
    return fold(found) if found and len(found) >= 3 else ""


def tokens(text: str) -> str:
    """The tokens indexed for a text: every folded word and its folded stem, once each,
    space-separated with a space at both ends (LIKE ' token' finds word starts)."""
    seen: dict[str, None] = {}
    # Each distinct word once: a repeated word adds nothing, and stemming is the cost.
    for word in dict.fromkeys(WORD.findall(text or "")[:MAX_WORDS]):
        folded = fold(word)
        if not folded:
            continue
        seen.setdefault(folded, None)
        stemmed = stem(word)
        if stemmed:
            seen.setdefault(stemmed, None)
    return f" {' '.join(seen)} " if seen else ""


@dataclass(frozen=True)
class Term:
    """One query word: matched exactly (the word, its stem) or by its prefix."""

    word: str
    exact: tuple[str, ...]
    prefix: str


def prefix_of(folded: str) -> str:
    if len(folded) <= 4 or folded.isdigit():
        return folded
    return folded[: max(4, len(folded) - 2)]


def terms(query_words: list[str]) -> list[Term]:
    """The searchable terms of a query's words (a word like "XII/85/2026" gives three)."""
    found: list[Term] = []
    for raw in query_words:
        for word in WORD.findall(raw):
            folded = fold(word)
            if not folded:
                continue
            exact = tuple(dict.fromkeys(t for t in (folded, stem(word)) if t))
            found.append(Term(word=word, exact=exact, prefix=prefix_of(folded)))
    return found


def tsquery(found: list[Term]) -> str:
    """A to_tsquery('simple', …) text: every term, each by its forms or its prefix.
    Tokens are [a-z0-9] only, so nothing needs quoting."""
    parts = []
    for term in found:
        options = [*term.exact, f"{term.prefix}:*"]
        parts.append("(" + " | ".join(options) + ")")
    return " & ".join(parts)


def matches(word: str, found: list[Term]) -> bool:
    """Whether a word of a text is one the query found (for highlighting)."""
    folded = fold(word)
    if not folded:
        return False
    stemmed = None
    for term in found:
        if folded.startswith(term.prefix) or folded in term.exact:
            return True
        if stemmed is None:
            stemmed = stem(word)
        if stemmed and stemmed in term.exact:
            return True
    return False
