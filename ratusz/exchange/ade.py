"""Addresses for electronic delivery (ADE): the format check every address passes.

An ADE is `AE:PL-NNNNN-NNNNN-LLLLL-NN` (5 digits, 5 digits, 5 capital letters, 2 check
digits). Verified against the COI technical design of the UA API (v5.27; examples
`AE:PL-28080-40239-TUSBF-26`, `AE:PL-43563-82585-JHWCF-30`). The design says an address
must have "a correct checksum" but does not publish how the last two digits are computed;
no simple scheme we tried (ISO 7064 mod 97, sums) fits the published examples, so they are
NOT recomputed here (docs/exchange.md, "Not verified"). The address base (BAE) look-up is
the authoritative check: nothing is sent to an address the base does not know.
"""

from __future__ import annotations

import re
import unicodedata

#: The same pattern as `ratusz.core.models.ADE_PATTERN` (the simulator, a process without
#: Django, imports this module; a test keeps the two equal).
ADE_PATTERN = r"^AE:PL-\d{5}-\d{5}-[A-Z]{5}-\d{2}$"
ADE_RE = re.compile(ADE_PATTERN)


def normalise_ade(value: str) -> str:
    """The address as written in the base: trimmed, upper case (the letters are capitals)."""
    return (value or "").strip().upper()


def is_valid_ade(value: str) -> bool:
    """Whether `value` is an ADE in the published format (check digits not recomputed)."""
    return bool(ADE_RE.fullmatch(value or ""))


def platform_ade(teryt: str, index: int, name: str) -> str:
    """The address the platform gives its gmina's unit number `index` (0-99) when the unit
    is made (the office 0): `AE:PL-<TERYT's first 5 digits>-<index, 2 digits><TERYT's last
    3>-<the first 5 letters of the gmina's name>-<2 digits>`. The two last digits are a
    digit sum, not the provider's check digits (unpublished); in production the address is
    the one COI gives the unit, entered with `services.assign_ade`."""
    letters = "".join(c for c in unicodedata.normalize("NFKD", name).upper()
                      if "A" <= c <= "Z")
    letters = (letters + "XXXXX")[:5]
    teryt = (teryt + "0000000")[:7]
    second = f"{index:02d}{teryt[-3:]}"
    check = sum(int(d) for d in teryt + second if d.isdigit()) % 100
    return f"AE:PL-{teryt[:5]}-{second}-{letters}-{check:02d}"
