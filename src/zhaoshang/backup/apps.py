from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.backup"
    label = "backup"
    verbose_name = "备份与恢复"
