"""xiayi-2023-2025 (003), issue 10 point 4: four readings, each worked out by hand at and around
its boundary.

1. §一(三) “全县实际使用外资和实际引进省外资金年均增速各在10%以上”: the plan is judged on the
   average yearly growth over 2023–2025, the geometric mean Chinese statistics use for 年均增长
   (水平法): (2025年 ÷ 2022年)^(1/3) − 1 ≥ 10%, i.e. 2025年 ≥ 2022年 × 1.1³ = 2022年 × 1.331. A year
   under 10% on its own is a warning, not a failure.
2. §二 “在京津冀、长三角、珠三角、闽东南等区域每年至少举办4次专场产业招商活动”: only events held in
   the policy's target regions count (`promotion_events_target_region`).
3. §一(三)“僵尸企业整治盘活” A、B、C类 “在1年内复工复产”: due by the same date the next year (一年内
   includes the anniversary; 民法典 §201–202), overdue when the assessment day is after that and
   there is no resumption by then.
4. §二(三) 合同履约率: obligations fulfilled by their due date ÷ obligations due by the assessment
   day.
"""

from datetime import date
from decimal import Decimal

import pytest

from zhaoshang.engine import assess, find_policy
from zhaoshang.engine.facts import (
    EnterpriseFact,
    Facts,
    ObligationFact,
    ProjectFact,
    jurisdiction,
    team,
    unit,
)
from zhaoshang.engine.schema import Growth

from .helpers import D, m, policy

XIAYI = policy("xiayi-2023-2025")
HOME = jurisdiction(XIAYI.jurisdiction.code)


# --- 1. 年均增速 ----------------------------------------------------------------------------------


def _foreign(**years) -> Facts:
    return Facts(metrics=tuple(m(HOME, "foreign_investment", y.lstrip("y"), v) for y, v in years.items()))


def _growth(period: str, facts: Facts, rule: str = "growth-foreign"):
    comps = assess(XIAYI, period, facts).result(HOME).components_of(rule)
    average = [c for c in comps if c.facts.get("reading") == "average"]
    yearly = {c.facts["year"].key: c for c in comps if c.facts.get("reading") == "year"}
    return (average[0] if average else None), yearly


def test_the_rules_read_the_average():
    for rule_id in ("growth-foreign", "growth-out-of-province"):
        rule = XIAYI.rule(rule_id)
        assert (rule.reading, rule.over, rule.min_rate, rule.word) == (
            "average",
            "2023-2025",
            D("0.1"),
            "以上",
        )
        assert rule.clause == "§一(三)"
    assert XIAYI.rule("land-exit").reading == "yearly"  # 逐年减少 is every year


@pytest.mark.parametrize(
    "end, met",
    [
        # 1000 × 1.1 × 1.1 × 1.1 = 1331: exactly 10% a year, and 以上 includes 10%.
        (D(1331), True),
        # 1330.99 ÷ 1000 = 1.33099, cube root 1.099997…: 9.9997% a year, under.
        (D("1330.99"), False),
        (D("1331.01"), True),
    ],
)
def test_the_plan_is_judged_on_the_geometric_mean(end, met):
    avg, _ = _growth("2023-2025", _foreign(y2022=1000, y2023=1050, y2024=1200, y2025=end))
    assert avg.max == D(1331) and avg.points == end
    assert avg.facts["met"] is met and avg.facts["final"] is True and avg.facts["years"] == 3
    assert avg.facts["previous"] == 1000 and avg.facts["base_year"].key == "2022"
    assert abs(avg.facts["rate"] - (end / 1000) ** (Decimal(1) / 3) + 1) < D("1e-20")


def test_one_year_under_the_rate_is_a_warning_not_a_failure():
    """2023: 1050 ÷ 1000 = 5% (under 10%: warning); 2024: 1200 ÷ 1050 = 14.29%; 2025: 1331 ÷ 1200
    = 10.92%. The average is (1331 ÷ 1000)^(1/3) − 1 = 10%: met."""
    avg, yearly = _growth("2023-2025", _foreign(y2022=1000, y2023=1050, y2024=1200, y2025=1331))
    assert avg.facts["met"] is True and avg.facts["below_years"] == ["2023"]
    assert (
        yearly["2023"].facts["reached"] is False and "单年未达到仅作提示" in yearly["2023"].facts["warning"]
    )
    assert "met" not in yearly["2023"].facts  # a year is never judged as failed
    assert yearly["2023"].facts["rate"] == D("0.05") and yearly["2023"].max == 1100
    assert yearly["2024"].facts["reached"] is True and "warning" not in yearly["2024"].facts
    assert yearly["2025"].max == D(1320)  # 1200 × 1.1; 1331 reaches it


def test_every_year_at_the_rate_meets_the_average():
    """Each year exactly 10% (1100, 1210, 1331): no warning, the average met."""
    avg, yearly = _growth("2023-2025", _foreign(y2022=1000, y2023=1100, y2024=1210, y2025=1331))
    assert avg.facts["met"] is True and avg.facts["below_years"] == []
    assert all(c.facts["reached"] for c in yearly.values())


@pytest.mark.parametrize("y2024, on_track", [(1210, True), (D("1209.99"), False)])
def test_before_the_plan_ends_the_average_so_far_is_provisional(y2024, on_track):
    """Assessing 2024: two years, 1000 × 1.1² = 1210 keeps the plan on track; nothing is met or
    failed until 2025 is judged."""
    avg, yearly = _growth("2024", _foreign(y2022=1000, y2023=1050, y2024=y2024))
    assert avg.max == D(1210) and avg.facts["years"] == 2 and avg.facts["final"] is False
    assert avg.facts["met"] is None and avg.facts["on_track"] is on_track
    assert set(yearly) == {"2023", "2024"}


@pytest.mark.parametrize("y2024, reached", [(D(1155), True), (D("1154.99"), False)])
def test_a_year_s_own_growth_at_ten_percent(y2024, reached):
    """2024 over 2023's 1050: 1050 × 1.1 = 1155 is exactly 10% (以上: reached)."""
    _, yearly = _growth("2024", _foreign(y2022=1000, y2023=1050, y2024=y2024))
    assert yearly["2024"].max == D(1155) and yearly["2024"].facts["reached"] is reached


def test_without_a_base_year_nothing_is_judged():
    avg, _ = _growth("2023-2025", _foreign(y2023=1100, y2024=1210, y2025=1331))
    assert avg.facts["met"] is None and "2022" in avg.facts["note"]


def test_the_period_an_average_runs_over_must_exist():
    from zhaoshang.engine.loader import PolicyError, load_policy_text

    text = (
        (find_policy("xiayi-2023-2025"))
        .read_text(encoding="utf-8")
        .replace('over: "2023-2025"', 'over: "2022-2026"', 1)
    )
    with pytest.raises(PolicyError, match="2022-2026"):
        load_policy_text(text)


def test_average_reading_is_for_growth_up_only():
    base = {"id": "g", "type": "growth", "title": "t", "clause": "c", "metric": "x", "min_rate": "0"}
    with pytest.raises(ValueError, match="只适用于增长"):
        Growth.model_validate({**base, "direction": "down", "reading": "average"})
    with pytest.raises(ValueError, match="over 只适用于"):
        Growth.model_validate({**base, "over": "2023-2025"})


# --- 2. Events in the target regions -------------------------------------------------------------


def test_target_regions_are_the_four_named():
    assert XIAYI.target_regions == ["jingjinji", "yangtze_delta", "pearl_delta", "southeast_fujian"]
    rule = XIAYI.rule("group-events")
    assert (rule.metric, rule.min, rule.word, rule.clause) == (
        "promotion_events_target_region",
        4,
        "至少",
        "§二",
    )


@pytest.mark.parametrize("in_regions, met", [(4, True), (3, False)])
def test_events_elsewhere_do_not_count_for_the_target_region_rule(in_regions, met):
    """3 events in 长三角 and 20 at home: 3 < 4, not met; the 20 are in the general count only."""
    g = team("group-1")
    facts = Facts(
        metrics=(
            m(g, "promotion_events_target_region", "2023-05", in_regions),
            m(g, "promotion_events", "2023-05", in_regions + 20),
        )
    )
    c = assess(XIAYI, "2023", facts).result(g).component("group-events")
    assert (c.points, c.facts["met"]) == (in_regions, met)


# --- 3. Zombie enterprises back in production within a year ---------------------------------------

HTZ = unit("高新区")


def _zombie(cls: str, classified: date, resumed: date | None = None, holder=HTZ, name: str = "z"):
    dates = {"classified": classified} | ({"resumed": resumed} if resumed else {})
    return EnterpriseFact(name, name, holder, frozenset({f"zombie_{cls}"}), dates)


def _overdue(period: str, *items, as_of: date | None = None):
    a = assess(XIAYI, period, Facts(enterprises=items, as_of=as_of))
    counts = {
        c.rule: c.points for r in a.results for c in r.components
        if c.rule.startswith("zombie-class") and "overdue" in c.facts
    }  # fmt: skip
    return a, counts


def test_zombie_rules_read_enterprises():
    for c in "abc":
        rule = XIAYI.rule(f"zombie-class-{c}")
        assert (rule.items, rule.attribute, rule.within_months) == ("enterprises", f"zombie_{c}", 12)
        assert rule.clause == "§一(三)“僵尸企业整治盘活”"


@pytest.mark.parametrize(
    "as_of, overdue",
    [
        (date(2024, 3, 10), 0),  # classified 2023-03-10: due 2024-03-10, the anniversary itself
        (date(2024, 3, 11), 1),  # the day after: more than a year, no resumption
    ],
)
def test_a_year_includes_the_anniversary(as_of, overdue):
    a, counts = _overdue("2024", _zombie("a", date(2023, 3, 10)), as_of=as_of)
    assert counts == {"zombie-class-a": overdue}
    assert len(a.flags_of("overdue", "zombie-class-a")) == overdue


@pytest.mark.parametrize(
    "resumed, status", [(date(2024, 3, 10), "按期完成"), (date(2024, 3, 11), "逾期完成")]
)
def test_resumed_on_the_anniversary_is_on_time(resumed, status):
    a, counts = _overdue("2024", _zombie("b", date(2023, 3, 10), resumed))
    item = [c for c in a.result(HTZ).components_of("zombie-class-b") if "status" in c.facts][0]
    assert item.facts["status"] == status and item.facts["due"] == date(2024, 3, 10)
    assert counts == {"zombie-class-b": 0}  # resumed: not overdue any more
    assert bool(a.flags_of("overdue", "zombie-class-b")) is (status == "逾期完成")


def test_resumption_after_the_assessment_day_is_not_yet():
    """Classified 2023-01-05, resumed 2024-06-01; assessed as of 2024-03-31: overdue then."""
    _, counts = _overdue("2024-Q1", _zombie("c", date(2023, 1, 5), date(2024, 6, 1)))
    assert counts == {"zombie-class-c": 1}


@pytest.mark.parametrize("as_of, overdue", [(date(2025, 2, 28), 0), (date(2025, 3, 1), 1)])
def test_a_leap_day_is_due_on_the_last_day_of_february(as_of, overdue):
    """2024-02-29 + 1年: 2025 has no 29 February, the period ends on the month's last day."""
    _, counts = _overdue("2025", _zombie("a", date(2024, 2, 29)), as_of=as_of)
    assert counts == {"zombie-class-a": overdue}


def test_overdue_zombies_are_counted_every_year_while_overdue_and_d_has_no_deadline():
    items = (
        _zombie("a", date(2023, 3, 10), name="a1"),
        _zombie("a", date(2023, 6, 1), date(2023, 12, 1), name="a2"),
        _zombie("c", date(2023, 5, 1), name="c1"),
        _zombie("d", date(2023, 1, 1), name="d1"),
    )
    _, counts = _overdue("2024", *items)
    assert counts == {"zombie-class-a": 1, "zombie-class-c": 1}
    _, counts = _overdue("2025", *items)
    assert counts == {"zombie-class-a": 1, "zombie-class-c": 1}  # a2 resumed on time in 2023: left out
    _, counts = _overdue("2023", *items)
    assert counts == {"zombie-class-a": 0, "zombie-class-c": 0}


def test_a_zombie_of_another_unit_counts_for_the_county():
    a, counts = _overdue("2024", _zombie("a", date(2023, 1, 1), holder=unit("商务局")))
    assert counts == {"zombie-class-a": 1} and a.flags_of("overdue")[0].holder == HOME


# --- 4. 合同履约率 -----------------------------------------------------------------------------


def _kpi(period: str, obligations, as_of: date | None = None, late: bool = False):
    rule = XIAYI.rule("project-kpi")
    policy = XIAYI.model_copy(
        update={"rules": [r if r.id != "project-kpi" else rule.model_copy(update={"late_fulfilment_counts": late})
                          for r in XIAYI.rules]}
    )  # fmt: skip
    p = ProjectFact("p1", "一", team("group-1"), signed_on=date(2023, 2, 1), obligations=tuple(obligations))
    a = assess(policy, period, Facts(projects=(p,), as_of=as_of))
    return next(
        c for c in a.result(HOME).components_of("project-kpi") if c.facts["rate"] == "contract_fulfilment"
    )


OBLIGATIONS = (
    ObligationFact("investment", date(2023, 6, 30), date(2023, 6, 30)),  # on its due date: on time
    ObligationFact("construction_start", date(2023, 6, 30), date(2023, 7, 1)),  # a day late
    ObligationFact("completion", date(2023, 9, 30)),  # due, not fulfilled
    ObligationFact("output", date(2024, 3, 31), date(2023, 11, 1)),  # not due by 2023-12-31: left out
)


def test_fulfilment_rate_is_on_time_over_due():
    """2023-Q4 (assessed 2023-12-31): three due, one on time → 1 ÷ 3 = 33.33%."""
    c = _kpi("2023-Q4", OBLIGATIONS)
    assert (c.facts["numerator"], c.facts["denominator"]) == (1, 3)
    assert c.points == D(100) / 3 and c.facts["judged_on"] == date(2023, 12, 31)


def test_late_fulfilment_counts_when_the_office_says_so():
    c = _kpi("2023-Q4", OBLIGATIONS, late=True)
    assert (c.facts["numerator"], c.facts["denominator"]) == (2, 3)


@pytest.mark.parametrize("as_of, due", [(date(2023, 9, 30), 3), (date(2023, 9, 29), 2)])
def test_an_obligation_is_due_on_its_due_date(as_of, due):
    """Assessing 2023-Q3: the completion due 2023-09-30 is in the denominator from that day."""
    c = _kpi("2023-Q3", OBLIGATIONS, as_of=as_of)
    assert (c.facts["numerator"], c.facts["denominator"]) == (1, due)


def test_nothing_due_gives_no_rate():
    c = _kpi("2023-Q1", OBLIGATIONS)
    assert c.points is None and c.facts["denominator"] == 0
