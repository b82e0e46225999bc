"""`zhaoshang import <kind> FILE.xlsx --user USERNAME [--dry-run] [--policy NAME]`: all or nothing.

Kinds: projects, investments, activities, and the office's entries for assessments: metrics,
surveys, decisions, awards, taxes, evaluations, transfers."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhaoshang.audit import events
from zhaoshang.exchange.importer import import_file
from zhaoshang.exchange.layouts import KIND_CHOICES_HELP as KIND_HELP
from zhaoshang.exchange.layouts import LAYOUTS


class Command(BaseCommand):
    help = "从 Excel 导入台账、招商活动或考核数据（整表校验，有错误则全部不导入）：import <表格> 文件.xlsx --user 账号"

    def add_arguments(self, parser):
        parser.add_argument(
            "kind",
            choices=list(LAYOUTS),
            help=KIND_HELP,
        )
        parser.add_argument("file", metavar="FILE.xlsx")
        parser.add_argument(
            "--user", required=True, metavar="USERNAME", help="以该账号导入（权限范围与变更记录均以此账号计）"
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument(
            "--policy",
            metavar="NAME",
            help="统计数据、满意度测评、认定事项、奖励金额：表中“政策文件”列为空的行所属的政策文件（如 xinfeng-2024）",
        )

    def handle(self, *args, kind, file, user, dry_run, policy=None, **opts):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"未找到账号“{user}”")
        result = import_file(kind, file, user=account, dry_run=dry_run, policy=policy or None)
        events.record(
            "import",
            user=account,
            source="cli",
            object_type=f"exchange:{kind}",
            object_repr=str(file)[:200],
            detail={"rows": result.rows, "errors": len(result.errors), "dry_run": bool(dry_run)},
        )
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"导入失败：共 {len(result.errors)} 处错误，未导入任何数据")
        verb = "校验通过（未写入）" if dry_run else "导入完成"
        self.stdout.write(f"{verb}：{LAYOUTS[kind].title}表 {result.rows} 行，{result.summary()}")
