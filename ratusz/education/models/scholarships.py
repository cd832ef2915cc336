"""Social help for pupils (u.s.o. art. 90b–90n): the gmina's regulation (regulamin) with
its income tiers, the matter opened on an e-service submission (stypendium szkolne,
zasiłek szkolny) with the household's members and incomes, and the payout lines the
finance department pays ("an obligation in reverse")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ratusz.cases.models import Case
from ratusz.core.models import TenantOwned
from ratusz.eservices.models import Submission


class ScholarshipRegulation(TenantOwned):
    """The council's regulation in force from `effective_from`: the statutory figures it
    applies and its tiers (`[{"up_to": grosze, "amount": grosze}]`, income per person up
    to `up_to` gets `amount` a month). A new version is a new row; none is edited."""

    effective_from = models.DateField(_("in force from"))
    resolution = models.CharField(_("council resolution"), max_length=200)
    income_threshold = models.PositiveIntegerField(_("income threshold per person (grosze)"))
    family_allowance = models.PositiveIntegerField(_("family allowance (grosze)"))
    tiers = models.JSONField(_("tiers"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("scholarship regulation")
        verbose_name_plural = _("scholarship regulations")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "effective_from"],
                                    name="education_regulation_date_unique"),
        ]


class HelpKind(models.TextChoices):
    SCHOLARSHIP = "scholarship", _("school scholarship")
    ALLOWANCE = "allowance", _("school allowance")


class HelpStatus(models.TextChoices):
    OPEN = "open", _("income test in progress")
    GRANTED = "granted", _("granted")
    REFUSED = "refused", _("refused")


class HelpApplication(TenantOwned):
    """A pupil's matter of social help opened by the clerk on a submission of the
    e-service (one matter per submission), handled in the submission's case."""

    submission = models.OneToOneField(Submission, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("submission"))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=HelpKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=HelpStatus.choices,
                              default=HelpStatus.OPEN)
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    applicant_name = models.CharField(_("applicant"), max_length=300)
    pupil_name = models.CharField(_("pupil"), max_length=200)
    pupil_pesel = models.CharField(_("pupil's PESEL"), max_length=11, blank=True)
    school = models.CharField(_("school"), max_length=300, blank=True)
    applied_on = models.DateField(_("applied on"))
    school_year = models.PositiveSmallIntegerField(_("school year (first year)"))
    income_month = models.DateField(_("income month"))
    event_on = models.DateField(_("date of the event"), null=True, blank=True)
    recipient_account = models.CharField(_("recipient's account"), max_length=26, blank=True)
    #: The income test's result, written with the household (None until it is entered).
    income_per_person = models.PositiveIntegerField(null=True, blank=True)
    eligible = models.BooleanField(null=True, blank=True)
    regulation = models.ForeignKey(ScholarshipRegulation, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    monthly_amount = models.PositiveIntegerField(null=True, blank=True)
    first_month = models.DateField(null=True, blank=True)
    month_count = models.PositiveSmallIntegerField(null=True, blank=True)
    decision_text = models.TextField(blank=True)
    decision_letter_id = models.PositiveIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-applied_on", "-pk"]
        verbose_name = _("social help application")
        verbose_name_plural = _("social help applications")
        indexes = [models.Index(fields=["municipality", "status"]),
                   models.Index(fields=["resident"])]

    @property
    def total_amount(self) -> int:
        if self.monthly_amount is None:
            return 0
        return self.monthly_amount * (self.month_count or 1)


class IncomeSource(models.TextChoices):
    EMPLOYMENT = "employment", _("employment")
    BUSINESS = "business", _("business activity")
    PENSION = "pension", _("pension")
    BENEFITS = "benefits", _("benefits")
    ALIMONY = "alimony", _("alimony")
    FARM = "farm", _("farm")
    OTHER = "other", _("other")


class HouseholdMember(TenantOwned):
    application = models.ForeignKey(HelpApplication, on_delete=models.CASCADE,
                                    related_name="members")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=60)
    pesel = models.CharField(_("PESEL"), max_length=11, blank=True)
    is_pupil = models.BooleanField(_("the pupil"), default=False)

    class Meta:
        ordering = ["application", "position"]
        constraints = [
            models.UniqueConstraint(fields=["application", "position"],
                                    name="education_member_position_unique"),
        ]


class MemberIncome(TenantOwned):
    member = models.ForeignKey(HouseholdMember, on_delete=models.CASCADE,
                               related_name="incomes")
    source = models.CharField(_("source"), max_length=20, choices=IncomeSource.choices)
    net_amount = models.PositiveIntegerField(_("net monthly income (grosze)"))

    class Meta:
        ordering = ["member", "source"]
        constraints = [
            models.UniqueConstraint(fields=["member", "source"],
                                    name="education_income_source_unique"),
        ]


class PayoutLine(TenantOwned):
    """One payment the finance department makes in `month`. A paid line is never changed:
    a correction is a new line (`corrects`) with the difference, negative to recover."""

    application = models.ForeignKey(HelpApplication, on_delete=models.PROTECT,
                                    related_name="payouts")
    month = models.DateField(_("month"))
    amount = models.IntegerField(_("amount (grosze)"))
    recipient_name = models.CharField(_("recipient"), max_length=300)
    pupil_name = models.CharField(_("pupil"), max_length=200)
    account = models.CharField(_("account"), max_length=26, blank=True)
    title = models.CharField(_("title"), max_length=200)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="corrections")
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["month", "pk"]
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")
        indexes = [models.Index(fields=["municipality", "month"])]
