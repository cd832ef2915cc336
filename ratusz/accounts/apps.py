from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ratusz.accounts"
    label = "accounts"
    verbose_name = "Ratusz accounts"
