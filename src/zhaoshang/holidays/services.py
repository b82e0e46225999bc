"""Writes to the holiday calendar: the screen, the Excel import and `zhaoshang calendar` all call
these, so a rule lives here or in the model once. Every write goes through `save()`/`delete()`,
so the change log records each day and year (who, when, before, after)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from . import statutory
from .models import MAX_YEAR, MIN_YEAR, CalendarDay, CalendarYear

HEADERS = ("日期", "类型", "名称")
KIND_WORDS = {
    "放假": CalendarDay.Kind.HOLIDAY,
    "休息": CalendarDay.Kind.HOLIDAY,
    "节假日": CalendarDay.Kind.HOLIDAY,
    "调休上班": CalendarDay.Kind.WORKDAY,
    "上班": CalendarDay.Kind.WORKDAY,
    "补班": CalendarDay.Kind.WORKDAY,
}


def _messages(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {k: "；".join(str(m) for e in v for m in e.messages) for k, v in exc.error_dict.items()}
    return {"__all__": "；".join(exc.messages)}


def year_get_or_create(
    year: int, *, status: str = CalendarYear.Status.STATUTORY, source: str = ""
) -> CalendarYear:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError({"year": f"年份须在{MIN_YEAR}年至{MAX_YEAR}年之间"})
    obj = CalendarYear.objects.filter(year=year).first()
    if obj is None:
        obj = CalendarYear(year=year, status=status, source=source)
        obj.full_clean()
        obj.save()
    return obj


@transaction.atomic
def year_update(*, year: int, status: str, source: str) -> CalendarYear:
    obj = year_get_or_create(year, status=status, source=source)
    obj.status, obj.source = status, (source or "").strip()
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def day_save(
    *, day: CalendarDay | None = None, on: date, kind: str, name: str, source: str = "", by=None
) -> CalendarDay:
    """Add (day=None) or change a date of the calendar. A date of a year the calendar does not hold
    yet starts that year, marked 法定节假日（未含调休） until the office marks it complete."""
    day = day or CalendarDay()
    other = CalendarDay.objects.filter(date=on).exclude(pk=day.pk).first()
    if other is not None:
        raise ValidationError(
            {"date": f"{on:%Y-%m-%d}已录入为{other.name}（{other.get_kind_display()}），请修改那一条"}
        )
    day.date, day.kind, day.name, day.source = on, kind, (name or "").strip(), (source or "").strip()
    day.full_clean(exclude=["year"])
    day.year = year_get_or_create(on.year)
    if by is not None and getattr(by, "pk", None):
        day.entered_by = by
    day.save()
    return day


@transaction.atomic
def day_delete(day: CalendarDay) -> None:
    day.delete()


@transaction.atomic
def fill_statutory(year: int, *, by=None) -> list[CalendarDay]:
    """Start a year the calendar does not hold with its statutory holidays (statutory.py), marked
    法定节假日（未含调休）; the office then adds the notice's 调休."""
    if CalendarYear.objects.filter(year=year).exists():
        raise ValidationError({"year": f"{year}年已在日历中，请逐日修改或导入"})
    try:
        days = statutory.statutory_holidays(year)
    except ValueError as exc:
        raise ValidationError({"year": str(exc)}) from None
    y = year_get_or_create(year, status=CalendarYear.Status.STATUTORY, source=statutory.SOURCE)
    made = []
    for on, name in days:
        d = CalendarDay(date=on, year=y, kind=CalendarDay.Kind.HOLIDAY, name=name, source=statutory.SOURCE)
        if by is not None and getattr(by, "pk", None):
            d.entered_by = by
        d.save()
        made.append(d)
    return made


# --- Excel -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        where = (f"第{self.row}行" if self.row else "") + (f"【{self.column}】" if self.column else "")
        return f"{where}{self.message}"


class ImportRefused(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("；".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class ImportResult:
    years: list[int]
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    m = _DATE_TEXT.match(str(value or ""))
    if not m:
        return None
    try:
        return date(*(int(x) for x in m.groups()))
    except ValueError:
        return None


def read_rows(data: bytes) -> list[tuple[int, list]]:
    """(Excel row number, cells) of the first sheet below its header row, read within the
    platform's workbook limits (exchange/reader.py)."""
    from zhaoshang.exchange.reader import ReadError, open_workbook

    try:
        wb = open_workbook(data)
        sheet = wb.get_sheet_by_name(wb.sheet_names[0])
        rows = sheet.to_python()
    except ReadError as exc:
        raise ImportRefused([RowError(r, c, m) for r, c, m in exc.problems]) from None
    except Exception as exc:  # noqa: BLE001 - a damaged file is the user's, not a 500
        raise ImportRefused([RowError(None, None, f"无法读取该文件：{str(exc)[:80]}")]) from None
    header_at = None
    for i, row in enumerate(rows[:10]):
        cells = [str(c or "").strip() for c in row]
        if all(h in cells for h in HEADERS):
            header_at, cols = i, [cells.index(h) for h in HEADERS]
            break
    if header_at is None:
        raise ImportRefused([RowError(None, None, "找不到表头：第一张工作表须有“日期”“类型”“名称”三列")])
    out = []
    for i, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        cells = [row[c] if c < len(row) else "" for c in cols]
        if all(str(c or "").strip() == "" for c in cells):
            continue
        out.append((i, cells))
    return out


def import_rows(rows, *, by=None, status: str | None = None, source: str = "") -> ImportResult:
    """Each year the rows name is replaced by the rows: dates missing from them are removed,
    changed ones updated, new ones added; all or nothing. `status` marks those years (None keeps
    a known year's and starts a new one as 法定节假日（未含调休））."""
    errors: list[RowError] = []
    wanted: dict[date, tuple[int, str, str]] = {}
    for rowno, (d_cell, kind_cell, name_cell) in rows:
        on = _as_date(d_cell)
        kind = KIND_WORDS.get(str(kind_cell or "").strip())
        name = str(name_cell or "").strip()
        if on is None:
            errors.append(RowError(rowno, "日期", f"“{d_cell}”不是日期，请填写如 2027-02-05"))
        if kind is None:
            errors.append(RowError(rowno, "类型", f"“{kind_cell}”无法识别，请填写“放假”或“调休上班”"))
        if on is None or kind is None:
            continue
        if on in wanted:
            errors.append(RowError(rowno, "日期", f"{on:%Y-%m-%d}与第{wanted[on][0]}行重复"))
            continue
        probe = CalendarDay(date=on, kind=kind, name=name)
        try:
            probe.clean()
            CalendarDay._meta.get_field("name").run_validators(probe.name)
            if len(probe.name) > CalendarDay._meta.get_field("name").max_length:
                raise ValidationError({"name": "名称不能超过40个字"})
        except ValidationError as exc:
            header = {"date": "日期", "kind": "类型", "name": "名称"}
            errors.extend(RowError(rowno, header.get(k, None), m) for k, m in _messages(exc).items())
            continue
        wanted[on] = (rowno, kind, probe.name)
    if not rows:
        errors.append(RowError(None, None, "文件中没有数据行"))
    if errors:
        raise ImportRefused(errors)
    years = sorted({d.year for d in wanted})
    result = ImportResult(years=years)
    with transaction.atomic():
        for y in years:
            obj = CalendarYear.objects.filter(year=y).first()
            if obj is None:
                obj = year_get_or_create(y, status=status or CalendarYear.Status.STATUTORY, source=source)
            elif (status and obj.status != status) or (source and obj.source != source):
                obj.status, obj.source = status or obj.status, source or obj.source
                obj.save()
            existing = {d.date: d for d in CalendarDay.objects.filter(date__year=y)}
            for on, day in existing.items():
                if on not in wanted:
                    day.delete()
                    result.deleted += 1
            for on, (_, kind, name) in sorted(wanted.items()):
                if on.year != y:
                    continue
                day = existing.get(on)
                if day is not None and (day.kind, day.name) == (kind, name):
                    result.unchanged += 1
                    continue
                if day is None:
                    day = CalendarDay(date=on, year=obj)
                    result.created += 1
                else:
                    result.updated += 1
                day.kind, day.name = kind, name
                day.source = source or day.source or obj.source
                if by is not None and getattr(by, "pk", None):
                    day.entered_by = by
                day.save()
    return result


def import_workbook(data: bytes, **kwargs) -> ImportResult:
    return import_rows(read_rows(data), **kwargs)


def export_workbook(years: list[int]) -> bytes:
    """The years' dates as a workbook the import reads back unchanged (日期, 类型, 名称)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "节假日"
    ws.append(list(HEADERS))
    for c in ws[1]:
        c.font = Font(bold=True)
    for day in CalendarDay.objects.filter(date__year__in=years).order_by("date"):
        ws.append([day.date, day.get_kind_display(), day.name])
        ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 24
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
