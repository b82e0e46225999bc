from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.targets"
    label = "targets"
    verbose_name = "目标企业库"
