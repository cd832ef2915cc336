"""The ledger of a gmina: payers, kinds of obligations, obligations and their instalments,
receipts (wpłaty) and how each was applied, reminders (upomnienia) and refunds."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import TenantOwned


class Regime(models.TextChoices):
    #: Tax law: Ordynacja podatkowa (interest, proportional split, reminders). Taxes, the
    #: waste fee (u.c.p.g. art. 6q), stamp duty, public-law fees.
    TAX = "tax", _("tax law (Ordynacja podatkowa)")
    #: Civil law: lease, rent; oldest due first, no tax interest.
    CIVIL = "civil", _("civil law")


class ObligationKind(TenantOwned):
    """A kind of obligation (należność) of the gmina: the built-in ones and any it adds,
    with the budget classification receipts are booked under."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    regime = models.CharField(_("legal regime"), max_length=10, choices=Regime.choices)
    dzial = models.CharField(_("section (dział)"), max_length=3)
    rozdzial = models.CharField(_("chapter (rozdział)"), max_length=5)
    paragraf = models.CharField(_("paragraph (paragraf)"), max_length=4)
    interest_paragraf = models.CharField(_("paragraph for interest"), max_length=4,
                                         blank=True)
    is_builtin = models.BooleanField(default=False)

    class Meta:
        ordering = ["municipality", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"],
                                               name="obligation_kind_code_unique")]

    def __str__(self) -> str:
        return self.name


class PayerKind(models.TextChoices):
    PERSON = "person", _("person (PESEL)")
    BUSINESS = "business", _("business (NIP)")


class Payer(TenantOwned):
    """Someone who owes the gmina. A person is known by PESEL, kept as the accounts app
    keeps it (an HMAC digest to find, Fernet ciphertext to show masked), never in clear;
    a business by NIP (and REGON). The person's resident account is the one whose
    confirmed PESEL has the same digest (login.gov.pl)."""

    kind = models.CharField(max_length=10, choices=PayerKind.choices)
    name = models.CharField(_("name"), max_length=300)
    pesel_digest = models.CharField(max_length=64, null=True, blank=True, editable=False)
    pesel_ciphertext = models.TextField(blank=True, editable=False)
    nip = models.CharField(_("NIP"), max_length=10, blank=True)
    regon = models.CharField(_("REGON"), max_length=14, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    reference = models.PositiveBigIntegerField(_("payer reference"))
    account = models.CharField(_("individual account number"), max_length=26)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "pesel_digest"],
                                    condition=Q(pesel_digest__isnull=False),
                                    name="payer_pesel_unique"),
            models.UniqueConstraint(fields=["municipality", "nip"],
                                    condition=Q(kind="business"), name="payer_nip_unique"),
            models.UniqueConstraint(fields=["municipality", "reference"],
                                    name="payer_reference_unique"),
            models.UniqueConstraint(fields=["municipality", "account"],
                                    name="payer_account_unique"),
            models.CheckConstraint(
                condition=(Q(kind="person", pesel_digest__isnull=False)
                           | Q(kind="business") & ~Q(nip="")),
                name="payer_identified"),
        ]

    def __str__(self) -> str:
        return self.name


class ObligationImport(TenantOwned):
    """One import of obligations from a domain system, with its per-line report."""

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=10)  # ui, api, command, service
    file_name = models.CharField(max_length=255, blank=True)
    lines = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    refused_lines = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at"]


class Obligation(TenantOwned):
    """A należność: a tax decision, a declaration, a fee, a lease; one or more instalments.
    `external_id` is the id in the domain system it came from (unique in the gmina: a
    re-import updates it)."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="obligations")
    kind = models.ForeignKey(ObligationKind, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(_("external id"), max_length=120)
    title = models.CharField(_("title"), max_length=300)
    period = models.CharField(_("period"), max_length=40, blank=True)
    dzial = models.CharField(max_length=3)
    rozdzial = models.CharField(max_length=5)
    paragraf = models.CharField(max_length=4)
    source = models.CharField(max_length=10, default="import")
    import_run = models.ForeignKey(ObligationImport, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["municipality", "payer", "pk"]
        constraints = [models.UniqueConstraint(fields=["municipality", "external_id"],
                                               name="obligation_external_id_unique")]

    def __str__(self) -> str:
        return self.title


class Instalment(TenantOwned):
    """A rata: one due date and amount of an obligation; what the payer pays and what the
    API lists as an obligation. `interest_from` is the day through which interest has
    been counted (at the last payment); null: from the due date."""

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE,
                                   related_name="instalments")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField(_("due date"))
    amount = models.BigIntegerField(_("amount (grosze)"))
    paid_principal = models.BigIntegerField(default=0)
    interest_charged = models.BigIntegerField(default=0)
    interest_paid = models.BigIntegerField(default=0)
    interest_from = models.DateField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["obligation", "number"],
                                    name="instalment_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_positive"),
            models.CheckConstraint(condition=Q(paid_principal__gte=0,
                                               paid_principal__lte=F("amount")),
                                   name="instalment_paid_within_amount"),
            models.CheckConstraint(condition=Q(interest_paid__gte=0,
                                               interest_paid__lte=F("interest_charged")),
                                   name="instalment_interest_within_charged"),
        ]
        indexes = [models.Index(fields=["payer", "due_date"], name="instalment_payer_due"),
                   models.Index(fields=["municipality", "due_date"],
                                name="instalment_due")]

    def __str__(self) -> str:
        return f"{self.obligation} – {self.number}"

    @property
    def outstanding(self) -> int:
        return self.amount - self.paid_principal

    @property
    def unpaid_interest(self) -> int:
        return self.interest_charged - self.interest_paid


class ReceiptSource(models.TextChoices):
    GATEWAY = "gateway", _("online payment")
    STATEMENT = "statement", _("bank transfer")
    MANUAL = "manual", _("assigned by hand")


class Receipt(TenantOwned):
    """A wpłata: money received for a payer on `value_date` (the day of payment for
    interest). `unallocated` is what no liability took: an overpayment (nadpłata)."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="receipts")
    amount = models.BigIntegerField()
    value_date = models.DateField()
    source = models.CharField(max_length=10, choices=ReceiptSource.choices)
    reference = models.CharField(max_length=200, blank=True)
    unallocated = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["value_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_positive"),
            models.CheckConstraint(condition=Q(unallocated__gte=0,
                                               unallocated__lte=F("amount")),
                                   name="receipt_unallocated_within_amount"),
        ]
        indexes = [models.Index(fields=["payer", "value_date"], name="receipt_payer_day"),
                   models.Index(fields=["municipality", "value_date"],
                                name="receipt_day")]


class Reminder(TenantOwned):
    """An upomnienie for an arrear. Its cost is due from delivery (u.p.e.a. art. 15 § 3
    and the regulation of 5 January 2021, Dz.U. 2021 poz. 67) [V]; until delivered it costs
    nothing."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="reminders")
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    delivered_on = models.DateField(null=True, blank=True)
    cost = models.BigIntegerField(default=0)
    cost_paid = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["issued_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(cost_paid__lte=F("cost")),
                                              name="reminder_cost_paid_within_cost")]


class Allocation(TenantOwned):
    """How much of a receipt went to an instalment (principal, interest) or to a
    reminder's cost; `interest_charged` is the interest counted at this payment."""

    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT,
                                related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="allocations")
    reminder = models.ForeignKey(Reminder, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="allocations")
    principal = models.BigIntegerField(default=0)
    interest = models.BigIntegerField(default=0)
    cost = models.BigIntegerField(default=0)
    interest_charged = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(
            condition=Q(instalment__isnull=False, reminder__isnull=True)
            | Q(instalment__isnull=True, reminder__isnull=False),
            name="allocation_one_target")]


class Refund(TenantOwned):
    """An overpayment refunded to the payer on request (Ordynacja podatkowa art. 76 § 1,
    art. 77b: to a bank account)."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField()
    account = models.CharField(max_length=26)
    requested_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0),
                                              name="refund_positive")]
