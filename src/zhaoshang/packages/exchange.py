"""Packaged projects and merchants in and out of Excel, all or nothing (the shared readers of
exchange/reader.py and the cell parsers of exchange/layouts.py, as resources/exchange.py uses them).

- 招商项目包: a row is matched to a package already there by its chain and name; chains, segments,
  teams, units and landed projects are named as on screen, among those the user may see.
- 客商库: a row is matched by name and company in the user's jurisdiction.

Every row goes through the model's clean() (and, for packages, the write-scope rule of
core/scoping.py a clerk is held to); errors name the row and column in Chinese, and if any row
has one nothing is saved. `dry_run` checks everything inside a transaction that is rolled back
(the preview). The export re-imports: texts are escaped against formulas, a merchant's contact is
masked for roles that may not see it (core/privacy.py)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from openpyxl import Workbook

from zhaoshang.chains.models import ChainSegment, IndustryChain
from zhaoshang.core.changelog import change_context
from zhaoshang.core.privacy import mask_values, may_see_personal_data, personal_fields
from zhaoshang.core.scoping import can_change, membership, write_scope_errors
from zhaoshang.exchange.layouts import (
    CellError,
    choice_parser,
    escape_text,
    is_blank,
    model_text_parser,
    parse_date,
    parse_decimal,
    parse_yes_no,
    unescape_text,
)
from zhaoshang.exchange.results import ImportResult, RowError, first_sheet
from zhaoshang.exchange.results import Rollback as _Rollback
from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.org.models import Team, Unit

from .models import Merchant, ProjectPackage

MAX_ROWS = 5000
PACKAGE_SHEET = "招商项目包"
MERCHANT_SHEET = "客商库"


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    parse: Callable | None = None  # cell → value; None: a name looked up by the import


PACKAGE_COLUMNS = [
    Column("项目名称", "name", True, model_text_parser(ProjectPackage, "name")),
    Column("产业链", "chain", True),
    Column("产业链环节", "segment"),
    Column("重大招商项目", "major", False, parse_yes_no),
    Column("拟投资额（万元）", "investment", False, parse_decimal),
    Column("招商需求/合作方式", "needs", False, model_text_parser(ProjectPackage, "needs")),
    Column("责任团队", "team"),
    Column("责任单位", "unit"),
    Column("包装日期", "packaged_on", True, parse_date),
    Column("状态", "status", False, choice_parser(ProjectPackage.Status)),
    Column("落地项目", "project"),
    Column("备注", "notes", False, model_text_parser(ProjectPackage, "notes")),
]
MERCHANT_COLUMNS = [
    Column("客商姓名", "name", True, model_text_parser(Merchant, "name")),
    Column("所在企业", "company", False, model_text_parser(Merchant, "company")),
    Column("职务", "title", False, model_text_parser(Merchant, "title")),
    Column("联系电话", "phone", False, model_text_parser(Merchant, "phone")),
    Column("产业链", "chain"),
    Column("所在地区", "region", False, model_text_parser(Merchant, "region")),
    Column("来源", "source", False, model_text_parser(Merchant, "source")),
    Column("台账企业", "enterprise"),
    Column("备注", "notes", False, model_text_parser(Merchant, "notes")),
]


# --- Export -------------------------------------------------------------------------------------------


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, str):
        return escape_text(v)
    return v


def _xlsx(sheet: str, headers: list[str], rows) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(headers)
    for r in rows:
        ws.append([_cell(v) for v in r])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_packages(queryset) -> bytes:
    rows = []
    for p in queryset.select_related("chain", "segment", "team", "unit", "project").order_by(
        "chain_id", "name"
    ):
        rows.append([
            p.name, p.chain.name, p.segment.name if p.segment_id else "", p.major, p.investment, p.needs,
            p.team.name if p.team_id else "", p.unit.name if p.unit_id else "", p.packaged_on,
            p.get_status_display(), p.project.name if p.project_id else "", p.notes,
        ])  # fmt: skip
    return _xlsx(PACKAGE_SHEET, [c.header for c in PACKAGE_COLUMNS], rows)


def export_merchants(queryset, *, user) -> bytes:
    masked = not may_see_personal_data(user)
    maskers = personal_fields(Merchant)
    rows = []
    for m in queryset.select_related("chain", "enterprise").order_by("name", "id"):
        values = {"name": m.name, "title": m.title, "phone": m.phone}
        if masked:
            values = mask_values(values, maskers)
        rows.append([
            values["name"], m.company, values["title"], values["phone"], m.chain.name if m.chain_id else "",
            m.region, m.source, m.enterprise.name if m.enterprise_id else "", m.notes,
        ])  # fmt: skip
    return _xlsx(MERCHANT_SHEET, [c.header for c in MERCHANT_COLUMNS], rows)


# --- Import -------------------------------------------------------------------------------------------


def _sheet_rows(data: bytes, result: ImportResult, columns: list[Column]):
    """[(row number, {field: raw value})] of the first sheet, or None with the errors in `result`."""
    rows = first_sheet(data, result)
    if rows is None:
        return None
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [c.header for c in columns if c.required and c.header not in headers]
    if missing:
        result.errors.append(RowError(1, None, f"缺少必填列：{'、'.join(missing)}"))
        return None
    if len(rows) - 1 > MAX_ROWS:
        result.errors.append(RowError(None, None, f"一次最多导入 {MAX_ROWS} 行，请分批导入"))
        return None
    col = {c.field: headers.index(c.header) for c in columns if c.header in headers}
    out = []
    for n, raw in enumerate(rows[1:], start=2):
        cells = {}
        for fname, i in col.items():
            v = raw[i] if i < len(raw) else ""
            cells[fname] = unescape_text(v.strip()) if isinstance(v, str) else v
        out.append((n, cells))
    return out


class _Importer:
    model = None
    columns: list[Column] = []
    reason = ""

    def __init__(self, user, result: ImportResult):
        self.user = user
        self.result = result
        self.labels = {c.field: c.header for c in self.columns}
        m = membership(user)
        self.jurisdiction = m.jurisdiction if m is not None else None

    def err(self, number, fname, message):
        self.result.errors.append(RowError(number, self.labels.get(fname, fname) if fname else None, message))

    def parse(self, number, cells) -> dict | None:
        before = len(self.result.errors)
        values = {}
        for c in self.columns:
            raw = cells.get(c.field)
            if is_blank(raw):
                if c.required:
                    self.err(number, c.field, "必填")
                continue
            try:
                values[c.field] = c.parse(raw) if c.parse else self.lookup(c.field, str(raw).strip(), values)
            except (CellError, ValueError) as exc:
                self.err(number, c.field, str(exc))
        return values if len(self.result.errors) == before else None

    def lookup(self, fname, text, values):
        raise NotImplementedError

    def existing(self, values):
        raise NotImplementedError

    def new(self, values):
        return self.model()

    def run(self, rows, dry_run: bool) -> ImportResult:
        result = self.result
        try:
            with transaction.atomic(), change_context(user=self.user, source="import", reason=self.reason):
                seen: dict[tuple, int] = {}
                for number, cells in rows:
                    if all(is_blank(v) for v in cells.values()):
                        continue
                    result.rows += 1
                    values = self.parse(number, cells)
                    if values is None:
                        continue
                    key = self.key(values)
                    if key in seen:
                        self.err(number, "name", f"与第{seen[key]}行重复")
                        continue
                    seen[key] = number
                    self.write(number, values)
                if result.errors or dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        if result.errors:
            result.created = result.updated = result.unchanged = 0
        return result

    def write(self, number, values):
        existing = self.existing(values)
        if existing is not None and all(getattr(existing, k) == v for k, v in values.items()):
            self.result.unchanged += 1
            return
        obj = existing or self.new(values)
        for k, v in values.items():
            setattr(obj, k, v)
        try:
            obj.full_clean()
        except ValidationError as exc:
            for fname, messages in exc.message_dict.items():
                for message in messages:
                    self.err(number, None if fname == "__all__" else fname, message)
            return
        scope = write_scope_errors(self.user, obj)
        for fname, message in scope.items():
            self.err(number, fname, message)
        if scope:
            return
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError:
            self.err(number, None, "与已有记录冲突，未导入")
            return
        if existing is None:
            self.result.created += 1
        else:
            self.result.updated += 1


def _one(qs, text: str, what: str):
    found = list(qs.filter(name=text)[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise CellError(f"找不到{what}“{text[:40]}”（或无权查看）")
    raise CellError(f"{what}“{text[:40]}”有重名，请在页面上逐条录入")


class _PackageImport(_Importer):
    model = ProjectPackage
    columns = PACKAGE_COLUMNS
    reason = "导入招商项目包"

    def lookup(self, fname, text, values):
        user = self.user
        if fname == "chain":
            return _one(IndustryChain.objects.visible_to(user), text, "产业链")
        if fname == "segment":
            chain = values.get("chain")
            if chain is None:
                raise CellError("请先填写有效的产业链")
            return _one(ChainSegment.objects.filter(chain=chain), text, f"产业链“{chain.name}”的环节")
        if fname == "team":
            return _one(Team.objects.visible_to(user), text, "团队")
        if fname == "unit":
            return _one(Unit.objects.visible_to(user), text, "单位")
        if fname == "project":
            return _one(Project.objects.visible_to(user), text, "项目")
        raise CellError("无法识别")

    def key(self, values):
        return (values["chain"].pk, values["name"])

    def existing(self, values):
        return (
            ProjectPackage.objects.visible_to(self.user)
            .filter(chain=values["chain"], name=values["name"])
            .first()
        )


class _MerchantImport(_Importer):
    model = Merchant
    columns = MERCHANT_COLUMNS
    reason = "导入客商库"

    def lookup(self, fname, text, values):
        if fname == "chain":
            return _one(IndustryChain.objects.visible_to(self.user), text, "产业链")
        if fname == "enterprise":
            return _one(Enterprise.objects.visible_to(self.user), text, "企业")
        raise CellError("无法识别")

    def key(self, values):
        return (values["name"], values.get("company", ""))

    def existing(self, values):
        return Merchant.objects.filter(
            jurisdiction=self.jurisdiction, name=values["name"], company=values.get("company", "")
        ).first()

    def new(self, values):
        return Merchant(jurisdiction=self.jurisdiction)


def _import(importer_class, data: bytes, *, user, dry_run: bool) -> ImportResult:
    result = ImportResult()
    model = importer_class.model
    if not can_change(user, model):
        result.errors.append(RowError(None, None, f"您的角色不能导入{model._meta.verbose_name}"))
        return result
    importer = importer_class(user, result)
    if importer.jurisdiction is None and not getattr(user, "is_superuser", False):
        result.errors.append(RowError(None, None, "账号未指定行政区划，不能导入"))
        return result
    if importer.jurisdiction is None:
        result.errors.append(
            RowError(None, None, "请使用招商办或联络员账号导入（记录登记在账号所在的行政区划）")
        )
        return result
    rows = _sheet_rows(data, result, importer_class.columns)
    if rows is None:
        return result
    return importer.run(rows, dry_run)


def import_packages(data: bytes, *, user, dry_run: bool = False) -> ImportResult:
    """招商项目包 from Excel (the export's layout)."""
    return _import(_PackageImport, data, user=user, dry_run=dry_run)


def import_merchants(data: bytes, *, user, dry_run: bool = False) -> ImportResult:
    """客商库 from Excel (the export's layout)."""
    return _import(_MerchantImport, data, user=user, dry_run=dry_run)
