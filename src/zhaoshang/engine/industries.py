"""A project's priority-industry attributes: the one reading of a policy's `priority_industries`.

A project of a priority industry (its 产业, else its enterprise's 产业) counts with the setting's
attributes (产业链项目, 主导产业项目…). `contains` (the default) takes a priority name found within
the 产业 (电子信息 in 电子信息（PCB）), `exact` only the same text; Latin letters compare without
case, as the database's `icontains` / `iexact` do (assessment/facts.py says the same in SQL).
"""

from __future__ import annotations

from .schema import PriorityIndustries


def project_industry(industry: str | None, enterprise_industry: str | None) -> str:
    """The 产业 a project is judged on: its own, else its enterprise's."""
    return industry or enterprise_industry or ""


def matching(setting: PriorityIndustries | None, industry: str) -> list[str]:
    """The priority industries `industry` (a project's 产业) names, in the setting's order."""
    if setting is None or not industry:
        return []
    text = industry.lower()
    if setting.match == "exact":
        return [i.name for i in setting.industries if i.name.lower() == text]
    return [i.name for i in setting.industries if i.name.lower() in text]


def industry_attributes(setting: PriorityIndustries | None, industry: str) -> frozenset[str]:
    """The attributes a project of this 产业 counts with under the setting (before the office's
    exclusions)."""
    return frozenset(setting.attributes) if matching(setting, industry) else frozenset()
