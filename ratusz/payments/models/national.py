"""National tables with effective dates: the late-interest rate and the statutory amounts
(the reminder's cost, the postal fee behind the interest minimum). Not a gmina's data:
the operator keeps them (Django admin); each row says whether its value was verified."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InterestRate(models.Model):
    """The basic rate of late-payment interest on tax arrears (Ordynacja podatkowa art. 56
    § 1: 2 × the NBP lombard rate + 2 pp, at least 8 %), from `effective_from`."""

    effective_from = models.DateField(_("effective from"), unique=True)
    percent = models.DecimalField(_("annual rate (%)"), max_digits=5, decimal_places=2)
    is_verified = models.BooleanField(_("verified in a source"), default=False)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["effective_from"]
        constraints = [models.CheckConstraint(condition=models.Q(percent__gt=0),
                                              name="interest_rate_positive")]

    def __str__(self) -> str:
        return f"{self.percent} % od {self.effective_from}"


class LegalAmountKind(models.TextChoices):
    REMINDER_COST = "reminder_cost", _("cost of a reminder (upomnienie)")
    POSTAL_FEE = "postal_fee", _("postal fee for a registered letter (interest minimum ÷ 3)")


class LegalAmount(models.Model):
    kind = models.CharField(max_length=30, choices=LegalAmountKind.choices)
    effective_from = models.DateField(_("effective from"))
    amount = models.BigIntegerField(_("amount (grosze)"))
    is_verified = models.BooleanField(_("verified in a source"), default=False)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "effective_from"],
                                    name="legal_amount_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0),
                                   name="legal_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount} gr od {self.effective_from}"
