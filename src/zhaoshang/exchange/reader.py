"""Reading an uploaded workbook with python-calamine (Rust; a 100,000-row sheet in about a second).

Row numbers are Excel's, as the user sees them (the header is normally row 1). The header row
may sit below a title row or two, as many county ledgers have one; columns not in the layout
are ignored, and rows that are blank in every layout column are skipped (pre-numbered sheets).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from .layouts import LAYOUTS, Layout, is_blank, normalise_header

HEADER_SEARCH_ROWS = 10


class ReadError(Exception):
    """The file cannot be imported at all: each problem is (row or None, column or None, message)."""

    def __init__(self, problems: list[tuple[int | None, str | None, str]]):
        self.problems = problems
        super().__init__("；".join(m for _, _, m in problems))


@dataclass
class Sheet:
    name: str
    header_row: int  # Excel row number of the header
    index: dict[str, int]  # layout header → column position
    raw: list[list[Any]] = field(repr=False)  # every row of the sheet from row 1, as read
    rows: list[tuple[int, list[Any]]] = field(repr=False)  # (Excel row number, cells) with data
    ignored: list[str] = field(default_factory=list)  # headers not in the layout

    def value(self, cells: list[Any], header: str) -> Any:
        i = self.index.get(header)
        if i is None or i >= len(cells):
            return None
        return cells[i]


def open_workbook(source) -> CalamineWorkbook:
    """A path, bytes or an open (binary) file; anything that is not a workbook is a ReadError."""
    try:
        if isinstance(source, str | Path):
            # By content, not by extension: a saved upload or a renamed file still reads.
            with open(source, "rb") as f:
                return CalamineWorkbook.from_filelike(io.BytesIO(f.read()))
        if isinstance(source, bytes | bytearray):
            source = io.BytesIO(source)
        if hasattr(source, "seek"):
            source.seek(0)
        return CalamineWorkbook.from_filelike(source)
    except FileNotFoundError:
        raise ReadError([(None, None, f"找不到文件：{source}")]) from None
    except (CalamineError, OSError, ValueError, TypeError) as exc:
        raise ReadError(
            [(None, None, f"无法读取该文件：请上传 Excel 工作簿（.xlsx）。（{_short(exc)}）")]
        ) from None
    except Exception as exc:  # noqa: BLE001 - calamine raises its own families (ZipError, XmlError…)
        raise ReadError(
            [(None, None, f"无法读取该文件：文件已损坏或不是 Excel 工作簿。（{_short(exc)}）")]
        ) from None


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 80 else text[:80] + "…"


def _headers_of(row: list[Any]) -> list[str]:
    return [normalise_header(v) for v in row]


def _find_header(rows: list[list[Any]], layout: Layout) -> tuple[int, int] | None:
    """(row position, known headers found) of the header row: the first row with every required
    header, else the row with the most known headers."""
    known = {c.header for c in layout.all_columns}
    required = set(layout.required)
    best = None
    for pos, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headers = set(_headers_of(row))
        if required <= headers:
            return pos, len(known & headers)
        hits = len(known & headers)
        if hits and (best is None or hits > best[1]):
            best = (pos, hits)
    return best


def _sheet_rows(workbook: CalamineWorkbook, name: str, nrows: int | None = None) -> list[list[Any]]:
    try:
        sheet = workbook.get_sheet_by_name(name)
        return (
            sheet.to_python(skip_empty_area=False, nrows=nrows)
            if nrows
            else sheet.to_python(skip_empty_area=False)
        )
    except Exception as exc:  # noqa: BLE001 - a damaged sheet is the user's file, not our error
        raise ReadError([(None, None, f"工作表“{name}”无法读取：{_short(exc)}")]) from None


def _choose_sheet(workbook: CalamineWorkbook, layout: Layout) -> str:
    names = [
        m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet
    ] or workbook.sheet_names
    if not names:
        raise ReadError([(None, None, "工作簿中没有工作表")])
    if layout.sheet in names:
        return layout.sheet
    required = set(layout.required)
    for name in names:
        head = _sheet_rows(workbook, name, HEADER_SEARCH_ROWS)
        if any(required <= set(_headers_of(r)) for r in head):
            return name
    return names[0]


def _other_layout(headers: set[str], layout: Layout) -> Layout | None:
    for other in LAYOUTS.values():
        if other is not layout and set(other.required) <= headers:
            return other
    return None


def read_sheet(source, layout: Layout) -> Sheet:
    """The rows of the layout's sheet, or a ReadError naming what is wrong with the file."""
    workbook = open_workbook(source)
    name = _choose_sheet(workbook, layout)
    rows = _sheet_rows(workbook, name)
    if not any(any(not is_blank(v) for v in row) for row in rows[:HEADER_SEARCH_ROWS]):
        raise ReadError(
            [
                (
                    None,
                    None,
                    f"工作表“{name}”是空的：第1行应为表头（{'、'.join(layout.headers)}），其下每行一条记录",
                )
            ]
        )
    found = _find_header(rows, layout)
    headers = {h for r in rows[:HEADER_SEARCH_ROWS] for h in _headers_of(r)}
    other = None if set(layout.required) <= headers else _other_layout(headers, layout)
    if found is None or other is not None:
        if other is not None:
            raise ReadError(
                [
                    (
                        None,
                        None,
                        f"这是“{other.title}”表，请在“{other.title}”导入中上传；“{layout.title}”表的表头为：{'、'.join(layout.headers)}",
                    )
                ]
            )
        raise ReadError(
            [
                (
                    1,
                    None,
                    f"工作表“{name}”第1行应为表头：{'、'.join(layout.headers)}（带 * 为必填：{'、'.join(layout.required)}）",
                )
            ]
        )
    pos, _ = found
    header_row = pos + 1
    problems: list[tuple[int | None, str | None, str]] = []
    index: dict[str, int] = {}
    ignored: list[str] = []
    for i, header in enumerate(_headers_of(rows[pos])):
        if not header:
            continue
        if layout.column(header) is None:
            ignored.append(header)
            continue
        if header in index:
            problems.append((header_row, header, "列重复：同一表头只能出现一次"))
            continue
        index[header] = i
    for header in layout.required:
        if header not in index:
            problems.append((header_row, header, "缺少必填列"))
    if problems:
        raise ReadError(problems)
    positions = sorted(index.values())
    data = []
    for number, row in enumerate(rows[pos + 1 :], start=header_row + 1):
        width = len(row)
        for i in positions:
            if i < width:
                v = row[i]
                if v is not None and v != "" and not (isinstance(v, str) and not v.strip()):
                    data.append((number, row))
                    break
    if not data:
        raise ReadError([(None, None, f"工作表“{name}”没有数据行：表头（第{header_row}行）以下均为空")])
    return Sheet(name=name, header_row=header_row, index=index, raw=rows, rows=data, ignored=ignored)
