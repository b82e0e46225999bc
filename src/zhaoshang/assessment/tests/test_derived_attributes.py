"""A fact the ledger already holds is not asked twice (issue 10 point 2): an enterprise's class
(世界500强, 上市公司…) and its listing count for its projects, and 外资 of 2亿美元以上 makes a
project a 2亿美元以上外资项目 — unless the office excludes it on the project. The metrics counted
in SQL and the projects handed to the engine agree."""

from datetime import date
from decimal import Decimal

import pytest

from zhaoshang.assessment.facts import PROJECT_METRICS, gather
from zhaoshang.engine.periods import parse_period
from zhaoshang.ledger.models import Enterprise, Project, effective_attributes
from zhaoshang.org.models import Policy, Unit

pytestmark = pytest.mark.django_db


def _project(unit, n, *, tags=(), exchange="", foreign=None, own=(), excluded=()):
    e = Enterprise.objects.create(
        jurisdiction=unit.jurisdiction,
        name=f"派生企业{n}",
        unit=unit,
        tags=list(tags),
        listed_exchange=exchange,
    )
    return Project.objects.create(
        jurisdiction=unit.jurisdiction, name=f"派生项目{n}", enterprise=e, unit=unit,
        total_investment=Decimal(5000), registered_on=date(2023, 1, 5), stage="signed",
        signed_on=date(2024, 5, 10), signing_kind="formal", foreign_investment_usd=foreign,
        attributes=list(own), attributes_excluded=list(excluded),
    )  # fmt: skip


def test_effective_attributes_read_the_enterprise_and_foreign_investment():
    assert effective_attributes([], ["世界500强", "瞪羚"]) == {"world500"}
    assert effective_attributes([], [], "深交所") == {"listed_company"}
    # 2亿美元以上 includes the number: 20,000 万美元 is in, 19,999.99 is not.
    assert effective_attributes([], [], "", Decimal("20000")) == {"foreign_over_200m_usd"}
    assert effective_attributes([], [], "", Decimal("19999.99")) == frozenset()
    # The office's exclusion removes a derived attribute, never one entered on the project.
    assert effective_attributes(["world500"], ["世界500强"], excluded=["world500"]) == {"world500"}
    assert effective_attributes([], ["世界500强", "上市公司"], excluded=["world500"]) == {"listed_company"}


def test_sql_metrics_and_engine_projects_count_the_same_derived_attributes():
    policy = Policy.objects.get(name="testland-2024")
    unit = Unit.objects.get(jurisdiction=policy.jurisdiction, name="市财政局")
    span = parse_period("2024-05", policy.spec())
    before, _ = gather(policy, span, date(2024, 5, 31))
    made = [
        _project(unit, 1, tags=["世界500强"]),  # rank500 by its enterprise
        _project(unit, 2, tags=["民营500强"], excluded=["private500"]),  # the office says no
        _project(unit, 3, exchange="港交所"),  # listed by its exchange
        _project(unit, 4, tags=["上市公司"], excluded=["listed_company"]),  # excluded
        _project(unit, 5, own=["listed_company"], excluded=["listed_company"]),  # own stays
        _project(unit, 6, foreign=Decimal("20000")),
        _project(unit, 7, foreign=Decimal("19999.99")),
    ]
    after, _ = gather(policy, span, date(2024, 5, 31))

    def delta(metric):
        def total(facts):
            return sum((m.value for m in facts.metrics
                        if m.holder.key == "市财政局" and m.metric == metric and m.period == "2024-05"
                        and not m.head_led), Decimal(0))  # fmt: skip

        return total(after) - total(before)

    assert "rank500_enterprises" in PROJECT_METRICS and "listed_companies" in PROJECT_METRICS
    assert delta("rank500_enterprises") == 1  # project 1 only
    assert delta("listed_companies") == 2  # projects 3 and 5
    by_id = {p.id: p for p in after.projects}
    for p in made:
        p.refresh_from_db()
        if str(p.pk) in by_id:  # the engine's copy agrees with the model's reading
            assert by_id[str(p.pk)].attributes == p.effective_attributes()
    assert made[0].effective_attributes() == {"world500"}
    assert made[5].effective_attributes() == {"foreign_over_200m_usd"}
    assert made[6].effective_attributes() == frozenset()
