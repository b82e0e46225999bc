from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.org"
    label = "org"
    verbose_name = "组织与目标"

    def ready(self):
        from . import signals

        signals.connect()
