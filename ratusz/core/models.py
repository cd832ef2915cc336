"""Tenancy (gminy, their units and departments) and the platform-wide records.

A `Municipality` is the tenant. Every tenant-owned model inherits `TenantOwned`, which
gives it the `municipality` foreign key and the tenant-scoped manager; on PostgreSQL the
table also gets a row-level security policy (see `ratusz.core.rls`).
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.polish import NameForms, gmina_names, tax_authority

teryt_terc_validator = RegexValidator(
    r"^\d{7}$", _("A TERYT TERC code of a gmina has 7 digits (WWPPGGR).")
)
department_symbol_validator = RegexValidator(
    r"^[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$",
    _("A department symbol has letters and digits, at least one letter, and may contain '-'."),
)
postal_code_validator = RegexValidator(r"^\d{2}-\d{3}$", _("A postal code looks like 00-000."))
#: An address for electronic delivery (ADE, adres do doręczeń elektronicznych):
#: AE:PL-, 5 digits, 5 digits, 5 capital letters, 2 check digits. How the check digits are
#: computed is not published (docs/exchange.md): the format is checked here, the address
#: itself by the address base (BAE) look-up before anything is sent to it.
ADE_PATTERN = r"^AE:PL-\d{5}-\d{5}-[A-Z]{5}-\d{2}$"
ade_validator = RegexValidator(
    ADE_PATTERN, _("An address for e-Doręczenia looks like AE:PL-12345-67890-ABCDE-12.")
)


class MunicipalityKind(models.TextChoices):
    """The TERYT kind digit (the R of WWPPGGR) of a gmina."""

    URBAN = "urban", _("urban gmina")
    RURAL = "rural", _("rural gmina")
    URBAN_RURAL = "urban_rural", _("urban-rural gmina")


class GrammaticalGender(models.TextChoices):
    """What the verbs of a sentence agree with: "Gmina Jastków przyjęła", "Miasto Lublin
    przyjęło", "Miasto i Gmina Bełżyce przyjęły"."""

    FEMININE = "feminine", _("feminine (Gmina …)")
    MASCULINE = "masculine", _("masculine")
    NEUTER = "neuter", _("neuter (Miasto …)")
    PLURAL = "plural", _("plural (Miasto i Gmina …)")


class Municipality(models.Model):
    """A gmina: the tenant. Not tenant-owned itself; it is the key of everything else."""

    name = models.CharField(_("name"), max_length=120)
    official_name = models.CharField(_("official name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    teryt = models.CharField(
        _("TERYT TERC code"), max_length=7, unique=True, validators=[teryt_terc_validator]
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MunicipalityKind.choices)
    voivodeship = models.CharField(_("voivodeship"), max_length=40)
    county = models.CharField(_("county (powiat)"), max_length=60)
    street = models.CharField(_("street"), max_length=120, blank=True)
    building = models.CharField(_("building number"), max_length=20, blank=True)
    postal_code = models.CharField(
        _("postal code"), max_length=6, blank=True, validators=[postal_code_validator]
    )
    city = models.CharField(_("town"), max_length=80)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    bip_url = models.URLField(_("BIP address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    #: The gmina's (its office's) address for e-Doręczenia; kept by ratusz.exchange.
    ade = models.CharField(_("address for e-Doręczenia (ADE)"), max_length=26, null=True,
                           blank=True, unique=True, validators=[ade_validator])
    coat_of_arms = models.FileField(_("coat of arms"), upload_to="coats-of-arms/", blank=True)
    # The official name by case and its gender, for the sentences the platform writes
    # ("przez Gminę Jastków", "Gmina Jastków przyjęła"); an empty one is taken from the
    # name's first word (ratusz.core.polish.declined_name).
    official_name_genitive = models.CharField(_("official name, genitive"), max_length=200,
                                              blank=True)
    official_name_dative = models.CharField(_("official name, dative"), max_length=200,
                                            blank=True)
    official_name_accusative = models.CharField(_("official name, accusative"), max_length=200,
                                                blank=True)
    official_name_instrumental = models.CharField(_("official name, instrumental"),
                                                  max_length=200, blank=True)
    official_name_locative = models.CharField(_("official name, locative"), max_length=200,
                                              blank=True)
    official_name_gender = models.CharField(_("gender of the official name"), max_length=10,
                                            choices=GrammaticalGender.choices, blank=True)
    #: The gmina's executive, its tax authority, as forms name it ("Wójt Gminy Jastków");
    #: empty: "Wójt" or "Burmistrz" by kind and the name in the genitive.
    authority_name = models.CharField(_("executive and tax authority"), max_length=200,
                                      blank=True)
    is_active = models.BooleanField(_("is active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name

    @property
    def declined(self) -> NameForms:
        """The official name by case (`.genitive`, `.accusative`…) and its gender."""
        return gmina_names(self)

    @property
    def tax_authority(self) -> str:
        return tax_authority(self)

    @property
    def address_line(self) -> str:
        street = f"{self.street} {self.building}".strip()
        town = f"{self.postal_code} {self.city}".strip()
        return ", ".join(part for part in (street, town) if part)


class TenantQuerySet(models.QuerySet):
    def for_municipality(self, municipality: "Municipality | int") -> "TenantQuerySet":
        municipality_id = getattr(municipality, "pk", municipality)
        return self.filter(municipality_id=municipality_id)


class TenantOwned(models.Model):
    """Abstract base of every tenant-owned model: the tenant key and a scoped manager."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class UnitKind(models.TextChoices):
    OFFICE = "office", _("office (urząd)")
    SCHOOL = "school", _("school")
    PRESCHOOL = "preschool", _("preschool")
    LIBRARY = "library", _("library")
    CULTURE_HOUSE = "culture_house", _("culture house")
    SOCIAL_WELFARE = "social_welfare", _("social-welfare centre")
    OTHER = "other", _("other unit")


class Unit(TenantOwned):
    """An organisational unit of a gmina: the office itself, a school, a library…

    Each unit keeps its own registers (RPW, cases) in later modules.
    """

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    slug = models.SlugField(_("slug"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    street = models.CharField(_("street"), max_length=120, blank=True)
    building = models.CharField(_("building number"), max_length=20, blank=True)
    postal_code = models.CharField(
        _("postal code"), max_length=6, blank=True, validators=[postal_code_validator]
    )
    city = models.CharField(_("town"), max_length=80, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    #: The unit's address for e-Doręczenia; kept by ratusz.exchange.
    ade = models.CharField(_("address for e-Doręczenia (ADE)"), max_length=26, null=True,
                           blank=True, unique=True, validators=[ade_validator])
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        ordering = ["municipality", "kind", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="unit_slug_unique"),
        ]
        indexes = [models.Index(fields=["municipality", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_office(self) -> bool:
        return self.kind == UnitKind.OFFICE


class Department(TenantOwned):
    """A komórka organizacyjna of a unit, known by its symbol (OR, FN, GK, USC…)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="departments", verbose_name=_("unit")
    )
    symbol = models.CharField(
        _("symbol"), max_length=20, validators=[department_symbol_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head"),
    )
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        ordering = ["municipality", "symbol"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            # A symbol names one department of a gmina (it goes into case marks).
            models.UniqueConstraint(
                fields=["municipality", "symbol"], name="department_symbol_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} – {self.name}"


class AuditAction(models.TextChoices):
    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    DELETED = "deleted", _("deleted")
    ROLE_GRANTED = "role_granted", _("role granted")
    ROLE_REVOKED = "role_revoked", _("role revoked")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_CONFIRMED = "token_confirmed", _("API token confirmed")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    SIGNED_IN = "signed_in", _("signed in")
    SIGNED_OUT = "signed_out", _("signed out")
    SIGN_IN_FAILED = "sign_in_failed", _("sign-in failed")


class AppendOnlyQuerySet(TenantQuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise TypeError("This log is append-only")

    def delete(self):
        raise TypeError("This log is append-only")


class AuditLog(models.Model):
    """The append-only record of every change: who, what, when, before/after, request.

    `municipality` is null for platform-level events (a gmina created by the operator).
    Rows are written in the same transaction as the change they describe; the database
    refuses UPDATE and DELETE on this table (triggers, see the migration).
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: The actor's name at the time (or "system", "api:<client>"), kept even if the user changes.
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["municipality", "occurred_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are append-only")


class PersonalDataAccess(TenantOwned):
    """A record (RODO) of one time a staff member opened a resident's personal data."""

    accessed_at = models.DateTimeField(default=timezone.now, db_index=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    staff_label = models.CharField(max_length=200)
    #: The resident's account, when the person has one (case parties often do not).
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
        blank=True,
    )
    #: Whose data was shown, as shown (names of case parties without an account).
    subject_label = models.CharField(max_length=300, blank=True)
    #: What was opened: "resident_profile", "case_parties" …
    context = models.CharField(max_length=80)
    fields = models.JSONField(default=list)
    path = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-accessed_at", "-id"]
        indexes = [models.Index(fields=["municipality", "subject", "accessed_at"])]

    def __str__(self) -> str:
        return f"{self.accessed_at:%Y-%m-%d %H:%M} {self.staff_label}: {self.context}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Personal-data access records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Personal-data access records are append-only")


class Locality(TenantOwned):
    """A locality (miejscowość) of a gmina, with its TERYT SIMC code when known."""

    name = models.CharField(_("name"), max_length=120)
    simc = models.CharField(_("TERYT SIMC code"), max_length=7, blank=True)
    kind = models.CharField(_("kind"), max_length=40, blank=True)

    class Meta:
        ordering = ["municipality", "name"]
        verbose_name = _("locality")
        verbose_name_plural = _("localities")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="locality_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name
