from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from zhaoshang.exchange.layouts import ACTIVITIES, INVESTMENTS, PROJECTS
from zhaoshang.ledger import uscc

PROJECT_HEADERS = [
    "项目名称", "企业名称", "统一社会信用代码", "引进单位", "总投资（万元）", "外资（万美元）", "产业", "企业类别",
    "项目阶段", "签约日期", "签约方式", "开工日期", "开工方式", "投产日期", "推介会签约", "落户单位",
    "项目类别", "项目属性", "不计入的派生属性", "产业链", "招商渠道", "合同约定开工日期", "用地（亩）",
    "僵尸企业类别", "僵尸企业认定日期", "复工复产日期",
]  # fmt: skip
INVESTMENT_HEADERS = ["项目名称", "统一社会信用代码", "月份", "实际进资（万元）", "计入单位"]
ACTIVITY_HEADERS = ["类型", "单位", "日期", "带队领导", "主要负责人带队", "地点", "企业名称", "内容"]
ACTIVITY_EXTRA = [
    "天数",
    "区域",
    "团队",
    "随行人员",
    "对接人及职务",
    "客商",
    "邀请客商（批次）",
    "费用（元）",
]
SHEET_HEADERS = {"项目": PROJECT_HEADERS, "实际进资": INVESTMENT_HEADERS, "招商活动": ACTIVITY_HEADERS}


def code(serial: str) -> str:
    """A valid USCC registered in 信丰 (360722)."""
    return uscc.make("360722", serial)


def xlsx(rows: list[dict], *, headers=None, sheet: str = "项目", title_rows: int = 0) -> bytes:
    """A workbook with `headers` in row 1 (after `title_rows`) and one row per dict (header → value).
    Text starting with '=' would become a formula in openpyxl; write such cells escaped ('=…)."""
    if headers is None:
        headers = SHEET_HEADERS[sheet]
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for _ in range(title_rows):
        ws.append(["信丰县招商引资项目台账"])
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def project_row(extra: dict | None = None, **kw) -> dict:
    """A valid row of a new project of 商务局 (corps-01); `extra` and keywords override cells."""
    row = {
        "项目名称": "测试导入项目",
        "企业名称": "赣州测试导入科技有限公司",
        "统一社会信用代码": "",
        "引进单位": "商务局",
        "总投资（万元）": 12000,
        "项目阶段": "在谈",
        "推介会签约": "否",
    }
    row.update(extra or {})
    row.update(kw)
    return row


def activity_row(extra: dict | None = None, **kw) -> dict:
    """A valid row of an outbound trip of 商务局 (corps-01); `extra` and keywords override cells."""
    row = {
        "类型": "外出招商",
        "单位": "商务局",
        "日期": "2024-05-08",
        "带队领导": "袁炎",
        "主要负责人带队": "是",
        "地点": "深圳",
        "企业名称": "",
        "内容": "赴深圳开展电子信息产业链招商",
    }
    row.update(extra or {})
    row.update(kw)
    return row


def activities_xlsx(rows: list[dict], *, extra: bool = False) -> bytes:
    """The activity sheet; with `extra`, the optional columns too."""
    return xlsx(rows, headers=ACTIVITY_HEADERS + (ACTIVITY_EXTRA if extra else []), sheet="招商活动")


def sheet_rows(content: bytes) -> list[list]:
    wb = load_workbook(io.BytesIO(content))
    return [[c.value for c in r] for r in wb.worksheets[0].iter_rows()]


def sheet_cells(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    return wb.worksheets[0]


assert PROJECTS.headers == PROJECT_HEADERS and INVESTMENTS.headers == INVESTMENT_HEADERS
assert ACTIVITIES.headers == ACTIVITY_HEADERS and [c.header for c in ACTIVITIES.extra] == ACTIVITY_EXTRA
