"""The Celery application: configured from settings (CELERY_*), used only when CELERY_BROKER_URL
is set. Without a broker every job runs inline (zhaoshang.jobs.services.submit) and nothing here
is started. The beat schedule is static, in code (no database table): see BEAT_SCHEDULE."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhaoshang.settings")

app = Celery("zhaoshang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ("zhaoshang.jobs.tasks",)

# What `zhaoshang beat` sends, and when (Asia/Shanghai). Each periodic job is idempotent: a late
# or doubled delivery does no harm (notify never sends a reminder twice; schedule_reports never
# makes a report twice).
BEAT_SCHEDULE = {
    "reminders": {
        "task": "zhaoshang.jobs.periodic",
        "schedule": 600.0,  # every ten minutes
        "args": ("remind",),
        "options": {"expires": 540},
    },
    "reporting-calendar": {
        "task": "zhaoshang.jobs.periodic",
        "schedule": crontab(hour=0, minute=30),  # daily
        "args": ("schedule_reports",),
    },
    "problem-escalation": {
        "task": "zhaoshang.jobs.periodic",
        "schedule": crontab(hour=0, minute=45),  # daily, after the reporting calendar
        "args": ("escalate_problems",),
    },
    "rolling-evaluations": {
        "task": "zhaoshang.jobs.periodic",
        "schedule": crontab(hour=1, minute=0, day_of_month=5, month_of_year=1),  # 5 January, yearly
        "args": ("rolling_evaluations",),
    },
    "clear-sessions": {
        "task": "zhaoshang.jobs.periodic",
        "schedule": crontab(hour=3, minute=15),  # daily
        "args": ("clearsessions",),
    },
    "recover-stale-jobs": {
        "task": "zhaoshang.jobs.recover",
        "schedule": 60.0,  # every minute
        "options": {"expires": 55},
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE
