"""The organisation sheet (arkusz organizacji) of a school for a school year: its versions
(the original and the annexes, each frozen once sent), the divisions with their weekly
hours by subject, the hours beyond the framework plan, the teachers, and the path of each
version — comments, opinions, the wójt's approval, every step on record. The gmina's
rates turn the hours into a cost estimate. Rules: ratusz/education/sheet_rules.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ratusz.core.models import TenantOwned
from ratusz.education.models.institutions import Institution
from ratusz.education.sheet_rules import ADDITIONAL_KINDS, SUBJECTS


class OrganisationSheet(TenantOwned):
    """A school's sheet for the school year starting in `school_year`."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="sheets", verbose_name=_("institution"))
    school_year = models.PositiveSmallIntegerField(_("school year (first year)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["municipality", "-school_year", "institution"]
        verbose_name = _("organisation sheet")
        verbose_name_plural = _("organisation sheets")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "institution", "school_year"],
                                    name="education_sheet_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.school_year}/{self.school_year + 1}"


class SheetStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("sheet status", "draft")
    SENT = "sent", pgettext_lazy("sheet status", "sent to the department")
    RETURNED = "returned", pgettext_lazy("sheet status", "returned with comments")
    APPROVED = "approved", pgettext_lazy("sheet status", "approved")


class SheetVersion(TenantOwned):
    """One version: the original (annex 0) or an annex; a returned version is corrected in
    a new version of the same annex. `base` is what the department compares it with."""

    sheet = models.ForeignKey(OrganisationSheet, on_delete=models.PROTECT,
                              related_name="versions", verbose_name=_("sheet"))
    number = models.PositiveSmallIntegerField(_("version"))
    annex = models.PositiveSmallIntegerField(_("annex number"), default=0)
    base = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("compared with"))
    status = models.CharField(_("status"), max_length=20, choices=SheetStatus.choices,
                              default=SheetStatus.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("prepared by"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_late = models.BooleanField(_("sent after the statutory date"), default=False)
    approved_on = models.DateField(_("approved by the wójt on"), null=True, blank=True)
    approved_by = models.CharField(_("approved by"), max_length=200, blank=True)
    approval_late = models.BooleanField(_("approved after the statutory date"),
                                        default=False)
    flags = models.JSONField(_("findings when sent"), default=list)

    class Meta:
        ordering = ["sheet", "number"]
        verbose_name = _("sheet version")
        verbose_name_plural = _("sheet versions")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "number"],
                                    name="education_sheet_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sheet} v{self.number}"

    @property
    def is_annex(self) -> bool:
        return self.annex > 0

    @property
    def editable(self) -> bool:
        return self.status == SheetStatus.DRAFT


class Division(TenantOwned):
    """A class (oddział) of the version: grade, name, pupils."""

    version = models.ForeignKey(SheetVersion, on_delete=models.CASCADE,
                                related_name="divisions", verbose_name=_("version"))
    grade = models.PositiveSmallIntegerField(_("grade"))
    name = models.CharField(_("name"), max_length=20)
    pupils = models.PositiveSmallIntegerField(_("pupils"))

    class Meta:
        ordering = ["version", "grade", "name"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        constraints = [
            models.UniqueConstraint(fields=["version", "name"],
                                    name="education_division_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class SubjectHours(TenantOwned):
    """A division's weekly hours of one subject."""

    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="hours",
                                 verbose_name=_("division"))
    subject = models.CharField(_("subject"), max_length=30, choices=SUBJECTS)
    hours = models.PositiveSmallIntegerField(_("hours a week"))

    class Meta:
        ordering = ["division", "subject"]
        verbose_name = _("subject hours")
        verbose_name_plural = _("subject hours")
        constraints = [
            models.UniqueConstraint(fields=["division", "subject"],
                                    name="education_subject_hours_unique"),
        ]


class AdditionalHours(TenantOwned):
    """Hours beyond the framework plan: the organ's extra hours, support, religion,
    individual teaching… for a division or for the school."""

    version = models.ForeignKey(SheetVersion, on_delete=models.CASCADE,
                                related_name="additional", verbose_name=_("version"))
    kind = models.CharField(_("kind"), max_length=20, choices=ADDITIONAL_KINDS)
    division = models.ForeignKey(Division, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+", verbose_name=_("division"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    hours = models.PositiveSmallIntegerField(_("hours a week"))

    class Meta:
        ordering = ["version", "kind", "pk"]
        verbose_name = _("additional hours")
        verbose_name_plural = _("additional hours")


class EmploymentForm(models.TextChoices):
    APPOINTMENT = "appointment", _("appointment (mianowanie)")
    CONTRACT = "contract", _("employment contract")


class SheetTeacher(TenantOwned):
    """A teacher of the version: qualifications, subjects, employment, the pensum of the
    post (KN art. 42 ust. 3), the hours of employment, the hours assigned and whether the
    teacher's consent to overtime above 1/4 of the pensum is recorded (KN art. 35)."""

    version = models.ForeignKey(SheetVersion, on_delete=models.CASCADE,
                                related_name="teachers", verbose_name=_("version"))
    name = models.CharField(_("name"), max_length=200)
    qualifications = models.CharField(_("qualifications"), max_length=300)
    subjects = models.CharField(_("subjects taught"), max_length=300)
    employment = models.CharField(_("employment"), max_length=20,
                                  choices=EmploymentForm.choices)
    pensum = models.PositiveSmallIntegerField(_("pensum (hours a week)"), default=18)
    contracted_hours = models.PositiveSmallIntegerField(_("hours of employment"))
    assigned_hours = models.PositiveSmallIntegerField(_("hours assigned"))
    overtime_consent = models.BooleanField(_("consent to overtime above 1/4 recorded"),
                                           default=False)

    class Meta:
        ordering = ["version", "name"]
        verbose_name = _("teacher in a sheet")
        verbose_name_plural = _("teachers in sheets")
        constraints = [
            models.UniqueConstraint(fields=["version", "name"],
                                    name="education_sheet_teacher_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class SheetComment(TenantOwned):
    """The department's comment on a version, optionally on one division or teacher."""

    version = models.ForeignKey(SheetVersion, on_delete=models.CASCADE,
                                related_name="comments", verbose_name=_("version"))
    line = models.CharField(_("about"), max_length=200, blank=True)
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("author"))

    class Meta:
        ordering = ["version", "created_at", "pk"]
        verbose_name = _("sheet comment")
        verbose_name_plural = _("sheet comments")


class OpinionBody(models.TextChoices):
    CURATOR = "curator", _("the curator of education (kurator oświaty)")
    UNION = "union", _("a trade union")
    COUNCIL = "council", _("the teachers' council (rada pedagogiczna)")


class SheetOpinion(TenantOwned):
    """An opinion on a version: requested (date) and, when it comes, given (date, text)."""

    version = models.ForeignKey(SheetVersion, on_delete=models.CASCADE,
                                related_name="opinions", verbose_name=_("version"))
    body = models.CharField(_("body"), max_length=20, choices=OpinionBody.choices)
    body_name = models.CharField(_("name of the body"), max_length=200)
    requested_on = models.DateField(_("requested on"), null=True, blank=True)
    given_on = models.DateField(_("given on"), null=True, blank=True)
    text = models.TextField(_("opinion"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))

    class Meta:
        ordering = ["version", "body", "pk"]
        verbose_name = _("opinion on a sheet")
        verbose_name_plural = _("opinions on sheets")


class SheetStep(models.TextChoices):
    PREPARED = "prepared", _("prepared")
    SENT = "sent", pgettext_lazy("sheet step", "sent to the department")
    COMMENTED = "commented", _("commented")
    RETURNED = "returned", pgettext_lazy("sheet step", "returned to the director")
    OPINION_REQUESTED = "opinion_requested", _("opinion requested")
    OPINION_RECORDED = "opinion_recorded", _("opinion recorded")
    APPROVED = "approved", _("approval by the wójt registered")


class SheetEvent(TenantOwned):
    """One step of a version's path: who, when, what (the record the department and the
    curator can follow)."""

    version = models.ForeignKey(SheetVersion, on_delete=models.CASCADE,
                                related_name="events", verbose_name=_("version"))
    step = models.CharField(_("step"), max_length=30, choices=SheetStep.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                           blank=True, related_name="+", verbose_name=_("by"))

    class Meta:
        ordering = ["version", "at", "pk"]
        verbose_name = _("step of a sheet")
        verbose_name_plural = _("steps of sheets")


class SheetRates(TenantOwned):
    """The gmina's rates for a school year's cost estimate: the cost of one teaching hour
    (grosze, with the employer's charges) and the teaching weeks of the year."""

    school_year = models.PositiveSmallIntegerField(_("school year (first year)"))
    hour_rate = models.PositiveIntegerField(_("cost of a teaching hour (grosze)"))
    weeks = models.PositiveSmallIntegerField(_("teaching weeks"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["municipality", "-school_year"]
        verbose_name = _("rates of the sheets")
        verbose_name_plural = _("rates of the sheets")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "school_year"],
                                    name="education_sheet_rates_unique"),
        ]
