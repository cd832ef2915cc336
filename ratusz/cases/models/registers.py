"""The registers: the incoming register (RPW) with its senders and assignments
(dekretacja), the automatic routing rules, and the gapless counters every number comes from."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import Department, TenantOwned, Unit, ade_validator

partial_date_validator = RegexValidator(
    r"^\d{4}(-\d{2}(-\d{2})?)?$", _("Give the date as YYYY-MM-DD, YYYY-MM or YYYY.")
)


class Counter(TenantOwned):
    """A gapless sequence, e.g. the RPW of one unit in one year. Locked while used."""

    scope = models.CharField(max_length=120)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "scope", "year"],
                                    name="counter_unique"),
        ]




class Channel(models.TextChoices):
    POST = "post", _("ordinary letter")
    REGISTERED_POST = "registered_post", _("registered letter")
    COURIER = "courier", _("courier")
    IN_PERSON = "in_person", _("in person at the office")
    EMAIL = "email", _("e-mail")
    EPUAP = "epuap", _("ESP / ePUAP")
    E_DELIVERY = "e_delivery", _("e-Doręczenia")
    ESERVICE = "eservice", _("Ratusz e-service")
    FAX = "fax", _("fax")
    OTHER = "other", _("other")


class AccessLevel(models.TextChoices):
    PUBLIC = "public", _("public – available in full")
    PARTLY_PUBLIC = "partly_public", _("public – available in part")
    NON_PUBLIC = "non_public", _("non-public")


class DcmiType(models.TextChoices):
    TEXT = "Text", "Text"
    STILL_IMAGE = "StillImage", "StillImage"
    DATASET = "Dataset", "Dataset"
    MOVING_IMAGE = "MovingImage", "MovingImage"
    SOUND = "Sound", "Sound"
    PHYSICAL_OBJECT = "PhysicalObject", "PhysicalObject"
    SOFTWARE = "Software", "Software"
    COLLECTION = "Collection", "Collection"


class IncomingStatus(models.TextChoices):
    REGISTERED = "registered", _("registered")
    ASSIGNED = "assigned", _("assigned")
    IN_CASE = "in_case", _("in a case")
    ANNULLED = "annulled", _("annulled")


class IncomingEntry(TenantOwned):
    """An item of the incoming register (RPW), with the minimum metadata set."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    number = models.CharField(_("RPW number"), max_length=40)
    title = models.CharField(_("title"), max_length=500)
    letter_date = models.CharField(_("date of the letter"), max_length=10,
                                   validators=[partial_date_validator])
    posted_on = models.DateField(_("date posted"), null=True, blank=True)
    received_on = models.DateField(_("date received"))
    registered_at = models.DateTimeField(default=timezone.now)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")
    channel = models.CharField(_("delivery method"), max_length=20, choices=Channel.choices)
    sender_reference = models.CharField(_("sender's reference"), max_length=120, blank=True)
    document_type = models.CharField(_("document type"), max_length=80, blank=True)
    access_level = models.CharField(_("access"), max_length=20, choices=AccessLevel.choices,
                                    default=AccessLevel.PUBLIC)
    attachments_count = models.PositiveSmallIntegerField(_("number of attachments"), default=0)
    data_format = models.CharField(_("format"), max_length=80, blank=True)
    dcmi_type = models.CharField(max_length=20, choices=DcmiType.choices, default=DcmiType.TEXT)
    remarks = models.TextField(_("remarks"), blank=True)
    is_unopened = models.BooleanField(_("registered unopened"), default=False)
    unopened_reason = models.CharField(max_length=120, blank=True)
    is_fully_scanned = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=IncomingStatus.choices,
                              default=IncomingStatus.REGISTERED)
    annulled_at = models.DateTimeField(null=True, blank=True)
    annulled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    annulment_reason = models.TextField(blank=True)
    #: A retried registration with the same key returns the first entry: the caller's
    #: scoped key (`ratusz.core.idempotency.scoped_key`), never the raw header.
    idempotency_key = models.CharField(max_length=80, blank=True)
    #: The digest of the first request's body: the same key with another body conflicts.
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, default="")
    #: The e-service that produced the entry, if any (slug of the service card).
    service = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-year", "-sequence"]
        verbose_name = _("incoming entry")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "unit", "year", "sequence"],
                                    name="rpw_number_unique"),
            models.UniqueConstraint(fields=["municipality", "idempotency_key"],
                                    condition=~models.Q(idempotency_key=""),
                                    name="rpw_idempotency_unique"),
        ]
        indexes = [models.Index(fields=["municipality", "unit", "received_on"]),
                   models.Index(fields=["municipality", "status"])]

    def __str__(self) -> str:
        return self.number


class PartyKind(models.TextChoices):
    PERSON = "person", _("person")
    ORGANISATION = "organisation", _("organisation")


class Correspondent(models.Model):
    """A sender of an incoming entry, an addressee of an outgoing one, or a case party."""

    kind = models.CharField(max_length=20, choices=PartyKind.choices)
    organisation_name = models.CharField(_("organisation"), max_length=300, blank=True)
    first_name = models.CharField(_("first name"), max_length=120, blank=True)
    last_name = models.CharField(_("last name"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("town"), max_length=120, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    building = models.CharField(_("building"), max_length=20, blank=True)
    flat = models.CharField(_("flat"), max_length=20, blank=True)
    po_box = models.CharField(max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=60, default="Polska")
    email = models.EmailField(blank=True)
    #: The address for e-Doręczenia (ADE), when known.
    ade = models.CharField(_("address for e-Doręczenia (ADE)"), max_length=26, blank=True,
                           validators=[ade_validator])

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == PartyKind.ORGANISATION:
            return self.organisation_name
        return f"{self.first_name} {self.last_name}".strip()


class IncomingSender(Correspondent, TenantOwned):
    entry = models.ForeignKey(IncomingEntry, on_delete=models.CASCADE, related_name="senders")


class Assignment(TenantOwned):
    """A dekretacja: who must handle an entry (or a case), with instructions and a deadline.

    Re-assignment appends a new row that `supersedes` the old; its deadline can never be
    later than the first assignment's."""

    entry = models.ForeignKey(IncomingEntry, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="assignments")
    case = models.ForeignKey("Case", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    to_department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+")
    is_leading = models.BooleanField(default=True)
    instructions = models.TextField(blank=True)
    due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    supersedes = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    is_current = models.BooleanField(default=True)
    #: Made by a routing rule rather than a person.
    rule = models.ForeignKey("RoutingRule", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_department__isnull=False) | models.Q(to_user__isnull=False),
                name="assignment_has_a_target",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "to_department", "is_current"]),
                   models.Index(fields=["municipality", "to_user", "is_current"])]


class RoutingRule(TenantOwned):
    """Automatic dekretacja: entries matching the rule go to a department or person."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    priority = models.PositiveSmallIntegerField(default=100)
    match_channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    match_sender_contains = models.CharField(max_length=200, blank=True)
    match_service = models.CharField(max_length=120, blank=True)
    match_title_contains = models.CharField(max_length=200, blank=True)
    to_department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+")
    instructions = models.TextField(blank=True)
    deadline_days = models.PositiveSmallIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name
