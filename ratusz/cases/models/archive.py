"""The archive: transfers to the office archive and disposal lists (brakowanie)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases.models.cases import Case
from ratusz.core.models import Department, TenantOwned, Unit


class DisposalStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted to the state archive")
    APPROVED = "approved", _("consent received")
    EXECUTED = "executed", _("records disposed of")


class DisposalList(TenantOwned):
    """A brakowanie list: non-archival cases past retention, for the state archive's consent."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    status = models.CharField(max_length=20, choices=DisposalStatus.choices,
                              default=DisposalStatus.DRAFT)
    consent_reference = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    executed_at = models.DateTimeField(null=True, blank=True)
    cases = models.ManyToManyField(Case, related_name="disposal_lists")


class ArchiveTransfer(TenantOwned):
    """Cases handed to the unit's archive (archiwum zakładowe) after two full years."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    cases = models.ManyToManyField(Case, related_name="archive_transfers")
