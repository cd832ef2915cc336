"""SMS gateways: building them from configuration and sending with failover.

    gateways = build_gateways([
        {"name": "smsapi", "kind": "smsapi", "url": "https://api.smsapi.pl",
         "token": "…", "sender": "Gmina"},
        {"name": "serwersms", "kind": "serwersms", "url": "https://api2.serwersms.pl",
         "token": "…", "sender": "Gmina"},
    ])
    used, results = send_with_failover(gateways, batch, sender="",
                                       callback_url_for=lambda name: f"https://…/{name}/")

Everything else (`SmsToSend`, `SmsAccepted`, …) is in `gateways.base`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qs

from ratusz.notifications.gateways.base import (
    DeliveryReport,
    DeliveryStatus,
    GatewayUnavailable,
    SendResult,
    SmsAccepted,
    SmsGateway,
    SmsRejected,
    SmsToSend,
    in_batch_order,
)
from ratusz.notifications.gateways.serwersms import SerwersmsGateway
from ratusz.notifications.gateways.smsapi import SmsapiGateway

KINDS: dict[str, type[SmsGateway]] = {"smsapi": SmsapiGateway, "serwersms": SerwersmsGateway}
_COMMON_KEYS = {"name", "kind", "url", "token", "sender", "max_per_request"}
_EXTRA_KEYS = {"serwersms": {"precheck"}}


def build_gateways(config: list[dict]) -> list[SmsGateway]:
    """The gateways in the configured order (the failover order). Each entry needs `kind`,
    `url` and `token`; `name` defaults to the kind, `sender` to none, `max_per_request`
    to the adapter's default."""
    gateways, names = [], set()
    for entry in config:
        kind = entry.get("kind", "")
        if kind not in KINDS:
            raise ValueError(f"unknown SMS gateway kind {kind!r} (known: {sorted(KINDS)})")
        unknown = set(entry) - _COMMON_KEYS - _EXTRA_KEYS.get(kind, set())
        if unknown:
            raise ValueError(f"unknown settings for SMS gateway {kind!r}: {sorted(unknown)}")
        for key in ("url", "token"):
            if not entry.get(key):
                raise ValueError(f"SMS gateway {entry.get('name', kind)!r} needs {key!r}")
        name = entry.get("name") or kind
        if name in names:
            raise ValueError(f"two SMS gateways are named {name!r}")
        names.add(name)
        options = {key: entry[key] for key in entry if key not in {"kind"}}
        options["name"] = name
        options["max_per_request"] = int(options.get("max_per_request") or 0)
        gateways.append(KINDS[kind](**options))
    return gateways


def send_with_failover(gateways: list[SmsGateway], batch: list[SmsToSend], *, sender: str,
                       callback_url_for: Callable[[str], str | None],
                       transliterate: bool = False) -> tuple[str, list[SendResult]]:
    """Send through the first gateway that takes the batch. What a failing gateway did
    accept before it failed stays with it (each result names its gateway); only the rest
    moves on. Returns the name of the last gateway used and one result per message, in
    the batch's order. Raises `GatewayUnavailable` (with `results` and `remaining`) when
    every gateway failed."""
    if not gateways:
        raise GatewayUnavailable("no SMS gateway is configured", remaining=batch)
    pending, results, used, errors = list(batch), [], "", []
    for gateway in gateways:
        if not pending:
            break
        try:
            answered = gateway.send(pending, sender=sender,
                                    callback_url=callback_url_for(gateway.name),
                                    transliterate=transliterate)
        except GatewayUnavailable as error:
            errors.append(str(error))
            if error.results:
                used = gateway.name
                results.extend(error.results)
                answered_references = {result.reference for result in error.results}
                pending = [m for m in pending if m.reference not in answered_references]
            continue
        results.extend(answered)
        used, pending = gateway.name, []
    if pending:
        raise GatewayUnavailable("every SMS gateway failed: " + "; ".join(errors),
                                 gateway=used, results=in_batch_order(batch, results),
                                 remaining=pending)
    return used, in_batch_order(batch, results)


def callback_params(query_string: str = "", body: bytes = b"",
                    content_type: str = "") -> dict:
    """The parameters of a delivery-report callback for `parse_reports`: the query string,
    then a form body or a JSON body on top (a JSON list becomes `{"items": [...]}`).
    A Django view can pass `request.META["QUERY_STRING"]`, `request.body` and
    `request.content_type`."""
    params: dict = {key: values[-1] for key, values in
                    parse_qs(query_string, keep_blank_values=True).items()}
    if not body:
        return params
    if "json" in content_type:
        data = json.loads(body)
        if isinstance(data, list):
            params["items"] = data
        elif isinstance(data, dict):
            params.update(data)
    elif "form" in content_type or not content_type:
        params.update({key: values[-1] for key, values in
                       parse_qs(body.decode("utf-8"), keep_blank_values=True).items()})
    return params


__all__ = [
    "KINDS", "DeliveryReport", "DeliveryStatus", "GatewayUnavailable", "SendResult",
    "SerwersmsGateway", "SmsAccepted", "SmsGateway", "SmsRejected", "SmsToSend",
    "SmsapiGateway", "build_gateways", "callback_params", "send_with_failover",
]
