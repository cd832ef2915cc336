"""Text that may reach XML, HTML or a PDF: what it must never contain.

XML 1.0 forbids the C0 control characters other than tab, line feed and carriage return,
U+FFFE, U+FFFF and lone surrogates; one of them in a headline took a gmina's whole alert
feed down. The bidirectional embedding, override and isolate controls make a name or a
file name read differently from what it is ("invoice‮fdp.exe"). Both are refused at the
edge (`ratusz.core.middleware.TextInputMiddleware`) and by `refuse_unsafe_text` wherever
text enters another way; XML writers use `xml_safe` to skip what slipped through.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: Characters XML 1.0 does not allow (lone surrogates included).
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: Bidirectional embedding, override and isolate controls (not the plain LRM/RLM marks).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def first_unsafe_character(value: str) -> str | None:
    """The first character of `value` that no text input accepts, or None."""
    match = XML_FORBIDDEN.search(value) or BIDI_CONTROLS.search(value)
    return match.group(0) if match else None


def describe(character: str) -> str:
    return f"U+{ord(character):04X}"


def refuse_unsafe_text(value: str) -> str:
    """A validator: the value unchanged, or a ValidationError naming the character."""
    character = first_unsafe_character(value)
    if character is not None:
        raise ValidationError(
            _("The text contains an invisible control character (%(code)s) that cannot be "
              "accepted. Remove it and try again."),
            code="control_character", params={"code": describe(character)})
    return value


def xml_safe(value: str) -> bool:
    """Whether `value` can be written into an XML document as it is."""
    return XML_FORBIDDEN.search(value) is None
