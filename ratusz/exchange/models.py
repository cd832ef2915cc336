"""The exchange app's tables; every table of a gmina inherits TenantOwned.

- `Mailbox`: a unit's e-Doręczenia mailbox (its ADE, kept on `core.Unit.ade`) or its ePUAP
  inbox (ESP), fetched by the pump;
- `OutboundMessage`: the outbox: a letter or document to another body, with its provider
  message id (stored before the attempt that sends it), attempts and back-off;
- `InboundMessage`: what was fetched from a mailbox, once per provider id, registered in the
  RPW or quarantined with its reason;
- `Evidence`: a signed evidence (dowód, UPP) kept as received, after its signature verified.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import TenantOwned, Unit


class Channel(models.TextChoices):
    E_DELIVERY = "e_delivery", _("e-Doręczenia")
    HYBRID = "hybrid", _("hybrid service (printed and delivered on paper)")
    EPUAP = "epuap", _("ePUAP inbox")


class Mailbox(TenantOwned):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    #: The ADE for e-Doręczenia; the ESP address (/<identifier>/SkrytkaESP) for ePUAP.
    address = models.CharField(_("address"), max_length=120)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="mailbox_address_unique"),
            models.UniqueConstraint(fields=["municipality", "unit", "channel"],
                                    name="mailbox_one_per_unit_and_channel"),
        ]

    def __str__(self) -> str:
        return self.address


class MessageKind(models.TextChoices):
    LETTER = "letter", _("letter")
    CASE_TRANSFER = "case_transfer", _("case transferred to the competent body")
    UNIT_REPORT = "unit_report", _("unit's report")
    DOCUMENT = "document", _("document")


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("waiting to be sent")
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    DEEMED_DELIVERED = "deemed_delivered", _("deemed delivered")
    FAILED = "failed", _("not delivered")


class OutboundMessage(TenantOwned):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=MessageKind.choices,
                            default=MessageKind.DOCUMENT)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    #: The EZD's letter and case it carries, if any (ids: the EZD knows nothing of us).
    letter_id = models.BigIntegerField(null=True, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    sender_ade = models.CharField(max_length=26)
    recipient_ade = models.CharField(max_length=26, blank=True)
    recipient_name = models.CharField(max_length=300)
    #: The postal address of a hybrid (PUH) message.
    recipient_address = models.JSONField(default=dict, blank=True)
    #: The addressee is a gmina or unit of this platform (A2A).
    is_a2a = models.BooleanField(default=False)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    #: [{name, path, sha256, content_type, size}] of files already stored.
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=OutboundStatus.choices,
                              default=OutboundStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    #: The provider's id of the message (its draft's id), stored before the attempt that
    #: sends it: a retry after a lost answer asks about this id and never sends twice.
    provider_message_id = models.CharField(max_length=64, blank=True)
    is_submitted = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    receipt_kind = models.CharField(max_length=20, blank=True)
    #: The EZD has been told of the latest status and evidences (letters only).
    is_reported = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "provider_message_id"],
                                    condition=~models.Q(provider_message_id=""),
                                    name="outbound_provider_id_unique"),
            models.UniqueConstraint(fields=["municipality", "letter_id"],
                                    condition=models.Q(letter_id__isnull=False),
                                    name="outbound_one_per_letter"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"]),
                   models.Index(fields=["municipality", "kind", "created_at"])]

    def __str__(self) -> str:
        return self.subject


class InboundStatus(models.TextChoices):
    REGISTERED = "registered", _("registered")
    QUARANTINED = "quarantined", _("quarantined")


class InboundMessage(TenantOwned):
    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    kind = models.CharField(max_length=20, choices=MessageKind.choices,
                            default=MessageKind.DOCUMENT)
    #: The provider's message id (e-Doręczenia) or the digest of the document (ePUAP,
    #: whose pull answer has no id): each is registered once.
    provider_message_id = models.CharField(max_length=64)
    sender_ade = models.CharField(max_length=120, blank=True)
    sender_name = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    is_a2a = models.BooleanField(default=False)
    #: The legal time of arrival: the proof of receipt's time (e-Doręczenia, art. 41) or
    #: the UPP's (ePUAP).
    received_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)
    digest = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=20, choices=InboundStatus.choices)
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    #: The RPW entry (cases.IncomingEntry) it became.
    entry_id = models.BigIntegerField(null=True, blank=True)
    entry_number = models.CharField(max_length=40, blank=True)
    attachments_count = models.PositiveSmallIntegerField(default=0)
    #: Removed from the provider's mailbox (e-Doręczenia) or confirmed (ePUAP).
    is_acknowledged = models.BooleanField(default=False)

    class Meta:
        ordering = ["-fetched_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "mailbox", "provider_message_id"],
                                    name="inbound_once_per_provider_id"),
        ]
        indexes = [models.Index(fields=["municipality", "status", "fetched_at"]),
                   models.Index(fields=["municipality", "sender_ade", "digest"])]

    def __str__(self) -> str:
        return self.subject


class Evidence(TenantOwned):
    outbound = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="evidences")
    inbound = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, null=True,
                                blank=True, related_name="evidences")
    provider_evidence_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10)
    event_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    receipt_kind = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    #: The signed XML as the provider gave it (its signature verified before it was kept).
    xml = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    verified_at = models.DateTimeField(default=timezone.now)
    #: Entered in the letter's case: the case's document that holds it (null when the
    #: case was closed and only its record notes it), set once.
    is_in_case = models.BooleanField(default=False)
    case_document_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["event_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "provider_evidence_id"],
                                    name="evidence_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.provider_evidence_id}"
