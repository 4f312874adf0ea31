from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kinlink.accounts"
    label = "accounts"
    verbose_name = "Accounts"
