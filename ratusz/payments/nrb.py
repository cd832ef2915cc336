"""Polish bank account numbers (NRB) and the individual (virtual) account numbers of payers.

An NRB has 26 digits: 2 check digits, the 8-digit settlement number of the bank's unit
and a 16-digit account number; the IBAN is "PL" + NRB, checked by ISO 7064 MOD 97-10
(wave2_domain.md A3 [V]). python-stdnum has no `stdnum.pl.nrb` (2.2 holds only nip, pesel,
regon), so the check is `stdnum.iban` on "PL" + NRB.

An individual account number (rachunek wirtualny, "płatności masowe") is the collection
account's bank prefix (its settlement number and the client prefix the bank gives the
gmina) followed by the payer's reference, zero-padded to 24 digits, with check digits
computed by MOD 97-10 (the bank routes every such number to the gmina's one real account).
"""

from __future__ import annotations

import re

from stdnum import iban
from stdnum.iso7064 import mod_97_10

NRB_LENGTH = 26
BBAN_LENGTH = 24
SETTLEMENT_LENGTH = 8
#: The settlement number (8) plus at least one digit of client prefix, leaving room for
#: at least 6 digits of payer reference.
MIN_PREFIX, MAX_PREFIX = SETTLEMENT_LENGTH, BBAN_LENGTH - 6
_SEPARATORS = re.compile(r"[\s-]+")
#: 26 digits in a text, with or without "PL" and spaces in groups (as people write it).
NRB_IN_TEXT = re.compile(r"(?:PL)?\s?(\d{2}(?:\s?\d{4}){6})(?!\d)")


def clean(value: str) -> str:
    """Digits of an account number as people write it: spaces, dashes and "PL" dropped."""
    text = _SEPARATORS.sub("", value or "").upper()
    return text[2:] if text.startswith("PL") else text


def is_valid(number: str) -> bool:
    """26 digits whose IBAN "PL" + number passes MOD 97-10."""
    return len(number) == NRB_LENGTH and number.isdigit() and iban.is_valid("PL" + number)


def check_digits(bban: str) -> str:
    """The two check digits of a 24-digit BBAN for Poland (ISO 7064 MOD 97-10)."""
    return mod_97_10.calc_check_digits(bban + "PL")


def settlement_check_is_valid(settlement: str) -> bool:
    """The 8th digit of a settlement number checks the first seven (weights 3, 9, 7, 1,
    3, 9, 7). Tested on four real gmina accounts; its normative source is unverified."""
    if len(settlement) != SETTLEMENT_LENGTH or not settlement.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(settlement[:7], (3, 9, 7, 1, 3, 9, 7), strict=True))
    return (10 - total % 10) % 10 == int(settlement[7])


def reference_length(prefix: str) -> int:
    return BBAN_LENGTH - len(prefix)


def individual_account(prefix: str, reference: int) -> str:
    """The individual account number of the payer with this reference within the scheme
    `prefix` (settlement number + client prefix)."""
    width = reference_length(prefix)
    if reference < 0 or len(str(reference)) > width:
        raise ValueError("the payer reference does not fit the scheme")
    bban = f"{prefix}{reference:0{width}d}"
    return check_digits(bban) + bban


def belongs_to_scheme(number: str, prefix: str) -> bool:
    return is_valid(number) and number[2:].startswith(prefix)


def reference_of(number: str, prefix: str) -> int | None:
    """The payer reference an individual account number carries, or None."""
    if not belongs_to_scheme(number, prefix):
        return None
    return int(number[2 + len(prefix):])


def grouped(number: str) -> str:
    """`61 1090 1014 0000 0712 1981 2874`: as printed on paper (groups of four after the
    check digits)."""
    if len(number) != NRB_LENGTH:
        return number
    return number[:2] + " " + " ".join(number[i:i + 4] for i in range(2, NRB_LENGTH, 4))


def _checks(number: str) -> bool:
    """MOD 97-10 of "PL" + a 26-digit number, as arithmetic (a bank statement has 100,000
    of them; `is_valid` confirms the one that is used)."""
    return int(number[2:] + "2521" + number[:2]) % 97 == 1


def numbers_in(text: str) -> list[str]:
    """Every well-formed NRB written in a text (with or without "PL" and spaces)."""
    found = []
    for match in NRB_IN_TEXT.finditer(text or ""):
        number = match.group(1).replace(" ", "")
        if _checks(number) and number not in found:
            found.append(number)
    return found
