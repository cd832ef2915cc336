from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinConfig(AppConfig):
    name = "ratusz.bulletin"
    label = "bulletin"
    verbose_name = _("Public Information Bulletin (BIP)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ratusz.accounts.workspace import register_waiting_work
        from ratusz.bulletin import receivers, selectors, signals, workspace
        from ratusz.core.backup import register_check

        signals.connect()
        receivers.connect()  # a new unit gets its BIP
        register_check("bip", selectors.restore_problems)
        register_waiting_work("bip", workspace.waiting_work)  # entries to approve
        # No RODO provider (ratusz.core.personal_data): the BIP keeps no record of a
        # resident (docs/bulletin.md, "Personal data").
