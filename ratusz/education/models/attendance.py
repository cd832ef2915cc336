"""Attendance, meals and fees of preschools: the institution's fee policy (the council's
resolution) and meal plans, a child's attendance agreement (declared hours, meal plan, the
dates of its place), absences reported by parents, arrivals and departures recorded by
staff, and the monthly statements (a correction is a new version, never an edit)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ratusz.core.models import TenantOwned
from ratusz.education import fees
from ratusz.education.models.institutions import Child, Enrolment, Institution


class DeductionRule(models.TextChoices):
    CANCELLED_IN_TIME = fees.DEDUCT_CANCELLED_IN_TIME, _(
        "meals of days cancelled before the cut-off hour are not charged")
    EVERY_ABSENCE = fees.DEDUCT_EVERY_ABSENCE, _("meals of every day of absence are not charged")


class FeePolicy(TenantOwned):
    """An institution's fees as the council's resolution and the director set them."""

    institution = models.OneToOneField(Institution, on_delete=models.CASCADE,
                                       related_name="fee_policy",
                                       verbose_name=_("institution"))
    free_hours = models.PositiveSmallIntegerField(
        _("free hours a day"), default=5, validators=[MinValueValidator(5)])
    hourly_rate = models.PositiveIntegerField(_("hourly rate (grosze)"), default=144)
    resolution = models.CharField(_("council's resolution"), max_length=200, blank=True)
    cutoff = models.TimeField(_("cut-off hour for absences"), default=datetime.time(8, 0))
    deduction_rule = models.CharField(_("deduction for absences"), max_length=20,
                                      choices=DeductionRule.choices,
                                      default=DeductionRule.CANCELLED_IN_TIME)
    payment_day = models.PositiveSmallIntegerField(
        _("due on this day of the next month"), default=15)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("fee policy")
        verbose_name_plural = _("fee policies")
        constraints = [
            models.CheckConstraint(condition=models.Q(free_hours__gte=5),
                                   name="education_fee_policy_free_hours_min"),
            models.CheckConstraint(condition=models.Q(payment_day__gte=1, payment_day__lte=28),
                                   name="education_fee_policy_payment_day"),
        ]

    def __str__(self) -> str:
        return str(self.institution)


class MealPlan(TenantOwned):
    """A set of meals at the cost of its food per day (the director with the organ)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE,
                                    related_name="meal_plans", verbose_name=_("institution"))
    name = models.CharField(_("name"), max_length=100)
    daily_cost = models.PositiveIntegerField(_("food cost a day (grosze)"))

    class Meta:
        ordering = ["institution", "name"]
        verbose_name = _("meal plan")
        verbose_name_plural = _("meal plans")
        constraints = [models.UniqueConstraint(fields=["institution", "name"],
                                               name="education_meal_plan_unique")]

    def __str__(self) -> str:
        return self.name


class AttendanceAgreement(TenantOwned):
    """A child's stay at an institution: the hours the parent declared, the meal plan, who
    pays, the dates of the place, and the reliefs the organ granted."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="agreements",
                              verbose_name=_("child"))
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="agreements", verbose_name=_("institution"))
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("enrolment"))
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+",
                              verbose_name=_("parent who pays"))
    group = models.CharField(_("group"), max_length=60, blank=True)
    declared_from = models.TimeField(_("declared from"))
    declared_until = models.TimeField(_("declared until"))
    meal_plan = models.ForeignKey(MealPlan, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("meal plan"))
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"))
    stay_exempt = models.BooleanField(_("exempt from the stay fee"), default=False)
    meals_waived = models.BooleanField(_("meal fee waived"), default=False)
    relief_basis = models.CharField(_("basis of the relief"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["institution", "group", "child__last_name", "child__first_name"]
        verbose_name = _("attendance agreement")
        verbose_name_plural = _("attendance agreements")
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_until__gte=models.F("valid_from")),
                                   name="education_agreement_dates"),
            models.CheckConstraint(
                condition=models.Q(declared_until__gt=models.F("declared_from")),
                name="education_agreement_hours"),
        ]
        indexes = [models.Index(fields=["municipality", "institution", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.child} – {self.institution}"

    def covers(self, day: datetime.date) -> bool:
        return self.valid_from <= day <= self.valid_until


class AbsenceSource(models.TextChoices):
    PARENT = "parent", _("reported by the parent")
    STAFF = "staff", _("recorded by staff")


class Absence(TenantOwned):
    """A day the child does not come; meals cancelled only when reported before the
    institution's cut-off hour (`in_time`)."""

    agreement = models.ForeignKey(AttendanceAgreement, on_delete=models.PROTECT,
                                  related_name="absences", verbose_name=_("agreement"))
    day = models.DateField(_("day"))
    meals_cancelled = models.BooleanField(_("meals cancelled"), default=False)
    in_time = models.BooleanField(_("reported before the cut-off"), default=False)
    source = models.CharField(_("source"), max_length=10, choices=AbsenceSource.choices)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("reported by"))
    reported_at = models.DateTimeField(_("reported at"))

    class Meta:
        ordering = ["agreement", "day"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [models.UniqueConstraint(fields=["agreement", "day"],
                                               name="education_absence_one_a_day")]


class Presence(TenantOwned):
    """The child's actual arrival and departure on a day, recorded by staff."""

    agreement = models.ForeignKey(AttendanceAgreement, on_delete=models.PROTECT,
                                  related_name="presences", verbose_name=_("agreement"))
    day = models.DateField(_("day"))
    arrived_at = models.TimeField(_("arrived at"))
    departed_at = models.TimeField(_("left at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))

    class Meta:
        ordering = ["agreement", "day"]
        verbose_name = _("presence")
        verbose_name_plural = _("presences")
        constraints = [models.UniqueConstraint(fields=["agreement", "day"],
                                               name="education_presence_one_a_day")]


class StatementStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("fee statement", "draft")
    ISSUED = "issued", pgettext_lazy("fee statement", "issued")


class FeeStatement(TenantOwned):
    """A child's fees for a month. Issued ones never change: a later recomputation that
    differs is a new version (`corrects` the previous), charging or crediting the
    difference."""

    agreement = models.ForeignKey(AttendanceAgreement, on_delete=models.PROTECT,
                                  related_name="statements", verbose_name=_("agreement"))
    month = models.DateField(_("month"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    corrects = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="correction", verbose_name=_("corrects"))
    status = models.CharField(_("status"), max_length=10, choices=StatementStatus.choices,
                              default=StatementStatus.DRAFT)
    lines = models.JSONField(_("lines"), default=list)
    stay_amount = models.IntegerField(_("stay (grosze)"))
    meals_amount = models.IntegerField(_("meals (grosze)"))
    total = models.IntegerField(_("total (grosze)"))
    due_date = models.DateField(_("due date"))
    computed_at = models.DateTimeField(_("computed at"))
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("issued by"))

    class Meta:
        ordering = ["-month", "agreement", "-version"]
        verbose_name = _("fee statement")
        verbose_name_plural = _("fee statements")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "month", "version"],
                                    name="education_statement_version_unique"),
            models.CheckConstraint(condition=models.Q(month__day=1),
                                   name="education_statement_month_first_day"),
        ]
        indexes = [models.Index(fields=["municipality", "month", "status"])]

    def __str__(self) -> str:
        return f"{self.agreement.child} {self.month:%m.%Y} v{self.version}"

    def external_id(self, kind: str) -> str:
        """The payments obligation of this version's `kind` ("stay" or "meals")."""
        return f"education.statement:{self.pk}:{kind}"
