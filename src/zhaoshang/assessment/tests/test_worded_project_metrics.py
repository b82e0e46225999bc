"""Project sizes in each document's own words (issue 10 point 4, boundaries): xinfeng-2024 writes
every size with 超 — 超亿元项目, 超10亿元项目 — so a project of exactly 1亿 or 10亿 is not one;
xiayi-2023-2025 writes 10亿元以上项目, so exactly 10亿 is. The words live in the policy file
(`metrics[].projects`), read by engine/bounds.py; the platform's definition of the same key holds
where a document gives none."""

from datetime import date
from decimal import Decimal

import pytest

from zhaoshang.assessment.facts import gather, ledger_metrics
from zhaoshang.assessment.models import policy_metrics
from zhaoshang.engine import find_policy, load_policy
from zhaoshang.engine.periods import parse_period
from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.org.models import Policy, Unit
from zhaoshang.org.services import policy_load

pytestmark = pytest.mark.django_db


def _load(name):
    policy_load(spec=load_policy(find_policy(name)))
    return Policy.objects.get(name=name)


def _signed(unit, amount, on=date(2024, 5, 10), **fields):
    n = Enterprise.objects.count()
    enterprise = Enterprise.objects.create(jurisdiction=unit.jurisdiction, name=f"体量企业{n}", unit=unit)
    return Project.objects.create(
        jurisdiction=unit.jurisdiction, name=f"体量项目{n}", enterprise=enterprise, unit=unit,
        total_investment=Decimal(amount), registered_on=date(2023, 1, 5), stage="signed", signed_on=on,
        **fields,
    )  # fmt: skip


def _value(policy, period, holder, metric):
    span = parse_period(period, policy.spec())
    facts, _missing = gather(policy, span, span.end)
    return sum((m.value for m in facts.metrics if m.holder.key == holder and m.metric == metric
                and m.period == period), Decimal(0))  # fmt: skip


def test_xinfeng_2024_counts_sizes_strictly_over_the_number():
    policy = _load("xinfeng-2024")
    unit = Unit.objects.get(jurisdiction=policy.jurisdiction, name="商务局")
    home = policy.jurisdiction.code
    metrics = ("projects_over_100m", "projects_over_1bn", "srdi_projects_over_1bn")
    before = {m: _value(policy, "2024-05", home, m) for m in metrics}
    _signed(unit, 10000)  # exactly 1亿: not 超亿元
    _signed(unit, "10000.01")  # 超亿元
    _signed(unit, 100000, attributes=["srdi"])  # exactly 10亿: 超亿元, not 超10亿元
    _signed(unit, 100001, attributes=["srdi"])  # 超10亿元, 专精特新
    after = {m: _value(policy, "2024-05", home, m) - before[m] for m in metrics}
    assert after == {
        "projects_over_100m": 3,  # 10000.01, 100000, 100001 (10000 is not over 1亿)
        "projects_over_1bn": 1,  # 100001 only
        "srdi_projects_over_1bn": 1,  # 100001 only
    }


def test_corps_six_is_held_to_a_chain_project_over_1bn():
    """附件1 第六兵团: 引进超10亿元产业链项目1个以上 — chain projects (its own attribute, or its
    产业 among the priority industries) over 10亿."""
    policy = _load("xinfeng-2024")
    unit = Unit.objects.get(jurisdiction=policy.jurisdiction, name="商务局")
    home = policy.jurisdiction.code
    before = _value(policy, "2024-05", home, "chain_projects_over_1bn")
    _signed(unit, 150000, attributes=["chain_project"])  # counted
    _signed(unit, 150000)  # not a chain project (no attribute, no 产业): not counted
    _signed(unit, 100000, attributes=["chain_project"])  # exactly 10亿: not 超
    assert _value(policy, "2024-05", home, "chain_projects_over_1bn") - before == 1
    corps6 = next(t for t in policy.spec().teams if t.key == "corps-06")
    assert [t.metric for t in corps6.targets if "1bn" in t.metric] == ["chain_projects_over_1bn"]


def test_xiayi_counts_10_yi_and_over_including_the_number():
    policy = _load("xiayi-2023-2025")
    unit = Unit.objects.filter(jurisdiction=policy.jurisdiction).first()
    home = policy.jurisdiction.code
    before = _value(policy, "2024-05", home, "projects_over_1bn")
    _signed(unit, 100000)  # 10亿元以上 includes 10亿
    _signed(unit, "99999.99")
    assert _value(policy, "2024-05", home, "projects_over_1bn") - before == 1


def test_worded_metrics_are_the_ledgers_not_statistics_to_enter():
    policy = _load("xinfeng-2024")
    spec = policy.spec()
    assert "chain_projects_over_1bn" in ledger_metrics(spec)
    assert "chain_projects_over_1bn" not in policy_metrics(policy)
    assert "projects_over_100m" not in policy_metrics(policy)
