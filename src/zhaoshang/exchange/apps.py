from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.exchange"
    label = "exchange"
    verbose_name = "Excel 导入导出"
