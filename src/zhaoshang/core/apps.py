from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhaoshang.core"
    label = "core"
    verbose_name = "系统"

    def ready(self):
        from . import changelog

        changelog.connect()
