from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.resources"
    label = "resources"
    verbose_name = "要素资源库"
