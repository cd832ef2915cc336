"""Resident notifications: who wants what by which channel (subscribers, subscriptions,
consent), what a gmina announces (alerts, CAP-shaped), how texts look (templates) and the
outbox of every single message with its delivery status.

The outbox is the heart of delivery: one `Message` row per (alert, subscriber, channel) —
a unique `key` makes a second row impossible even when the fan-out runs twice — and the
row's state says what a worker may do with it. See docs/notifications.md.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import Locality, TenantOwned


class Topic(models.TextChoices):
    WEATHER = "weather", _("weather and hydrological warnings")
    WATER = "water", _("water supply outages")
    POWER = "power", _("power outages")
    ROADS = "roads", _("road closures")
    WASTE = "waste", _("waste collection reminders")
    EVENTS = "events", _("events")
    COUNCIL = "council", _("council sessions")
    HEALTH = "health", _("health")
    SCHOOLS = "schools", _("school news")
    #: Not an alert topic: news of the resident's own cases (status changes, replies).
    CASES = "cases", _("news of my cases")


ALERT_TOPICS = [choice for choice in Topic if choice != Topic.CASES]


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    PUSH = "push", _("web push")


def _token() -> str:
    return secrets.token_urlsafe(24)


class Subscriber(TenantOwned):
    """A person who receives a gmina's notifications: a signed-in resident or someone known
    only by an e-mail address and/or a phone number, each confirmed separately."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    #: The secret in every "change your preferences" and "unsubscribe" link.
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("e-mail"), blank=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    #: MSISDN digits with the country code, no plus: 48500100200.
    phone = models.CharField(_("mobile phone"), max_length=15, blank=True)
    phone_confirmed_at = models.DateTimeField(null=True, blank=True)
    phone_code_digest = models.CharField(max_length=64, blank=True)
    phone_code_sent_at = models.DateTimeField(null=True, blank=True)
    phone_code_attempts = models.PositiveSmallIntegerField(default=0)
    localities = models.ManyToManyField(Locality, blank=True, related_name="+",
                                        verbose_name=_("localities"))
    quiet_from = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet hours until"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "email"],
                                    condition=~models.Q(email=""),
                                    name="notifications_subscriber_email_unique"),
            models.UniqueConstraint(fields=["municipality", "phone"],
                                    condition=~models.Q(phone=""),
                                    name="notifications_subscriber_phone_unique"),
            models.UniqueConstraint(fields=["municipality", "user"],
                                    condition=models.Q(user__isnull=False),
                                    name="notifications_subscriber_user_unique"),
        ]

    def __str__(self) -> str:
        return self.email or self.masked_phone or str(self.public_id)

    @property
    def masked_phone(self) -> str:
        if not self.phone:
            return ""
        return f"+{self.phone[:2]} ••• ••• {self.phone[-3:]}"

    def confirmed(self, channel: str) -> bool:
        if channel == Channel.EMAIL:
            return bool(self.email and self.email_confirmed_at)
        if channel == Channel.SMS:
            return bool(self.phone and self.phone_confirmed_at)
        return True


class Subscription(TenantOwned):
    """One topic by one channel. Localities are the subscriber's (none = the whole gmina)."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE,
                                   related_name="subscriptions")
    topic = models.CharField(max_length=20, choices=Topic.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "topic", "channel"],
                                    name="notifications_subscription_unique"),
        ]
        indexes = [models.Index(fields=["municipality", "topic", "channel"])]


class ConsentAction(models.TextChoices):
    GIVEN = "given", _("consent given")
    CONFIRMED = "confirmed", _("address confirmed")
    CHANGED = "changed", _("preferences changed")
    WITHDRAWN = "withdrawn", _("consent withdrawn")


class ConsentRecord(TenantOwned):
    """RODO: what the person agreed to (or withdrew), when, with the exact wording shown.
    Append-only; kept after the subscriber is gone (the subscriber link is nulled)."""

    subscriber = models.ForeignKey(Subscriber, null=True, on_delete=models.SET_NULL,
                                   related_name="consents")
    subscriber_ref = models.UUIDField()
    action = models.CharField(max_length=12, choices=ConsentAction.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    wording = models.TextField()
    wording_version = models.CharField(max_length=20)
    scope = models.JSONField(default=dict)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    via = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Consent records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Consent records are append-only")


class PushEndpoint(TenantOwned):
    """A browser's push subscription (RFC 8030 endpoint and the RFC 8291 keys)."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE,
                                   related_name="push_endpoints")
    endpoint = models.URLField(max_length=1000)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=50)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "endpoint"],
                                    name="notifications_push_endpoint_unique"),
        ]


class AlertStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PENDING = "pending", _("awaiting approval")
    PUBLISHED = "published", _("published")
    REJECTED = "rejected", _("rejected")


class MsgType(models.TextChoices):
    ALERT = "Alert", _("alert")
    UPDATE = "Update", _("update")
    CANCEL = "Cancel", _("cancellation")


class Severity(models.TextChoices):
    EXTREME = "Extreme", _("extreme")
    SEVERE = "Severe", _("severe")
    MODERATE = "Moderate", _("moderate")
    MINOR = "Minor", _("minor")
    UNKNOWN = "Unknown", _("unknown")


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("immediate")
    EXPECTED = "Expected", _("expected (within an hour)")
    FUTURE = "Future", _("future")
    PAST = "Past", _("past")
    UNKNOWN = "Unknown", _("unknown")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("observed")
    LIKELY = "Likely", _("likely")
    POSSIBLE = "Possible", _("possible")
    UNLIKELY = "Unlikely", _("unlikely")
    UNKNOWN = "Unknown", _("unknown")


#: Severe and Extreme alerts need a second person's approval; they also ignore quiet hours.
SEVERE_LEVELS = frozenset({Severity.SEVERE, Severity.EXTREME})

#: The CAP category of each topic.
TOPIC_CAP_CATEGORY = {
    Topic.WEATHER: "Met", Topic.WATER: "Infra", Topic.POWER: "Infra",
    Topic.ROADS: "Transport", Topic.WASTE: "Env", Topic.EVENTS: "Other",
    Topic.COUNCIL: "Other", Topic.HEALTH: "Health", Topic.SCHOOLS: "Other",
}


class Alert(TenantOwned):
    """A message of the gmina to its subscribers, shaped as a CAP 1.2 alert with one info
    block in Polish. Updates and cancellations are alerts of their own that reference the
    original."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=12, choices=AlertStatus.choices,
                              default=AlertStatus.DRAFT, db_index=True)
    msg_type = models.CharField(max_length=8, choices=MsgType.choices, default=MsgType.ALERT)
    references = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="followups",
                                   verbose_name=_("updates or cancels"))
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices,
                             default=Topic.WEATHER)
    event = models.CharField(_("event"), max_length=120)
    headline = models.CharField(_("headline"), max_length=160)
    description = models.TextField(_("description"), max_length=4000)
    instruction = models.TextField(_("instruction"), max_length=2000, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    certainty = models.CharField(_("certainty"), max_length=10, choices=Certainty.choices)
    onset = models.DateTimeField(_("onset"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    localities = models.ManyToManyField(Locality, blank=True, related_name="+",
                                        verbose_name=_("area"))
    channels = models.JSONField(default=list)
    #: The caller's scoped Idempotency-Key (`ratusz.core.idempotency.scoped_key`; a raw
    #: key on alerts stored before keys were scoped) and the digest of the request body.
    idempotency_key = models.CharField(max_length=80, blank=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    fanout_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "idempotency_key"],
                                    condition=~models.Q(idempotency_key=""),
                                    name="notifications_alert_idempotency"),
        ]

    def __str__(self) -> str:
        return self.headline

    @property
    def needs_approval(self) -> bool:
        # An all-clear (cancellation) must never wait: it goes out at once.
        return self.severity in SEVERE_LEVELS and self.msg_type != MsgType.CANCEL

    @property
    def identifier(self) -> str:
        return f"PL-TERC-{self.municipality.teryt}-{self.created_at:%Y}-{self.pk}"

    @property
    def is_current(self) -> bool:
        if self.status != AlertStatus.PUBLISHED or self.msg_type == MsgType.CANCEL:
            return False
        if self.expires and self.expires <= timezone.now():
            return False
        return not self.followups.filter(status=AlertStatus.PUBLISHED).exists()


class TemplatePurpose(models.TextChoices):
    ALERT = "alert", _("alert")
    CASE_NEWS = "case_news", _("news of a case")


class Template(TenantOwned):
    """A gmina's own wording of a message for one channel; without one the built-in
    default (templates.DEFAULTS) is used. Placeholders: ((name))."""

    purpose = models.CharField(max_length=20, choices=TemplatePurpose.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), max_length=4000)
    transliterate = models.BooleanField(
        _("send without Polish letters (GSM-7)"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "purpose", "channel"],
                                    name="notifications_template_unique"),
        ]


class MessageKind(models.TextChoices):
    ALERT = "alert", _("alert")
    CASE_NEWS = "case_news", _("news of a case")
    VERIFY = "verify", _("address confirmation")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    BOUNCED = "bounced", _("bounced")


class Message(TenantOwned):
    """One message to one address by one channel: the outbox row.

    queued → (claimed by a worker) sending → sent → delivered, or failed / bounced.
    `handed_at` is committed just before the last step that hands the message over (the
    end of SMTP DATA, the gateway request, the push POST): a worker found dead with a
    handed message does not send it again (for SMS the gateway's own duplicate check on
    our reference makes a repeat harmless, so SMS is retried instead)."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=12, choices=MessageKind.choices)
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="messages")
    subscriber = models.ForeignKey(Subscriber, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="messages")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=1000)
    subject = models.CharField(max_length=200, blank=True)
    #: Empty for alert messages: their text is rendered per alert at sending time.
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=MessageStatus.choices,
                              default=MessageStatus.QUEUED)
    not_before = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    handed_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=40, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    parts = models.PositiveSmallIntegerField(default=0)
    cost = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "channel"], name="notif_msg_status_channel"),
            models.Index(fields=["alert", "status"], name="notif_msg_alert_status"),
        ]

    def __str__(self) -> str:
        return self.key
