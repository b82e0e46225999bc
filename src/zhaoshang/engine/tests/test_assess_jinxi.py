"""jinxi-2021 end to end (002): still at zero, yellow card, awards 2/3/5 and 1/2/3, the 5000元
cap, the satisfaction survey, team funds and field-work quotas."""

from datetime import date

import pytest

from zhaoshang.engine import assess
from zhaoshang.engine.facts import (
    AwardAmount,
    AwardDecision,
    Facts,
    OfficeDecision,
    PersonReward,
    SurveyScore,
    jurisdiction,
    team,
    unit,
)

from .helpers import D, amounts, flagged, m, policy

P = "jinxi-2021"
COUNTY_UNITS = [
    "商务局",
    "工商联",
    "园区管委会",
    "发改委",
    "生态环境局",
    "应急管理局",
    "工信局",
    "自然资源局",
    "住建局",
    "林业局",
    "财政局",
]
TOWNS = [
    "秀谷镇",
    "浒湾镇",
    "双塘镇",
    "何源镇",
    "合市镇",
    "琅琚镇",
    "左坊镇",
    "对桥镇",
    "黄通乡",
    "陈坊积乡",
    "琉璃乡",
    "石门乡",
    "华侨管理区",
]
DEPARTMENTS = [
    "商务局",
    "发改委",
    "生态环境局",
    "应急管理局",
    "工信局",
    "自然资源局",
    "住建局",
    "林业局",
    "财政局",
]


@pytest.fixture(scope="module")
def jinxi():
    return policy(P)


def _landed(names, period="2021-05"):
    return [m(unit(n), "new_projects_landed", period, 1) for n in names]


def _scores(scores: dict[str, int]):
    return [m(unit(n), "assessment_score", "2021-12", s) for n, s in scores.items()]


def test_groups(jinxi):
    from zhaoshang.engine.organisation import all_group_members

    g = all_group_members(jinxi)
    assert g["county_units"] == COUNTY_UNITS and g["surveyed_departments"] == DEPARTMENTS
    assert sorted(g["towns"]) == sorted(TOWNS)


def test_still_at_zero_half_year_and_year_end(jinxi):
    everyone = COUNTY_UNITS + TOWNS
    facts = Facts(metrics=tuple(_landed([n for n in everyone if n not in ("工信局", "秀谷镇")])))
    h1 = assess(jinxi, "2021-H1", facts)
    assert flagged(h1, "statement", "zero-half-year-statement") == {"工信局", "秀谷镇"}
    assert flagged(h1, "yellow_card") == set()  # only at year end
    year = assess(jinxi, "2021", facts)
    assert flagged(year, "yellow_card") == {"工信局"}  # towns: 只奖不罚
    assert flagged(year, "not_excellent", "zero-year-not-excellent") == {"工信局"}
    late = Facts(metrics=facts.metrics + tuple(_landed(["工信局"], "2021-09")))
    assert "工信局" in flagged(assess(jinxi, "2021-H1", late), "statement")  # broke zero after June
    assert flagged(assess(jinxi, "2021", late), "yellow_card") == set()


def test_office_named_poor_completion(jinxi):
    facts = Facts(
        metrics=tuple(_landed(COUNTY_UNITS + TOWNS)),
        decisions=(OfficeDecision("poor_completion", unit("林业局"), "2021", "完成任务较差"),),
    )
    a = assess(jinxi, "2021", facts)
    assert flagged(a, "yellow_card") == {"林业局"}
    assert "完成任务较差" in a.flags_of("yellow_card")[0].reason


def test_awards_county_units_2_3_5(jinxi):
    scores = dict(zip(COUNTY_UNITS, range(100, 45, -5), strict=True))  # 100, 95 … 50
    facts = Facts(
        metrics=tuple(_landed(COUNTY_UNITS + TOWNS) + _scores(scores)),
        award_amounts=(
            AwardAmount("award-county-units", "一等奖", D(5)),
            AwardAmount("award-county-units", "二等奖", D(3)),
            AwardAmount("award-county-units", "三等奖", D(1)),
        ),
    )
    a = assess(jinxi, "2021", facts)
    grades = {f.holder.key: f.reason[:3] for f in a.flags_of("award", "award-county-units")}
    assert grades == {
        "商务局": "一等奖", "工商联": "一等奖",
        "园区管委会": "二等奖", "发改委": "二等奖", "生态环境局": "二等奖",
        "应急管理局": "三等奖", "工信局": "三等奖", "自然资源局": "三等奖", "住建局": "三等奖", "林业局": "三等奖",
    }  # fmt: skip
    assert amounts(a, "award")[("商务局", None)] == 5 and amounts(a, "award")[("林业局", None)] == 1
    assert ("财政局", None) not in amounts(a, "award")


def test_award_excludes_yellow_card_and_moves_everyone_up(jinxi):
    scores = dict(zip(COUNTY_UNITS, range(100, 45, -5), strict=True))
    facts = Facts(
        metrics=tuple(_landed([n for n in COUNTY_UNITS + TOWNS if n != "工商联"]) + _scores(scores))
    )
    a = assess(jinxi, "2021", facts)
    grades = {f.holder.key: f.reason[:3] for f in a.flags_of("award", "award-county-units")}
    assert "工商联" not in grades and grades["园区管委会"] == "一等奖" and grades["财政局"] == "三等奖"
    comp = a.result(unit("工商联")).component("award-county-units")
    assert set(comp.facts["excluded_by"]) == {"yellow_card", "not_excellent"}
    # amounts not entered yet: the award is listed, the amount waits for the leading group
    assert a.amounts_of("award") == []


def test_award_tie_straddling_a_grade_gets_the_better_grade(jinxi):
    scores = {"商务局": 100, "工商联": 90, "园区管委会": 90, "发改委": 80, "生态环境局": 70, "应急管理局": 60}
    facts = Facts(metrics=tuple(_landed(COUNTY_UNITS + TOWNS) + _scores(scores)))
    grades = {
        f.holder.key: f.reason[:3]
        for f in assess(jinxi, "2021", facts).flags_of("award", "award-county-units")
    }
    assert grades == {"商务局": "一等奖", "工商联": "一等奖", "园区管委会": "一等奖", "发改委": "二等奖",
                      "生态环境局": "二等奖", "应急管理局": "三等奖"}  # fmt: skip


def test_awards_towns_1_2_3(jinxi):
    scores = dict(zip(TOWNS, range(100, 35, -5), strict=True))
    a = assess(jinxi, "2021", Facts(metrics=tuple(_landed(COUNTY_UNITS + TOWNS) + _scores(scores))))
    grades = [f.reason[:3] for f in a.flags_of("award", "award-towns")]
    assert grades == ["一等奖"] + ["二等奖"] * 2 + ["三等奖"] * 3


@pytest.mark.parametrize(
    "proposed, paid, over",
    [(4999, "0.4999", False), (5000, "0.5", False), (5001, "0.5", True), (8000, "0.5", True)],
)
def test_per_person_cap_5000_yuan(jinxi, proposed, paid, over):
    facts = Facts(person_rewards=(PersonReward("张三", D(proposed), date(2021, 12, 20), "商务局"),))
    a = assess(jinxi, "2021", facts)
    assert amounts(a, "person_reward") == {("张三", None): D(paid)}
    assert (flagged(a, "cap_exceeded") == {"张三"}) is over


def test_satisfaction_survey_top_five_and_last(jinxi):
    scores = dict(zip(DEPARTMENTS, [98, 96, 94, 92, 90, 90, 85, 80, 60], strict=True))
    facts = Facts(surveys=tuple(SurveyScore(unit(n), "2021-H1", D(s)) for n, s in scores.items()))
    a = assess(jinxi, "2021-H1", facts)
    # 90 twice: both share fifth place and both are commended
    assert flagged(a, "commendation") == {
        "商务局",
        "发改委",
        "生态环境局",
        "应急管理局",
        "工信局",
        "自然资源局",
    }
    assert flagged(a, "interview") == flagged(a, "criticism", "satisfaction-survey") == {"财政局"}
    assert flagged(a, "not_excellent") == {"财政局"}
    year = assess(
        jinxi,
        "2021",
        Facts(
            metrics=tuple(_landed(COUNTY_UNITS + TOWNS) + _scores({"财政局": 100, "商务局": 90})),
            surveys=facts.surveys,
        ),
    )
    grades = {f.holder.key for f in year.flags_of("award", "award-county-units")}
    assert grades == {"商务局"}  # 财政局 scored best but cannot be rated excellent this year


def test_team_funds_quotas_and_monthly_criticism(jinxi):
    facts = Facts(
        metrics=(
            m(team("team-01"), "investment_work_days", "2021-03", 25, head_led=True),
            m(team("team-01"), "investment_work_days", "2021-09", 15, head_led=True),
            m(team("team-01"), "investment_work_days", "2021-10", 30),  # not head led
            m(team("team-02"), "investment_work_days", "2021-09", 39, head_led=True),
            m(team("team-01"), "actual_investment", "2021-06", 100),
        )
    )
    a = assess(jinxi, "2021", facts)
    assert amounts(a, "work_fund") == {
        **{(f"team-0{i}", None): 10 for i in range(1, 9)},
        ("resident-01", None): 20,
        ("resident-02", None): 20,
    }
    assert a.result(team("team-01")).component("team-leader-days").facts["met"] is True  # 40
    assert a.result(team("team-02")).component("team-leader-days").facts["met"] is False  # 39
    june = assess(jinxi, "2021-06", facts)
    assert "team-01" not in flagged(june, "criticism", "criticism-team-monthly")
    assert len(flagged(june, "criticism", "criticism-team-monthly")) == 7


def test_project_awards_go_to_the_introducing_unit(jinxi):
    facts = Facts(
        award_decisions=(
            AwardDecision("investment-award", unit("商务局"), D(3), "p1"),
            AwardDecision("tax-award", unit("秀谷镇"), D("1.5"), "p2"),
            AwardDecision("completion-award", team("team-03"), D(8)),
            AwardDecision(
                "investment-award", team("team-03"), D(2), "p3"
            ),  # a team is not an introducing unit
        )
    )
    a = assess(jinxi, "2021", facts)
    assert amounts(a, "investment_award") == {("商务局", "p1"): 3}
    assert amounts(a, "tax_award") == {("秀谷镇", "p2"): D("1.5")}
    assert amounts(a, "completion_award") == {("team-03", None): 8}


def test_an_award_on_a_project_behind_its_contract_is_held_not_paid(jinxi):
    # Issue 14 point 5: the leading group's award for a project behind on its contract is listed
    # with the reason and left out of what is paid (ledger/performance.py gives the reason).
    reason = "合同履约滞后：产值（约定2021-12-01前1,000万元，实际400万元）逾期未履约"
    facts = Facts(
        award_decisions=(
            AwardDecision("investment-award", unit("商务局"), D(3), "p1", hold=reason),
            AwardDecision("investment-award", unit("商务局"), D(2), "p2"),
        )
    )
    a = assess(jinxi, "2021", facts)
    held = {x.project: x.held for x in a.amounts_of("investment_award")}
    assert held == {"p1": reason, "p2": None}
    assert a.total("investment_award") == 2
    assert a.total("investment_award", holder="商务局") == 2


def test_county_targets(jinxi):
    home = jurisdiction("361027")
    facts = Facts(
        metrics=(
            m(home, "actual_investment", "2021-12", 583200),
            m(home, "projects_over_20m_started", "2021-12", 44),
        )
    )
    comps = {
        c.facts["metric"]: c
        for c in assess(jinxi, "2021", facts).result(home).components_of("county-targets")
    }
    assert comps["actual_investment"].facts["met"] is True
    assert comps["projects_over_20m_started"].facts["met"] is False
    assert comps["production_export_share"].max == 35
