"""Cases (sprawy) with their marks, parties and links between cases."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases.models.jrwa import JrwaClass, jrwa_symbol_validator
from ratusz.cases.models.registers import AccessLevel, Correspondent, IncomingEntry
from ratusz.core.models import Department, TenantOwned, Unit


class CaseStatus(models.TextChoices):
    NEW = "new", _("new")
    IN_PROGRESS = "in_progress", _("in progress")
    AWAITING_PARTY = "awaiting_party", _("awaiting the party")
    AWAITING_APPROVAL = "awaiting_approval", _("awaiting approval")
    SETTLED = "settled", _("settled")
    CLOSED = "closed", _("closed")


OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_PARTY,
                 CaseStatus.AWAITING_APPROVAL, CaseStatus.SETTLED)


class CaseType(TenantOwned):
    """Defaults for a kind of case: its JRWA class and statutory deadline."""

    name = models.CharField(_("name"), max_length=200)
    jrwa_symbol = models.CharField(max_length=10, validators=[jrwa_symbol_validator])
    deadline_days = models.PositiveSmallIntegerField(default=30)

    def __str__(self) -> str:
        return self.name


class Case(TenantOwned):
    """A sprawa with its mark `<department>.<JRWA>.<n>[.<m>].<yyyy>`."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    jrwa_class = models.ForeignKey(JrwaClass, on_delete=models.PROTECT, related_name="+")
    jrwa_symbol = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    #: For a case in a sub-series (podteczka): `sequence` is the group, this its number.
    sub_sequence = models.PositiveIntegerField(null=True, blank=True)
    mark = models.CharField(_("case mark"), max_length=60)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices,
                              default=CaseStatus.NEW)
    access_level = models.CharField(max_length=20, choices=AccessLevel.choices,
                                    default=AccessLevel.PUBLIC)
    case_type = models.ForeignKey(CaseType, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+", verbose_name=_("case handler"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    incoming = models.ForeignKey(IncomingEntry, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="cases")
    settled_on = models.DateField(_("settlement date"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    archival_category = models.CharField(max_length=6, blank=True)
    retention_until = models.DateField(null=True, blank=True)
    archive_transfer_due = models.DateField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    disposed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    #: A retried opening through the API with the same key returns the first case: the
    #: caller's scoped key (`ratusz.core.idempotency.scoped_key`), never the raw header.
    idempotency_key = models.CharField(max_length=80, blank=True, default="")
    #: The digest of the first request's body: the same key with another body conflicts.
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "mark"], name="case_mark_unique"),
            models.UniqueConstraint(fields=["municipality", "idempotency_key"],
                                    condition=~models.Q(idempotency_key=""),
                                    name="case_idempotency_unique"),
            models.UniqueConstraint(
                fields=["municipality", "department", "jrwa_symbol", "year", "sequence"],
                condition=models.Q(sub_sequence__isnull=True), name="case_number_unique",
            ),
            models.UniqueConstraint(
                fields=["municipality", "department", "jrwa_symbol", "year", "sequence",
                        "sub_sequence"],
                condition=models.Q(sub_sequence__isnull=False), name="case_sub_number_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "department", "status", "-opened_at"]),
            models.Index(fields=["municipality", "handler", "status"]),
            models.Index(fields=["municipality", "deadline"]),
            models.Index(fields=["municipality", "jrwa_symbol", "year"]),
            # Newest first: lets a list of a department (or a handler) read the newest cases
            # and stop at the page size instead of sorting all of them.
            models.Index(fields=["municipality", "-opened_at", "-id"], name="case_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.mark

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseParty(Correspondent, TenantOwned):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=80, default="strona")


class CaseLinkKind(models.TextChoices):
    RELATED = "related", _("related")
    TRANSFERRED = "transferred", _("transferred to")
    REOPENED = "reopened", _("reopened as")


class CaseLink(TenantOwned):
    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=CaseLinkKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_case", "to_case", "kind"],
                                    name="case_link_unique"),
        ]
