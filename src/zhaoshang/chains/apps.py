from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.chains"
    label = "chains"
    verbose_name = "产业链"
