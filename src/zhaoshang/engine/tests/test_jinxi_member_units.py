"""jinxi-2021 (002): every unit of every investment team, as the office records the teams, is held
to the field work its head owes.

§三1一是 “各招商团队带队领导以及成员单位主要负责人要继续落实好‘全年累计招商不少于40天，其中外出招商
不少于10批次’的基本要求”; §三3一是 “招商团队领导和成员单位主要负责同志全年累计开展外出招商活动时间不少于
40天”. So each unit's head: at least 40 days away on investment trips (`outbound_days`) and at least
10 outbound batches (`outbound_trips`) in 2021, counting only the trips the head led. 不少于 includes
the number: 40 days and 10 batches are enough, 39 and 9 are not.

The policy file names none of the eight teams' units (the text only counts the teams): the
office records them (org `Team.member_units`), and the assessment reads a spec whose teams carry
them. These tests build such a spec by hand.
"""

from __future__ import annotations

import pytest

from zhaoshang.engine import assess
from zhaoshang.engine.facts import Facts, team, unit
from zhaoshang.engine.organisation import all_group_members
from zhaoshang.engine.schema import Policy

from .helpers import m, policy

JINXI = policy("jinxi-2021")

# As an office might record them: 工信局 sits on two teams; 秀谷镇 is a town on a team; 教体局 is a
# unit the file does not list, added by the office.
RECORDED = {
    "team-01": ("商务局", ["工信局", "财政局"]),
    "team-02": ("发改委", ["工信局", "秀谷镇", "教体局"]),
}
ON_TEAMS = ["商务局", "工信局", "财政局", "发改委", "秀谷镇", "教体局"]
MEMBER_RULES = ("member-head-outbound-days", "member-head-outbound")


def recorded(spec: Policy = JINXI, role: str | None = None) -> Policy:
    """The spec the assessment reads once the office has recorded the teams' units."""
    data = spec.model_dump(mode="python", exclude_unset=True)
    data["units"] = [*data["units"], {"name": "教体局", "kind": "department"}]
    for t in data["teams"]:
        if t["key"] in RECORDED:
            t["lead_unit"], t["member_units"] = RECORDED[t["key"]][0], list(RECORDED[t["key"]][1])
    if role is not None:
        for g in data["groups"]:
            if g["key"] == "team_units":
                g["team_role"] = role
    return Policy.model_validate(data)


SPEC = recorded()


def test_the_clauses_are_cited_on_the_rules():
    assert JINXI.rule("member-head-outbound-days").clause == "§三3一是"
    assert JINXI.rule("member-head-outbound").clause == "§三1一是"
    for rule in MEMBER_RULES:
        r = JINXI.rule(rule)
        assert (r.group, r.per, r.word, r.head_led_only) == ("team_units", "year", "不少于", True)
    assert (JINXI.rule("member-head-outbound-days").metric, JINXI.rule("member-head-outbound-days").min) == (
        "outbound_days",
        40,
    )
    assert (JINXI.rule("member-head-outbound").metric, JINXI.rule("member-head-outbound").min) == (
        "outbound_trips",
        10,
    )


def test_every_unit_of_every_team_as_recorded_is_held():
    """The lead units and the other member units of both teams, each once (工信局 sits on two)."""
    assert all_group_members(JINXI)["team_units"] == []  # the file leaves the teams to the office
    assert all_group_members(SPEC)["team_units"] == ON_TEAMS
    a = assess(SPEC, "2021", Facts())
    for name in ON_TEAMS:
        for rule in MEMBER_RULES:
            assert len(a.result(unit(name)).components_of(rule)) == 1, (name, rule)
    # A unit on no team owes nothing under these rules.
    assert a.result(unit("住建局")).components_of("member-head-outbound-days") == []
    # With the teams as the file leaves them (no units), nobody is held yet.
    assert all(
        r.components_of("member-head-outbound-days") == [] for r in assess(JINXI, "2021", Facts()).results
    )


@pytest.mark.parametrize(
    "days, met",
    [
        (40, True),  # “不少于40天”: 40 itself is enough
        (39, False),  # 40 − 1
        (41, True),
    ],
)
def test_forty_outbound_days_at_the_boundary(days, met):
    """Trips over the year add up: 25 days in May + (days − 25) in November."""
    facts = Facts(
        metrics=(
            m(unit("工信局"), "outbound_days", "2021-05", 25, head_led=True),
            m(unit("工信局"), "outbound_days", "2021-11", days - 25, head_led=True),
        )
    )
    c = assess(SPEC, "2021", facts).result(unit("工信局")).component("member-head-outbound-days")
    assert (c.points, c.max, c.facts["met"]) == (days, 40, met)


@pytest.mark.parametrize("batches, met", [(10, True), (9, False), (11, True)])
def test_ten_outbound_batches_at_the_boundary(batches, met):
    """“其中外出招商不少于10批次”: 10 is enough, 9 = 10 − 1 is not."""
    facts = Facts(metrics=(m(unit("教体局"), "outbound_trips", "2021-06", batches, head_led=True),))
    c = assess(SPEC, "2021", facts).result(unit("教体局")).component("member-head-outbound")
    assert (c.points, c.max, c.facts["met"]) == (batches, 10, met)


def test_only_the_trips_the_head_led_count():
    """成员单位主要负责人: 30 days the head led + 15 days others went = 30 < 40, not met."""
    facts = Facts(
        metrics=(
            m(unit("财政局"), "outbound_days", "2021-04", 30, head_led=True),
            m(unit("财政局"), "outbound_days", "2021-04", 15),
        )
    )
    c = assess(SPEC, "2021", facts).result(unit("财政局")).component("member-head-outbound-days")
    assert (c.points, c.facts["met"]) == (30, False)


def test_a_unit_on_two_teams_owes_its_forty_days_once():
    """工信局's head goes 40 days in all, not 40 per team: 20 + 20 = 40 meets it."""
    facts = Facts(
        metrics=(
            m(unit("工信局"), "outbound_days", "2021-03", 20, head_led=True),
            m(unit("工信局"), "outbound_days", "2021-09", 20, head_led=True),
        )
    )
    comps = assess(SPEC, "2021", facts).result(unit("工信局")).components_of("member-head-outbound-days")
    assert [(c.points, c.facts["met"]) for c in comps] == [(40, True)]


def test_the_office_may_leave_the_lead_units_out():
    """`team_role` of the group: any_member (the file's default: 牵头单位 are units of the team too)
    or member_unit (the other member units only)."""
    assert JINXI.group("team_units").team_role == "any_member"
    only_members = recorded(role="member_unit")
    assert all_group_members(only_members)["team_units"] == ["工信局", "财政局", "秀谷镇", "教体局"]
    a = assess(only_members, "2021", Facts())
    assert a.result(unit("商务局")).components_of("member-head-outbound-days") == []


def test_team_leaders_are_held_on_the_team():
    """The same clause's 带队领导: on the team (head-led trips of the team), 40 days and 10 batches."""
    facts = Facts(
        metrics=(
            m(team("team-01"), "outbound_days", "2021-07", 40, head_led=True),
            m(team("team-01"), "outbound_trips", "2021-07", 9, head_led=True),
        )
    )
    r = assess(SPEC, "2021", facts).result(team("team-01"))
    assert r.component("team-leader-outbound-days").facts["met"] is True
    assert r.component("team-leader-outbound").facts["met"] is False  # 9 < 10
