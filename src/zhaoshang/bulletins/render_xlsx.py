"""The bulletin's tables as a workbook, one sheet a table, numbers and dates typed so the office
can sort and sum them, text guarded against formula injection."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from zhaoshang.exchange.layouts import escape_text

from .document import Document

_INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def render(doc: Document) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for table in doc.tables:
        name = table.title.translate(_INVALID_SHEET_CHARS)[:28] or table.key
        while name in used:
            name = name[:26] + f"_{len(used)}"
        used.add(name)
        ws = wb.create_sheet(name)
        ws.append([escape_text(f"{doc.title}（{doc.number}）")])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([escape_text(table.title)])
        ws.append([escape_text(h) for h in table.headers])
        for cell in ws[3]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        for row in table.rows:
            ws.append([_value(v) for v in row])
            for cell, value in zip(ws[ws.max_row], row, strict=True):
                if isinstance(value, Decimal):
                    cell.number_format = "#,##0.00"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
        if table.note:
            ws.append([escape_text(table.note)])
        for i, header in enumerate(table.headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(header) * 2 + 4))
        ws.freeze_panes = "A4"
    if not wb.sheetnames:
        wb.create_sheet("说明").append(["本期无表格"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _value(v):
    if isinstance(v, str):
        return escape_text(v)
    return v
