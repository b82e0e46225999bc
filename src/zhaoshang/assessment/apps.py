from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.assessment"
    label = "assessment"
    verbose_name = "考核评比"
