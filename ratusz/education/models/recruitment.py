"""Recruitment (postępowanie rekrutacyjne, Prawo oświatowe art. 130–158): the campaign with
the wójt's timetable, the institutions taking part with their places, the criteria, and
the parents' applications with their preferences, declared criteria and documents."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ratusz.core.models import Department, Locality, TenantOwned
from ratusz.education.models.institutions import Child, Institution


class CampaignKind(models.TextChoices):
    PRESCHOOL = "preschool", _("preschools and preschool classes")
    SCHOOL_FIRST_GRADE = "school_first_grade", _("first grade of primary schools")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("campaign status", "being prepared")
    OPEN = "open", pgettext_lazy("campaign status", "applications and verification")
    QUALIFIED = "qualified", pgettext_lazy("campaign status",
                                           "qualified lists published, confirmations")
    ADMITTED = "admitted", pgettext_lazy("campaign status", "admitted lists published")
    SUPPLEMENTARY = "supplementary", pgettext_lazy("campaign status", "supplementary round")
    CLOSED = "closed", pgettext_lazy("campaign status", "closed")


class Round(models.TextChoices):
    MAIN = "main", pgettext_lazy("recruitment round", "main round")
    SUPPLEMENTARY = "supplementary", pgettext_lazy("recruitment round", "supplementary round")


class Campaign(TenantOwned):
    """One recruitment of a gmina for one school year (starting in September of `year`)."""

    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=20, choices=CampaignKind.choices)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=CampaignStatus.choices,
                              default=CampaignStatus.DRAFT)
    timetable_act = models.CharField(_("the wójt's order fixing the timetable"),
                                     max_length=300, blank=True)
    criteria_act = models.CharField(_("the council's resolution on the criteria"),
                                    max_length=300, blank=True)
    # The timetable of the main round (art. 154 ust. 1).
    continuation_from = models.DateField(_("continuation declarations from"))
    continuation_until = models.DateField(_("continuation declarations until"))
    applications_from = models.DateField(_("applications from"))
    applications_until = models.DateField(_("applications until"))
    verification_until = models.DateField(_("verification until"))
    qualified_list_on = models.DateField(_("list of qualified candidates on"))
    confirmation_until = models.DateField(_("confirmation of will until"))
    admitted_list_on = models.DateField(_("list of admitted candidates on"))
    # The supplementary round (postępowanie uzupełniające), on the places left.
    supplementary_from = models.DateField(_("supplementary applications from"), null=True,
                                          blank=True)
    supplementary_until = models.DateField(_("supplementary applications until"), null=True,
                                           blank=True)
    supplementary_qualified_list_on = models.DateField(
        _("supplementary list of qualified candidates on"), null=True, blank=True)
    supplementary_confirmation_until = models.DateField(
        _("supplementary confirmation of will until"), null=True, blank=True)
    supplementary_admitted_list_on = models.DateField(
        _("supplementary list of admitted candidates on"), null=True, blank=True)
    max_preferences = models.PositiveSmallIntegerField(_("preferences allowed"), default=3)
    statutory_points = models.PositiveIntegerField(
        _("points of each statutory criterion"), default=100,
        help_text=_("Larger than all the council's points together, so that the first stage "
                    "always decides first."))
    tie_break_rule = models.CharField(
        _("tie-break rule"), max_length=500,
        default="Losowanie w obecności komisji rekrutacyjnej (ziarno zapisane w protokole).")
    seed = models.BigIntegerField(_("lottery seed"), null=True, blank=True)
    seed_drawn_at = models.DateTimeField(_("lottery drawn at"), null=True, blank=True)
    seed_drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                      null=True, blank=True, related_name="+",
                                      verbose_name=_("lottery drawn by"))
    seed_witnesses = models.CharField(_("members of the commission present"), max_length=500,
                                      blank=True)
    # The appeal path (art. 158 ust. 6–9), configurable: 3 days each since 2023 [unverified].
    justification_request_days = models.PositiveSmallIntegerField(
        _("days to ask for the justification"), default=3)
    justification_days = models.PositiveSmallIntegerField(
        _("days for the commission's justification"), default=3)
    appeal_days = models.PositiveSmallIntegerField(_("days to appeal to the director"),
                                                   default=3)
    appeal_decision_days = models.PositiveSmallIntegerField(
        _("days for the director's decision"), default=3)
    appeals_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("department that registers appeals"))
    appeals_jrwa_symbol = models.CharField(_("JRWA class of appeals"), max_length=20,
                                           default="402")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["municipality", "-year", "kind"]
        verbose_name = _("recruitment campaign")
        verbose_name_plural = _("recruitment campaigns")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year", "kind"],
                                    name="education_campaign_year_kind_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def current_round(self) -> str:
        return Round.SUPPLEMENTARY if self.status in (CampaignStatus.SUPPLEMENTARY,) \
            else Round.MAIN


class Offer(TenantOwned):
    """An institution taking part in a campaign, with its groups (or classes) and places."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="offers",
                                 verbose_name=_("campaign"))
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    places = models.PositiveIntegerField(_("places in the groups or classes"))
    groups = models.CharField(_("groups or classes"), max_length=300, blank=True)

    class Meta:
        ordering = ["campaign", "institution__unit__name"]
        verbose_name = _("institution in a campaign")
        verbose_name_plural = _("institutions in a campaign")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "institution"],
                                    name="education_offer_unique"),
        ]

    def __str__(self) -> str:
        return str(self.institution)


class CriterionStage(models.IntegerChoices):
    STATUTORY = 1, _("stage 1: statutory criterion")
    COUNCIL = 2, _("stage 2: criterion of the council")


#: The seven statutory criteria of art. 131 ust. 2 (equal value, ust. 3), in its order.
STATUTORY_CRITERIA = [
    ("large_family", "Wielodzietność rodziny kandydata",
     "Oświadczenie o wielodzietności rodziny kandydata"),
    ("disabled_child", "Niepełnosprawność kandydata",
     "Orzeczenie o potrzebie kształcenia specjalnego albo orzeczenie o niepełnosprawności"),
    ("disabled_parent", "Niepełnosprawność jednego z rodziców kandydata",
     "Orzeczenie o niepełnosprawności lub o stopniu niepełnosprawności"),
    ("disabled_parents", "Niepełnosprawność obojga rodziców kandydata",
     "Orzeczenia o niepełnosprawności lub o stopniu niepełnosprawności"),
    ("disabled_sibling", "Niepełnosprawność rodzeństwa kandydata",
     "Orzeczenie o niepełnosprawności lub o stopniu niepełnosprawności"),
    ("single_parent", "Samotne wychowywanie kandydata w rodzinie",
     "Prawomocny wyrok sądu rodzinnego orzekający rozwód lub separację albo akt zgonu oraz "
     "oświadczenie o samotnym wychowywaniu dziecka"),
    ("foster_care", "Objęcie kandydata pieczą zastępczą",
     "Dokument poświadczający objęcie dziecka pieczą zastępczą"),
]


class Criterion(TenantOwned):
    """A criterion of a campaign: one of the seven statutory ones (stage 1, equal value) or
    one the council adopted with its points and the documents proving it (stage 2).
    `per_institution` criteria hold for one institution only (a sibling attending it)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="criteria",
                                 verbose_name=_("campaign"))
    stage = models.PositiveSmallIntegerField(_("stage"), choices=CriterionStage.choices)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    points = models.PositiveIntegerField(_("points"), default=0)
    documents = models.CharField(_("documents that prove it"), max_length=500, blank=True)
    per_institution = models.BooleanField(_("holds for one institution"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["campaign", "stage", "position", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"],
                                    name="education_criterion_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationKind(models.TextChoices):
    APPLICATION = "application", _("application (wniosek)")
    REGISTRATION = "registration", _("catchment-area registration (zgłoszenie)")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("application status", "submitted")
    DOCUMENTS_REQUESTED = "documents_requested", pgettext_lazy(
        "application status", "documents requested")
    VERIFIED = "verified", pgettext_lazy("application status", "verified")
    QUALIFIED = "qualified", pgettext_lazy("application status", "qualified")
    NOT_QUALIFIED = "not_qualified", pgettext_lazy("application status", "not qualified")
    CONFIRMED = "confirmed", pgettext_lazy("application status", "will confirmed")
    ADMITTED = "admitted", pgettext_lazy("application status", "admitted")
    NOT_ADMITTED = "not_admitted", pgettext_lazy("application status", "not admitted")
    WITHDRAWN = "withdrawn", pgettext_lazy("application status", "withdrawn")


class Application(TenantOwned):
    """A parent's application (or catchment-area registration) for a child in one round.
    `candidate_code` is the opaque id the published allocation uses."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT,
                                 related_name="applications", verbose_name=_("campaign"))
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="applications",
                              verbose_name=_("child"))
    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+",
                                 verbose_name=_("parent who applied"))
    kind = models.CharField(_("kind"), max_length=20, choices=ApplicationKind.choices,
                            default=ApplicationKind.APPLICATION)
    round = models.CharField(_("round"), max_length=20, choices=Round.choices,
                             default=Round.MAIN)
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True,
                                 editable=False)
    candidate_code = models.CharField(_("candidate code"), max_length=16)
    status = models.CharField(_("status"), max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.SUBMITTED)
    is_resident = models.BooleanField(_("the child lives in the gmina"))
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("locality"))
    address = models.CharField(_("address of the child"), max_length=300)
    guardian_name = models.CharField(_("parent's name"), max_length=200)
    guardian_email = models.EmailField(_("parent's e-mail"), blank=True)
    guardian_phone = models.CharField(_("parent's phone"), max_length=30, blank=True)
    statement_accepted = models.BooleanField(_("statements made under penalty of perjury"),
                                             default=False)
    received_on = models.DateField(_("received on"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("verified by"))
    commission_note = models.CharField(_("note of the commission"), max_length=2000,
                                       blank=True)
    qualified_offer = models.ForeignKey(Offer, on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+",
                                        verbose_name=_("qualified at"))
    confirmed_at = models.DateTimeField(_("will confirmed at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("result given at"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "child__last_name", "child__first_name", "pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "child", "round"],
                                    condition=~Q(status="withdrawn"),
                                    name="education_application_one_per_child"),
            models.UniqueConstraint(fields=["campaign", "candidate_code"],
                                    name="education_candidate_code_unique"),
        ]
        indexes = [models.Index(fields=["municipality", "campaign", "status"]),
                   models.Index(fields=["municipality", "guardian"])]

    def __str__(self) -> str:
        return f"{self.child} – {self.campaign}"

    @property
    def is_open(self) -> bool:
        return self.status != ApplicationStatus.WITHDRAWN


class Preference(TenantOwned):
    """One preferred institution of an application, 1 = the most preferred (art. 150)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="preferences",
                                    verbose_name=_("application"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="preferences",
                              verbose_name=_("institution"))

    class Meta:
        ordering = ["application", "rank"]
        verbose_name = _("preference")
        verbose_name_plural = _("preferences")
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"],
                                    name="education_preference_rank_unique"),
            models.UniqueConstraint(fields=["application", "offer"],
                                    name="education_preference_offer_unique"),
        ]


class DeclarationStatus(models.TextChoices):
    DECLARED = "declared", pgettext_lazy("criterion", "declared")
    CONFIRMED = "confirmed", pgettext_lazy("criterion", "confirmed by the commission")
    REJECTED = "rejected", pgettext_lazy("criterion", "not confirmed by the commission")


class DeclaredCriterion(TenantOwned):
    """A criterion the parent declared, and what the commission found."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="declared", verbose_name=_("application"))
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("criterion"))
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("for the institution"))
    status = models.CharField(_("status"), max_length=20, choices=DeclarationStatus.choices,
                              default=DeclarationStatus.DECLARED)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["application", "criterion__stage", "criterion__position", "pk"]
        verbose_name = _("declared criterion")
        verbose_name_plural = _("declared criteria")
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion", "offer"],
                                    name="education_declared_unique"),
            models.UniqueConstraint(fields=["application", "criterion"],
                                    condition=Q(offer__isnull=True),
                                    name="education_declared_unique_general"),
        ]


class ApplicationDocument(TenantOwned):
    """A statement or document attached to an application (checked like every upload)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="documents", verbose_name=_("application"))
    name = models.CharField(_("file name"), max_length=200)
    file = models.CharField(_("stored file"), max_length=300)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["application", "uploaded_at", "pk"]
        verbose_name = _("statement or document")
        verbose_name_plural = _("statements and documents")

    def __str__(self) -> str:
        return self.name
