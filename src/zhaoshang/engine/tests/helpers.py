"""Small builders for hand-made facts."""

from __future__ import annotations

from decimal import Decimal

from zhaoshang.engine import find_policy, load_policy
from zhaoshang.engine.facts import Holder, MetricFact

_POLICIES: dict = {}


def policy(name: str):
    if name not in _POLICIES:
        _POLICIES[name] = load_policy(find_policy(name))
    return _POLICIES[name]


def D(x) -> Decimal:
    return Decimal(str(x))


def m(holder: Holder, metric: str, period: str, value, head_led: bool = False) -> MetricFact:
    return MetricFact(holder, metric, period, D(value), head_led)


def points(result, rule: str):
    c = result.component(rule)
    return None if c is None else c.points


def flagged(assessment, kind: str, rule: str | None = None) -> set[str]:
    return {f.holder.key for f in assessment.flags_of(kind, rule)}


def amounts(assessment, kind: str | None = None) -> dict[tuple[str, str | None], Decimal]:
    out: dict = {}
    for a in assessment.amounts_of(kind):
        out[(a.holder.key, a.project)] = out.get((a.holder.key, a.project), Decimal(0)) + a.amount_wan
    return out
