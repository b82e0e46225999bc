from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.holidays"
    label = "holidays"
    verbose_name = "节假日与工作日"

    def ready(self):
        from . import calendar

        calendar.connect()
