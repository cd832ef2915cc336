"""Message templates per channel: the built-in Polish wording and rendering with
((placeholders)) — a plain replacement, never a template language, so a clerk's text cannot
run anything. A gmina's own versions are rows of `Template`
(`selectors.template_wording` picks the one that applies)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ratusz.notifications import sms
from ratusz.notifications.models import Channel, TemplatePurpose

PLACEHOLDER = re.compile(r"\(\(([a-z_]+)\)\)")

#: What each purpose may use. The per-recipient ones are filled at sending time.
PLACEHOLDERS = {
    TemplatePurpose.ALERT: {
        "gmina": "nazwa gminy", "event": "zdarzenie", "headline": "nagłówek",
        "description": "opis", "instruction": "zalecenia", "area": "obszar (miejscowości)",
        "onset": "początek", "expires": "koniec", "severity": "waga",
        "link": "adres komunikatu", "preferences": "adres ustawień powiadomień",
    },
    TemplatePurpose.CASE_NEWS: {
        "gmina": "nazwa gminy", "case": "znak sprawy", "service": "nazwa usługi",
        "status": "stan sprawy", "event": "co się stało", "link": "adres sprawy",
        "preferences": "adres ustawień powiadomień",
    },
}
PER_RECIPIENT = {"preferences"}

DEFAULTS: dict[tuple[str, str], tuple[str, str, bool]] = {
    (TemplatePurpose.ALERT, Channel.EMAIL): (
        "((gmina)): ((headline))",
        "((headline))\n\n"
        "Zdarzenie: ((event))\nObszar: ((area))\nWaga: ((severity))\n"
        "Od: ((onset))\nDo: ((expires))\n\n"
        "((description))\n\n"
        "Co robić: ((instruction))\n\n"
        "Komunikat: ((link))\n\n"
        "--\nOtrzymujesz tę wiadomość, bo zapisałeś się na powiadomienia gminy ((gmina)).\n"
        "Zmień ustawienia lub wypisz się: ((preferences))\n",
        False,
    ),
    (TemplatePurpose.ALERT, Channel.SMS): (
        "", "((gmina)): ((headline)). ((instruction)) ((link))", True,
    ),
    (TemplatePurpose.ALERT, Channel.PUSH): (
        "((headline))", "((event)) – ((area)). ((instruction))", False,
    ),
    (TemplatePurpose.CASE_NEWS, Channel.EMAIL): (
        "((event)): ((case))",
        "Dzień dobry,\n\nw sprawie ((case)) (((service))): ((event)).\n"
        "Stan sprawy: ((status)).\n\nSzczegóły: ((link))\n\n"
        "--\n((gmina))\nUstawienia powiadomień: ((preferences))\n",
        False,
    ),
    (TemplatePurpose.CASE_NEWS, Channel.SMS): (
        "", "((gmina)): sprawa ((case)) – ((event)). ((link))", True,
    ),
    (TemplatePurpose.CASE_NEWS, Channel.PUSH): (
        "((event))", "Sprawa ((case)): ((status))", False,
    ),
}


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str
    transliterate: bool


def default_wording(purpose: str, channel: str) -> Wording:
    """The built-in wording of a (purpose, channel)."""
    return Wording(*DEFAULTS[(purpose, channel)])


def unknown_placeholders(purpose: str, text: str) -> list[str]:
    allowed = PLACEHOLDERS[purpose]
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in allowed})


def render(text: str, values: dict[str, str], *, keep: set[str] = frozenset()) -> str:
    """Fill the placeholders; those in `keep` stay for a later pass, an empty value leaves
    nothing (and no double spaces or empty 'label: ' lines behind)."""

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name in keep:
            return match.group(0)
        return values.get(name, "")

    result = PLACEHOLDER.sub(fill, text)
    lines = []
    for line in result.split("\n"):
        stripped = line.rstrip()
        if stripped.endswith(":") and line.strip().count(" ") <= 2 and line.strip():
            continue  # "Co robić:" with nothing after it
        lines.append(re.sub(r"[ \t]{2,}", " ", stripped))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + ("\n" if "\n" in text else "")


def sms_text(text: str, transliterate: bool) -> str:
    text = " ".join(text.split())
    return sms.to_gsm7(text) if transliterate else text
