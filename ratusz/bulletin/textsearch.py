"""Full-text search of BIP entries in Polish.

PostgreSQL ships no Polish dictionary, so the words are prepared (``ratusz.core.polish``,
shared with the e-office catalogue): each word of an
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

# The tokenizer itself is shared with the e-office catalogue: it lives in ratusz.core.polish.
from ratusz.core.polish import (  # noqa: F401 - this module's public names
    FOLD,
    MAX_WORDS,
    WORD,
    Term,
    fold,
    prefix_of,
    stem,
    terms,
    tokens,
)


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
