"""The problem list in Excel (问题清单台账): exported as filtered, imported all or nothing.

An export re-imports: its first columns are the ones the import reads, the rest (期限, 状态, 亮灯,
办理结果…) are the platform's and ignored on the way in. A row is matched to a problem already on
the list by its project (or enterprise), title and date raised: re-importing a file changes only
what was edited in it. Every row goes through the model's clean() and the one write-scope rule
(`core.scoping.write_scope_errors`) as the form and the API do; errors name the row and column in
Chinese, and if any row has one nothing is saved.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook

from zhaoshang.core.changelog import change_context
from zhaoshang.core.scoping import can_change, membership, write_scope_errors
from zhaoshang.exchange.layouts import escape_text, is_blank, shown, unescape_text
from zhaoshang.exchange.results import ImportResult, RowError, first_sheet
from zhaoshang.exchange.results import Rollback as _Rollback
from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.org.models import Person, Team, Unit

from . import problems as services
from .models import MAX_WORKDAYS, Problem

SHEET = "问题清单"
# (header, required on import)
IMPORTED = [
    ("问题", True),
    ("项目名称", False),
    ("企业名称", False),
    ("问题描述", False),
    ("问题来源", False),
    ("提出单位", True),
    ("提出团队", False),
    ("要素保障单位", True),
    ("责任领导", False),
    ("提出日期", True),
    ("办理时限（工作日）", True),
]
EXPORTED_ONLY = ["办结期限", "状态", "亮灯", "办理结果", "办结日期", "销号日期", "退回次数", "逾期督办"]
HEADERS = [h for h, _ in IMPORTED] + EXPORTED_ONLY
MAX_ROWS = 5000


def _text(value) -> str:
    return escape_text(str(value)) if value not in (None, "") else ""


def export_problems(queryset, *, today: date | None = None) -> bytes:
    from .problems_views import light_text

    today = today or timezone.localdate()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    ws.append(HEADERS)
    qs = queryset.select_related(
        "project", "enterprise", "requester_unit", "requester_team", "support_unit", "responsible_leader"
    ).order_by("due_on", "id")
    for p in qs:
        ws.append(
            [
                _text(p.title),
                _text(p.project.name if p.project_id else ""),
                _text(p.enterprise.name if p.enterprise_id else ""),
                _text(p.description),
                p.get_source_display(),
                _text(p.requester_unit.name),
                _text(p.requester_team.name if p.requester_team_id else ""),
                _text(p.support_unit.name),
                _text(p.responsible_leader.name if p.responsible_leader_id else ""),
                p.raised_on,
                p.deadline_workdays,
                p.due_on,
                p.get_status_display(),
                light_text(p, today),
                _text(p.resolution),
                p.resolved_on,
                p.closed_on,
                p.rejections,
                "是" if p.escalated_at else "",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{shown(value)}”不是日期（应如 2024-06-12）")


def _workdays(value) -> int:
    try:
        n = float(str(value).strip())
    except ValueError:
        raise ValueError(f"“{shown(value)}”不是整数") from None
    if not n.is_integer() or not 1 <= n <= MAX_WORKDAYS:
        raise ValueError(f"应为 1 至 {MAX_WORKDAYS} 的整数，实为“{shown(value)}”")
    return int(n)


SOURCES = {label: value for value, label in Problem.Source.choices}


def import_problems(data: bytes, *, user, dry_run: bool = False) -> ImportResult:
    result = ImportResult()
    rows = first_sheet(data, result)
    if rows is None:
        return result
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [h for h, required in IMPORTED if required and h not in headers]
    if missing:
        result.errors.append(RowError(1, None, f"缺少必填列：{'、'.join(missing)}"))
        return result
    if len(rows) - 1 > MAX_ROWS:
        result.errors.append(RowError(None, None, f"一次最多导入 {MAX_ROWS} 行"))
        return result
    col = {h: headers.index(h) for h, _ in IMPORTED if h in headers}
    m = membership(user)
    if m is None and not user.is_superuser:
        result.errors.append(RowError(None, None, "您的账号没有业务角色，不能导入"))
        return result
    if not can_change(user, Problem):
        result.errors.append(RowError(None, None, "只有提出单位（团队）的联络员和招商办可以导入问题清单"))
        return result
    units = Unit.objects.visible_to(user)
    teams = Team.objects.visible_to(user)
    projects = Project.objects.visible_to(user)
    enterprises = Enterprise.objects.visible_to(user)
    people = Person.objects.visible_to(user)
    try:
        with transaction.atomic(), change_context(user=user, source="import", reason="导入"):
            for number, raw in enumerate(rows[1:], start=2):
                cells = {h: (unescape_text(raw[i].strip()) if isinstance(raw[i], str) else raw[i])
                         if i < len(raw) else "" for h, i in col.items()}  # fmt: skip
                if all(is_blank(v) for v in cells.values()):
                    continue
                result.rows += 1
                _import_row(number, cells, user, result, units, teams, projects, enterprises, people)
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if result.errors:
        result.created = result.updated = result.unchanged = 0
    return result


def _one(qs, name: str, what: str):
    hits = list(qs.filter(name=name)[:2])
    if not hits:
        raise ValueError(f"未找到{what}“{name}”（须为您可见的{what}名称）")
    if len(hits) > 1:
        raise ValueError(f"有多个名为“{name}”的{what}，请在网页上登记")
    return hits[0]


def _import_row(number, cells, user, result, units, teams, projects, enterprises, people) -> None:
    errors_before = len(result.errors)

    def err(column, message):
        result.errors.append(RowError(number, column, message))

    values = {}
    for header, required in IMPORTED:
        if required and is_blank(cells.get(header)):
            err(header, "必填")
    title = str(cells.get("问题") or "").strip()
    if len(title) > 120:
        err("问题", "不能超过 120 个字")
    project = enterprise = None
    pname, ename = str(cells.get("项目名称") or "").strip(), str(cells.get("企业名称") or "").strip()
    if pname:
        qs = projects.filter(enterprise__name=ename) if ename else projects
        try:
            project = _one(qs, pname, "项目")
        except ValueError as exc:
            err("项目名称", str(exc))
    elif ename:
        try:
            enterprise = _one(enterprises, ename, "企业")
        except ValueError as exc:
            err("企业名称", str(exc))
    else:
        err("项目名称", "项目名称和企业名称须填写其中一个")
    source_text = str(cells.get("问题来源") or "").strip()
    source = Problem.Source.CLERK
    if source_text:
        source = SOURCES.get(source_text)
        if source is None:
            err("问题来源", f"应为{'、'.join(SOURCES)}之一，实为“{shown(source_text)}”")
        # A meeting's problem (its decision linked on the page) re-imports from an export as it is.
    for header, key, qs, what in (
        ("提出单位", "requester_unit", units, "单位"),
        ("要素保障单位", "support_unit", units, "单位"),
        ("提出团队", "requester_team", teams, "团队"),
        ("责任领导", "responsible_leader", people, "人员"),
    ):
        text = str(cells.get(header) or "").strip()
        values[key] = None
        if text:
            try:
                values[key] = _one(qs, text, what)
            except ValueError as exc:
                err(header, str(exc))
    raised_on = deadline = None
    if not is_blank(cells.get("提出日期")):
        try:
            raised_on = _date(cells["提出日期"])
        except ValueError as exc:
            err("提出日期", str(exc))
    if not is_blank(cells.get("办理时限（工作日）")):
        try:
            deadline = _workdays(cells["办理时限（工作日）"])
        except ValueError as exc:
            err("办理时限（工作日）", str(exc))
    if len(result.errors) > errors_before:
        return
    same = Problem.objects.filter(project=project, enterprise=enterprise, title=title, raised_on=raised_on)
    existing = same.visible_to(user).first()
    if existing is None and same.exists():
        err("问题", "该项目（企业）同日已登记同名问题，不在您的权限范围内，不能导入")
        return
    if source == Problem.Source.MEETING and (existing is None or existing.source != Problem.Source.MEETING):
        err("问题来源", "调度会议议定的问题须关联议定事项，请在网页上登记")
        return
    p = existing or Problem(project=project, enterprise=enterprise, title=title, raised_on=raised_on)
    fields = {
        "description": str(cells.get("问题描述") or "").strip(),
        "source": source,
        "deadline_workdays": deadline,
        **values,
    }
    if existing is not None and all(
        getattr(existing, k) == v for k, v in fields.items() if not (k == "responsible_leader" and v is None)
    ):
        result.unchanged += 1
        return
    if existing is not None and not can_change(user, existing):
        why = (
            "问题已销号，不能再修改"
            if existing.status == Problem.Status.CLOSED
            else ("只有提出单位（团队）和招商办可以修改问题；要素保障单位请在问题页面办理、办结")
        )
        err("问题", why)
        return
    for k, v in fields.items():
        if k == "responsible_leader" and v is None and existing is not None:
            continue
        setattr(p, k, v)
    services.problem_prepare(problem=p, by=user)
    scope = write_scope_errors(user, p, before=None if existing is None else Problem.objects.get(pk=p.pk))
    labels = {f.name: str(f.verbose_name) for f in Problem._meta.fields}
    for name, message in scope.items():
        err(labels.get(name, name), message)
    if scope:
        return
    try:
        p.full_clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            column = None if name == "__all__" else labels.get(name, name)
            for message in messages:
                err(column, message)
        return
    try:
        with transaction.atomic():
            p.save()
    except IntegrityError:
        err(None, "与已有记录冲突，未导入")
        return
    if not Problem.objects.visible_to(user).filter(pk=p.pk).exists():
        err("提出单位", "不能将问题登记到您权限范围以外的单位或团队")
        return
    if existing is None:
        result.created += 1
    else:
        result.updated += 1
