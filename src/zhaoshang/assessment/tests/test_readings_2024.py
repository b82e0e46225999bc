"""xinfeng-2024 (000) read as the document means it, on small hand-built ledgers."""

from datetime import date
from decimal import Decimal

import pytest

from zhaoshang.assessment import services
from zhaoshang.assessment.facts import gather
from zhaoshang.engine.periods import parse_period
from zhaoshang.ledger.models import Enterprise, Investment, Project
from zhaoshang.org.models import Person, Policy, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def xf2024():
    return Policy.objects.get(name="xinfeng-2024")


def _project(unit, **fields):
    n = Enterprise.objects.count()
    enterprise = Enterprise.objects.create(jurisdiction=unit.jurisdiction, name=f"读法二四企业{n}", unit=unit)
    values = {
        "jurisdiction": unit.jurisdiction, "name": f"读法二四项目{n}", "enterprise": enterprise, "unit": unit,
        "total_investment": Decimal(50000), "registered_on": date(2023, 1, 5), "stage": "started",
    }  # fmt: skip
    return Project.objects.create(**(values | fields))


def _invest(project, month, amount):
    return Investment.objects.create(
        jurisdiction=project.jurisdiction, project=project, month=month, amount=Decimal(amount),
        unit=project.unit, team=project.team,
    )  # fmt: skip


def _value(facts, holder, metric, period):
    return sum(
        (
            m.value
            for m in facts.metrics
            if m.holder.key == holder and m.metric == metric and m.period == period
        ),
        Decimal(0),
    )


def test_responsible_leaders_are_credited_with_their_projects_investment(xf2024):
    """附件2 责任县领导……每年完成实际引进投资1亿元以上: a leader's investment is that of the
    projects he is responsible for (Project.responsible_leader), in each month it came in; 以上
    includes 1亿 itself (1亿 = 10000万)."""
    leader = Person.objects.get(jurisdiction=xf2024.jurisdiction, name="张凯波")
    unit = Unit.objects.get(jurisdiction=xf2024.jurisdiction, name="商务局")
    span = parse_period("2024", xf2024.spec())
    before = gather(xf2024, span, date(2024, 12, 31))[0]
    led = _project(unit, responsible_leader=leader)
    _invest(led, date(2024, 3, 1), 4000)
    _invest(led, date(2024, 5, 1), 6000)
    _invest(_project(unit), date(2024, 5, 1), 7000)  # no responsible leader: not his
    after = gather(xf2024, span, date(2024, 12, 31))[0]
    assert (
        _value(after, "张凯波", "actual_investment", "2024-03")
        - _value(before, "张凯波", "actual_investment", "2024-03")
        == 4000
    )
    assert (
        _value(after, "张凯波", "actual_investment", "2024-05")
        - _value(before, "张凯波", "actual_investment", "2024-05")
        == 6000
    )
    # The unit is credited as before: 6000 + 7000 more in May.
    assert (
        _value(after, "商务局", "actual_investment", "2024-05")
        - _value(before, "商务局", "actual_investment", "2024-05")
        == 13000
    )
    result = services.compute(xf2024, "2024", date(2024, 12, 31))[0]
    holder = next(r for r in result["results"] if r["holder"] == "张凯波")
    c = next(c for c in holder["components"] if c["rule"] == "leader-investment")
    earlier = sum(_value(before, "张凯波", "actual_investment", f"2024-{m:02d}") for m in range(1, 13))
    assert Decimal(c["points"]) == earlier + 10000 and c["max"] == "10000"
    assert c["facts"]["met"] is True  # 4000 + 6000 = 10000: 1亿元以上 includes 1亿


def test_last_years_bottom_three_entered_by_the_office_reaches_the_reassignment(xf2024):
    """§三(三) 连续两年位列后三名的单位主要负责人进行岗位调整: for 2023, which the platform did not
    run, last year's bottom three are what the office enters (认定事项 bottom_three, 期间 2023);
    today's ledger for 2023 is not recomputed."""
    from zhaoshang.assessment.models import OfficeDecision

    def reassigned_and_bottom(result):
        flagged = {f["holder"] for f in result["flags"] if f["kind"] == "reassignment"}
        bottom = [
            r["holder"] for r in result["results"]
            if any(c["rule"] == "reassignment" and c["facts"].get("conditions_met") for c in r["components"])
        ]  # fmt: skip
        return flagged, bottom

    flagged, bottom = reassigned_and_bottom(services.compute(xf2024, "2024", date(2024, 12, 31))[0])
    assert flagged == set() and bottom  # bottom three this year; nothing says so of last year
    unit = Unit.objects.get(jurisdiction=xf2024.jurisdiction, name=bottom[0])
    OfficeDecision.objects.create(
        jurisdiction=xf2024.jurisdiction, policy=xf2024, holder_kind="unit", unit=unit, key="bottom_three",
        period="2023", reason="2023年度进资任务完成率倒数第二",
    )  # fmt: skip
    flagged, _ = reassigned_and_bottom(services.compute(xf2024, "2024", date(2024, 12, 31))[0])
    assert flagged == {unit.name}
