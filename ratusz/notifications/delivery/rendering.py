"""The text of each message: an alert rendered for a channel from the gmina's wording
(cached per process: one rendering serves every recipient), and the links that differ per
recipient (preferences, one-click unsubscribe)."""

from __future__ import annotations

import functools
import re
import threading

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from ratusz.notifications import selectors, templates
from ratusz.notifications.models import Alert, Channel, Message, MessageKind, TemplatePurpose


def public_url() -> str:
    return settings.RATUSZ_PUBLIC_URL.rstrip("/")


_content_cache: dict[tuple, tuple[str, str, bool]] = {}
_content_lock = threading.Lock()


def _local(value) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else ""


SEVERITY_WORDS = {"Extreme": "ekstremalna", "Severe": "poważna", "Moderate": "umiarkowana",
                  "Minor": "niewielka"}


def alert_values(alert: Alert, *, area_names: list[str] | None = None,
                 alert_id: int | None = None) -> dict[str, str]:
    """The placeholder values of an alert. An unsaved one (the compose preview) passes its
    localities' names and the id it will likely get (its link's length matters for SMS)."""
    if area_names is None:
        area_names = list(alert.localities.values_list("name", flat=True))
    area = ", ".join(area_names) or f"cała gmina {alert.municipality.name}"
    prefix = {"Update": "AKTUALIZACJA: ", "Cancel": "ODWOŁANIE: "}.get(alert.msg_type, "")
    link = public_url() + reverse("alerts:alert", kwargs={
        "municipality_slug": alert.municipality.slug, "alert_id": alert_id or alert.pk})
    return {"gmina": alert.municipality.name, "event": alert.event,
            "headline": prefix + alert.headline, "description": alert.description,
            "instruction": alert.instruction, "area": area, "onset": _local(alert.onset),
            "expires": _local(alert.expires),
            "severity": SEVERITY_WORDS.get(alert.severity, "nieznana"), "link": link}


def alert_content(alert: Alert, channel: str) -> tuple[str, str, bool]:
    """(subject, body, transliterate) of an alert for a channel; the body keeps the
    per-recipient ((preferences)) placeholder. Cached per process."""
    key = (alert.pk, channel, alert.municipality_id, alert.published_at, alert.headline)
    with _content_lock:
        found = _content_cache.get(key)
    if found:
        return found
    wording = selectors.template_wording(alert.municipality, TemplatePurpose.ALERT, channel)
    values = alert_values(alert)
    subject = templates.render(wording.subject, values)
    body = templates.render(wording.body, values, keep=templates.PER_RECIPIENT)
    if channel == Channel.SMS:
        body = templates.sms_text(body, wording.transliterate)
    result = (subject, body, wording.transliterate)
    with _content_lock:
        if len(_content_cache) > 1000:
            _content_cache.clear()
        _content_cache[key] = result
    return result


_PLAIN_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
_URL_SENTINEL = "TOKEN0SENTINEL0TOKEN"


@functools.lru_cache(maxsize=256)
def _token_url_parts(base: str, prefix: str, urlconf: str, name: str,
                     slug: str) -> tuple[str, str]:
    # `prefix` and `urlconf` are not read: they are in the cache key because reverse()
    # depends on them.
    url = base + reverse(name, kwargs={"municipality_slug": slug, "token": _URL_SENTINEL})
    before, _sentinel, after = url.partition(_URL_SENTINEL)
    return before, after


def _token_url(name: str, municipality, token: str) -> str:
    """public_url() + reverse(name, slug, token), the reverse done once per gmina (the
    worker builds two such links per e-mail). Tokens other than plain URL-safe
    characters go through reverse() for its quoting."""
    if not _PLAIN_TOKEN.match(token):
        return public_url() + reverse(name, kwargs={"municipality_slug": municipality.slug,
                                                     "token": token})
    before, after = _token_url_parts(public_url(), get_script_prefix(),
                                     str(get_urlconf() or settings.ROOT_URLCONF), name,
                                     municipality.slug)
    return before + token + after


def preferences_url(municipality, token: str) -> str:
    return _token_url("notifications:preferences", municipality, token)


def unsubscribe_url(municipality, token: str, channel: str) -> str:
    return _token_url("notifications:unsubscribe", municipality, token) + f"?kanal={channel}"


def message_text(message: Message) -> tuple[str, str]:
    """Subject and body of one message, complete."""
    if message.kind == MessageKind.ALERT:
        subject, body, _t = alert_content(message.alert, message.channel)
        token = message.subscriber.token if message.subscriber else ""
        body = body.replace("((preferences))",
                            preferences_url(message.municipality, token) if token else "")
        return subject, body
    return message.subject, message.body


