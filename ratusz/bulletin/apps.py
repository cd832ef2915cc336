from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinConfig(AppConfig):
    name = "ratusz.bulletin"
    label = "bulletin"
    verbose_name = _("Public Information Bulletin (BIP)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ratusz.bulletin import receivers, signals

        signals.connect()
        receivers.connect()  # a new unit gets its BIP
