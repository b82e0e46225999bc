"""xinfeng-2023-100days (001) read as the document means it, on small hand-built ledgers:
实质性签约 is a completed formal signing counted in its month; which kinds a bare 签约 counts is
the policy's `signing_kinds` setting; 7月增加 / 8月再增加 count what was added in the month; the
campaign is made of the monthly results the office published."""

from datetime import date
from decimal import Decimal

import pytest

from zhaoshang.assessment import services
from zhaoshang.assessment.facts import gather
from zhaoshang.engine import find_policy, load_policy
from zhaoshang.engine.periods import parse_period
from zhaoshang.ledger.models import Enterprise, Project, StageChange
from zhaoshang.org.models import Policy, Unit
from zhaoshang.org.services import policy_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def days100():
    policy_load(spec=load_policy(find_policy("xinfeng-2023-100days")))
    return Policy.objects.get(name="xinfeng-2023-100days")


@pytest.fixture
def testland():
    return Policy.objects.get(name="testland-2024")


def _project(unit, **fields):
    n = Enterprise.objects.count()
    enterprise = Enterprise.objects.create(jurisdiction=unit.jurisdiction, name=f"读法企业{n}", unit=unit)
    values = {
        "jurisdiction": unit.jurisdiction, "name": f"读法项目{n}", "enterprise": enterprise, "unit": unit,
        "total_investment": Decimal(1000), "registered_on": date(2023, 1, 5),
    }  # fmt: skip
    return Project.objects.create(**(values | fields))


def _history(project, *steps):
    previous = ""
    for stage, on in steps:
        StageChange.objects.create(project=project, from_stage=previous, to_stage=stage, on=on)
        previous = stage


def _value(facts, holder, metric, period):
    return sum(
        (
            m.value
            for m in facts.metrics
            if m.holder.key == holder and m.metric == metric and m.period == period
        ),
        Decimal(0),
    )


def _gather(policy, period):
    span = parse_period(period, policy.spec())
    return gather(policy, span, span.end)[0]


def _deltas(policy, periods, holder, metrics, build):
    """Each metric's change for the holder in each period, before and after `build()`."""
    before = {p: _gather(policy, p) for p in periods}
    build()
    after = {p: _gather(policy, p) for p in periods}
    return {
        (p, m): _value(after[p], holder, m, p) - _value(before[p], holder, m, p)
        for p in periods
        for m in metrics
    }


# --- 实质性签约 (附件§一(一)) ----------------------------------------------------------------------


def test_substantive_signing_is_a_completed_formal_signing_in_its_month(testland):
    """附件§一(一) 实质性签约（即按程序完成送签、过会）: the signing done, counted in the month it
    happens. A project still in 实质性谈判 (negotiating) is not one; nor an intent or a contract
    only sent for signature. A signing recorded without a kind is the ledger's plain (formal) one."""
    unit = Unit.objects.get(jurisdiction=testland.jurisdiction, name="市财政局")

    def build():
        _project(unit, stage="signed", signed_on=date(2024, 5, 3), signing_kind="formal")  # May
        _project(unit, stage="signed", signed_on=date(2024, 5, 31), signing_kind="")  # May, no kind given
        _project(unit, stage="signed", signed_on=date(2024, 6, 1), signing_kind="formal")  # June
        _project(unit, stage="signed", signed_on=date(2024, 5, 10), signing_kind="intent")
        _project(unit, stage="signed", signed_on=date(2024, 5, 12), signing_kind="contract_review")
        negotiating = _project(unit, stage="substantive", attributes=["listed_company"])
        _history(negotiating, ("negotiating", date(2024, 3, 1)), ("substantive", date(2024, 5, 2)))

    d = _deltas(testland, ("2024-05", "2024-06"), "市财政局",
                ("signings_substantive", "signings_intent", "signings_contract_sent"), build)  # fmt: skip
    assert d[("2024-05", "signings_substantive")] == 2  # the formal one and the one without a kind
    assert d[("2024-06", "signings_substantive")] == 1  # 1 June is June's, not May's
    assert (d[("2024-05", "signings_intent")], d[("2024-05", "signings_contract_sent")]) == (1, 1)


# --- signing_kinds: what a bare 签约 counts -----------------------------------------------------


def test_a_bare_signing_counts_formal_signings_by_default(days100, testland):
    """100-days default `signing_kinds: [formal]`: an intent (意向性签约) or a contract sent for
    signature (合同文本送签) is not yet 签约 — the unit has “没有项目签约” — though each earns its
    own points; 签约项目（或正在送签项目） (附件§一(二)) counts the contract sent too. A policy without
    the setting (testland) counts every signing."""
    assert days100.spec().signing_kinds == ["formal"] and testland.spec().signing_kinds is None
    unit = Unit.objects.get(jurisdiction=days100.jurisdiction, name="商务局")
    listed = {"attributes": ["listed_company"], "stage": "signed"}

    def build():
        _project(unit, signed_on=date(2023, 6, 5), signing_kind="intent", **listed)
        _project(unit, signed_on=date(2023, 6, 6), signing_kind="contract_review", **listed)

    metrics = ("projects_signed", "listed_signed", "signed_listed_projects", "signings_intent",
               "signings_contract_sent", "signings_substantive")  # fmt: skip
    d = _deltas(days100, ("2023-06",), "商务局", metrics, build)
    assert {m: d[("2023-06", m)] for m in metrics} == {
        "projects_signed": 0,  # 没有项目签约: still catching up
        "listed_signed": 0,  # 6月签约4家以上上市公司: neither counts
        "signed_listed_projects": 1,  # 签约项目（或正在送签项目）: the contract sent
        "signings_intent": 1,
        "signings_contract_sent": 1,
        "signings_substantive": 0,
    }
    d = _deltas(days100, ("2023-06",), "商务局", ("projects_signed", "listed_signed", "signings_substantive"),
                lambda: _project(unit, signed_on=date(2023, 6, 30), signing_kind="formal", **listed))  # fmt: skip
    assert set(d.values()) == {1}  # the formal signing is 签约 and 实质性签约 alike

    tl_unit = Unit.objects.get(jurisdiction=testland.jurisdiction, name="市财政局")
    d = _deltas(testland, ("2024-05",), "市财政局", ("projects_signed",), lambda: [
        _project(tl_unit, stage="signed", signed_on=date(2024, 5, 3), signing_kind=k)
        for k in ("intent", "contract_review", "formal", "")
    ])  # fmt: skip
    assert d[("2024-05", "projects_signed")] == 4  # without the setting: every signing


# --- 7月增加 / 8月再增加 (§二) -------------------------------------------------------------------


def test_added_in_the_month_not_the_stock(days100):
    """§二 7月增加5家上市公司进入实质性谈判; 8月再增加3家: those that entered 实质性谈判 (or went
    beyond it) in the month, once each, whatever the stock at the month's end."""
    unit = Unit.objects.get(jurisdiction=days100.jurisdiction, name="商务局")
    listed = {"attributes": ["listed_company"]}

    def build():
        a = _project(unit, stage="substantive", **listed)  # entered in July
        _history(a, ("negotiating", date(2023, 5, 2)), ("substantive", date(2023, 7, 10)))
        b = _project(unit, stage="signed", signed_on=date(2023, 8, 2), **listed)  # straight to signing
        _history(b, ("negotiating", date(2023, 5, 2)), ("signed", date(2023, 8, 2)))
        c = _project(unit, stage="signed", signed_on=date(2023, 7, 20), **listed)  # June's, not July's
        _history(c, ("negotiating", date(2023, 5, 2)), ("substantive", date(2023, 6, 30)),
                 ("signed", date(2023, 7, 20)))  # fmt: skip
        e = _project(unit, stage="substantive", **listed)  # back and in again: June only
        _history(e, ("substantive", date(2023, 6, 1)), ("negotiating", date(2023, 7, 1)),
                 ("substantive", date(2023, 8, 1)))  # fmt: skip
        f = _project(unit, stage="substantive")  # not a listed company
        _history(f, ("substantive", date(2023, 7, 3)))
        _project(unit, stage="substantive", **listed)  # no history: cannot be dated

    months = ("2023-06", "2023-07", "2023-08")
    d = _deltas(days100, months, "商务局", ("listed_entered_negotiation",), build)
    assert [d[(mo, "listed_entered_negotiation")] for mo in months] == [2, 1, 1]  # c, e; a; b
    d = _deltas(days100, months, "360722", ("listed_entered_negotiation",), lambda: None)
    assert set(d.values()) == {0}
    july = services.compute(days100, "2023-07")[0]
    home = next(r for r in july["results"] if r["holder"] == "360722")
    c = next(c for c in home["components"] if c["rule"] == "m07-listed-negotiation")
    assert c["facts"]["metric"] == "listed_entered_negotiation" and c["max"] == "5"


# --- the campaign is the months as published (附件§一, 附件§二(三)) ------------------------------------


def _holder(result, key):
    return next(r for r in result["results"] if r["holder"] == key)


def _component(result, key, rule):
    return next(c for c in _holder(result, key)["components"] if c["rule"] == rule)


def test_june_counts_listed_companies_in_substantive_negotiation_not_those_still_talking(days100):
    """001 §二 6月 落实10家上市公司进入实质性谈判: on 30 June, a listed company 在谈 is not there yet;
    one in 实质性谈判 is; one that went on to sign in June entered it on the way; one that
    entered it and then broke off is not."""
    unit = Unit.objects.get(jurisdiction=days100.jurisdiction, name="商务局")

    def build():
        _project(unit, stage="negotiating", attributes=["listed_company"])  # 在谈: 0
        _project(unit, stage="substantive", attributes=["listed_company"])  # 1
        signed = _project(unit, stage="signed", signed_on=date(2023, 6, 20), attributes=["listed_company"])
        _history(signed, ("negotiating", date(2023, 5, 2)), ("substantive", date(2023, 6, 1)),
                 ("signed", date(2023, 6, 20)))  # fmt: skip  # 1
        dropped = _project(unit, stage="terminated", attributes=["listed_company"])
        _history(dropped, ("substantive", date(2023, 6, 2)), ("terminated", date(2023, 6, 28)))  # 0
        _project(unit, stage="substantive")  # not listed: 0

    got = _deltas(days100, ["2023-06"], "商务局", ["listed_in_negotiation"], build)
    assert got == {("2023-06", "listed_in_negotiation"): 2}  # 0 + 1 + 1 + 0 + 0


def test_the_first_signing_of_the_month_is_among_the_signings_the_policy_counts(days100):
    """001 附件§一(一) 签约的先后顺序（率先签约）: with the policy's `signing_kinds` (formal), an
    intent signing on 3 July does not make the formal signing on 5 July second; the formal one is
    the month's first. Two formal signings on 5 July share it."""
    unit = Unit.objects.get(jurisdiction=days100.jurisdiction, name="商务局")
    other = Unit.objects.get(jurisdiction=days100.jurisdiction, name="工信局")

    def build():
        _project(other, stage="signed", signed_on=date(2023, 7, 3), signing_kind="intent")
        _project(unit, stage="signed", signed_on=date(2023, 7, 5), signing_kind="formal")
        _project(unit, stage="signed", signed_on=date(2023, 7, 5))  # no kind: formal
        _project(other, stage="signed", signed_on=date(2023, 7, 9), signing_kind="formal")

    got = _deltas(days100, ["2023-07"], "商务局", ["first_signings"], build)
    assert got == {("2023-07", "first_signings"): 2}  # both on 5 July, the first formal date
    assert (
        _value(_gather(days100, "2023-07"), "工信局", "first_signings", "2023-07") == 0
    )  # 3 July was an intent


def test_campaign_is_made_of_the_months_the_office_published(days100):
    """附件§一 6月…占“百日攻坚”比重为60%，7、8月各占20%, of each month's score as the leading group
    approved and the office published it (附件§二(三)); a signing entered after June was published
    changes nothing in June's share. A month not yet published is computed, and the run says so."""
    june = services.run(days100, "2023-06", as_of=date(2023, 6, 30))
    services.publish(june)
    june_score = sum(
        Decimal(c["points"])
        for c in _holder(june.result, "商务局")["components"]
        if c["rule"] in ("monthly-score", "head-trip-deduction")
    )
    # Entered afterwards: a formal signing of 商务局 dated in June (10 more points of 签约速度 if
    # June were recomputed, up to its 20).
    unit = Unit.objects.get(jurisdiction=days100.jurisdiction, name="商务局")
    _project(unit, stage="signed", signed_on=date(2023, 6, 20), signing_kind="formal")
    recomputed = services.compute(days100, "2023-06", date(2023, 6, 30))[0]
    campaign, _fc, notes, _as_of = services.compute(days100, "2023-100days", date(2023, 8, 31))
    c = _component(campaign, "商务局", "campaign-score")
    assert Decimal(c["facts"]["periods"]["2023-06"]["score"]) == june_score
    assert (c["facts"]["published"], c["facts"]["unpublished"]) == (["2023-06"], ["2023-07", "2023-08"])
    july_aug = sum(Decimal(c["facts"]["periods"][k]["weighted"]) for k in ("2023-07", "2023-08"))
    assert Decimal(c["points"]) == Decimal("0.6") * june_score + july_aug
    assert any("2023-07、2023-08" in n for n in notes)

    def speed(result):
        return next(
            Decimal(x["points"])
            for x in _holder(result, "商务局")["components"]
            if x["rule"] == "monthly-score" and x["facts"]["dimension"] == "signing_speed"
        )

    # Recomputed, June would have changed: 10 for the 实质性签约, 2 more when it is the county's
    # first signing of June (率先签约), up to the dimension's 20.
    assert speed(recomputed) in {min(speed(june.result) + n, Decimal(20)) for n in (10, 12)}
    assert speed(recomputed) > speed(june.result) or speed(june.result) == 20
