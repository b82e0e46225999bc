from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.exchange"
    label = "exchange"
    verbose_name = "Excel 导入导出"

    def ready(self):
        # 合同义务 (exchange/obligations.py) joins the sheets the import, export and template know.
        from .obligations import register

        register()
