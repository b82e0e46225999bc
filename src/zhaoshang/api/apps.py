from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.api"
    label = "api"
