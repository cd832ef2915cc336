"""Polish words for every app: the search tokens of a text (folded words and their Stempel
stems) and a sort key in the order of the Polish alphabet. Pure: no database.

Search. PostgreSQL ships no Polish dictionary, so words are prepared here: each word is
lower-cased and folded (diacritics removed: "Uchwały" -> "uchwaly"), and its stem from
Stempel (the Polish stemmer of Lucene and Elasticsearch, through ``pystempel``) is added,
also folded ("uchwały" -> "uchwała" -> "uchwala"). A query word matches a text when the
text has the word itself, its stem, or a token beginning with the word less its last
letters (the ending that Polish inflection changes: "dróg" -> "drog", "ogłoszeń" ->
"oglosz"). People who type without Polish letters ("budzet") find the same texts. The BIP
(``ratusz.bulletin.textsearch``) and the e-office catalogue search with these tokens.

Sorting. Code-point order puts "Ługów" after "Żurawiniec" and "Sługocin" after
"Snopków"; `sort_key` follows the Polish alphabet (a ą b c ć d e ę … l ł m n ń o ó … z ź ż),
case and punctuation deciding only ties, as a Polish collation (ICU "pl") does for names.
PyICU has no binary wheel on PyPI, so this small key stands in for it.
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


def term_in(term: Term, token_text: str) -> bool:
    """Whether a text whose `tokens` are `token_text` has this term (a word, its stem, or
    a token beginning with its prefix)."""
    return any(f" {exact} " in token_text for exact in term.exact) or \
        f" {term.prefix}" in token_text


# --- Sorting -----------------------------------------------------------------------------

ALPHABET = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"
_RANK = {letter: index for index, letter in enumerate(ALPHABET)}
_LETTERS_FROM = 100  # spaces and punctuation first, then digits, then letters


def _primary(character: str) -> int:
    lower = character.lower()
    if lower in _RANK:
        return _LETTERS_FROM + _RANK[lower]
    if lower.isdigit():
        return 10 + int(unicodedata.digit(lower, 0))
    if lower.isalpha():
        # A letter outside the Polish alphabet (é, ü, ß…) sorts with its base letter.
        base = unicodedata.normalize("NFKD", lower)[:1]
        if base in _RANK:
            return _LETTERS_FROM + _RANK[base]
        return _LETTERS_FROM + len(ALPHABET) + ord(lower)
    return 1 if lower.isspace() else 2


def sort_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """A key that sorts names in Polish alphabetical order ("Lipniak", "Ługów", "Marysin";
    "Sługocin", "Snopków"); upper case after lower only on a tie."""
    text = text or ""
    return (tuple(_primary(character) for character in text),
            tuple(0 if character.islower() or not character.isalpha() else 1
                  for character in text), text)


# --- A gmina's name in a sentence -----------------------------------------------------------

CASES = ("nominative", "genitive", "dative", "accusative", "instrumental", "locative")
#: The word an official name begins with, its gender and its forms by case; the rest of the
#: name (the place) does not change: "przez Gminę Jastków", "Gmina Jastków przyjęła".
HEAD_WORDS = {
    "Gmina": ("feminine", ("Gmina", "Gminy", "Gminie", "Gminę", "Gminą", "Gminie")),
    "Miasto i Gmina": ("plural", ("Miasto i Gmina", "Miasta i Gminy", "Miastu i Gminie",
                                  "Miasto i Gminę", "Miastem i Gminą", "Mieście i Gminie")),
    "Miasto": ("neuter", ("Miasto", "Miasta", "Miastu", "Miasto", "Miastem", "Mieście")),
}
#: Who the gmina's executive (and tax authority) is, by the kind of gmina.
EXECUTIVES = {"rural": "Wójt", "urban_rural": "Burmistrz", "urban": "Burmistrz"}


@dataclass(frozen=True)
class NameForms:
    """A gmina's official name by case, with the gender its verbs agree with."""

    nominative: str
    genitive: str
    dative: str
    accusative: str
    instrumental: str
    locative: str
    gender: str = "feminine"

    def agreeing(self, *, masculine: str, feminine: str, neuter: str,
                 plural: str = "") -> str:
        """The name followed by the verb form that agrees with it ("Gmina Jastków
        przyjęła", "Miasto Lublin przyjęło")."""
        verb = {"masculine": masculine, "neuter": neuter,
                "plural": plural or feminine}.get(self.gender, feminine)
        return f"{self.nominative} {verb}"


def declined_name(official_name: str, *, stored: dict[str, str] | None = None,
                  gender: str = "") -> NameForms:
    """The forms of an official name: those `stored` for the gmina (by case name), else
    declined by its first word ("Gmina", "Miasto", "Miasto i Gmina"), else unchanged."""
    stored = {case: value for case, value in (stored or {}).items() if value}
    derived = dict.fromkeys(CASES, official_name)
    derived_gender = "feminine"
    for head, (head_gender, forms) in HEAD_WORDS.items():
        if official_name.startswith(f"{head} "):
            rest = official_name[len(head):]
            derived = {case: f"{form}{rest}" for case, form in zip(CASES, forms, strict=True)}
            derived_gender = head_gender
            break
    forms = {**derived, **stored, "nominative": official_name}
    return NameForms(**forms, gender=gender or derived_gender)


def gmina_names(municipality) -> NameForms:
    """The official name of a gmina by case, from its stored forms where it has them."""
    stored = {case: getattr(municipality, f"official_name_{case}", "") for case in CASES[1:]}
    return declined_name(municipality.official_name or f"Gmina {municipality.name}",
                         stored=stored,
                         gender=getattr(municipality, "official_name_gender", ""))


def tax_authority(municipality) -> str:
    """The gmina's tax authority as a form names it: its own stored name ("Wójt Gminy
    Jastków"), else its executive by kind followed by the name in the genitive."""
    stored = getattr(municipality, "authority_name", "")
    if stored:
        return stored
    executive = EXECUTIVES.get(municipality.kind, "Wójt")
    return f"{executive} {gmina_names(municipality).genitive}"
