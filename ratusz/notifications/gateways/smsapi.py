"""SMSAPI.pl (api.smsapi.pl / api.smsapi.com): `POST /sms.do`, form-encoded, bearer token.

Bulk: one text to many numbers in one request, `to` comma-separated and `idx` (our
references) `|`-separated in the same order; `check_idx=1` makes the gateway refuse an idx
it has already accepted (error 53), which makes a repeated `send` safe. The answer
(`format=json`) is `{"count", "list": [{"id", "points", "number", "submitted_number",
"status", "idx", "parts", "error"}], "message", "length", "parts"}` or
`{"error": <code>, "message": ...}`.

Delivery reports come to `notify_url` as GET with comma-separated `MsgId`, `status`
(401…411), `status_name`, `idx`, `donedate` (Unix time), `to`, `from`, `points`,
`username`, `mcc`, `mnc`; the gateway wants "OK" back. docs/notifications-sms.md lists
what is confirmed and what is assumed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import requests

from ratusz.notifications.gateways.base import (
    DeliveryReport,
    DeliveryStatus,
    GatewayUnavailable,
    SendResult,
    SmsAccepted,
    SmsGateway,
    SmsRejected,
    SmsToSend,
    first_value,
    group_by_text,
    in_batch_order,
)

#: Recipients per request. SMSAPI answers error 19 ("too many messages in one request")
#: above its limit; we then split the request. The figure is not confirmed by the docs.
DEFAULT_MAX_PER_REQUEST = 10_000

ALREADY_SENT = 53            # idx already accepted (with check_idx=1)
TOO_MANY = 19                # too many messages in one request
NO_VALID_NUMBERS = {13, 33}  # no valid recipients (wrong, landline, blacklisted)
BAD_CONTENT = {11, 12, 17, 25}  # empty/too long text, flash with special characters …

#: Delivery status codes (the "Lista statusów doręczenia").
STATUSES = {
    "401": (DeliveryStatus.UNKNOWN, "NOT_FOUND"),
    "402": (DeliveryStatus.FAILED, "EXPIRED"),
    "403": (DeliveryStatus.SENT, "SENT"),
    "404": (DeliveryStatus.DELIVERED, "DELIVERED"),
    "405": (DeliveryStatus.FAILED, "UNDELIVERED"),
    "406": (DeliveryStatus.FAILED, "FAILED"),
    "407": (DeliveryStatus.FAILED, "REJECTED"),
    "408": (DeliveryStatus.UNKNOWN, "UNKNOWN"),
    "409": (DeliveryStatus.SENT, "QUEUE"),
    "410": (DeliveryStatus.SENT, "ACCEPTED"),
    "411": (DeliveryStatus.SENT, "RENEWAL"),
}
STATUS_NAMES = {name: status for status, name in STATUSES.values()}


def _cost(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@dataclass
class SmsapiGateway(SmsGateway):
    report_ack: str = "OK"

    def send(self, batch: list[SmsToSend], *, sender: str, callback_url: str | None,
             transliterate: bool = False) -> list[SendResult]:
        limit = self.max_per_request or DEFAULT_MAX_PER_REQUEST
        chunks = group_by_text(batch, limit)
        results: list[SendResult] = []
        for number, chunk in enumerate(chunks):
            try:
                results.extend(self._send_chunk(chunk, sender or self.sender, callback_url,
                                                transliterate))
            except GatewayUnavailable as error:
                raise GatewayUnavailable(
                    str(error), gateway=self.name, results=in_batch_order(batch, results),
                    remaining=[m for rest in chunks[number:] for m in rest]) from error
        return in_batch_order(batch, results)

    # -- one request -------------------------------------------------------------------------
    def _send_chunk(self, chunk: list[SmsToSend], sender: str, callback_url: str | None,
                    transliterate: bool) -> list[SendResult]:
        form = {"to": ",".join(m.to for m in chunk), "message": chunk[0].text,
                "idx": "|".join(m.reference for m in chunk), "check_idx": "1",
                "format": "json", "encoding": "utf-8", "details": "1"}
        if sender:
            form["from"] = sender
        if callback_url:
            form["notify_url"] = callback_url
        if transliterate:
            form["normalize"] = "1"
        data = self._request(form)
        error = data.get("error") if "list" not in data else None
        if error:
            return self._whole_request_error(chunk, data, sender, callback_url, transliterate)
        return self._accepted(chunk, data)

    def _request(self, form: dict) -> dict:
        """The JSON answer. A network failure is retried once at once: `check_idx` makes
        the repeat harmless if the first request did get through."""
        try:
            answer = self.post("/sms.do", data=form)
        except GatewayUnavailable as error:
            if not isinstance(error.__cause__, requests.Timeout | requests.ConnectionError):
                raise
            answer = self.post("/sms.do", data=form)
        if answer.status_code >= 500:
            raise GatewayUnavailable(f"{self.name}: HTTP {answer.status_code}",
                                     gateway=self.name)
        try:
            data = answer.json()
        except ValueError:
            raise GatewayUnavailable(f"{self.name}: HTTP {answer.status_code}, not JSON: "
                                     f"{answer.text[:200]!r}", gateway=self.name) from None
        if not isinstance(data, dict) or ("list" not in data and not data.get("error")):
            raise GatewayUnavailable(f"{self.name}: unexpected answer {str(data)[:200]}",
                                     gateway=self.name)
        return data

    def _whole_request_error(self, chunk, data, sender, callback_url, transliterate):
        try:
            code = int(data.get("error"))
        except (TypeError, ValueError):
            code = 0
        message = str(data.get("message") or "")
        if code in (ALREADY_SENT, TOO_MANY) and len(chunk) > 1:
            # The gateway refused the whole request: find which references it already
            # has (or make the request small enough) by halving.
            half = len(chunk) // 2
            return (self._send_chunk(chunk[:half], sender, callback_url, transliterate)
                    + self._send_chunk(chunk[half:], sender, callback_url, transliterate))
        if code == ALREADY_SENT:
            return [SmsAccepted(chunk[0].reference, "", 0, None, gateway=self.name,
                                already_sent=True)]
        if code in NO_VALID_NUMBERS or code in BAD_CONTENT:
            return [SmsRejected(m.reference, str(code), message, permanent=True,
                                gateway=self.name) for m in chunk]
        # Authorisation (101, 102), points (103), IP filter (105), sender (14), internal
        # (8, 200, 201, 202, 999) and anything unknown: this gateway, not the message.
        raise GatewayUnavailable(f"{self.name}: ERROR {code}: {message}", gateway=self.name)

    def _accepted(self, chunk: list[SmsToSend], data: dict) -> list[SendResult]:
        by_reference = {m.reference: m for m in chunk}
        by_number: dict[str, list[SmsToSend]] = {}
        for message in chunk:
            by_number.setdefault(message.to, []).append(message)
        results: dict[str, SendResult] = {}
        for item in data.get("list") or []:
            message = by_reference.get(str(item.get("idx") or ""))
            if message is None:
                candidates = [m for m in by_number.get(str(item.get("number", "")), [])
                              if m.reference not in results]
                message = candidates[0] if candidates else None
            if message is None:
                continue
            error = item.get("error")
            if error:
                code = str(error)
                results[message.reference] = (
                    SmsAccepted(message.reference, str(item.get("id") or ""), 0, None,
                                gateway=self.name, already_sent=True)
                    if code == str(ALREADY_SENT) else
                    SmsRejected(message.reference, code, str(item.get("message") or ""),
                                permanent=int(code) in NO_VALID_NUMBERS if code.isdigit()
                                else False, gateway=self.name))
                continue
            results[message.reference] = SmsAccepted(
                message.reference, str(item.get("id") or ""),
                int(item.get("parts") or data.get("parts") or 1), _cost(item.get("points")),
                gateway=self.name)
        invalid = {str(entry.get("submitted_number") or entry.get("number") or ""):
                   str(entry.get("message") or "invalid number")
                   for entry in data.get("invalid_numbers") or []}
        for message in chunk:
            if message.reference in results:
                continue
            reason = invalid.get(message.to, "not in the gateway's answer (invalid number)")
            results[message.reference] = SmsRejected(message.reference, "13", reason,
                                                     permanent=True, gateway=self.name)
        return [results[m.reference] for m in chunk]

    # -- callbacks ---------------------------------------------------------------------------
    def parse_reports(self, params: Mapping) -> list[DeliveryReport]:
        ids = first_value(params, "MsgId")
        if not ids:
            return []
        columns = {key: first_value(params, key).split(",")
                   for key in ("status", "status_name", "idx", "donedate")}

        def column(key: str, index: int) -> str:
            values = columns[key]
            return values[index].strip() if index < len(values) else ""

        reports = []
        for index, provider_id in enumerate(ids.split(",")):
            code, name = column("status", index), column("status_name", index)
            if code in STATUSES:
                status, default_name = STATUSES[code]
            else:
                status, default_name = STATUS_NAMES.get(name.upper(), DeliveryStatus.UNKNOWN), ""
            done = column("donedate", index)
            at = datetime.fromtimestamp(int(done), UTC) if done.isdigit() else None
            reports.append(DeliveryReport(
                reference=column("idx", index), provider_id=provider_id.strip(),
                status=str(status), at=at,
                detail=" ".join(filter(None, [code, name or default_name]))))
        return reports
