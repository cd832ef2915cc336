"""Refusals of the EZD: a stable code for programs and a message for people.

A message is an English msgid with named placeholders (ADR 0005), kept lazy: it is
translated when it is shown, not when it is raised. The staff pages show it in the
visitor's language (Polish by default); the API, which speaks English, renders it under
`translation.override("en")`.
"""

from __future__ import annotations

from ratusz.core.messages import DomainError, lazy_message

__all__ = ["EzdError", "lazy_message"]


class EzdError(DomainError):
    """A rule of the EZD was broken. `code` is stable (API, tests); `message` is for people,
    in the language active when it is read."""
