from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "zhaoshang.jobs"
    label = "jobs"
    verbose_name = "后台任务"

    def ready(self):
        from . import kinds  # noqa: F401  (registers every kind of job)
