from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.packages"
    label = "packages"
    verbose_name = "招商项目包与客商库"
