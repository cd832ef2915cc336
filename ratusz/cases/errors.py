"""Refusals of the EZD: a stable code for programs and a message for people.

A message is an English msgid with named placeholders (ADR 0005), kept lazy: it is
translated when it is shown, not when it is raised. The staff pages show it in the
visitor's language (Polish by default); the API, which speaks English, renders it under
`translation.override("en")`.
"""

from __future__ import annotations

from django.utils.functional import lazy


def _interpolate(message, params: dict) -> str:
    return message % params if params else str(message)


_lazy_interpolate = lazy(_interpolate, str)


def lazy_message(message, /, **params):
    """`message` (a `gettext_lazy` or `ngettext_lazy` msgid) with its named placeholders
    filled in, translated in the language active when it is shown."""
    return _lazy_interpolate(message, params)


class EzdError(ValueError):
    """A rule of the EZD was broken. `code` is stable (API, tests); `message` is for people,
    in the language active when it is read."""

    def __init__(self, code: str, message=None, /, **params):
        self.code = code
        self.message = lazy_message(message, **params) if message is not None else code
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.message)
