"""`zhaoshang schedule_duties [--policy NAME] [--to DATE] [--no-prove]`: make each policy's duties
into obligations per holder and period (those whose period starts by --to), and close those the
platform's records prove. Safe to run daily from cron: nothing is made twice."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhaoshang.core.changelog import change_context
from zhaoshang.org.models import Policy
from zhaoshang.supervision.duties import duties_prove, duties_schedule, schedule_days


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


class Command(BaseCommand):
    help = "按政策文件的职责生成各对象各期的职责任务，并按平台记录自动销号（可重复运行，不会重复生成）"

    def add_arguments(self, parser):
        parser.add_argument("--policy", action="append", help="政策文件名称；不给则为全部已载入的政策文件")
        parser.add_argument("--to", dest="until", help="生成期间起始不晚于此日的职责任务（默认今天起 31 天）")
        parser.add_argument("--today", help="按此日期判断自动销号（默认今天）")
        parser.add_argument("--no-prove", action="store_true", help="只生成，不按平台记录自动销号")

    def handle(self, *args, policy=None, until=None, today=None, no_prove=False, **options):
        today = _date(today) if today else timezone.localdate()
        until = _date(until) if until else today + timedelta(days=schedule_days())
        policies = Policy.objects.select_related("jurisdiction")
        if policy:
            policies = policies.filter(name__in=policy)
            missing = set(policy) - set(policies.values_list("name", flat=True))
            if missing:
                raise CommandError(f"未载入的政策文件：{'、'.join(sorted(missing))}")
        made = proved = 0
        with change_context(source="cli", reason="生成职责任务"):
            for p in policies:
                new = duties_schedule(policy=p, until=until)
                closed = [] if no_prove else duties_prove(policy=p, today=today)
                made, proved = made + len(new), proved + len(closed)
                self.stdout.write(f"{p.name}：新生成 {len(new)} 项职责任务，自动销号 {len(closed)} 项")
        self.stdout.write(
            self.style.SUCCESS(f"共新生成 {made} 项，自动销号 {proved} 项（期间起始不晚于 {until}）")
        )
