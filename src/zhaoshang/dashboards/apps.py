from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.dashboards"
    label = "dashboards"
    verbose_name = "领导驾驶舱"
