"""What every EZD service checks in what a person typed, whichever way it came (a page,
the API, an import, a command): each text within its length and free of the characters
no register, case record, XML export or PDF may carry (`ratusz.core.text`: what XML 1.0
forbids and the bidirectional overrides), and each date of law within a plausible range.
The edge refuses such characters too; a service does not rely on it."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases.errors import EzdError
from ratusz.core.text import BIDI_CONTROLS, XML_FORBIDDEN, describe, first_unsafe_character

#: The longest text a field without its own `max_length` takes (a TextField): long enough
#: for any remark, note or description, far from the 12,000,000 characters once accepted.
TEXT_CAP = 10_000
#: Longer texts: the body of a letter.
TEXT_CAPS = {"body": 100_000}
#: No date of the registers lies before this one (the EZD keeps no older correspondence;
#: a year 1 gave the number RPW/1/1).
EARLIEST_DATE = date(1990, 1, 1)
#: A reason, a note or a comment of a step (annulment, reopening, approval…).
REASON_LIMIT = 2000
#: Deadlines lie at most this far ahead.
LATEST_DEADLINE = timedelta(days=10 * 366)
#: A date of a letter may be older (an old document sent in), but not older than this.
EARLIEST_LETTER_DATE = date(1900, 1, 1)


def limit_of(model, name: str) -> int:
    """The longest value of a model's text field: its max_length, else the cap."""
    return model._meta.get_field(name).max_length or TEXT_CAPS.get(name, TEXT_CAP)


def check_text(value: str | None, *, name: str, limit: int) -> str:
    """`value` unchanged, or an EzdError naming the field: too long, or carrying a control
    character or a bidirectional override."""
    value = value or ""
    if len(value) > limit:
        raise EzdError(f"invalid_{name}", _("%(name)s: at most %(limit)s characters."),
                       name=name, limit=limit)
    character = first_unsafe_character(value)
    if character is not None:
        raise EzdError(f"unsafe_{name}", _("The field “%(field)s” contains an invisible "
                                           "control character (%(code)s), for example from a "
                                           "text copied out of another program. Nothing was "
                                           "saved."),
                       field=name, code=describe(character))
    return value


def check_fields(model, **values: str | None) -> None:
    """Check texts bound for fields of `model` (by name) against the model's limits."""
    for name, value in values.items():
        check_text(value, name=name, limit=limit_of(model, name))


def check_date(value: date | None, *, name: str, earliest: date = EARLIEST_DATE,
               latest: date | None = None) -> date | None:
    """`value` unchanged when it lies between `earliest` and `latest` (inclusive)."""
    if value is None:
        return value
    if value < earliest:
        raise EzdError(f"{name}_too_early", _("%(name)s: the date cannot be earlier than "
                                              "%(earliest)s."),
                       name=name, earliest=earliest.isoformat())
    if latest is not None and value > latest:
        raise EzdError(f"{name}_too_late", _("%(name)s: the date cannot be later than "
                                             "%(latest)s."),
                       name=name, latest=latest.isoformat())
    return value


#: What stands for a character that cannot be shown.
REPLACEMENT = "\ufffd"


def shown_text(value) -> str:
    """`value` as a page, a PDF, an export or an XML document may carry it: each control
    character and bidirectional override replaced by U+FFFD, visibly (text stored before
    they were refused, or a name read from elsewhere: "Kowal\u202eiksw" must not read
    "Kowalwski")."""
    text = "" if value is None else str(value)
    return BIDI_CONTROLS.sub(REPLACEMENT, XML_FORBIDDEN.sub(REPLACEMENT, text))


def today() -> date:
    return timezone.localdate()
