from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.ledger"
    label = "ledger"
    verbose_name = "项目台账"
