"""The formats a text field of a form may have (PESEL, NIP, REGON, bank accounts, postal
codes, land-register and parcel numbers, e-Doręczenia addresses…), each checked and
normalised, with a message naming the field when the value is wrong."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.pl import nip as stdnum_nip
from stdnum.pl import pesel as stdnum_pesel
from stdnum.pl import regon as stdnum_regon

from ratusz.eservices.errors import lazy_message

POSTAL_CODE = re.compile(r"^\d{2}-\d{3}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{9,20}$")
PARCEL = re.compile(r"^\d{1,6}(/\d{1,5})?$")
ADE = re.compile(r"^AE:PL-\d{5}-\d{5}-[A-Z]{5}-\d{2}$")
LAND_REGISTER = re.compile(r"^([A-Z0-9]{4})/(\d{8})/(\d)$")
_KW_VALUES = {**{str(digit): digit for digit in range(10)}, "X": 10, "A": 11, "B": 12,
              "C": 13, "D": 14, "E": 15, "F": 16, "G": 17, "H": 18, "I": 19, "J": 20,
              "K": 21, "L": 22, "M": 23, "N": 24, "O": 25, "P": 26, "R": 27, "S": 28,
              "T": 29, "U": 30, "W": 31, "Y": 32, "Z": 33}


class FieldError(ValueError):
    """A value that does not fit its field; `message` says why, naming the field."""

    def __init__(self, message, /, **params):
        self.message = lazy_message(message, **params)
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


def check_date(value, title, context):
    try:
        parsed = datetime.date.fromisoformat(value)
    except ValueError:
        match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)
        try:
            parsed = datetime.date(int(match[3]), int(match[2]), int(match[1])) if match \
                else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise FieldError(_("In the field “%(title)s” enter a real date, e.g. 2026-03-27."),
                             title=title) from None
    if not 1900 <= parsed.year <= 2100:
        raise FieldError(_("In the field “%(title)s” enter a date from the years 1900–2100."),
                         title=title)
    return parsed.isoformat()


def check_email(value, title, context):
    try:
        validate_email(value)
    except DjangoValidationError:
        raise FieldError(_("In the field “%(title)s” enter an e-mail address in the form "
                           "name@domain.pl."), title=title) from None
    return value


def check_phone(value, title, context):
    if not PHONE.fullmatch(value) or not 9 <= len(re.sub(r"\D", "", value)) <= 15:
        raise FieldError(_("In the field “%(title)s” enter a telephone number (9–15 digits), "
                           "e.g. 81 123 45 67."), title=title)
    return value


def _number_error(error: ValidationError, title, number, length) -> FieldError:
    if isinstance(error, InvalidLength):
        return FieldError(_("%(number)s in the field “%(title)s” must have %(length)s."),
                          number=number, title=title, length=length)
    if isinstance(error, InvalidFormat):
        return FieldError(_("%(number)s in the field “%(title)s” may contain digits only."),
                          number=number, title=title)
    if isinstance(error, InvalidChecksum):
        return FieldError(_("%(number)s in the field “%(title)s” is not valid: the check "
                            "digit does not match. Check it for a typo."),
                          number=number, title=title)
    if isinstance(error, InvalidComponent):
        return FieldError(_("%(number)s in the field “%(title)s” contains an impossible date "
                            "of birth."), number=number, title=title)
    return FieldError(_("%(number)s in the field “%(title)s” is not valid."), number=number,
                      title=title)


def _not_all_zeros(number: str) -> str:
    """python-stdnum takes 0000000000 as a valid NIP (and nine zeros as a REGON): the
    check digit of zeros is zero. No one is given such a number."""
    if not number.strip("0"):
        raise ValidationError()
    return number


def check_pesel(value, title, context):
    try:
        return _not_all_zeros(stdnum_pesel.validate(value))
    except ValidationError as error:
        raise _number_error(error, title, _("The PESEL number"), _("11 digits")) from None


def check_nip(value, title, context):
    try:
        return _not_all_zeros(stdnum_nip.validate(value))
    except ValidationError as error:
        raise _number_error(error, title, _("The NIP number"), _("10 digits")) from None


def check_regon(value, title, context):
    try:
        return _not_all_zeros(stdnum_regon.validate(value))
    except ValidationError as error:
        raise _number_error(error, title, _("The REGON number"), _("9 or 14 digits")) \
            from None


def check_nrb(value, title, context):
    """A Polish bank account number (NRB, 26 digits, with or without PL)."""
    digits = re.sub(r"[\s-]", "", value)
    if digits.upper().startswith("PL"):
        digits = digits[2:]
    if not digits.isdigit():
        raise FieldError(_("The account number in the field “%(title)s” may contain digits "
                           "only."), title=title)
    if len(digits) != 26:
        raise FieldError(_("The account number in the field “%(title)s” must have 26 digits "
                           "(%(count)s entered)."), title=title, count=len(digits))
    try:
        stdnum_iban.validate("PL" + digits)
    except ValidationError:
        raise FieldError(_("The account number in the field “%(title)s” is not valid: the "
                           "check digits do not match. Check it for a typo."),
                         title=title) from None
    return digits


def check_iban(value, title, context):
    try:
        return stdnum_iban.validate(value)
    except ValidationError:
        raise FieldError(_("The IBAN in the field “%(title)s” is not valid."),
                         title=title) from None


def check_postal_code(value, title, context):
    if re.fullmatch(r"\d{5}", value):
        value = f"{value[:2]}-{value[2:]}"
    if not POSTAL_CODE.fullmatch(value):
        raise FieldError(_("Enter the postal code in the field “%(title)s” in the form "
                           "00-000."), title=title)
    return value


def check_locality(value, title, context):
    localities = context.get("localities")
    if localities is not None and value not in localities:
        raise FieldError(_("In the field “%(title)s” choose a locality from the list of the "
                           "gmina's localities."), title=title)
    return value


def land_register_check_digit(court: str, number: str) -> int:
    """The check digit of a land-register (księga wieczysta) number."""
    weights = (1, 3, 7)
    characters = court + number
    return sum(_KW_VALUES[character] * weights[index % 3]
               for index, character in enumerate(characters)) % 10


def check_land_register(value, title, context):
    value = value.upper().replace(" ", "")
    match = LAND_REGISTER.fullmatch(value)
    if match is None or any(character not in _KW_VALUES for character in match[1]):
        raise FieldError(_("Enter the land-register number in the field “%(title)s” in the "
                           "form LU1I/00012345/5."), title=title)
    if land_register_check_digit(match[1], match[2]) != int(match[3]):
        raise FieldError(_("The land-register number in the field “%(title)s” is not valid: "
                           "the check digit does not match."), title=title)
    return value


def check_parcel(value, title, context):
    if not PARCEL.fullmatch(value):
        raise FieldError(_("Enter the parcel number in the field “%(title)s” in the form 123 "
                           "or 123/4."), title=title)
    return value


def check_ade(value, title, context):
    if not ADE.fullmatch(value):
        raise FieldError(_("Enter the address for electronic delivery in the field "
                           "“%(title)s” in the form AE:PL-12345-67890-ABCDE-12."), title=title)
    return value


#: The check of each format: (value, field title, context) → the normalised value, or
#: `FieldError`.
FORMAT_CHECKS = {
    "date": check_date, "email": check_email, "phone": check_phone,
    "pesel": check_pesel, "nip": check_nip, "regon": check_regon, "nrb": check_nrb,
    "iban": check_iban, "postal-code": check_postal_code, "locality": check_locality,
    "land-register": check_land_register, "parcel": check_parcel, "ade": check_ade,
}
