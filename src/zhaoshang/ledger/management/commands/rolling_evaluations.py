"""`zhaoshang rolling_evaluations --policy NAME --year YEAR`: each year's three-year rolling
evaluation of landed projects (004 §三(四)19), generated from the ledger for the office to confirm."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhaoshang.core.changelog import change_context
from zhaoshang.ledger.performance import evaluations_generate
from zhaoshang.org.models import Policy


class Command(BaseCommand):
    help = "按台账生成落地项目滚动评价（有没有入统、有没有税收、投资额对不对），待招商办确认后计入考核"

    def add_arguments(self, parser):
        parser.add_argument("--policy", required=True, help="政策文件名称，如 sanming-2021")
        parser.add_argument("--year", required=True, type=int, help="评价年度，如 2024")

    def handle(self, *args, policy, year, **options):
        p = Policy.objects.filter(name=policy).select_related("jurisdiction").first()
        if p is None:
            raise CommandError(f"未载入的政策文件：{policy}（先运行 zhaoshang policy load {policy}）")
        if not 2000 <= year <= 2100:
            raise CommandError(f"评价年度应在2000至2100之间，实为{year}")
        try:
            with change_context(source="cli", reason=f"生成{year}年落地项目滚动评价"):
                created, updated = evaluations_generate(policy=p, year=year)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(f"{p.title} {year}年：新生成 {created} 条、更新 {updated} 条待确认的落地项目评估")
