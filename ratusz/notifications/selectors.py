"""Reads of the notification system. Every function takes the gmina and limits its query
to it (row-level security is the second wall on PostgreSQL); none writes."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from ratusz.core.models import Locality, Municipality
from ratusz.notifications import templates
from ratusz.notifications.models import (
    Alert,
    AlertStatus,
    Channel,
    Message,
    MessageStatus,
    MsgType,
    PushEndpoint,
    Severity,
    Subscriber,
    Subscription,
    Template,
    Topic,
)

SENT_STATES = (MessageStatus.SENT, MessageStatus.DELIVERED)
FAILED_STATES = (MessageStatus.FAILED, MessageStatus.BOUNCED)
WAITING_STATES = (MessageStatus.QUEUED, MessageStatus.SENDING)
SEVERITY_ORDER = {Severity.EXTREME: 0, Severity.SEVERE: 1, Severity.MODERATE: 2,
                  Severity.MINOR: 3}

Gmina = Municipality | int


def _pk(municipality: Gmina) -> int:
    return getattr(municipality, "pk", municipality)


# --- localities ---------------------------------------------------------------------------

def localities(municipality: Gmina) -> QuerySet[Locality]:
    """The gmina's localities by name (the area of alerts and subscriptions)."""
    return Locality.objects.for_municipality(municipality).order_by("name")


def locality_by_name_or_simc(municipality: Gmina, item: str) -> Locality | None:
    """A locality by its TERYT SIMC code (digits) or its name (any case)."""
    query = Locality.objects.for_municipality(municipality)
    return (query.filter(simc=item).first() if item.isdigit()
            else query.filter(name__iexact=item).first())


# --- subscribers --------------------------------------------------------------------------

def _subscribers(municipality: Gmina) -> QuerySet[Subscriber]:
    return Subscriber.objects.for_municipality(municipality)


def subscriber_of_user(municipality: Gmina, user) -> Subscriber | None:
    return _subscribers(municipality).filter(user=user).first()


def subscriber_by_user_id(municipality: Gmina, user_id: int | None) -> Subscriber | None:
    if user_id is None:
        return None
    return _subscribers(municipality).filter(user_id=user_id).first()


def subscriber_by_token(municipality: Gmina, token: str) -> Subscriber | None:
    """The subscriber whose secret link this is (None for an empty or unknown token)."""
    if not token:
        return None
    return _subscribers(municipality).select_related("user").filter(token=token).first()


def chosen_pairs(municipality: Gmina, subscriber: Subscriber) -> set[tuple[str, str]]:
    """The (topic, channel) pairs the subscriber chose."""
    return set(Subscription.objects.for_municipality(municipality).filter(
        subscriber=subscriber).values_list("topic", "channel"))


def chosen_localities(municipality: Gmina, subscriber: Subscriber) -> list[Locality]:
    return list(subscriber.localities.filter(municipality_id=_pk(municipality)))


def next_steps(municipality: Gmina, subscriber: Subscriber) -> dict[str, bool]:
    """What the subscriber still has to do: confirm the e-mail or the phone, turn on push."""
    channels = {channel for _topic, channel in chosen_pairs(municipality, subscriber)}
    return {
        "needs_email": Channel.EMAIL in channels and not subscriber.email_confirmed_at,
        "needs_phone": Channel.SMS in channels and not subscriber.phone_confirmed_at,
        "wants_push": Channel.PUSH in channels,
        "has_push": has_push_endpoint(municipality, subscriber),
    }


def has_push_endpoint(municipality: Gmina, subscriber: Subscriber) -> bool:
    return PushEndpoint.objects.for_municipality(municipality).filter(
        subscriber=subscriber).exists()


def news_channels(municipality: Gmina, user_id: int | None
                  ) -> tuple[Subscriber | None, list[str]]:
    """Who gets the news of a person's own cases and by which channels: those chosen for
    "news of my cases" that can reach the person (a confirmed phone, a browser); without
    a choice, e-mail."""
    subscriber = subscriber_by_user_id(municipality, user_id)
    if subscriber is None:
        return None, [Channel.EMAIL]
    chosen = set(Subscription.objects.for_municipality(municipality).filter(
        subscriber=subscriber, topic=Topic.CASES).values_list("channel", flat=True))
    if not chosen:
        return subscriber, [Channel.EMAIL]
    channels = [c for c in (Channel.EMAIL, Channel.SMS, Channel.PUSH) if c in chosen and (
        c == Channel.EMAIL or subscriber.confirmed(c))]
    if Channel.PUSH in channels and not has_push_endpoint(municipality, subscriber):
        channels.remove(Channel.PUSH)
    return subscriber, channels or [Channel.EMAIL]


def subscriber_counts(municipality: Gmina) -> dict:
    """Confirmed subscribers by topic × channel and by locality; no personal data."""
    confirmed = Subscription.objects.for_municipality(municipality).filter(
        Q(channel=Channel.EMAIL, subscriber__email_confirmed_at__isnull=False)
        | Q(channel=Channel.SMS, subscriber__phone_confirmed_at__isnull=False)
        | Q(channel=Channel.PUSH, subscriber__push_endpoints__isnull=False))
    cells: dict[tuple[str, str], int] = {}
    for row in confirmed.values("topic", "channel").annotate(
            n=Count("subscriber", distinct=True)).order_by():
        cells[(row["topic"], row["channel"])] = row["n"]
    by_topic = [{"label": topic.label,
                 "cells": [cells.get((topic.value, channel.value), 0) for channel in Channel]}
                for topic in Topic]
    subscriber_ids = confirmed.values("subscriber_id")
    through = Subscriber.localities.through
    placed = through.objects.filter(subscriber_id__in=subscriber_ids)
    per_locality = dict(placed.values("locality_id").annotate(
        n=Count("subscriber_id", distinct=True)).order_by().values_list("locality_id", "n"))
    names = [{"name": name, "count": per_locality.get(pk, 0)}
             for pk, name in localities(municipality).values_list("pk", "name")]
    total = _subscribers(municipality).filter(pk__in=subscriber_ids).count()
    whole = _subscribers(municipality).filter(pk__in=subscriber_ids).exclude(
        pk__in=placed.values("subscriber_id")).count()
    return {"channels": list(Channel), "by_topic": by_topic, "localities": names,
            "whole": whole, "total": total}


def subscribers_for_staff(municipality: Gmina, *, topic: str = "", channel: str = "",
                          locality: str = "") -> QuerySet[Subscriber]:
    """The subscriber list of the staff page, newest first: by topic and/or channel, and by
    locality (`"cala"`: only those who chose the whole gmina)."""
    queryset = _subscribers(municipality)
    if topic or channel:
        matching = Subscription.objects.for_municipality(municipality)
        if topic:
            matching = matching.filter(topic=topic)
        if channel:
            matching = matching.filter(channel=channel)
        queryset = queryset.filter(pk__in=matching.values("subscriber_id"))
    if locality == "cala":
        queryset = queryset.filter(localities__isnull=True)
    elif locality:
        queryset = queryset.filter(localities__pk=int(locality))
    return queryset.order_by("-created_at", "-pk").prefetch_related(
        Prefetch("localities", queryset=Locality.objects.order_by("name")),
        Prefetch("subscriptions", queryset=Subscription.objects.order_by("topic", "channel")),
    ).annotate(n_push=Count("push_endpoints", distinct=True))


# --- alerts -------------------------------------------------------------------------------

def _alerts(municipality: Gmina) -> QuerySet[Alert]:
    return Alert.objects.for_municipality(municipality)


def published_alerts(municipality: Gmina) -> QuerySet[Alert]:
    """The gmina's published alerts, newest first."""
    return _alerts(municipality).filter(status=AlertStatus.PUBLISHED).order_by(
        "-published_at")


def published_alert(municipality: Gmina, alert_id: int) -> Alert | None:
    return published_alerts(municipality).select_related(
        "references", "municipality").filter(pk=alert_id).first()


def feed_alerts(municipality: Gmina, limit: int) -> list[Alert]:
    """The newest published alerts for the Atom feed."""
    return list(published_alerts(municipality).select_related("municipality")[:limit])


def current_alerts(municipality: Gmina) -> list[Alert]:
    """Published, not expired, not cancelled or replaced: what the banner shows, the most
    severe first."""
    candidates = published_alerts(municipality).exclude(msg_type=MsgType.CANCEL).filter(
        Q(expires__isnull=True) | Q(expires__gt=timezone.now())).exclude(
        followups__status=AlertStatus.PUBLISHED)
    return sorted(candidates.distinct()[:20], key=lambda a: (SEVERITY_ORDER.get(a.severity, 4),
                                                             -a.published_at.timestamp()))


def alert_localities(municipality: Gmina, alert: Alert) -> list[Locality]:
    """The area of an alert by name (empty: the whole gmina)."""
    return list(alert.localities.filter(municipality_id=_pk(municipality)))


def followups(municipality: Gmina, alert: Alert, *, published_only: bool) -> QuerySet[Alert]:
    """The updates and cancellations of an alert, in order."""
    found = _alerts(municipality).filter(references=alert)
    if published_only:
        return found.filter(status=AlertStatus.PUBLISHED).order_by("published_at")
    return found.order_by("created_at", "pk")


def alert_by_id(municipality: Gmina, alert_id: int) -> Alert | None:
    """Any alert of the gmina, with its people (the staff pages and the API)."""
    return _alerts(municipality).select_related(
        "municipality", "created_by", "decided_by", "references").filter(pk=alert_id).first()


def next_alert_id(municipality: Gmina) -> int:
    """A fair guess of the id an alert about to be saved gets (its link's length matters
    for the SMS preview)."""
    return (_alerts(municipality).aggregate(last=Max("pk"))["last"] or 0) + 1


def staff_alerts(municipality: Gmina) -> dict:
    """The dashboard's lists: waiting for approval, drafts, published (with the counts of
    their messages), rejected."""
    alerts = _alerts(municipality).select_related("created_by", "decided_by")
    published = alerts.filter(status=AlertStatus.PUBLISHED).annotate(
        n_sent=Count("messages", filter=Q(messages__status__in=SENT_STATES)),
        n_delivered=Count("messages", filter=Q(messages__status=MessageStatus.DELIVERED)),
        n_failed=Count("messages", filter=Q(messages__status__in=FAILED_STATES)),
        n_waiting=Count("messages", filter=Q(messages__status__in=WAITING_STATES)),
    ).order_by("-published_at", "-pk")
    return {"pending": alerts.filter(status=AlertStatus.PENDING).order_by("submitted_at",
                                                                          "pk"),
            "drafts": alerts.filter(status=AlertStatus.DRAFT),
            "published": published[:30], "published_count": published.count(),
            "rejected": alerts.filter(status=AlertStatus.REJECTED)[:20]}


def message_counts(municipality: Gmina, alert: Alert) -> dict[str, int]:
    """How many messages of an alert are sent, delivered, failed and waiting."""
    counts = Message.objects.for_municipality(municipality).filter(alert=alert).aggregate(
        total=Count("pk"), sent=Count("pk", filter=Q(status__in=SENT_STATES)),
        delivered=Count("pk", filter=Q(status=MessageStatus.DELIVERED)),
        failed=Count("pk", filter=Q(status__in=FAILED_STATES)),
        queued=Count("pk", filter=Q(status__in=WAITING_STATES)))
    return {key: value or 0 for key, value in counts.items()}


def delivery_figures(municipality: Gmina, alert: Alert) -> dict:
    """The outbox of an alert: counts per channel and status, the time of the last sending,
    SMS parts and cost, the first 50 failures and how many failed."""
    outbox = Message.objects.for_municipality(municipality).filter(alert=alert)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in outbox.values("channel", "status").annotate(n=Count("pk")).order_by():
        counts[row["channel"]][row["status"]] = row["n"]
    totals = outbox.aggregate(last_sent=Max("sent_at"),
                              sms_parts=Sum("parts", filter=Q(channel=Channel.SMS)),
                              sms_cost=Sum("cost", filter=Q(channel=Channel.SMS)))
    failed = outbox.filter(status__in=FAILED_STATES)
    return {"counts": counts, **totals, "failures": list(failed.order_by("pk")[:50]),
            "failure_count": failed.count()}


# --- templates ----------------------------------------------------------------------------

def own_templates(municipality: Gmina) -> dict[tuple[str, str], Template]:
    """The gmina's own wording by (purpose, channel)."""
    return {(item.purpose, item.channel): item for item in
            Template.objects.for_municipality(municipality).select_related("updated_by")}


def own_template(municipality: Gmina, purpose: str, channel: str) -> Template | None:
    return Template.objects.for_municipality(municipality).filter(
        purpose=purpose, channel=channel).first()


def template_wording(municipality: Gmina, purpose: str, channel: str) -> templates.Wording:
    """The wording that applies: the gmina's own, else the built-in one."""
    own = own_template(municipality, purpose, channel)
    if own is not None:
        return templates.Wording(own.subject, own.body, own.transliterate)
    return templates.default_wording(purpose, channel)
