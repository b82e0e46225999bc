"""`zhaoshang assess --policy NAME --period PERIOD [--format json|xlsx] [--out FILE] [--save] [--publish]`"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhaoshang.assessment import services
from zhaoshang.assessment.export import result_workbook
from zhaoshang.core.changelog import change_context
from zhaoshang.org.models import Policy


class Command(BaseCommand):
    help = "按政策文件计算考核结果：得分、排名、榜单、预警标记、资金与奖励，每一分注明条款"

    def add_arguments(self, parser):
        parser.add_argument("--policy", required=True, help="政策文件名称，如 xinfeng-2024")
        parser.add_argument(
            "--period", required=True, help="考核期：2024、2024-06、2023-Q3、2023-06..2023-08"
        )
        parser.add_argument("--format", choices=["json", "xlsx"], default="json")
        parser.add_argument("--out", help="输出文件（xlsx 必填；json 默认输出到屏幕）")
        parser.add_argument("--as-of", help="数据截至日期 YYYY-MM-DD（默认今天或考核期末）")
        parser.add_argument("--save", action="store_true", help="保存为草稿版本")
        parser.add_argument("--publish", action="store_true", help="保存并发布（锁定）")
        parser.add_argument("--reason", default="", help="更正已发布结果时的理由")
        parser.add_argument(
            "--current-organisation",
            action="store_true",
            help="已发布的考核期默认沿用发布时的组织和目标；加此项则按现行组织和目标计算",
        )

    def handle(self, *args, policy, period, format, out, as_of, save, publish, reason, **options):
        current = options.get("current_organisation", False)
        from datetime import date

        p = Policy.objects.filter(name=policy).select_related("jurisdiction").first()
        if p is None:
            raise CommandError(f"未载入的政策文件：{policy}（先运行 zhaoshang policy load {policy}）")
        if format == "xlsx" and not out:
            raise CommandError("xlsx 格式须用 --out 指定输出文件")
        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{as_of}") from None
        try:
            if save or publish:
                with change_context(source="system"):
                    run = services.run(p, period, reason=reason, as_of=day, current_organisation=current)
                    if publish:
                        run = services.publish(run)
                result, notes = run.result, run.notes
                self.stderr.write(f"已保存 {run}（{run.get_status_display()}）")
            else:
                organisation = services.organisation_for(p, services.period_key(p, period), current=current)
                result, _, notes, _ = services.compute(p, period, day, organisation)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        for note in notes:
            self.stderr.write(note)
        if format == "xlsx":
            if not out:
                raise CommandError("xlsx 格式须用 --out 指定输出文件")
            result_workbook(result, p).save(out)
            _record_export(p, period, out, format)
            self.stderr.write(f"已写入 {out}")
            return
        text = json.dumps(result, ensure_ascii=False, indent=2)
        if out:
            with open(out, "w", encoding="utf-8") as f:
                f.write(text + "\n")
            _record_export(p, period, out, format)
            self.stderr.write(f"已写入 {out}")
        else:
            self.stdout.write(text)


def _record_export(policy, period, out, format):
    """An assessment written to a file on the server is an export in the audit trail."""
    from zhaoshang.audit import events

    events.record(
        "export",
        source="cli",
        obj=policy,
        object_repr=str(out)[:200],
        detail={"what": "assessment", "period": period, "format": format},
    )
