"""Reading an uploaded workbook with python-calamine (Rust; a 100,000-row sheet in about a second).

Nothing reaches calamine before `check_workbook` has passed it: size, format, decompressed size,
and every sheet's declared and real extent against `Limits` (settings `ZHAOSHANG_IMPORT_MAX_*`).
Rows are then taken one at a time (`iter_rows`) and kept without their trailing blank cells.

Row numbers are Excel's, as the user sees them (the header is normally row 1). The header row
may sit below a title row or two, as many county ledgers have one; columns not in the layout
are ignored, and rows that are blank in every layout column are skipped (pre-numbered sheets).
"""

from __future__ import annotations

import html
import io
import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from operator import itemgetter
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


# --- Limits, checked before the file is parsed --------------------------------------------------------
#
# python-calamine builds a dense grid over the bounding box of a sheet's cells (and its Python
# side pads it from A1), so one cell at XFD1048576 of a 2 KB file asks for hundreds of gigabytes;
# a zip member of a few megabytes can inflate to gigabytes. Before calamine sees a file, its bytes
# are checked here: the file's size; that it is an OOXML workbook (a zip with xl/workbook.xml);
# every member decompressed as a stream with a running total (declared sizes are not trusted);
# and every XML member scanned for its declared <dimension> and the position of every <row> and
# <c> (an element without `r` follows the previous one), stopping at the first limit exceeded.

CHUNK = 1 << 20
MAX_MEMBERS = 10_000  # an .xlsx has a few dozen
MAX_TAG_BYTES = 4 << 20  # text between two tags: a cell holds at most 32,767 characters
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and encrypted .xlsx)
SAVE_AS_XLSX = "请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）后再上传"

_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])((?:[^<>\"']|\"[^\"<]*\"|'[^'<]*')*)>")
_DIMENSION_TAG = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?dimension(?=[\s/>])((?:[^<>\"']|\"[^\"<]*\"|'[^'<]*')*)>"
)
_WHOLE_TAG = re.compile(rb"<(?:[^<>\"']|\"[^\"]*\"|'[^']*')*>")
_ATTR_R = re.compile(rb"(?:^|\s)r\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ATTR_REF = re.compile(rb"(?:^|\s)ref\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,10})\$?([0-9]{1,12})")
_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet\s((?:[^<>\"']|\"[^\"<]*\"|'[^'<]*')*)/?>")
_REL = re.compile(rb"<(?:[\w.-]+:)?Relationship\s((?:[^<>\"']|\"[^\"<]*\"|'[^'<]*')*)/?>")


# The usual form (Excel, WPS, openpyxl): every cell and row with `r` as its first attribute (the
# one calamine reads). A chunk whose every cell and row tag has it is checked with a few C-level
# scans; any other chunk goes tag by tag.
_FAST_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_FAST_ROW = re.compile(rb'<row r="([0-9]{1,7})"')
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
_ODD_TAG = re.compile(rb"<(?:c|row)[\t\n\r/>]")
_PREFIXED_TAG = re.compile(rb":(?:c|row|dimension)[\s/>]")


def _attr(attrs: bytes, name: bytes) -> str | None:
    m = re.search(rb"(?:^|\s)" + name + rb"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", attrs)
    if m is None:
        return None
    return html.unescape((m.group(1) if m.group(1) is not None else m.group(2)).decode("utf-8", "replace"))


@dataclass(frozen=True)
class Limits:
    """What an import accepts; each is a setting (environment variable of the same name)."""

    max_mb: int = 50
    max_unzipped_mb: int = 500
    max_rows: int = 200_000
    max_columns: int = 256
    max_cells: int = 5_000_000

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        default = cls()
        if not settings.configured:
            return default
        return cls(
            **{
                f: int(getattr(settings, f"ZHAOSHANG_IMPORT_{f.upper()}", getattr(default, f)))
                for f in ("max_mb", "max_unzipped_mb", "max_rows", "max_columns", "max_cells")
            }
        )


def _n(value: int) -> str:
    return f"{value:,}"


def column_letter(col: int) -> str:
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _column(letters: bytes | str) -> int:
    col = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode():
        col = col * 26 + ord(ch) - 64
    return col


def _parse_ref(text: str) -> tuple[int, int] | None:
    """(row, column), 1-based, of a cell reference such as B7."""
    m = _CELL_REF.fullmatch(text.strip())
    if m is None:
        return None
    return int(m.group(2)), _column(m.group(1))


def source_bytes(source, limits: Limits) -> bytes:
    """The file's bytes, refused unread when it is larger than the limit."""
    cap = limits.max_mb * 1024 * 1024
    if isinstance(source, str | Path):
        try:
            size = os.path.getsize(source)
        except FileNotFoundError:
            raise ReadError([(None, None, f"找不到文件：{source}")]) from None
        except OSError as exc:
            raise ReadError([(None, None, f"无法读取该文件：{_short(exc)}")]) from None
        _check_size(size, limits)
        with open(source, "rb") as f:
            return f.read(cap + 1)
    if isinstance(source, bytes | bytearray | memoryview):
        _check_size(len(source), limits)
        return bytes(source)
    size = getattr(source, "size", None)
    if not isinstance(size, int) and hasattr(source, "seek") and hasattr(source, "tell"):
        try:
            source.seek(0, os.SEEK_END)
            size = source.tell()
        except (OSError, ValueError):
            size = None
    if isinstance(size, int):
        _check_size(size, limits)
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read(cap + 1)
    if not isinstance(data, bytes | bytearray):
        raise ReadError([(None, None, "无法读取该文件：请上传 Excel 工作簿（.xlsx）")])
    _check_size(len(data), limits)
    return bytes(data)


def _check_size(size: int, limits: Limits) -> None:
    if size > limits.max_mb * 1024 * 1024:
        raise ReadError(
            [
                (
                    None,
                    None,
                    f"文件大小 {size / 1024 / 1024:,.1f} MB，超过导入上限 {_n(limits.max_mb)} MB"
                    f"（ZHAOSHANG_IMPORT_MAX_MB），请分批导入",
                )
            ]
        )


def check_workbook(data: bytes, limits: Limits) -> None:
    """Refuse, with a ReadError naming the limit, a file that is not an .xlsx workbook or that
    would take more than the limits allow to parse. Reads the zip as a stream; never parses a
    sheet into memory."""
    _check_size(len(data), limits)
    if data[:8] == OLE_MAGIC:
        raise ReadError(
            [
                (
                    None,
                    None,
                    f"无法读取该文件：这是旧版 Excel（.xls）或加密的工作簿，{SAVE_AS_XLSX}（不设打开密码）",
                )
            ]
        )
    if data[:4] != b"PK\x03\x04":
        raise ReadError([(None, None, f"无法读取该文件：不是 Excel 工作簿（.xlsx），{SAVE_AS_XLSX}")])
    _check_member_count(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ReadError(
            [(None, None, f"无法读取该文件：文件已损坏或不是 Excel 工作簿。（{_short(exc)}）")]
        ) from None
    if len(members) > MAX_MEMBERS:
        raise ReadError(
            [(None, None, f"无法读取该文件：压缩包内有 {_n(len(members))} 个文件，不是正常的 Excel 工作簿")]
        )
    names = {m.filename.lower(): m for m in members}
    if "xl/workbook.xml" not in names:
        if "mimetype" in names or "content.xml" in names:
            kind = "OpenDocument 表格（.ods）"
        elif "xl/workbook.bin" in names:
            kind = "Excel 二进制工作簿（.xlsb）"
        else:
            kind = "不是 Excel 工作簿（.xlsx）"
        raise ReadError(
            [
                (
                    None,
                    None,
                    f"无法读取该文件：{kind if kind.startswith('不是') else '这是' + kind}，{SAVE_AS_XLSX}",
                )
            ]
        )
    budget = _Budget(limits)
    # What the zip's directory declares, first: an honest zip bomb is refused without unpacking a
    # byte. A directory that understates is still caught by the budget while the members stream.
    if sum(m.file_size for m in members) > budget.cap:
        raise ReadError(
            [
                (
                    None,
                    None,
                    f"文件解压后超过导入上限 {_n(limits.max_unzipped_mb)} MB"
                    f"（ZHAOSHANG_IMPORT_MAX_UNZIPPED_MB），内容异常或过大，未导入；请分批导入",
                )
            ]
        )
    sheet_names = _sheet_names(archive, names, budget)
    for member in members:
        if member.is_dir():
            continue
        name = member.filename
        label = sheet_names.get(name.lower().lstrip("/"))
        if label is not None or name.lower().endswith((".xml", ".rels", ".vml")):
            _scan_member(archive, member, label or name, budget, limits)
        else:
            budget.drain(archive, member)


def _check_member_count(data: bytes) -> None:
    """The entry count of the end-of-central-directory record, before zipfile builds an object
    for each entry (a 50 MB directory could list a million)."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if eocd != -1 and eocd + 12 <= len(data):
        entries = int.from_bytes(data[eocd + 10 : eocd + 12], "little")
        if entries > MAX_MEMBERS:
            raise ReadError(
                [(None, None, f"无法读取该文件：压缩包内有 {_n(entries)} 个文件，不是正常的 Excel 工作簿")]
            )


class _Budget:
    """The running total of decompressed bytes across every member."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.cap = limits.max_unzipped_mb * 1024 * 1024
        self.total = 0

    def chunks(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo):
        try:
            with archive.open(member) as stream:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        return
                    self.total += len(chunk)
                    if self.total > self.cap:
                        raise ReadError(
                            [
                                (
                                    None,
                                    None,
                                    f"文件解压后超过导入上限 {_n(self.limits.max_unzipped_mb)} MB"
                                    f"（ZHAOSHANG_IMPORT_MAX_UNZIPPED_MB），内容异常或过大，未导入；请分批导入",
                                )
                            ]
                        )
                    yield chunk
        except ReadError:
            raise
        except (
            zipfile.BadZipFile,
            NotImplementedError,
            RuntimeError,
            ValueError,
            OSError,
            EOFError,
            zlib.error,
        ) as exc:
            raise ReadError(
                [(None, None, f"无法读取该文件：文件已损坏（{member.filename}：{_short(exc)}）")]
            ) from None

    def drain(self, archive, member) -> None:
        for _ in self.chunks(archive, member):
            pass

    def read(self, archive, member, limit: int = 16 << 20) -> bytes:
        parts, size = [], 0
        for chunk in self.chunks(archive, member):
            parts.append(chunk)
            size += len(chunk)
            if size > limit:
                raise ReadError(
                    [(None, None, f"无法读取该文件：{member.filename} 过大，不是正常的 Excel 工作簿")]
                )
        return b"".join(parts)


def _sheet_names(archive, names: dict, budget: _Budget) -> dict[str, str]:
    """Member path (lower case) → the sheet's name, from xl/workbook.xml and its relationships."""
    workbook = budget.read(archive, names["xl/workbook.xml"])
    rels_member = names.get("xl/_rels/workbook.xml.rels")
    targets: dict[str, str] = {}
    if rels_member is not None:
        for m in _REL.finditer(budget.read(archive, rels_member)):
            rid, target = _attr(m.group(1), b"Id"), _attr(m.group(1), b"Target")
            if rid and target:
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
                targets[rid] = path.lower()
    found = {}
    for m in _SHEET.finditer(workbook):
        name = _attr(m.group(1), b"name")
        rid = _attr(m.group(1), rb"[\w.-]+:id")
        if name and rid in targets:
            found[targets[rid]] = name
    return found


def _scan_member(archive, member, label: str, budget: _Budget, limits: Limits) -> None:
    scan = _SheetScan(label, limits)
    tail = b""
    for chunk in budget.chunks(archive, member):
        buf = tail + chunk if tail else chunk
        cut = buf.rfind(b"<")
        if cut == -1:
            tail = b""
            continue
        scan.feed(buf, cut)
        tail = buf[cut:]
        if len(tail) > 65_536:
            # A long run after the last tag (padding, a long text): keep only an unfinished tag.
            whole = _WHOLE_TAG.match(tail)
            if whole is not None:
                scan.feed(tail, whole.end())
                tail = b""
        if len(tail) > MAX_TAG_BYTES:
            raise ReadError(
                [(None, None, f"无法读取该文件：“{label}”中有超过 4 MB 的连续内容，文件构造异常，未导入")]
            )
    if tail:
        scan.feed(tail, len(tail))


class _SheetScan:
    """Positions of a sheet's rows and cells, as calamine will place them, checked as they come."""

    def __init__(self, label: str, limits: Limits):
        self.label, self.limits = label, limits
        self.row = 0  # current row (1-based; 0 before the first)
        self.col = 0  # last cell's column in the row
        self.max_row = self.max_col = 0
        self.cells = 0

    def feed(self, buf: bytes, end: int) -> None:
        """Scan buf[:end] (whole tags only; the caller keeps an unfinished one for the next chunk)."""
        if b"dimension" in buf:
            for m in _DIMENSION_TAG.finditer(buf, 0, end):
                self._dimension(m.group(1))
        cells = _FAST_CELL.findall(buf, 0, end)
        rows = _FAST_ROW.findall(buf, 0, end)
        if (
            buf.count(b"<c ", 0, end) != len(cells)
            or buf.count(b"<row ", 0, end) != len(rows)
            or _ODD_TAG.search(buf, 0, end)
            or _PREFIXED_TAG.search(buf, 0, end)
        ):
            self._slow(buf[:end])
            return
        self.cells += len(cells)
        if cells:
            letters, digits = set(map(_FIRST, cells)), set(map(_SECOND, cells))
            self._check(max(map(int, digits)), max(map(_column, letters)))
        if rows:
            self._check(max(map(int, set(rows))), 1)
        if self.cells > self.limits.max_cells:
            self._refuse_cells()
        # Where a following chunk's tags without `r` would go on from: this chunk's last row or cell.
        if buf.rfind(b"<c ", 0, end) > buf.rfind(b"<row ", 0, end):
            self.row, self.col = int(cells[-1][1]), _column(cells[-1][0])
        elif rows:
            self.row, self.col = int(rows[-1]), 0

    def _slow(self, buf: bytes) -> None:
        for m in _TAG.finditer(buf):
            tag, attrs = m.group(1), m.group(2)
            if tag == b"c":
                self.cells += 1
                refs = [a or b for a, b in _ATTR_R.findall(attrs)]
                if refs:
                    for ref in refs:
                        pos = _parse_ref(html.unescape(ref.decode("utf-8", "replace")))
                        if pos is None:
                            self._invalid(ref)
                        self.row, self.col = pos
                        self._check(pos[0], pos[1])
                else:
                    self.col += 1
                    self._check(max(self.row, 1), self.col)
                if self.cells > self.limits.max_cells:
                    self._refuse_cells()
            elif tag == b"row":
                refs = [a or b for a, b in _ATTR_R.findall(attrs)]
                if refs:
                    for ref in refs:
                        text = html.unescape(ref.decode("utf-8", "replace")).strip()
                        if not text.isdigit() or len(text) > 12:
                            self._invalid(ref)
                        self.row = int(text)
                        self._check(self.row, 1)
                else:
                    self.row += 1
                    self._check(self.row, 1)
                self.col = 0

    def _dimension(self, attrs: bytes) -> None:
        """What the sheet declares (calamine sizes its first allocation by it), before any cell."""
        for ref in _ATTR_REF.findall(attrs):
            text = html.unescape((ref[0] or ref[1]).decode("utf-8", "replace"))
            corners = [_parse_ref(p) for p in text.split(":")]
            if corners and all(corners):
                row, col = max(r for r, _ in corners), max(c for _, c in corners)
                self._check(row, col, declared=text.strip())

    def _check(self, row: int, col: int, declared: str | None = None) -> None:
        if declared is None:
            if row <= self.max_row and col <= self.max_col:
                return
            self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
            row, col = self.max_row, self.max_col
            where = f"的单元格延伸到 {column_letter(col)}{row}（第 {_n(row)} 行、第 {_n(col)} 列）"
        else:
            where = f"声明的范围为 {declared}"
        sheet, limits = f"工作表“{self.label}”", self.limits
        if row > limits.max_rows:
            message = (
                f"{sheet}{where}，达 {_n(row)} 行，超过导入上限 {_n(limits.max_rows)} 行"
                f"（ZHAOSHANG_IMPORT_MAX_ROWS），请分批导入（或删除表格下方多余的行）"
            )
        elif col > limits.max_columns:
            message = (
                f"{sheet}{where}，达 {_n(col)} 列，超过导入上限 {_n(limits.max_columns)} 列"
                f"（ZHAOSHANG_IMPORT_MAX_COLUMNS），请删除表格右侧多余的列"
            )
        elif row * col > limits.max_cells:
            message = (
                f"{sheet}{where}，共 {_n(row)} 行 × {_n(col)} 列 = {_n(row * col)} 个单元格，"
                f"超过导入上限 {_n(limits.max_cells)} 个（ZHAOSHANG_IMPORT_MAX_CELLS），请分批导入或删除多余的行列"
            )
        else:
            return
        raise ReadError([(None, None, message)])

    def _refuse_cells(self) -> None:
        raise ReadError(
            [
                (
                    None,
                    None,
                    f"工作表“{self.label}”的单元格超过导入上限 {_n(self.limits.max_cells)} 个"
                    f"（ZHAOSHANG_IMPORT_MAX_CELLS），请分批导入",
                )
            ]
        )

    def _invalid(self, ref: bytes) -> None:
        text = ref.decode("utf-8", "replace")[:40]
        raise ReadError(
            [(None, None, f"无法读取该文件：工作表“{self.label}”中的单元格位置“{text}”无效，文件已损坏")]
        )


# --- Reading ---------------------------------------------------------------------------------------


def open_workbook(source, limits: Limits | None = None) -> CalamineWorkbook:
    """A path, bytes or an open (binary) file, checked against the limits first; anything that is
    not a workbook, or is over a limit, is a ReadError. By content, not by extension: a saved
    upload or a renamed file still reads."""
    limits = limits or Limits.from_settings()
    data = source_bytes(source, limits)
    check_workbook(data, limits)
    return _load(data)


def _load(data: bytes) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
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


def _iter_rows(workbook: CalamineWorkbook, name: str) -> Iterator[list[Any]]:
    """The sheet's rows from row 1, one at a time, each from column A without its trailing blank
    cells (a stray cell far to the right does not widen every row that is kept)."""
    try:
        sheet = workbook.get_sheet_by_name(name)
        # iter_rows starts at row 1 but at the first used column: put the columns before it back.
        pad = [""] * (sheet.start[1] if sheet.start else 0)
        rows = sheet.iter_rows()
    except Exception as exc:  # noqa: BLE001 - a damaged sheet is the user's file, not our error
        raise ReadError([(None, None, f"工作表“{name}”无法读取：{_short(exc)}")]) from None
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001
            raise ReadError([(None, None, f"工作表“{name}”无法读取：{_short(exc)}")]) from None
        if pad:
            row = pad + row
        if row and (row[-1] == "" or row[-1] is None):
            n = len(row) - 1
            while n and (row[n - 1] == "" or row[n - 1] is None):
                n -= 1
            del row[n:]
        yield row


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
        head = islice(_iter_rows(workbook, name), HEADER_SEARCH_ROWS)
        if any(required <= set(_headers_of(r)) for r in head):
            return name
    return names[0]


def _other_layout(headers: set[str], layout: Layout) -> Layout | None:
    for other in LAYOUTS.values():
        if other is not layout and set(other.required) <= headers:
            return other
    return None


def read_sheet(source, layout: Layout, limits: Limits | None = None) -> Sheet:
    """The rows of the layout's sheet, or a ReadError naming what is wrong with the file."""
    workbook = open_workbook(source, limits)
    name = _choose_sheet(workbook, layout)
    stream = _iter_rows(workbook, name)
    rows = list(islice(stream, HEADER_SEARCH_ROWS))
    if not any(any(not is_blank(v) for v in row) for row in rows):
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
    for number, row in enumerate(chain(rows[pos + 1 :], stream), start=header_row + 1):
        if number > len(rows):
            rows.append(row)  # kept for the error workbook
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
