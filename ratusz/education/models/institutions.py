"""Preschools and schools as education institutions, the children and their enrolments.

An `Institution` is the education side of an organisational unit (`core.Unit`, which keeps
the name, the address, the registers and the BIP). A `Child` is known in the gmina once,
by a keyed digest of its PESEL (or of its other document when it has no PESEL). An
`Enrolment` is a place a child holds in an institution for a school year, whatever brought
it there: a continuation declaration, a recruitment, a catchment-area registration."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ratusz.core.models import Locality, TenantOwned, Unit


class InstitutionKind(models.TextChoices):
    PRESCHOOL = "preschool", _("preschool")
    PRESCHOOL_CLASS = "preschool_class", _("preschool class in a primary school")
    PRIMARY_SCHOOL = "primary_school", _("primary school")


class Institution(TenantOwned):
    """A public preschool or school run by the gmina (its organ prowadzący)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices)
    catchment = models.ManyToManyField(Locality, blank=True, related_name="+",
                                       verbose_name=_("catchment area (obwód)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["municipality", "unit__name"]
        verbose_name = _("education institution")
        verbose_name_plural = _("education institutions")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "unit"],
                                    name="education_institution_unit_unique"),
        ]

    def __str__(self) -> str:
        return self.unit.name

    @property
    def name(self) -> str:
        return self.unit.name


class DocumentKind(models.TextChoices):
    PESEL = "pesel", _("PESEL")
    PASSPORT = "passport", _("passport")
    FOREIGN_ID = "foreign_id", _("foreign identity document")
    OTHER = "other", _("other document confirming identity")


class Child(TenantOwned):
    """A child of the gmina's education. Its PESEL is never stored in clear: a keyed digest
    (unique in the gmina) finds it again, the ciphertext shows it masked."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("surname"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    document_kind = models.CharField(_("identified by"), max_length=20,
                                     choices=DocumentKind.choices, default=DocumentKind.PESEL)
    identity_digest = models.CharField(_("identity digest"), max_length=64)
    identity_ciphertext = models.TextField(_("identity number (encrypted)"))
    guardians = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                       verbose_name=_("parents or guardians"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["municipality", "last_name", "first_name"]
        verbose_name = _("child")
        verbose_name_plural = _("children")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "identity_digest"],
                                    name="education_child_identity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class EnrolmentSource(models.TextChoices):
    CONTINUATION = "continuation", _("continuation declaration")
    RECRUITMENT = "recruitment", pgettext_lazy("enrolment source", "recruitment")
    CATCHMENT = "catchment", _("catchment-area registration")
    APPEAL = "appeal", _("director's decision on an appeal")


class Enrolment(TenantOwned):
    """A child's place in an institution for the school year starting in `school_year`."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="enrolments",
                              verbose_name=_("child"))
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="enrolments", verbose_name=_("institution"))
    school_year = models.PositiveSmallIntegerField(_("school year (first year)"))
    source = models.CharField(_("source"), max_length=20, choices=EnrolmentSource.choices)
    application = models.ForeignKey("education.Application", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("application"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("recorded by"))

    class Meta:
        ordering = ["municipality", "school_year", "institution", "child"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "child", "school_year"],
                                    name="education_enrolment_one_per_year"),
        ]
        indexes = [models.Index(fields=["municipality", "institution", "school_year"])]

    def __str__(self) -> str:
        return f"{self.child} – {self.institution} ({self.school_year}/{self.school_year + 1})"
