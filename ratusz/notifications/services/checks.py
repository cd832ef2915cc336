"""What every service checks in the text a person typed, whichever way it came (a page, the
API, a command): a length within its limit and no character that no page, feed or message
may carry (`ratusz.core.text`: what XML forbids and the bidirectional overrides). The edge
refuses them too; a service does not rely on it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ratusz.core.text import refuse_unsafe_text
from ratusz.notifications.services.errors import NotificationError


def text_problem(value: str, label: str, limit: int) -> str | None:
    """Why `value` cannot be taken (a message naming `label`), or None."""
    if len(value) > limit:
        return _("%(label)s may have at most %(n)d characters.") % {"label": label,
                                                                     "n": limit}
    try:
        refuse_unsafe_text(value)
    except ValidationError as error:
        return error.messages[0]
    return None


def checked_text(value: str, *, field: str, label: str, limit: int) -> str:
    """`value` unchanged, or a NotificationError for `field`."""
    problem = text_problem(value, label, limit)
    if problem:
        raise NotificationError("invalid_text", problem, field)
    return value
