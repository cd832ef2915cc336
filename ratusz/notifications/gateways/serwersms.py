"""SerwerSMS.pl HTTPS API v2 (api2.serwersms.pl): JSON over POST, bearer token.

`POST messages/send_sms` with `phone` (one number or a list, "+48…"), `text`, `sender`
(an approved name makes it an SMS FULL), `utf` (UCS-2), `details` and `unique_id` (our
ids, a list in the order of `phone`; letters and digits only, 3–50 characters). The answer
is `{"success", "queued", "unsent", "items": [{"id", "phone", "status": queued|unsent,
"queued", "parts", "error_code", "error_message", "text"}]}` or
`{"error": {"code", "type", "message"}}`.

The documentation does not say that `unique_id` is refused when repeated, so before each
request we ask `messages/reports` which of our ids the gateway already has, and send only
the others. Delivery reports are pushed to a URL set in the customer panel (not per
request); `callback_url` is therefore ignored here. See docs/notifications-sms.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

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
from ratusz.notifications.sms import is_gsm7, to_gsm7

#: Numbers per request. Not documented for sending; 500 is the documented maximum of ids
#: in one `messages/reports` query, which we make for every send request.
DEFAULT_MAX_PER_REQUEST = 500
WARSAW = ZoneInfo("Europe/Warsaw")

#: Error codes that are about the message or the number, not the gateway.
PERMANENT_ERRORS = {2001, 2200, 2206, 3101, 3102}
STATUSES = {
    "delivered": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.FAILED,
    "unsent": DeliveryStatus.FAILED,
    "sent": DeliveryStatus.SENT,
    "pending": DeliveryStatus.SENT,
    "in_progress": DeliveryStatus.SENT,
    "queued": DeliveryStatus.SENT,
}


def encode_unique_id(reference: str) -> str:
    """Our reference (`[A-Za-z0-9-]`, ≤ 36) as a SerwerSMS `unique_id` (`[A-Za-z0-9]`,
    3–50), reversibly: "Z" → "Zz", "-" → "Zh", padded with "Zp"."""
    encoded = reference.replace("Z", "Zz").replace("-", "Zh")
    while len(encoded) < 3:
        encoded += "Zp"
    if len(encoded) > 50:
        raise ValueError(f"reference {reference!r} is too long for a SerwerSMS unique_id")
    return encoded


def decode_unique_id(value: str) -> str:
    out, index = [], 0
    while index < len(value):
        if value[index] == "Z" and index + 1 < len(value):
            out.append({"z": "Z", "h": "-", "p": ""}.get(value[index + 1], value[index:index + 2]))
            index += 2
        else:
            out.append(value[index])
            index += 1
    return "".join(out)


def _plus(msisdn: str) -> str:
    return "+" + msisdn


def _digits(phone: str) -> str:
    return "".join(ch for ch in str(phone) if ch.isdigit())


def _when(value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=WARSAW)


@dataclass
class SerwersmsGateway(SmsGateway):
    report_ack: str = "OK"
    precheck: bool = True   # ask messages/reports for our unique_ids before sending

    def send(self, batch: list[SmsToSend], *, sender: str, callback_url: str | None,
             transliterate: bool = False) -> list[SendResult]:
        limit = min(self.max_per_request or DEFAULT_MAX_PER_REQUEST, DEFAULT_MAX_PER_REQUEST)
        chunks = group_by_text(batch, limit)
        results: list[SendResult] = []
        for number, chunk in enumerate(chunks):
            try:
                results.extend(self._send_chunk(chunk, sender or self.sender, transliterate))
            except GatewayUnavailable as error:
                raise GatewayUnavailable(
                    str(error), gateway=self.name, results=in_batch_order(batch, results),
                    remaining=[m for rest in chunks[number:] for m in rest]) from error
        return in_batch_order(batch, results)

    def _call(self, action: str, payload: dict) -> dict:
        answer = self.post("/" + action, json=payload)
        if answer.status_code >= 500:
            raise GatewayUnavailable(f"{self.name}: HTTP {answer.status_code}",
                                     gateway=self.name)
        try:
            data = answer.json()
        except ValueError:
            raise GatewayUnavailable(f"{self.name}: HTTP {answer.status_code}, not JSON: "
                                     f"{answer.text[:200]!r}", gateway=self.name) from None
        if not isinstance(data, dict):
            raise GatewayUnavailable(f"{self.name}: unexpected answer {str(data)[:200]}",
                                     gateway=self.name)
        return data

    @staticmethod
    def _error(data: dict) -> tuple[int, str] | None:
        error = data.get("error")
        if not error:
            return None
        if isinstance(error, dict):
            try:
                return int(error.get("code") or 0), str(error.get("message") or "")
            except (TypeError, ValueError):
                return 0, str(error)
        return 0, str(error)

    def _already_sent(self, chunk: list[SmsToSend]) -> dict[str, SmsAccepted]:
        """The references of the chunk the gateway already has (from an earlier try)."""
        ids = [encode_unique_id(m.reference) for m in chunk]
        data = self._call("messages/reports", {"unique_id": ids, "limit": len(ids)})
        if self._error(data):
            code, message = self._error(data)
            raise GatewayUnavailable(f"{self.name}: reports error {code}: {message}",
                                     gateway=self.name)
        found: dict[str, SmsAccepted] = {}
        by_number: dict[tuple[str, str], list[SmsToSend]] = {}
        for message in chunk:
            by_number.setdefault((message.to, message.text), []).append(message)
        for item in data.get("items") or []:
            reference = decode_unique_id(str(item["unique_id"])) if item.get("unique_id") \
                else None
            if reference is None:
                candidates = [m for m in by_number.get((_digits(item.get("phone", "")),
                                                        str(item.get("text", ""))), [])
                              if m.reference not in found]
                reference = candidates[0].reference if candidates else None
            if reference is None or reference in found:
                continue
            if str(item.get("status", "")) == "unsent":
                continue  # it was refused then; send it again
            found[reference] = SmsAccepted(reference, str(item.get("id") or ""),
                                           int(item.get("parts") or 1), None,
                                           gateway=self.name, already_sent=True)
        return found

    def _send_chunk(self, chunk: list[SmsToSend], sender: str,
                    transliterate: bool) -> list[SendResult]:
        done: dict[str, SendResult] = {}
        if self.precheck:
            done.update(self._already_sent(chunk))
        todo = [m for m in chunk if m.reference not in done]
        if todo:
            text = to_gsm7(todo[0].text) if transliterate else todo[0].text
            payload = {"phone": [_plus(m.to) for m in todo], "text": text,
                       "unique_id": [encode_unique_id(m.reference) for m in todo],
                       "details": True, "utf": not is_gsm7(text)}
            if sender:
                payload["sender"] = sender
            data = self._call("messages/send_sms", payload)
            error = self._error(data)
            if error:
                code, message = error
                if code in PERMANENT_ERRORS:
                    done.update({m.reference: SmsRejected(m.reference, str(code), message,
                                                          permanent=True, gateway=self.name)
                                 for m in todo})
                else:
                    raise GatewayUnavailable(f"{self.name}: error {code}: {message}",
                                             gateway=self.name)
            else:
                done.update(self._items(todo, data))
        return [done[m.reference] for m in chunk]

    def _items(self, todo: list[SmsToSend], data: dict) -> dict[str, SendResult]:
        items = data.get("items") or []
        results: dict[str, SendResult] = {}
        pairs: list[tuple[SmsToSend, dict]] = []
        if len(items) == len(todo) and all(_digits(i.get("phone", "")) == m.to
                                           for i, m in zip(items, todo, strict=True)):
            pairs = list(zip(todo, items, strict=True))
        else:
            by_number: dict[str, list[SmsToSend]] = {}
            for message in todo:
                by_number.setdefault(message.to, []).append(message)
            for item in items:
                reference = decode_unique_id(str(item["unique_id"])) \
                    if item.get("unique_id") else None
                waiting = by_number.get(_digits(item.get("phone", "")), [])
                match = next((m for m in waiting if m.reference == reference), None) \
                    or (waiting[0] if waiting and reference is None else None)
                if match is not None:
                    waiting.remove(match)
                    pairs.append((match, item))
        for message, item in pairs:
            if str(item.get("status", "")) == "unsent":
                code = item.get("error_code")
                results[message.reference] = SmsRejected(
                    message.reference, str(code or "unsent"),
                    str(item.get("error_message") or "unsent"),
                    permanent=int(code or 0) in PERMANENT_ERRORS, gateway=self.name)
            else:
                results[message.reference] = SmsAccepted(
                    message.reference, str(item.get("id") or ""), int(item.get("parts") or 1),
                    None, gateway=self.name)
        for message in todo:
            results.setdefault(message.reference, SmsRejected(
                message.reference, "2001", "not in the gateway's answer", permanent=True,
                gateway=self.name))
        return results

    # -- callbacks ---------------------------------------------------------------------------
    def parse_reports(self, params: Mapping) -> list[DeliveryReport]:
        items = params.get("items")
        if isinstance(items, list):
            entries = [item for item in items if isinstance(item, Mapping)]
        else:
            entries = [params] if (first_value(params, "message_id")
                                   or first_value(params, "id")) else []
        reports = []
        for entry in entries:
            status = first_value(entry, "status").lower()
            unique_id = first_value(entry, "unique_id")
            reason = first_value(entry, "reason")
            reports.append(DeliveryReport(
                reference=decode_unique_id(unique_id) if unique_id else "",
                provider_id=first_value(entry, "message_id") or first_value(entry, "id"),
                status=str(STATUSES.get(status, DeliveryStatus.UNKNOWN)),
                at=_when(first_value(entry, "stamp") or first_value(entry, "delivered")
                         or first_value(entry, "date")),
                detail=" ".join(filter(None, [status, reason]))))
        return reports
