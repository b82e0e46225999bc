"""Packaged projects and up/downstream firms as assessment facts (packages/metrics.py through
assessment/facts.py RECORD_METRICS), on xiayi-2023-2025 with a small hand-built world: the
quotas of §三(二) (不少于5个项目专案) and §二(二)2 (上下游企业10家以上), worked out by hand."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zhaoshang.assessment import services
from zhaoshang.assessment.facts import RECORD_METRICS, gather, ledger_metrics
from zhaoshang.assessment.forms import MetricValueForm
from zhaoshang.assessment.models import MetricValue, policy_metrics
from zhaoshang.chains.models import IndustryChain
from zhaoshang.core.changelog import change_context
from zhaoshang.engine import facts as ef
from zhaoshang.engine import find_policy, load_policy
from zhaoshang.engine.periods import parse_period
from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.org.models import Team, Unit
from zhaoshang.org.services import policy_load
from zhaoshang.packages.models import ProjectPackage

pytestmark = pytest.mark.django_db

DERIVED = (
    "packaged_chain_projects",
    "packaged_key_projects",
    "upstream_downstream_firms",
    "target_enterprise_library",
)


@pytest.fixture
def xiayi():
    with change_context(source="system"):
        return policy_load(spec=load_policy(find_policy("xiayi-2023-2025"))).policy


@pytest.fixture
def military(xiayi):
    return IndustryChain.objects.get(policy=xiayi, key="military")


def package(chain, name, on, **kw):
    p = ProjectPackage(jurisdiction=chain.jurisdiction, chain=chain, name=name, packaged_on=on, **kw)
    p.full_clean()
    p.save()
    return p


def metric(facts, holder, name):
    """{period: value} of a metric for a holder."""
    out = {}
    for m in facts.metrics:
        if m.holder == holder and m.metric == name and not m.head_led:
            out[m.period] = out.get(m.period, 0) + m.value
    return out


def chain_quota(xiayi, as_of=date(2024, 12, 31)):
    result, _, _, _ = services.compute(xiayi, "2024", as_of=as_of)
    for r in result["results"]:
        if r["holder"] == "sys-military":
            for c in r["components"]:
                if c["rule"] == "chain-packaged-projects":
                    return c
    raise AssertionError("no component")


def test_a_blank_team_is_the_chains_lead_team(military):
    p = package(military, "军服面料项目", date(2024, 3, 1))
    assert p.team == Team.objects.get(policy=military.policy, key="sys-military")
    assert p.jurisdiction_id == military.jurisdiction_id


def test_four_packages_miss_the_quota_five_meet_it_withdrawn_not_counted(xiayi, military):
    for i in range(4):
        package(military, f"专案{i}", date(2024, 2 + i, 10))
    withdrawn = package(military, "撤销的专案", date(2024, 6, 1), status=ProjectPackage.Status.WITHDRAWN)
    c = chain_quota(xiayi)
    assert Decimal(c["points"]) == 4 and Decimal(c["max"]) == 5
    assert c["facts"]["met"] is False and c["facts"]["word"] == "不少于"
    withdrawn.status = ProjectPackage.Status.ACTIVE
    withdrawn.save()
    c = chain_quota(xiayi)
    assert Decimal(c["points"]) == 5 and c["facts"]["met"] is True


def test_counted_in_the_month_packaged_and_key_projects_for_the_unit(xiayi, military):
    htz = Unit.objects.get(jurisdiction=xiayi.jurisdiction, name="高新区")
    package(military, "三月专案", date(2024, 3, 31))
    package(military, "四月专案", date(2024, 4, 1))
    package(military, "重大专案", date(2024, 4, 15), major=True, unit=htz)
    package(military, "上年专案", date(2023, 12, 31))
    facts, missing = gather(xiayi, parse_period("2024", xiayi.spec()), date(2024, 12, 31))
    team = ef.team("sys-military")
    assert metric(facts, team, "packaged_chain_projects") == {"2023-12": 1, "2024-03": 1, "2024-04": 1}
    # The office named the unit (高新区) for the key project: it is credited there, not to the team.
    assert metric(facts, ef.unit("高新区"), "packaged_key_projects") == {"2024-04": 1}
    assert metric(facts, ef.unit("高新区"), "packaged_chain_projects") == {"2024-04": 1}
    home = ef.jurisdiction(xiayi.jurisdiction.code)
    assert sum(metric(facts, home, "packaged_chain_projects").values()) == 4
    assert not set(DERIVED) & set(missing)


def test_up_and_downstream_firms_once_per_chain_from_the_first_signing(xiayi, military):
    unit = Unit.objects.get(jurisdiction=xiayi.jurisdiction, name="商务局")

    def project(ent, name, signed_on, stage=Project.Stage.SIGNED):
        return Project.objects.create(
            jurisdiction=ent.jurisdiction, name=name, enterprise=ent, industry="装备涂料", stage=stage,
            total_investment="5000", unit=unit, registered_on=date(2022, 1, 1), signed_on=signed_on,
        )  # fmt: skip

    def enterprise(name):
        return Enterprise.objects.create(jurisdiction=xiayi.jurisdiction, name=name, unit=unit)

    a, b, c, d = (enterprise(n) for n in ("涂料甲", "涂料乙", "涂料丙", "涂料丁"))
    project(a, "甲一期", date(2024, 3, 5))
    project(a, "甲二期", date(2024, 6, 5))  # the same firm: counted once
    project(b, "乙项目", date(2022, 12, 1))  # first signed before the policy began
    project(b, "乙二期", date(2024, 2, 1))
    project(c, "丙项目", date(2024, 5, 9), stage=Project.Stage.TERMINATED)  # no signing
    project(d, "丁项目", date(2024, 5, 20))
    facts, _ = gather(xiayi, parse_period("2024", xiayi.spec()), date(2024, 12, 31))
    assert metric(facts, ef.team("sys-military"), "upstream_downstream_firms") == {"2024-03": 1, "2024-05": 1}


def test_the_office_can_no_longer_type_the_derived_metrics(xiayi):
    assert set(DERIVED) <= set(RECORD_METRICS) <= ledger_metrics()
    offered = policy_metrics(xiayi)
    assert not set(DERIVED) & set(offered)
    team = Team.objects.get(policy=xiayi, key="sys-military")
    mv = MetricValue(
        jurisdiction=xiayi.jurisdiction, policy=xiayi, holder_kind="team", team=team,
        metric="packaged_chain_projects", period="2024-03", value=9,
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        mv.full_clean()
    assert "自动统计" in str(exc.value)
    form = MetricValueForm()
    form.fields["policy"].queryset = type(xiayi).objects.filter(pk=xiayi.pk)
    keys = {k for _, options in form.fields["metric"].choices[1:] for k, _label in options}
    assert keys and not set(DERIVED) & keys
    # A row typed before (or written around the form) is not read: one source of truth.
    mv.save()
    facts, _ = gather(xiayi, parse_period("2024", xiayi.spec()), date(2024, 12, 31))
    assert metric(facts, ef.team("sys-military"), "packaged_chain_projects") == {}


def library_quota(xiayi, as_of):
    result, _, _, _ = services.compute(xiayi, "2024", as_of=as_of)
    for r in result["results"]:
        if r["holder"] == "sys-military":
            for c in r["components"]:
                if c["rule"] == "chain-target-library":
                    return c
    raise AssertionError("no component")


def test_the_target_library_is_a_stock_counted_on_the_last_day(xiayi, military):
    """§三(二) 不少于20家: 20 targets in the library meet it, 19 do not; a target dropped before the
    day counted is out, one added after it is not yet in (targets/metrics.py)."""
    from zhaoshang.targets.models import TargetEnterprise

    def target(name, added, dropped=None):
        t = TargetEnterprise(
            jurisdiction=military.jurisdiction, chain=military, name=name, added_on=added, dropped_on=dropped
        )
        t.full_clean()
        t.save()
        return t

    for i in range(19):
        target(f"目标企业{i}", date(2024, 2, 1))
    target("已移出企业", date(2024, 2, 1), dropped=date(2024, 9, 30))
    late = target("年底入库企业", date(2024, 12, 20))
    facts, _ = gather(xiayi, parse_period("2024", xiayi.spec()), date(2024, 12, 31))
    by_month = metric(facts, ef.team("sys-military"), "target_enterprise_library")
    # Out on the day it is dropped (TargetQuerySet.in_library_on); January's empty library is a 0.
    assert by_month["2024-01"] == 0 and by_month["2024-02"] == 20 and by_month["2024-08"] == 20
    assert by_month["2024-09"] == 19 and by_month["2024-11"] == 19 and by_month["2024-12"] == 20
    c = library_quota(xiayi, as_of=date(2024, 12, 31))
    assert Decimal(c["points"]) == 20 and c["facts"]["met"] is True and c["facts"]["word"] == "不少于"
    late.added_on = date(2025, 1, 5)
    late.save()
    c = library_quota(xiayi, as_of=date(2024, 12, 31))
    assert Decimal(c["points"]) == 19 and c["facts"]["met"] is False


def test_an_emptied_library_reads_0_not_an_earlier_months_stock(xiayi, military):
    from zhaoshang.targets.models import TargetEnterprise

    t = TargetEnterprise(
        jurisdiction=military.jurisdiction, chain=military, name="唯一目标企业", added_on=date(2024, 3, 1),
        dropped_on=date(2024, 6, 1),
    )  # fmt: skip
    t.full_clean()
    t.save()
    c = library_quota(xiayi, as_of=date(2024, 12, 31))
    assert Decimal(c["points"]) == 0 and c["facts"]["met"] is False
