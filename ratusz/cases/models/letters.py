"""Outgoing letters, their approval path (akceptacja) and the outgoing register (RKW)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases.models.cases import Case
from ratusz.cases.models.documents import Document
from ratusz.cases.models.registers import AccessLevel
from ratusz.core.models import TenantOwned, Unit, ade_validator


class LetterStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    AWAITING_APPROVAL = "awaiting_approval", _("awaiting approval")
    RETURNED = "returned", _("returned for changes")
    APPROVED = "approved", _("approved")
    SEALED = "sealed", _("sealed")
    SENT = "sent", _("sent")


class SendingMethod(models.TextChoices):
    POST = "post", _("ordinary letter")
    REGISTERED_POST = "registered_post", _("registered letter with return receipt")
    E_DELIVERY = "e_delivery", _("e-Doręczenia")
    EPUAP = "epuap", _("ePUAP")
    RESIDENT_INBOX = "resident_inbox", _("Ratusz resident inbox")
    EMAIL = "email", _("e-mail")
    IN_PERSON = "in_person", _("handed over in person")


class OutgoingLetter(TenantOwned):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="letters")
    document = models.OneToOneField(Document, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="letter")
    template = models.CharField(max_length=80, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    status = models.CharField(max_length=20, choices=LetterStatus.choices,
                              default=LetterStatus.DRAFT)
    addressee_name = models.CharField(_("addressee"), max_length=300)
    addressee_address = models.CharField(_("address"), max_length=300)
    addressee_city = models.CharField(_("town"), max_length=120)
    addressee_country = models.CharField(max_length=60, default="Polska")
    sending_method = models.CharField(max_length=20, choices=SendingMethod.choices,
                                      default=SendingMethod.POST)
    #: The addressee's address for e-Doręczenia (ADE), when the letter goes by them.
    addressee_ade = models.CharField(_("address for e-Doręczenia (ADE)"), max_length=26,
                                     blank=True, validators=[ade_validator])
    #: The delivery as the module that carried the letter reports it
    #: (`services.record_letter_delivery`): status, sent_at, received_at, channel, reason,
    #: evidences [{kind, url}].
    delivery = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    letter_date = models.DateField(null=True, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.subject

    @property
    def is_editable(self) -> bool:
        """A draft, or returned for changes: in approval and later it is locked."""
        return self.status in (LetterStatus.DRAFT, LetterStatus.RETURNED)


class ApprovalDecision(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned")


class ApprovalStep(TenantOwned):
    letter = models.ForeignKey(OutgoingLetter, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    decision = models.CharField(max_length=20, choices=ApprovalDecision.choices,
                                default=ApprovalDecision.PENDING)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    round = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["round", "order"]


class OutgoingEntry(TenantOwned):
    """An item of the outgoing register (RKW)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=40)
    letter = models.OneToOneField(OutgoingLetter, on_delete=models.PROTECT,
                                  related_name="outgoing_entry")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=500)
    addressee_name = models.CharField(max_length=300)
    addressee_city = models.CharField(max_length=120)
    addressee_country = models.CharField(max_length=60, default="Polska")
    letter_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    sending_method = models.CharField(max_length=20, choices=SendingMethod.choices)
    responsible_name = models.CharField(max_length=200)
    responsible_position = models.CharField(max_length=200)
    access_level = models.CharField(max_length=20, choices=AccessLevel.choices,
                                    default=AccessLevel.PUBLIC)
    attachments_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "unit", "year", "sequence"],
                                    name="rkw_number_unique"),
        ]

    def __str__(self) -> str:
        return self.number
