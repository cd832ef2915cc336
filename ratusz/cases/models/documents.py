"""Documents of a case (or of a registered item) and their versions."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases.models.cases import Case
from ratusz.cases.models.registers import AccessLevel, IncomingEntry
from ratusz.core.models import TenantOwned


class DocumentKind(models.TextChoices):
    INCOMING = "incoming", _("incoming")
    OUTGOING = "outgoing", _("outgoing")
    INTERNAL = "internal", _("internal")
    NOTE = "note", _("official note")
    SCAN = "scan", _("scan")


class Document(TenantOwned):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="documents")
    incoming = models.ForeignKey(IncomingEntry, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="documents")
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    access_level = models.CharField(max_length=20, choices=AccessLevel.choices,
                                    default=AccessLevel.PUBLIC)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self):
        return self.versions.order_by("-number").first()


class SignatureStatus(models.TextChoices):
    NONE = "none", _("not signed")
    VALID = "valid", _("valid signature")
    INVALID = "invalid", _("invalid signature")
    UNVERIFIED = "unverified", _("could not be verified")


class DocumentVersion(TenantOwned):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    text = models.TextField(blank=True)
    signature_status = models.CharField(max_length=20, choices=SignatureStatus.choices,
                                        default=SignatureStatus.NONE)
    signature_report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_version_unique"),
        ]
