from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kinlink.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kinlink.accounts.mfa import on_sign_in

        user_logged_in.connect(on_sign_in, dispatch_uid="kinlink_reauth_at_sign_in")
