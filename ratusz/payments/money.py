"""Money as integer grosze, everywhere: parsing, the rounding the tax ordinance prescribes,
and the Polish way of writing an amount. Never a float.

Rounding to full złoty (Ordynacja podatkowa art. 63 § 1): less than 50 gr is dropped,
50 gr and more rounds up. Art. 63 § 3: this rounding does not apply to how a payment is
split (the split keeps grosze)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

GROSZE_PER_ZLOTY = 100
#: The largest amount one instalment, receipt or payment may carry (10 billion złoty).
MAX_AMOUNT = 10_000_000_000 * GROSZE_PER_ZLOTY


class AmountError(ValueError):
    """Not an amount in grosze: `code` says why (stable, for messages and the API)."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def parse_grosze(value, *, allow_zero: bool = False) -> int:
    """An amount in grosze from JSON or CSV: an integer, or a string of digits. A float, a
    decimal point, a sign or anything else is refused (`AmountError`)."""
    if isinstance(value, bool):
        raise AmountError("not_an_integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("-") and text[1:].isdigit():
            raise AmountError("negative")
        if not text.isdigit() or not text.isascii():
            raise AmountError("not_an_integer")
        number = int(text)
    else:
        raise AmountError("not_an_integer")
    if number < 0:
        raise AmountError("negative")
    if number == 0 and not allow_zero:
        raise AmountError("zero")
    if number > MAX_AMOUNT:
        raise AmountError("too_large")
    return number


def grosze_from_decimal(amount: Decimal) -> int:
    """Exact grosze of a decimal amount in złoty (a bank statement's); more than two
    decimal places is refused rather than rounded."""
    try:
        grosze = amount * GROSZE_PER_ZLOTY
    except InvalidOperation as error:
        raise AmountError("not_an_amount") from error
    if grosze != grosze.to_integral_value():
        raise AmountError("fraction_of_grosz")
    return int(grosze)


def round_to_zloty(grosze: Decimal | int) -> int:
    """Grosze rounded to full złoty by art. 63 § 1 OP (half up)."""
    zloty = (Decimal(grosze) / GROSZE_PER_ZLOTY).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(zloty) * GROSZE_PER_ZLOTY


def round_grosz(value: Decimal) -> int:
    """A fraction of grosze rounded half up to a whole grosz (splits, interest parts)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def zloty_text(grosze: int, *, currency: bool = True) -> str:
    """`1 234,56 zł` (a non-breaking space between thousands)."""
    sign = "-" if grosze < 0 else ""
    zloty, rest = divmod(abs(grosze), GROSZE_PER_ZLOTY)
    whole = f"{zloty:,}".replace(",", "\u00a0")
    text = f"{sign}{whole},{rest:02d}"
    return f"{text}\u00a0zł" if currency else text


def zloty_plain(grosze: int) -> str:
    """`1234.56`: for CSV files read by accounting systems."""
    sign = "-" if grosze < 0 else ""
    zloty, rest = divmod(abs(grosze), GROSZE_PER_ZLOTY)
    return f"{sign}{zloty}.{rest:02d}"
