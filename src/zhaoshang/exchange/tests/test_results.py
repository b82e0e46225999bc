"""The apps' own imports report a file that cannot be read alike (exchange/results.py): each
problem the reader names keeps its row and column; a damaged file and an empty sheet say so."""

import io

from openpyxl import Workbook

from zhaoshang.exchange.reader import ReadError
from zhaoshang.exchange.results import ImportResult, first_sheet, problems_of


def test_a_read_error_keeps_each_problems_row_and_column():
    exc = ReadError([(3, "企业名称", "不能为空"), (None, None, "文件过大")])
    assert [str(e) for e in problems_of(exc)] == ["第3行“企业名称”列：不能为空", "文件过大"]


def test_first_sheet_rows_or_the_reason():
    wb = Workbook()
    wb.active.append(["企业名称"])
    wb.active.append(["甲公司"])
    out = io.BytesIO()
    wb.save(out)
    result = ImportResult()
    assert first_sheet(out.getvalue(), result) == [["企业名称"], ["甲公司"]] and result.ok
    result = ImportResult()
    assert first_sheet(b"not a workbook", result) is None
    assert not result.ok and "不是 Excel 工作簿" in str(result.errors[0])
