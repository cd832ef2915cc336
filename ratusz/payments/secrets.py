"""The gateway credentials kept encrypted in the database (Fernet, a key derived with
HKDF-SHA256 from `RATUSZ_PERSONAL_DATA_KEY` or the SECRET_KEY, as the accounts app does for
the PESEL). A secret is written once and never shown back."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _fernet() -> Fernet:
    secret = (settings.RATUSZ_PERSONAL_DATA_KEY or settings.SECRET_KEY).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ratusz-payments",
               info=b"gateway-credentials").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def unseal(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError):
        return ""
