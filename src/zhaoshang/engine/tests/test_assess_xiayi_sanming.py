"""xiayi-2023-2025 (003) and sanming-2021 (004) end to end."""

from datetime import date

import pytest

from zhaoshang.engine import assess
from zhaoshang.engine.facts import (
    Contact,
    EnterpriseFact,
    Facts,
    LeadFact,
    ObligationFact,
    OfficeDecision,
    ProjectFact,
    Transfer,
    jurisdiction,
    team,
    unit,
)

from .helpers import D, amounts, flagged, m, policy

XIAYI = jurisdiction("411426")
SANMING = jurisdiction("350400")
COUNTIES = [
    "三元区",
    "沙县区",
    "永安市",
    "明溪县",
    "清流县",
    "宁化县",
    "大田县",
    "尤溪县",
    "将乐县",
    "泰宁县",
    "建宁县",
]


@pytest.fixture(scope="module")
def xiayi():
    return policy("xiayi-2023-2025")


@pytest.fixture(scope="module")
def sanming():
    return policy("sanming-2021")


# --- xiayi ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, reached", [(1100, True), (1099, False), (1500, True)])
def test_xiayi_yearly_growth_of_foreign_capital(xiayi, value, reached):
    """§一(三) 年均增速≥10%: 1000 in 2022 needs 1100 in 2023 to keep the year at 10%; a year
    under it is a warning, the plan is judged on the average (test_xiayi_readings.py)."""
    facts = Facts(
        metrics=(
            m(XIAYI, "foreign_investment", "2022", 1000),
            m(XIAYI, "foreign_investment", "2023-07", value),
        )
    )
    comps = assess(xiayi, "2023", facts).result(XIAYI).components_of("growth-foreign")
    year = next(c for c in comps if c.facts["reading"] == "year")
    average = next(c for c in comps if c.facts["reading"] == "average")
    assert (year.points, year.max, year.facts["reached"]) == (value, 1100, reached)
    assert ("warning" in year.facts) is not reached
    assert (average.facts["met"], average.facts["on_track"]) == (None, reached)


def test_xiayi_idle_land_must_fall_every_year(xiayi):
    facts = Facts(
        metrics=(
            m(XIAYI, "approved_unsupplied_land", "2022-12", 500),
            m(XIAYI, "approved_unsupplied_land", "2023-06", 520),
            m(XIAYI, "approved_unsupplied_land", "2023-12", 450),  # a stock: the year-end figure counts
            m(XIAYI, "approved_unsupplied_land", "2024-12", 450),
        )
    )
    a = assess(xiayi, "2023-2025", facts)
    by_year = {c.facts["year"].key: c.facts["met"] for c in a.result(XIAYI).components_of("land-exit")}
    assert by_year == {"2023": True, "2024": False, "2025": None}  # no figure for 2025 yet


def test_xiayi_three_year_cumulative_targets_and_phases(xiayi):
    facts = Facts(
        metrics=(
            m(XIAYI, "chain_extension_projects", "2023", 30),
            m(XIAYI, "chain_extension_projects", "2024", 40),
            m(XIAYI, "chain_extension_projects", "2025", 30),
            m(XIAYI, "battery_park_capacity", "2024-12", 15),
        )
    )
    whole = {
        c.facts["metric"]: c
        for c in assess(xiayi, "2023-2025", facts).result(XIAYI).components_of("county-targets")
    }
    assert (whole["chain_extension_projects"].points, whole["chain_extension_projects"].max) == (100, 100)
    assert whole["chain_extension_projects"].facts["met"] is True
    assert whole["battery_park_capacity"].max == 50  # the park as a whole
    y2024 = {
        c.facts["metric"]: c
        for c in assess(xiayi, "2024", facts).result(XIAYI).components_of("county-targets")
    }
    assert (y2024["battery_park_capacity"].points, y2024["battery_park_capacity"].max) == (
        15,
        15,
    )  # phase two
    assert y2024["chain_extension_projects"].facts["completion"] == D(
        "0.7"
    )  # 2023–2024 of the three-year 100


def test_xiayi_quarterly_ranking_and_supervision(xiayi):
    facts = Facts(
        metrics=tuple(m(team(f"group-{i}"), "actual_investment", "2024-02", 1000 * i) for i in range(1, 8))
        + tuple(m(team(f"group-{i}"), "projects_signed", "2024-03", 1) for i in range(1, 7))
    )
    a = assess(xiayi, "2024-Q1", facts)
    assert a.result(team("group-7")).rank == 1 and a.result(team("group-1")).rank == 7
    assert flagged(a, "supervision", "laggard-supervision") == {"group-1"}
    assert flagged(a, "supervision", "no-result-supervision") == {"group-7"}
    assert assess(xiayi, "2024-02", facts).flags_of("supervision") == []  # quarterly only


def test_xiayi_project_kpis(xiayi):
    g1, g2 = team("group-1"), team("group-2")
    facts = Facts(
        projects=(
            ProjectFact("p1", "一", g1, total_investment_wan=D(100), signed_on=date(2023, 2, 1),
                        construction_start_on=date(2023, 4, 1), production_on=date(2023, 11, 1),
                        obligations=(ObligationFact("investment", date(2023, 6, 1), date(2023, 5, 1)),),
                        investment_wan={"2023-05": D(50)}),
            ProjectFact("p2", "二", g1, total_investment_wan=D(100), signed_on=date(2023, 3, 1),
                        construction_start_on=date(2023, 6, 1),
                        obligations=(ObligationFact("construction_start", date(2023, 5, 1), date(2023, 6, 1)),),
                        investment_wan={"2023-08": D(30)}),
            ProjectFact("p3", "三", g1, total_investment_wan=D(100), signed_on=date(2023, 9, 1)),
            ProjectFact("p4", "四", g2, total_investment_wan=D(100), signed_on=date(2023, 10, 1),
                        construction_start_on=date(2023, 12, 1)),
            ProjectFact("p5", "明年", g2, total_investment_wan=D(100), signed_on=date(2024, 2, 1)),
        )
    )  # fmt: skip
    a = assess(xiayi, "2023-Q4", facts)
    rates = {c.facts["rate"]: c.points for c in a.result(XIAYI).components_of("project-kpi")}
    assert rates == {"contract_fulfilment": 50, "start": 75, "funds_in_place": 20, "production": 25}
    g1rates = {c.facts["rate"]: c.points for c in a.result(g1).components_of("project-kpi")}
    assert g1rates["start"] == D(200) / 3 and g1rates["funds_in_place"] == D(80) / 3


def test_xiayi_zombie_enterprises_back_within_a_year(xiayi):
    htz = unit("高新区")
    z = lambda i, cls, classified, resumed=None: EnterpriseFact(  # noqa: E731
        i,
        i,
        htz,
        frozenset({f"zombie_{cls}"}),
        dates={"classified": classified, **({"resumed": resumed} if resumed else {})},
    )
    facts = Facts(
        enterprises=(
            z("a-on-time", "a", date(2023, 3, 10), date(2024, 3, 10)),
            z("b-late", "b", date(2023, 3, 10), date(2024, 4, 1)),
            z("c-open", "c", date(2023, 5, 1)),
        )
    )
    assert assess(xiayi, "2023", facts).flags_of("overdue") == []
    reasons = {f.rule: f.reason for f in assess(xiayi, "2024", facts).flags_of("overdue")}
    assert set(reasons) == {"zombie-class-b", "zombie-class-c"}
    assert "逾期完成" in reasons["zombie-class-b"] and "逾期未完成" in reasons["zombie-class-c"]
    assert {f.rule for f in assess(xiayi, "2025", facts).flags_of("overdue")} == {"zombie-class-c"}


def test_xiayi_group_funds_quotas(xiayi):
    facts = Facts(
        metrics=tuple(m(unit("商务局"), "valuable_leads", f"2023-{mo:02d}", 10) for mo in range(1, 13))
    )
    a = assess(xiayi, "2023", facts)
    assert amounts(a, "work_fund")[("group-1", None)] == 10
    assert a.result(team("group-1")).component("group-fund").facts["at_least"] is True
    assert a.result(unit("商务局")).component("valuable-leads").points == 12
    assert amounts(assess(xiayi, "2023-2025", facts), "work_fund")[("group-1", None)] == 30


# --- sanming ---------------------------------------------------------------------------------------


def _transfer_facts(share=None):
    p = ProjectFact(
        "t1", "流转项目", unit("三元区"), construction_start_on=date(2021, 9, 10), first_tax_on=date(2021, 10, 15),
        tax_wan={"2021-11": D(100)},
        indicators={"actual_investment": {"2021-08": D(500), "2021-10": D(1000)}},
        transfer=Transfer(unit("三元区"), unit("沙县区"), share),
    )  # fmt: skip
    metrics = (
        m(unit("沙县区"), "actual_investment", "2021-08", 500),
        m(unit("沙县区"), "actual_investment", "2021-10", 1000),
    )
    return Facts(metrics=metrics, projects=(p,))


def test_sanming_transfer_split_3_7(sanming):
    a = assess(sanming, "2021", _transfer_facts())
    assert amounts(a, "tax_share") == {("三元区", "t1"): 30, ("沙县区", "t1"): 70}
    # the indicator split starts at construction start: August's 500 stays with the host
    assert a.result(unit("三元区")).component("m19-rank-counties-year").points == 300
    assert a.result(unit("沙县区")).component("m19-rank-counties-year").points == 1200
    ind = {
        c.facts["side"]: c.facts["indicators"]["actual_investment"]
        for c in a.result(unit("三元区")).components_of("m11-transfer-split")
        if "indicators" in c.facts
    }
    assert ind == {"introducing": 300}
    assert a.result(unit("三元区")).rank == 2 and a.result(unit("沙县区")).rank == 1


def test_sanming_transfer_negotiated_share_and_before_first_tax(sanming):
    a = assess(sanming, "2021", _transfer_facts(D("0.4")))
    assert amounts(a, "tax_share") == {("三元区", "t1"): 40, ("沙县区", "t1"): 60}
    sept = assess(sanming, "2021-09", _transfer_facts())
    assert sept.amounts_of("tax_share") == []  # no tax before the first tax
    aug = assess(sanming, "2021-08", _transfer_facts())
    assert (
        aug.result(unit("沙县区")).component("m19-rank-counties-monthly").points == 500
    )  # not split before start


def test_sanming_lead_points_and_first_contact(sanming):
    g = sanming.rule("m19-lead-points").points_by_grade
    major, general = list(g)[0], list(g)[2]
    facts = Facts(
        leads=(
            LeadFact("l1", unit("三元区"), major, date(2021, 9, 1)),
            LeadFact("l2", unit("三元区"), major, date(2021, 10, 1)),
            LeadFact("l3", unit("三元区"), general, date(2021, 10, 2)),
            LeadFact("l4", unit("三元区"), major, date(2021, 10, 3), valid=False),
            LeadFact("l5", unit("三元区"), "未分档", date(2021, 10, 4)),
        ),
        projects=(
            ProjectFact("f1", "首招项目", unit("三元区"), signed_on=date(2021, 10, 20),
                        contacts=(Contact(unit("三元区"), date(2021, 8, 5)), Contact(unit("永安市"), date(2021, 8, 2)))),
        ),
    )  # fmt: skip
    a = assess(sanming, "2021", facts)
    c = a.result(unit("三元区")).component("m19-lead-points")
    assert c.points == 22 and c.facts["ungraded"] == ["l5"]
    assert flagged(a, "attribution_conflict") == {"永安市"}
    assert a.result(unit("永安市")).component("m19-first-contact").facts["projects"] == ["f1"]


def test_sanming_rolling_evaluation_three_years(sanming):
    """§三(四)19 “对落地开工项目，实行为期3年的滚动生效考评”: the three calendar years after the
    landing year. In 2021: started in 2020 → year 2021 − 2020 = 1; 2018 → 2021 − 2018 = 3 (the last);
    2017 → 4 > 3, no longer; 2021 itself → 0, not yet (its first evaluation is 2022)."""
    facts = Facts(
        projects=(
            ProjectFact("y3", "第三年", unit("大田县"), construction_start_on=date(2018, 12, 31),
                        evaluations={"2021": {"in_statistics": True, "tax_paid": False, "investment_verified": True}}),
            ProjectFact("y4", "第四年", unit("大田县"), construction_start_on=date(2017, 5, 1),
                        evaluations={"2021": {"in_statistics": False}}),
            ProjectFact("y1", "第一年", unit("尤溪县"), construction_start_on=date(2020, 1, 1),
                        evaluations={"2021": {"in_statistics": True, "tax_paid": True, "investment_verified": True}}),
            ProjectFact("y0", "当年", unit("尤溪县"), construction_start_on=date(2021, 9, 1),
                        evaluations={"2021": {"in_statistics": False}}),
        )
    )  # fmt: skip
    a = assess(sanming, "2021", facts)
    assert flagged(a, "evaluation_failed") == {"大田县"}
    reason = a.flags_of("evaluation_failed")[0].reason
    assert "无税收" in reason and "第三年" in reason and "滚动考评第3年" in reason
    assert [
        (c.facts["project"], c.points)
        for c in a.result(unit("尤溪县")).components_of("m19-rolling-evaluation")
    ] == [("y1", 3)]
    assert [c.facts["project"] for c in a.result(unit("大田县")).components_of("m19-rolling-evaluation")] == [
        "y3"
    ]


@pytest.mark.parametrize(
    "year, nth",
    [
        (2021, None),  # the landing year: 2021 − 2021 = 0, not evaluated
        (2022, 1),  # 2022 − 2021 = 1
        (2023, 2),
        (2024, 3),  # 2024 − 2021 = 3 = 为期3年, the last
        (2025, None),  # 4 > 3
    ],
)
@pytest.mark.parametrize("started", [date(2021, 1, 1), date(2021, 12, 31)])
def test_sanming_project_landed_in_2021_is_evaluated_2022_to_2024(sanming, started, year, nth):
    """A project landed at any date of 2021 runs its evaluation in 2022, 2023 and 2024."""
    passed = {"in_statistics": True, "tax_paid": True, "investment_verified": True}
    p = ProjectFact("p", "滚动项目", unit("宁化县"), construction_start_on=started,
                    evaluations={str(y): passed for y in range(2021, 2026)})  # fmt: skip
    if year > 2024:  # past the policy's periods: nothing to assess, and nothing would be evaluated
        from zhaoshang.engine.evaluators import evaluation_year

        assert evaluation_year(sanming.rule("m19-rolling-evaluation"), started, year) is None
        return
    comps = (
        assess(sanming, str(year), Facts(projects=(p,)))
        .result(unit("宁化县"))
        .components_of("m19-rolling-evaluation")
    )
    assert [c.facts["year_of_evaluation"] for c in comps] == ([nth] if nth else [])


def test_sanming_rolling_evaluation_counting_the_landing_year(sanming):
    """The office may count the landing year as the first (first_year: landing): 2021, 2022, 2023."""
    from zhaoshang.engine.evaluators import evaluation_year

    rule = sanming.rule("m19-rolling-evaluation").model_copy(update={"first_year": "landing"})
    got = {y: evaluation_year(rule, date(2021, 8, 1), y) for y in range(2020, 2026)}
    assert got == {2020: None, 2021: 1, 2022: 2, 2023: 3, 2024: None, 2025: None}
    assert sanming.rule("m19-rolling-evaluation").first_year == "next"  # the default


def test_sanming_laggard_counties_interviewed_and_lost_projects(sanming):
    facts = Facts(
        metrics=tuple(
            m(unit(c), "actual_investment", "2021-10", 1000 * (i + 1)) for i, c in enumerate(COUNTIES)
        )
        + (m(unit("明溪县"), "projects_lost", "2021-10", 1),),
        decisions=(OfficeDecision("falsification", unit("清流县"), "2021-10", "虚报到位资金"),),
    )
    a = assess(sanming, "2021", facts)
    assert flagged(a, "interview") == {"三元区", "沙县区", "永安市"}
    octo = assess(sanming, "2021-10", facts)
    assert flagged(octo, "accountability") == {"明溪县"}
    assert flagged(octo, "criticism") == {"清流县"}


def test_sanming_working_group_meetings(sanming):
    facts = Facts(metrics=(m(team("wg-industry"), "progress_meetings", "2021-09", 1),))
    a = assess(sanming, "2021-09", facts)
    assert a.result(team("wg-industry")).component("m23-working-group-meetings").facts["met"] is True
    assert a.result(team("wg-soe")).component("m23-working-group-meetings").facts["met"] is False
