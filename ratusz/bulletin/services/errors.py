"""The one error the BIP's services refuse with."""

from __future__ import annotations


class BulletinError(Exception):
    """A refused write: a code, the message for the person and the field it concerns;
    `errors` holds every (field, message) found when there are several."""

    def __init__(self, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field
        self.errors = [(field, message)]


def raise_invalid(code: str, errors: list[tuple[str, str]]) -> None:
    """Refuse with every (field, message) found, the first as the error's own; no-op when
    there are none."""
    if errors:
        error = BulletinError(code, errors[0][1], errors[0][0])
        error.errors = errors
        raise error
