"""`assess(policy, period, facts)`: a policy's rules evaluated over one span of time.

```python
from zhaoshang.engine import assess, load_policy, find_policy
from zhaoshang.engine.facts import Facts, MetricFact, unit
result = assess(load_policy(find_policy("xinfeng-2024")), "2024", Facts(metrics=(...)))
result.to_json()  # {"policy", "period", "results", "lists", "flags", "amounts"}
```

Each rule type has one evaluator (evaluators.py); this module only orders them, settles the
amounts that do not add up (就高不就低), names each holder once on the honour lists (a
front-runner is not also on the catch-up list), and gives each holder its headline score and rank: the
first ranking of the policy that ranked it over this span, else its campaign or monthly score.
"""

from __future__ import annotations

from .context import ZERO, Context
from .evaluators import EVALUATORS, PHASE, resolve_exclusive, settle_lists
from .facts import Facts
from .periods import PeriodParseError, Span, parse_period
from .results import Assessment
from .schema import Policy, Ranking, Scorecard, WeightedPeriods


def assess(policy: Policy, period: str | Span, facts: Facts | None = None) -> Assessment:
    span = period if isinstance(period, Span) else parse_period(period, policy)
    if not any(span.overlaps(Span(p.start, p.end)) for p in policy.periods):
        raise PeriodParseError(f"时期“{span}”不在政策“{policy.name}”的时期之内")
    ctx = Context(policy, span, facts or Facts())
    for phase in sorted({0, *PHASE.values()}):
        for rule in policy.rules:
            if PHASE.get(rule.type, 0) == phase:
                EVALUATORS[rule.type](ctx, rule)
        if phase == 0:
            resolve_exclusive(ctx)
    settle_lists(ctx)
    _headline(ctx)
    return ctx.out


def _headline(ctx: Context) -> None:
    kinds = {r.id: r for r in ctx.policy.rules}
    for res in ctx.out.results:
        ranked = next((c for c in res.components if isinstance(kinds.get(c.rule), Ranking)), None)
        if ranked is not None:
            res.score, res.rank = ranked.points, ranked.facts.get("rank")
            continue
        weighted = next((c for c in res.components if isinstance(kinds.get(c.rule), WeightedPeriods)), None)
        if weighted is not None:
            res.score = weighted.points
            continue
        monthly = [c for c in res.components if isinstance(kinds.get(c.rule), Scorecard)]
        if monthly:
            deductions = [c for c in res.components if getattr(kinds.get(c.rule), "type", "") in ("deduction", "bonus")
                          and "month" in c.facts]  # fmt: skip
            res.score = sum((c.points for c in monthly + deductions if c.points is not None), ZERO)
