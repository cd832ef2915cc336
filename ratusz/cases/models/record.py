"""The case record (metryka sprawy): append-only, hash-chained."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases.models.cases import Case
from ratusz.cases.models.documents import Document
from ratusz.core.models import AppendOnlyQuerySet, TenantOwned


class CaseAction(models.TextChoices):
    OPENED = "opened", _("opened the case")
    ENTRY_ATTACHED = "entry_attached", _("attached an incoming item")
    ASSIGNED = "assigned", _("assigned the case")
    STATUS_CHANGED = "status_changed", _("changed the status")
    DOCUMENT_ADDED = "document_added", _("added a document")
    DOCUMENT_VERSION_ADDED = "document_version_added", _("added a new version of a document")
    NOTE_ADDED = "note_added", _("added a note")
    PARTY_ADDED = "party_added", _("added a party")
    LETTER_DRAFTED = "letter_drafted", _("drafted a letter")
    APPROVAL_REQUESTED = "approval_requested", _("sent a letter for approval")
    APPROVED = "approved", _("approved a letter")
    RETURNED = "returned", _("returned a letter for changes")
    LETTER_WITHDRAWN = "letter_withdrawn", _("took a letter back from approval to change it")
    SEALED = "sealed", _("sealed a letter")
    SENT = "sent", _("sent a letter")
    LINKED = "linked", _("linked a case")
    TRANSFERRED = "transferred", _("transferred the case")
    SETTLED = "settled", _("settled the case")
    CLOSED = "closed", _("closed the case")
    REOPENED = "reopened", _("reopened the case")
    ARCHIVED = "archived", _("transferred to the archive")
    DISPOSED = "disposed", _("disposed of the records")


class CaseRecordEntry(TenantOwned):
    """One row of the metryka sprawy. Append-only; each row's hash covers its content and
    the previous row's hash, so any later change breaks the chain."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="record")
    position = models.PositiveIntegerField()
    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    actor_name = models.CharField(max_length=200)
    actor_position = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=40, choices=CaseAction.choices)
    description = models.TextField()
    document = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    document_label = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["case", "position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"],
                                    name="case_record_position_unique"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The case record is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The case record is append-only")
