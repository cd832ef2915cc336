"""Online payments through a gateway: the gmina's credentials, each payment with what it
pays, and every message from the gateway (accepted or refused) for the clerk to see."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import TenantOwned
from ratusz.payments.models.ledger import Instalment, Payer, Receipt


class GatewayKind(models.TextChoices):
    PRZELEWY24 = "przelewy24", "Przelewy24"


class GatewayAccount(TenantOwned):
    """The gmina's merchant account at a gateway. The API key and the CRC key are stored
    encrypted and never shown back; `notify_key` is the secret part of the addresses the
    gateway notifies."""

    kind = models.CharField(max_length=20, choices=GatewayKind.choices,
                            default=GatewayKind.PRZELEWY24)
    base_url = models.URLField(_("gateway address"))
    merchant_id = models.PositiveIntegerField(_("merchant id"))
    pos_id = models.PositiveIntegerField(_("shop (POS) id"))
    api_key_ciphertext = models.TextField(editable=False)
    crc_key_ciphertext = models.TextField(editable=False)
    notify_key = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality"],
                                               name="gateway_account_one_per_gmina")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.merchant_id}"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the payment")
    PAID = "paid", _("paid")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


class Payment(TenantOwned):
    """One online payment of one or more instalments by a resident."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="payments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+")
    gateway = models.ForeignKey(GatewayAccount, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="PLN")
    status = models.CharField(max_length=10, choices=PaymentStatus.choices,
                              default=PaymentStatus.PENDING)
    token = models.CharField(max_length=100, blank=True)
    redirect_url = models.URLField(max_length=500, blank=True)
    order_id = models.BigIntegerField(null=True, blank=True)
    method_id = models.IntegerField(null=True, blank=True)
    statement = models.CharField(max_length=255, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    receipt = models.OneToOneField(Receipt, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="payment")
    return_to = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(condition=~Q(status="paid") | Q(receipt__isnull=False),
                                   name="payment_paid_has_receipt"),
        ]
        indexes = [models.Index(fields=["municipality", "status", "created_at"],
                                name="payment_status")]

    @property
    def session_id(self) -> str:
        return str(self.public_id)


class PaymentItem(TenantOwned):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="items")
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()

    class Meta:
        ordering = ["pk"]


class GatewayEvent(TenantOwned):
    """A message between the platform and the gateway worth keeping: every notification
    (accepted, repeated or refused, with the reason), verifications and sweeps."""

    payment = models.ForeignKey(Payment, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="events")
    kind = models.CharField(max_length=20)  # notification, refusal, verify, status, register
    outcome = models.CharField(max_length=20)  # accepted, repeated, refused, error
    reason = models.CharField(max_length=300, blank=True)
    remote_address = models.GenericIPAddressField(null=True, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["municipality", "outcome", "created_at"],
                                name="gateway_event_outcome")]
