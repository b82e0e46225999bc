"""xiayi-2023-2025 (003), issue 10 point 4, from the ledger to the result: zombie enterprises and
contract obligations as recorded, events by region, gathered (assessment/facts.py) and assessed
(engine), the figures worked out by hand."""

import json
from datetime import date
from decimal import Decimal

import pytest

from zhaoshang.assessment import services
from zhaoshang.assessment.facts import gather
from zhaoshang.core.changelog import change_context
from zhaoshang.engine import find_policy, load_policy
from zhaoshang.engine.periods import parse_period
from zhaoshang.fieldwork.models import Activity
from zhaoshang.ledger.models import ContractObligation, Enterprise, Project
from zhaoshang.org.models import Team, Unit
from zhaoshang.org.services import policy_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def xiayi():
    with change_context(source="system"):
        policy = policy_load(spec=load_policy(find_policy("xiayi-2023-2025"))).policy
    return policy


def _enterprise(unit, name, **kw):
    return Enterprise.objects.create(jurisdiction=unit.jurisdiction, name=name, unit=unit, **kw)


def test_zombie_enterprises_reach_the_deadline_rules(xiayi):
    """A classified 2023-03-10: due 2024-03-10 (一年内 includes the anniversary). Assessed 2024 as
    of 2024-03-10 nothing is overdue; as of 2024-03-11 A is, B (resumed 2024-03-10) is on time,
    C (resumed 2024-03-12) is late and resumed after that day, so overdue then too; D has no
    deadline."""
    htz = Unit.objects.get(jurisdiction=xiayi.jurisdiction, name="高新区")
    classified = date(2023, 3, 10)
    _enterprise(htz, "僵尸甲", zombie_class="A", zombie_classified_on=classified)
    _enterprise(
        htz, "僵尸乙", zombie_class="B", zombie_classified_on=classified, zombie_resumed_on=date(2024, 3, 10)
    )
    _enterprise(
        htz, "僵尸丙", zombie_class="C", zombie_classified_on=classified, zombie_resumed_on=date(2024, 3, 12)
    )
    _enterprise(htz, "僵尸丁", zombie_class="D", zombie_classified_on=classified)
    _enterprise(htz, "正常企业")
    span = parse_period("2024", xiayi.spec())
    facts, _ = gather(xiayi, span, date(2024, 3, 11))
    by_name = {e.name: e for e in facts.enterprises}
    assert set(by_name) == {"僵尸甲", "僵尸乙", "僵尸丙", "僵尸丁"}
    assert by_name["僵尸乙"].attributes == {"zombie_b"} and by_name["僵尸乙"].dates == {
        "classified": classified,
        "resumed": date(2024, 3, 10),
    }
    assert by_name["僵尸甲"].holder.key == "高新区"

    def overdue(as_of):
        result, _, _, _ = services.compute(xiayi, "2024", as_of=as_of)
        counts = {}
        for r in result["results"]:
            for c in r["components"]:
                if c["rule"].startswith("zombie-class") and "overdue" in c.get("facts", {}):
                    counts[c["rule"]] = int(Decimal(c["points"]))
        return counts

    assert overdue(date(2024, 3, 10)) == {"zombie-class-a": 0, "zombie-class-b": 0, "zombie-class-c": 0}
    assert overdue(date(2024, 3, 11)) == {"zombie-class-a": 1, "zombie-class-b": 0, "zombie-class-c": 1}
    assert overdue(date(2024, 3, 12)) == {"zombie-class-a": 1, "zombie-class-b": 0, "zombie-class-c": 0}


def test_contract_obligations_give_the_fulfilment_rate(xiayi):
    """Signed 2023-02-01, assessed 2023-Q4: due by 2023-12-31 are the investment (met on its day),
    the start (a day late) and the completion (not met) → 1 ÷ 3; the output due in 2024 is left
    out though already met."""
    unit = Unit.objects.get(jurisdiction=xiayi.jurisdiction, name="商务局")
    e = _enterprise(unit, "履约企业")
    p = Project.objects.create(
        jurisdiction=xiayi.jurisdiction, name="履约项目", enterprise=e, unit=unit, total_investment=Decimal(10000),
        registered_on=date(2023, 1, 5), stage="signed", signed_on=date(2023, 2, 1),
    )  # fmt: skip
    K = ContractObligation.Kind
    for kind, due, done in [
        (K.INVESTMENT, date(2023, 6, 30), date(2023, 6, 30)),
        (K.CONSTRUCTION_START, date(2023, 6, 30), date(2023, 7, 1)),
        (K.COMPLETION, date(2023, 9, 30), None),
        (K.OUTPUT, date(2024, 3, 31), date(2023, 11, 1)),
    ]:
        ContractObligation.objects.create(
            project=p,
            kind=kind,
            due_on=due,
            fulfilled_on=done,
            amount=Decimal(1) if kind in ("investment", "output") else None,
        )
    span = parse_period("2023-Q4", xiayi.spec())
    facts, _ = gather(xiayi, span, date(2023, 12, 31))
    (fact,) = [x for x in facts.projects if x.name == "履约项目"]
    assert [o.kind for o in fact.obligations] == [
        "investment",
        "construction_start",
        "completion",
    ]  # due by Q4's end
    result, _, _, _ = services.compute(xiayi, "2023-Q4", as_of=date(2023, 12, 31))
    home = next(r for r in result["results"] if r["holder_kind"] == "jurisdiction")
    (c,) = [
        c
        for c in home["components"]
        if c["rule"] == "project-kpi" and c["facts"]["rate"] == "contract_fulfilment"
    ]
    assert (Decimal(c["facts"]["numerator"]), Decimal(c["facts"]["denominator"])) == (1, 3)


def test_events_count_in_the_target_regions_only_where_the_policy_says(xiayi):
    """Group 1 holds 2 events in 长三角, 1 in 成渝 and 3 at home in May 2023: the target-region
    metric is 2 (成渝 is not one of the four named), the general one 6. With 成渝 added to the
    policy's target_regions (the office's reading of “等”) it is 3."""
    team = Team.objects.get(policy=xiayi, key="group-1")
    unit = Unit.objects.get(jurisdiction=xiayi.jurisdiction, name="商务局")
    for region, n in (("yangtze_delta", 2), ("chengyu", 1), ("local", 3)):
        for i in range(n):
            Activity.objects.create(
                jurisdiction=xiayi.jurisdiction, kind="promotion_event", unit=unit, team=team,
                date=date(2023, 5, 10 + i), region=region,
            )  # fmt: skip
    span = parse_period("2023", xiayi.spec())

    def count(facts, metric):
        return sum(
            (
                m.value
                for m in facts.metrics
                if m.holder.key == "group-1" and m.metric == metric and not m.head_led
            ),
            Decimal(0),
        )

    facts, _ = gather(xiayi, span, date(2023, 12, 31))
    assert (count(facts, "promotion_events_target_region"), count(facts, "promotion_events")) == (2, 6)
    content = json.loads(xiayi.content_json)
    content["target_regions"] = [*content["target_regions"], "chengyu"]
    xiayi.content_json = json.dumps(content, ensure_ascii=False)  # as a reloaded policy file would
    xiayi.save(update_fields=["content_json"])
    facts, _ = gather(xiayi, span, date(2023, 12, 31))
    assert (count(facts, "promotion_events_target_region"), count(facts, "promotion_events")) == (3, 6)


def test_the_policy_regions_are_field_work_s():
    """`target_regions` names field work's regions (engine/schema.py Region, fieldwork REGIONS),
    and its default is fieldwork's TARGET_REGIONS: the four the document names."""
    from typing import get_args

    from zhaoshang.engine.schema import DEFAULT_TARGET_REGIONS, Region
    from zhaoshang.fieldwork.models import REGIONS, TARGET_REGIONS

    assert set(get_args(Region)) == {key for key, _ in REGIONS}
    assert tuple(DEFAULT_TARGET_REGIONS) == tuple(TARGET_REGIONS)


def test_the_quota_page_counts_the_policy_s_regions_too(xiayi):
    """Field work's quota progress (fieldwork/quotas.py) reads the same regions as the assessment:
    2 events in 长三角 and 1 in 成渝 are 2 under the default, 3 once 成渝 is added."""
    from zhaoshang.fieldwork.quotas import metric_values

    team = Team.objects.get(policy=xiayi, key="group-1")
    unit = Unit.objects.get(jurisdiction=xiayi.jurisdiction, name="商务局")
    for i, region in enumerate(("yangtze_delta", "yangtze_delta", "chengyu", "local")):
        Activity.objects.create(
            jurisdiction=xiayi.jurisdiction, kind="promotion_event", unit=unit, team=team,
            date=date(2023, 6, 1 + i), region=region,
        )  # fmt: skip
    span = (date(2023, 1, 1), date(2023, 12, 31))
    regions = xiayi.spec().target_regions
    count = metric_values("promotion_events_target_region", "team", [team.pk], *span, regions=regions)
    assert count[team.pk] == 2
    wider = [*regions, "chengyu"]
    count = metric_values("promotion_events_target_region", "team", [team.pk], *span, regions=wider)
    assert count[team.pk] == 3


@pytest.mark.parametrize(
    "metric, period, ok",
    [
        ("foreign_investment", "2022", True),  # the base year of 2023–2025's 年均增速
        ("foreign_investment", "2022-12", True),
        ("out_of_province_investment", "2022", True),
        ("approved_unsupplied_land", "2022-12", True),  # 逐年减少 compares 2023 with 2022
        ("foreign_investment", "2021", False),  # not a base year
        ("chain_extension_projects", "2022", False),  # no growth rule reads it
    ],
)
def test_the_office_may_enter_a_growth_rule_s_base_year(xiayi, metric, period, ok):
    """The statistics the office enters lie within the policy's periods, except the year a growth
    rule reads as its base (2022 for 2023–2025): otherwise 年均增速 could never be computed."""
    from django.core.exceptions import ValidationError

    from zhaoshang.assessment.models import MetricValue

    mv = MetricValue(
        jurisdiction=xiayi.jurisdiction, policy=xiayi, holder_kind="jurisdiction",
        holder_jurisdiction=xiayi.jurisdiction, metric=metric, period=period, value=Decimal(1000),
    )  # fmt: skip
    if ok:
        mv.full_clean()
    else:
        with pytest.raises(ValidationError) as err:
            mv.full_clean()
        assert "period" in err.value.message_dict
