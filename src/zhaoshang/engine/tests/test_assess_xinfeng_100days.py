"""xinfeng-2023-100days end to end (001): the monthly scorecard with the office's default
sub-points, the double deduction, 60/20/20, rankings by unit kind, the two lists, the flags."""

from decimal import Decimal

import pytest

from zhaoshang.engine import assess
from zhaoshang.engine.facts import Facts, OfficeDecision, jurisdiction, team, unit

from .helpers import D, flagged, m, policy

P = "xinfeng-2023-100days"
HOME = jurisdiction("360722")


@pytest.fixture(scope="module")
def days100():
    return policy(P)


SHANGWU_JUNE = [
    ("signings_substantive", 1),  # 10
    ("signings_contract_sent", 3),  # 18, capped at 12
    ("first_signings", 1),  # 2 → signing speed 24, capped at 20
    ("signed_listed_projects", 1),  # 15
    ("signed_chain_projects", 1),  # 10
    ("substantive_starts", 1),  # 15
    ("steady_progress_projects", 1),  # 5 → landing 20
    ("head_outbound_trips", 1),  # 5, one trip missing: −10
    ("reports_on_time", 2),  # 5
    ("valid_leads", 1),  # 2.5 → basic work 12.5 − 10
    ("projects_signed", 1),
]


def _facts(*extra):
    rows = [m(unit("商务局"), k, "2023-06", v) for k, v in SHANGWU_JUNE]
    rows += [
        m(unit("商务局"), k, "2023-07", v)
        for k, v in (("head_outbound_trips", 2), ("reports_on_time", 2), ("valid_leads", 2))
    ]
    return Facts(metrics=tuple(rows) + tuple(extra))


def test_monthly_score_by_hand(days100):
    a = assess(days100, "2023-06", _facts())
    r = a.result(unit("商务局"))
    dims = {c.facts["dimension"]: c.points for c in r.components_of("monthly-score")}
    assert dims == {
        "signing_speed": 20,
        "project_size": 15,
        "project_quality": 10,
        "landing": 20,
        "basic_work": D("12.5"),  # before the deduction: trips 5 + timely 5 + quality 2.5
    }
    # §四(三) 每缺少1次从该项指标得分中双倍扣分: one trip missing is 2 × 5 = 10 off the trips
    # indicator, which has only 5: it goes to 0 and the other indicators keep theirs.
    ded = r.component("head-trip-deduction")
    assert ded.points == -5
    assert (ded.facts["uncapped"], ded.facts["item_points"], ded.facts["taken_from_item"]) == (10, 5, 5)
    assert r.score == D("72.5") and r.rank == 1  # 20 + 15 + 10 + 20 + (0 + 5 + 2.5)


@pytest.mark.parametrize(
    "trips, expected",
    [
        # Trips indicator: 5 a trip, capped at 10; timely 5 and quality 5 besides.
        (0, 10),  # trips 0 − (2 missing × 5 × 2 = 20), never below 0 → 0; + 5 + 5
        (1, 10),  # trips 5 − (1 × 5 × 2 = 10) → 0; + 5 + 5 (the old reading took 10 off 15 → 5)
        (2, 20),  # 10 + 5 + 5, nothing missing
        (3, 20),  # the trips item is capped at 10
    ],
)
def test_double_deduction_per_missing_trip(days100, trips, expected):
    facts = Facts(
        metrics=(
            m(unit("工信局"), "head_outbound_trips", "2023-06", trips),
            m(unit("工信局"), "reports_on_time", "2023-06", 2),
            m(unit("工信局"), "valid_leads", "2023-06", 2),
        )
    )
    assert assess(days100, "2023-06", facts).result(unit("工信局")).score == expected


def test_double_deduction_comes_off_the_trip_indicator_alone(days100):
    """§四(三) 对主要负责人外出招商情况，每缺少1次从该项指标得分中双倍扣分: the indicator is the
    trips (主要领导带队外出招商次数, 5 a trip); the other indicators of 基础工作 and the other
    dimensions are never touched."""
    facts = Facts(
        metrics=(
            m(unit("工信局"), "head_outbound_trips", "2023-06", 0),  # 2 missing: 2 × 5 × 2 = 20 off 0
            m(unit("工信局"), "reports_on_time", "2023-06", 2),  # 5
            m(unit("工信局"), "valid_leads", "2023-06", 2),  # 5
            m(unit("工信局"), "substantive_starts", "2023-06", 1),  # landing 15
        )
    )
    r = assess(days100, "2023-06", facts).result(unit("工信局"))
    ded = r.component("head-trip-deduction")
    assert (ded.points, ded.facts["uncapped"], ded.facts["taken_from_item"]) == (0, 20, 0)
    assert r.score == 25  # 15 + 0 + 5 + 5


def test_campaign_weights_60_20_20(days100):
    a = assess(days100, "2023-06..2023-08", _facts())
    assert str(a.period) == "2023-100days"
    r = a.result(unit("商务局"))
    c = r.component("campaign-score")
    # June 72.5, July 20 (2 trips, 2 reports, 2 leads), August 0 (no trips: the trips indicator
    # has nothing to lose, and there is nothing else)
    assert [c.facts["periods"][k]["score"] for k in ("2023-06", "2023-07", "2023-08")] == [D("72.5"), 20, 0]
    assert c.points == D("0.6") * D("72.5") + D("0.2") * 20 == D("47.5")
    assert r.score == D("47.5") and r.rank == 1
    assert assess(days100, "2023-100days", _facts()).result(unit("商务局")).score == D("47.5")


def test_rankings_by_unit_kind(days100):
    facts = _facts(
        m(unit("大塘埠镇"), "head_outbound_trips", "2023-06", 2),  # a town: 10
        m(unit("工商联"), "head_outbound_trips", "2023-06", 2),  # a people's organisation ("units"): 10
    )
    a = assess(days100, "2023-06", facts)
    ranks = {
        h: a.result(unit(h)).component("rank-monthly").facts
        for h in ("商务局", "大塘埠镇", "工商联", "工信局")
    }
    assert {h: (f["partition"], f["rank"]) for h, f in ranks.items()} == {
        "商务局": ("departments", 1),
        "大塘埠镇": ("towns", 1),
        "工商联": ("units", 1),
        "工信局": ("departments", 2),  # everyone else tied second
    }


def test_front_runner_and_catch_up_lists(days100):
    """附件§三(二)、§三(三): 对没有项目签约，特别是没有有效项目信息或者项目信息质量差的……列为奋起直追.
    The list is the units without a signing; those without valid information are named first."""
    a = assess(days100, "2023-06", _facts(m(unit("工信局"), "valid_leads", "2023-06", 1)))
    front = [(e.holder.key, e.rank) for e in a.lists["front_runners"]]
    assert front == [("商务局", 1)]  # the only unit with a major project signed
    catch = a.lists["catch_up"]
    # 59 units, 商务局 signed: 58 without a signing; of those only 工信局 has valid information.
    assert len(catch) == 58 and "商务局" not in {e.holder.key for e in catch}
    no_info = [e.holder.key for e in catch if e.rule == "catch-up-no-info"]
    assert len(no_info) == 57 and "工信局" not in no_info
    assert [e.holder.key for e in catch if e.rule == "catch-up"] == ["工信局"]
    assert catch[-1].holder.key == "工信局"  # 特别是: the no-information units come first
    assert a.to_json()["lists"]["catch_up"][0]["rule"] == "catch-up-no-info"


def test_catch_up_narrows_those_without_a_signing_and_adds_no_one(days100):
    """特别是没有有效项目信息或者项目信息质量差的 narrows the units without a signing: a unit that
    signed is not catching up, whatever its information (it was, under the old reading)."""
    signed_poor = Facts(
        # 工信局 signed a project and reported no valid information, of poor quality besides.
        metrics=_facts(m(unit("工信局"), "projects_signed", "2023-06", 1)).metrics,
        decisions=(OfficeDecision("poor_information", unit("工信局"), "2023-06"),),
    )
    a = assess(days100, "2023-06", signed_poor)
    assert "工信局" not in {e.holder.key for e in a.lists["catch_up"]}
    assert "工信局" not in flagged(a, "named", "named-no-valid-info")
    assert len(a.lists["catch_up"]) == 57  # 59 − 商务局 − 工信局
    # Without the signing, poor information (but some valid) marks it among the catch-up units.
    unsigned_poor = Facts(
        metrics=_facts(m(unit("工信局"), "valid_leads", "2023-06", 1)).metrics,
        decisions=(OfficeDecision("poor_information", unit("工信局"), "2023-06"),),
    )
    b = assess(days100, "2023-06", unsigned_poor)
    assert [e.rule for e in b.lists["catch_up"] if e.holder.key == "工信局"] == ["catch-up-poor-info"]
    assert [e.rule for e in b.lists["catch_up"]][-1] == "catch-up-poor-info"  # no 'catch-up' left


def test_each_list_names_a_holder_once_and_front_runners_are_not_catching_up(days100):
    """001 §三(三): the catch-up list is for units with no signing (特别是 no valid or poor
    information); a unit with a major signing is a front-runner, not also catching up."""
    facts = Facts(
        metrics=_facts(
            # 工信局: a major signing (so a front-runner) but no project signed and no valid
            # information (so two catch-up rules would put it there).
            m(unit("工信局"), "signings_substantive", "2023-06", 1),
        ).metrics,
        # 县委办: no signing, no valid information, and poor information: three catch-up rules.
        decisions=(OfficeDecision("poor_information", unit("县委办"), "2023-06"),),
    )
    a = assess(days100, "2023-06", facts)
    front = [e.holder.key for e in a.lists["front_runners"]]
    catch = [e.holder.key for e in a.lists["catch_up"]]
    assert sorted(front) == ["商务局", "工信局"]
    assert len(catch) == len(set(catch)) == 59 - 2  # every other unit, once
    assert "工信局" not in catch and "商务局" not in catch
    # Named once, at the first rule that takes it: no valid information comes first.
    assert [e.rule for e in a.lists["catch_up"] if e.holder.key == "县委办"] == ["catch-up-no-info"]
    assert not set(front) & set(catch)
    # The same in the JSON.
    j = a.to_json()["lists"]
    assert len(j["catch_up"]) == 57 and {e["holder"] for e in j["front_runners"]} == {"商务局", "工信局"}


def test_units_named_for_no_signing_or_no_valid_information(days100):
    a = assess(days100, "2023-06", _facts(m(unit("工信局"), "valid_leads", "2023-06", 1)))
    assert "商务局" not in flagged(a, "named", "named-no-signing") and "工信局" in flagged(
        a, "named", "named-no-signing"
    )
    assert "工信局" not in flagged(a, "named", "named-no-valid-info")
    assert len(flagged(a, "named", "named-no-valid-info")) == 57  # 59 − 商务局 (signed) − 工信局


def test_county_and_unit_milestones(days100):
    facts = _facts(
        m(HOME, "listed_in_negotiation", "2023-06", 10),
        m(HOME, "listed_signed", "2023-06", 3),
        m(unit("商务局"), "listed_in_negotiation", "2023-06", 1),
        m(team("squad-01"), "agreements_in_review", "2023-06", 1),
    )
    a = assess(days100, "2023-06", facts)
    home = a.result(HOME)
    assert home.component("m06-listed-negotiation").facts["met"] is True  # 10 of 10
    assert home.component("m06-listed-signed").facts["met"] is False  # 3 of ≥4
    assert home.component("m07-listed-signed") is None  # July is not assessed in June
    assert a.result(unit("商务局")).component("m06-unit-listed-negotiation").facts["met"] is True
    assert a.result(team("squad-01")).component("m06-squad-agreement-review").facts["met"] is True
    assert a.result(team("squad-02")).component("m06-squad-agreement-review").facts["met"] is False


@pytest.mark.parametrize("invited, met", [(5, True), (4, False)])
def test_june_promotion_event_quota(days100, invited, met):
    facts = _facts(m(unit("商务局"), "event_merchants_invited", "2023-06", invited))
    for span in ("2023-06", "2023-100days"):
        c = assess(days100, span, facts).result(unit("商务局")).component("event-merchants")
        assert (c.points, c.max, c.facts["met"]) == (invited, 5, met)
    assert assess(days100, "2023-07", facts).result(unit("商务局")).component("event-merchants") is None


def test_event_signing_bonus_and_quotas(days100):
    facts = _facts(
        m(unit("商务局"), "event_signed_projects", "2023-06", 2),
        m(unit("商务局"), "enterprise_visits", "2023-06", 10, head_led=True),
        m(unit("商务局"), "enterprise_visits", "2023-07", 12),  # not led by the head
        m(unit("商务局"), "weekly_meetings", "2023-W23", 1),
        m(unit("商务局"), "weekly_meetings", "2023-W24", 1),
    )
    a = assess(days100, "2023-100days", facts)
    r = a.result(unit("商务局"))
    assert r.component("event-signing-bonus").points == 2
    visits = r.component("unit-head-visits")
    assert (visits.points, visits.max, visits.facts["missed"]) == (1, 3, ["2023-07", "2023-08"])
    june = assess(days100, "2023-06", facts).result(unit("商务局")).component("weekly-meeting")
    assert (june.points, june.max, june.facts["missed"]) == (2, 3, ["2023-W25"])


def test_campaign_end_flags(days100):
    facts = _facts(m(unit("商务局"), "projects_landed", "2023-08", 1))
    a = assess(days100, "2023-100days", facts)
    assert "商务局" not in flagged(a, "supervision") and "工信局" in flagged(a, "supervision")
    assert flagged(a, "commendation", "front-runner-reward") == {"商务局"}


def test_scorecard_weights_sum_to_base(days100):
    sc = days100.rule("monthly-score")
    assert sum((d.max_points for d in sc.dimensions), Decimal(0)) == sc.base == 100
    assert all(d.max_points == 20 for d in sc.dimensions)
    assert sum(days100.rule("campaign-score").weights.values()) == 1


def test_campaign_is_made_of_the_published_months(days100):
    """附件§一 6月…占“百日攻坚”比重为60%，7、8月各占20%; 附件§二(三) the leading group approves each
    month's scores: the campaign is the weighted sum of the months as published, not of the
    months recomputed from today's data."""
    from zhaoshang.engine.facts import PublishedScore

    published = (
        # June as published: 商务局 80 (today's data would give 72.5), 工信局 30; July: 商务局 50.
        PublishedScore("monthly-score", "2023-06", unit("商务局"), D(80)),
        PublishedScore("monthly-score", "2023-06", unit("工信局"), D(30)),
        PublishedScore("monthly-score", "2023-07", unit("商务局"), D(50)),
    )
    facts = Facts(metrics=_facts().metrics, published=published)
    a = assess(days100, "2023-100days", facts)
    r = a.result(unit("商务局"))
    c = r.component("campaign-score")
    # 0.6 × 80 + 0.2 × 50 + 0.2 × 0 (August not published: computed, 0 from today's data) = 58
    assert c.points == D("0.6") * 80 + D("0.2") * 50 == 58
    assert (c.facts["published"], c.facts["unpublished"]) == (["2023-06", "2023-07"], ["2023-08"])
    assert r.score == 58 and r.rank == 1
    # 工信局: June as published (30), July published without it (0): 0.6 × 30 = 18
    assert a.result(unit("工信局")).component("campaign-score").points == 18
    assert a.result(unit("工信局")).component("rank-campaign").facts["rank"] == 2


@pytest.mark.parametrize("added, met", [(5, True), (4, False), (6, True)])
def test_july_milestone_counts_what_was_added_in_july(days100, added, met):
    """§二 7月增加5家上市公司进入实质性谈判: 5 listed companies added in July (no word: reached at
    5), whatever the stock — 15 in substantive negotiation at the end of July meets nothing."""
    facts = Facts(
        metrics=(
            m(HOME, "listed_entered_negotiation", "2023-07", added),
            m(HOME, "listed_in_negotiation", "2023-07", 15),
        )
    )
    c = assess(days100, "2023-07", facts).result(HOME).component("m07-listed-negotiation")
    assert (c.points, c.max, c.facts["met"], c.facts["metric"]) == (
        added,
        5,
        met,
        "listed_entered_negotiation",
    )


@pytest.mark.parametrize("added, met", [(3, True), (2, False)])
def test_august_milestone_counts_what_was_added_again(days100, added, met):
    """§二 8月再增加3家: three more in August, not the campaign's stock."""
    facts = Facts(
        metrics=(
            m(HOME, "listed_entered_negotiation", "2023-07", 5),  # July's do not count for August
            m(HOME, "listed_entered_negotiation", "2023-08", added),
        )
    )
    c = assess(days100, "2023-08", facts).result(HOME).component("m08-listed-negotiation")
    assert (c.points, c.facts["met"]) == (added, met)
