"""What every e-services write checks in text a person typed, whichever way it came (a
page, the API, the library, a command): a length within its limit and no character that
no page, receipt, PDF or XML export may carry (`ratusz.core.text`: what XML 1.0 forbids
and the bidirectional overrides). The edge refuses them too; a service does not rely on
it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ratusz.core.text import describe
from ratusz.eservices.errors import EserviceError
from ratusz.eservices.forms_engine import first_unsafe_in

#: The longest text a field without its own `max_length` takes (a TextField, an item of a
#: card's list).
TEXT_CAP = 10_000
#: What a refusal of an unsafe character says (the edge says the same).
UNSAFE_TEXT = _("The text contains an invisible control character (%(code)s) that cannot be "
                "accepted. Remove it and try again.")


def refuse_unsafe(value, *, code: str = "unsafe_text") -> None:
    """An EserviceError when any text in `value` carries an unsafe character."""
    character = first_unsafe_in(value)
    if character is not None:
        raise EserviceError(code, UNSAFE_TEXT, code=describe(character))


def limit_of(model, name: str) -> int:
    """The longest value of a model's text field: its max_length, else the cap."""
    return model._meta.get_field(name).max_length or TEXT_CAP
