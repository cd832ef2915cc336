from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ratusz.accounts"
    label = "accounts"
    verbose_name = "Ratusz accounts"

    def ready(self) -> None:
        from ratusz.accounts import personal_data  # noqa: F401 - registers the provider
