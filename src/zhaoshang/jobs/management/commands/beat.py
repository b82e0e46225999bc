"""`zhaoshang beat`: sends the periodic jobs (reminders every ten minutes, the reporting calendar
and the sessions clean-up daily, the recovery sweep every minute) to the broker. Run exactly one."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from zhaoshang.jobs import conf


class Command(BaseCommand):
    help = "定时调度进程（Celery beat）：每 10 分钟发送报送提醒，每天生成报送任务、清理过期会话，每分钟恢复中断的任务"

    def add_arguments(self, parser):
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args, loglevel, **options):
        if conf.mode() != "celery":
            raise CommandError(
                "未配置任务队列（CELERY_BROKER_URL），无需定时调度进程；"
                "请用 cron 定时运行 zhaoshang remind（每 10 分钟）、zhaoshang schedule_reports、"
                "zhaoshang schedule_duties、zhaoshang escalate_problems 和 zhaoshang clearsessions（每天），"
                "zhaoshang rolling_evaluations --year 上一年（每年1月），见 docs/jobs.md"
            )
        from zhaoshang.celery import app

        app.Beat(
            scheduler="zhaoshang.jobs.beat:Scheduler",
            schedule=str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
            loglevel=loglevel,
        ).run()
