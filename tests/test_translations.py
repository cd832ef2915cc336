"""The Polish translation is complete, compiled, and what a visitor gets by default.

The .po file is read by the small parser below (no third-party package), so the test
knows exactly what it checks: every entry translated, none fuzzy, placeholders kept, and
the compiled .mo saying the same as the .po (nobody forgot `compilemessages`).
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

PO_PATH = Path(settings.LOCALE_PATHS[0]) / "pl" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
TEMPLATE_ROOTS = [Path(settings.BASE_DIR) / "ratusz"]


# --- A small .po parser --------------------------------------------------------------------


@dataclass
class PoEntry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    is_obsolete: bool = False
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt else ""
        where = f" ({self.references[0]})" if self.references else ""
        return f"line {self.line}: {context}{self.msgid!r}{where}"


_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(quoted: str) -> str:
    if len(quoted) < 2 or not (quoted.startswith('"') and quoted.endswith('"')):
        raise ValueError(f"not a quoted string: {quoted}")
    return re.sub(
        r"\\(.)", lambda match: _ESCAPES.get(match.group(1), match.group(0)), quoted[1:-1]
    )


def parse_po(text: str) -> list[PoEntry]:
    """Entries of a gettext catalogue, header included (its msgid is empty)."""
    entries: list[PoEntry] = []
    entry: PoEntry | None = None
    seen_keyword = False
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal entry, seen_keyword, target
        if entry is not None and seen_keyword:
            entries.append(entry)
        entry, seen_keyword, target = None, False, None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        is_obsolete = line.startswith("#~")
        if is_obsolete:
            line = line[2:].strip()
        elif line.startswith("#"):
            if seen_keyword:  # a comment after a message begins the next entry
                finish()
            entry = entry or PoEntry(line=number)
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            elif line.startswith("#:"):
                entry.references += line[2:].split()
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, quoted = match.groups()
            # A new msgctxt, or a msgid not preceded by its msgctxt, begins the next entry.
            if seen_keyword and (
                keyword == "msgctxt" or (keyword == "msgid" and target != ("msgctxt", None))
            ):
                finish()
            entry = entry or PoEntry(line=number)
            entry.is_obsolete = entry.is_obsolete or is_obsolete
            seen_keyword = True
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index) if index is not None else 0)
                entry.msgstr[target[1]] = _unquote(quoted)
            else:
                target = (keyword, None)
                setattr(entry, keyword, _unquote(quoted))
            continue
        if line.startswith('"') and target is not None and entry is not None:
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
            continue
        raise ValueError(f"{PO_PATH.name} line {number}: cannot parse {raw!r}")
    finish()
    return entries


def header_fields(entries: list[PoEntry]) -> dict[str, str]:
    header = next(entry for entry in entries if entry.is_header)
    pairs = (line.split(":", 1) for line in header.msgstr[0].splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


@pytest.fixture(scope="module")
def catalogue() -> list[PoEntry]:
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(catalogue) -> list[PoEntry]:
    return [entry for entry in catalogue if not entry.is_header and not entry.is_obsolete]


# --- The parser itself ---------------------------------------------------------------------

SAMPLE = r"""# A comment
msgid ""
msgstr ""
"Language: pl\n"
"Plural-Forms: nplurals=3; plural=0;\n"

#: a.py:1
#, python-format
msgid ""
"A long message %(name)s "
"on two lines"
msgstr "Długi "
"komunikat %(name)s"

#, fuzzy
msgctxt "button"
msgid "Change"
msgstr "Zmień"

msgid "one file"
msgid_plural "%(count)s files"
msgstr[0] "jeden plik"
msgstr[1] "%(count)s pliki"
msgstr[2] "%(count)s plików"
msgid "Say \"hi\"\tnow"
msgstr ""

#~ msgid "Gone"
#~ msgstr "Usunięte"
"""


def test_parser_reads_multi_line_strings_contexts_plurals_flags_and_escapes():
    entries = parse_po(SAMPLE)

    header, long, change, plural, quoted, gone = entries
    assert header.is_header and header_fields(entries)["Language"] == "pl"
    assert long.msgid == "A long message %(name)s on two lines"
    assert long.msgstr == {0: "Długi komunikat %(name)s"}
    assert long.flags == {"python-format"} and long.references == ["a.py:1"]
    assert (change.msgctxt, change.msgid, change.msgstr, change.flags) == (
        "button",
        "Change",
        {0: "Zmień"},
        {"fuzzy"},
    )
    assert plural.msgid_plural == "%(count)s files"
    assert plural.msgstr == {0: "jeden plik", 1: "%(count)s pliki", 2: "%(count)s plików"}
    assert (quoted.msgid, quoted.msgstr) == ('Say "hi"\tnow', {0: ""})
    assert gone.is_obsolete and gone.msgstr == {0: "Usunięte"}


# --- The Polish catalogue ------------------------------------------------------------------


def test_the_header_declares_polish_with_its_three_plural_forms(catalogue):
    fields = header_fields(catalogue)

    assert fields["Language"] == "pl"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"].startswith("nplurals=3;")


def test_the_plural_rule_is_the_polish_one():
    with MO_PATH.open("rb") as file:
        plural = gettext.GNUTranslations(file).plural

    # 1 plik, 2–4 pliki (but 12–14 plików), 5+ plików, 22 pliki, 25 plików.
    forms = {n: plural(n) for n in (0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 24, 25, 102, 112, 122)}
    assert forms == {
        0: 2,
        1: 0,
        2: 1,
        4: 1,
        5: 2,
        11: 2,
        12: 2,
        14: 2,
        21: 2,
        22: 1,
        24: 1,
        25: 2,
        102: 1,
        112: 2,
        122: 1,
    }


def test_the_catalogue_has_messages(messages):
    assert len(messages) > 100


def test_every_message_is_translated(messages):
    plural_count = 3
    untranslated = [
        entry.label
        for entry in messages
        if (entry.msgid_plural is None and not entry.msgstr.get(0))
        or (
            entry.msgid_plural is not None
            and not all(entry.msgstr.get(index) for index in range(plural_count))
        )
    ]
    assert untranslated == []


def test_no_entry_is_fuzzy(catalogue):
    fuzzy = [entry.label for entry in catalogue if "fuzzy" in entry.flags]
    assert fuzzy == []


def test_translations_keep_the_placeholders_of_the_original(messages):
    placeholder = re.compile(r"%\((\w+)\)[sd]|\{\w*\}")

    broken = []
    for entry in messages:
        expected = sorted(placeholder.findall(entry.msgid_plural or entry.msgid))
        for translation in entry.msgstr.values():
            if sorted(placeholder.findall(translation)) != expected and not (
                entry.msgid_plural and set(placeholder.findall(translation)) <= set(expected)
            ):
                broken.append(f"{entry.label} -> {translation!r}")
    assert broken == []


def test_the_compiled_catalogue_says_what_the_po_file_says(messages):
    with MO_PATH.open("rb") as file:
        compiled = gettext.GNUTranslations(file)

    stale = []
    for entry in messages:
        if entry.msgid_plural is not None:
            got = {
                index: compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                if entry.msgctxt
                else compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                for index, n in ((0, 1), (1, 2), (2, 5))
            }
            expected = {index: entry.msgstr[index] for index in range(3)}
        elif entry.msgctxt is not None:
            got, expected = compiled.pgettext(entry.msgctxt, entry.msgid), entry.msgstr[0]
        else:
            got, expected = compiled.gettext(entry.msgid), entry.msgstr[0]
        if got != expected:
            stale.append(f"{entry.label}: .mo has {got!r}, .po has {expected!r}")
    assert stale == [], "run `make messages` (compilemessages)"


def test_every_translate_tag_in_the_templates_is_in_the_catalogue(messages):
    tag = re.compile(
        r"""\{%\s*(?:translate|trans)\s+(["'])(.+?)\1(?:\s+context\s+(["'])(.+?)\3)?"""
    )
    known = {(entry.msgctxt, entry.msgid) for entry in messages}

    missing = set()
    for root in TEMPLATE_ROOTS:
        for path in root.rglob("templates/**/*.html"):
            for match in tag.finditer(path.read_text(encoding="utf-8")):
                key = (match.group(4), match.group(2))
                if key not in known:
                    missing.add(f"{path.relative_to(settings.BASE_DIR)}: {key}")
    assert sorted(missing) == [], "run `make messages` (makemessages, then translate)"


# --- What a visitor gets -----------------------------------------------------------------


def test_the_platform_home_is_polish_by_default_and_english_on_request(client, municipality_a):
    polish = client.get("/")

    assert polish.status_code == 200
    assert polish.headers["Content-Language"] == "pl"
    assert '<html lang="pl">' in polish.text
    assert "<h1>Gminy w serwisie Ratusz</h1>" in polish.text
    assert "Przejdź do treści" in polish.text

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/")

    assert switched.status_code == 302 and switched.headers["Location"] == "/"
    assert english.headers["Content-Language"] == "en"
    assert '<html lang="en">' in english.text
    assert "<h1>Municipalities on Ratusz</h1>" in english.text
    assert "Gminy w serwisie" not in english.text
