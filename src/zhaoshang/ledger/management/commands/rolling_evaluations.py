"""`zhaoshang rolling_evaluations [--policy NAME] --year YEAR`: each year's three-year rolling
evaluation of landed projects (004 §三(四)19), generated from the ledger for the office to confirm;
without --policy, for every policy with such a rule (what the yearly job does each January)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhaoshang.core.changelog import change_context
from zhaoshang.ledger.performance import evaluations_generate, evaluations_yearly
from zhaoshang.org.models import Policy


class Command(BaseCommand):
    help = "按台账生成落地项目滚动评价（有没有入统、有没有税收、投资额对不对），待招商办确认后计入考核"

    def add_arguments(self, parser):
        parser.add_argument(
            "--policy", help="政策文件名称，如 sanming-2021；不填则为所有规定滚动评价的政策文件"
        )
        parser.add_argument("--year", required=True, type=int, help="评价年度，如 2024")

    def handle(self, *args, policy, year, **options):
        if not 2000 <= year <= 2100:
            raise CommandError(f"评价年度应在2000至2100之间，实为{year}")
        policies = Policy.objects.select_related("jurisdiction")
        p = policies.filter(name=policy).first() if policy else None
        if policy and p is None:
            raise CommandError(f"未载入的政策文件：{policy}（先运行 zhaoshang policy load {policy}）")
        try:
            with change_context(source="cli", reason=f"生成{year}年落地项目滚动评价"):
                if p is not None:
                    done = [(p, *evaluations_generate(policy=p, year=year))]
                else:
                    done = evaluations_yearly(year=year, policies=policies)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        if not done:
            self.stdout.write(f"{year}年：没有政策文件规定落地项目滚动评价")
        for q, created, updated in done:
            self.stdout.write(
                f"{q.title} {year}年：新生成 {created} 条、更新 {updated} 条待确认的落地项目评估"
            )
