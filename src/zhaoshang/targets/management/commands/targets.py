"""`zhaoshang targets import FILE.xlsx --user USERNAME [--dry-run] [--decide ROW=same|new|skip …]
[--max-rows N]`: the 目标企业名录 import of the web page (targets/exchange.py `import_targets`: the
same checks, dedupe and change log, all or nothing), from the shell — for a list larger than one
upload may hold (ZHAOSHANG_TARGET_IMPORT_MAX_ROWS). Rows flagged 疑似重复 are skipped unless a
--decide says otherwise, as on the page."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhaoshang.audit import events
from zhaoshang.targets.exchange import DECISIONS, import_targets


def _decision(text: str) -> tuple[int, str]:
    row, _, choice = text.partition("=")
    if not row.strip().isdigit() or choice not in DECISIONS:
        raise CommandError(f"--decide 的格式应为 行号=same|new|skip，收到“{text}”")
    return int(row), choice


class Command(BaseCommand):
    help = "目标企业库：import 从 Excel 导入目标企业名录（整表校验，有错误则全部不导入）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入目标企业名录")
        imp.add_argument("file", metavar="FILE.xlsx")
        imp.add_argument("--user", required=True, metavar="USERNAME", help="以该账号（招商办）导入")
        imp.add_argument("--dry-run", action="store_true", help="只校验和查重，不写入")
        imp.add_argument(
            "--decide", action="append", default=[], metavar="ROW=same|new|skip",
            help="疑似重复行的处理：same 确认重复，new 作为新企业导入，skip 跳过（可多次给出）",
        )  # fmt: skip
        imp.add_argument("--max-rows", type=int, default=200000, help="文件最多行数（默认 200000）")

    def handle(self, *args, action, file, user, dry_run, decide, max_rows, **opts):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"未找到账号“{user}”")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"未找到文件“{file}”")
        decisions = dict(_decision(d) for d in decide)
        result = import_targets(
            path.read_bytes(), user=account, dry_run=dry_run, decisions=decisions, limit=max_rows
        )
        events.record(
            "import", user=account, source="cli", object_type="targets:targetenterprise",
            object_repr=str(file)[:200],
            detail={"rows": result.rows, "errors": len(result.errors), "dry_run": bool(dry_run)},
        )  # fmt: skip
        if result.errors:
            for e in result.errors:
                self.stderr.write(str(e))
            raise CommandError(f"导入失败：共 {len(result.errors)} 处错误，未导入任何数据")
        for p in result.flagged:
            self.stdout.write(f"第{p.row}行 {p.name}：{p.note}（{p.action_label}）")
        verb = "校验通过（未写入）" if dry_run else "导入完成"
        self.stdout.write(
            f"{verb}：{result.rows} 行，新增 {result.created}，更新 {result.updated}，无变化 {result.unchanged}，"
            f"跳过 {result.skipped}，关联台账企业 {result.linked}"
        )
