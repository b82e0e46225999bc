from django.apps import AppConfig


class AdminsConfig(AppConfig):
    name = "zhaoshang.admins"
    label = "admins"
    verbose_name = "三员管理"
