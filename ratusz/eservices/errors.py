"""Refusals of the e-services, and how their messages are made.

A message is an English msgid with named placeholders (ADR 0005), kept lazy: translated
when it is shown, not when it is raised. Residents' pages show it in their language
(Polish by default); the API, which speaks English, renders it under
`translation.override("en")` (`in_english`).
"""

from __future__ import annotations

from django.utils import translation

from ratusz.core.messages import lazy_message

__all__ = ["EserviceError", "SubmissionRejected", "in_english", "lazy_message"]


def in_english(message) -> str:
    """A message as the API gives it."""
    with translation.override("en"):
        return str(message)


class EserviceError(ValueError):
    """A refused action: `code` is stable (API, tests), `message` is for the person, in the
    language active when it is read."""

    def __init__(self, code: str, message, /, **params):
        self.code = code
        self.message = lazy_message(message, **params)
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.message)


class SubmissionRejected(ValueError):
    """Invalid answers or files: one message per field path, in form order."""

    def __init__(self, errors: dict):
        super().__init__("; ".join(f"{key}: {value}" for key, value in errors.items()))
        self.errors = errors
