"""Bank statements (MT940) imported by the gmina and their lines: matched to a payer by
the individual account number or a reference, or waiting for a clerk."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import TenantOwned
from ratusz.payments.models.ledger import Instalment, Payer, Receipt


class Statement(TenantOwned):
    """One import of a statement file. A file imported again gets a row of its own that
    added nothing (every line a duplicate)."""

    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=10)  # ui, api
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64)
    account = models.CharField(max_length=26)
    reference = models.CharField(max_length=35, blank=True)
    number = models.CharField(max_length=20, blank=True)
    opening_balance = models.BigIntegerField()
    closing_balance = models.BigIntegerField()
    opening_date = models.DateField(null=True, blank=True)
    closing_date = models.DateField(null=True, blank=True)
    lines = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    debits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-imported_at", "-pk"]


class LineStatus(models.TextChoices):
    MATCHED = "matched", _("matched")
    UNMATCHED = "unmatched", _("to be assigned")
    ASSIGNED = "assigned", _("assigned by hand")
    DEBIT = "debit", _("debit (not a receipt)")


class StatementLine(TenantOwned):
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=64)
    value_date = models.DateField()
    entry_date = models.DateField(null=True, blank=True)
    is_credit = models.BooleanField()
    mark = models.CharField(max_length=2)
    amount = models.BigIntegerField()
    transaction_code = models.CharField(max_length=4, blank=True)
    customer_reference = models.CharField(max_length=35, blank=True)
    bank_reference = models.CharField(max_length=35, blank=True)
    details = models.TextField(blank=True)
    title = models.CharField(max_length=500, blank=True)
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_account = models.CharField(max_length=26, blank=True)
    credited_account = models.CharField(max_length=26, blank=True)
    status = models.CharField(max_length=10, choices=LineStatus.choices)
    matched_by = models.CharField(max_length=10, blank=True)  # account, reference, hand
    note = models.CharField(max_length=300, blank=True)
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    receipt = models.OneToOneField(Receipt, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="statement_line")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["statement", "position"]
        constraints = [models.UniqueConstraint(fields=["municipality", "fingerprint"],
                                               name="statement_line_fingerprint_unique")]
        indexes = [models.Index(fields=["municipality", "status"],
                                name="statement_line_status")]
