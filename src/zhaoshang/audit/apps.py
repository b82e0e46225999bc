from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "zhaoshang.audit"
    label = "audit"
    verbose_name = "安全审计"

    def ready(self):
        from . import signals

        signals.connect()
