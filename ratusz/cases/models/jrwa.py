"""The JRWA (jednolity rzeczowy wykaz akt): imported versions and their classes."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import TenantOwned, Unit

archival_category_validator = RegexValidator(
    r"^(A|B\d{1,3}|BE\d{1,3}|Bc)$", _("An archival category is A, Bn, BEn or Bc.")
)
jrwa_symbol_validator = RegexValidator(r"^\d{1,10}$", _("A JRWA symbol is 1 to 10 digits."))


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
