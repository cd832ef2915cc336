"""The unanswered-matters watch: the legal clock of every matter (its deadline computed by
the law the matter falls under, ratusz.reports.deadlines), the handler's notices of delay
(KPA art. 36), the reminders sent, the residents' ponaglenia (KPA art. 37), the gmina's
settings; and the monthly report's recipients and the test inquiries."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import Department, TenantOwned, Unit
from ratusz.reports.models.partnerships import Partnership


class ClockKind(models.TextChoices):
    """Which rule gives the matter its deadline (ratusz.reports.deadlines)."""

    KPA = "kpa", _("administrative matter (KPA art. 35 § 3: one month)")
    COMPLEX = "complex", _("particularly complex matter (KPA art. 35 § 3: two months)")
    PUBLIC_INFORMATION = "public_information", _(
        "request for public information (u.d.i.p. art. 13: 14 days)")
    CERTIFICATE = "certificate", _("certificate (KPA art. 217 § 3: 7 days)")
    COMPLAINT = "complaint", _("complaint or motion (KPA art. 237 § 1: one month)")
    PETITION = "petition", _("petition (ustawa o petycjach art. 10: three months)")
    CASE_TYPE = "case_type", _("the case type's own deadline")
    SERVICE = "service", _("the deadline on the e-service's card")


class MatterClock(TenantOwned):
    """The legal clock of one case: when it started, the deadline the law gives it, the
    date a notice of delay (art. 36) set instead, and whether it is settled. Kept current by
    the EZD's events and a periodic reconciliation; holds codes and dates, no content."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="+")
    case_mark = models.CharField(max_length=60)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="+")
    jrwa_symbol = models.CharField(max_length=10)
    case_type = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=20, blank=True)
    service = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=20, choices=ClockKind.choices, default=ClockKind.KPA)
    starts_on = models.DateField()
    legal_deadline = models.DateField()
    #: The deadline in force: the legal one, or the new date of the last notice of delay.
    deadline = models.DateField()
    opened_on = models.DateField()
    settled_on = models.DateField(null=True, blank=True)
    #: Days from the start of the clock to the settlement (None while open).
    days_to_settle = models.PositiveIntegerField(null=True, blank=True)
    is_open = models.BooleanField(default=True)
    #: A test inquiry's matter: measured for the comparison, left out of the indicators.
    is_test = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["municipality", "is_open", "deadline"],
                         name="reports_clock_open"),
            models.Index(fields=["municipality", "settled_on"], name="reports_clock_settled"),
            models.Index(fields=["municipality", "opened_on"], name="reports_clock_opened"),
        ]

    @property
    def is_extended(self) -> bool:
        return self.deadline != self.legal_deadline


class AdjustmentKind(models.TextChoices):
    DELAY_NOTICE = "delay_notice", _("notice of delay with a new date (KPA art. 36)")
    COMPLEX = "complex", _("particularly complex matter (KPA art. 35 § 3)")


class ClockAdjustment(TenantOwned):
    """The handler's change of a matter's clock: a notice of delay to the parties with
    the reason and a new date (art. 36), or the finding that the matter is particularly
    complex. The watch counts from the newest."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=AdjustmentKind.choices)
    new_deadline = models.DateField()
    reason = models.TextField(max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    #: When the notice reached the case record and the resident's matter.
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]


class ReminderStage(models.TextChoices):
    BEFORE = "before", _("before the deadline (to the handler)")
    DUE = "due", _("on the deadline (to the head of department)")
    LATE = "late", _("after the deadline (to the secretary)")
    PONAGLENIE = "ponaglenie", _("a ponaglenie arrived (to the head and the secretary)")
    RESIDENT = "resident", _("after the deadline (to the resident, in the matter)")
    DIGEST = "digest", _("weekly digest of the department")


class WatchReminder(TenantOwned):
    """A reminder sent: one per matter, stage, deadline and person, so the watch run twice
    sends nothing twice (and a new date of an art. 36 notice starts the stages anew)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, null=True,
                                   blank=True, related_name="+")
    stage = models.CharField(max_length=12, choices=ReminderStage.choices)
    #: The deadline reminded of (for the weekly digest: the Monday of its week).
    deadline = models.DateField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "stage", "deadline", "recipient"],
                                    condition=models.Q(case__isnull=False),
                                    name="reports_reminder_once"),
            models.UniqueConstraint(fields=["department", "deadline", "recipient"],
                                    condition=models.Q(case__isnull=True),
                                    name="reports_digest_once"),
        ]


class WatchSettings(TenantOwned):
    """How the gmina's watch reminds: days before the deadline for the handler, days after
    it for the secretary, and the weekday of the departments' digest."""

    remind_days_before = models.PositiveSmallIntegerField(
        _("remind the handler this many days before the deadline"), default=5)
    escalate_days_after = models.PositiveSmallIntegerField(
        _("tell the secretary this many days after the deadline"), default=1)
    digest_weekday = models.PositiveSmallIntegerField(
        _("weekday of the weekly digest (0 = Monday)"), default=0)
    is_active = models.BooleanField(_("reminders are sent"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality"],
                                               name="reports_watch_settings_one")]


class Ponaglenie(TenantOwned):
    """A resident's ponaglenie (KPA art. 37) on a late matter: registered in the RPW like
    any incoming letter; the office forwards it within 7 days (art. 37 § 4)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    incoming = models.ForeignKey("cases.IncomingEntry", on_delete=models.PROTECT,
                                 related_name="+")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    forward_by = models.DateField()
    #: When the item was assigned to the case's department and the head and secretary told.
    routed_at = models.DateTimeField(null=True, blank=True)


class ReportRecipient(TenantOwned):
    """A staff member chosen to receive the monthly PDF report by e-mail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "user"],
                                               name="reports_recipient_unique")]


class MonthlyReportSent(TenantOwned):
    """The monthly report of a month was sent (sending again sends nothing)."""

    month = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "month"],
                                               name="reports_monthly_once")]


class InquiryStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    FILED = "filed", _("filed, awaiting the answer")
    ANSWERED = "answered", _("answered")
    FAILED = "failed", _("could not be filed")


class TestInquiry(TenantOwned):
    """A test inquiry: a general letter filed through the e-office from the flagged test
    account on a chosen day; its answer time is measured (the first letter sent in its
    case, or the case's settlement)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    scheduled_for = models.DateField()
    status = models.CharField(max_length=12, choices=InquiryStatus.choices,
                              default=InquiryStatus.SCHEDULED)
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    filed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_days = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["municipality", "status", "scheduled_for"],
                                name="reports_inquiry_due")]
