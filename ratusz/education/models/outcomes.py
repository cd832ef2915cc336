"""What recruitment decides: each candidate's points per institution with their reasons,
the allocation runs (their whole input and result, checkable by anyone), the lists the
commission posts, and the appeal path (justification, appeal to the director)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ratusz.cases.models import Case, IncomingEntry
from ratusz.core.models import TenantOwned
from ratusz.education.models.recruitment import Application, Campaign, Offer, Round


class Score(TenantOwned):
    """A candidate's points at one preferred institution: the statutory criteria met
    (stage 1, equal value), the council's points (stage 2) and the reason of each, with the
    candidate's lottery rank in the run that made it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="scores", verbose_name=_("application"))
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("institution"))
    statutory_count = models.PositiveSmallIntegerField(_("statutory criteria met"))
    council_points = models.PositiveIntegerField(_("council's points"))
    points = models.PositiveIntegerField(_("points"))
    tie_break = models.PositiveIntegerField(_("lottery rank"), default=0)
    reasons = models.JSONField(_("reasons"), default=list)

    class Meta:
        ordering = ["application", "offer"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["application", "offer"],
                                    name="education_score_unique"),
        ]
        indexes = [models.Index(fields=["municipality", "offer", "points"])]


class Allocation(TenantOwned):
    """One run of the allocation: its whole input and result (`data`, the document of
    GET …/allocation) and the lowest admitted rank of each institution (`cutoffs`). The
    same input with the same seed is the same run (`inputs_digest`)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT,
                                 related_name="allocations", verbose_name=_("campaign"))
    round = models.CharField(_("round"), max_length=20, choices=Round.choices)
    seed = models.BigIntegerField(_("lottery seed"))
    inputs_digest = models.CharField(_("digest of the input"), max_length=64)
    algorithm = models.CharField(_("algorithm"), max_length=100)
    data = models.JSONField(_("input and result"))
    cutoffs = models.JSONField(_("last admitted per institution"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("run by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "-created_at", "-pk"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "round", "inputs_digest", "seed"],
                                    name="education_allocation_same_input_once"),
        ]


class ListKind(models.TextChoices):
    QUALIFIED = "qualified", _("qualified and not qualified candidates")
    ADMITTED = "admitted", _("admitted and not admitted candidates")


class PublishedList(TenantOwned):
    """A list the commission posts at the institution (art. 158 ust. 1–5): the names in
    alphabetical order with each one's result, the lowest number of points that admits
    (admitted lists) and the day of posting. Published once; never edited."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="lists",
                                 verbose_name=_("campaign"))
    round = models.CharField(_("round"), max_length=20, choices=Round.choices)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="lists",
                              verbose_name=_("institution"))
    kind = models.CharField(_("kind"), max_length=20, choices=ListKind.choices)
    posted_on = models.DateField(_("posted on"))
    lowest_points = models.PositiveIntegerField(_("lowest points admitted"), null=True,
                                                blank=True)
    entries = models.JSONField(_("entries"), default=list)
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("published by"))

    class Meta:
        ordering = ["campaign", "round", "kind", "offer"]
        verbose_name = _("published list")
        verbose_name_plural = _("published lists")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "round", "offer", "kind"],
                                    name="education_list_published_once"),
        ]


class Justification(TenantOwned):
    """The commission's justification of a refusal, asked for by the parent (art. 158
    ust. 6–7): the reasons, the lowest points that admitted and the candidate's points."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT,
                                    related_name="justifications",
                                    verbose_name=_("application"))
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("institution"))
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    due_on = models.DateField(_("due on"))
    text = models.TextField(_("reasons"), blank=True)
    lowest_points = models.PositiveIntegerField(_("lowest points admitted"), null=True,
                                                blank=True)
    candidate_points = models.PositiveIntegerField(_("candidate's points"), null=True,
                                                   blank=True)
    given_at = models.DateTimeField(_("given at"), null=True, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+",
                                 verbose_name=_("given by"))

    class Meta:
        ordering = ["application", "requested_at"]
        verbose_name = _("justification")
        verbose_name_plural = _("justifications")
        constraints = [
            models.UniqueConstraint(fields=["application", "offer"],
                                    name="education_justification_once"),
        ]


class AppealDecision(models.TextChoices):
    PENDING = "pending", pgettext_lazy("appeal", "waiting for the director")
    UPHELD = "upheld", pgettext_lazy("appeal", "upheld: the child is admitted")
    DISMISSED = "dismissed", pgettext_lazy("appeal", "dismissed")


class Appeal(TenantOwned):
    """An appeal to the director against the commission (art. 158 ust. 8–9), registered in
    the institution's incoming register and handled as a case of the EZD with its
    deadline."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT,
                                     related_name="appeals", verbose_name=_("application"))
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("institution"))
    justification = models.OneToOneField(Justification, on_delete=models.PROTECT,
                                         related_name="appeal",
                                         verbose_name=_("justification"))
    text = models.TextField(_("appeal"))
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    decide_by = models.DateField(_("decide by"))
    incoming = models.ForeignKey(IncomingEntry, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("entry in the incoming register"))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("case"))
    decision = models.CharField(_("decision"), max_length=20, choices=AppealDecision.choices,
                                default=AppealDecision.PENDING)
    reasoning = models.TextField(_("reasoning of the decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))

    class Meta:
        ordering = ["application", "filed_at"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
