from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.supervision"
    label = "supervision"
    verbose_name = "督办与履约"

    def ready(self):
        # 职责任务 (supervision/duties_exchange.py) joins the sheets the import, export and template know.
        from .duties_exchange import register

        register()
