"""What the delivery code sees of an SMS gateway: messages in, acceptances, rejections and
delivery reports out, and one exception for "this gateway cannot take it now".

The adapters (`smsapi`, `serwersms`) speak the providers' own HTTP APIs; nothing here
knows Django or the database, so the outbox task can call them from a worker and the
callback view can hand them the parameters of a delivery report.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import requests

#: Our id of one message: at most 36 characters of `[A-Za-z0-9-]` (a UUID fits).
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,36}$")
#: An MSISDN with its country code and no plus: "48500100200".
MSISDN_PATTERN = re.compile(r"^[1-9][0-9]{6,14}$")
#: Connect and read timeouts of every gateway request, in seconds.
TIMEOUTS = (3.0, 30.0)


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"   # final: on the handset
    FAILED = "failed"         # final: undelivered, expired, rejected by the network
    SENT = "sent"             # intermediate: handed to the operator, no final report yet
    UNKNOWN = "unknown"       # the gateway has no report (and may never have one)


@dataclass(frozen=True)
class SmsToSend:
    reference: str  # our unique id of the message; the gateway's custom id (idempotency)
    to: str         # MSISDN digits with country code, no plus: "48500100200"
    text: str

    def __post_init__(self):
        if not REFERENCE_PATTERN.match(self.reference):
            raise ValueError(f"bad SMS reference {self.reference!r}")
        if not MSISDN_PATTERN.match(self.to):
            raise ValueError(f"bad MSISDN {self.to!r} (digits with country code, no plus)")


@dataclass(frozen=True)
class SmsAccepted:
    reference: str
    provider_id: str          # "" when the gateway said "already sent" without the id
    parts: int
    cost: Decimal | None      # PLN or points, as the gateway reports it
    gateway: str = ""         # the configured name of the gateway that took it
    already_sent: bool = False  # a repeat the gateway recognised by our reference


@dataclass(frozen=True)
class SmsRejected:
    reference: str
    code: str
    message: str
    permanent: bool           # True: do not retry anywhere (e.g. an invalid number)
    gateway: str = ""


@dataclass(frozen=True)
class DeliveryReport:
    reference: str            # "" if the gateway did not send our id back
    provider_id: str
    status: str               # a DeliveryStatus value
    at: datetime | None
    detail: str               # the gateway's own status name or reason


SendResult = SmsAccepted | SmsRejected


class GatewayUnavailable(Exception):  # noqa: N818 - the name the delivery code uses
    """Transient: connection refused, timeout, HTTP 5xx, authorisation, points or throttling
    on the gateway's side. The caller fails over to the next gateway and retries later.

    `results` holds what the gateway did answer before it failed (earlier requests of
    the same `send`), `remaining` the messages it did not confirm either way."""

    def __init__(self, message: str, *, gateway: str = "", results: list | None = None,
                 remaining: list[SmsToSend] | None = None):
        super().__init__(message)
        self.gateway = gateway
        self.results: list[SendResult] = list(results or [])
        self.remaining: list[SmsToSend] = list(remaining or [])


@dataclass
class SmsGateway(abc.ABC):
    """One configured account at one provider."""

    name: str
    url: str
    token: str
    sender: str = ""
    max_per_request: int = 0          # 0: the adapter's documented default
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    #: The exact body the gateway expects in the answer to its delivery-report callback.
    report_ack: str = "OK"

    @abc.abstractmethod
    def send(self, batch: list[SmsToSend], *, sender: str, callback_url: str | None,
             transliterate: bool = False) -> list[SendResult]:
        """Send the batch; one result per message, in the batch's order. Messages with the
        same text go in one bulk request (up to `max_per_request` recipients). Safe to call
        again with the same references: a reference the gateway already took comes back
        as `SmsAccepted(already_sent=True)`. Raises `GatewayUnavailable`."""

    @abc.abstractmethod
    def parse_reports(self, params: Mapping) -> list[DeliveryReport]:
        """The delivery reports in one callback, as it arrives (query string, form or
        decoded JSON; see `gateways.callback_params`)."""

    # -- helpers shared by the adapters ----------------------------------------------------
    def post(self, path: str, **kwargs) -> requests.Response:
        """POST with our timeouts; network trouble becomes `GatewayUnavailable`."""
        try:
            return self.session.post(self.url.rstrip("/") + path, timeout=TIMEOUTS,
                                     headers={"Authorization": f"Bearer {self.token}",
                                              **kwargs.pop("headers", {})}, **kwargs)
        except requests.RequestException as error:
            raise GatewayUnavailable(f"{self.name}: {error.__class__.__name__}: {error}",
                                     gateway=self.name) from error


def group_by_text(batch: list[SmsToSend], limit: int) -> list[list[SmsToSend]]:
    """Messages with identical text together, in first-seen order, in chunks of `limit`.
    A reference appears once (the first occurrence wins)."""
    groups: dict[str, list[SmsToSend]] = {}
    seen: set[str] = set()
    for message in batch:
        if message.reference in seen:
            continue
        seen.add(message.reference)
        groups.setdefault(message.text, []).append(message)
    chunks = []
    for messages in groups.values():
        chunks.extend(messages[i:i + limit] for i in range(0, len(messages), limit))
    return chunks


def in_batch_order(batch: list[SmsToSend], results: list[SendResult]) -> list[SendResult]:
    by_reference = {result.reference: result for result in results}
    ordered, seen = [], set()
    for message in batch:
        if message.reference not in seen and message.reference in by_reference:
            seen.add(message.reference)
            ordered.append(by_reference[message.reference])
    return ordered


def first_value(params: Mapping, key: str) -> str:
    """One parameter of a callback, whatever the mapping (dict, QueryDict, parse_qs)."""
    value = params.get(key)
    if isinstance(value, list | tuple):
        value = value[-1] if value else ""
    return "" if value is None else str(value)
