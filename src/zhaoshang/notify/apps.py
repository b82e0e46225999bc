from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.notify"
    label = "notify"
    verbose_name = "提醒与消息"
