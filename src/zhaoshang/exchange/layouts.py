"""The sheet layouts, as clerks already keep them: Chinese headers, one row per project (or per
project, month and unit for actual investment, or per activity or lead for field work).

Each column names its header, the model field it stands for, how a cell is read (`parse`, which
raises `CellError` with a Chinese message) and how a record is written back (`get`), so the
template, the importer and the exporter cannot drift apart: an export re-imports unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from zhaoshang.assessment import periods as assessment_periods
from zhaoshang.assessment.models import DECISION_LABELS, HolderRef
from zhaoshang.engine.calendar import EARLIEST, LATEST
from zhaoshang.fieldwork.models import REGIONS, Activity
from zhaoshang.ledger import uscc as uscc_rules
from zhaoshang.ledger.models import (
    ENTERPRISE_TAGS,
    PROJECT_ATTRIBUTES,
    Project,
    ZombieClass,
)
from zhaoshang.ledger.services import stage_by_label

# A text cell starting with one of these is read as a formula by Excel, WPS and LibreOffice
# (or by openpyxl when written): exports put an apostrophe in front, imports take it off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TAG_SEPARATORS = re.compile(r"[、,，;；/\n]+")
DECIMAL_PLACES = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")  # max_digits=14, decimal_places=2
MAX_YUAN = Decimal("9999999999.99")  # max_digits=12, decimal_places=2


class CellError(ValueError):
    """A cell that cannot be read; the message (Chinese) says what was expected and what was found."""


def escape_text(value: str) -> str:
    """Neutralise a text that a spreadsheet would run as a formula (OWASP CSV injection). A text
    that already starts with an apostrophe gets one more, so `unescape_text` restores it exactly."""
    if value and (value[0] in FORMULA_STARTS or value[0] == "'"):
        return "'" + value
    return value


def unescape_text(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and (value[1] in FORMULA_STARTS or value[1] == "'"):
        return value[1:]
    return value


def shown(value: Any) -> str:
    """A cell value as the user typed it, for error messages."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


# --- Cell readers ----------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(value: Any, *, max_length: int | None = None) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, datetime):
        text = (
            value.strftime("%Y-%m-%d %H:%M") if value.time() != datetime.min.time() else f"{value:%Y-%m-%d}"
        )
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    text = unescape_text(text.strip().replace("\u3000", " ").strip())
    if max_length is not None and len(text) > max_length:
        raise CellError(f"长度不能超过{max_length}个字，实为{len(text)}个字")
    return text


def text_parser(max_length: int) -> Callable[[Any], str]:
    def parse(value):
        return parse_text(value, max_length=max_length)

    parse.max_length = max_length
    return parse


def model_text_parser(model, field: str) -> Callable[[Any], str]:
    """A text column held to its model field's bound (core/fields.py: BoundedTextField), so the
    import refuses what the form and the API refuse."""
    return text_parser(model._meta.get_field(field).max_length)


def _decimal(
    value: Any,
    *,
    suffixes: tuple[str, ...],
    maximum: Decimal,
    places: Decimal = DECIMAL_PLACES,
    negative: bool = False,
) -> Decimal | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(f"应为数字，实为“{shown(value)}”")
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        text = unescape_text(value.strip()).replace(",", "").replace("，", "").replace(" ", "")
        for suffix in suffixes:
            text = text.removesuffix(suffix)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(f"应为数字，实为“{shown(value)}”") from None
        if not number.is_finite():
            raise CellError(f"应为数字，实为“{shown(value)}”")
    else:
        raise CellError(f"应为数字，实为“{shown(value)}”")
    if number < 0 and not negative:
        raise CellError(f"不能为负数，实为“{shown(value)}”")
    number = number.quantize(places, rounding=ROUND_HALF_UP)
    if abs(number) > maximum:
        raise CellError(f"数值过大：“{shown(value)}”")
    return number


def parse_decimal(value: Any) -> Decimal | None:
    """An amount in 万元 ("1,234.5", "1234.5万元")."""
    return _decimal(value, suffixes=("万元", "万"), maximum=MAX_AMOUNT)


def parse_yuan(value: Any) -> Decimal | None:
    """An amount in 元 ("3,200", "3200元"); "0.32万" is not read as 3,200."""
    return _decimal(value, suffixes=("元",), maximum=MAX_YUAN)


def parse_count(value: Any, *, minimum: int = 0, maximum: int = 32767) -> int | None:
    """A whole number (天数, 批次): 3, 3.0 or "3天"."""
    if is_blank(value):
        return None
    text = shown(value)
    if isinstance(value, str):
        value = (
            unescape_text(value.strip()).removesuffix("天").removesuffix("批次").removesuffix("批").strip()
        )
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise CellError(f"应为整数，实为“{text}”") from None
    if isinstance(value, bool) or not number.is_finite() or number != number.to_integral_value():
        raise CellError(f"应为整数，实为“{text}”")
    if not minimum <= number <= maximum:
        raise CellError(f"应为{minimum}到{maximum}之间的整数，实为“{text}”")
    return int(number)


def count_parser(minimum: int) -> Callable[[Any], int | None]:
    def parse(value):
        return parse_count(value, minimum=minimum)

    return parse


_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: Any) -> date | None:
    """A date cell, Excel's serial day number or text (2024-03-01, 2024/3/1, 2024年3月1日,
    20240301), within the years every other path accepts (core/validators.py)."""
    return _sensible(_parse_date(value))


def _sensible(d: date | None) -> date | None:
    if d is not None and not (EARLIEST <= d <= LATEST):
        raise CellError(
            f"日期应在 {EARLIEST.isoformat()} 至 {LATEST.isoformat()} 之间（填写的是 {d.isoformat()}）"
        )
    return d


def _parse_date(value: Any) -> date | None:
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date typed into a cell formatted as a number: Excel's serial day count.
        if float(value).is_integer() and 20000 <= value <= 80000:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(f"应为日期（如 2024-03-01），实为“{shown(value)}”")
    if isinstance(value, str):
        text = unescape_text(value.strip())
        m = _DATE_TEXT.match(text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise CellError(f"不是有效的日期：“{shown(value)}”") from None
    raise CellError(f"应为日期（如 2024-03-01），实为“{shown(value)}”")


def parse_month(value: Any) -> date | None:
    """'2024-03' (or 2024/3, 2024年3月) or a date cell: the first day of that month."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return _sensible(value.date().replace(day=1))
    if isinstance(value, date):
        return _sensible(value.replace(day=1))
    if isinstance(value, str):
        text = unescape_text(value.strip())
        m = _MONTH_TEXT.match(text) or re.match(r"^(\d{4})(\d{2})$", text)
        if m and 1 <= int(m[2]) <= 12:
            return _sensible(date(int(m[1]), int(m[2]), 1))
        try:
            return parse_date(text).replace(day=1)
        except CellError:
            pass
    raise CellError(f"应为月份（如 2024-03），实为“{shown(value)}”")


def parse_yes_no(value: Any) -> bool:
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip()
    if text in ("是", "Y", "y", "Yes", "yes", "√", "✓"):
        return True
    if text in ("否", "N", "n", "No", "no", "×"):
        return False
    raise CellError(f"应为“是”或“否”，实为“{shown(value)}”")


def parse_uscc(value: Any) -> str:
    # As the model stores it (`Enterprise.normalise`): the import writes its enterprises in bulk.
    text = uscc_rules.normalise(parse_text(value))
    if not text:
        return ""
    problem = uscc_rules.validate(text)
    if problem:
        raise CellError(problem)
    return text


def parse_tags(value: Any) -> list[str]:
    text = parse_text(value)
    tags: list[str] = []
    for tag in TAG_SEPARATORS.split(text):
        tag = tag.strip()
        if not tag:
            continue
        if tag not in ENTERPRISE_TAGS:
            raise CellError(f"未知的企业类别“{tag}”，可选：{'、'.join(ENTERPRISE_TAGS)}")
        if tag not in tags:
            tags.append(tag)
    return tags


_ATTRIBUTE_BY_LABEL = {label: key for key, label in PROJECT_ATTRIBUTES.items()}


def parse_attributes(value: Any) -> list[str]:
    """项目属性 by their Chinese names (世界500强、产业链项目), separated as 企业类别 are; stored by key."""
    text = parse_text(value)
    keys: list[str] = []
    for label in TAG_SEPARATORS.split(text):
        label = label.strip()
        if not label:
            continue
        key = _ATTRIBUTE_BY_LABEL.get(label) or (label if label in PROJECT_ATTRIBUTES else None)
        if key is None:
            raise CellError(f"未知的项目属性“{label}”，可选：{'、'.join(PROJECT_ATTRIBUTES.values())}")
        if key not in keys:
            keys.append(key)
    return keys


def _attribute_labels(p, ctx=None) -> str:
    return "、".join(PROJECT_ATTRIBUTES.get(a, a) for a in p.attributes or [])


def _excluded_labels(p, ctx=None) -> str:
    return "、".join(PROJECT_ATTRIBUTES.get(a, a) for a in p.attributes_excluded or [])


STAGE_HELP = "线索、在谈、实质性谈判、签约（意向签约 / 合同送签 / 正式签约）、开工（开工仪式 / 实质性开工）、投产、达产、终止"


def _stage_table() -> dict[str, tuple[str, str]]:
    """Every text `ledger.services.stage_by_label` accepts, with the kind a sub-stage names."""
    table = {}
    for kinds in (Project.SigningKind, Project.StartKind):
        for value, label in kinds.choices:
            table[label] = (stage_by_label(label), value)
    for value, label in Project.Stage.choices:
        table[label] = table[value] = (value, "")
    return table


_STAGES = _stage_table()


def parse_stage(value: Any) -> tuple[str, str] | None:
    """The stage, and the signing or start kind when the cell names one (正式签约 → signed, formal)."""
    text = parse_text(value)
    if not text:
        return None
    hit = _STAGES.get(text)
    if hit is None:
        raise CellError(f"应为：{STAGE_HELP}，实为“{shown(value)}”")
    return hit


def choice_parser(choices) -> Callable[[Any], str]:
    """Read a label (or the stored value) of `choices`: TextChoices or a list of (value, label)."""
    pairs = [(str(v), str(label)) for v, label in getattr(choices, "choices", choices)]
    labels = {label: v for v, label in pairs}
    values = {v for v, _ in pairs}
    help_text = "、".join(label for _, label in pairs)

    def parse(value):
        text = parse_text(value)
        if not text:
            return ""
        if text in labels:
            return labels[text]
        if text in values:
            return text
        raise CellError(f"应为：{help_text}，实为“{shown(value)}”")

    return parse


# --- Layouts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    key: str  # the importer's name for the parsed value
    field: str  # the model field it stands for (dotted through relations)
    parse: Callable[[Any], Any]
    get: Callable[[Any, Any], Any]  # (record, ExportContext) → cell value
    required: bool = False
    kind: str = "text"  # text, decimal, date, month: the exporter's cell type and number format
    width: int = 14
    note: str = ""

    @property
    def hint(self) -> str:
        """What to write in the column, for the template's notes and the upload page."""
        return self.note or {
            "decimal": "数字，最多两位小数",
            "date": "日期，如 2024-03-01",
            "month": "月份，如 2024-03",
        }.get(self.kind, "")


@dataclass(frozen=True)
class Layout:
    kind: str  # "projects" or "investments": the word in URLs and commands
    title: str  # 项目 / 实际进资
    sheet: str  # the sheet name the template and exports use (imports fall back to the first sheet)
    columns: tuple[Column, ...]
    # Recognised when present, but not in the template (more columns are allowed).
    extra: tuple[Column, ...] = field(default_factory=tuple)
    # Whether exports write the extra columns too (after the template's), or only the template's.
    export_extra: bool = False

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.header for c in self.columns if c.required]

    def column(self, header: str) -> Column | None:
        for c in (*self.columns, *self.extra):
            if c.header == header:
                return c
        return None

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return (*self.columns, *self.extra)

    @property
    def exported(self) -> tuple[Column, ...]:
        """The columns an export writes, in order."""
        return self.all_columns if self.export_extra else self.columns


def _unit(ctx, unit) -> str:
    return ctx.unit_label(unit) if unit is not None else ""


def _stage_label(p) -> str:
    return Project.Stage(p.stage).label


def _kind_label(choices, value) -> str:
    return choices(value).label if value else ""


ZOMBIE_HELP = "A、B、C、D（可写“A类”或“A类（企业自救）”）；不是僵尸企业的不填"


def parse_zombie_class(value: Any) -> str:
    """僵尸企业类别: A, A类, or the full label A类（企业自救）; blank: not a zombie enterprise."""
    text = parse_text(value).upper()
    if not text:
        return ""
    letter = text[0]
    if letter in ZombieClass.values and (len(text) == 1 or text[1] == "类"):
        return letter
    raise CellError(f"应为：{ZOMBIE_HELP}，实为“{shown(value)}”")


PROJECTS = Layout(
    kind="projects",
    title="项目",
    sheet="项目",
    columns=(
        Column("项目名称", "name", "name", text_parser(120), lambda p, c: p.name, required=True, width=30),
        Column(
            "企业名称",
            "enterprise_name",
            "enterprise.name",
            text_parser(120),
            lambda p, c: p.enterprise.name,
            required=True,
            width=30,
        ),
        Column(
            "统一社会信用代码",
            "uscc",
            "enterprise.uscc",
            parse_uscc,
            lambda p, c: p.enterprise.uscc,
            width=22,
            note="18位，按 GB 32100 校验；填写时按代码识别企业",
        ),
        Column(
            "引进单位",
            "unit",
            "unit",
            text_parser(130),
            lambda p, c: _unit(c, p.unit),
            required=True,
            width=16,
            note="单位名称或别名",
        ),
        Column(
            "总投资（万元）",
            "total_investment",
            "total_investment",
            parse_decimal,
            lambda p, c: p.total_investment,
            required=True,
            kind="decimal",
        ),
        Column(
            "外资（万美元）",
            "foreign_investment_usd",
            "foreign_investment_usd",
            parse_decimal,
            lambda p, c: p.foreign_investment_usd,
            kind="decimal",
        ),
        Column("产业", "industry", "industry", text_parser(40), lambda p, c: p.industry),
        Column(
            "企业类别",
            "tags",
            "enterprise.tags",
            parse_tags,
            lambda p, c: "、".join(p.enterprise.tags or []),
            width=20,
            note="多个用“、”分隔，可选：" + "、".join(ENTERPRISE_TAGS),
        ),
        Column(
            "项目阶段",
            "stage",
            "stage",
            parse_stage,
            lambda p, c: _stage_label(p),
            required=True,
            width=12,
            note=STAGE_HELP,
        ),
        Column("签约日期", "signed_on", "signed_on", parse_date, lambda p, c: p.signed_on, kind="date"),
        Column(
            "签约方式",
            "signing_kind",
            "signing_kind",
            choice_parser(Project.SigningKind),
            lambda p, c: _kind_label(Project.SigningKind, p.signing_kind),
            note="、".join(Project.SigningKind.labels),
        ),
        Column("开工日期", "started_on", "started_on", parse_date, lambda p, c: p.started_on, kind="date"),
        Column(
            "开工方式",
            "start_kind",
            "start_kind",
            choice_parser(Project.StartKind),
            lambda p, c: _kind_label(Project.StartKind, p.start_kind),
            note="、".join(Project.StartKind.labels),
        ),
        Column(
            "投产日期",
            "production_on",
            "production_on",
            parse_date,
            lambda p, c: p.production_on,
            kind="date",
        ),
        Column(
            "推介会签约",
            "signed_at_event",
            "signed_at_event",
            parse_yes_no,
            lambda p, c: "是" if p.signed_at_event else "否",
            note="是 / 否",
        ),
        Column(
            "落户单位",
            "host_unit",
            "host_unit",
            text_parser(130),
            lambda p, c: _unit(c, p.host_unit),
            width=16,
            note="项目落户在其他县（市、区）或单位时填写",
        ),
        # The facts the documents' rules read (issue 10): the same fields as the project form
        # and the API, so an office keeping its ledger in Excel can fill every one.
        Column(
            "项目类别",
            "category",
            "category",
            choice_parser(Project.Category),
            lambda p, c: _kind_label(Project.Category, p.category),
            note="、".join(Project.Category.labels) + "；不填为工业（新项目）或保持原值",
        ),
        Column(
            "项目属性",
            "attributes",
            "attributes",
            parse_attributes,
            _attribute_labels,
            width=24,
            note="多个用“、”分隔，可选：" + "、".join(PROJECT_ATTRIBUTES.values()),
        ),
        Column(
            "不计入的派生属性",
            "attributes_excluded",
            "attributes_excluded",
            parse_attributes,
            _excluded_labels,
            width=20,
            note="企业类别和2亿美元以上外资自动计为项目属性；本项目不应计入的在此填写",
        ),
        Column("产业链", "chain", "chain", text_parser(40), lambda p, c: p.chain),
        Column(
            "招商渠道",
            "channel",
            "channel",
            choice_parser(Project.Channel),
            lambda p, c: _kind_label(Project.Channel, p.channel),
            note="、".join(Project.Channel.labels),
        ),
        Column(
            "合同约定开工日期",
            "contract_start_due",
            "contract_start_due",
            parse_date,
            lambda p, c: p.contract_start_due,
            kind="date",
        ),
        Column(
            "用地（亩）",
            "land_mu",
            "land_mu",
            parse_decimal,
            lambda p, c: p.land_mu,
            kind="decimal",
        ),
        # 僵尸企业 (003 §一(三)): the enterprise's class and dates, as on the enterprise form.
        Column(
            "僵尸企业类别",
            "zombie_class",
            "enterprise.zombie_class",
            parse_zombie_class,
            lambda p, c: p.enterprise.zombie_class,
            note=ZOMBIE_HELP,
        ),
        Column(
            "僵尸企业认定日期",
            "zombie_classified_on",
            "enterprise.zombie_classified_on",
            parse_date,
            lambda p, c: p.enterprise.zombie_classified_on,
            kind="date",
            note="填写僵尸企业类别时必填，如 2023-03-10",
        ),
        Column(
            "复工复产日期",
            "zombie_resumed_on",
            "enterprise.zombie_resumed_on",
            parse_date,
            lambda p, c: p.enterprise.zombie_resumed_on,
            kind="date",
            note="不能早于认定日期；A、B、C类应在认定后1年内（含届满当日）复工复产",
        ),
    ),
    extra=(
        Column(
            "达产日期",
            "full_production_on",
            "full_production_on",
            parse_date,
            lambda p, c: p.full_production_on,
            kind="date",
        ),
        Column(
            "终止日期",
            "terminated_on",
            "terminated_on",
            parse_date,
            lambda p, c: p.terminated_on,
            kind="date",
        ),
        Column(
            "终止原因",
            "termination_reason",
            "termination_reason",
            model_text_parser(Project, "termination_reason"),
            lambda p, c: p.termination_reason,
        ),
    ),
)

INVESTMENTS = Layout(
    kind="investments",
    title="实际进资",
    sheet="实际进资",
    columns=(
        Column(
            "项目名称",
            "project_name",
            "project.name",
            text_parser(120),
            lambda i, c: i.project.name,
            required=True,
            width=30,
        ),
        Column(
            "统一社会信用代码",
            "uscc",
            "project.enterprise.uscc",
            parse_uscc,
            lambda i, c: i.project.enterprise.uscc,
            width=22,
            note="项目名称重复时用企业的代码区分",
        ),
        Column(
            "月份",
            "month",
            "month",
            parse_month,
            lambda i, c: i.month,
            required=True,
            kind="month",
            note="如 2024-03",
        ),
        Column(
            "实际进资（万元）",
            "amount",
            "amount",
            parse_decimal,
            lambda i, c: i.amount,
            required=True,
            kind="decimal",
        ),
        Column(
            "计入单位",
            "unit",
            "unit",
            text_parser(130),
            lambda i, c: _unit(c, i.unit),
            width=16,
            note="分成计入的单位；不填则计入项目的引进单位",
        ),
    ),
)

# 类型 of a row that is not an activity but a lead (线索信息) the unit submits.
LEAD_KIND = "lead"
LEAD_LABEL = "信息报送"
ACTIVITY_KINDS = [*Activity.Kind.choices, (LEAD_KIND, LEAD_LABEL)]
KIND_HELP = "、".join(label for _, label in ACTIVITY_KINDS)
REGION_LABELS = dict(REGIONS)


def _enterprise_name(a) -> str:
    """The enterprise as the record names it: the text kept, else the 客商库 enterprise's name."""
    return a.enterprise_name or (a.enterprise.name if a.enterprise_id else "")


ACTIVITIES = Layout(
    kind="activities",
    title="招商活动",
    sheet="招商活动",
    columns=(
        Column(
            "类型",
            "kind",
            "kind",
            choice_parser(ACTIVITY_KINDS),
            lambda a, c: a.get_kind_display(),
            required=True,
            width=10,
            note=f"{KIND_HELP}（信息报送：报送一条线索信息）",
        ),
        Column(
            "单位",
            "unit",
            "unit",
            text_parser(130),
            lambda a, c: _unit(c, a.unit),
            required=True,
            width=16,
            note="单位名称或别名",
        ),
        Column("日期", "date", "date", parse_date, lambda a, c: a.date, required=True, kind="date"),
        Column("带队领导", "leader", "leader", text_parser(30), lambda a, c: a.leader, width=10),
        Column(
            "主要负责人带队",
            "head_led",
            "head_led",
            parse_yes_no,
            lambda a, c: "是" if a.head_led else "否",
            width=10,
            note="是 / 否",
        ),
        Column("地点", "place", "place", text_parser(60), lambda a, c: a.place, width=16),
        Column(
            "企业名称",
            "enterprise_name",
            "enterprise_name",
            text_parser(120),
            lambda a, c: _enterprise_name(a),
            width=30,
            note="拜访企业必填；与客商库中您可见的企业名称相符时自动关联",
        ),
        Column(
            "内容",
            "summary",
            "summary",
            model_text_parser(Activity, "summary"),
            lambda a, c: a.summary,
            width=40,
            note="信息报送：信息内容（前60字作为信息标题）",
        ),
    ),
    extra=(
        Column(
            "天数",
            "days",
            "days",
            count_parser(1),
            lambda a, c: a.days,
            width=6,
            note="整数，不填为1天",
        ),
        Column(
            "区域",
            "region",
            "region",
            choice_parser(REGIONS),
            lambda a, c: REGION_LABELS.get(a.region, a.region),
            width=12,
            note="、".join(REGION_LABELS.values()),
        ),
        Column(
            "团队",
            "team",
            "team",
            text_parser(60),
            lambda a, c: a.team.name if a.team_id else "",
            width=20,
            note="单位所在的团队；不填则为单位当前所在团队",
        ),
        Column("随行人员", "members", "members", text_parser(200), lambda a, c: a.members, width=20),
        Column(
            "对接人及职务",
            "counterpart",
            "counterpart",
            text_parser(60),
            lambda a, c: a.counterpart,
            width=16,
        ),
        Column("客商", "merchant", "merchant", text_parser(60), lambda a, c: a.merchant, width=12),
        Column(
            "邀请客商（批次）",
            "merchants_invited",
            "merchants_invited",
            count_parser(0),
            lambda a, c: a.merchants_invited,
            width=10,
            note="推介活动邀请的客商批次，整数",
        ),
        Column(
            "费用（元）",
            "cost_yuan",
            "cost_yuan",
            parse_yuan,
            lambda a, c: a.cost_yuan,
            kind="decimal",
            note="以元计，最多两位小数",
        ),
    ),
    export_extra=True,
)

# --- What the office enters for assessments (assessment.models) -------------------------------------
#
# Statistics, survey scores, decisions and award amounts belong to a policy and a holder; taxes,
# evaluations and transfers to a project. Which metric, decision or rule a cell names, which
# holder and which period are read against the row's policy by the importer (exchange/entries.py):
# the cells here are read as text.

MAX_STATISTIC = Decimal("99999999999999.9999")  # max_digits=18, decimal_places=4
MAX_SCORE = Decimal("999999.99")  # max_digits=8, decimal_places=2
PERIOD_HELP = assessment_periods.PERIOD_HELP


def office_period(value: Any, spec) -> str:
    """A period cell as the office writes it (2024年6月, 2024年第二季度, the policy's own period by
    name…; a date cell for its month) as the calendar token the engine reads ("" when blank): the
    cell's text read by `assessment.periods.read_office_period`, the one reader the models call
    for the form, the admin and the API too."""
    if is_blank(value):
        return ""
    if isinstance(value, datetime | date):
        return f"{value:%Y-%m}"
    try:
        return assessment_periods.read_office_period(parse_text(value), spec)
    except ValidationError as exc:
        raise CellError("；".join(exc.messages)) from None


def parse_period_text(value: Any) -> str:
    """`office_period` without a policy: calendar periods only."""
    return office_period(value, None)


def parse_statistic(value: Any) -> Decimal | None:
    """A statistic: a number, negative allowed (a fall), up to four decimal places."""
    return _decimal(
        value,
        suffixes=("万元", "万美元", "万", "%"),
        maximum=MAX_STATISTIC,
        places=Decimal("0.0001"),
        negative=True,
    )


def parse_score(value: Any) -> Decimal | None:
    return _decimal(value, suffixes=("分",), maximum=MAX_SCORE)


def parse_year(value: Any) -> int | None:
    if isinstance(value, str):
        value = unescape_text(value.strip()).removesuffix("年度").removesuffix("年").strip()
    return parse_count(value, minimum=EARLIEST.year, maximum=LATEST.year)


def parse_yes_no_blank(value: Any) -> bool | None:
    """是 / 否, or blank for not yet checked."""
    return None if is_blank(value) else parse_yes_no(value)


def parse_share(value: Any) -> Decimal | None:
    """The introducing county's share: 0.3, 30% or 3:7 (引进方:落地方)."""
    if is_blank(value):
        return None
    text = parse_text(value).replace(" ", "").replace("：", ":").replace("∶", ":")
    try:
        if ":" in text:
            a, b = (Decimal(x) for x in text.split(":", 1))
            share = a / (a + b)
        elif text.endswith("%") or text.endswith("％"):
            share = Decimal(text[:-1]) / 100
        else:
            share = Decimal(text)
    except (InvalidOperation, ArithmeticError):
        raise CellError(f"应为 0 到 1 之间的比例（如 0.3、30% 或 3:7），实为“{shown(value)}”") from None
    if not share.is_finite() or not 0 <= share <= 1:
        raise CellError(f"应为 0 到 1 之间的比例（如 0.3、30% 或 3:7），实为“{shown(value)}”")
    return share.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _yes_no_blank(value) -> str:
    return "" if value is None else ("是" if value else "否")


def _holder_kind_label(r, ctx=None) -> str:
    return HolderRef.Holder(r.holder_kind).label if r.holder_kind else ""


def _holder_name(r, ctx) -> str:
    if r.holder_kind == "unit":
        return _unit(ctx, r.unit)
    if r.holder_kind == "team":
        return r.team.name
    if r.holder_kind == "person":
        return r.person.name
    if r.holder_kind == "jurisdiction":
        return r.holder_jurisdiction.name
    return ""


HOLDER_HELP = "单位名称或别名、团队名称、人员姓名或县（市、区）名称，在该政策文件内识别"
POLICY_COLUMN = Column(
    "政策文件",
    "policy",
    "policy",
    text_parser(200),
    lambda r, c: r.policy.name,
    width=16,
    note="政策文件名称（如 xinfeng-2024）或文件标题；不填则为导入时选择的政策文件",
)
HOLDER_KIND_COLUMN = Column(
    "对象类型",
    "holder_kind",
    "holder_kind",
    choice_parser(HolderRef.Holder),
    _holder_kind_label,
    width=10,
    note="、".join(HolderRef.Holder.labels) + "；不填则按名称识别（名称重名时须填写）",
)


def _holder_column(required: bool = True, note: str = HOLDER_HELP) -> Column:
    return Column(
        "对象", "holder", "holder", text_parser(130), _holder_name, required=required, width=16, note=note
    )


PROJECT_NAME_COLUMN = INVESTMENTS.columns[0]
PROJECT_USCC_COLUMN = INVESTMENTS.columns[1]

METRICS = Layout(
    kind="metrics",
    title="统计数据",
    sheet="统计数据",
    columns=(
        POLICY_COLUMN,
        HOLDER_KIND_COLUMN,
        _holder_column(),
        Column(
            "指标",
            "metric",
            "metric",
            text_parser(100),
            lambda r, c: r.metric_label,
            required=True,
            width=24,
            note="政策文件中的指标名称（中文），见“填写说明”中的指标列表",
        ),
        Column(
            "期间",
            "period",
            "period",
            text_parser(40),
            lambda r, c: r.period,
            required=True,
            width=12,
            note=PERIOD_HELP,
        ),
        Column(
            "数值",
            "value",
            "value",
            parse_statistic,
            lambda r, c: r.value,
            required=True,
            kind="decimal",
            note="数字，最多四位小数，可为负数",
        ),
        Column("数据来源", "source", "source", text_parser(100), lambda r, c: r.source, width=16),
    ),
)

SURVEYS = Layout(
    kind="surveys",
    title="满意度测评",
    sheet="满意度测评",
    columns=(
        POLICY_COLUMN,
        HOLDER_KIND_COLUMN,
        _holder_column(),
        Column(
            "测评期",
            "period",
            "period",
            text_parser(40),
            lambda r, c: r.period,
            required=True,
            width=12,
            note="如 2021年上半年、2021-H1、2021年",
        ),
        Column("得分", "score", "score", parse_score, lambda r, c: r.score, required=True, kind="decimal"),
    ),
)

DECISIONS = Layout(
    kind="decisions",
    title="认定事项",
    sheet="认定事项",
    columns=(
        POLICY_COLUMN,
        Column(
            "认定事项",
            "key",
            "key",
            text_parser(100),
            lambda r, c: DECISION_LABELS.get(r.key, r.key),
            required=True,
            width=20,
            note="政策文件规则中由办公室认定的事项（如 上年度后三名、完成任务较差），见“填写说明”",
        ),
        HOLDER_KIND_COLUMN,
        _holder_column(),
        Column(
            "期间",
            "period",
            "period",
            text_parser(40),
            lambda r, c: r.period,
            width=12,
            note="不填为不限期间；上年度的结果填上年度（如 2023年）",
        ),
        Column("依据", "reason", "reason", text_parser(300), lambda r, c: r.reason, width=30),
    ),
)

AWARDS = Layout(
    kind="awards",
    title="奖励金额",
    sheet="奖励金额",
    columns=(
        POLICY_COLUMN,
        Column(
            "规则",
            "rule",
            "rule",
            text_parser(200),
            lambda r, c: r.rule,
            required=True,
            width=20,
            note="奖励规则的代号或标题，见“填写说明”",
        ),
        Column(
            "等次",
            "grade",
            "grade",
            text_parser(40),
            lambda r, c: r.grade,
            width=10,
            note="按等次设定金额时填写（如 一等奖），此时不填对象",
        ),
        HOLDER_KIND_COLUMN,
        _holder_column(required=False, note=HOLDER_HELP + "；按等次设定金额时不填"),
        Column(
            "项目",
            "project_name",
            "project",
            text_parser(120),
            lambda r, c: r.project.name if r.project_id else "",
            width=24,
            note="项目奖励时填写已登记的项目名称",
        ),
        Column(
            "金额（万元）",
            "amount_wan",
            "amount_wan",
            parse_decimal,
            lambda r, c: r.amount_wan,
            required=True,
            kind="decimal",
        ),
    ),
)

TAXES = Layout(
    kind="taxes",
    title="项目税收",
    sheet="项目税收",
    columns=(
        PROJECT_NAME_COLUMN,
        PROJECT_USCC_COLUMN,
        Column(
            "月份",
            "month",
            "month",
            parse_month,
            lambda t, c: t.month,
            required=True,
            kind="month",
            note="如 2024-03、2024年3月",
        ),
        Column(
            "地方税收（万元）",
            "amount_wan",
            "amount_wan",
            parse_decimal,
            lambda t, c: t.amount_wan,
            required=True,
            kind="decimal",
        ),
    ),
)

EVALUATIONS = Layout(
    kind="evaluations",
    title="落地项目评估",
    sheet="落地项目评估",
    columns=(
        PROJECT_NAME_COLUMN,
        PROJECT_USCC_COLUMN,
        Column(
            "年度", "year", "year", parse_year, lambda e, c: e.year, required=True, width=8, note="如 2024"
        ),
        *(
            Column(
                header,
                key,
                key,
                parse_yes_no_blank,
                (lambda k: lambda e, c: _yes_no_blank(getattr(e, k)))(key),
                width=10,
                note="是 / 否；不填为未核实",
            )  # fmt: skip
            for header, key in (
                ("已入统", "in_statistics"),
                ("有税收", "tax_paid"),
                ("投资额属实", "investment_verified"),
            )
        ),
        Column("说明", "note", "note", text_parser(200), lambda e, c: e.note, width=30),
    ),
)

TRANSFERS = Layout(
    kind="transfers",
    title="项目流转",
    sheet="项目流转",
    columns=(
        PROJECT_NAME_COLUMN,
        PROJECT_USCC_COLUMN,
        Column(
            "落地县",
            "hosting",
            "hosting",
            text_parser(50),
            lambda t, c: t.hosting.name,
            required=True,
            note="项目落地的县（市、区）名称",
        ),
        Column(
            "引进方分成比例",
            "introducing_share",
            "introducing_share",
            parse_share,
            lambda t, c: t.introducing_share,
            note="如 0.3、30% 或 3:7；不填则按政策文件",
        ),
        Column(
            "流转日期",
            "agreed_on",
            "agreed_on",
            parse_date,
            lambda t, c: t.agreed_on,
            required=True,
            kind="date",
        ),
    ),
)

ENTRY_LAYOUTS = (METRICS, SURVEYS, DECISIONS, AWARDS, TAXES, EVALUATIONS, TRANSFERS)
LAYOUTS = {layout.kind: layout for layout in (PROJECTS, INVESTMENTS, ACTIVITIES, *ENTRY_LAYOUTS)}
# For the commands' help: each kind and its sheet.
KIND_CHOICES_HELP = "；".join(
    f"{layout.kind} {layout.title}表" + ("（含信息报送）" if layout is ACTIVITIES else "")
    for layout in LAYOUTS.values()
)


def layout_for(kind: str) -> Layout:
    try:
        return LAYOUTS[kind]
    except KeyError:
        raise ValueError(f"未知的表格类型“{kind}”，可选：{'、'.join(LAYOUTS)}") from None


def normalise_header(text: Any) -> str:
    """Headers as typed: half-width brackets and stray spaces are forgiven."""
    if not isinstance(text, str):
        return parse_text(text) if not is_blank(text) else ""
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")
