"""xinfeng-2024 end to end, every figure worked out by hand from the document (000)."""

from datetime import date
from decimal import Decimal

import pytest

from zhaoshang.engine import assess
from zhaoshang.engine.facts import (
    Facts,
    OfficeDecision,
    PriorCondition,
    ProjectFact,
    TargetFact,
    person,
    team,
    unit,
)
from zhaoshang.engine.organisation import all_group_members

from .helpers import D, amounts, flagged, m, policy

P = "xinfeng-2024"


@pytest.fixture(scope="module")
def xinfeng():
    return policy(P)


def test_work_funds_lead_member_support_responsible(xinfeng):
    """§二(三)4: 18万 lead unit, 6万 other members (30万 a corps), 15万 support unit with the
    higher amount for a unit that is both, 3万 responsible unit."""
    a = assess(xinfeng, "2024")
    funds = amounts(a, "work_fund")
    assert funds[("商务局", None)] == 18  # lead unit of corps 1
    assert funds[("县委办", None)] == funds[("大塘埠镇", None)] == 6
    assert funds[("商务局", None)] + funds[("县委办", None)] + funds[("大塘埠镇", None)] == 30
    assert funds[("政府办", None)] == 15  # member of corps 2 (6) and support unit (15): the higher
    assert funds[("财政局", None)] == 18  # lead of corps 7 (18) and support unit (15): the higher
    assert funds[("自然资源局", None)] == 15  # support unit only
    assert funds[("政法委", None)] == 3  # responsible unit
    assert len([k for k in funds if k[0] == "政府办"]) == 1  # not added up
    note = a.result(unit("政府办")).component("fund-support-unit").facts
    assert note["not_added"] == {"fund-member-unit": Decimal(6)}
    # 15 corps × 30; of the 10 support units five are lead units (keep 18), two are other members
    # (政府办, 生态环境局: 15 instead of 6), three are neither (15 each); 11 responsible units × 3.
    assert sum(funds.values()) == 15 * 30 + 2 * (15 - 6) + 3 * 15 + 11 * 3 == 546
    # The outbound 18万 and reception 12万 are the same 30万 seen by purpose (next test): shown on
    # the corps, not paid again. (They were paid on top before: 30万 more a corps.)
    assert amounts(a, "outbound_fund") == {} and amounts(a, "reception_fund") == {}
    comp = a.result(team("corps-01")).component("fund-corps-outbound")
    assert comp.facts["tied_amount_wan"] == D("7.2") and comp.facts["paid_to"] == "商务局"


def test_a_corps_fund_is_one_budget_seen_by_unit_and_by_purpose(xinfeng):
    """§二(三)4 各产业招商兵团每年安排招商工作经费30万元，其中兵团牵头单位18万元，其他成员单位6万元;
    附件3 §四(一) 外出招商工作经费18万元 and §四(二) 客商接待经费12万元，报财政据实拨付. 18 + 12 = 30
    = 18 + 6 + 6: one budget. By unit it is paid; by purpose it is shown on the corps; the
    reception fund is a ceiling paid as spent. Set apart by the office, both are paid."""
    a = assess(xinfeng, "2024")
    funds = amounts(a, "work_fund")
    by_unit = funds[("商务局", None)] + funds[("县委办", None)] + funds[("大塘埠镇", None)]
    corps = a.result(team("corps-01"))
    out, rec = corps.component("fund-corps-outbound"), corps.component("fund-corps-reception")
    assert out.points is None and rec.points is None
    assert out.facts["amount_wan"] + rec.facts["amount_wan"] == by_unit == 30
    assert "30万元" in out.facts["view_of"]
    assert rec.facts["paid_as_spent"] == "据实拨付，以此为上限"
    apart = xinfeng.model_copy(
        update={
            "rules": [
                r.model_copy(update={"separate": True})
                if r.id in ("fund-corps-outbound", "fund-corps-reception")
                else r
                for r in xinfeng.rules
            ]
        }
    )
    b = assess(apart, "2024")
    assert amounts(b, "outbound_fund")[("corps-01", None)] == 18
    assert amounts(b, "reception_fund")[("corps-15", None)] == 12
    rec_paid = b.result(team("corps-15")).component("fund-corps-reception")
    assert rec_paid.facts["paid_as_spent"] == "据实拨付，以此为上限"


def test_no_funds_outside_a_whole_year(xinfeng):
    assert assess(xinfeng, "2024-06").amounts_of("work_fund") == []


def _subsidy(xinfeng, corps_investment, project_investment):
    facts = Facts(
        metrics=(m(team("corps-01"), "actual_investment", "2024-06", corps_investment),),
        projects=(
            ProjectFact("p", "项目", team("corps-01"), investment_wan={"2024-06": D(project_investment)}),
        ),
    )
    got = assess(xinfeng, "2024", facts).amounts_of("project_subsidy")
    return got[0].amount_wan if got else None


@pytest.mark.parametrize(
    "done, rate",
    [
        (40000, "0.0025"),  # 100%
        (32000, "0.0025"),  # exactly 80%
        (31999, "0.002"),  # just under 80%
        (20000, "0.002"),  # exactly 50%
        (19999, "0.0015"),  # just under 50%
        (8000, "0.0015"),  # exactly 20%
        (7999, None),  # under 20%: nothing
        (0, None),
    ],
)
def test_project_subsidy_brackets(xinfeng, done, rate):
    """§二(三)4: 2.5‰ for ≥80% of the annual task, 2‰ for 50–80%, 1.5‰ for 20–50%."""
    got = _subsidy(xinfeng, done, 10000)
    assert got == (None if rate is None else D(10000) * D(rate))


@pytest.mark.parametrize("base, expected", [(80000, 200), (80004, 200), (1000000, 200), (79996, D("199.99"))])
def test_project_subsidy_cap_200_per_project(xinfeng, base, expected):
    assert _subsidy(xinfeng, 40000, base) == D(expected)


def test_project_subsidy_people_share_and_unassessed_projects(xinfeng):
    facts = Facts(
        metrics=(m(team("corps-01"), "actual_investment", "2024-06", 40000),),
        projects=(
            ProjectFact("a", "A", team("corps-01"), investment_wan={"2024-06": D(40000)}),
            ProjectFact("b", "B", team("corps-01"), investment_wan={"2024-06": D(40000)}, assessed=False),
            ProjectFact("c", "C", team("corps-01"), investment_wan={"2023-06": D(40000)}),  # last year
        ),
    )
    a = assess(xinfeng, "2024", facts)
    assert amounts(a, "project_subsidy") == {("corps-01", "a"): D(100)}
    comp = next(c for c in a.result(team("corps-01")).components if c.rule == "project-subsidy")
    assert comp.facts["people_reward_max_wan"] == D(60)  # at most 60% may reward people


def test_instant_rewards(xinfeng):
    """§二(三)5: 10万 listed manufacturing / ≥2亿 USD foreign / talent project, 30万 World 500,
    20万 China 500, for a project put into production; the highest when several apply."""
    corps3 = team("corps-03")

    def mk(i, attrs, on=date(2024, 5, 1), holder=corps3):
        return ProjectFact(i, i, holder, frozenset(attrs), production_on=on)

    facts = Facts(
        projects=(
            mk("w", {"world500"}),
            mk("c", {"china500"}),
            mk("l", {"listed_manufacturing"}),
            mk("f", {"foreign_over_200m_usd"}),
            mk("t", {"talent_tech_transfer"}),
            mk("both", {"world500", "listed_manufacturing"}),
            mk("none", {"local"}),
            mk("old", {"world500"}, on=date(2023, 12, 31)),
            mk("unit", {"china500"}, holder=unit("农业农村局")),  # lead unit of corps 3: the corps
        )
    )
    got = amounts(assess(xinfeng, "2024", facts), "instant_reward")
    assert got == {
        ("corps-03", "w"): 30,
        ("corps-03", "c"): 20,
        ("corps-03", "l"): 10,
        ("corps-03", "f"): 10,
        ("corps-03", "t"): 10,
        ("corps-03", "both"): 30,
        ("corps-03", "unit"): 20,
    }


def _all_complete(xinfeng, overrides: dict[str, Decimal]):
    """Every assessed unit at 100% of its task, except the overrides (a completion ratio)."""
    members = all_group_members(xinfeng)["assessed_units"]
    lead = set(all_group_members(xinfeng)["corps_lead_units"])
    rows = []
    for name in members:
        task = 20000 if name in lead else 10000
        rows.append(m(unit(name), "actual_investment", "2024-11", D(task) * overrides.get(name, D(1))))
    return rows


def test_admonishment_below_half_and_bottom_three(xinfeng):
    """§三(三) “完成年度进资任务50%以下且位列后三名”: at most 50% (以下 includes 50%) AND in the
    bottom three."""
    facts = Facts(
        metrics=tuple(_all_complete(xinfeng, {"县委办": D("0.1"), "大塘埠镇": D("0.3"), "安西镇": D("0.5")}))
    )
    a = assess(xinfeng, "2024", facts)
    # 安西镇 is third from the bottom at exactly 50%: 50%以下 takes it.
    assert flagged(a, "admonishment") == {"县委办", "大塘埠镇", "安西镇"}
    assert a.result(unit("安西镇")).rank == 54 and a.result(unit("县委办")).rank == 56
    facts = Facts(
        metrics=tuple(
            _all_complete(xinfeng, {"县委办": D("0.1"), "大塘埠镇": D("0.3"), "安西镇": D("0.5001")})
        )
    )
    assert flagged(assess(xinfeng, "2024", facts), "admonishment") == {"县委办", "大塘埠镇"}  # just over half
    facts = Facts(
        metrics=tuple(
            _all_complete(
                xinfeng,
                {"县委办": D("0.1"), "大塘埠镇": D("0.3"), "安西镇": D("0.4999"), "水利局": D("0.45")},
            )
        )
    )
    a = assess(xinfeng, "2024", facts)
    assert flagged(a, "admonishment") == {
        "县委办",
        "大塘埠镇",
        "水利局",
    }  # 安西镇 <50% but fourth from bottom


def test_admonishment_ties_at_the_boundary(xinfeng):
    """Ties share a place from the top and from the bottom: 安西镇 and 水利局 tie at 并列第53名 of 56
    and at 并列倒数第3名 (1 + the two units strictly behind them), so both are in the bottom three."""
    facts = Facts(
        metrics=tuple(
            _all_complete(
                xinfeng, {"县委办": D("0.1"), "大塘埠镇": D("0.2"), "安西镇": D("0.3"), "水利局": D("0.3")}
            )
        )
    )
    a = assess(xinfeng, "2024", facts)
    assert a.result(unit("安西镇")).rank == a.result(unit("水利局")).rank == 53
    bottom = a.result(unit("安西镇")).component("rank-units").facts["bottom"]
    assert bottom == a.result(unit("水利局")).component("rank-units").facts["bottom"] == 3
    assert flagged(a, "admonishment") == {"县委办", "大塘埠镇", "安西镇", "水利局"}
    # Everyone else tied at 100% shares bottom place 2 (only 县委办 is behind them): in the bottom
    # three, but far above half, so only 县委办 is admonished.
    a = assess(xinfeng, "2024", Facts(metrics=tuple(_all_complete(xinfeng, {"县委办": D("0.4")}))))
    assert flagged(a, "admonishment") == {"县委办"} and a.result(unit("商务局")).rank == 1
    assert a.result(unit("商务局")).component("rank-units").facts["bottom"] == 2


def test_reassignment_needs_two_years_running(xinfeng):
    # Three units behind the rest, so the 53 at 100% share bottom place 4, outside the bottom three.
    facts = Facts(
        metrics=tuple(_all_complete(xinfeng, {"县委办": D("0.1"), "大塘埠镇": D("0.2"), "安西镇": D("0.3")}))
    )
    a = assess(xinfeng, "2024", facts)
    assert flagged(a, "reassignment") == set()  # no history: bottom three once only
    comp = a.result(unit("县委办")).component("reassignment")
    assert comp.facts["periods_running"] == 1 and comp.facts["required"] == 2
    prior = (
        PriorCondition("reassignment", "2023", unit("县委办")),
        PriorCondition("reassignment", "2023", unit("工信局")),
    )
    a = assess(xinfeng, "2024", Facts(metrics=facts.metrics, prior=prior))
    assert flagged(a, "reassignment") == {"县委办"}  # 工信局 was bottom three last year, not this year
    # 连续两年位列后三名 reads the place alone: with only 县委办 behind, the 55 tied at 100% share
    # bottom place 2 and are “in the bottom three”, so 工信局 with last year met is reassigned too.
    alone = Facts(metrics=tuple(_all_complete(xinfeng, {"县委办": D("0.1")})), prior=prior)
    assert flagged(assess(xinfeng, "2024", alone), "reassignment") == {"县委办", "工信局"}


def test_reassignment_reads_last_years_result_not_a_recomputation(xinfeng):
    """§三(三) 连续两年位列后三名的单位主要负责人进行岗位调整: last year's place is last year's
    result — its published run (PriorCondition), or the bottom three the office enters for a year
    the platform did not run (认定事项 bottom_three, 2023) — never last year recomputed from today's
    ledger. (It was recomputed from the facts before.)"""
    this = _all_complete(xinfeng, {"县委办": D("0.1")})  # 县委办 last this year, alone behind
    last = [m(unit("县委办"), "actual_investment", "2023-06", 1)] + [
        m(unit(n), "actual_investment", "2023-06", 50000)
        for n in all_group_members(xinfeng)["assessed_units"][3:]
    ]
    targets = tuple(
        TargetFact(unit(n), "actual_investment", "2023", D(10000))
        for n in all_group_members(xinfeng)["assessed_units"]
    )
    facts = Facts(metrics=tuple(this + last), targets=targets)
    # Today's ledger puts 县委办 in 2023's bottom three, but nothing published or entered says so.
    assert "县委办" not in flagged(assess(xinfeng, "2024", facts), "reassignment")
    entered = (OfficeDecision("bottom_three", unit("县委办"), "2023"),)
    a = assess(xinfeng, "2024", Facts(metrics=facts.metrics, targets=targets, decisions=entered))
    assert flagged(a, "reassignment") == {"县委办"}
    # An entry for another year does not count; a published 2023 result comes before the entry.
    other_year = (OfficeDecision("bottom_three", unit("县委办"), "2022"),)
    assert (
        flagged(assess(xinfeng, "2024", Facts(metrics=facts.metrics, decisions=other_year)), "reassignment")
        == set()
    )
    published = (PriorCondition("reassignment", "2023", unit("工信局")),)
    both = Facts(metrics=facts.metrics, decisions=entered, prior=published)
    assert "县委办" not in flagged(assess(xinfeng, "2024", both), "reassignment")


def test_corps_accountability_falls_on_its_units(xinfeng):
    facts = Facts(
        metrics=tuple(m(team(f"corps-{i:02d}"), "actual_investment", "2024-12", 40000) for i in range(2, 16))
        + (m(team("corps-01"), "actual_investment", "2024-12", 39999),)
    )
    a = assess(xinfeng, "2024", facts)
    assert flagged(a, "criticism") == {"corps-01"}
    assert flagged(a, "accountability") == {"corps-01", "商务局", "县委办", "大塘埠镇"}
    assert len(flagged(a, "commendation", "corps-completed-reward")) == 14


def test_corps_targets_and_monthly_ranking(xinfeng):
    facts = Facts(
        metrics=(
            m(team("corps-01"), "actual_investment", "2024-03", 10000),
            m(team("corps-01"), "actual_investment", "2024-06", 10000),
            m(team("corps-02"), "actual_investment", "2024-06", 30000),
            m(team("corps-07"), "industry_fund", "2024-05", 50000),
            m(team("corps-09"), "srdi_projects_over_1bn", "2024-05", 1),
        )
    )
    a = assess(xinfeng, "2024-06", facts)
    c1 = a.result(team("corps-01")).component("corps-investment")
    assert (c1.points, c1.max, c1.facts["completion"]) == (20000, 40000, D("0.5"))  # year to date
    assert a.result(team("corps-02")).rank == 1 and a.result(team("corps-01")).rank == 2
    assert a.result(team("corps-03")).rank == 3 and a.result(team("corps-15")).rank == 3  # 13 tied at 0
    assert a.result(team("corps-07")).component("corps-industry-fund").facts["met"] is True
    assert a.result(team("corps-09")).component("corps-srdi").facts["met"] is True
    assert a.result(team("corps-01")).component("corps-srdi") is None  # no such target


def test_leaders_and_responsible_units(xinfeng):
    facts = Facts(
        metrics=(
            m(person("张凯波"), "actual_investment", "2024-04", 10000),
            m(unit("政法委"), "valid_leads", "2024-04", 19),
            m(unit("政法委"), "valid_leads", "2024-09", 1),
        )
    )  # fmt: skip
    a = assess(xinfeng, "2024", facts)
    assert a.result(person("张凯波")).component("leader-investment").facts["met"]
    assert a.result(unit("政法委")).component("responsible-unit-leads").facts["completion"] == 1


def test_quotas_monthly_batches(xinfeng):
    """附件3 §二(二): ≥4 outbound batches a month; over a year, the months met."""
    facts = Facts(
        metrics=tuple(
            m(team("corps-01"), "outbound_trips", f"2024-{mo:02d}", 4 if mo != 2 else 3)
            for mo in range(1, 13)
        )
    )
    a = assess(xinfeng, "2024", facts)
    c = a.result(team("corps-01")).component("corps-outbound-monthly")
    assert (c.points, c.max, c.facts["missed"]) == (11, 12, ["2024-02"])
    june = assess(xinfeng, "2024-06", facts).result(team("corps-01")).component("corps-outbound-monthly")
    assert (june.points, june.max, june.facts["met"]) == (4, 4, True)


def test_county_targets(xinfeng):
    from zhaoshang.engine.facts import jurisdiction

    facts = Facts(metrics=(m(jurisdiction("360722"), "listed_companies", "2024-08", 10),))
    a = assess(xinfeng, "2024", facts)
    comps = {c.facts["metric"]: c for c in a.result(jurisdiction("360722")).components_of("county-targets")}
    assert (
        comps["listed_companies"].facts["met"] is True and comps["rank500_enterprises"].facts["met"] is False
    )
    assert len(comps) == 12


def test_json_shape(xinfeng):
    facts = Facts(
        metrics=(m(team("corps-01"), "actual_investment", "2024-06", 40000),),
        projects=(ProjectFact("p", "项目", team("corps-01"), investment_wan={"2024-06": D("12345.6789")}),),
    )
    j = assess(xinfeng, "2024", facts).to_json()
    assert set(j) == {"policy", "period", "results", "lists", "flags", "amounts"}
    assert j["policy"] == P and j["period"] == "2024"
    assert set(j["lists"]) == {"front_runners", "catch_up"}
    r = j["results"][0]
    assert set(r) == {"holder", "holder_kind", "score", "rank", "components"}
    assert set(r["components"][0]) == {"rule", "clause", "points", "max", "facts"}
    assert all(set(f) == {"kind", "holder", "clause", "reason"} for f in j["flags"])
    assert all(set(x) == {"kind", "holder", "project", "amount_wan", "clause"} for x in j["amounts"])
    assert all(isinstance(x["amount_wan"], str) for x in j["amounts"])
    sub = next(x for x in j["amounts"] if x["kind"] == "project_subsidy")
    assert sub == {"kind": "project_subsidy", "holder": "corps-01", "project": "p", "amount_wan": "30.8642",
                   "clause": "§二(三)4"}  # fmt: skip

    def no_floats(v):
        if isinstance(v, dict):
            return all(no_floats(x) for x in v.values())
        if isinstance(v, list):
            return all(no_floats(x) for x in v)
        return not isinstance(v, float)

    assert no_floats(j)
    import json

    json.dumps(j, ensure_ascii=False)


def _subsidy_on(xinfeng, basis, metrics, planned=None):
    """project-subsidy with `completion_basis` set, on one project of corps-01 introduced by its
    lead unit 商务局 (2亿 task), 10000万 of new investment in 2024."""
    from zhaoshang.engine.context import Context
    from zhaoshang.engine.evaluators import completion_rate_subsidy
    from zhaoshang.engine.periods import parse_period

    rule = xinfeng.rule("project-subsidy").model_copy(update={"completion_basis": basis})
    project = ProjectFact(
        "p", "项目", team("corps-01"), unit=unit("商务局"), investment_wan={"2024-06": D(10000)},
        planned_wan=planned or {},
    )  # fmt: skip
    ctx = Context(xinfeng, parse_period("2024"), Facts(metrics=tuple(metrics), projects=(project,)))
    completion_rate_subsidy(ctx, rule)
    return [(a.holder.key, a.amount_wan) for a in ctx.out.amounts]


@pytest.mark.parametrize(
    "unit_done, paid",
    [
        (16000, 25),  # 16000 ÷ 20000 = 80%: 80%以上 → 2.5‰ × 10000 = 25万
        (15999, 20),  # 79.995%: 50%-80% → 2‰ → 20万
        (10000, 20),  # 50%: 50%-80% (lower end in) → 20万
        (3999, None),  # 19.995%: nothing
    ],
)
def test_subsidy_reads_the_introducing_units_own_task_by_default(xinfeng, unit_done, paid):
    """§二(三)4 当年考评项目新增实际进资累计完成年任务80%以上、50%-80%、20%-50%分别按2.5‰、2‰、1.5‰:
    by default the task is the introducing unit's own (商务局, lead unit of corps-01: 2亿), not its
    corps' 4亿 — the corps here is at 40% (1.5‰) and does not decide."""
    assert xinfeng.rule("project-subsidy").completion_basis == "unit"
    metrics = [m(unit("商务局"), "actual_investment", "2024-06", unit_done),
               m(team("corps-01"), "actual_investment", "2024-06", 16000)]  # fmt: skip
    got = _subsidy_on(xinfeng, "unit", metrics)
    assert got == ([] if paid is None else [("商务局", D(paid))])


def test_subsidy_basis_corps_task_or_the_projects_own_plan(xinfeng):
    """The alternatives the office may set: the corps' task (16000 ÷ 40000 = 40% → 1.5‰ → 15万,
    to the corps), or the project's own plan for the year (10000 ÷ 12500 = 80% → 2.5‰ → 25万;
    ÷ 12501 = 79.99% → 2‰ → 20万; no plan: nothing, and a note says why)."""
    metrics = [m(unit("商务局"), "actual_investment", "2024-06", 20000),
               m(team("corps-01"), "actual_investment", "2024-06", 16000)]  # fmt: skip
    assert _subsidy_on(xinfeng, "team", metrics) == [("corps-01", D(15))]
    assert _subsidy_on(xinfeng, "project", metrics, {"2024": D(12500)}) == [("商务局", D(25))]
    assert _subsidy_on(xinfeng, "project", metrics, {"2024": D(12501)}) == [("商务局", D(20))]
    assert _subsidy_on(xinfeng, "project", metrics) == []
