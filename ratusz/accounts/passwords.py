"""Password rules in the style of NIST SP 800-63B: at least 12 characters and at most 128
(spaces and any Unicode allowed, no composition rules, no forced rotation), and never a
password known from breaches, a run or sequence of one character, or the user's own name.

The breached list (`data/breached-passwords.txt.gz`) joins the 20,000 most common
passwords of public breaches that Django ships with Polish passwords often seen in leaks.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LIST_FILE = Path(__file__).with_name("data") / "breached-passwords.txt.gz"
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def breached_passwords() -> frozenset[str]:
    with gzip.open(LIST_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


_RUNS = ("0123456789" * 14, "abcdefghijklmnopqrstuvwxyz" * 6,
         "qwertyuiopasdfghjklzxcvbnm" * 6, "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/" * 4)


def _is_sequence(password: str) -> bool:
    """One or two characters repeated, or a run along the digits, the alphabet or the
    keyboard (either way)."""
    if len(set(password)) <= 2:
        return True
    return any(password in run or password[::-1] in run for run in _RUNS)


class NistPasswordValidator:
    def validate(self, password: str, user=None) -> None:
        if len(password) > MAX_LENGTH:
            raise ValidationError(_("The password may have at most %(max)d characters.")
                                  % {"max": MAX_LENGTH}, code="password_too_long")
        lowered = password.lower()
        compact = "".join(lowered.split())
        if lowered in breached_passwords() or compact in breached_passwords():
            raise ValidationError(_("This password appears in lists of passwords leaked in "
                                    "breaches. Choose another one."),
                                  code="password_breached")
        if _is_sequence(compact):
            raise ValidationError(_("The password is one character repeated or a simple "
                                    "sequence. Choose another one."),
                                  code="password_sequence")
        if user is not None:
            for value in (getattr(user, "username", ""), getattr(user, "email", "")):
                value = (value or "").lower().split("@")[0]
                if len(value) >= 4 and value in lowered:
                    raise ValidationError(_("The password must not contain your user name "
                                            "or e-mail address."),
                                          code="password_contains_name")

    def get_help_text(self) -> str:
        return _("At least 12 characters, a phrase of a few words is best; passwords known "
                 "from breaches are refused.")
