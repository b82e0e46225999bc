from pathlib import Path

from django.core.management.base import BaseCommand

from zhaoshang.exchange.exporter import write_template
from zhaoshang.exchange.layouts import LAYOUTS


class Command(BaseCommand):
    help = "生成 Excel 导入模板：template projects|investments|activities [--out 文件.xlsx]"

    def add_arguments(self, parser):
        parser.add_argument(
            "kind",
            choices=list(LAYOUTS),
            help="projects 项目表；investments 实际进资表；activities 招商活动表（含信息报送）",
        )
        parser.add_argument("--out", metavar="FILE.xlsx", help="输出文件（默认：<表名>导入模板.xlsx）")

    def handle(self, *args, kind, out, **opts):
        layout = LAYOUTS[kind]
        path = Path(out or f"{layout.title}导入模板.xlsx")
        write_template(kind, out=path)
        self.stdout.write(f"已生成{layout.title}导入模板：{path}（{len(layout.columns)} 列）")
