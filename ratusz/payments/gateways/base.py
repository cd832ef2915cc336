"""What every gateway adapter offers the payments app. No card data ever passes through
the platform: the payer is sent to the gateway's page and the gateway tells us the
outcome; an adapter handles only amounts, ids and signatures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class GatewayError(Exception):
    """The gateway could not be reached or answered with an error (worth retrying)."""


class GatewayRefused(GatewayError):
    """The gateway answered, and said no (an HTTP 4xx): asking again will not help."""


class SignatureError(ValueError):
    """A message that claims to come from the gateway does not carry a valid signature,
    or is not well-formed: `reason` says which."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class GatewayCredentials:
    base_url: str
    merchant_id: int
    pos_id: int
    api_key: str
    crc_key: str


@dataclass(frozen=True)
class RegisterRequest:
    session_id: str
    amount: int  # grosze
    currency: str
    description: str
    email: str
    client: str
    url_return: str
    url_status: str
    url_refusal: str = ""
    language: str = "pl"
    time_limit_minutes: int = 15


@dataclass(frozen=True)
class Registered:
    token: str
    redirect_url: str


@dataclass(frozen=True)
class Notification:
    """The gateway says a transaction was paid (still to be verified)."""

    merchant_id: int
    pos_id: int
    session_id: str
    amount: int
    origin_amount: int
    currency: str
    order_id: int
    method_id: int
    statement: str


@dataclass(frozen=True)
class Refusal:
    """The gateway says a payment attempt was refused (for example by the bank)."""

    session_id: str
    order_id: int
    amount: int
    error_code: str
    error_message: str


@dataclass(frozen=True)
class GatewayStatus:
    """What the gateway knows of a transaction: `state` is "paid", "none" (no payment
    yet) or "returned"; `order_id` 0 when it has none."""

    state: str
    order_id: int
    amount: int
    currency: str


class Gateway(Protocol):
    kind: str

    def register(self, request: RegisterRequest) -> Registered: ...

    def parse_notification(self, body: bytes) -> Notification: ...

    def parse_refusal(self, body: bytes) -> Refusal: ...

    def verify(self, notification: Notification) -> bool: ...

    def status(self, session_id: str) -> GatewayStatus | None: ...

    def test_access(self) -> bool: ...
