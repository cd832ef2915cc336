"""The error every notification service raises for input it refuses: a code for the API,
a message for the person (an English msgid, translated) and the field it concerns."""

from __future__ import annotations


class NotificationError(Exception):
    def __init__(self, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
