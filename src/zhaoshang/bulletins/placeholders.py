"""The office's words for what a bulletin template may print: 【本期】, 【本期签约项目数】 …

A clerk writes a template with Chinese placeholders in full-width brackets (typed with 【 and 】 on
any Chinese keyboard), chosen from the list beside the editor:

    【本期】                         a value (each name is listed in PLACEHOLDERS)
    【如果 本期签约项目数】…【否则】…【结束】   text shown only when the value is not empty or 0
    【如果没有 问责情形】…【结束】        text shown only when it is
    【表格 本期签约项目】              a table, alone on its line (TABLES)

The brackets are reserved: text that needs them writes 〔〕 or ［］ instead.

A placeholder is a name for one expression over the bulletin's figures (`context.py`): `to_django`
turns the text into the Django template the renderer has always rendered (`services._render`),
line for line, so the same check, the same plain-value context and the same renderer serve old
templates written in Django syntax and new ones. Nothing a clerk types becomes an expression: an
unknown name is refused, naming it and its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKEN = re.compile(r"【([^【】\n]{0,40})】")


@dataclass(frozen=True)
class Placeholder:
    label: str  # what the clerk writes between the brackets
    expr: str  # the Django expression it prints
    group: str
    note: str = ""  # what it is, when the label does not say it all

    @property
    def variable(self) -> str:
        """The figure it reads (what 【如果 …】 tests)."""
        return self.expr.split("|", 1)[0]

    @property
    def text(self) -> str:
        return f"【{self.label}】"


def _p(group, label, expr, note=""):
    return Placeholder(label, expr, group, note)


_DATE = '|date:"Y年n月j日"'

PLACEHOLDERS: list[Placeholder] = [
    _p("基本信息", "行政区划", "jurisdiction", "如 信丰县"),
    _p("基本信息", "发文机关", "issuer", "如 信丰县扩大开放办"),
    _p("基本信息", "县或市", "jurisdiction_kind", "本级称“县”或“市”，如 全【县或市】"),
    _p("基本信息", "牵头办公室", "office", "政策文件所定的牵头办公室"),
    _p("基本信息", "政策文件标题", "policy_title"),
    _p("基本信息", "本期", "period", "如 2024年6月、2024年第2季度"),
    _p("基本信息", "时期代码", "period_key", "如 2024-06"),
    _p("基本信息", "年度", "year", "本期所在年份"),
    _p("基本信息", "本期起始日期", "start" + _DATE),
    _p("基本信息", "本期截止日期", "end" + _DATE),
    _p("基本信息", "生成日期", "today" + _DATE),
    _p("项目", "本期签约项目数", "signed_count", "个"),
    _p("项目", "本期签约总投资（亿元）", "signed_yi"),
    _p("项目", "本期开工项目数", "started_count", "个"),
    _p("项目", "本期开工总投资（亿元）", "started_yi"),
    _p("项目", "本期投产项目数", "production_count", "个"),
    _p("项目", "本期投产总投资（亿元）", "production_yi"),
    _p("项目", "本期实际进资（亿元）", "funds_yi"),
    _p("项目", "本年累计实际进资（亿元）", "year_funds_yi"),
    _p("项目", "在库项目总数", "project_count", "个"),
    _p("工作动态", "外出招商批次", "activities.outbound_trip"),
    _p("工作动态", "拜访企业次数", "activities.visit"),
    _p("工作动态", "接待客商批次", "activities.reception"),
    _p("工作动态", "推介活动场次", "activities.promotion_event"),
    _p("工作动态", "调度会议次数", "activities.meeting"),
    _p("工作动态", "报送线索数", "leads.total"),
    _p("工作动态", "有效线索数", "leads.valid", "经甄别有效"),
    _p("职责任务", "本期到期职责任务数", "duties.due", "项；截止日期在本期内的职责任务"),
    _p("职责任务", "本期已完成职责任务数", "duties.done"),
    _p(
        "职责任务",
        "本期逾期职责任务数",
        "duties.overdue",
        "过截止日期未办结；多用于【如果 本期逾期职责任务数】",
    ),
    _p("职责任务", "本期待办职责任务数", "duties.pending"),
    _p("职责任务", "本期不适用职责任务数", "duties.not_applicable"),
    _p("问题清单", "本期新提出问题数", "problems.raised", "个"),
    _p("问题清单", "本期销号问题数", "problems.closed", "个"),
    _p("问题清单", "期末未办结问题数", "problems.open", "个"),
    _p("问题清单", "期末逾期未办结问题数", "problems.overdue", "个；多用于【如果 期末逾期未办结问题数】"),
    _p("产业链", "产业链条数", "chains.count", "条"),
    _p("产业链", "产业链环节数", "chains.segments", "个"),
    _p("产业链", "缺失环节数", "chains.gaps", "个；既无本地企业也无在建在谈项目的环节"),
    _p("产业链", "链上本地企业数", "chains.enterprises", "家次；一家企业在几个环节上按几次计"),
    _p("产业链", "链上在建在谈项目数", "chains.live_projects", "个次"),
    _p("考核", "考核结果", "run", "如 第2版（已发布）；本期无考核结果时为空"),
    _p("考核", "考核结果已发布", 'run_published|yesno:"是,否"', "多用于【如果 考核结果已发布】"),
    _p("考核", "考核结果状态", "run_status", "已发布或草稿"),
    _p("考核", "考核结果版本号", "run.version"),
    _p("考核", "考核数据截至日期", "run.as_of" + _DATE),
    _p("考核", "考核结果发布日期", "run.published_on" + _DATE),
    _p("考核", "考核结果更正理由", "run.reason"),
    _p("考核", "一马当先榜名单", 'front_runners|join:"、"'),
    _p("考核", "奋起直追榜名单", 'catch_up|join:"、"'),
    _p("考核", "排名类别", 'rank_groups|join:"、"', "如 招商团队、县直单位、乡镇"),
    _p("考核", "问责情形", "flags|length", "条数；多用于【如果 问责情形】"),
    _p("考核", "经费奖励", "amounts|length", "条数；多用于【如果 经费奖励】"),
    _p("考核", "经费奖励合计（万元）", "amount_total", "兑现的合计；暂缓兑现的不计入"),
    _p(
        "考核",
        "暂缓兑现合计（万元）",
        "amount_held",
        "项目未按合同履约而暂缓兑现的奖励和补助；多用于【如果 暂缓兑现合计（万元）】",
    ),
    _p("考核", "预警", "warnings|length", "条数；多用于【如果 预警】"),
]

# 【表格 名称】 → the body markup's [表格 key] (document.py): label, key.
TABLES: list[tuple[str, str]] = [
    ("项目推进情况", "pipeline"),
    ("本期签约项目", "signed"),
    ("本期开工项目", "started"),
    ("各招商团队工作情况", "teams"),
    ("职责任务完成情况", "duties"),
    ("逾期未办结问题", "problems"),
    ("产业链招商图谱", "chains"),
    ("考核排名", "ranking"),
    *[(f"考核排名第{i}类", f"ranking_{i}") for i in range(1, 7)],
    ("两榜名单", "lists"),
    ("问责情形", "flags"),
    ("经费与奖励", "amounts"),
    ("风险预警", "warnings"),
]

# Figures the renderer gives a template that have no placeholder, and why (a test holds the list
# and the context to each other).
NOT_PLACEHOLDERS = {
    "pipeline": "项目推进情况是表格：【表格 项目推进情况】",
    "run_published": "见【考核结果已发布】",
    "run_status": "见【考核结果状态】",
}

BY_LABEL = {p.label: p for p in PLACEHOLDERS}
TABLE_BY_LABEL = dict(TABLES)
IF, IF_NOT, ELSE, END, TABLE = "如果", "如果没有", "否则", "结束", "表格"


class PlaceholderError(ValueError):
    """Placeholders that cannot be used; `problems` is a list of (line, message)."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__(problems[0][1] if problems else "")


def uses_placeholders(text: str) -> bool:
    return "【" in (text or "") or "】" in (text or "")


def uses_django(text: str) -> bool:
    """Whether a template is (partly) written in the old Django syntax with English names."""
    return "{{" in (text or "") or "{%" in (text or "")


def to_django(source: str, *, strict: bool = True) -> str:
    """The template as the renderer reads it, line for line; PlaceholderError names each unknown
    placeholder, unpaired 【如果】/【否则】/【结束】 and stray bracket with its line.

    Not `strict` (generating a bulletin from a stored template): an unknown name or a stray bracket
    is left as the text it is, since a template saved before the placeholders may write brackets
    as text (“【经验做法】”); the check on save refuses them, so no new template has any."""
    problems: list[tuple[int, str]] = []
    opened: list[tuple[int, bool]] = []  # (line, seen 否则) of each open 【如果】
    out = []
    for number, line in enumerate((source or "").split("\n"), start=1):

        def replace(match, number=number):
            name = match.group(1).strip()
            if name in BY_LABEL:
                return "{{ " + BY_LABEL[name].expr + " }}"
            if name == ELSE:
                if not opened or opened[-1][1]:
                    problems.append((number, f"第{number}行：【否则】前面没有对应的【如果 …】"))
                    return ""
                opened[-1] = (opened[-1][0], True)
                return "{% else %}"
            if name == END:
                if not opened:
                    problems.append((number, f"第{number}行：【结束】前面没有对应的【如果 …】"))
                    return ""
                opened.pop()
                return "{% endif %}"
            for word, negate in ((IF_NOT, True), (IF, False)):
                if name.startswith(word):
                    subject = name[len(word) :].strip(" ：:")
                    if subject not in BY_LABEL:
                        if not strict:
                            return match.group(0)
                        problems.append((number, _unknown(number, subject, f"【{subject or name}】")))
                        return ""
                    opened.append((number, False))
                    return "{% if " + ("not " if negate else "") + BY_LABEL[subject].variable + " %}"
            if name.startswith(TABLE):
                subject = name[len(TABLE) :].strip(" ：:")
                key = TABLE_BY_LABEL.get(subject)
                if key is None:
                    known = "、".join(label for label, _ in TABLES)
                    if not strict:
                        return match.group(0)
                    problems.append(
                        (
                            number,
                            f"第{number}行：没有名为“{subject}”的表格（【{name}】），可用的表格有：{known}",
                        )
                    )
                    return ""
                return f"[表格 {key}]"
            if not strict:
                return match.group(0)
            problems.append((number, _unknown(number, name, match.group(0))))
            return ""

        text = TOKEN.sub(replace, line)
        if strict and ("【" in text or "】" in text):
            problems.append(
                (number, f"第{number}行有不完整的占位符：“{line.strip()[:40]}”（占位符写作【名称】）")
            )
        out.append(text)
    for number, _else in opened:
        problems.append((number, f"第{number}行的【如果 …】缺少对应的【结束】"))
    if problems:
        problems.sort(key=lambda p: p[0])
        raise PlaceholderError(problems)
    return "\n".join(out)


def _unknown(number: int, name: str, written: str) -> str:
    if not name:
        return f"第{number}行：“{written}”中没有写占位符名称"
    return f"第{number}行：没有名为“{written}”的占位符，请从“可用的占位符”列表中点选"
