"""Text the XML writers of the alerts (CAP, Atom) cannot carry, found before lxml refuses
it. Input is checked at the edge and by the services (`ratusz.core.text`), but an alert
stored before those checks, or written any other way, must cost one item of a feed, never
the feed: the writers ask `first_unsafe` and leave that item out."""

from __future__ import annotations

import dataclasses

from ratusz.core.text import XML_FORBIDDEN, describe


class UnsafeText(ValueError):
    """A text of the document holds a character XML 1.0 does not allow."""

    def __init__(self, where: str, character: str):
        self.where, self.character = where, character
        super().__init__(f"{where} contains {describe(character)}, which XML does not allow")


def first_unsafe(value, where: str = "") -> tuple[str, str] | None:
    """Where the first text XML cannot carry sits in `value` (a string, a dataclass, or a
    list or tuple of them), as a path like ``info[0].headline``, and its character; None
    when everything can be written."""
    if isinstance(value, str):
        match = XML_FORBIDDEN.search(value)
        return (where, match.group(0)) if match else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            path = f"{where}.{field.name}" if where else field.name
            found = first_unsafe(getattr(value, field.name), path)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            found = first_unsafe(item, f"{where}[{n}]")
            if found:
                return found
    return None


def check(value) -> None:
    """Raise UnsafeText naming the first text XML cannot carry."""
    found = first_unsafe(value)
    if found:
        raise UnsafeText(*found)


def without_forbidden(text: str) -> str:
    """`text` without the characters XML does not allow."""
    return XML_FORBIDDEN.sub("", text)
