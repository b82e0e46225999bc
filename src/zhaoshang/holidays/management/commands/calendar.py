from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhaoshang.audit import events
from zhaoshang.core.changelog import change_context

from ... import calendar as workdays
from ... import services
from ...models import CalendarDay, CalendarYear


class Command(BaseCommand):
    help = "节假日日历：show 查看、import 导入、export 导出、statutory 生成法定节假日、health 覆盖检查"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="列出一年的放假和调休上班日期")
        show.add_argument("year", type=int)
        imp = sub.add_parser(
            "import", help="从Excel（日期、类型、名称）导入：文件中出现的年份整年替换，全部成功才写入"
        )
        imp.add_argument("file")
        imp.add_argument("--official", action="store_true", help="标记为已按国务院办公厅通知录入（含调休）")
        imp.add_argument("--source", default="", help="依据，如：国务院办公厅关于2027年部分节假日安排的通知")
        exp = sub.add_parser("export", help="导出一年为Excel")
        exp.add_argument("year", type=int)
        exp.add_argument("-o", "--output", help="输出文件，默认 节假日-<年份>.xlsx")
        stat = sub.add_parser("statutory", help="为尚未录入的年份生成法定节假日（未含调休）")
        stat.add_argument("year", type=int)
        sub.add_parser("health", help="今后90天是否都在日历中（不在时退出码为1）")

    def handle(self, *args, action, **opts):
        getattr(self, f"do_{action}")(**opts)

    def do_show(self, year, **_):
        y = CalendarYear.objects.filter(year=year).first()
        if y is None:
            raise CommandError(f"{year}年的节假日尚未录入：该年截止日按周一至周五推算")
        self.stdout.write(f"{year}年：{y.get_status_display()}{'；依据：' + y.source if y.source else ''}")
        for d in CalendarDay.objects.filter(year=y).order_by("date"):
            self.stdout.write(
                f"{d.date:%Y-%m-%d}\t星期{workdays.WEEKDAYS[d.date.weekday()]}\t{d.get_kind_display()}\t{d.name}"
            )

    def do_import(self, file, official, source, **_):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        status = CalendarYear.Status.OFFICIAL if official else None
        try:
            with change_context(source="cli"):
                result = services.import_workbook(path.read_bytes(), status=status, source=source)
        except services.ImportRefused as exc:
            for e in exc.errors:
                self.stderr.write(str(e))
            raise CommandError(f"导入未完成（{len(exc.errors)}处错误），日历未作任何修改") from None
        events.record(
            "import",
            source="cli",
            object_type="holidays:import",
            object_repr=str(path)[:200],
            detail={"years": result.years, "created": result.created, "updated": result.updated,
                    "deleted": result.deleted, "official": official},
        )  # fmt: skip
        years = "、".join(f"{y}年" for y in result.years)
        self.stdout.write(
            f"已导入{years}：新增{result.created}，修改{result.updated}，删除{result.deleted}，未变{result.unchanged}"
        )

    def do_export(self, year, output=None, **_):
        out = Path(output or f"节假日-{year}.xlsx")
        out.write_bytes(services.export_workbook([year]))
        events.record("export", source="cli", object_type="holidays:export", object_repr=str(out)[:200],
                      detail={"year": year})  # fmt: skip
        self.stdout.write(f"已导出{year}年到 {out}")

    def do_statutory(self, year, **_):
        try:
            with change_context(source="cli"):
                made = services.fill_statutory(year)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(f"已生成{year}年法定节假日{len(made)}天（未含调休，请在通知发布后补录）")

    def do_health(self, **_):
        ok, reason = workdays.calendar_health(date.today())
        (self.stdout if ok else self.stderr).write(reason)
        if not ok:
            raise SystemExit(1)
