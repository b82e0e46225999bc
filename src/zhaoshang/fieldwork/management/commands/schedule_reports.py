"""`zhaoshang schedule_reports --policy NAME [--from DATE] [--to DATE]`: create the periodic
reports the policy's calendar asks for. Safe to run daily from cron: nothing is made twice."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhaoshang.fieldwork.services import schedule_reports
from zhaoshang.org.models import Policy


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


class Command(BaseCommand):
    help = "按政策文件的报送日历生成各单位、团队的信息报送任务（可重复运行，不会重复生成）"

    def add_arguments(self, parser):
        parser.add_argument("--policy", action="append", help="政策文件名称；不给则为全部已载入的政策文件")
        parser.add_argument("--from", dest="start", help="截止日期自（默认今天）")
        parser.add_argument("--to", dest="end", help="截止日期至（默认今天起 31 天）")

    def handle(self, *args, policy=None, start=None, end=None, **options):
        today = timezone.localdate()
        start = _date(start) if start else today
        end = _date(end) if end else start + timedelta(days=31)
        if end < start:
            raise CommandError("结束日期不能早于开始日期")
        policies = Policy.objects.select_related("jurisdiction")
        if policy:
            policies = policies.filter(name__in=policy)
            missing = set(policy) - set(policies.values_list("name", flat=True))
            if missing:
                raise CommandError(f"未载入的政策文件：{'、'.join(sorted(missing))}")
        total = 0
        for p in policies:
            made = schedule_reports(p, start, end)
            total += len(made)
            self.stdout.write(f"{p.name}：新生成 {len(made)} 项报送任务")
        self.stdout.write(self.style.SUCCESS(f"共新生成 {total} 项（{start} 至 {end} 截止）"))
