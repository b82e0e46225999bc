"""PDF rendering with the same layout as the Word file (A4, GB/T 9704 margins, red masthead and
rule, page numbers "— 1 —" outside).

Fonts: a TrueType Chinese font is embedded when one is found (ZHAOSHANG_PDF_FONT, or a usual
place on Linux and Windows), so the file looks the same everywhere. Without one, the PDF
names Adobe's standard 宋体 (STSong-Light), which every PDF reader in China substitutes; no
font file is fetched or shipped."""

from __future__ import annotations

import io
import os
from decimal import Decimal
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .document import Document, cell_text, chinese_date

RED = colors.HexColor("#E60012")
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "C:/Windows/Fonts/simfang.ttf",
    "C:/Windows/Fonts/simsun.ttc",
)


@cache
def font_name() -> str:
    """Register the Chinese font once; the name to use in styles."""
    configured = os.environ.get("ZHAOSHANG_PDF_FONT", "")
    for path in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if path and Path(path).is_file():
            try:
                pdfmetrics.registerFont(TTFont("ZhaoshangCJK", path, subfontIndex=0))
            except (TTFError, OSError):
                continue  # e.g. an OpenType/CFF font, which reportlab cannot embed
            return "ZhaoshangCJK"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _styles():
    font = font_name()
    body = ParagraphStyle(
        "body", fontName=font, fontSize=16, leading=28.9, firstLineIndent=32, wordWrap="CJK"
    )
    return {
        "masthead": ParagraphStyle(
            "masthead", fontName=font, fontSize=30, leading=44, alignment=TA_CENTER, textColor=RED
        ),
        "number": ParagraphStyle("number", parent=body, alignment=TA_CENTER, firstLineIndent=0),
        "title": ParagraphStyle(
            "title", fontName=font, fontSize=22, leading=34, alignment=TA_CENTER, wordWrap="CJK"
        ),
        "p": body,
        "plain": ParagraphStyle("plain", parent=body, firstLineIndent=0),
        "plain_right": ParagraphStyle("plain_right", parent=body, firstLineIndent=0, alignment=TA_RIGHT),
        "h1": ParagraphStyle("h1", parent=body),
        "h2": ParagraphStyle("h2", parent=body),
        "h3": ParagraphStyle("h3", parent=body),
        "right": ParagraphStyle("right", parent=body, alignment=TA_RIGHT, firstLineIndent=0, rightIndent=64),
        "caption": ParagraphStyle("caption", fontName=font, fontSize=12, leading=20, alignment=TA_CENTER),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=10.5, leading=14, wordWrap="CJK"),
        "cell_num": ParagraphStyle("cell_num", fontName=font, fontSize=10.5, leading=14, alignment=TA_RIGHT),
        "small": ParagraphStyle("small", fontName=font, fontSize=14, leading=24, wordWrap="CJK"),
    }


def render(doc: Document) -> bytes:
    s = _styles()
    width = A4[0] - 28 * mm - 26 * mm
    story = [Paragraph(escape(doc.masthead), s["masthead"]), Spacer(1, 4 * mm)]
    story.append(Paragraph(escape(doc.number), s["number"]))
    if doc.kind != "notice":
        story.append(
            Table(
                [
                    [
                        Paragraph(escape(doc.issuer), s["plain"]),
                        Paragraph(chinese_date(doc.signed_on), s["plain_right"]),
                    ]
                ],
                colWidths=[width / 2, width / 2],
                style=TableStyle(
                    [("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]
                ),
            )
        )
    story.append(_rule(width, RED, 1.5))
    story += [Spacer(1, 6 * mm), Paragraph(escape(doc.title), s["title"]), Spacer(1, 6 * mm)]
    if doc.recipients:
        story.append(Paragraph(escape(doc.recipients), s["plain"]))
    for block in doc.blocks:
        if block.kind == "table":
            story += _table(block.table, width, s)
        else:
            text = escape(block.text)
            if block.kind in ("h1", "h3"):
                text = f"<b>{text}</b>"
            story.append(Paragraph(text, s[block.kind]))
    story += [Spacer(1, 10 * mm), Paragraph(escape(doc.signature), s["right"])]
    story.append(Paragraph(chinese_date(doc.signed_on), s["right"]))
    story += [Spacer(1, 10 * mm), _rule(width, colors.black, 1)]
    if doc.copy_to:
        story += [Paragraph(escape(f"抄送：{doc.copy_to}"), s["small"]), _rule(width, colors.black, 0.5)]
    story += [
        Table(
            [
                [
                    Paragraph(escape(doc.issuer), s["small"]),
                    Paragraph(f"{chinese_date(doc.signed_on)}印发", s["small"]),
                ]
            ],
            colWidths=[width * 0.6, width * 0.4],
            style=TableStyle([("ALIGN", (1, 0), (1, 0), "RIGHT")]),
        ),
        _rule(width, colors.black, 1),
    ]
    buf = io.BytesIO()
    template = SimpleDocTemplate(
        buf,
        pagesize=A4,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        title=doc.title,
        author=doc.issuer,
        subject=doc.kind_label,
    )
    template.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return buf.getvalue()


def _rule(width, color, thickness):
    return Table(
        [[""]],
        colWidths=[width],
        rowHeights=[2],
        style=TableStyle([("LINEBELOW", (0, 0), (-1, -1), thickness, color)]),
    )


def _table(table, width, s):
    header = [Paragraph(escape(h), s["cell"]) for h in table.headers]
    body = []
    for row in table.rows or [["（无）"] + [""] * (len(table.headers) - 1)]:
        body.append(
            [
                Paragraph(escape(cell_text(v)), s["cell_num"] if isinstance(v, int | Decimal) else s["cell"])
                for v in row
            ]
        )
    grid = Table([header, *body], colWidths=[width / len(table.headers)] * len(table.headers), repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    out = [Spacer(1, 2 * mm), Paragraph(escape(table.title), s["caption"]), grid]
    if table.note:
        out.append(Paragraph(escape(table.note), s["cell"]))
    return out + [Spacer(1, 4 * mm)]


def _page_number(canvas, template):
    canvas.saveState()
    canvas.setFont(font_name(), 14)
    text = f"— {canvas.getPageNumber()} —"
    y = 35 * mm - 7 * mm - 14
    if canvas.getPageNumber() % 2:
        canvas.drawRightString(A4[0] - 26 * mm - 14, y, text)
    else:
        canvas.drawString(28 * mm + 14, y, text)
    canvas.restoreState()
