from django.apps import AppConfig


class Config(AppConfig):
    name = "zhaoshang.fieldwork"
    label = "fieldwork"
    verbose_name = "招商活动与报送"
