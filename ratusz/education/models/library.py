"""School libraries (biblioteka szkolna, Prawo oświatowe art. 104): a school's catalogue
of bibliographic records (imported from MARC21 or entered by hand), the copies on its
shelves, its readers (pupils, their parents, teachers) with reader cards, loans and
returns, reservations with a pick-up notice and an expiry, and the overdue reminders
sent. Every table is the gmina's (TenantOwned); the library belongs to a school."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ratusz.core.models import TenantOwned
from ratusz.education.models.institutions import Child, Institution


class Library(TenantOwned):
    """The library of one school, with its loan period and pick-up time."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("school"))
    name = models.CharField(_("name"), max_length=200)
    loan_days = models.PositiveSmallIntegerField(_("loan period (days)"), default=30)
    pickup_days = models.PositiveSmallIntegerField(
        _("days to pick up a reserved book"), default=7)
    reminder_days = models.PositiveSmallIntegerField(
        _("days between overdue reminders"), default=7)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["municipality", "name"]
        verbose_name = _("school library")
        verbose_name_plural = _("school libraries")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "institution"],
                                    name="education_library_one_per_school"),
        ]

    def __str__(self) -> str:
        return self.name


class BibRecord(TenantOwned):
    """A bibliographic record of a library's catalogue. `control_number` (MARC 001) and
    the ISBN find it again on re-import; `marc` keeps the record as imported (ISO 2709);
    `search_text` is title, author, ISBN and subjects folded to lower case without
    Polish diacritics (what the catalogue search matches)."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="records",
                                verbose_name=_("library"))
    control_number = models.CharField(_("control number (MARC 001)"), max_length=64,
                                      blank=True)
    isbn = models.CharField(_("ISBN"), max_length=13, blank=True)
    title = models.CharField(_("title"), max_length=500)
    author = models.CharField(_("author"), max_length=300, blank=True)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(_("year of publication"), null=True, blank=True)
    subjects = models.CharField(_("subjects"), max_length=1000, blank=True)
    marc = models.BinaryField(_("MARC21 record as imported"), blank=True, default=b"")
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["municipality", "title", "id"]
        verbose_name = _("bibliographic record")
        verbose_name_plural = _("bibliographic records")
        constraints = [
            models.UniqueConstraint(fields=["library", "control_number"],
                                    condition=~Q(control_number=""),
                                    name="education_bibrecord_control_unique"),
            models.UniqueConstraint(fields=["library", "isbn"], condition=~Q(isbn=""),
                                    name="education_bibrecord_isbn_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class CopyStatus(models.TextChoices):
    AVAILABLE = "available", pgettext_lazy("library copy", "on the shelf")
    ON_LOAN = "on_loan", pgettext_lazy("library copy", "on loan")
    ON_HOLD = "on_hold", pgettext_lazy("library copy", "set aside for a reservation")
    WITHDRAWN = "withdrawn", pgettext_lazy("library copy", "withdrawn")


class Copy(TenantOwned):
    """A copy of a record on a library's shelf, known by its inventory number."""

    record = models.ForeignKey(BibRecord, on_delete=models.PROTECT, related_name="copies",
                               verbose_name=_("record"))
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("library"))
    inventory_number = models.CharField(_("inventory number"), max_length=40)
    location = models.CharField(_("location (shelf)"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CopyStatus.choices,
                              default=CopyStatus.AVAILABLE)

    class Meta:
        ordering = ["municipality", "library", "inventory_number"]
        verbose_name = _("copy")
        verbose_name_plural = _("copies")
        constraints = [
            models.UniqueConstraint(fields=["library", "inventory_number"],
                                    name="education_copy_inventory_unique"),
        ]

    def __str__(self) -> str:
        return self.inventory_number


class ReaderKind(models.TextChoices):
    PUPIL = "pupil", _("pupil")
    TEACHER = "teacher", _("teacher")
    PARENT = "parent", _("parent")
    OTHER = "other", pgettext_lazy("library reader", "other reader")


class Reader(TenantOwned):
    """A reader of a library with a reader card. A pupil is a `Child` of the gmina (its
    notices go to its parents' channels); `user` is the resident account of the reader
    or of the pupil's parent, when there is one."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="readers",
                                verbose_name=_("library"))
    card_number = models.CharField(_("reader card number"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=ReaderKind.choices)
    name = models.CharField(_("name"), max_length=200)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("pupil"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+",
                             verbose_name=_("resident account (reader or parent)"))
    email = models.EmailField(_("e-mail for notices"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["municipality", "library", "card_number"]
        verbose_name = _("reader")
        verbose_name_plural = _("readers")
        constraints = [
            models.UniqueConstraint(fields=["library", "card_number"],
                                    name="education_reader_card_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.card_number})"


class Loan(TenantOwned):
    """A copy lent to a reader; open while `returned_on` is empty (one per copy)."""

    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="loans",
                             verbose_name=_("copy"))
    reader = models.ForeignKey(Reader, on_delete=models.PROTECT, related_name="loans",
                               verbose_name=_("reader"))
    loaned_on = models.DateField(_("loaned on"))
    due_on = models.DateField(_("due on"))
    returned_on = models.DateField(_("returned on"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "due_on", "id"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        constraints = [
            models.UniqueConstraint(fields=["copy"], condition=Q(returned_on__isnull=True),
                                    name="education_loan_one_open_per_copy"),
        ]
        indexes = [models.Index(fields=["municipality", "returned_on", "due_on"])]

    def __str__(self) -> str:
        return f"{self.copy} → {self.reader}"


class ReservationState(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("reservation", "waiting for a copy")
    READY = "ready", pgettext_lazy("reservation", "ready for pick-up")
    COLLECTED = "collected", pgettext_lazy("reservation", "collected")
    EXPIRED = "expired", pgettext_lazy("reservation", "expired")
    CANCELLED = "cancelled", pgettext_lazy("reservation", "cancelled")


ACTIVE_RESERVATION = (ReservationState.WAITING, ReservationState.READY)


class Reservation(TenantOwned):
    """A reader's reservation of a record; when a copy is returned or set aside it becomes
    ready (the copy held for it) until `pickup_until`, then it expires."""

    record = models.ForeignKey(BibRecord, on_delete=models.PROTECT,
                               related_name="reservations", verbose_name=_("record"))
    reader = models.ForeignKey(Reader, on_delete=models.PROTECT, related_name="reservations",
                               verbose_name=_("reader"))
    state = models.CharField(_("state"), max_length=20, choices=ReservationState.choices,
                             default=ReservationState.WAITING)
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("copy set aside"))
    ready_on = models.DateField(_("ready for pick-up on"), null=True, blank=True)
    pickup_until = models.DateField(_("to be picked up by"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "placed_at", "id"]
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.UniqueConstraint(fields=["record", "reader"],
                                    condition=Q(state__in=["waiting", "ready"]),
                                    name="education_reservation_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.record} – {self.reader}"


class OverdueReminder(TenantOwned):
    """A reminder of an overdue loan, sent once on `sent_on`."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="reminders",
                             verbose_name=_("loan"))
    sent_on = models.DateField(_("sent on"))

    class Meta:
        ordering = ["municipality", "sent_on", "id"]
        verbose_name = _("overdue reminder")
        verbose_name_plural = _("overdue reminders")
        constraints = [
            models.UniqueConstraint(fields=["loan", "sent_on"],
                                    name="education_overdue_reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.loan} ({self.sent_on})"
