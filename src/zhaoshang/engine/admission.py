"""Admission review (准入审查) of one project against a policy's admission rules.

Thresholds are read with the document's word (engine/bounds.py): 达到亩均固投和亩均税收要求 passes
at the standard itself (`per_mu_word`); 亿元以下的非主导产业项目不再单独供地 sends a project of
exactly 1亿 to the standard factories too (`land_word: 以下`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from .bounds import meets, phrase
from .industries import matching
from .schema import Admission, Policy, PriorityIndustries


@dataclass(frozen=True)
class ProjectFacts:
    name: str
    industry: str
    total_investment_wan: Decimal
    foreign: bool = False
    land_mu: Decimal | None = None
    tax_per_mu_wan: Decimal | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    clause: str
    verdict: Literal["pass", "fail", "unknown", "standard_factory"]
    message: str


def review(policy: Policy, facts: ProjectFacts) -> list[Finding]:
    out: list[Finding] = []
    for rule in policy.rules:
        if isinstance(rule, Admission):
            out += _review_rule(rule, facts, policy.priority_industries)
    return out


def _review_rule(
    rule: Admission, f: ProjectFacts, priority: PriorityIndustries | None = None
) -> list[Finding]:
    out: list[Finding] = []

    def add(verdict, message):
        out.append(Finding(rule.id, rule.clause, verdict, message))

    barred = [w for w in rule.negative_list if w in f.industry or w in f.name]
    if rule.negative_list:
        if barred:
            add("fail", f"属于负面清单（{'、'.join(barred)}），不予引进")
        else:
            add("pass", "不在负面清单内")
    per_mu = f.total_investment_wan / f.land_mu if f.land_mu else None
    for threshold, actual, label in (
        (rule.min_investment_per_mu_wan, per_mu, "亩均投资"),
        (rule.min_tax_per_mu_wan, f.tax_per_mu_wan, "亩均税收"),
    ):
        if threshold is None:
            continue
        standard = phrase(f"{threshold}万元/亩", rule.per_mu_word)
        if actual is None:
            add("unknown", f"{label}缺少用地或税收数据，无法审查（标准：{standard}）")
        elif not meets(actual, threshold, rule.per_mu_word):
            add("fail", f"{label}{actual:.2f}万元/亩，未满足“{standard}”的标准")
        else:
            add("pass", f"{label}{actual:.2f}万元/亩，满足“{standard}”的标准")
    if rule.land_min_investment_wan is not None:
        # The rule's own list, else the policy's priority industries (`priority_industries`).
        if rule.leading_industries:
            leading = any(ind in f.industry for ind in rule.leading_industries)
        else:
            leading = bool(matching(priority, f.industry))
        floor = rule.land_min_investment_wan
        small = phrase(f"{floor}万元", rule.land_word)  # 10000万元以下 / 低于10000万元
        if not meets(f.total_investment_wan, floor, rule.land_word):
            add("pass", f"总投资{f.total_investment_wan}万元，不属于{small}的项目，可单独供地")
        elif leading:
            add("pass", f"属主导产业（{f.industry}），可单独供地")
        elif rule.exempt_foreign and f.foreign:
            add("pass", "外资外贸项目，可单独供地")
        else:
            add(
                "standard_factory",
                f"总投资{f.total_investment_wan}万元，属{small}的非主导产业项目：不单独供地，安排入驻标准厂房",
            )
    if not out and rule.set_by_office:
        add("unknown", "审查标准待办公室在政策文件中填写")
    return out
