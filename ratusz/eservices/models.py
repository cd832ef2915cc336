"""The virtual citizen service centre: service cards, versioned forms, submissions and their
receipts, drafts, messages between the resident and the office."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import Department, TenantOwned


class Category(models.TextChoices):
    TAXES = "taxes", _("Taxes and local fees")
    WASTE = "waste", _("Waste and cleanliness")
    CIVIL = "civil", _("Civil affairs and civil status")
    LAND = "land", _("Property and spatial planning")
    ENVIRONMENT = "environment", _("Environment")
    ROADS = "roads", _("Roads and transport")
    BUSINESS = "business", _("Business and permits")
    SOCIAL = "social", _("Social matters and family")
    EDUCATION = "education", _("Education and sport")
    GENERAL = "general", _("General matters, public information, complaints")


class Service(TenantOwned):
    """A service card (karta usługi) of a gmina, with the form residents fill in."""

    slug = models.SlugField(_("address (slug)"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    summary = models.CharField(_("summary"), max_length=300)
    purpose = models.TextField(_("purpose"))
    who_may_apply = models.TextField(_("who may apply"))
    required_documents = models.JSONField(_("required documents"), default=list, blank=True)
    fee_amount = models.DecimalField(_("fee (PLN)"), max_digits=10, decimal_places=2,
                                     null=True, blank=True)
    fee_description = models.TextField(_("fee and how to pay it"), blank=True)
    fee_account = models.CharField(_("bank account for the fee"), max_length=32, blank=True)
    deadline_days = models.PositiveSmallIntegerField(_("days to settle"), default=30)
    deadline_description = models.CharField(_("deadline for settling"), max_length=300)
    legal_basis = models.JSONField(_("legal basis"), default=list, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("handling department"))
    jrwa_symbol = models.CharField(_("JRWA class"), max_length=10)
    maturity_level = models.PositiveSmallIntegerField(_("maturity level"), default=3)
    requires_identification = models.BooleanField(_("identification required"), default=True)
    allows_anonymous = models.BooleanField(_("open without signing in"), default=False)
    keywords = models.JSONField(default=list, blank=True)
    #: The Polish search tokens of the card (`services.catalogue.search_text`).
    search_text = models.TextField(blank=True, editable=False)
    library_slug = models.CharField(max_length=80, blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    current_form = models.ForeignKey("FormVersion", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="service_slug_unique"),
            models.CheckConstraint(condition=Q(maturity_level__gte=1, maturity_level__lte=5),
                                   name="service_maturity_level_range"),
            models.CheckConstraint(
                condition=~Q(allows_anonymous=True, requires_identification=True),
                name="service_anonymous_needs_no_identification"),
            models.CheckConstraint(condition=Q(fee_amount__isnull=True) | Q(fee_amount__gt=0),
                                   name="service_fee_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_fee(self) -> bool:
        return self.fee_amount is not None


class FormStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    RETIRED = "retired", _("replaced")


class FormVersion(TenantOwned):
    """One version of a service's form: JSON Schema of the data plus its layout. A published
    version never changes; every submission keeps the version it used."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="forms")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    schema = models.JSONField()
    layout = models.JSONField()
    status = models.CharField(max_length=20, choices=FormStatus.choices,
                              default=FormStatus.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["service", "number"]
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="form_version_unique"),
            models.UniqueConstraint(fields=["service"], condition=Q(status="draft"),
                                    name="form_one_draft_per_service"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


class FeeStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("no fee")
    AWAITING = "awaiting", _("awaiting payment")
    CONFIRMED = "confirmed", _("payment confirmed")


#: Payments knows a submission's fee by this external id (+ the submission's id).
FEE_OBLIGATION_PREFIX = "eservices.submission:"


class Submission(TenantOwned):
    """A filed form: registered in the RPW and handled as a case. Never deleted; a
    withdrawal is recorded."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="submissions")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    email = models.EmailField(_("e-mail"), blank=True)
    applicant_name = models.CharField(_("applicant"), max_length=300)
    data = models.JSONField()
    data_sha256 = models.CharField(max_length=64)
    submitted_at = models.DateTimeField(default=timezone.now)
    #: The caller's scoped key (`ratusz.core.idempotency.scoped_key`) and the digest of
    #: the first request's body: a retry returns this submission, another body conflicts.
    idempotency_key = models.CharField(max_length=120, blank=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, default="")
    incoming = models.ForeignKey("cases.IncomingEntry", on_delete=models.PROTECT,
                                 related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    fee_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    fee_status = models.CharField(max_length=20, choices=FeeStatus.choices,
                                  default=FeeStatus.NOT_REQUIRED)
    fee_confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    receipt_pdf = models.CharField(max_length=300, blank=True)
    receipt_xml = models.CharField(max_length=300, blank=True)
    receipt_pdf_sha256 = models.CharField(max_length=64, blank=True)
    receipt_xml_sha256 = models.CharField(max_length=64, blank=True)
    receipt_created_at = models.DateTimeField(null=True, blank=True)
    #: When the receipt went by e-mail to a sender without an account (sent once).
    receipt_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "idempotency_key"],
                                    condition=~Q(idempotency_key=""),
                                    name="submission_idempotency_unique"),
        ]
        indexes = [
            models.Index(fields=["resident", "-submitted_at"], name="submission_resident"),
            models.Index(fields=["municipality", "service", "-submitted_at"],
                         name="submission_service"),
        ]

    def __str__(self) -> str:
        return f"{self.service.name} ({self.submitted_at:%Y-%m-%d})"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def has_receipt(self) -> bool:
        return self.receipt_created_at is not None

    @property
    def fee_obligation_id(self) -> str:
        """The external id of this submission's fee as an obligation in payments."""
        return f"{FEE_OBLIGATION_PREFIX}{self.pk}"


class SubmissionAttachment(TenantOwned):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE,
                                   related_name="attachments")
    field = models.CharField(max_length=80)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=300)
    document = models.ForeignKey("cases.Document", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+")

    class Meta:
        ordering = ["submission", "pk"]


class Draft(TenantOwned):
    """A form being filled in by a signed-in resident; saved at every step."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="+")
    form_version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    page = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "resident"], name="draft_unique"),
        ]


class PendingSubmission(TenantOwned):
    """A submission without sign-in, waiting for its sender to confirm the e-mail address.
    Nothing is registered until then; unconfirmed ones expire."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    form_version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    data = models.JSONField()
    files = models.JSONField(default=list)
    form_token = models.CharField(max_length=64, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")


class MessageDirection(models.TextChoices):
    TO_RESIDENT = "to_resident", _("from the office")
    FROM_RESIDENT = "from_resident", _("from the resident")


class Message(TenantOwned):
    """A message in a matter, between the office and the resident."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE,
                                   related_name="messages")
    direction = models.CharField(max_length=20, choices=MessageDirection.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    text = models.TextField(_("message"))
    document = models.ForeignKey("cases.Document", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submission", "created_at", "pk"]
