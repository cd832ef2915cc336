"""How an SMS text is encoded and how many parts it costs, and the Polish transliteration
to the GSM 7-bit alphabet.

A text that fits the GSM 03.38 alphabet (basic table + extension table; an extension
character such as `€`, `[` or `{` takes two septets) goes as GSM-7: 160 septets in one
part, 153 per part when split (the concatenation header takes 7). Any other character —
and all Polish diacritics, ą ć ę ł ń ó ś ź ż, are outside GSM-7 — forces UCS-2:
70 UTF-16 units in one part, 67 per part when split. So "Zażółć" alone costs a
UCS-2 part, and the editor offers transliteration (`to_gsm7`), per template.
The GSM 03.38 mapping itself comes from the `gsm0338` codec.
"""

from __future__ import annotations

from dataclasses import dataclass

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec

GSM7 = "GSM-7"
UCS2 = "UCS-2"
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}

#: Polish letters and the typography Polish texts carry, to the nearest GSM-7 text.
POLISH_TO_GSM7 = str.maketrans({
    "ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z", "ż": "z",
    "Ą": "A", "Ć": "C", "Ę": "E", "Ł": "L", "Ń": "N", "Ó": "O", "Ś": "S", "Ź": "Z", "Ż": "Z",
    "„": '"', "”": '"', "“": '"', "«": '"', "»": '"', "‚": "'", "‘": "'", "’": "'",
    "–": "-", "—": "-", "‑": "-", "…": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
    "°": "st.", "•": "-", "×": "x",
})


@dataclass(frozen=True)
class SmsLength:
    encoding: str
    units: int          # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int
    per_part: int       # what one part holds at this length
    left_in_part: int   # how many more units fit before another part is needed
    not_gsm7: str       # the characters that forced UCS-2, in order, once each


def is_gsm7(text: str) -> bool:
    try:
        text.encode("gsm03.38")
    except UnicodeEncodeError:
        return False
    return True


def measure(text: str) -> SmsLength:
    """Encoding, length and number of parts of an SMS text."""
    if is_gsm7(text):
        encoding, units, offending = GSM7, len(text.encode("gsm03.38")), ""
    else:
        encoding, units = UCS2, len(text.encode("utf-16-be")) // 2
        offending = "".join(dict.fromkeys(ch for ch in text if not is_gsm7(ch)))
    single, multi = LIMITS[encoding]
    if units <= single:
        parts, per_part = (1 if units else 0), single
        left = single - units
    else:
        per_part = multi
        parts = -(-units // multi)
        left = parts * multi - units
    return SmsLength(encoding, units, parts, per_part, left, offending)


def to_gsm7(text: str) -> str:
    """The text with Polish letters and typography transliterated; characters that have
    no GSM-7 form even then are replaced by `?` (so the result always is GSM-7)."""
    text = text.translate(POLISH_TO_GSM7)
    return "".join(ch if is_gsm7(ch) else "?" for ch in text)
