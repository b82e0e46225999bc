"""A bulletin as plain data: header, title, blocks of text and tables. One structure, three
renderers (Word, Excel, PDF), so the three files always say the same thing.

The office writes the body of a template in a light markup, one block a line:

    # 一、总体情况          first-level heading (黑体)
    ## （一）签约项目        second-level heading (楷体)
    ### 1．重大项目          third-level heading (仿宋, bold)
    [表格 ranking]          a table from the figures, by its key
    any other line          a body paragraph (仿宋, first line indented two characters)

Blank lines are ignored, so the template may be laid out freely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

KINDS = {"monthly": "每月战报", "briefing": "工作简报", "notice": "通报"}

_TABLE = re.compile(r"^\[表格\s*([A-Za-z0-9_\-]+)\s*\]$")


class MarkupError(ValueError):
    """A template line the parser cannot place; the message names the line."""


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list]  # cells are str, int, Decimal or date; renderers keep numbers typed
    note: str = ""


@dataclass
class Block:
    kind: str  # "h1" | "h2" | "h3" | "p" | "table"
    text: str = ""
    table: Table | None = None


@dataclass
class Document:
    kind: str
    masthead: str  # 版头, e.g. 招商引资工作简报 or 信丰县扩大开放办文件
    number: str  # 期号 or 发文字号
    issuer: str
    title: str
    recipients: str  # 主送机关; may be empty for a briefing
    blocks: list[Block]
    signature: str  # 落款
    signed_on: date
    copy_to: str = ""  # 抄送, in the 版记
    tables: list[Table] = field(default_factory=list)  # every table, also those not in the body

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


def parse_body(text: str, tables: dict[str, Table]) -> list[Block]:
    """Blocks from the rendered body text; an unknown table key names its line."""
    blocks: list[Block] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("### "):
            blocks.append(Block("h3", line[4:].strip()))
        elif line.startswith("## "):
            blocks.append(Block("h2", line[3:].strip()))
        elif line.startswith("# "):
            blocks.append(Block("h1", line[2:].strip()))
        elif m := _TABLE.match(line):
            key = m.group(1)
            if key not in tables:
                known = "、".join(sorted(tables)) or "（无）"
                raise MarkupError(f"正文第{number}行：没有名为“{key}”的表格，可用的表格有：{known}")
            blocks.append(Block("table", table=tables[key]))
        elif line.startswith("[表格"):
            raise MarkupError(f"正文第{number}行：表格标记应写作“[表格 表名]”")
        else:
            blocks.append(Block("p", line))
    return blocks


def cell_text(value) -> str:
    """How a cell reads in Word and PDF (Excel keeps the typed value)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def chinese_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"
