"""The shipped policy files: all valid, and xinfeng-2024 holds every row of its attachments."""

from decimal import Decimal

import pytest

from zhaoshang.engine import find_policy, list_policies, load_policy
from zhaoshang.engine.organisation import all_group_members

SHIPPED = ["xinfeng-2024", "xinfeng-2023-100days", "jinxi-2021", "xiayi-2023-2025", "sanming-2021"]


def test_every_shipped_policy_is_present():
    names = {p.stem for p in list_policies()}
    missing = [n for n in SHIPPED if n not in names]
    assert not missing, f"missing policy files: {missing}"


@pytest.mark.parametrize("name", [p.stem for p in list_policies()])
def test_policy_is_valid_and_every_rule_cites_a_clause(name):
    policy = load_policy(find_policy(name))
    assert policy.name == name
    assert policy.rules, "a policy without rules"
    for rule in policy.rules:
        assert rule.clause.strip() and rule.title.strip(), rule.id
    for team in policy.teams:
        assert team.clause.strip()
        for t in team.targets:
            assert t.clause.strip()
    for entry in policy.calendar:
        assert entry.clause.strip()


@pytest.fixture(scope="module")
def xinfeng():
    return load_policy(find_policy("xinfeng-2024"))


def test_xinfeng_attachment_1_every_corps(xinfeng):
    corps = [t for t in xinfeng.teams if t.kind == "corps"]
    assert [t.number for t in corps] == list(range(1, 16))
    for t in corps:
        assert t.lead_unit and len(t.member_units) == 2, t.name
        task = [x for x in t.targets if x.metric == "actual_investment"]
        assert task and task[0].value == Decimal(40000), t.name  # 4 亿元 in 万元
        assert t.head, t.name
    by_no = {t.number: t for t in corps}
    assert (
        by_no[1].head == "袁炎"
        and by_no[1].lead_unit == "商务局"
        and by_no[1].member_units == ["县委办", "大塘埠镇"]
    )
    assert by_no[2].head == "县长"  # the document names only the post
    assert by_no[3].deputies == ["卢华文"]
    assert (
        by_no[6].channels == ["商会招商"]
        and by_no[7].channels == ["基金招商"]
        and by_no[9].channels == ["科创招商"]
    )
    assert any(x.metric == "industry_fund" and x.value == Decimal(50000) for x in by_no[7].targets)
    assert any(x.metric == "srdi_projects_over_1bn" for x in by_no[9].targets)
    assert not any(x.metric == "projects_over_1bn" for x in by_no[9].targets)
    assert by_no[14].member_units == ["嘉定镇", "民政局"] and by_no[15].lead_unit == "高新区管委会"


def test_xinfeng_attachment_2_holders(xinfeng):
    members = all_group_members(xinfeng)
    assert len(members["responsible_leaders"]) == 20
    assert members["responsible_leaders"][0] == "张凯波" and members["responsible_leaders"][-1] == "黄刚"
    assert len(members["responsible_units"]) == 11
    assert len(members["support_units"]) == 10
    assert "政府办" in members["support_units"]  # listed as 政府办（金融服务中心）
    assert len(members["corps_lead_units"]) == 15 and len(members["corps_member_units"]) == 30
    assert len(members["assessed_units"]) == 45 + 11
    leaders = xinfeng.group("responsible_leaders")
    assert {(t.metric, t.value) for t in leaders.targets} == {
        ("listed_or_chain_key_projects", Decimal(1)),
        ("actual_investment", Decimal(10000)),
    }


def test_xinfeng_funds_and_subsidy_rules(xinfeng):
    fund = {r.id: r for r in xinfeng.rules if r.type == "fixed_amount"}
    assert fund["fund-lead-unit"].amount_wan + 2 * fund["fund-member-unit"].amount_wan == Decimal(30)
    assert fund["fund-support-unit"].exclusive == fund["fund-lead-unit"].exclusive == "work-fund"
    subsidy = xinfeng.rule("project-subsidy")
    assert [(b.min_completion, b.rate) for b in subsidy.brackets] == [
        (Decimal("0.8"), Decimal("0.0025")),
        (Decimal("0.5"), Decimal("0.002")),
        (Decimal("0.2"), Decimal("0.0015")),
    ]
    assert subsidy.cap_wan_per_project == Decimal(200)


def test_jinxi_admission_rules():
    from zhaoshang.engine.admission import ProjectFacts, review

    jinxi = load_policy(find_policy("jinxi-2021"))
    small = ProjectFacts(name="小五金", industry="五金加工", total_investment_wan=Decimal(8000))
    leading = ProjectFacts(name="香精", industry="香料香精", total_investment_wan=Decimal(8000))
    foreign = ProjectFacts(name="外资", industry="五金加工", total_investment_wan=Decimal(8000), foreign=True)
    # 亿元以下的非主导产业项目不再单独供地: 以下 includes 1亿 itself.
    at = ProjectFacts(name="恰一亿", industry="五金加工", total_investment_wan=Decimal(10000))
    big = ProjectFacts(name="大项目", industry="五金加工", total_investment_wan=Decimal("10000.01"))
    verdicts = {k: [x.verdict for x in review(jinxi, f) if x.rule == "standard-factory-land"] for k, f in
                {"small": small, "leading": leading, "foreign": foreign, "at": at, "big": big}.items()}  # fmt: skip
    assert verdicts == {
        "small": ["standard_factory"],
        "leading": ["pass"],
        "foreign": ["pass"],
        "at": ["standard_factory"],
        "big": ["pass"],
    }
    pending = [x for x in review(jinxi, small) if x.rule == "per-mu-thresholds"]
    assert pending[0].verdict == "unknown" and "待办公室" in pending[0].message


def test_admission_thresholds():
    from zhaoshang.engine.admission import ProjectFacts, _review_rule
    from zhaoshang.engine.schema import Admission

    rule = Admission(id="a", type="admission", title="t", clause="c", negative_list=["煤化工"],
                     min_investment_per_mu_wan=Decimal(300), min_tax_per_mu_wan=Decimal(20))  # fmt: skip
    ok = ProjectFacts(name="x", industry="电子", total_investment_wan=Decimal(30000), land_mu=Decimal(100),
                      tax_per_mu_wan=Decimal(20))  # fmt: skip
    assert [x.verdict for x in _review_rule(rule, ok)] == ["pass", "pass", "pass"]
    bad = ProjectFacts(
        name="煤化工项目", industry="化工", total_investment_wan=Decimal(29999), land_mu=Decimal(100)
    )
    assert [x.verdict for x in _review_rule(rule, bad)] == ["fail", "fail", "unknown"]
