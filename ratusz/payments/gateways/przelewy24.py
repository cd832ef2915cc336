"""Przelewy24's REST API v1 (wave2_domain.md A5; the P24 OpenAPI schema copy
api-evangelist/przelewy24, pretix/pretix-przelewy24, mnastalski/przelewy24-php).

- Authentication: HTTP Basic, user = posId, password = the API ("reports") key [V].
- `POST api/v1/transaction/register` with the amount in grosze and a `sign`: SHA-384 hex
  of the compact JSON `{"sessionId","merchantId","amount","currency","crc"}` (keys in
  that order, no spaces, Unicode and "/" not escaped) [V: P24 schema, pretix]. The answer
  carries `data.token`; the payer goes to `{host}/trnRequest/{token}` [V].
- The notification (`urlStatus`, JSON POST) carries merchantId, posId, sessionId, amount,
  originAmount, currency, orderId, methodId, statement and a sign over those nine fields
  (same order) plus `crc` [V: research; the order as in mnastalski/przelewy24-php].
- `PUT api/v1/transaction/verify` with a sign over `{"sessionId","orderId","amount",
  "currency","crc"}` [V: P24 schema TransactionVerificationBody]; the payment counts only
  once verified; the answer `data.status` is "success" [V: pretix].
- `GET api/v1/transaction/by/sessionId/{id}`: `data.status` 0 no payment, 1 advance
  payment, 2 payment made, 3 payment returned [V: P24 schema TransactionBySessionIdResponse].
- A refused card or BLIK payment is told only through `urlCardPaymentNotification`
  (P24 "additional card notification") with errorCode/errorMessage and a sign over
  `{"amount","3ds","method","orderId","sessionId","errorCode","errorMessage","crc"}`
  [V: P24 schema CardNotificationExtN]; a refused bank transfer looks like one not yet
  paid [V: a pretix-like plugin's notes].
- `GET api/v1/testAccess` checks the credentials [U: from memory].
- The error answer's shape `{"error", "code"}` [U].
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urljoin

import requests

from ratusz.payments.gateways.base import (
    GatewayCredentials,
    GatewayError,
    GatewayRefused,
    GatewayStatus,
    Notification,
    Refusal,
    Registered,
    RegisterRequest,
    SignatureError,
)

TIMEOUT = (5, 15)
PAID_STATES = {1: "paid", 2: "paid", 3: "returned"}
NOTIFICATION_FIELDS = ("merchantId", "posId", "sessionId", "amount", "originAmount",
                       "currency", "orderId", "methodId", "statement")
REFUSAL_FIELDS = ("amount", "3ds", "method", "orderId", "sessionId", "errorCode",
                  "errorMessage")
MAX_BODY = 64 * 1024


def sign(fields: dict, crc: str) -> str:
    """SHA-384 hex of the compact JSON of `fields` (in their order) plus the CRC key."""
    payload = json.dumps({**fields, "crc": crc}, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha384(payload.encode()).hexdigest()


def _int(data: dict, name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SignatureError(f"{name}: not an integer")
    return value


def _str(data: dict, name: str, limit: int = 255) -> str:
    value = data.get(name)
    if not isinstance(value, str) or len(value) > limit:
        raise SignatureError(f"{name}: not a text")
    return value


def _json_object(body: bytes) -> dict:
    if len(body) > MAX_BODY:
        raise SignatureError("body too large")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SignatureError("not JSON") from None
    if not isinstance(data, dict):
        raise SignatureError("not a JSON object")
    return data


class Przelewy24:
    kind = "przelewy24"

    def __init__(self, credentials: GatewayCredentials, *, session=None):
        self.credentials = credentials
        self.http = session or requests

    @property
    def api_url(self) -> str:
        return self.credentials.base_url.rstrip("/") + "/api/v1/"

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        try:
            answer = self.http.request(
                method, urljoin(self.api_url, path), json=payload, timeout=TIMEOUT,
                auth=(str(self.credentials.pos_id), self.credentials.api_key))
        except requests.RequestException as error:
            raise GatewayError(f"{method} {path}: {error.__class__.__name__}") from error
        try:
            data = answer.json()
        except ValueError:
            data = {}
        if answer.status_code >= 400 or not isinstance(data, dict):
            message = data.get("error") if isinstance(data, dict) else ""
            error = GatewayRefused if 400 <= answer.status_code < 500 else GatewayError
            raise error(f"{method} {path}: HTTP {answer.status_code} {message}"[:300])
        return data

    def register(self, request: RegisterRequest) -> Registered:
        c = self.credentials
        body = {
            "merchantId": c.merchant_id, "posId": c.pos_id, "sessionId": request.session_id,
            "amount": request.amount, "currency": request.currency,
            "description": request.description[:1024], "email": request.email[:50],
            "client": request.client[:40], "country": "PL", "language": request.language,
            "urlReturn": request.url_return, "urlStatus": request.url_status,
            "timeLimit": request.time_limit_minutes, "waitForResult": False,
            "regulationAccept": False, "encoding": "UTF-8",
            "transferLabel": request.session_id[:20],
        }
        if request.url_refusal:
            body["urlCardPaymentNotification"] = request.url_refusal
        body["sign"] = sign({"sessionId": request.session_id, "merchantId": c.merchant_id,
                             "amount": request.amount, "currency": request.currency},
                            c.crc_key)
        data = self._call("POST", "transaction/register", body)
        token = (data.get("data") or {}).get("token")
        if not isinstance(token, str) or not token.replace("-", "").isalnum():
            raise GatewayError("transaction/register: no token in the answer")
        return Registered(token=token,
                          redirect_url=f"{c.base_url.rstrip('/')}/trnRequest/{token}")

    def parse_notification(self, body: bytes) -> Notification:
        data = _json_object(body)
        notification = Notification(
            merchant_id=_int(data, "merchantId"), pos_id=_int(data, "posId"),
            session_id=_str(data, "sessionId", 100), amount=_int(data, "amount"),
            origin_amount=_int(data, "originAmount"), currency=_str(data, "currency", 3),
            order_id=_int(data, "orderId"), method_id=_int(data, "methodId"),
            statement=_str(data, "statement"))
        expected = sign({name: data[name] for name in NOTIFICATION_FIELDS},
                        self.credentials.crc_key)
        if not hmac.compare_digest(expected, str(data.get("sign", ""))):
            raise SignatureError("bad signature")
        if (notification.merchant_id, notification.pos_id) != (
                self.credentials.merchant_id, self.credentials.pos_id):
            raise SignatureError("another merchant")
        return notification

    def parse_refusal(self, body: bytes) -> Refusal:
        data = _json_object(body)
        for name in ("amount", "method", "orderId"):
            _int(data, name)
        if not isinstance(data.get("3ds"), bool):
            raise SignatureError("3ds: not a boolean")
        refusal = Refusal(session_id=_str(data, "sessionId", 100), order_id=data["orderId"],
                          amount=data["amount"], error_code=_str(data, "errorCode", 40),
                          error_message=_str(data, "errorMessage", 500))
        expected = sign({name: data[name] for name in REFUSAL_FIELDS},
                        self.credentials.crc_key)
        if not hmac.compare_digest(expected, str(data.get("sign", ""))):
            raise SignatureError("bad signature")
        return refusal

    def verify(self, notification: Notification) -> bool:
        c = self.credentials
        body = {"merchantId": c.merchant_id, "posId": c.pos_id,
                "sessionId": notification.session_id, "amount": notification.amount,
                "currency": notification.currency, "orderId": notification.order_id}
        body["sign"] = sign({"sessionId": notification.session_id,
                             "orderId": notification.order_id,
                             "amount": notification.amount,
                             "currency": notification.currency}, c.crc_key)
        try:
            data = self._call("PUT", "transaction/verify", body)
        except GatewayRefused:
            return False
        return (data.get("data") or {}).get("status") == "success"

    def status(self, session_id: str) -> GatewayStatus | None:
        try:
            data = self._call("GET", f"transaction/by/sessionId/{session_id}")
        except GatewayRefused:
            return None
        info = data.get("data") or {}
        code = info.get("status")
        return GatewayStatus(state=PAID_STATES.get(code, "none"),
                             order_id=int(info.get("orderId") or 0),
                             amount=int(info.get("amount") or 0),
                             currency=str(info.get("currency") or ""))

    def test_access(self) -> bool:
        data = self._call("GET", "testAccess")
        return data.get("data") is True
