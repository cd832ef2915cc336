"""Staff, residents, the platform operator, their roles, and API tokens."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.accounts.permissions import Role
from ratusz.core.models import Department, Municipality, TenantOwned, Unit


class UserKind(models.TextChoices):
    STAFF = "staff", _("staff member")
    RESIDENT = "resident", _("resident")
    OPERATOR = "operator", _("platform operator")
    #: Coordinates a partnership of gminy (a county, a regional project): sees the member
    #: gminy's aggregate figures, belongs to no gmina (ratusz.reports).
    COORDINATOR = "coordinator", _("partnership coordinator")


class RatuszUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """`createsuperuser` makes a platform operator (never a gmina's staff)."""
        extra_fields.setdefault("kind", UserKind.OPERATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """One sign-in identity. Staff belong to exactly one gmina; residents and the
    platform operator belong to none (a resident may deal with several gminy)."""

    kind = models.CharField(_("kind"), max_length=20, choices=UserKind.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    position = models.CharField(_("position"), max_length=120, blank=True)

    objects = RatuszUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="staff", municipality__isnull=False)
                    | (~models.Q(kind="staff") & models.Q(municipality__isnull=True))
                ),
                name="user_staff_has_exactly_one_municipality",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["staff", "resident", "operator", "coordinator"]),
                name="user_kind_valid",
            ),
            # One resident account per e-mail address, whatever the letter case: the
            # address signs in, receives the password reset and the case news.
            models.UniqueConstraint(
                Lower("email"), condition=models.Q(kind="resident") & ~models.Q(email=""),
                name="user_resident_email_unique",
            ),
        ]

    @property
    def is_staff_member(self) -> bool:
        return self.kind == UserKind.STAFF

    @property
    def is_resident(self) -> bool:
        return self.kind == UserKind.RESIDENT

    @property
    def is_platform_operator(self) -> bool:
        return self.kind == UserKind.OPERATOR

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class RoleAssignment(TenantOwned):
    """A role a staff member holds in a gmina, optionally limited to a unit or department."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("unit"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("department"))
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("role assignment")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "user", "role", "department"],
                condition=models.Q(department__isnull=False),
                name="role_assignment_unique_in_department",
            ),
            models.UniqueConstraint(
                fields=["municipality", "user", "role"],
                condition=models.Q(department__isnull=True),
                name="role_assignment_unique_gmina_wide",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "user"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"


class ResidentProfile(models.Model):
    """A resident's own contact data (personal data: every staff view of it is recorded)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="resident_profile")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    street = models.CharField(_("street"), max_length=120, blank=True)
    building = models.CharField(_("building number"), max_length=20, blank=True)
    flat = models.CharField(_("flat number"), max_length=20, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=6, blank=True)
    city = models.CharField(_("town"), max_length=80, blank=True)
    # Identity confirmed by login.gov.pl (see ratusz/accounts/identity.py): the PESEL is
    # never stored in clear; the digest is unique, so one person has one account.
    pesel_digest = models.CharField(max_length=64, null=True, blank=True, unique=True,
                                    editable=False)
    pesel_ciphertext = models.TextField(blank=True, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    identified_at = models.DateTimeField(_("identity confirmed at"), null=True, blank=True)
    identity_loa = models.CharField(_("level of assurance"), max_length=60, blank=True)
    #: When the resident proved they read the account's e-mail address (a link sent to it).
    email_confirmed_at = models.DateTimeField(_("e-mail address confirmed at"), null=True,
                                              blank=True)

    def __str__(self) -> str:
        return f"{self.user} (profile)"

    @property
    def is_identified(self) -> bool:
        return self.pesel_digest is not None


class LoginGovSettings(models.Model):
    """A gmina's own login.gov.pl registration, when it does not use the platform's
    (settings LOGIN_GOV_*). Empty fields fall back to the platform's values."""

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE,
                                        related_name="login_gov_settings",
                                        verbose_name=_("municipality"))
    enabled = models.BooleanField(_("enabled"), default=True)
    sp_entity_id = models.CharField(_("service provider entity id"), max_length=255,
                                    blank=True)
    idp_base_url = models.URLField(_("national node address"), blank=True)
    idp_entity_id = models.CharField(_("national node entity id"), max_length=255,
                                     blank=True)
    idp_certificate = models.TextField(_("national node certificate (PEM)"), blank=True)
    sp_signing_key_path = models.CharField(_("signing key file"), max_length=255, blank=True)
    sp_signing_cert_path = models.CharField(_("signing certificate file"), max_length=255,
                                            blank=True)
    sp_encryption_key_path = models.CharField(_("encryption key file"), max_length=255,
                                              blank=True)
    sp_encryption_cert_path = models.CharField(_("encryption certificate file"),
                                               max_length=255, blank=True)
    level_of_assurance = models.CharField(_("level of assurance"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("login.gov.pl settings")
        verbose_name_plural = _("login.gov.pl settings")

    def __str__(self) -> str:
        return f"login.gov.pl – {self.municipality}"


class SamlMessageSeen(models.Model):
    """Ids of assertions (and artifacts) already consumed: a replay is refused."""

    message_id = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.message_id


class ResidentRelation(TenantOwned):
    """A resident who has matters with this gmina; lets its staff find them."""

    resident = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "resident"],
                                    name="resident_relation_unique"),
        ]


class ApiToken(TenantOwned):
    """A bearer token for a system or a person, scoped to one gmina and some permissions.

    Only a SHA-256 of the secret is stored; the secret is shown once when issued.
    """

    name = models.CharField(_("name"), max_length=120)
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="api_tokens")
    #: Who issued (or requested) it; empty for the platform's own set-up.
    issued_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    #: A token acting as a person works once that person confirmed it (and then sees its
    #: secret); a system token, or one a person issued for themselves, at once.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, blank=True)
    permissions = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        indexes = [models.Index(fields=["municipality", "user"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return (self.confirmed_at is not None and self.revoked_at is None
                and (self.expires_at is None or self.expires_at > now))

    @property
    def is_pending(self) -> bool:
        return self.confirmed_at is None and self.revoked_at is None


class LoginGovSession(models.Model):
    """Which of our sessions a login.gov.pl sign-in opened, so that the node can end it
    (node-initiated single logout arrives without our session cookie)."""

    session_index = models.CharField(max_length=255, unique=True)
    name_id = models.CharField(max_length=255)
    session_key = models.CharField(max_length=40)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.session_index
