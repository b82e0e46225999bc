from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.bulletins"
    label = "bulletins"
    verbose_name = "战报简报"
