"""`zhaoshang bulletin --policy NAME --period PERIOD --kind monthly|briefing|notice --out DIR`"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhaoshang.bulletins import services
from zhaoshang.bulletins.document import KINDS
from zhaoshang.core.changelog import change_context
from zhaoshang.org.models import Policy


class Command(BaseCommand):
    help = "生成战报、简报或通报：Word（公文格式）、Excel 表格和 PDF，写入指定目录并登记编号"

    def add_arguments(self, parser):
        parser.add_argument("--policy", required=True, help="政策文件名称，如 xinfeng-2024")
        parser.add_argument("--period", required=True, help="时期：2024-06、2024-Q2、2024、2023-06..2023-08")
        parser.add_argument(
            "--kind",
            required=True,
            choices=list(KINDS),
            help="monthly 每月战报；briefing 工作简报；notice 通报",
        )
        parser.add_argument("--out", required=True, help="输出目录（不存在时创建）")

    def handle(self, *args, policy, period, kind, out, **options):
        p = Policy.objects.filter(name=policy).select_related("jurisdiction").first()
        if p is None:
            raise CommandError(f"未载入的政策文件：{policy}（先运行 zhaoshang policy load {policy}）")
        folder = Path(out)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"无法创建输出目录 {folder}：{exc}") from None
        try:
            with change_context(source="system"):
                bulletin = services.request_bulletin(policy=p, kind=kind, period=period, inline=True)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        if bulletin.status != bulletin.Status.DONE:
            raise CommandError(f"生成失败：{bulletin.message}")
        if bulletin.message:
            self.stderr.write(f"注意：{bulletin.message}")
        for fmt in ("docx", "xlsx", "pdf"):
            target = folder / bulletin.file_name(fmt)
            target.write_bytes(services._read(getattr(bulletin, fmt)))
            self.stdout.write(str(target))
        from zhaoshang.audit import events

        events.record(
            "download",
            source="cli",
            obj=bulletin,
            object_repr=str(folder)[:200],
            detail={"what": "bulletin", "formats": ["docx", "xlsx", "pdf"], "out": str(folder)},
        )
        self.stderr.write(f"已生成 {bulletin.title}（{bulletin.number}）")
