"""What the public sees of the alerts beside the pages: the CAP 1.2 document of each alert
and the gmina's Atom feed (the current alerts of the banner: `selectors.current_alerts`).
An alert with a text XML cannot carry has no CAP document and is left out of the feed
(both logged); the rest of the feed is served."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from ratusz.notifications import atom, cap, selectors, xmltext
from ratusz.notifications.models import TOPIC_CAP_CATEGORY, Alert, MsgType

logger = logging.getLogger("ratusz.notifications")

FEED_SIZE = 50
RESPONSE_TYPES = {MsgType.CANCEL: ["AllClear"]}


def _base() -> str:
    return settings.RATUSZ_PUBLIC_URL.rstrip("/")


def sender_of(municipality) -> str:
    host = urlsplit(_base()).hostname or "ratusz.localhost"
    return f"ratusz.{municipality.slug}@{host}"


def alert_url(alert: Alert) -> str:
    return _base() + reverse("alerts:alert", args=[alert.municipality.slug, alert.pk])


def cap_url(alert: Alert) -> str:
    return _base() + reverse("alerts:alert-cap", args=[alert.municipality.slug, alert.pk])


def to_cap(alert: Alert) -> cap.CapAlert:
    municipality = alert.municipality
    sender = sender_of(municipality)
    localities = selectors.alert_localities(municipality, alert)
    if localities:
        area = cap.CapArea(area_desc=", ".join(loc.name for loc in localities),
                           geocodes=[("TERYT_SIMC", loc.simc) for loc in localities
                                     if loc.simc] + [("TERYT_TERC", municipality.teryt)])
    else:
        area = cap.CapArea(area_desc=f"Gmina {municipality.name}",
                           geocodes=[("TERYT_TERC", municipality.teryt)])
    references = []
    if alert.references_id:
        original = alert.references
        references.append(cap.CapReference(sender=sender, identifier=original.identifier,
                                           sent=original.published_at))
    info = cap.CapInfo(
        event=alert.event, urgency=alert.urgency, severity=alert.severity,
        certainty=alert.certainty, headline=alert.headline, description=alert.description,
        instruction=alert.instruction,
        categories=[TOPIC_CAP_CATEGORY.get(alert.topic, "Other")],
        response_types=RESPONSE_TYPES.get(alert.msg_type, []), language="pl-PL",
        sender_name=municipality.official_name or municipality.name,
        effective=alert.published_at, onset=alert.onset, expires=alert.expires,
        web=alert_url(alert), contact=municipality.phone or municipality.email,
        areas=[area])
    return cap.CapAlert(identifier=alert.identifier, sender=sender, sent=alert.published_at,
                        status="Actual", msg_type=alert.msg_type, scope="Public",
                        references=references, info=[info])


def cap_document(alert: Alert) -> bytes | None:
    """The alert's CAP 1.2 document, or None (logged) when one of its texts holds a
    character XML cannot carry: it was stored before the input checks."""
    try:
        return cap.to_xml(to_cap(alert))
    except xmltext.UnsafeText as problem:
        logger.warning("notifications: no CAP document for alert %s: %s", alert.pk, problem)
        return None


def has_cap_document(alert: Alert) -> bool:
    """Whether `cap_document` can write this alert (its page links the document only
    then)."""
    return xmltext.first_unsafe(to_cap(alert)) is None


def atom_feed(municipality) -> bytes:
    alerts = selectors.feed_alerts(municipality, FEED_SIZE)
    host = urlsplit(_base()).hostname or "ratusz.localhost"
    base = _base()
    entries = []
    for alert in alerts:
        prefix = {"Update": "Aktualizacja: ", "Cancel": "Odwołanie: "}.get(alert.msg_type, "")
        summary = alert.description if not alert.instruction else \
            f"{alert.description}\n\nZalecenia: {alert.instruction}"
        entries.append(atom.AtomEntry(
            id=atom.tag_uri(host, alert.created_at.date(),
                            f"{municipality.slug}:alert:{alert.pk}"),
            title=prefix + alert.headline, updated=alert.published_at,
            published=alert.published_at, summary=summary, link=alert_url(alert),
            cap_link=cap_url(alert), categories=[alert.event, alert.severity],
            author_name=municipality.official_name or municipality.name))
    updated = alerts[0].published_at if alerts else municipality.created_at
    feed = atom.AtomFeed(
        id=atom.tag_uri(host, municipality.created_at.date(), f"{municipality.slug}:alerts"),
        title=f"Komunikaty i ostrzeżenia – {municipality.official_name or municipality.name}",
        updated=updated,
        link_self=base + reverse("alerts:alert-feed", args=[municipality.slug]),
        link_alternate=base + reverse("alerts:alerts", args=[municipality.slug]),
        author_name=municipality.official_name or municipality.name,
        subtitle="Ostrzeżenia i komunikaty gminy dla mieszkańców (CAP 1.2)", entries=entries)
    return atom.to_xml(feed)
