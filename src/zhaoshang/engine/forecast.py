"""Forecast (issue 5, point 4): from the pace so far, each holder's projected completion at the
end of its target's period, and a warning, months ahead, for every holder heading into a flag.

The pace is linear: what a holder has done from the start of the target's period to the end of
the month of `as_of`, scaled to the whole period by months (done × months in period ÷ months
elapsed). A linear projection scales every holder by the same factor, so rankings on projected
completion are the rankings on completion so far; the bottom three today are the projected
bottom three (ties shared from both ends, as in `context.rank`).

A flag is projected from its conditions at its next due date (year end, half-year, quarter,
campaign end) after `as_of`:
- completion below / at least: the projected completion;
- a value that must stay at zero (未破零): the value so far is still zero;
- at least / below a value: the projected value;
- a rank: the ranking so far;
- an office decision: not projected (no warning).
A flag that needs several periods running warns only when the earlier periods met it.
Positive consequences (commendation, award) are projected too, as `kind` says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .context import ZERO, Context
from .evaluators import _label, _met_before, _place_text, pct
from .facts import Facts, Holder
from .periods import Span, elapsed_fraction, half_span, main_span, month_span, quarter_span, year_span
from .results import dec, jsonable
from .schema import Condition, Flag, Policy, TargetCompletion


@dataclass(frozen=True)
class Projection:
    rule: str
    clause: str
    holder: Holder
    metric: str
    actual: Decimal
    target: Decimal
    completion: Decimal
    projected: Decimal | None
    projected_completion: Decimal | None
    months_elapsed: int
    months_total: int
    period: Span

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "clause": self.clause,
            "holder": self.holder.key,
            "holder_kind": self.holder.kind,
            "metric": self.metric,
            "period": str(self.period),
            "actual": dec(self.actual),
            "target": dec(self.target),
            "completion": dec(self.completion),
            "projected": None if self.projected is None else dec(self.projected),
            "projected_completion": None
            if self.projected_completion is None
            else dec(self.projected_completion),
            "months_elapsed": self.months_elapsed,
            "months_total": self.months_total,
        }


@dataclass(frozen=True)
class Warning:
    kind: str
    holder: Holder
    rule: str
    clause: str
    due: date
    months_ahead: int
    reason: str

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "holder": self.holder.key,
            "holder_kind": self.holder.kind,
            "rule": self.rule,
            "clause": self.clause,
            "due": self.due.isoformat(),
            "months_ahead": self.months_ahead,
            "reason": self.reason,
        }


@dataclass
class Forecast:
    policy: str
    as_of: date
    projections: list[Projection] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)

    def projection(self, holder: str, rule: str | None = None) -> Projection | None:
        return next(
            (p for p in self.projections if p.holder.key == holder and (rule is None or p.rule == rule)), None
        )

    def warnings_for(self, holder: str) -> list[Warning]:
        return [w for w in self.warnings if w.holder.key == holder]

    def to_json(self) -> dict:
        return jsonable(
            {
                "policy": self.policy,
                "as_of": self.as_of,
                "projections": [p.to_json() for p in self.projections],
                "warnings": [w.to_json() for w in self.warnings],
            }
        )


def _due_span(policy: Policy, at: str, as_of: date) -> Span | None:
    y, m = as_of.year, as_of.month
    if at == "year_end":
        return year_span(y)
    if at == "half_year":
        return half_span(y, 1 if m <= 6 else 2)
    if at == "quarter":
        return quarter_span(y, (m + 2) // 3)
    if at == "period_end":
        return main_span(policy)
    return None  # monthly flags: due at this month's end, nothing to warn ahead of


def forecast(policy: Policy, facts: Facts, as_of: date | None = None) -> Forecast:
    as_of = as_of or facts.as_of
    if as_of is None:
        raise ValueError("forecast 需要 as_of（数据截至日期）")
    now = month_span(as_of.year, as_of.month)
    ctx = Context(policy, now, facts)
    out = Forecast(policy.name, as_of)
    projected: dict[tuple[Holder, str], Projection] = {}
    for rule in policy.rules:
        if not isinstance(rule, TargetCompletion):
            continue
        for h in ctx.holders(rule.group):
            metrics = (
                [rule.metric] if rule.metric else list(dict.fromkeys(t.metric for t in ctx.targets_of(h)))
            )
            for metric in metrics:
                c = ctx.completion(h, metric, now, rule.group)
                if c is None:
                    continue
                done, total = elapsed_fraction(c.target.span, as_of)
                proj = c.actual * total / done if done else None
                p = Projection(
                    rule.id, c.target.clause or rule.clause, h, metric, c.actual, c.target.value, c.ratio,
                    proj, None if proj is None else proj / c.target.value, done, total, c.target.span,
                )  # fmt: skip
                out.projections.append(p)
                projected.setdefault((h, metric), p)
    for rule in policy.rules:
        if isinstance(rule, Flag):
            _warn(ctx, rule, as_of, projected, out)
    return out


def _warn(ctx: Context, rule: Flag, as_of: date, projected, out: Forecast) -> None:
    due_span = _due_span(ctx.policy, rule.at, as_of)
    if due_span is None or due_span.end < as_of:
        return
    so_far = Span(due_span.start, min(due_span.end, month_span(as_of.year, as_of.month).end))
    done, total = elapsed_fraction(due_span, as_of)
    if done >= total:
        return  # due now: the assessment itself says it
    months_ahead = (due_span.end.year - as_of.year) * 12 + due_span.end.month - as_of.month
    for h in ctx.holders(rule.group):
        texts = []
        ok = True
        for c in rule.conditions:
            met, text = _projected(ctx, c, h, so_far, done, total, projected)
            if not met:
                ok = False
                break
            texts.append(text)
        if not ok:
            continue
        if rule.consecutive > 1:
            if not all(_met_before(ctx, rule, h, due_span.previous(k)) for k in range(1, rule.consecutive)):
                continue
            texts.append(f"已连续{rule.consecutive - 1}期符合条件")
        out.warnings.append(
            Warning(
                rule.kind,
                h,
                rule.id,
                rule.clause,
                due_span.end,
                months_ahead,
                f"按目前进度，{'；'.join(texts)}：{due_span.end.isoformat()}将{rule.consequence}",
            )  # fmt: skip
        )


def _projected(ctx: Context, c: Condition, h: Holder, so_far: Span, done: int, total: int, projected):
    if c.office_named is not None:
        return False, ""
    if c.ranking is not None:
        r = ctx.ranking(c.ranking, so_far).get(h)
        if r is None:
            return False, ""
        if c.rank_bottom is not None:
            return r.in_bottom(c.rank_bottom), f"目前{_place_text(r, bottom=True)}"
        return r.in_top(c.rank_top), f"目前{_place_text(r, bottom=False)}"
    label = _label(ctx, c.metric)
    bound = c.bound()
    if c.completion_below is not None or c.completion_at_least is not None:
        p = projected.get((h, c.metric))
        if p is None:
            comp = ctx.completion(h, c.metric, so_far)
            if comp is None:
                return False, ""
            d, t = elapsed_fraction(comp.target.span, ctx.span.end)
            ratio = comp.ratio * t / d if d else None
        else:
            ratio = p.projected_completion
        if ratio is None:
            return False, ""
        assert bound is not None
        text = f"{label}预计全期完成率{pct(ratio)}"
        return bound.holds(ratio), f"{text}，{bound.text(pct(bound.threshold))}"
    v = ctx.value(h, c.metric, so_far)
    if c.value_equals is not None:
        return v == c.value_equals, (f"{label}仍为零（未破零）" if v == 0 else f"{label}为{dec(v)}")
    proj = v * total / done if done else ZERO
    assert bound is not None
    return bound.holds(proj), f"{label}预计{dec(proj)}"
