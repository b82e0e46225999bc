"""Ties: tied holders share a place from the top and from the bottom (engine/context.py).

`rank` = 1 + the holders strictly better, `bottom` = 1 + the holders strictly worse. “Bottom three”
(后三名, 倒数) takes every holder tied into the last three places, and the consequences hanging on
it follow: admonishment and reassignment (000 §三(三)), the interview of laggard counties (004 §21),
the supervision of laggard groups (003 §四(二)), the survey's last place (002 §五(二)4). A holder
with nothing at all is never a front-runner. Each case works the places out by hand.
"""

from datetime import date

import pytest

from zhaoshang.engine import assess
from zhaoshang.engine.context import rank
from zhaoshang.engine.facts import Facts, PriorCondition, SurveyScore, team, unit
from zhaoshang.engine.forecast import forecast
from zhaoshang.engine.organisation import all_group_members
from zhaoshang.engine.schema import HonourList

from .helpers import D, flagged, m, policy

XINFENG, DAYS, JINXI, XIAYI, SANMING = (
    policy("xinfeng-2024"),
    policy("xinfeng-2023-100days"),
    policy("jinxi-2021"),
    policy("xiayi-2023-2025"),
    policy("sanming-2021"),
)


def test_places_from_both_ends():
    """10, 9, 8, 0, 0: the two zeros have 3 holders strictly better (第4名) and none strictly worse
    (倒数第1名) — not 倒数第2, which would leave a '倒数第一' rule with nobody."""
    scores = {unit(k): D(v) for k, v in {"a": 10, "b": 9, "c": 8, "d": 0, "e": 0}.items()}
    r = rank(scores, "p")
    assert [(r[unit(k)].rank, r[unit(k)].bottom) for k in "abcde"] == [(1, 5), (2, 4), (3, 3), (4, 1), (4, 1)]
    assert {h.key for h, x in r.items() if x.in_bottom(1)} == {"d", "e"}
    # 10, 9, 8, 7, 7: the bottom three are 8 (2 worse → 倒数第3) and both 7s.
    r = rank({unit(k): D(v) for k, v in {"a": 10, "b": 9, "c": 8, "d": 7, "e": 7}.items()}, "p")
    assert {h.key for h, x in r.items() if x.in_bottom(3)} == {"c", "d", "e"}
    # Everyone equal: everyone is first and last.
    r = rank({unit(k): D(3) for k in "abc"}, "p")
    assert {(x.rank, x.bottom) for x in r.values()} == {(1, 1)}


# --- xinfeng-2024 (000): 完成年度进资任务50%以下且位列后三名 ---------------------------------------


def _units_at(overrides: dict[str, str]):
    members = all_group_members(XINFENG)
    lead = set(members["corps_lead_units"])
    return tuple(
        m(unit(n), "actual_investment", "2024-11", (20000 if n in lead else 10000) * D(overrides.get(n, 1)))
        for n in members["assessed_units"]
    )


def test_xinfeng_tie_for_last_and_for_third_from_last():
    """§三(三) “对完成年度进资任务50%以下且位列后三名的单位主要负责人进行诫勉谈话”. 56 units;
    县委办 and 大塘埠镇 tie last at 10% (none worse: 倒数第1), 安西镇 at 20% has those two behind it
    (倒数第3), 水利局 at 30% three (倒数第4). All four are under half; the first three are admonished."""
    a = assess(
        XINFENG,
        "2024",
        Facts(metrics=_units_at({"县委办": "0.1", "大塘埠镇": "0.1", "安西镇": "0.2", "水利局": "0.3"})),
    )
    bottom = {
        n: a.result(unit(n)).component("rank-units").facts["bottom"]
        for n in ("县委办", "大塘埠镇", "安西镇", "水利局")
    }
    assert bottom == {"县委办": 1, "大塘埠镇": 1, "安西镇": 3, "水利局": 4}
    assert a.result(unit("县委办")).rank == a.result(unit("大塘埠镇")).rank == 55  # 54 better
    assert flagged(a, "admonishment") == {"县委办", "大塘埠镇", "安西镇"}
    reason = next(f.reason for f in a.flags_of("admonishment") if f.holder.key == "县委办")
    assert "排名倒数第1（共56名，2名并列）" in reason


def test_xinfeng_reassignment_follows_the_tied_bottom_three():
    """§三(三) “连续两年位列后三名的单位主要负责人进行岗位调整”: a unit tied into the bottom three
    this year, and in it last year, is reassigned."""
    facts = _units_at({"县委办": "0.1", "大塘埠镇": "0.2", "安西镇": "0.3", "水利局": "0.3"})
    prior = tuple(PriorCondition("reassignment", "2023", unit(n)) for n in ("水利局", "商务局"))
    a = assess(XINFENG, "2024", Facts(metrics=facts, prior=prior))
    # 水利局 ties 安西镇 at 倒数第3 (县委办 and 大塘埠镇 behind); 商务局 at 100% is 倒数第5 this year.
    assert flagged(a, "reassignment") == {"水利局"}


def test_xinfeng_forecast_warns_every_tied_laggard():
    """The forecast ranks the pace so far the same way: 县委办 and 大塘埠镇 both project to 40%
    (2000 of 10000 by June × 12 ÷ 6) and tie last; 安西镇 projects to 50%, 倒数第3: all warned."""
    rows = []
    lead = set(all_group_members(XINFENG)["corps_lead_units"])
    for n in all_group_members(XINFENG)["assessed_units"]:
        pace = {"县委办": D("0.2"), "大塘埠镇": D("0.2"), "安西镇": D("0.25")}.get(n, D("0.6"))
        rows.append(m(unit(n), "actual_investment", "2024-05", (20000 if n in lead else 10000) * pace))
    f = forecast(XINFENG, Facts(metrics=tuple(rows)), date(2024, 6, 15))
    assert {w.holder.key for w in f.warnings if w.kind == "admonishment"} == {"县委办", "大塘埠镇", "安西镇"}


# --- xiayi-2023-2025 (003): 对进度落后…的，联合县督查局进行专项督导 -----------------------------------


def test_xiayi_two_groups_tied_last_are_both_supervised():
    """§四(二)三是 “季排名…对进度落后的…进行专项督导” (the file: 倒数第一 of the quarterly ranking).
    group-1…5 have 5000…1000; group-6 and group-7 nothing: both 倒数第1 (none worse), both supervised."""
    facts = Facts(
        metrics=tuple(
            m(team(f"group-{i}"), "actual_investment", "2024-02", 1000 * (6 - i)) for i in range(1, 6)
        )
    )
    a = assess(XIAYI, "2024-Q1", facts)
    assert a.result(team("group-6")).rank == a.result(team("group-7")).rank == 6
    assert flagged(a, "supervision", "laggard-supervision") == {"group-6", "group-7"}


# --- sanming-2021 (004): 对招商引资成效落后的县（市、区）…进行约谈 ----------------------------------------


def test_sanming_tied_laggard_counties_are_all_interviewed():
    """§三(四)21, the file reading 落后 as the bottom three of the year's ranking. 11 counties:
    三元区 and 沙县区 tie at 1000 (倒数第1), 永安市 and 明溪县 tie at 3000 (2 worse: 倒数第3), the
    others 4000 and up (4 worse or more). All four are interviewed."""
    names = [
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
    values = [1000, 1000, 3000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]
    facts = Facts(
        metrics=tuple(
            m(unit(n), "actual_investment", "2021-10", v) for n, v in zip(names, values, strict=True)
        )
    )
    a = assess(SANMING, "2021", facts)
    assert flagged(a, "interview") == {"三元区", "沙县区", "永安市", "明溪县"}
    assert a.result(unit("清流县")).component("m19-rank-counties-year").facts["bottom"] == 5


# --- jinxi-2021 (002): the survey's last place, awards by grade ---------------------------------


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


def test_jinxi_survey_two_tied_last_are_both_interviewed():
    """§五(二)4 “对测评得分排位最后一名的单位…约谈并在全县通报批评，取消该单位当年度评先评优资格”:
    林业局 and 财政局 tie at 60, none below them: both 最后一名. “前五名”: 90 twice at 第5名, six in all."""
    scores = dict(zip(DEPARTMENTS, [98, 96, 94, 92, 90, 90, 85, 60, 60], strict=True))
    facts = Facts(surveys=tuple(SurveyScore(unit(n), "2021-H1", D(s)) for n, s in scores.items()))
    a = assess(JINXI, "2021-H1", facts)
    assert flagged(a, "interview") == flagged(a, "not_excellent") == {"林业局", "财政局"}
    assert len(flagged(a, "commendation")) == 6


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


def test_jinxi_three_tied_for_first_prize_take_a_second_prize_place():
    """§五(一)3(1) “一等奖（2名）、二等奖（3名）、三等奖（5名）”: three tie at the top, so all three
    get 一等奖 and 二等奖 has 3 − 1 = 2 places left; a unit scoring 0 gets nothing even when tied."""
    scores = {"商务局": 95, "工商联": 95, "园区管委会": 95, "发改委": 90, "生态环境局": 85, "应急管理局": 80,
              "工信局": 0, "自然资源局": 0}  # fmt: skip
    facts = Facts(
        metrics=tuple(m(unit(n), "new_projects_landed", "2021-05", 1) for n in COUNTY_UNITS)
        + tuple(m(unit(n), "assessment_score", "2021-12", s) for n, s in scores.items())
    )
    grades = {
        f.holder.key: f.reason[:3]
        for f in assess(JINXI, "2021", facts).flags_of("award", "award-county-units")
    }
    assert grades == {"商务局": "一等奖", "工商联": "一等奖", "园区管委会": "一等奖", "发改委": "二等奖",
                      "生态环境局": "二等奖", "应急管理局": "三等奖"}  # fmt: skip


# --- xinfeng-2023-100days (001): the two lists when nobody has anything ----------------------------


def test_days_nobody_signed_nobody_leads():
    """附件§三(二) / §三(三) “对攻坚期间有重大项目签约的单位…列为一马当先”: in a month without any
    fact every unit scores 0 and ties for first place, yet none is a front-runner; all are on the
    catch-up list (没有项目签约)."""
    a = assess(DAYS, "2023-06", Facts())
    ranks = {c.facts["rank"] for r in a.results for c in r.components if c.rule == "rank-monthly"}
    assert ranks == {1}
    assert a.lists["front_runners"] == []
    assert len({e.holder for e in a.lists["catch_up"]}) == len(all_group_members(DAYS)["responsible_units"])


def _with_rule(p, rule: HonourList):
    """The policy with `rule` as its only honour list (a list names a holder once, at the first
    rule that put it there)."""
    return p.model_copy(update={"rules": [*(r for r in p.rules if r.type != "honour_list"), rule]})


def test_a_top_n_list_never_names_a_zero_score():
    """A front-runner list by place alone (top 3, no condition): with every unit at 0 the tie for
    first would put them all on it; zero_score_excluded (default) keeps the list empty, and one
    unit with a signing is then the only front-runner, however many tie behind it."""
    top3 = HonourList(id="top3", type="honour_list", title="前三名", clause="test", list="front_runners",
                      ranking="rank-monthly", top=3)  # fmt: skip
    p = _with_rule(DAYS, top3)
    assert [e for e in assess(p, "2023-06", Facts()).lists["front_runners"] if e.rule == "top3"] == []
    one = Facts(metrics=(m(unit("商务局"), "signings_substantive", "2023-06", 1),))
    names = {e.holder.key for e in assess(p, "2023-06", one).lists["front_runners"] if e.rule == "top3"}
    assert names == {"商务局"}
    everyone = _with_rule(DAYS, top3.model_copy(update={"zero_score_excluded": False}))
    front = [e for e in assess(everyone, "2023-06", Facts()).lists["front_runners"] if e.rule == "top3"]
    assert len(front) == len(all_group_members(DAYS)["responsible_units"])  # the setting off: all tied first


def test_a_bottom_n_list_takes_the_whole_tie():
    """A catch-up list by place (bottom 2): 商务局 and 县委办 with a signing, everyone else at 0
    tied last (倒数第1) — the whole tie is on it, the two with a score are not (倒数第…, far up)."""
    bottom2 = HonourList(id="bottom2", type="honour_list", title="后两名", clause="test", list="catch_up",
                         ranking="rank-monthly", bottom=2)  # fmt: skip
    facts = Facts(
        metrics=tuple(m(unit(n), "signings_substantive", "2023-06", 1) for n in ("商务局", "县委办"))
    )
    a = assess(_with_rule(DAYS, bottom2), "2023-06", facts)
    on = {e.holder.key for e in a.lists["catch_up"] if e.rule == "bottom2"}
    departments = set(all_group_members(DAYS)["departments"])
    assert "商务局" not in on and "县委办" not in on
    assert departments - {"商务局", "县委办"} <= on


@pytest.mark.parametrize(
    "policy_name", ["xinfeng-2024", "xinfeng-2023-100days", "jinxi-2021", "sanming-2021"]
)
def test_headline_ranks_of_tied_holders_are_equal(policy_name):
    """With no facts every ranked holder ties: one shared first place in each partition."""
    p = policy(policy_name)
    period = {
        "xinfeng-2024": "2024",
        "xinfeng-2023-100days": "2023-06",
        "jinxi-2021": "2021",
        "sanming-2021": "2021",
    }
    a = assess(p, period[policy_name], Facts())
    assert {r.rank for r in a.results if r.rank is not None} <= {1}
