from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhaoshang.exchange.exporter import write_template
from zhaoshang.exchange.layouts import KIND_CHOICES_HELP as KIND_HELP
from zhaoshang.exchange.layouts import LAYOUTS
from zhaoshang.org.models import Policy


class Command(BaseCommand):
    help = "生成 Excel 导入模板：template <表格> [--out 文件.xlsx] [--policy 政策文件]"

    def add_arguments(self, parser):
        parser.add_argument(
            "kind",
            choices=list(LAYOUTS),
            help=KIND_HELP,
        )
        parser.add_argument("--out", metavar="FILE.xlsx", help="输出文件（默认：<表名>导入模板.xlsx）")
        parser.add_argument("--policy", metavar="NAME", help="列出该政策文件的可选指标、认定事项或奖励规则")

    def handle(self, *args, kind, out, policy=None, **opts):
        layout = LAYOUTS[kind]
        chosen = None
        if policy:
            chosen = Policy.objects.filter(name=policy).first()
            if chosen is None:
                raise CommandError(f"未找到政策文件“{policy}”")
        path = Path(out or f"{layout.title}导入模板.xlsx")
        write_template(kind, out=path, policy=chosen)
        self.stdout.write(f"已生成{layout.title}导入模板：{path}（{len(layout.columns)} 列）")
