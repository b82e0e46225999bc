"""Property tests: more of everything never scores lower; weights sum as the documents say."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhaoshang.engine import assess, list_policies, load_policy
from zhaoshang.engine.context import Context, rank
from zhaoshang.engine.facts import Facts, ProjectFact, team, unit
from zhaoshang.engine.periods import parse_period
from zhaoshang.engine.schema import CompletionRateSubsidy, Scorecard, TransferSplit, WeightedPeriods

from .helpers import D, m, policy

FAST = settings(max_examples=40, deadline=None)
DAYS = policy("xinfeng-2023-100days")
XINFENG = policy("xinfeng-2024")
SCORECARD = DAYS.rule("monthly-score")
SC_METRICS = sorted({it.metric for d in SCORECARD.dimensions for it in d.items})
counts = st.fixed_dictionaries({k: st.integers(0, 6) for k in SC_METRICS})


def month_score(values: dict[str, int]) -> Decimal:
    facts = Facts(metrics=tuple(m(unit("商务局"), k, "2023-06", v) for k, v in values.items()))
    ctx = Context(DAYS, parse_period("2023-06"), facts)
    return ctx.month_score(SCORECARD, unit("商务局"), parse_period("2023-06"))[0]


@FAST
@given(counts, st.sampled_from(SC_METRICS), st.integers(1, 5))
def test_more_of_anything_never_lowers_the_monthly_score(values, metric, extra):
    before = month_score(values)
    after = month_score({**values, metric: values[metric] + extra})
    assert after >= before
    assert 0 <= before <= SCORECARD.base


@FAST
@given(
    st.lists(st.integers(0, 100), min_size=3, max_size=3),
    st.lists(st.integers(0, 20), min_size=3, max_size=3),
)
def test_campaign_score_is_monotone_and_bounded(base, extra):
    rule = DAYS.rule("campaign-score")
    months = list(rule.weights)

    def campaign(trips):
        facts = Facts(
            metrics=tuple(
                m(unit("商务局"), "signings_substantive", mo, n % 3)
                for mo, n in zip(months, base, strict=True)
            )
            + tuple(
                m(unit("商务局"), "head_outbound_trips", mo, n % 4)
                for mo, n in zip(months, trips, strict=True)
            )
        )
        ctx = Context(DAYS, parse_period("2023-100days", DAYS), facts)
        return ctx.score_of("campaign-score", ctx.span, [unit("商务局")])[unit("商务局")]

    lo = campaign(base)
    hi = campaign([b + e for b, e in zip(base, extra, strict=True)])
    assert 0 <= lo <= 100
    # more trips within the required two never lowers: compare capped counts
    if all((b % 4) <= ((b + e) % 4) for b, e in zip(base, extra, strict=True)):
        assert hi >= lo


@FAST
@given(st.integers(0, 60000), st.integers(0, 60000), st.integers(1, 200000), st.integers(0, 200000))
def test_project_subsidy_never_falls_with_more_investment(done, more, base, more_base):
    def subsidy(corps_done, project_base):
        facts = Facts(
            metrics=(m(team("corps-01"), "actual_investment", "2024-06", corps_done),),
            projects=(ProjectFact("p", "p", team("corps-01"), investment_wan={"2024-06": D(project_base)}),),
        )
        ctx = Context(XINFENG, parse_period("2024"), facts)
        from zhaoshang.engine.evaluators import completion_rate_subsidy

        completion_rate_subsidy(ctx, XINFENG.rule("project-subsidy"))
        return sum((a.amount_wan for a in ctx.out.amounts), Decimal(0))

    a, b = subsidy(done, base), subsidy(done + more, base + more_base)
    assert a <= b <= 200


@FAST
@given(st.dictionaries(st.sampled_from("abcdefghij"), st.integers(0, 5), min_size=1))
def test_ranking_invariants(raw):
    """Competition ranking from both ends (context.rank): rank − 1 holders are strictly better,
    bottom − 1 strictly worse, and the rest tie with the holder."""
    scores = {unit(k): D(v) for k, v in raw.items()}
    r = rank(scores, "p")
    n = len(scores)
    assert min(x.rank for x in r.values()) == 1 and min(x.bottom for x in r.values()) == 1
    for h, x in r.items():
        better = sum(1 for s in scores.values() if s > scores[h])
        worse = sum(1 for s in scores.values() if s < scores[h])
        tied = sum(1 for s in scores.values() if s == scores[h])
        assert x.rank == 1 + better and x.bottom == 1 + worse
        assert x.rank + x.bottom + tied == n + 2 and x.of == n
    # raising one holder's score never lowers its rank number's quality
    h = next(iter(scores))
    up = rank({**scores, h: scores[h] + 1}, "p")
    assert up[h].rank <= r[h].rank and up[h].bottom >= r[h].bottom


@FAST
@given(st.dictionaries(st.sampled_from("abcdefghij"), st.integers(0, 3), min_size=1), st.integers(1, 4))
def test_tied_scores_share_both_places_and_every_list(raw, n):
    """Tied scores ⇒ equal rank and equal bottom, so a top-N or bottom-N cut never splits a tie;
    and a bottom-N cut holds at least min(N, count) holders."""
    scores = {unit(k): D(v) for k, v in raw.items()}
    r = rank(scores, "p")
    for a in scores:
        for b in scores:
            if scores[a] == scores[b]:
                assert (r[a].rank, r[a].bottom) == (r[b].rank, r[b].bottom)
                assert r[a].in_bottom(n) == r[b].in_bottom(n) and r[a].in_top(n) == r[b].in_top(n)
    assert sum(1 for x in r.values() if x.in_bottom(n)) >= min(n, len(scores))
    assert sum(1 for x in r.values() if x.in_top(n)) >= min(n, len(scores))
    worst = min(scores.values())
    assert {h for h, x in r.items() if x.bottom == 1} == {h for h, s in scores.items() if s == worst}


RANKED = ["商务局", "县委办", "工信局", "政府办", "大塘埠镇"]
MONTHLY = DAYS.rule("rank-monthly")


def _monthly_ranks(values: dict[str, dict[str, int]]):
    facts = Facts(
        metrics=tuple(m(unit(u), k, "2023-06", v) for u, row in values.items() for k, v in row.items())
    )
    ctx = Context(DAYS, parse_period("2023-06"), facts)
    return ctx.ranking(MONTHLY.id)


@FAST
@given(
    st.fixed_dictionaries({u: counts for u in RANKED}),
    st.sampled_from(RANKED),
    st.fixed_dictionaries({k: st.integers(0, 3) for k in SC_METRICS}),
)
def test_more_of_every_fact_never_ranks_a_unit_lower(values, who, extra):
    """The 100-days monthly ranking: more of every fact for one unit, the others unchanged, never
    gives it a worse place from the top nor a worse (smaller) place from the bottom."""
    before = _monthly_ranks(values)[unit(who)]
    more = {**values, who: {k: v + extra[k] for k, v in values[who].items()}}
    after = _monthly_ranks(more)[unit(who)]
    assert after.score >= before.score
    assert after.rank <= before.rank and after.bottom >= before.bottom


@FAST
@given(
    st.dictionaries(
        st.sampled_from(["商务局", "县委办", "大塘埠镇", "工信局", "政府办"]),
        st.integers(0, 40000),
        min_size=1,
    )
)
def test_more_investment_never_worsens_a_units_rank(raw):
    facts = Facts(metrics=tuple(m(unit(k), "actual_investment", "2024-06", v) for k, v in raw.items()))
    a = assess(XINFENG, "2024", facts)
    k = next(iter(raw))
    b = assess(
        XINFENG, "2024", Facts(metrics=facts.metrics + (m(unit(k), "actual_investment", "2024-07", 1000),))
    )
    assert b.result(unit(k)).rank <= a.result(unit(k)).rank
    assert b.result(unit(k)).score >= a.result(unit(k)).score


@pytest.mark.parametrize("path", list_policies(), ids=lambda p: p.stem)
def test_weights_and_shares_sum_as_the_documents_say(path):
    p = load_policy(path)
    for r in p.rules:
        if isinstance(r, WeightedPeriods):
            assert sum(r.weights.values()) == 1
        if isinstance(r, Scorecard):
            assert sum((d.max_points for d in r.dimensions), Decimal(0)) == r.base
        if isinstance(r, TransferSplit):
            assert r.introducing_share + r.hosting_share == 1
        if isinstance(r, CompletionRateSubsidy):
            ordered = sorted(r.brackets, key=lambda b: b.min_completion)
            assert [b.rate for b in ordered] == sorted(
                b.rate for b in ordered
            )  # better completion, higher rate


def test_document_weights():
    assert DAYS.rule("campaign-score").weights == {
        "2023-06": D("0.6"),
        "2023-07": D("0.2"),
        "2023-08": D("0.2"),
    }
    assert [d.max_points for d in SCORECARD.dimensions] == [20] * 5
    sm = policy("sanming-2021").rule("m11-transfer-split")
    assert (sm.introducing_share, sm.hosting_share) == (D("0.3"), D("0.7"))


@FAST
@given(st.lists(st.decimals(min_value=0, max_value=1, places=2), min_size=1, max_size=4))
def test_schema_accepts_weights_only_when_they_sum_to_one(ws):
    from pydantic import ValidationError

    from zhaoshang.engine.schema import WeightedPeriods as W

    data = {"id": "w", "type": "weighted_periods", "title": "t", "clause": "c", "scorecard": "s",
            "weights": {f"p{i}": w for i, w in enumerate(ws)}}  # fmt: skip
    if sum(ws) == 1:
        assert W.model_validate(data)
    else:
        with pytest.raises(ValidationError):
            W.model_validate(data)
