"""Messages for people raised by services (ADR 0005): an English msgid with named
placeholders, kept lazy so that it is translated when shown (the UI in the visitor's
language, the API in English), not when raised."""

from __future__ import annotations

from django.utils.functional import lazy


def _interpolate(message, params: dict) -> str:
    return message % params if params else str(message)


_lazy_interpolate = lazy(_interpolate, str)


def lazy_message(message, /, **params):
    """`message` (a `gettext_lazy` or `ngettext_lazy` msgid) with its named placeholders
    filled in, translated in the language active when it is shown."""
    return _lazy_interpolate(message, params)


class DomainError(ValueError):
    """A rule of an app was broken: `code` is stable (API, tests), `message` is for people,
    in the language active when it is read. Each app subclasses it (EzdError, …)."""

    def __init__(self, code: str, message=None, /, **params):
        self.code = code
        self.message = lazy_message(message, **params) if message is not None else code
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.message)
