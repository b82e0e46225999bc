from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhaoshang.accounts"
    label = "accounts"
    verbose_name = "账号安全"

    def ready(self):
        from . import signals

        signals.connect()
