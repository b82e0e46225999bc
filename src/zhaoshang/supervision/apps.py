from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.supervision"
    label = "supervision"
    verbose_name = "督办与履约"
