"""The refusal the education services raise: a stable code and a message for people
(an English msgid with its Polish translation, ADR 0005)."""

from __future__ import annotations

from ratusz.core.messages import DomainError


class EducationError(DomainError):
    """A rule of recruitment was broken; `code` is stable (API, tests)."""
