"""职责任务 in Excel: the duty table out (every column the office reads), and the office's status
sheet in — one row per obligation, identified by 政策文件 + 职责规则 + 承担对象 + 期间起, bringing it
to 待办, 已完成 or 不适用 (with its reason). All or nothing, each error named by row and column
(exchange/importer.py); every change goes through `duties.duty_set_status`, the service the
pages and the API call. Registered with the other sheets when the app loads (`apps.Config.ready`)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhaoshang.exchange.layouts import Column, Layout, choice_parser, parse_date, text_parser

from . import duties
from .models import DUTY_STATUSES, DutyObligation

OFFICE_HOLDER = "招商办（本级）"
# 逾期 is derived (待办 past its due date): a sheet exported and sent back says 逾期 for those.
STATUS_CHOICES = [*DUTY_STATUSES.items()]


def _status_cell(o, c) -> str:
    return DUTY_STATUSES[o.status_on(timezone.localdate())]


def _reason_cell(o, c) -> str:
    return o.not_applicable_reason or o.completion_note


DUTIES = Layout(
    kind="duties",
    title="职责任务",
    sheet="职责任务",
    columns=(
        Column("政策文件", "policy", "policy", text_parser(64), lambda o, c: o.policy.name, required=True),
        Column(
            "职责规则", "rule", "rule", text_parser(64), lambda o, c: o.rule, required=True, note="规则代号"
        ),
        Column(
            "承担对象",
            "holder",
            "unit",
            text_parser(120),
            lambda o, c: o.holder_label,
            required=True,
            width=20,
            note=f"单位或团队名称；招商办自身的职责填“{OFFICE_HOLDER}”",
        ),
        Column(
            "期间起",
            "period_start",
            "period_start",
            parse_date,
            lambda o, c: o.period_start,
            required=True,
            kind="date",
        ),
        Column(
            "状态",
            "status",
            "completed_at",
            choice_parser(STATUS_CHOICES),
            _status_cell,
            required=True,
            note="待办、已完成、不适用（逾期即过期未完成的待办）",
        ),
        Column(
            "理由或说明",
            "reason",
            "not_applicable_reason",
            text_parser(500),
            _reason_cell,
            width=30,
            note="不适用须填写理由；已完成可填写完成情况",
        ),
    ),
    extra=(
        Column("职责", "title", "title", text_parser(300), lambda o, c: o.title, width=40),
        Column("条款", "clause", "clause", text_parser(120), lambda o, c: o.clause),
        Column("期间止", "period_end", "period_end", parse_date, lambda o, c: o.period_end, kind="date"),
        Column("截止日期", "due_on", "due_on", parse_date, lambda o, c: o.due_on, kind="date"),
        Column(
            "完成时间",
            "completed_at",
            "completed_at",
            text_parser(40),
            lambda o, c: (
                timezone.localtime(o.completed_at).strftime("%Y-%m-%d %H:%M") if o.completed_at else ""
            ),
        ),
        Column(
            "自动销号依据",
            "proved_by",
            "proved_by",
            text_parser(500),
            lambda o, c: "；".join(x.get("text", "") for x in o.proved_by or []),
            width=30,
        ),
    ),
    export_extra=True,
)
NOTES = [
    "一行为一项职责任务（某政策文件的一条职责、一个承担对象、一期），以“政策文件 + 职责规则 + 承担对象 + 期间起”识别；"
    "职责任务由平台按政策文件生成，本表只改变其状态，不新建。",
    "状态：已完成、不适用（须填写理由）、待办（重新打开已办结或不适用的任务）；“逾期”按待办处理。",
    "只有招商办可以导入本表；整表校验，有任何一处错误则全部不导入，并列出每处错误的行号、列名和原因。",
]


def duty_queryset(qs):
    qs = qs.select_related("policy", "unit", "team")
    return qs if qs.query.order_by else qs.order_by("policy__name", "rule", "due_on", "id")


def export_duties(queryset=None, *, user=None, out=None) -> bytes | None:
    from zhaoshang.exchange.exporter import export_records

    if queryset is None:
        queryset = (
            DutyObligation.objects.visible_to(user) if user is not None else DutyObligation.objects.all()
        )
    return export_records(DUTIES, duty_queryset(queryset).iterator(chunk_size=2000), user=user, out=out)


def _job():
    from zhaoshang.exchange.importer import ImportError, _Import

    class _DutyStatusImport(_Import):
        def validate(self) -> None:
            user = self.actor.user
            if not duties.is_office(user):
                self.error(None, None, "只有招商办可以导入职责任务状态")
                return
            self.parse_cells()
            names = {row.values.get("policy") for row in self.rows if not row.bad}
            found = {
                (o.policy.name, o.rule, o.holder_label, o.period_start): o
                for o in DutyObligation.objects.visible_to(user)
                .filter(policy__name__in=[n for n in names if n])
                .select_related("policy", "unit", "team")
            }
            self.todo: list[tuple] = []  # (obligation, status, reason, row)
            self.late: list = []
            seen: dict[tuple, int] = {}
            for row in self.rows:
                if row.bad:
                    continue
                v = row.values
                key = (v["policy"], v["rule"], v["holder"], v["period_start"])
                ob = found.get(key)
                if ob is None:
                    self.error(
                        row,
                        "职责规则",
                        f"未找到职责任务：政策文件“{v['policy']}”、规则“{v['rule']}”、承担对象“{v['holder']}”、"
                        f"期间起 {v['period_start']:%Y-%m-%d}（须为您可见的、已生成的职责任务）",
                    )
                    continue
                if key in seen:
                    self.error(row, "期间起", f"与第{seen[key]}行重复：同一职责任务只能有一行")
                    continue
                seen[key] = row.number
                status = "pending" if v["status"] == "overdue" else v["status"]
                reason = v.get("reason", "") or ""
                if status == "not_applicable" and not reason.strip():
                    self.error(row, "理由或说明", "状态为不适用时须填写理由")
                    continue
                self.todo.append((ob, status, reason, row))

        def write(self) -> None:
            user = self.actor.user
            for ob, status, reason, row in self.todo:
                try:
                    changed = duties.duty_set_status(obligation=ob, status=status, reason=reason, by=user)
                except (ValidationError, PermissionDenied) as exc:
                    messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                    self.late.append(ImportError(row.number, "状态", "；".join(messages)))
                    continue
                row.outcome = "updated" if changed else "unchanged"
            self.count()

        def check_scope(self) -> list:
            # A status the service refused (checked again inside the transaction) undoes all.
            return self.late

    return _DutyStatusImport


def register() -> None:
    """Add the sheet to the import, export and template registries (called once, at app load)."""
    from zhaoshang.exchange import exporter, importer, layouts, views

    from .duties_filters import DutyObligationFilterSet

    if DUTIES.kind in layouts.LAYOUTS:
        return
    layouts.LAYOUTS[DUTIES.kind] = DUTIES
    importer._JOBS[DUTIES.kind] = (DutyObligation, _job())
    exporter._EXPORTS[DUTIES.kind] = export_duties
    views.MODELS[DUTIES.kind] = (DutyObligation, DutyObligationFilterSet, "supervision:dutyobligation_list")
    views.SORTS[DUTIES.kind] = {"due_on", "rule"}
    exporter._GENERAL_NOTES[DUTIES.kind] = NOTES
    exporter._CHOICES.setdefault("状态", list(DUTY_STATUSES.values()))
