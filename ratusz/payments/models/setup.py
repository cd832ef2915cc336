"""A gmina's set-up for payments: its collection account and the virtual-account scheme."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import TenantOwned


class BankProfile(models.TextChoices):
    #: Mass-payment services report the credited individual account number in the
    #: transfer details (`:86:`); the first number of the gmina's scheme found there.
    DETAILS_SCAN = "details_scan", _("individual account number in the transfer details (:86:)")


class CollectionAccount(TenantOwned):
    """The gmina's account for mass payments (the statements are for it) and its scheme of
    individual account numbers: `virtual_prefix` is the bank's settlement number (8
    digits) and the client prefix the bank gave the gmina; the payer's reference fills the
    rest of the 24 digits."""

    nrb = models.CharField(_("collection account (NRB)"), max_length=26)
    virtual_prefix = models.CharField(_("prefix of the individual account numbers"),
                                      max_length=18)
    bank_profile = models.CharField(_("bank statement profile"), max_length=30,
                                    choices=BankProfile.choices,
                                    default=BankProfile.DETAILS_SCAN)
    notice_days = models.PositiveSmallIntegerField(
        _("days before a due date to send a notice"), default=7)
    next_payer_reference = models.PositiveBigIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality"],
                                               name="collection_account_one_per_gmina")]

    def __str__(self) -> str:
        return self.nrb
