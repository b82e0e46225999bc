"""Forecast: projected completion from the pace so far, and warnings months ahead."""

from datetime import date

from zhaoshang.engine.facts import Facts, PriorCondition, unit
from zhaoshang.engine.forecast import forecast
from zhaoshang.engine.organisation import all_group_members

from .helpers import D, m, policy


def _xinfeng_facts():
    p = policy("xinfeng-2024")
    lead = set(all_group_members(p)["corps_lead_units"])
    rows = []
    for name in all_group_members(p)["assessed_units"]:
        task = 20000 if name in lead else 10000
        pace = {"县委办": D("0.2"), "大塘埠镇": D("0.24"), "安西镇": D("0.25")}.get(name, D("0.6"))
        rows.append(m(unit(name), "actual_investment", "2024-05", D(task) * pace))  # by the end of June
    return p, Facts(metrics=tuple(rows))


def test_projected_completion_is_linear():
    p, facts = _xinfeng_facts()
    f = forecast(p, facts, date(2024, 6, 15))
    pr = f.projection("县委办", "member-unit-investment")
    assert (pr.actual, pr.target, pr.months_elapsed, pr.months_total) == (2000, 10000, 6, 12)
    assert pr.projected == 4000 and pr.projected_completion == D("0.4")
    assert f.projection("商务局", "lead-unit-investment").projected_completion == D("1.2")


def test_admonishment_warned_six_months_ahead():
    p, facts = _xinfeng_facts()
    f = forecast(p, facts, date(2024, 6, 15))
    warned = {w.holder.key for w in f.warnings if w.kind == "admonishment"}
    # the bottom three project to 40%, 48% and exactly 50%: 50%以下 includes the last
    assert warned == {"县委办", "大塘埠镇", "安西镇"}
    w = next(w for w in f.warnings if w.holder.key == "县委办" and w.kind == "admonishment")
    assert w.due == date(2024, 12, 31) and w.months_ahead == 6 and "40%" in w.reason


def test_reassignment_warned_only_with_last_year_met():
    p, facts = _xinfeng_facts()
    prior = (PriorCondition("reassignment", "2023", unit("县委办")),)
    f = forecast(p, Facts(metrics=facts.metrics, prior=prior), date(2024, 6, 15))
    assert {w.holder.key for w in f.warnings if w.kind == "reassignment"} == {"县委办"}


def test_still_at_zero_warned_before_the_half_year():
    p = policy("jinxi-2021")
    facts = Facts(metrics=(m(unit("商务局"), "new_projects_landed", "2021-02", 1),))
    f = forecast(p, facts, date(2021, 4, 30))
    statement = {
        w.holder.key for w in f.warnings if w.kind == "statement" and w.rule == "zero-half-year-statement"
    }
    assert "商务局" not in statement and "工信局" in statement and "秀谷镇" in statement
    w = next(w for w in f.warnings if w.holder.key == "工信局" and w.rule == "zero-half-year-statement")
    assert w.months_ahead == 2 and "未破零" in w.reason
    yellow = {w.holder.key for w in f.warnings if w.kind == "yellow_card"}
    assert "工信局" in yellow and "秀谷镇" not in yellow  # towns get no yellow card


def test_forecast_json_has_no_floats():
    p, facts = _xinfeng_facts()
    j = forecast(p, facts, date(2024, 6, 15)).to_json()
    assert set(j) == {"policy", "as_of", "projections", "warnings"}
    assert isinstance(j["projections"][0]["projected"], str)


def test_forecast_reuses_the_assessments_index_of_the_same_facts():
    """The index of the facts is built once for the assessment and the forecast of a policy
    (half the engine's time at province scale), and never shared with other facts."""
    from zhaoshang.engine import assess
    from zhaoshang.engine.context import Context
    from zhaoshang.engine.periods import parse_period

    p, facts = _xinfeng_facts()
    span = parse_period("2024-06", p)
    first = Context(p, span, facts)
    assert Context(p, parse_period("2024", p), facts)._metric is first._metric
    other = Facts(metrics=facts.metrics)  # equal, but another object: built anew
    assert Context(p, span, other)._metric is not first._metric
    # The same answers with and without the shared index.
    alone = forecast(p, Facts(metrics=facts.metrics), date(2024, 6, 15)).to_json()
    assess(p, span, facts)
    assert forecast(p, facts, date(2024, 6, 15)).to_json() == alone
