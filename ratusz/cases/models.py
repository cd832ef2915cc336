"""Electronic document management (EZD) by the instrukcja kancelaryjna.

Registers (RPW incoming, RKW outgoing), the JRWA classification, cases with their marks,
assignments (dekretacja), documents with versions, approvals (akceptacja), the hash-chained
case record (metryka sprawy) and the archive (retention, disposal, transfer).
Every table is tenant-owned; numbers come from `Counter` rows locked in the transaction
that uses them, so they are gapless and unique.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import AppendOnlyQuerySet, Department, TenantOwned, Unit

archival_category_validator = RegexValidator(
    r"^(A|B\d{1,3}|BE\d{1,3}|Bc)$", _("An archival category is A, Bn, BEn or Bc.")
)
jrwa_symbol_validator = RegexValidator(r"^\d{1,10}$", _("A JRWA symbol is 1 to 10 digits."))
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


# --- JRWA -------------------------------------------------------------------------------

class JrwaVersion(TenantOwned):
    """One imported edition of the JRWA used by a unit. Read-only once imported; a new
    import makes a new version and the unit switches to it."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=300, blank=True)
    checksum = models.CharField(max_length=64)
    imported_at = models.DateTimeField(default=timezone.now)
    is_current = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=models.Q(is_current=True),
                                    name="jrwa_one_current_version_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.imported_at:%Y-%m-%d})"


class JrwaClass(TenantOwned):
    """A class of the JRWA: symbol (its length is its level), title and, for final
    classes, the archival category."""

    version = models.ForeignKey(JrwaVersion, on_delete=models.CASCADE, related_name="classes")
    symbol = models.CharField(_("symbol"), max_length=10, validators=[jrwa_symbol_validator])
    title = models.CharField(_("title"), max_length=500)
    category = models.CharField(_("archival category"), max_length=6, blank=True,
                                validators=[archival_category_validator])
    other_units_category = models.CharField(max_length=6, blank=True)
    is_final = models.BooleanField(_("is final"), default=False)
    remarks = models.TextField(_("remarks"), blank=True)
    is_verified = models.BooleanField(default=False)

    class Meta:
        ordering = ["symbol"]
        constraints = [
            models.UniqueConstraint(fields=["version", "symbol"], name="jrwa_symbol_unique"),
            models.CheckConstraint(condition=~models.Q(is_final=True, category=""),
                                   name="jrwa_final_class_has_category"),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} {self.title}"

    @property
    def level(self) -> int:
        return len(self.symbol)


# --- Registers --------------------------------------------------------------------------

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
    #: A retried registration with the same key returns the first entry.
    idempotency_key = models.CharField(max_length=80, blank=True)
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


# --- Cases ------------------------------------------------------------------------------

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

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "mark"], name="case_mark_unique"),
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


# --- Documents --------------------------------------------------------------------------

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


# --- Outgoing letters, approvals, RKW ---------------------------------------------------

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
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    letter_date = models.DateField(null=True, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.subject


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


# --- The case record (metryka sprawy) ---------------------------------------------------

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


# --- Archive ----------------------------------------------------------------------------

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
