"""What a point rests on, in words a clerk reads: the facts each rule stores with a component
(`metric`, `met`, `rate`, `span`…) as Chinese labels and values — a rate as a percentage, an
amount in 万元 with separators, a period as 2024年6月, a holder, metric, group or flag by its
Chinese name.

`FACT_LABELS` names every fact key the engine writes; `tests/test_explain.py` reads the engine's
source for the keys it passes, so a new key without a label fails the suite rather than showing
`metric=…` on the run page. The run page, the rankings, the Excel export and the bulletins all
take their explanation from here (`export.present`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zhaoshang.core import zhformat
from zhaoshang.engine import bounds

# Labels of the fact keys, and how their values read. A value formatter takes (value, explainer).
FACT_LABELS: dict[str, str] = {
    "actual": "完成值",
    "amount": "金额",
    "amount_wan": "金额",
    "applies_to": "适用于",
    "at_least": "额度性质",
    "attributes": "项目属性",
    "base_wan": "基数",
    "basis": "完成率依据",
    "bottom": "倒数名次",
    "cap_yuan": "上限",
    "checks": "核验情况",
    "clause": "条款",
    "completion": "完成率",
    "conditions_met": "条件",
    "count": "数量",
    "denominator": "分母",
    "dimension": "评分维度",
    "direction": "方向",
    "done": "已完成",
    "due": "期限",
    "excluded_by": "不参评原因",
    "exclusive": "与其他奖励",
    "grade": "等次",
    "history": "历年结果",
    "hosting": "落地方分成",
    "indicators": "分成指标",
    "indicators_from": "指标起算日",
    "introducing": "引进方分成",
    "item": "所扣指标",
    "item_points": "该项扣前得分",
    "items": "评分项",
    "kind": "类别",
    "leads_by_grade": "各等级有效线索",
    "met": "是否达标",
    "metric": "指标",
    "min": "最低要求",
    "min_rate": "最低增速",
    "missed": "未完成的时段",
    "missing": "缺少次数",
    "month": "月份",
    "multiplier": "扣分倍数",
    "negotiated": "已洽谈",
    "not_added": "未计入",
    "note": "说明",
    "numerator": "分子",
    "of": "参评数",
    "on": "日期",
    "paid_as_spent": "拨付方式",
    "paid_to": "拨付对象",
    "partition": "排名分组",
    "people_reward_max_wan": "个人奖励上限",
    "per": "频次",
    "points_each": "每项分值",
    "periods": "各期得分",
    "periods_running": "连续期数",
    "previous": "上年同期",
    "project": "项目",
    "project_name": "项目",
    "projects": "项目数",
    "proposed_yuan": "拟奖励",
    "published": "采用已发布结果的月份",
    "rank": "名次",
    "rate": "比率",
    "reasons": "原因",
    "rejected": "不予计入",
    "required": "要求",
    "run_by": "承办单位",
    "score_by": "排名依据",
    "set_by_office": "由招商办设定",
    "share": "分成比例",
    "side": "分成方",
    "span": "统计期",
    "stage": "阶段",
    "status": "状态",
    "survey": "测评期",
    "target": "目标",
    "target_period": "目标期",
    "taken_from_item": "该项实扣分",
    "tax_wan": "税收",
    "tied_amount_wan": "与考核结果挂钩金额",
    "tied_to_results": "与考核结果挂钩比例",
    "uncapped": "应扣分（未封顶）",
    "uncapped_wan": "未封顶金额",
    "ungraded": "未定级线索",
    "unpublished": "尚未发布、按现有数据计算的月份",
    "unit": "单位",
    "units": "单位数",
    "upto": "统计区间",
    "values": "各期数值",
    "view_of": "与下列经费为同一笔",
    "word": "界限",
    "year": "年度",
    "year_of_evaluation": "评价年次",
    # 年均增速 (growth, reading: average)
    "reading": "口径",
    "reached": "当年增速是否达到",
    "warning": "提示",
    "base_year": "基期",
    "years": "年数",
    "final": "考核期",
    "on_track": "按目前进度",
    "below_years": "当年增速未达到的年度",
    # deadlines (僵尸企业1年内复工复产) and 合同履约率
    "enterprise": "企业",
    "enterprise_name": "企业",
    "start": "起算日",
    "judged_on": "考核日",
    "overdue": "逾期未完成",
    "within_months": "期限",
    "late_fulfilment_counts": "逾期履行",
    "started_on": "落地开工日期",
}

PER_LABELS = {
    "week": "每周",
    "month": "每月",
    "quarter": "每季度",
    "half": "每半年",
    "half_year": "每半年",
    "year": "每年",
    "period": "整个期间",
}
BASIS_LABELS = {
    "unit": "引进单位本身的年度进资任务",
    "team": "所在兵团的年度进资任务",
    "project": "项目本身的年度投资计划",
}
RATE_LABELS = {
    "contract_fulfilment": "合同履约率",
    "start": "开工率",
    "funds_in_place": "资金到位率",
    "production": "投产率",
}
SIDE_LABELS = {"introducing": "引进方", "hosting": "落地方"}
DIRECTION_LABELS = {"up": "增长", "down": "下降", "higher": "越高越好", "lower": "越低越好"}
CHECK_LABELS = {
    "in_statistics": "纳入统计",
    "tax_paid": "已产生税收",
    "investment_verified": "进资已核实",
}
CN_DIGITS = zhformat.CN_DIGITS


_dec = zhformat.dec
number = zhformat.number


def wan(v) -> str:
    """An amount in 万元 with separators, to the yuan; 亿元 noted from 1亿 up."""
    d = _dec(v)
    if d is None:
        return "" if v is None else str(v)
    text = f"{number(d, 4)}万元"
    if abs(d) >= 10000:
        text += f"（{number(d / 10000, 2)}亿元）"
    return text


percent = zhformat.percent


def yes_no(v) -> str:
    return {True: "是", False: "否", None: "未填"}.get(v, str(v))


period = zhformat.period


class Explainer:
    """Names of one policy's holders, metrics, groups, rules and projects, and the facts of its
    components in words. Built once per presentation (a run page, a bulletin)."""

    def __init__(
        self,
        *,
        holders: dict[tuple[str, str], str] | None = None,
        metrics: dict[str, str] | None = None,
        metric_units: dict[str, str] | None = None,
        metric_kinds: dict[str, str] | None = None,
        groups: dict[str, str] | None = None,
        rules: dict[str, str] | None = None,
        dimensions: dict[str, str] | None = None,
        items: dict[str, str] | None = None,
        flags: dict[str, str] | None = None,
        amounts: dict[str, str] | None = None,
        projects: dict[str, str] | None = None,
        ratio_rules: set[str] | None = None,
        periods: dict[str, str] | None = None,
    ):
        self.holders = holders or {}
        self.metrics = metrics or {}
        self.metric_units = metric_units or {}
        self.metric_kinds = metric_kinds or {}
        self.groups = groups or {}
        self.rules = rules or {}
        self.dimensions = dimensions or {}
        self.items = items or {}
        self.flags = flags or {}
        self.amounts = amounts or {}
        self.projects = projects or {}
        self.ratio_rules = ratio_rules or set()
        self.periods = periods or {}

    # --- names --------------------------------------------------------------------------------

    def holder(self, key, kind: str | None = None) -> str:
        if key is None:
            return ""
        if kind:
            return self.holders.get((kind, str(key)), str(key))
        for k in ("unit", "team", "person", "jurisdiction"):
            if (k, str(key)) in self.holders:
                return self.holders[(k, str(key))]
        return str(key)

    def metric(self, key) -> str:
        return self.metrics.get(str(key), self.rules.get(str(key), str(key)))

    def period(self, key) -> str:
        """A policy's own period by its label (百日攻坚), else the calendar reading of the key."""
        return self.periods.get(str(key)) or period(key)

    def kind(self, key) -> str:
        return self.flags.get(str(key)) or self.amounts.get(str(key)) or str(key)

    def project(self, key) -> str:
        if key is None:
            return "—"
        return self.projects.get(str(key), f"项目{key}")

    def measured(self, value, metric: str | None) -> str:
        """A value of a metric in its unit: 3 个, 541.34 万元, 54.28%."""
        if metric is None:
            return number(value)
        kind = self.metric_kinds.get(metric)
        if kind == "ratio":
            return percent(value)
        if kind == "amount":
            return wan(value)
        unit = self.metric_units.get(metric, "")
        return f"{number(value)}{unit}" if unit and unit != "万元" else number(value)

    def score(self, value, score_by: str | None) -> str:
        """A ranking's score as its rule gives it: a completion rate as a percentage, a metric in
        its unit, points as a number."""
        if value is None:
            return "—"
        if score_by is not None and (
            score_by in self.ratio_rules or self.metric_kinds.get(score_by) in ("ratio", "amount")
        ):
            return percent(value) if score_by in self.ratio_rules else self.measured(value, score_by)
        return number(value)

    # --- facts --------------------------------------------------------------------------------

    def value(self, key: str, v: Any, facts: dict) -> str:
        fmt = _FORMATS.get(key)
        if fmt is not None:
            return fmt(v, self, facts)
        return self.plain(v)

    def plain(self, v) -> str:
        if isinstance(v, bool) or v is None:
            return yes_no(v)
        if isinstance(v, list | tuple):
            return "、".join(self.plain(x) for x in v) or "无"
        if isinstance(v, dict):
            return "；".join(f"{self.plain(k)} {self.plain(x)}" for k, x in v.items()) or "无"
        if _dec(v) is not None:
            return number(v)
        return str(v)

    def facts(self, facts: dict) -> list[tuple[str, str]]:
        """(label, text) pairs in the order the rule wrote them; rank and its count read as one."""
        out = []
        for key, v in facts.items():
            if key == "of" and "rank" in facts:
                continue
            if v is None and key not in ("met", "tax_paid"):
                continue  # a fact the rule has no value for says nothing (项目：—)
            out.append((FACT_LABELS.get(key, key), self.value(key, v, facts)))
        return out

    def sentence(self, facts: dict) -> str:
        return "；".join(f"{label}：{text}" for label, text in self.facts(facts) if text != "")


def _metric_of(facts: dict) -> str | None:
    m = facts.get("metric")
    return str(m) if m is not None else None


def _measured(v, ex: Explainer, facts: dict) -> str:
    return ex.measured(v, _metric_of(facts))


def _rank(v, ex: Explainer, facts: dict) -> str:
    of = facts.get("of")
    return f"第{v}名（共{of}名）" if of is not None else f"第{v}名"


def _bottom(v, ex: Explainer, facts: dict) -> str:
    return f"倒数第{v}名"


def _met(v, ex: Explainer, facts: dict) -> str:
    return {True: "达标", False: "未达标", None: "不适用"}.get(v, str(v))


def _rate(v, ex: Explainer, facts: dict) -> str:
    if _dec(v) is not None:
        return percent(v)
    return RATE_LABELS.get(str(v)) or ex.metric(v)


def _periods(v, ex: Explainer, facts: dict) -> str:
    if isinstance(v, list | tuple):
        return "、".join(ex.period(x) for x in v) or "无"
    if isinstance(v, dict):
        return "；".join(f"{ex.period(k)} {ex.plain(x)}" for k, x in v.items()) or "无"
    if isinstance(v, int):
        return f"{v}期"
    return ex.period(v)


def _values(v, ex: Explainer, facts: dict) -> str:
    if isinstance(v, dict):
        metric = _metric_of(facts)
        return "；".join(f"{ex.period(k)} {ex.measured(x, metric)}" for k, x in v.items()) or "无"
    return ex.plain(v)


def _indicators(v, ex: Explainer, facts: dict) -> str:
    if isinstance(v, dict):
        return "；".join(f"{ex.metric(k)} {ex.measured(x, k)}" for k, x in v.items()) or "无"
    return ex.plain(v)


def _items(v, ex: Explainer, facts: dict) -> str:
    if not isinstance(v, dict):
        return ex.plain(v)
    parts = []
    for key, item in v.items():
        name = ex.items.get(key) or ex.metric(item.get("metric", key) if isinstance(item, dict) else key)
        if isinstance(item, dict):
            parts.append(f"{name} {number(item.get('count'))}个，得{number(item.get('points'))}分")
        else:
            parts.append(f"{name} {ex.plain(item)}")
    return "；".join(parts) or "无"


def _checks(v, ex: Explainer, facts: dict) -> str:
    if not isinstance(v, dict):
        return ex.plain(v)
    return "；".join(f"{CHECK_LABELS.get(k, k)} {yes_no(x)}" for k, x in v.items()) or "无"


def _counts(v, ex: Explainer, facts: dict) -> str:
    if isinstance(v, dict):
        return "；".join(f"{k} {x}条" for k, x in v.items()) or "无"
    return ex.plain(v)


def _kinds(v, ex: Explainer, facts: dict) -> str:
    if isinstance(v, list | tuple):
        return "、".join(ex.kind(x) for x in v) or "无"
    return ex.kind(v)


def _holder(v, ex: Explainer, facts: dict) -> str:
    return ex.holder(v)


def _project(v, ex: Explainer, facts: dict) -> str:
    return ex.project(v)


def _shares(v, ex: Explainer, facts: dict) -> str:
    return percent(v)


def _wan(v, ex: Explainer, facts: dict) -> str:
    return wan(v)


def _amount(v, ex: Explainer, facts: dict) -> str:
    return wan(v) if _dec(v) is not None else ex.plain(v)


def _yuan(v, ex: Explainer, facts: dict) -> str:
    return f"{number(v, 2)}元" if _dec(v) is not None else ex.plain(v)


def _text(fn: Callable[[Any], str]):
    return lambda v, ex, facts: fn(v)


_FORMATS: dict[str, Callable[[Any, Explainer, dict], str]] = {
    "actual": _measured,
    "target": _measured,
    "min": _measured,
    "previous": _measured,
    "required": _measured,
    "amount": _amount,
    "amount_wan": _wan,
    "base_wan": _wan,
    "tax_wan": _wan,
    "tied_amount_wan": _wan,
    "uncapped_wan": _wan,
    "uncapped": _text(lambda v: f"{number(v)}分"),
    "item_points": _text(lambda v: f"{number(v)}分"),
    "taken_from_item": _text(lambda v: f"{number(v)}分"),
    "points_each": _text(lambda v: f"{number(v)}分"),
    "item": lambda v, ex, f: ex.items.get(str(v)) or ex.metric(v),
    "basis": lambda v, ex, f: BASIS_LABELS.get(str(v), str(v)),
    "view_of": _kinds,
    "paid_as_spent": lambda v, ex, f: "按实际支出拨付（不超过额度）" if v else "按额度拨付",
    "published": _periods,
    "unpublished": _periods,
    "rejected": _wan,
    "people_reward_max_wan": _wan,
    "cap_yuan": _yuan,
    "proposed_yuan": _yuan,
    "at_least": lambda v, ex, f: "文件规定的最低额度（不低于）" if v else "文件规定的额度",
    "rank": _rank,
    "bottom": _bottom,
    "met": _met,
    "conditions_met": lambda v, ex, f: "满足" if v else "不满足",
    "completion": _shares,
    "share": _shares,
    "hosting": _shares,
    "introducing": _shares,
    "min_rate": _shares,
    "tied_to_results": _shares,
    "rate": _rate,
    "metric": lambda v, ex, f: ex.metric(v),
    "score_by": lambda v, ex, f: ex.metric(v),
    "partition": lambda v, ex, f: ex.groups.get(str(v), str(v)),
    "dimension": lambda v, ex, f: ex.dimensions.get(str(v), str(v)),
    "per": lambda v, ex, f: PER_LABELS.get(str(v), str(v)),
    "side": lambda v, ex, f: SIDE_LABELS.get(str(v), str(v)),
    "direction": lambda v, ex, f: DIRECTION_LABELS.get(str(v), str(v)),
    "kind": _kinds,
    "excluded_by": _kinds,
    "span": _periods,
    "survey": _periods,
    "month": _periods,
    "target_period": _periods,
    "upto": _periods,
    "missed": _periods,
    "year": _text(lambda v: f"{v}年"),
    "periods": _periods,
    "periods_running": _text(lambda v: f"{v}期"),
    "year_of_evaluation": _text(lambda v: f"滚动考评第{v}年"),
    "started_on": _periods,
    "multiplier": _text(lambda v: f"{number(v)}倍"),
    "missing": _text(lambda v: f"{number(v)}次"),
    "values": _values,
    "indicators": _indicators,
    "items": _items,
    "checks": _checks,
    "leads_by_grade": _counts,
    "paid_to": _holder,
    "unit": _holder,
    "run_by": _holder,
    "project": _project,
    "due": _periods,
    "on": _periods,
    "indicators_from": _periods,
    "exclusive": lambda v, ex, f: "不叠加（就高）" if v else "可叠加",
    "set_by_office": lambda v, ex, f: "是" if v else "否",
    "negotiated": _text(yes_no),
    "word": _text(lambda v: f"“{v}”{'含' if bounds.includes(v) else '不含'}本数"),
    "reading": lambda v, ex, f: READING_LABELS.get(str(v), str(v)),
    "reached": _text(lambda v: "达到" if v else "未达到（仅作提示，不计为未达标）"),
    "base_year": _periods,
    "years": _text(lambda v: f"{v}年"),
    "final": _text(lambda v: "已结束，为最终结果" if v else "尚未结束，为截至目前的测算"),
    "on_track": _text(lambda v: "可达到年均增速要求" if v else "达不到年均增速要求"),
    "below_years": _periods,
    "enterprise": _text(lambda v: ""),  # its name is shown (enterprise_name)
    "start": _periods,
    "judged_on": _periods,
    "overdue": _text(lambda v: f"{len(v)}个" if isinstance(v, list | tuple) else str(v)),
    "within_months": _text(lambda v: f"{v}个月内（含届满当日）"),
    "late_fulfilment_counts": _text(lambda v: "计为履约" if v else "不计为履约（须按约定期限履行）"),
    "done": lambda v, ex, f: period(v) if isinstance(v, str) and zhformat._DAY.match(v) else ex.plain(v),
}
READING_LABELS = {"year": "当年增速（单年低于要求仅作提示）", "average": "年均增速（水平法：几何平均）"}
