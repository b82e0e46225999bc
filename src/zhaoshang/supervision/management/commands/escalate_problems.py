"""`zhaoshang escalate_problems [--on DATE]`: the problem list's daily escalation (逾期督办) where
no Celery beat runs it. Safe to run again: a problem is escalated and announced once."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhaoshang.core.changelog import change_context
from zhaoshang.supervision.problems import escalate_overdue


class Command(BaseCommand):
    help = "问题清单逾期督办：逾期未办结的问题标记为已督办，并通知招商办和责任领导（每个问题只通知一次）"

    def add_arguments(self, parser):
        parser.add_argument("--on", help="按此日期判断逾期（默认今天），格式 YYYY-MM-DD")

    def handle(self, *args, on=None, **options):
        try:
            today = date.fromisoformat(on) if on else timezone.localdate()
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{on}") from None
        with change_context(source="cli", reason="问题逾期督办"):
            done = escalate_overdue(today=today)
        for p in done:
            self.stdout.write(f"已督办：{p.title}（{p.support_unit}，{p.due_on:%Y-%m-%d} 到期）")
        self.stdout.write(self.style.SUCCESS(f"{today:%Y-%m-%d} 逾期督办问题 {len(done)} 项"))
