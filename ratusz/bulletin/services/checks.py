"""What every write of the BIP and of the units' websites checks in the text and the dates
it is given, whichever way they came (a page, a command, another app's use case): each text
within its length and free of the characters no page, feed or file name may carry
(`ratusz.core.text`: what XML forbids and the bidirectional overrides), each date within a
plausible range. The edge refuses such characters too; the services do not rely on it.

The ranges (docs/bulletin.md, "What is refused"): nothing before 1 January 1990 (the gminy
as self-governments date from May 1990); the date an entry's information was produced not
after today; the date of an act, a scheduled publication and a news item's date at most a
year ahead; an expiry at most ten years ahead; an event at most five years ahead."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ratusz.core.text import refuse_unsafe_text

#: The earliest date any form of the BIP or the websites takes.
EARLIEST = date(1990, 1, 1)
#: The text of an entry, a website's page or news item, an event's description (the HTML
#: as the editor sends it, before it is cleaned).
MAX_HTML = 1_000_000
#: A reason (for a change, a withdrawal, a removed attachment).
MAX_REASON = 2_000
#: A BIP's instructions for use.
MAX_INSTRUCTIONS = 10_000
#: A news item's lead.
MAX_LEAD = 1_000

#: How many years ahead a date may be, by what it is.
YEARS_AHEAD_ACT = 1
YEARS_AHEAD_PUBLICATION = 1
YEARS_AHEAD_EXPIRY = 10
YEARS_AHEAD_EVENT = 5


def text_problem(value: str, limit: int) -> str | None:
    """Why `value` cannot be taken (a message for the person), or None."""
    if len(value) > limit:
        return _("This field may have at most %(n)d characters.") % {"n": limit}
    try:
        refuse_unsafe_text(value)
    except ValidationError as error:
        return error.messages[0]
    return None


def check_texts(errors: list, fields: dict[str, tuple[str, int]]) -> None:
    """Add a (field, message) to `errors` for each text of `fields` (name → (value,
    limit)) that cannot be taken; a field already refused is not named twice."""
    named = {name for name, _message in errors}
    for name, (value, limit) in fields.items():
        problem = text_problem(value or "", limit)
        if problem and name not in named:
            errors.append((name, problem))


def years_ahead(years: int, today: date | None = None) -> date:
    """The same day `years` years after today (28 February for 29 February)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + years)
    except ValueError:
        return today.replace(year=today.year + years, day=28)


def _as_date(value: date | datetime) -> date:
    # A moment's own calendar date (not converted: 0001-01-01 has no UTC before it).
    return value.date() if isinstance(value, datetime) else value


def check_date(errors: list, name: str, value: date | datetime | None, *,
               latest: date) -> bool:
    """Add a (field, message) to `errors` when `value` is outside EARLIEST … `latest`;
    whether it is within (an empty value is)."""
    if value is None:
        return True
    if EARLIEST <= _as_date(value) <= latest:
        return True
    errors.append((name, _("Give a date between %(earliest)s and %(latest)s.") % {
        "earliest": EARLIEST.isoformat(), "latest": latest.isoformat()}))
    return False
