"""Writing the ledger and field work to Excel, in the import layout, so an export re-imports unchanged.

Dates are date cells ('yyyy-mm-dd', months 'yyyy-mm') and amounts are numbers ('0.00'), so the
office can sort and sum them; text that a spreadsheet would run as a formula gets a leading
apostrophe (the importer takes it off again). Also here: the blank template, and the error
workbook (the uploaded rows, the offending cells in red, and a last column 错误).
"""

from __future__ import annotations

import io
import json
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from zhaoshang.assessment.models import (
    AwardDecision,
    HolderRef,
    MetricValue,
    OfficeDecision,
    ProjectEvaluation,
    ProjectTax,
    ProjectTransfer,
    SurveyScore,
    policy_award_rules,
    policy_decisions,
    policy_metrics,
)
from zhaoshang.fieldwork.models import REGIONS, Activity
from zhaoshang.ledger.models import ENTERPRISE_TAGS, Investment, Project
from zhaoshang.org.models import Unit

from .layouts import (
    ACTIVITIES,
    ACTIVITY_KINDS,
    AWARDS,
    DECISIONS,
    EVALUATIONS,
    INVESTMENTS,
    METRICS,
    PROJECTS,
    SURVEYS,
    TAXES,
    TRANSFERS,
    Column,
    Layout,
    escape_text,
    layout_for,
)

NUMBER_FORMATS = {"decimal": "0.00", "date": "yyyy-mm-dd", "month": "yyyy-mm"}
HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_FONT = Font(color="9C0006")
ERROR_HEADER = "错误"
ERROR_DIR = "import-errors"
ERROR_KEEP_DAYS = 7


class ExportContext:
    """What a cell depends on beyond its record: how to name a unit so that it reads back as the
    same unit (its name; "县/单位" when the name repeats among the units the user sees)."""

    def __init__(self, user=None):
        units = Unit.objects.visible_to(user) if user is not None else Unit.objects.all()
        self.repeated = set(
            units.values("name").annotate(n=Count("id")).filter(n__gt=1).values_list("name", flat=True)
        )
        self._places: dict[int, str] = {}

    def unit_label(self, unit: Unit) -> str:
        if unit.name not in self.repeated:
            return unit.name
        if unit.jurisdiction_id not in self._places:
            self._places[unit.jurisdiction_id] = unit.jurisdiction.name
        return f"{self._places[unit.jurisdiction_id]}/{unit.name}"


def _cell(ws, value: Any, column: Column | None = None, *, fill=None, font=None):
    """A write-only cell: typed, formatted, and never a formula."""
    if isinstance(value, str):
        value = escape_text(value)
    elif isinstance(value, datetime):
        value = value.replace(tzinfo=None)
    number_format = None
    if column is not None and column.kind in NUMBER_FORMATS and value not in (None, ""):
        number_format = NUMBER_FORMATS[column.kind]
    elif isinstance(value, date):
        number_format = "yyyy-mm-dd"
    if number_format is None and fill is None and font is None:
        return value
    cell = WriteOnlyCell(ws, value=value)
    if number_format:
        cell.number_format = number_format
    if fill is not None:
        cell.fill = fill
    if font is not None:
        cell.font = font
    return cell


def _header_row(ws, layout: Layout, extra: list[str] = ()) -> list:
    cells = []
    for c in layout.exported:
        cell = WriteOnlyCell(ws, value=c.header)
        cell.font = HEADER_FONT
        if c.required:
            cell.fill = REQUIRED_FILL
        cells.append(cell)
    for header in extra:
        cell = WriteOnlyCell(ws, value=header)
        cell.font = HEADER_FONT
        cells.append(cell)
    return cells


def _widths(ws, layout: Layout) -> None:
    for i, c in enumerate(layout.exported, start=1):
        ws.column_dimensions[get_column_letter(i)].width = c.width + 2


def _save(wb: Workbook, out) -> bytes | None:
    if out is None:
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()
    wb.save(str(out) if isinstance(out, Path) else out)
    return None


def export_records(layout: Layout, records, *, user=None, out=None) -> bytes | None:
    """Rows of `records` (an iterable of model instances) in `layout`; bytes, or written to `out`
    (a path or a binary file)."""
    ctx = ExportContext(user)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(layout.sheet)
    _widths(ws, layout)
    ws.freeze_panes = "A2"
    ws.append(_header_row(ws, layout))
    columns = layout.exported
    for obj in records:
        ws.append([_cell(ws, c.get(obj, ctx), c) for c in columns])
    return _save(wb, out)


def project_queryset(qs):
    """What the project layout reads, in one query; the list page's order unless one is given."""
    qs = qs.select_related("enterprise", "unit__jurisdiction", "host_unit__jurisdiction")
    return qs if qs.query.order_by else qs.order_by("-registered_on", "-id")


def investment_queryset(qs):
    qs = qs.select_related("project__enterprise", "unit__jurisdiction")
    return qs if qs.query.order_by else qs.order_by("-month", "project__name", "id")


def export_projects(queryset=None, *, user=None, out=None) -> bytes | None:
    """Projects (a queryset, already filtered and scoped; all visible to `user` when None)."""
    if queryset is None:
        queryset = Project.objects.visible_to(user) if user is not None else Project.objects.all()
    return export_records(PROJECTS, project_queryset(queryset).iterator(chunk_size=2000), user=user, out=out)


def export_investments(queryset=None, *, user=None, out=None) -> bytes | None:
    if queryset is None:
        queryset = Investment.objects.visible_to(user) if user is not None else Investment.objects.all()
    return export_records(
        INVESTMENTS, investment_queryset(queryset).iterator(chunk_size=2000), user=user, out=out
    )


def activity_queryset(qs):
    qs = qs.select_related("unit__jurisdiction", "team", "enterprise")
    return qs if qs.query.order_by else qs.order_by("-date", "-id")


def export_activities(queryset=None, *, user=None, out=None) -> bytes | None:
    """Activities (not leads: their titles are their own) in the field-work layout."""
    if queryset is None:
        queryset = Activity.objects.visible_to(user) if user is not None else Activity.objects.all()
    return export_records(
        ACTIVITIES, activity_queryset(queryset).iterator(chunk_size=2000), user=user, out=out
    )


_EXPORTS = {
    PROJECTS.kind: export_projects,
    INVESTMENTS.kind: export_investments,
    ACTIVITIES.kind: export_activities,
}
# The office's entries for assessments: the model and what its layout reads.
_HOLDER_RELATED = ("policy", "team", "unit__jurisdiction", "person", "holder_jurisdiction")
ENTRY_MODELS = {
    METRICS.kind: (MetricValue, _HOLDER_RELATED),
    SURVEYS.kind: (SurveyScore, _HOLDER_RELATED),
    DECISIONS.kind: (OfficeDecision, _HOLDER_RELATED),
    AWARDS.kind: (AwardDecision, (*_HOLDER_RELATED, "project")),
    TAXES.kind: (ProjectTax, ("project__enterprise",)),
    EVALUATIONS.kind: (ProjectEvaluation, ("project__enterprise",)),
    TRANSFERS.kind: (ProjectTransfer, ("project__enterprise", "hosting")),
}


def export_entries(kind: str, queryset=None, *, user=None, out=None) -> bytes | None:
    """The office's entries of one kind (statistics, decisions, project taxes…) in their layout."""
    model, related = ENTRY_MODELS[kind]
    if queryset is None:
        queryset = model.objects.visible_to(user) if user is not None else model.objects.all()
    qs = queryset.select_related(*related)
    qs = qs if qs.query.order_by else qs.order_by(*(model._meta.ordering or ["pk"]), "pk")
    return export_records(layout_for(kind), qs.iterator(chunk_size=2000), user=user, out=out)


def export_file(kind: str, queryset=None, *, user=None, out=None) -> bytes | None:
    kind = layout_for(kind).kind
    if kind in ENTRY_MODELS:
        return export_entries(kind, queryset, user=user, out=out)
    return _EXPORTS[kind](queryset, user=user, out=out)


# --- The template ----------------------------------------------------------------------------------

_CHOICES = {
    "项目阶段": [*Project.Stage.labels, *Project.SigningKind.labels, *Project.StartKind.labels],
    "签约方式": list(Project.SigningKind.labels),
    "开工方式": list(Project.StartKind.labels),
    "推介会签约": ["是", "否"],
    "类型": [label for _, label in ACTIVITY_KINDS],
    "主要负责人带队": ["是", "否"],
    "区域": [label for _, label in REGIONS],
    "对象类型": list(HolderRef.Holder.labels),
    "已入统": ["是", "否"],
    "有税收": ["是", "否"],
    "投资额属实": ["是", "否"],
}
_GENERAL_NOTES = {
    "projects": [
        "一行一个项目；第1行为表头，请勿改动表头文字。黄色表头为必填列，其余列可不填或删去，也可增加其他列（导入时忽略）。",
        "同一企业（按统一社会信用代码，未填时按企业名称）的项目归同一引进单位：已由其他单位首报的企业须先申请归属裁定。",
        "项目以“项目名称 + 企业”识别：重复导入同一文件不会重复登记，只更新有变化的项目；阶段变化记入阶段变更记录。",
        "阶段与日期须一致：签约须填签约日期，开工须填开工日期，投产、达产须填投产日期；日期不能晚于今天。",
        "整表校验：有任何一处错误则全部不导入，并列出每处错误的行号、列名和原因。",
    ],
    "investments": [
        "一行为一个项目一个月份计入一个单位的实际进资；项目须已登记（先导入项目表）。",
        "项目名称重复时，填写企业的统一社会信用代码加以区分。",
        "计入单位不填时计入项目的引进单位；同一项目同一月份可分成计入多个单位，每个单位一行。",
        "重复导入同一文件不会重复登记；金额有变化的行更新为新金额。",
        "整表校验：有任何一处错误则全部不导入，并列出每处错误的行号、列名和原因。",
    ],
    **{
        layout.kind: [
            f"一行一条{layout.title}；第1行为表头，请勿改动表头文字。黄色表头为必填列，其余列可不填或删去。",
            *lines,
            "整表校验：有任何一处错误则全部不导入，并列出每处错误的行号、列名和原因；重复导入同一文件不会重复登记，只更新有变化的行。",
        ]
        for layout, lines in (
            (
                METRICS,
                [
                    "政策文件可填名称（如 xinfeng-2024）或标题，不填则为导入时选择的政策文件；对象在该政策文件的行政区划内按名称识别。",
                    "指标须为该政策文件的统计指标，填写中文名称（见下方列表）；期间可写 2024年6月、2024-06、2024年第二季度、2024年上半年、2024年，须在政策文件的考核期内。",
                    "以“政策文件 + 对象 + 指标 + 期间”识别：再次导入时更新数值和数据来源。",
                ],
            ),
            (
                SURVEYS,
                [
                    "以“政策文件 + 对象 + 测评期”识别：再次导入时更新得分。测评期如 2021年上半年、2021-H1、2021年。",
                ],
            ),
            (
                DECISIONS,
                [
                    "认定事项须为该政策文件的规则中由办公室认定的事项（见下方列表）。上年度的结果（如上年度后三名）填上年度的期间，如 2023年。",
                    "以“政策文件 + 认定事项 + 对象 + 期间”识别：再次导入时更新依据。",
                ],
            ),
            (
                AWARDS,
                [
                    "规则填奖励规则的代号或标题（见下方列表）；按等次设定金额时填等次、不填对象，项目奖励时填对象和项目。",
                    "以“政策文件 + 规则 + 等次 + 对象 + 项目”识别：再次导入时更新金额。",
                ],
            ),
            (TAXES, ["项目须已登记且您可见；项目名称重复时填写统一社会信用代码区分。以“项目 + 月份”识别。"]),
            (EVALUATIONS, ["项目须已登记且您可见。以“项目 + 年度”识别；是 / 否不填为未核实。"]),
            (TRANSFERS, ["项目须已登记且您可见；落地县不能是项目引进地本身。一个项目一行，以项目识别。"]),
        )
    },  # fmt: skip
    "activities": [
        "一行一条招商活动；类型为“信息报送”的行登记为一条线索信息（报送日期为日期，信息标题取内容前60字，内容为空时取企业名称）。",
        "单位须为您可见的单位名称或别名；联络员只能导入本单位或本团队的记录。企业名称与客商库中您可见的企业相符时自动关联，否则按文字保存。",
        "招商活动以“类型 + 单位 + 日期 + 地点 + 企业名称 + 带队领导”识别，线索信息以“单位 + 日期 + 信息标题 + 企业名称”识别："
        "重复导入同一文件不会重复登记，只更新有变化的记录（如主要负责人带队、内容、天数）。",
        "拜访企业须填写企业名称；接待客商须填写客商或企业名称；信息报送须填写内容或企业名称。",
        "可另加“天数”“区域”“团队”“随行人员”“对接人及职务”“客商”“邀请客商（批次）”“费用（元）”列，导入时一并识别；导出的表格包含这些列。",
        "整表校验：有任何一处错误则全部不导入，并列出每处错误的行号、列名和原因。",
    ],
}


def policy_choices(kind: str, policy) -> dict[str, list[str]]:
    """The values a column takes for one policy (its metrics, decisions, award rules), by header."""
    if policy is None:
        return {}
    if kind == METRICS.kind:
        return {"指标": list(policy_metrics(policy).values())}
    if kind == DECISIONS.kind:
        return {"认定事项": list(policy_decisions(policy).values())}
    if kind == AWARDS.kind:
        rules = policy_award_rules(policy)
        grades = [g.grade for r in rules for g in getattr(policy.spec().rule(r), "grades", [])]
        return {"规则": list(rules), "等次": list(dict.fromkeys(grades))}
    return {}


def write_template(kind: str, out=None, *, policy=None) -> bytes | None:
    """An empty sheet with the layout's headers (required ones shaded, a note on each), drop-down
    lists where the values are fixed, and a sheet of instructions. For the office's entries,
    `policy` fills in the policy column's note and lists its metrics, decisions or award rules."""
    layout = layout_for(kind)
    listed = policy_choices(kind, policy)
    wb = Workbook()
    ws = wb.active
    ws.title = layout.sheet
    for i, c in enumerate(layout.columns, start=1):
        cell = ws.cell(row=1, column=i, value=c.header)
        cell.font = HEADER_FONT
        cell.alignment = Alignment(horizontal="center")
        if c.required:
            cell.fill = REQUIRED_FILL
        note = ("必填。" if c.required else "选填。") + c.hint
        cell.comment = Comment(note, "招商引资工作平台")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = c.width + 2
        if c.kind in NUMBER_FORMATS:
            for row in range(2, 502):
                ws.cell(row=row, column=i).number_format = NUMBER_FORMATS[c.kind]
        choices = _CHOICES.get(c.header) or listed.get(c.header)
        if choices and len(",".join(choices)) > 250:
            choices = None  # Excel's list validation holds 255 characters: the notes sheet lists them
        if choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
            dv.error = f"请从下拉列表中选择：{'、'.join(choices)}"
            dv.errorTitle = c.header
            dv.add(f"{letter}2:{letter}5000")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写说明"])
    for cell in notes[1]:
        cell.font = HEADER_FONT
    for c in layout.columns:
        notes.append([c.header, "必填" if c.required else "选填", c.hint])
    if layout.export_extra:
        for c in layout.extra:
            notes.append([c.header, "可另加", c.hint])
    notes.append([])
    for line in _GENERAL_NOTES[layout.kind]:
        notes.append([line])
    if policy is not None:
        notes.append(
            [
                f"政策文件：{policy.name}（{policy.title}），考核期 {policy.start:%Y-%m-%d} 至 {policy.end:%Y-%m-%d}"
            ]
        )
        for header, values in listed.items():
            notes.append([f"{header}可选：{'、'.join(values)}"])
        if kind == AWARDS.kind:
            for rule, title in policy_award_rules(policy).items():
                notes.append([f"规则 {rule}：{title}"])
    elif kind in (METRICS.kind, DECISIONS.kind, AWARDS.kind):
        notes.append(["下载模板时选择政策文件，此处将列出该政策文件的可选指标、认定事项或奖励规则。"])
    if layout is PROJECTS:
        notes.append([f"企业类别可选：{'、'.join(ENTERPRISE_TAGS)}"])
        notes.append(["可另加“达产日期”“终止日期”“终止原因”列，导入时一并识别。"])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 80
    return _save(wb, out)


# --- The error workbook ----------------------------------------------------------------------------


def write_error_workbook(sheet, errors, out=None) -> bytes | None:
    """The uploaded sheet as read (title rows, header and data, typed as they were), with each
    offending cell filled red and every row's problems in a last column 错误."""
    by_row: dict[int, list] = defaultdict(list)
    for e in errors:
        if e.row:
            by_row[e.row].append(e)
    width = max((len(r) for r in sheet.raw), default=0)
    last = 0
    for i in range(width - 1, -1, -1):
        if any(i < len(r) and r[i] not in ("", None) for r in sheet.raw[: sheet.header_row]):
            last = i + 1
            break
    width = max(last, max(sheet.index.values(), default=-1) + 1)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet.name[:31] or "Sheet1")
    ws.freeze_panes = f"A{sheet.header_row + 1}"
    for i in range(width):
        ws.column_dimensions[get_column_letter(i + 1)].width = 16
    ws.column_dimensions[get_column_letter(width + 1)].width = 60
    for number, cells in enumerate(sheet.raw, start=1):
        problems = by_row.get(number, [])
        bad_columns = {sheet.index.get(e.column) for e in problems if e.column in sheet.index}
        out_row = []
        for i in range(width):
            value = cells[i] if i < len(cells) else None
            if value == "":
                value = None
            fill = ERROR_FILL if i in bad_columns else None
            font = HEADER_FONT if number == sheet.header_row else None
            out_row.append(_cell(ws, value, fill=fill, font=font))
        if number == sheet.header_row:
            head = WriteOnlyCell(ws, value=ERROR_HEADER)
            head.font = HEADER_FONT
            head.fill = ERROR_FILL
            out_row.append(head)
        elif problems:
            text = "；".join(f"【{e.column}】{e.message}" if e.column else e.message for e in problems)
            out_row.append(_cell(ws, text, font=ERROR_FONT))
        ws.append(out_row)
    return _save(wb, out)


def store_error_workbook(result, user) -> str | None:
    """Keep the error workbook of a failed upload for its uploader; returns its token. It goes to the
    platform's file storage (ops/storage.py), so any app server can hand it back."""
    if result.sheet is None or not result.errors:
        return None
    _sweep()
    token = uuid.uuid4().hex
    data = write_error_workbook(result.sheet, result.errors)
    meta = {"user": user.pk, "kind": result.kind, "filename": result.filename, "errors": len(result.errors)}
    default_storage.save(f"{ERROR_DIR}/{token}.xlsx", ContentFile(data))
    default_storage.save(
        f"{ERROR_DIR}/{token}.json", ContentFile(json.dumps(meta, ensure_ascii=False).encode())
    )
    return token


def stored_error_workbook(token: str, user) -> tuple[str, dict] | None:
    """The stored workbook's name in the file storage and its metadata, only for the user who
    uploaded it."""
    try:
        token = uuid.UUID(str(token)).hex
    except ValueError:
        return None
    name, meta_name = f"{ERROR_DIR}/{token}.xlsx", f"{ERROR_DIR}/{token}.json"
    if not default_storage.exists(name) or not default_storage.exists(meta_name):
        return None
    with default_storage.open(meta_name, "rb") as f:
        meta = json.loads(f.read().decode("utf-8"))
    if meta.get("user") != user.pk:
        return None
    return name, meta


def _sweep() -> None:
    """Error workbooks are kept ERROR_KEEP_DAYS days."""
    sweep_stale(ERROR_DIR, timedelta(days=ERROR_KEEP_DAYS))


def sweep_stale(directory: str, max_age: timedelta) -> int:
    """Delete the files of `directory` in the file storage last written more than `max_age` ago
    (staged uploads, error workbooks); returns how many. A missing directory is empty."""
    cutoff = timezone.now() - max_age
    try:
        names = default_storage.listdir(directory)[1]
    except (FileNotFoundError, NotADirectoryError):
        return 0
    gone = 0
    for name in names:
        try:
            if default_storage.get_modified_time(f"{directory}/{name}") < cutoff:
                default_storage.delete(f"{directory}/{name}")
                gone += 1
        except (OSError, FileNotFoundError):
            pass
    return gone
