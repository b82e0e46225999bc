"""Workbooks that would take the server down are refused before they are parsed (issue 16): the
far-corner cell, a zip bomb, a million-row sheet, an oversized file; in the import service, the
web page and the command line. And one import per county at a time.

The malicious files are built here with zipfile, never parsed by calamine: every test that hands
one over first replaces calamine's loader with one that fails the test, so that on code without
the pre-check the test fails at once instead of allocating hundreds of gigabytes."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from zhaoshang.exchange import reader
from zhaoshang.exchange.importer import import_projects
from zhaoshang.exchange.layouts import PROJECTS
from zhaoshang.exchange.reader import Limits, ReadError, check_workbook, read_sheet
from zhaoshang.ledger.models import Project

from .helpers import PROJECT_HEADERS, project_row, xlsx

# The sheets below are written cell by cell with one-letter column references (A–Z, and from C):
# the first 23 template columns, the required ones among them, keep them within Z and the
# million-row sheet's range under the cell limit, so each test meets the limit it is about.
HEADERS = PROJECT_HEADERS[:23]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> str:
    return '<row r="1">' + "".join(_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADERS)) + "</row>"


def _workbook(sheet_parts, *, sheet_name: str = "项目", head: str = "") -> bytes:
    """A minimal .xlsx: one sheet whose XML is `head` + the parts (strings or bytes, written to the
    zip as a stream, so a large sheet is never held whole)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
            f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{head}<sheetData>'.encode()
            )
            for part in sheet_parts:
                sheet.write(part if isinstance(part, bytes) else part.encode())
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def far_corner(*, dimension: bool = True) -> bytes:
    """Under 2 KB: one cell, at XFD1048576."""
    head = '<dimension ref="A1:XFD1048576"/>' if dimension else ""
    return _workbook(['<row r="1048576">', _cell("XFD1048576", "x"), "</row>"], head=head)


def zip_bomb(padding_mb: int) -> bytes:
    """A projects sheet with its header, then `padding_mb` MB of blanks (valid XML, compressing to
    almost nothing)."""
    block = b" " * (1 << 20)
    return _workbook([_header_row(), *(block for _ in range(padding_mb))])


def million_rows() -> bytes:
    def rows():
        yield _header_row()
        batch = []
        for n in range(2, 1_000_002):
            batch.append(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>项目{n}</t></is></c></row>')
            if len(batch) == 10_000:
                yield "".join(batch)
                batch = []
        yield "".join(batch)

    return _workbook(rows())


@pytest.fixture(scope="module")
def million() -> bytes:
    return million_rows()


@pytest.fixture
def no_calamine(monkeypatch):
    """Reaching calamine with one of these files is the bug itself: fail instead."""

    class Refuse:
        @staticmethod
        def from_filelike(*args, **kwargs):
            raise AssertionError("calamine reached: the file was not refused before parsing")

    monkeypatch.setattr(reader, "CalamineWorkbook", Refuse)


def _refusal(content, limits: Limits | None = None) -> str:
    with pytest.raises(ReadError) as caught:
        read_sheet(content, PROJECTS, limits)
    (problem,) = caught.value.problems
    return problem[2]


# --- The pre-check ---------------------------------------------------------------------------------


def test_the_builder_makes_workbooks_calamine_reads():
    """Without the bad part, the hand-built workbook is an ordinary one: the refusals below are
    the limits', not a malformed file's."""
    content = _workbook([_header_row(), '<row r="2">', _cell("A2", "项目甲"), "</row>"])
    sheet = read_sheet(content, PROJECTS)
    assert sheet.header_row == 1 and [n for n, _ in sheet.rows] == [2]
    assert sheet.value(sheet.rows[0][1], "项目名称") == "项目甲"


@pytest.mark.parametrize("dimension", [True, False])
def test_far_corner_cell_is_refused_before_calamine(no_calamine, dimension):
    content = far_corner(dimension=dimension)
    assert len(content) < 2048
    message = _refusal(content)
    assert "工作表“项目”" in message and "1,048,576 行" in message
    assert "超过导入上限 200,000 行（ZHAOSHANG_IMPORT_MAX_ROWS）" in message
    assert ("A1:XFD1048576" if dimension else "XFD1048576") in message


@pytest.mark.parametrize(
    "row",
    [
        # r not the first attribute, single quotes, a '>' inside a value before it
        '<row r="1"><c t="inlineStr" s="0" r=\'XFD1\'><is><t>x</t></is></c></row>',
        '<row r="1"><c t="a>b" r="XFD1"><v>1</v></c></row>',
        # a namespace prefix on the elements
        '<x:row xmlns:x="' + MAIN + '" r="1"><x:c r="XFD1"><x:v>1</x:v></x:c></x:row>',
        # cells without r follow the previous one
        '<row r="1"><c r="XFC1"><v>1</v></c><c><v>2</v></c></row>',
        # a row without r follows the previous one
        '<row r="1048575"><c r="A1048575"><v>1</v></c></row><row><c><v>2</v></c></row>',
        # a cell's own r counts, whatever its row says
        '<row r="1"><c r="A1048576"><v>1</v></c></row>',
    ],
)
def test_far_corner_in_every_spelling(no_calamine, row):
    message = _refusal(_workbook([row]))
    assert "超过导入上限" in message and ("ZHAOSHANG_IMPORT_MAX_ROWS" in message or "MAX_COLUMNS" in message)


def test_columns_and_cells_limits_name_their_setting(no_calamine):
    wide = _workbook(['<row r="1">', _cell("IW1", "x"), "</row>"])  # column 257
    message = _refusal(wide)
    assert "257 列" in message and "超过导入上限 256 列（ZHAOSHANG_IMPORT_MAX_COLUMNS）" in message
    box = _workbook(
        ['<row r="1">', _cell("A1", "x"), '</row><row r="100000">', _cell("CV100000", "y"), "</row>"]
    )
    message = _refusal(box)  # 100,000 rows × 100 columns
    assert "10,000,000 个单元格" in message and "ZHAOSHANG_IMPORT_MAX_CELLS" in message
    same_cell = _workbook(['<row r="1">', '<c r="A1"/>' * 101, "</row>"])  # duplicates count too
    message = _refusal(same_cell, Limits(max_cells=100))
    assert "超过导入上限 100 个（ZHAOSHANG_IMPORT_MAX_CELLS）" in message


def test_zip_bomb_is_refused_at_the_cap(no_calamine):
    content = zip_bomb(40)
    assert len(content) < 200_000
    message = _refusal(content, Limits(max_unzipped_mb=8))
    assert "解压后超过导入上限 8 MB（ZHAOSHANG_IMPORT_MAX_UNZIPPED_MB）" in message


def test_million_row_sheet_is_refused(no_calamine, million):
    message = _refusal(million)
    assert "工作表“项目”" in message and "超过导入上限 200,000 行（ZHAOSHANG_IMPORT_MAX_ROWS）" in message


def test_file_size_limit(no_calamine, tmp_path, settings):
    settings.ZHAOSHANG_IMPORT_MAX_MB = 1
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK\x03\x04" + b"\0" * (1 << 21))
    for source in (big, str(big), big.read_bytes(), io.BytesIO(big.read_bytes())):
        message = _refusal(source)
        assert "文件大小 2.0 MB，超过导入上限 1 MB（ZHAOSHANG_IMPORT_MAX_MB）" in message


def test_settings_reach_the_limits(settings, no_calamine):
    settings.ZHAOSHANG_IMPORT_MAX_ROWS = 5
    content = _workbook([_header_row(), *(f'<row r="{n}">{_cell(f"A{n}", "x")}</row>' for n in range(2, 8))])
    assert "超过导入上限 5 行（ZHAOSHANG_IMPORT_MAX_ROWS）" in _refusal(content)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "旧版 Excel（.xls）"),
        (b"hello", "不是 Excel 工作簿（.xlsx）"),
    ],
)
def test_other_formats_are_asked_to_be_saved_as_xlsx(no_calamine, content, expected):
    message = _refusal(content)
    assert message.startswith("无法读取该文件") and expected in message and "另存为" in message


def test_ods_is_asked_to_be_saved_as_xlsx(no_calamine):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    assert ".ods" in _refusal(out.getvalue())


def test_too_many_zip_members(no_calamine):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for i in range(10_001):
            z.writestr(f"x{i}", b"")
    assert "10,001 个文件" in _refusal(out.getvalue())


def test_ordinary_workbooks_pass_and_rows_are_kept_trimmed():
    """Data from C3, a title row, a stray note far to the right: rows keep Excel's numbering and
    positions, and no kept row is wider than its last filled cell."""
    rows = [project_row({"项目名称": f"流式项目{i}", "企业名称": f"流式{i}有限公司"}) for i in range(3)]
    content = xlsx(rows, title_rows=1)
    check_workbook(content, Limits())
    sheet = read_sheet(content, PROJECTS)
    assert sheet.header_row == 2 and [n for n, _ in sheet.rows] == [3, 4, 5]
    assert [sheet.value(c, "项目名称") for _, c in sheet.rows] == ["流式项目0", "流式项目1", "流式项目2"]
    assert all(r == [] or r[-1] not in ("", None) for r in sheet.raw)
    # A sheet starting at column C: calamine's rows start at the first used column.
    cells = "".join(_cell(f"{chr(67 + i)}3", h) for i, h in enumerate(HEADERS))
    data = _cell("C4", "偏移项目") + _cell("D4", "偏移公司") + _cell("F4", "商务局")
    content = _workbook(
        [f'<row r="3">{cells}</row><row r="4">{data}</row><row r="9">', _cell("Z9", "备注"), "</row>"]
    )
    sheet = read_sheet(content, PROJECTS)
    assert sheet.header_row == 3 and sheet.index["项目名称"] == 2
    assert [(n, sheet.value(c, "项目名称"), sheet.value(c, "引进单位")) for n, c in sheet.rows] == [
        (4, "偏移项目", "商务局")
    ]
    assert len(sheet.raw) == 9 and sheet.raw[8] == [""] * 25 + ["备注"] and sheet.raw[5] == []


# --- Through the import service, the web page and the command line ------------------------------


def test_import_service_refuses(no_calamine, users, million):
    before = Project.objects.count()
    for content in (far_corner(), million):
        result = import_projects(content, user=users["xf-office"], filename="x.xlsx")
        assert not result.ok and len(result.errors) == 1 and "超过导入上限" in str(result.errors[0])
    assert Project.objects.count() == before


def _upload(content: bytes, name: str = "台账.xlsx"):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_web_import_refuses_on_the_form(no_calamine, client, users, settings):
    client.force_login(users["xf-office"])
    url = reverse("exchange:import", args=["projects"])
    response = client.post(url, {"file": _upload(far_corner())})
    html = response.content.decode()
    assert response.status_code == 400
    assert "1,048,576 行" in html and "ZHAOSHANG_IMPORT_MAX_ROWS" in html and "上传并导入" in html
    settings.ZHAOSHANG_IMPORT_MAX_MB = 1
    response = client.post(url, {"file": _upload(b"PK\x03\x04" + b"\0" * (1 << 21))})
    assert response.status_code == 400
    assert "超过导入上限 1 MB（ZHAOSHANG_IMPORT_MAX_MB）" in response.content.decode()
    # A request whose body is far larger is refused before the upload is read.
    response = client.post(url, {"file": _upload(b"PK\x03\x04" + b"\0" * (3 << 20))})
    assert response.status_code == 400 and "（ZHAOSHANG_IMPORT_MAX_MB）" in response.content.decode()


def test_command_line_refuses(no_calamine, tmp_path, users, capsys):
    path = tmp_path / "far.xlsx"
    path.write_bytes(far_corner())
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import", "projects", str(path), "--user", "xf-office")
    err = capsys.readouterr().err
    assert "1,048,576 行" in err and "ZHAOSHANG_IMPORT_MAX_ROWS" in err


# --- One import per jurisdiction ------------------------------------------------------------------


@pytest.fixture
def held(users):
    """xf-team's import of 信丰县, running since 10:32 today."""
    from datetime import datetime, time

    from django.utils import timezone

    from zhaoshang.core.scoping import membership
    from zhaoshang.exchange.models import ImportClaim

    holder = users["xf-team"]
    claim = ImportClaim.take(
        jurisdiction=membership(holder).jurisdiction, user=holder, kind="activities", title="招商活动"
    )
    started = timezone.make_aware(datetime.combine(timezone.localdate(), time(10, 32)))
    # 10:32 today, unless that is already stale (after 11:02 the claim would be taken over).
    now = timezone.now()
    ImportClaim.objects.filter(pk=claim.pk).update(
        started=max(min(started, now), now - ImportClaim.stale_after() / 2)
    )
    return claim


def _good_projects(name: str) -> bytes:
    return xlsx([project_row({"项目名称": name, "企业名称": f"{name}有限公司"})])


def test_second_import_of_a_county_is_told_to_wait(users, held):
    from zhaoshang.exchange.models import ImportClaim

    result = import_projects(_good_projects("排队项目"), user=users["xf-office"], filename="a.xlsx")
    (error,) = result.errors
    assert error.message.startswith("信丰县正在导入（xf-team 于 ")
    assert "开始导入招商活动表" in error.message and error.message.endswith("项目表未导入，请稍候再试")
    assert not Project.objects.filter(name="排队项目").exists()
    assert ImportClaim.objects.get().pk == held.pk  # the holder's claim is untouched
    # Another county is not held up, and leaves no claim behind.
    other = import_projects(xlsx([]), user=users["tl-office"])
    assert "正在导入" not in str(other.errors[0]) and ImportClaim.objects.count() == 1
    held.release()
    assert import_projects(_good_projects("排队项目"), user=users["xf-office"]).created == 1
    assert not ImportClaim.objects.exists()


def test_a_stale_claim_is_taken_over(users, held, settings):
    from django.utils import timezone

    from zhaoshang.exchange.models import ImportClaim

    settings.ZHAOSHANG_IMPORT_CLAIM_MINUTES = 30
    ImportClaim.objects.filter(pk=held.pk).update(started=timezone.now() - timezone.timedelta(minutes=31))
    assert import_projects(_good_projects("接管项目"), user=users["xf-office"]).created == 1
    assert not ImportClaim.objects.exists()
    held.release()  # the dead import's release deletes nothing that is not its own


def test_the_claim_is_released_whatever_happens(users, monkeypatch):
    from zhaoshang.exchange import importer
    from zhaoshang.exchange.models import ImportClaim

    bad = xlsx([project_row({"总投资（万元）": "十万"})])
    assert not import_projects(bad, user=users["xf-office"]).ok and not ImportClaim.objects.exists()
    assert import_projects(_good_projects("试运行"), user=users["xf-office"], dry_run=True).ok
    assert not ImportClaim.objects.exists()

    def boom(self):
        raise RuntimeError("validation crashed")

    monkeypatch.setattr(importer._ProjectImport, "validate", boom)
    with pytest.raises(RuntimeError):
        import_projects(_good_projects("崩溃项目"), user=users["xf-office"])
    assert not ImportClaim.objects.exists()


def test_web_and_command_line_are_told_to_wait(client, users, held, tmp_path, capsys):
    client.force_login(users["xf-office"])
    response = client.post(
        reverse("exchange:import", args=["projects"]), {"file": _upload(_good_projects("网页排队"))}
    )
    html = response.content.decode()
    assert (
        response.status_code == 409
        and "信丰县正在导入" in html
        and "请稍候再试" in html
        and "上传并导入" in html
    )
    path = tmp_path / "p.xlsx"
    path.write_bytes(_good_projects("命令行排队"))
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import", "projects", str(path), "--user", "xf-office")
    assert "信丰县正在导入" in capsys.readouterr().err
    assert not Project.objects.filter(name__in=["网页排队", "命令行排队"]).exists()
