"""Word rendering in the national official-document layout (GB/T 9704-2012 党政机关公文格式):
A4, margins 37 / 35 / 28 / 26 mm, 22 lines of 28 characters, masthead in red 小标宋, a red
separator under the number, title in 2号小标宋, body in 3号仿宋, headings 黑体 / 楷体 /
仿宋 bold by level, page numbers 4号宋体 "— 1 —" outside on odd and even pages, and the
版记 (抄送, 印发) between rules at the end.

Offices install the GB fonts; Word substitutes a near font where one is missing, so the names
are written as the standard spells them."""

from __future__ import annotations

import io
from decimal import Decimal

from docx import Document as Docx
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .document import Block, Document, Table, cell_text, chinese_date

XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"

SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_SMALL_4 = Pt(12)  # 小四, for tables so that a ranking fits the 156 mm line
LINE = Pt(28.9)  # 225 mm type area / 22 lines
RED = RGBColor(0xE6, 0x00, 0x12)


def render(doc: Document) -> bytes:
    out = Docx()
    _page_setup(out)
    _masthead(out, doc)
    _title(out, doc.title)
    if doc.recipients:
        _para(out, doc.recipients, indent=False)
    for block in doc.blocks:
        _block(out, block)
    _signature(out, doc)
    _imprint(out, doc)
    _core_properties(out, doc)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def _font(run, name: str, size, *, bold=False, color=None):
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    # East Asian text takes its font from w:eastAsia, which python-docx does not set.
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), name)


def _spacing(paragraph, *, before=0, after=0, line=LINE):
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line


def _page_setup(out):
    section = out.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28)  # the page number sits 7 mm under the type area
    normal = out.styles["Normal"]
    normal.font.name = FANGSONG
    normal.font.size = SIZE_3
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG)
    # Odd pages number on the right, even pages on the left, each one character in.
    out.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT, right_indent=True)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT, right_indent=False)


def _page_number(paragraph, align, *, right_indent: bool):
    paragraph.alignment = align
    if right_indent:
        paragraph.paragraph_format.right_indent = SIZE_4
    else:
        paragraph.paragraph_format.left_indent = SIZE_4
    _font(paragraph.add_run("— "), SONGTI, SIZE_4)
    run = paragraph.add_run()
    _font(run, SONGTI, SIZE_4)
    begin, instr, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    end.set(qn("w:fldCharType"), "end")
    run._element.extend([begin, instr, end])
    _font(paragraph.add_run(" —"), SONGTI, SIZE_4)


def _border(paragraph, side: str, *, color="E60012", size=12):
    ppr = paragraph._element.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size))  # eighths of a point
    edge.set(qn("w:space"), "1")
    edge.set(qn("w:color"), color)
    borders.append(edge)


def _masthead(out, doc: Document):
    p = out.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(p, line=Pt(60))
    _font(p.add_run(doc.masthead), XIAOBIAOSONG, Pt(36 if len(doc.masthead) <= 10 else 28), color=RED)
    p = out.add_paragraph()
    _spacing(p, before=14)
    if doc.kind == "notice":
        # 发文字号 centred under the masthead.
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(doc.number), FANGSONG, SIZE_3)
    else:
        # A briefing's issue number centred, then issuer left and date right on one line.
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(doc.number), FANGSONG, SIZE_3)
        p = out.add_paragraph()
        _spacing(p)
        p.paragraph_format.tab_stops.add_tab_stop(Mm(156), alignment=2)  # right tab at the margin
        _font(p.add_run(f"{doc.issuer}\t{chinese_date(doc.signed_on)}"), FANGSONG, SIZE_3)
    _border(p, "bottom")
    blank = out.add_paragraph()
    _spacing(blank)


def _title(out, title: str):
    p = out.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(p, after=14, line=Pt(36))
    _font(p.add_run(title), XIAOBIAOSONG, SIZE_2)


def _para(out, text: str, *, indent=True, font=FANGSONG, bold=False):
    p = out.add_paragraph()
    _spacing(p)
    if indent:
        p.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号
    _font(p.add_run(text), font, SIZE_3, bold=bold)
    return p


def _block(out, block: Block):
    if block.kind == "h1":
        _para(out, block.text, font=HEITI)
    elif block.kind == "h2":
        _para(out, block.text, font=KAITI)
    elif block.kind == "h3":
        _para(out, block.text, bold=True)
    elif block.kind == "table":
        _table(out, block.table)
    else:
        _para(out, block.text)


def _table(out, table: Table):
    cap = out.add_paragraph()
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(cap, before=6)
    _font(cap.add_run(table.title), HEITI, SIZE_SMALL_4)
    grid = out.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(grid.rows[0].cells, table.headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(header)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(run, HEITI, SIZE_SMALL_4)
    _repeat_header(grid.rows[0])
    for row in table.rows or [["（无）"] + [""] * (len(table.headers) - 1)]:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            para = cell.paragraphs[0]
            if isinstance(value, int | Decimal):
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _font(para.add_run(cell_text(value)), FANGSONG, SIZE_SMALL_4)
    if table.note:
        note = out.add_paragraph()
        _spacing(note, line=Pt(20))
        _font(note.add_run(table.note), FANGSONG, SIZE_SMALL_4)
    _spacing(out.add_paragraph())


def _repeat_header(row):
    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _signature(out, doc: Document):
    _spacing(out.add_paragraph())
    for text in (doc.signature, chinese_date(doc.signed_on)):
        p = out.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(64)  # 右空四字
        _spacing(p)
        _font(p.add_run(text), FANGSONG, SIZE_3)


def _imprint(out, doc: Document):
    """版记: 抄送 and 印发 lines between a thick first rule and a thick last rule."""
    _spacing(out.add_paragraph())
    lines = []
    if doc.copy_to:
        lines.append((f"抄送：{doc.copy_to}", ""))
    lines.append((doc.issuer, f"{chinese_date(doc.signed_on)}印发"))
    for i, (left, right) in enumerate(lines):
        p = out.add_paragraph()
        _spacing(p)
        p.paragraph_format.left_indent = SIZE_4
        p.paragraph_format.right_indent = SIZE_4
        p.paragraph_format.tab_stops.add_tab_stop(Mm(156) - SIZE_4 * 2, alignment=2)
        _font(p.add_run(f"{left}\t{right}" if right else left), FANGSONG, SIZE_4)
        if i == 0:
            _border(p, "top", color="000000", size=8)
        _border(p, "bottom", color="000000", size=8 if i == len(lines) - 1 else 4)


def _core_properties(out, doc: Document):
    # Word's document properties hold at most 255 characters; a long rendered title must not stop
    # the file being written.
    props = out.core_properties
    props.title = doc.title[:255]
    props.subject = doc.kind_label
    props.author = doc.issuer[:255]
    props.keywords = doc.number[:255]
