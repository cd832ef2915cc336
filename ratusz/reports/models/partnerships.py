"""Partnerships of gminy: the platform operator creates one and invites gminy; each
gmina's administrator accepts (or declines). A coordinator sees the accepted members'
aggregate figures side by side, and nothing else."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import TenantOwned


class Partnership(models.Model):
    """A group of gminy (a county, a regional project, an association) compared side by
    side. It belongs to the platform, not to any one gmina."""

    slug = models.SlugField(_("address (slug)"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    coordinators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                          related_name="coordinated_partnerships",
                                          verbose_name=_("coordinators"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name = _("partnership of gminy")

    def __str__(self) -> str:
        return self.name


class MemberStatus(models.TextChoices):
    INVITED = "invited", _("invited")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    LEFT = "left", _("left")


class PartnershipMember(TenantOwned):
    """A gmina's place in a partnership: invited by the operator, accepted by the gmina's
    administrator. Only accepted members' figures reach the coordinator."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="members")
    status = models.CharField(max_length=12, choices=MemberStatus.choices,
                              default=MemberStatus.INVITED)
    invited_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partnership", "municipality"],
                                               name="reports_member_unique")]


class InquiryAccount(models.Model):
    """The resident account that files test inquiries, flagged as such: its matters are
    measured for the comparison and left out of every other indicator."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"test account {self.user_id}"
