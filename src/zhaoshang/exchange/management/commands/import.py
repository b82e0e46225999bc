"""`zhaoshang import projects|investments|activities FILE.xlsx --user USERNAME`: all or nothing."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhaoshang.exchange.importer import import_file
from zhaoshang.exchange.layouts import LAYOUTS


class Command(BaseCommand):
    help = "从 Excel 导入台账或招商活动（整表校验，有错误则全部不导入）：import projects|investments|activities 文件.xlsx --user 账号"

    def add_arguments(self, parser):
        parser.add_argument(
            "kind",
            choices=list(LAYOUTS),
            help="projects 项目表；investments 实际进资表；activities 招商活动表（含信息报送）",
        )
        parser.add_argument("file", metavar="FILE.xlsx")
        parser.add_argument(
            "--user", required=True, metavar="USERNAME", help="以该账号导入（权限范围与变更记录均以此账号计）"
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")

    def handle(self, *args, kind, file, user, dry_run, **opts):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"未找到账号“{user}”")
        result = import_file(kind, file, user=account, dry_run=dry_run)
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"导入失败：共 {len(result.errors)} 处错误，未导入任何数据")
        verb = "校验通过（未写入）" if dry_run else "导入完成"
        self.stdout.write(f"{verb}：{LAYOUTS[kind].title}表 {result.rows} 行，{result.summary()}")
