from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ratusz.core"
    label = "core"
    verbose_name = "Ratusz core"

    def ready(self) -> None:
        from ratusz.core import signals  # noqa: F401
