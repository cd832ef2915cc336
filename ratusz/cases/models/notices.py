"""What a staff member wants to hear by e-mail about the work waiting for them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import TenantOwned


class StaffNotices(TenantOwned):
    """A staff member's e-mail notices: none unless they ask (one row per person)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="+")
    daily_summary = models.BooleanField(_("a summary of the waiting work every morning"),
                                        default=False)
    approval_requests = models.BooleanField(
        _("at once when a letter waits for my approval"), default=False)
    changed_at = models.DateTimeField(default=timezone.now)
    #: The day the last morning summary went out (a second run that day sends none).
    summary_sent_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"notices of {self.user_id}"
