"""`zhaoshang audit verify` walks the audit chain; `zhaoshang audit archive --before DATE` moves
the records older than the retention to a signed file (docs/audit.md)."""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from zhaoshang.core.changelog import change_context


class Command(BaseCommand):
    help = "审计记录：校验（verify）、归档（archive）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="逐条校验审计链，报告第一处断裂")
        verify.add_argument("--file", help="校验一个归档文件（签名与链），而不是数据库")
        archive = sub.add_parser("archive", help="把早于保存期限的审计记录归档到签名文件并从数据库移除")
        archive.add_argument("--before", required=True, help="归档此日期（YYYY-MM-DD）以前的记录")
        archive.add_argument("--output", help="归档文件所在目录（默认：数据目录下 audit-archive/）")

    def handle(self, *args, action, **options):
        if action == "verify":
            return self._verify(options.get("file"))
        return self._archive(options["before"], options.get("output"))

    def _verify(self, file):
        if file:
            from zhaoshang.audit.archive import check_file

            if not Path(file).exists():
                raise CommandError(f"找不到归档文件：{file}")
            ok, message = check_file(Path(file))
            if not ok:
                raise CommandError(message, returncode=1)
            self.stdout.write(message)
            return
        from zhaoshang.audit.chain import verify

        count, broken = verify()
        if broken is not None:
            raise CommandError(f"审计链断裂：{broken}（此前 {count} 条完整）", returncode=1)
        self.stdout.write(f"完整：共 {count} 条记录，审计链未被改动")

    def _archive(self, before, output):
        from zhaoshang.audit.archive import ArchiveRefused, archive

        try:
            day = date.fromisoformat(before)
        except ValueError:
            raise CommandError(f"--before 须为日期，如 2026-01-01，收到“{before}”") from None
        directory = Path(output) if output else Path(settings.DATA_DIR) / "audit-archive"
        try:
            with change_context(source="cli"):
                done = archive(day, directory)
        except ArchiveRefused as e:
            raise CommandError(str(e)) from None
        if done is None:
            self.stdout.write(f"没有 {day:%Y-%m-%d} 以前的审计记录需要归档")
            return
        self.stdout.write(
            f"已归档 {done.count} 条（序号 {done.from_seq}–{done.through_seq}）到 {done.path}；审计链仍可校验"
        )
