"""Chinese boundaries, read as the documents write them (engine/bounds.py).

以上, 以下, 不低于, 不超过, 达到 (and the documents' 不少于, 至少) include the number; 超, 超过,
高于, 低于, 不足 exclude it. Each case quotes its clause and works the figure out by hand at the
boundary and just around it.
"""

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from zhaoshang.engine import assess
from zhaoshang.engine.admission import ProjectFacts, _review_rule, review
from zhaoshang.engine.bounds import Bound, in_range, includes, meets, phrase
from zhaoshang.engine.context import Context
from zhaoshang.engine.evaluators import completion_rate_subsidy
from zhaoshang.engine.facts import Facts, PersonReward, ProjectFact, jurisdiction, team, unit
from zhaoshang.engine.periods import parse_period
from zhaoshang.engine.schema import Admission, CompletionRateSubsidy, Condition, Growth, Quota

from .helpers import D, amounts, flagged, m, policy

XINFENG, DAYS, JINXI, XIAYI = (
    policy("xinfeng-2024"),
    policy("xinfeng-2023-100days"),
    policy("jinxi-2021"),
    policy("xiayi-2023-2025"),
)
XF, JX, XY = jurisdiction("360722"), jurisdiction("361027"), jurisdiction("411426")


# --- The helper ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word, under, at, over",
    [
        ("以上", False, True, True),
        ("不低于", False, True, True),
        ("达到", False, True, True),
        ("不少于", False, True, True),
        ("至少", False, True, True),
        ("超", False, False, True),
        ("超过", False, False, True),
        ("高于", False, False, True),
        ("以下", True, True, False),
        ("不超过", True, True, False),
        ("低于", True, False, False),
        ("不足", True, False, False),
    ],
)
def test_each_word_at_and_around_its_number(word, under, at, over):
    t = D(50)
    assert (meets(D("49.99"), t, word), meets(t, t, word), meets(D("50.01"), t, word)) == (under, at, over)
    assert includes(word) is at
    assert Bound(t, word).holds(t) is at


def test_unknown_words_are_refused():
    with pytest.raises(ValueError, match="未知的界限用语"):
        meets(D(1), D(1), "左右")
    with pytest.raises(ValueError):
        Bound(D(1), "大约")  # type: ignore[arg-type]


def test_words_are_said_where_the_document_puts_them():
    assert phrase("50%", "以下") == "50%以下" and phrase("5亿元", "不低于") == "不低于5亿元"
    assert Bound(D("0.5"), "以下").text("50%") == "50%以下"


def test_ranges_follow_their_words_then_the_setting():
    # “80%以上、50%-80%、20%-50%”: 80% is in 80%以上; a bare range end follows range_includes.
    assert in_range(D("0.8"), D("0.8"), None, "以上") and not in_range(D("0.8"), D("0.5"), D("0.8"))
    assert in_range(D("0.5"), D("0.5"), D("0.8")) and not in_range(D("0.5"), D("0.2"), D("0.5"))
    assert in_range(D("0.5"), D("0.2"), D("0.5"), range_includes="upper")
    assert not in_range(D("0.5"), D("0.5"), D("0.8"), range_includes="upper")


# --- The schema carries the word, on the right side only -------------------------------------------


def test_schema_accepts_only_the_words_on_their_side():
    ok = Condition(metric="actual_investment", completion_below=D("0.5"), word="以下")
    assert ok.bound() == Bound(D("0.5"), "以下")
    assert Condition(metric="x", value_below=D(1)).bound() == Bound(D(1), "低于")  # no word: strictly
    assert Condition(metric="x", value_at_least=D(1)).bound() == Bound(D(1), "达到")  # no word: reach
    with pytest.raises(ValidationError, match="比较方向不符"):
        Condition(metric="x", completion_below=D("0.5"), word="以上")
    with pytest.raises(ValidationError, match="word 只适用于"):
        Condition(metric="x", value_equals=D(0), word="以上")
    with pytest.raises(ValidationError):
        Quota(id="q", type="quota", title="t", clause="c", group="g", metric="x", min=D(1), per="month",
              word="左右")  # fmt: skip
    with pytest.raises(ValidationError, match="比较方向不符"):
        Growth(
            id="g",
            type="growth",
            title="t",
            clause="c",
            metric="x",
            min_rate=D(0),
            direction="down",
            word="以上",
        )


def test_subsidy_brackets_must_not_share_or_lose_a_point():
    base = {"id": "s", "type": "completion_rate_subsidy", "title": "t", "clause": "c",
            "base_metric": "actual_investment", "completion_metric": "actual_investment"}  # fmt: skip
    top = {"min_completion": "0.8", "min_word": "以上", "rate": "0.0025"}
    mid = {"min_completion": "0.5", "max_completion": "0.8", "rate": "0.002"}
    assert CompletionRateSubsidy.model_validate({**base, "brackets": [top, mid]})
    # upper: 50% < x ≤ 80%, but 80%以上 already takes 80%: refused until the range says 低于.
    with pytest.raises(ValidationError, match="同时属于两档"):
        CompletionRateSubsidy.model_validate({**base, "range_includes": "upper", "brackets": [top, mid]})
    assert CompletionRateSubsidy.model_validate(
        {**base, "range_includes": "upper", "brackets": [top, {**mid, "max_word": "低于"}]}
    )
    # 超过80% over a range ending below 80%: 80% itself belongs to neither.
    with pytest.raises(ValidationError, match="不属于任何一档"):
        CompletionRateSubsidy.model_validate({**base, "brackets": [{**top, "min_word": "超过"}, mid]})


# --- xinfeng-2024 (000) ------------------------------------------------------------------------------


def _units_at(overrides: dict[str, str]):
    """Every unit with an investment task at 100% of it, except the overrides (a completion)."""
    from zhaoshang.engine.organisation import all_group_members

    members = all_group_members(XINFENG)
    lead = set(members["corps_lead_units"])
    return tuple(
        m(unit(n), "actual_investment", "2024-11", (20000 if n in lead else 10000) * D(overrides.get(n, 1)))
        for n in members["assessed_units"]
    )


@pytest.mark.parametrize(
    "wan, admonished",
    [
        # 县委办 is an other member unit: task 1亿 = 10000万. 5000 ÷ 10000 = 50%: “50%以下” takes it.
        (5000, True),
        (4999, True),  # 49.99%
        (5001, False),  # 50.01%: over half
    ],
)
def test_xinfeng_admonishment_fifty_percent_or_under(wan, admonished):
    """§三(三) “对完成年度进资任务50%以下且位列后三名的单位主要负责人进行诫勉谈话”."""
    # 县委办 is last (the other two laggards have 10% and 20%): in the bottom three either way.
    facts = Facts(metrics=_units_at({"县委办": str(D(wan) / 10000), "大塘埠镇": "0.1", "安西镇": "0.2"}))
    a = assess(XINFENG, "2024", facts)
    assert ("县委办" in flagged(a, "admonishment")) is admonished
    if admonished:
        reason = next(f.reason for f in a.flags_of("admonishment") if f.holder.key == "县委办")
        assert "50%以下" in reason


@pytest.mark.parametrize(
    "done, rate, amount",
    [
        # corps-01's task is 4亿 = 40000万; the project's new investment this year is 10000万.
        (32000, "0.0025", 25),  # 32000 ÷ 40000 = 80%: “80%以上” → 2.5‰ × 10000 = 25万
        (31999, "0.002", 20),  # 79.9975%: 50%-80% → 2‰ → 20万
        (20000, "0.002", 20),  # 50%: the 50%-80% range includes its lower end (range_includes: lower)
        (19999, "0.0015", 15),  # 49.9975%: 20%-50% → 1.5‰ → 15万
        (8000, "0.0015", 15),  # 20%: the lowest range includes its lower end
        (7999, None, None),  # 19.9975%: below every bracket, no subsidy
    ],
)
def test_xinfeng_subsidy_brackets_at_their_ends(done, rate, amount):
    """§二(三)4 “累计完成年任务80%以上、50%-80%、20%-50%分别按2.5‰、2‰、1.5‰给予工作经费补助”."""
    facts = Facts(
        metrics=(m(team("corps-01"), "actual_investment", "2024-06", done),),
        projects=(ProjectFact("p", "项目", team("corps-01"), investment_wan={"2024-06": D(10000)}),),
    )
    got = assess(XINFENG, "2024", facts).amounts_of("project_subsidy")
    if amount is None:
        assert got == []
    else:
        assert got[0].amount_wan == amount and got[0].holder.key == "corps-01"
        comp = assess(XINFENG, "2024", facts).result(team("corps-01")).component("project-subsidy")
        assert comp.facts["rate"] == D(rate)


def test_xinfeng_subsidy_range_setting_upper_moves_fifty_percent_down():
    """The same clause read the other way (range_includes: upper, the 50%-80% bracket ending
    低于80% as 80%以上 requires): exactly 50% then earns 1.5‰ and exactly 20% nothing."""
    rule = XINFENG.rule("project-subsidy")
    brackets = [rule.brackets[0], rule.brackets[1].model_copy(update={"max_word": "低于"}), rule.brackets[2]]
    upper = CompletionRateSubsidy.model_validate(
        {**rule.model_dump(), "range_includes": "upper", "brackets": [b.model_dump() for b in brackets]}
    )

    def paid(done):
        facts = Facts(
            metrics=(m(team("corps-01"), "actual_investment", "2024-06", done),),
            projects=(ProjectFact("p", "项目", team("corps-01"), investment_wan={"2024-06": D(10000)}),),
        )
        ctx = Context(XINFENG, parse_period("2024"), facts)
        completion_rate_subsidy(ctx, upper)
        return [a.amount_wan for a in ctx.out.amounts]

    assert paid(20000) == [15]  # 50%: 20% < x ≤ 50% → 1.5‰
    assert paid(20001) == [20]  # just over half → 2‰
    assert paid(32000) == [25]  # 80%以上 still takes 80%
    assert paid(8000) == []  # 20% is not over 20%


@pytest.mark.parametrize("base, paid", [(80000, 200), (80004, 200), (79996, D("199.99"))])
def test_xinfeng_subsidy_cap_includes_two_million(base, paid):
    """§二(三)4 “单个项目每年工作经费补助不超过200万元”: 80000万 × 2.5‰ = 200万 is paid in full."""
    facts = Facts(
        metrics=(m(team("corps-01"), "actual_investment", "2024-06", 40000),),
        projects=(ProjectFact("p", "项目", team("corps-01"), investment_wan={"2024-06": D(base)}),),
    )
    got = assess(XINFENG, "2024", facts).amounts_of("project_subsidy")
    assert got[0].amount_wan == paid


@pytest.mark.parametrize("trips, met", [(4, True), (3, False), (5, True)])
def test_xinfeng_four_batches_or_more_a_month(trips, met):
    """附件3 §二(二) “每月外出招商4批次以上”: 4 meets it."""
    facts = Facts(metrics=(m(team("corps-01"), "outbound_trips", "2024-06", trips),))
    c = assess(XINFENG, "2024-06", facts).result(team("corps-01")).component("corps-outbound-monthly")
    assert c.facts["met"] is met and c.facts["word"] == "以上"


@pytest.mark.parametrize("usd, met", [(2000, True), (1999, False)])
def test_xinfeng_foreign_cash_reaches_twenty_million(usd, met):
    """§一(二) “实际利用外资现汇达到2000万美元”: 2000 reaches it."""
    facts = Facts(metrics=(m(XF, "foreign_investment_cash", "2024-10", usd),))
    comps = assess(XINFENG, "2024", facts).result(XF).components_of("county-targets")
    c = next(c for c in comps if c.facts["metric"] == "foreign_investment_cash")
    assert c.facts["met"] is met and c.facts["word"] == "达到"


@pytest.mark.parametrize("fund, met", [(50000, True), (49999, False)])
def test_xinfeng_industry_fund_not_under_half_a_billion(fund, met):
    """附件1 第七兵团 “设立一支不低于5亿元的产业基金”: 5亿 = 50000万 itself is enough."""
    facts = Facts(metrics=(m(team("corps-07"), "industry_fund", "2024-09", fund),))
    c = assess(XINFENG, "2024", facts).result(team("corps-07")).component("corps-industry-fund")
    assert c.facts["met"] is met


# --- xinfeng-2023-100days (001) ---------------------------------------------------------------------


@pytest.mark.parametrize("signed, met", [(4, True), (3, False)])
def test_days_june_four_listed_signings_or_more(signed, met):
    """§二 6月 “签约4家以上上市公司”: 4 is enough."""
    facts = Facts(metrics=(m(jurisdiction("360722"), "listed_signed", "2023-06", signed),))
    c = assess(DAYS, "2023-06", facts).result(jurisdiction("360722")).component("m06-listed-signed")
    assert c.facts["met"] is met


@pytest.mark.parametrize(
    "rule, metric, value, met",
    [
        ("unit-head-outbound", "head_outbound_trips", 2, True),  # “每月至少外出招商2次”
        ("unit-head-outbound", "head_outbound_trips", 1, False),
        ("unit-head-visits", "enterprise_visits", 10, True),  # “每月拜访企业（客商）不少于10家”
        ("unit-head-visits", "enterprise_visits", 9, False),
    ],
)
def test_days_head_trips_and_visits(rule, metric, value, met):
    """§三(一): 至少 and 不少于 include their number."""
    # Visits count only those the head led (head_led_only); head_outbound_trips is the head's own.
    facts = Facts(metrics=(m(unit("商务局"), metric, "2023-06", value, head_led=rule == "unit-head-visits"),))
    c = assess(DAYS, "2023-06", facts).result(unit("商务局")).component(rule)
    assert c.facts["met"] is met


# --- jinxi-2021 (002) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "metric, value, met",
    [
        ("projects_over_20m_started", 45, True),  # §二1 “不少于45个”
        ("projects_over_20m_started", 44, False),
        ("foreign_investment_cash", 600, True),  # §二2 “现汇进资600万美元以上”
        ("foreign_investment_cash", 599, False),
        ("standard_factory_area", 50, True),  # §三1五是 “50万平方米以上”
    ],
)
def test_jinxi_county_targets_include_their_number(metric, value, met):
    facts = Facts(metrics=(m(JX, metric, "2021-11", value),))
    comps = assess(JINXI, "2021", facts).result(JX).components_of("county-targets")
    assert next(c for c in comps if c.facts["metric"] == metric).facts["met"] is met


@pytest.mark.parametrize("days, met", [(40, True), (39, False)])
def test_jinxi_forty_days_or_more(days, met):
    """§三1一是 “全年累计招商不少于40天”."""
    facts = Facts(metrics=(m(team("team-01"), "investment_work_days", "2021-11", days, head_led=True),))
    c = assess(JINXI, "2021", facts).result(team("team-01")).component("team-leader-days")
    assert c.facts["met"] is met


@pytest.mark.parametrize(
    "yuan, paid, over", [(5000, "0.5", False), (5001, "0.5", True), (4999, "0.4999", False)]
)
def test_jinxi_person_reward_not_over_5000(yuan, paid, over):
    """§五(一)4 “个人奖金最高不超过5000元”: 5000元 = 0.5万 is within."""
    facts = Facts(person_rewards=(PersonReward("李四", D(yuan), date(2021, 12, 1), "商务局"),))
    a = assess(JINXI, "2021", facts)
    assert amounts(a, "person_reward") == {("李四", None): D(paid)}
    assert ("李四" in flagged(a, "cap_exceeded")) is over


@pytest.mark.parametrize(
    "wan, verdict",
    [
        (10000, "standard_factory"),  # exactly 1亿: “亿元以下” includes it
        (Decimal("9999.99"), "standard_factory"),
        (Decimal("10000.01"), "pass"),  # over 1亿: its own land
    ],
)
def test_jinxi_under_a_hundred_million_goes_to_standard_factories(wan, verdict):
    """§三1五是 “原则上亿元以下的非主导产业项目（外资外贸项目除外）不再在园区单独供地”."""
    f = ProjectFacts(name="项目", industry="五金加工", total_investment_wan=D(wan))
    got = [x for x in review(JINXI, f) if x.rule == "standard-factory-land"]
    assert [x.verdict for x in got] == [verdict]
    if verdict == "standard_factory":
        assert "10000万元以下" in got[0].message


def test_jinxi_per_mu_standard_reached_at_its_figure():
    """§三3三是 “达到亩均固投和亩均税收要求的项目才能落户工业园区”: the standard itself passes."""
    rule = JINXI.rule("per-mu-thresholds").model_copy(
        update={"min_investment_per_mu_wan": D(300), "min_tax_per_mu_wan": D(20), "set_by_office": False}
    )
    at = ProjectFacts(
        name="x", industry="香料", total_investment_wan=D(30000), land_mu=D(100), tax_per_mu_wan=D(20)
    )
    under = ProjectFacts(
        name="y", industry="香料", total_investment_wan=D(29999), land_mu=D(100), tax_per_mu_wan=D("19.99")
    )
    assert [x.verdict for x in _review_rule(rule, at)] == ["pass", "pass"]  # 30000 ÷ 100 = 300; 20
    assert [x.verdict for x in _review_rule(rule, under)] == ["fail", "fail"]  # 299.99; 19.99
    strict = Admission(
        id="a", type="admission", title="t", clause="c", min_tax_per_mu_wan=D(20), per_mu_word="超过"
    )
    assert [x.verdict for x in _review_rule(strict, at)] == ["fail"]  # 超过20 needs more than 20


# --- xiayi-2023-2025 (003) ----------------------------------------------------------------------------


def _xiayi_target(facts, metric, period="2023-2025"):
    comps = assess(XIAYI, period, facts).result(XY).components_of("county-targets")
    return next(c for c in comps if c.facts["metric"] == metric)


@pytest.mark.parametrize(
    "usd, met",
    [
        (2000, False),  # exactly 2000万美元 is not “超过2000万美元”
        (Decimal("2000.01"), True),
        (2500, True),
    ],
)
def test_xiayi_foreign_capital_over_twenty_million(usd, met):
    """§一(三) “累计实际使用境外资金…分别超过2000万美元（部口径）和350亿元”."""
    facts = Facts(
        metrics=(
            m(XY, "foreign_investment", "2023", D(usd) / 2),
            m(XY, "foreign_investment", "2025", D(usd) / 2),
        )
    )
    c = _xiayi_target(facts, "foreign_investment")
    assert c.facts["met"] is met and c.facts["word"] == "超过"
    assert c.facts["completion"] == D(usd) / 2000


@pytest.mark.parametrize("wan, met", [(3500000, False), (3500001, True)])
def test_xiayi_out_of_province_over_35_billion(wan, met):
    """§一(三) “累计实际引进省外资金超过350亿元”: 350亿 = 3500000万 is not over it."""
    assert _xiayi_target(Facts(metrics=(m(XY, "out_of_province_investment", "2024", wan),)),
                         "out_of_province_investment").facts["met"] is met  # fmt: skip


@pytest.mark.parametrize("wan, met", [(10000000, False), (10000001, True)])
def test_xiayi_crankshaft_park_over_a_hundred_billion(wan, met):
    """§二(二)1(2) “到2025年，力争达到总体产业规模超千亿元”: 千亿 = 10000000万, strictly over."""
    facts = Facts(metrics=(m(XY, "crankshaft_park_output", "2025-12", wan),))
    assert _xiayi_target(facts, "crankshaft_park_output", "2025").facts["met"] is met


@pytest.mark.parametrize("jobs, met", [(2000, True), (1999, False)])
def test_xiayi_crankshaft_jobs_two_thousand_or_more(jobs, met):
    """§二(二)1(2) “实现2000人以上就业”."""
    facts = Facts(metrics=(m(XY, "crankshaft_park_jobs", "2025-12", jobs),))
    assert _xiayi_target(facts, "crankshaft_park_jobs", "2025").facts["met"] is met


@pytest.mark.parametrize("end, met", [(1331, True), (Decimal("1330.99"), False)])
def test_xiayi_growth_ten_percent_or_more(end, met):
    """§一(三) “全县实际使用外资…年均增速各在10%以上”: on average over 2023–2025 (geometric, base
    2022): 1000 × 1.1³ = 1331 is exactly 10% a year, enough (test_xiayi_readings.py has the rest)."""
    facts = Facts(
        metrics=(
            m(XY, "foreign_investment", "2022", 1000),
            m(XY, "foreign_investment", "2023-05", 1100),
            m(XY, "foreign_investment", "2024-05", 1210),
            m(XY, "foreign_investment", "2025-05", end),
        )
    )
    comps = assess(XIAYI, "2023-2025", facts).result(XY).components_of("growth-foreign")
    c = next(c for c in comps if c.facts["reading"] == "average")
    assert (c.max, c.facts["met"], c.facts["word"]) == (1331, met, "以上")


@pytest.mark.parametrize("stock, met", [(500, False), (Decimal("499.9"), True)])
def test_xiayi_idle_land_strictly_less_each_year(stock, met):
    """§二(三)2 “逐年减少批而未供闲置土地数量”: the same as last year is not a fall."""
    facts = Facts(
        metrics=(
            m(XY, "approved_unsupplied_land", "2022-12", 500),
            m(XY, "approved_unsupplied_land", "2023-12", stock),
        )
    )
    c = assess(XIAYI, "2023", facts).result(XY).component("land-exit")
    assert c.facts["met"] is met and c.facts["word"] == "低于"


def test_xiayi_group_fund_not_under_100k():
    """§四(四)二是 “县财政部门对各招商专班列支不低于10万元的产业招商经费”: 10万 is a floor."""
    a = assess(XIAYI, "2023")
    c = a.result(team("group-1")).component("group-fund")
    assert amounts(a, "work_fund")[("group-1", None)] == 10
    assert c.facts["at_least"] is True and c.facts["word"] == "不低于"


@pytest.mark.parametrize("events, met", [(4, True), (3, False)])
def test_xiayi_four_events_a_year_at_least(events, met):
    """§二 “每个产业招商工作组…每年至少举办4次专场产业招商活动”."""
    facts = Facts(metrics=(m(team("group-1"), "promotion_events_target_region", "2023-05", events),))
    c = assess(XIAYI, "2023", facts).result(team("group-1")).component("group-events")
    assert c.facts["met"] is met and c.facts["word"] == "至少"


# --- Every policy: the words in the files are the documents' ------------------------------------


def test_the_files_carry_the_documents_words():
    words = {
        ("xinfeng-2024", "admonishment"): [c.word for c in XINFENG.rule("admonishment").conditions],
        ("xiayi", "foreign"): [t.word for t in XIAYI.targets if t.metric == "foreign_investment"],
        ("xiayi", "crankshaft"): [t.word for t in XIAYI.targets if t.metric == "crankshaft_park_output"],
        ("jinxi", "land"): [JINXI.rule("standard-factory-land").land_word],
        ("jinxi", "cap"): [JINXI.rule("per-person-cap").word],
    }
    assert words == {
        ("xinfeng-2024", "admonishment"): ["以下", None],
        ("xiayi", "foreign"): ["超过"],
        ("xiayi", "crankshaft"): ["超"],
        ("jinxi", "land"): ["以下"],
        ("jinxi", "cap"): ["不超过"],
    }
    sub = XINFENG.rule("project-subsidy")
    assert (sub.brackets[0].min_word, sub.range_includes, sub.cap_word) == ("以上", "lower", "不超过")
