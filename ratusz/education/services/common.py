"""Helpers of the education services: the day of the act, checked texts and the campaign's
lock. None opens a transaction: the calling service owns it."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases.services import format_polish_date
from ratusz.core.text import describe, first_unsafe_character
from ratusz.education.errors import EducationError
from ratusz.education.models import Campaign


def today() -> datetime.date:
    return timezone.localdate()


def polish_date(value: datetime.date | None) -> str:
    return format_polish_date(value) if value else ""


def clean_text(value, *, name: str, limit: int, required: bool = False,
               required_message=None) -> str:
    """The text stripped, within `limit` characters and free of control characters."""
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    character = first_unsafe_character(text)
    if character is not None:
        raise EducationError("unsafe_text", _("The field “%(field)s” contains an invisible "
                                              "control character (%(code)s)."),
                             field=name, code=describe(character))
    if len(text) > limit:
        raise EducationError("too_long", _("The field “%(field)s” may have at most "
                                           "%(limit)s characters."), field=name, limit=limit)
    if required and not text:
        raise EducationError("required", required_message or
                             _("Fill in the field “%(field)s”."), field=name)
    return text


def lock_campaign(campaign: Campaign) -> Campaign:
    """The campaign row locked for this transaction (two commissions acting at once wait)."""
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def days_after(start: datetime.date, days: int) -> datetime.date:
    """The last day of a time limit of `days` days counted from `start` (the day of the
    event itself not counted). Calendar days; a limit ending on a holiday is not moved
    [unverified: whether k.p.a. art. 57 § 4 applies to art. 158]."""
    return start + datetime.timedelta(days=days)
