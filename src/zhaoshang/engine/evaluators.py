"""One small evaluator per rule type. Each reads the context's facts for the assessed span and
writes components, flags, amounts and list entries that carry the rule's id and clause and the
facts they used. `EVALUATORS` maps a rule type to its evaluator; `PHASE` orders them so that
rankings see scores, flags see rankings, and awards and honour lists see flags.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from .bounds import REACH, in_range, meets, phrase
from .context import ONE, ZERO, Context
from .facts import Holder
from .periods import Span, add_months, fits, policy_period_span, units_in, year_span
from .results import Component, ListEntry, dec
from .schema import Condition, Scorecard
from .transfers import shares as transfer_shares


def pct(r: Decimal) -> str:
    return f"{dec(r * 100, Decimal('0.01'))}%"


def _label(ctx: Context, metric: str) -> str:
    m = ctx.policy.metric(metric)
    return m.label if m else metric


def _uom(ctx: Context, metric: str) -> str:
    m = ctx.policy.metric(metric)
    return m.uom if m else ""


def _judged(ctx: Context, unit: Span) -> bool:
    """A unit of a cadence is judged once it has ended, or once the data runs past it."""
    return ctx.facts.as_of is None or unit.end <= ctx.facts.as_of


# --- Counts and sums against thresholds -------------------------------------------------------


def quota(ctx: Context, rule) -> None:
    if rule.period is not None:
        ps = policy_period_span(ctx.policy, rule.period)
        units = [ps] if ctx.span.covers(ps) else []
    else:
        units = units_in(ctx.span, rule.per, ctx.policy)
    units = [u for u in units if _judged(ctx, u)]
    if not units:
        return
    for h in ctx.holders(rule.group):
        values = {u: ctx.value(h, rule.metric, u, head_led=rule.head_led_only) for u in units}
        word = rule.word or REACH
        met = {u: meets(v, rule.min, word) for u, v in values.items()}
        if len(units) == 1 and units[0] == ctx.span or len(units) == 1 and rule.period is not None:
            ((u, v),) = values.items()
            ctx.component(
                h, rule, v, rule.min, metric=rule.metric, met=met[u], per=rule.per, span=u, word=word
            )
        else:
            ctx.component(
                h, rule, Decimal(sum(met.values())), Decimal(len(units)),
                metric=rule.metric, min=rule.min, word=word, per=rule.per,
                values={str(u): v for u, v in values.items()},
                missed=[str(u) for u, ok in met.items() if not ok],
            )  # fmt: skip


def milestone(ctx: Context, rule) -> None:
    ps = policy_period_span(ctx.policy, rule.period)
    if not ctx.span.covers(ps) or not _judged(ctx, ps):
        return
    for h in ctx.holders(rule.group):
        v = ctx.value(h, rule.metric, ps)
        word = rule.word or REACH
        ctx.component(
            h, rule, v, rule.min, metric=rule.metric, met=meets(v, rule.min, word), span=ps, word=word
        )


def target_completion(ctx: Context, rule) -> None:
    for h in ctx.holders(rule.group):
        metrics = [rule.metric] if rule.metric else list(dict.fromkeys(t.metric for t in ctx.targets_of(h)))
        for m in metrics:
            c = ctx.completion(h, m, ctx.span, rule.group)
            if c is None:
                continue
            facts = dict(
                metric=m, actual=c.actual, target=c.target.value, completion=c.ratio,
                target_period=c.target.span, upto=c.upto, met=c.met, word=c.target.word,
            )  # fmt: skip
            if rule.points is not None:
                ctx.component(
                    h, rule, min(c.ratio, ONE) * rule.points, rule.points, clause=c.target.clause, **facts
                )
            else:
                ctx.component(
                    h, rule, c.actual, c.target.value, clause=c.target.clause or rule.clause, **facts
                )


def growth(ctx: Context, rule) -> None:
    if rule.reading == "average":
        average_growth(ctx, rule)
        return
    years = units_in(ctx.span, "year")
    for y in years:
        if not _judged(ctx, y):
            continue
        cur = ctx.value(ctx.home, rule.metric, y)
        prev_span = year_span(y.start.year - 1)
        prev = ctx.value(ctx.home, rule.metric, prev_span)
        if not ctx.has_value(ctx.home, rule.metric, y):
            ctx.component(
                ctx.home, rule, None, None, metric=rule.metric, year=y, met=None, note="缺少本年数据"
            )
            continue
        if prev <= 0:
            ctx.component(ctx.home, rule, cur, None, metric=rule.metric, year=y, previous=prev, met=None,
                          note="缺少上年基数，无法计算增速")  # fmt: skip
            continue
        rate = (cur - prev) / prev
        # 增速在10%以上: this year at or over last year × 1.1; 逐年减少: this year under last year.
        word = rule.bound_word()
        required = prev * (ONE + rule.min_rate if rule.direction == "up" else ONE - rule.min_rate)
        met = meets(cur, required, word)
        ctx.component(ctx.home, rule, cur, required, metric=rule.metric, year=y, previous=prev, rate=rate,
                      min_rate=rule.min_rate, direction=rule.direction, word=word, met=met)  # fmt: skip


def growth_base_years(policy) -> dict[str, set[int]]:
    """The years before a growth rule's first year whose figures it reads as the base (the
    statistics the office enters for them, though they lie outside the policy's periods): for
    `reading: average` the year before the plan it runs over (2022 for 2023–2025), for a yearly
    reading the year before the main period (逐年减少 compares 2023 with 2022). metric → years."""
    out: dict[str, set[int]] = defaultdict(set)
    for r in policy.rules:
        if r.type == "growth":
            key = (r.over or policy.main_period) if r.reading == "average" else policy.main_period
            out[r.metric].add(policy_period_span(policy, key).start.year - 1)
    return dict(out)


def average_growth(ctx: Context, rule) -> None:
    """年均增速 (Growth.reading: average): the plan judged on (end ÷ base)^(1/n) − 1, base the
    year before the plan, end its last year judged so far; each year's own growth is shown, and a
    year under the rate is a warning (`warning`), not a failure. The comparison is exact: end
    against base × (1 + min_rate)^n (1000 → 1331 over three years is 10.00% a year, 以上 met)."""
    plan = policy_period_span(ctx.policy, rule.over or ctx.policy.main_period)
    if ctx.span.end < plan.start or ctx.span.start > plan.end:
        return
    years = [y for y in units_in(plan, "year") if y.end <= ctx.span.end and _judged(ctx, y)]
    if not years:
        return
    word = rule.bound_word()
    base_span = year_span(plan.start.year - 1)
    base = ctx.value(ctx.home, rule.metric, base_span)
    prev, prev_span = base, base_span
    below: list[str] = []
    for y in years:
        known = ctx.has_value(ctx.home, rule.metric, y)
        cur = ctx.value(ctx.home, rule.metric, y)
        if not known or prev <= 0:
            note = "缺少本年数据" if not known else f"缺少{prev_span.key}年基数，无法计算增速"
            ctx.component(ctx.home, rule, cur if known else None, None, metric=rule.metric, year=y,
                          reading="year", note=note)  # fmt: skip
        else:
            required = prev * (ONE + rule.min_rate)
            reached = meets(cur, required, word)
            facts: dict = dict(metric=rule.metric, year=y, previous=prev, rate=(cur - prev) / prev,
                               min_rate=rule.min_rate, word=word, reading="year", reached=reached)  # fmt: skip
            if not reached:
                below.append(y.key)
                facts["warning"] = (
                    f"{y.key}年增速{pct((cur - prev) / prev)}，低于{phrase(pct(rule.min_rate), word)}；"
                    f"按年均增速考核，单年未达到仅作提示"
                )
            ctx.component(ctx.home, rule, cur, required, **facts)
        prev, prev_span = (cur if known else ZERO), y
    last = years[-1]
    n = len(years)
    final = last.end >= plan.end
    if base <= 0 or not ctx.has_value(ctx.home, rule.metric, last):
        why = f"缺少{base_span.key}年基数" if base <= 0 else f"缺少{last.key}年数据"
        ctx.component(ctx.home, rule, None, None, metric=rule.metric, reading="average", base_year=base_span,
                      years=n, upto=last, final=final, met=None, note=f"{why}，无法计算年均增速")  # fmt: skip
        return
    end = ctx.value(ctx.home, rule.metric, last)
    required = base * (ONE + rule.min_rate) ** n
    ok = meets(end, required, word)
    # The rate itself, for reading: the n-th root is inexact, so it is shown, never compared.
    avg = (end / base) ** (ONE / n) - ONE if end > 0 else -ONE
    facts = dict(metric=rule.metric, reading="average", base_year=base_span, previous=base, years=n, upto=last,
                 rate=avg, min_rate=rule.min_rate, word=word, below_years=below, final=final)  # fmt: skip
    if final:
        facts["met"] = ok
    else:
        facts |= {"met": None, "on_track": ok, "note": f"考核期尚未结束，为截至{last.key}年的年均增速"}
    ctx.component(ctx.home, rule, end, required, **facts)


# --- Scorecards -------------------------------------------------------------------------------


def scorecard_month(ctx: Context, rule: Scorecard, h: Holder, month: Span):
    """A holder's score for one month: each item min(count × points, cap), each dimension at most
    its maximum, deductions off their item (or, without one, their dimension), never below 0,
    monthly bonuses on top. The dimension's component shows it before deductions; each
    deduction's component is what it took off the total."""
    from .schema import Bonus, Deduction

    comps = []
    total = ZERO
    deductions = [r for r in ctx.policy.rules if isinstance(r, Deduction) and r.scorecard == rule.id]
    for d in rule.dimensions:
        items = {}
        each, labels = {}, {}
        for it in d.items:
            n = ctx.value(h, it.metric, month)
            pts = n * it.points_each
            if it.cap is not None:
                pts = min(pts, it.cap)
            items[it.key] = {"metric": it.metric, "count": n, "points": pts}
            each[it.key] = it.points_each
            labels[it.key] = it.label
        raw = sum((v["points"] for v in items.values()), ZERO)
        dim = min(raw, d.max_points)
        comps.append(
            Component(
                rule.id,
                d.clause,
                dim,
                d.max_points,
                {"dimension": d.key, "month": month, "items": dict(items)},
            )
        )
        total += dim
        for ded in deductions:
            if ded.dimension != d.key:
                continue
            done = ctx.value(h, ded.metric, month)
            missing = max(ZERO, ded.required - done)
            if missing <= 0:
                continue
            value = ded.points_each if ded.points_each is not None else each.get(ded.item, ZERO)
            uncapped = missing * value * ded.multiplier
            facts = {
                "dimension": d.key, "month": month, "metric": ded.metric, "required": ded.required,
                "done": done, "missing": missing, "points_each": value, "multiplier": ded.multiplier,
                "uncapped": uncapped,
            }  # fmt: skip
            if ded.item is not None and ded.item in items:
                # 从该项指标得分中扣分: off the indicator alone, never below 0 for it; the dimension
                # is then the (capped) sum of its items again.
                before = items[ded.item]["points"]
                taken = min(uncapped, before)
                items[ded.item] = {**items[ded.item], "points": before - taken}
                raw -= taken
                off = dim - min(raw, d.max_points)
                facts |= {"item": labels[ded.item], "item_points": before, "taken_from_item": taken}
            else:
                off = min(uncapped, dim)
            comps.append(Component(ded.id, ded.clause, -off, None, facts))
            total -= off
            dim -= off
    for b in ctx.policy.rules:
        if isinstance(b, Bonus) and b.applies_to == "month" and h in ctx.holders(b.group):
            n = ctx.value(h, b.metric, month)
            pts = n * b.points_each if b.cap is None else min(n * b.points_each, b.cap)
            if pts:
                comps.append(
                    Component(b.id, b.clause, pts, b.cap, {"metric": b.metric, "count": n, "month": month})
                )
                total += pts
    return total, comps


def scorecard(ctx: Context, rule) -> None:
    if ctx.span.kind != "month" or not ctx.main.covers(ctx.span):
        return
    for h in ctx.holders(rule.group):
        _total, comps = ctx.month_score(rule, h, ctx.span)
        ctx.result(h).components.extend(comps)


def weighted_periods(ctx: Context, rule) -> None:
    spans = {k: policy_period_span(ctx.policy, k) for k in rule.weights}
    if not all(ctx.span.covers(s) for s in spans.values()):
        return
    sc = ctx.policy.rule(rule.scorecard)
    for h in ctx.holders(sc.group):
        months = {}
        total = ZERO
        published, unpublished = [], []
        for k, w in rule.weights.items():
            # The month as the office published it; a month not yet published is computed.
            s, was_published = ctx.period_score(sc, h, k)
            (published if was_published else unpublished).append(k)
            months[k] = {"score": s, "weight": w, "weighted": s * w}
            total += s * w
        ctx.component(h, rule, total, sc.base, periods=months, published=published, unpublished=unpublished)


def deduction(ctx: Context, rule) -> None:
    """Applied inside the scorecard's monthly score (scorecard_month)."""


def bonus(ctx: Context, rule) -> None:
    if rule.applies_to == "month":
        return  # inside the monthly score
    if not (fits(ctx.span, "year", ctx.policy) or fits(ctx.span, "period", ctx.policy)):
        return
    for h in ctx.holders(rule.group):
        n = ctx.value(h, rule.metric, ctx.span)
        if n <= 0:
            continue
        pts = n * rule.points_each if rule.cap is None else min(n * rule.points_each, rule.cap)
        ctx.component(h, rule, pts, rule.cap, metric=rule.metric, count=n, applies_to=rule.applies_to)


def lead_points_of(ctx: Context, rule, h: Holder, span: Span):
    by_grade: dict[str, int] = defaultdict(int)
    unknown: list[str] = []
    total = ZERO
    for lead in ctx.facts.leads:
        if ctx.canon(lead.holder) != h or not lead.valid or lead.on not in span:
            continue
        pts = rule.points_by_grade.get(lead.grade)
        if pts is None:
            unknown.append(lead.id)
            continue
        by_grade[lead.grade] += 1
        total += pts
    return total, dict(by_grade), unknown


def lead_points(ctx: Context, rule) -> None:
    for h in ctx.holders(rule.group):
        total, by_grade, unknown = lead_points_of(ctx, rule, h, ctx.span)
        if total or by_grade or unknown:
            ctx.component(h, rule, total, None, leads_by_grade=by_grade, ungraded=unknown,
                          set_by_office=rule.set_by_office)  # fmt: skip


# --- Rankings, lists, flags, awards -------------------------------------------------------------


def ranking(ctx: Context, rule) -> None:
    if not fits(ctx.span, rule.per, ctx.policy):
        return
    sc = ctx.policy.rule(rule.score)
    top = (
        sc.base
        if isinstance(sc, Scorecard)
        else getattr(ctx.policy.rule(getattr(sc, "scorecard", "")), "base", None)
    )
    for h, r in ctx.ranking(rule.id).items():
        ctx.component(h, rule, r.score, top, rank=r.rank, of=r.of, bottom=r.bottom, partition=r.partition,
                      score_by=rule.score)  # fmt: skip


def condition(
    ctx: Context, c: Condition, h: Holder, span: Span, group: str | None
) -> tuple[bool | None, str]:
    """Whether one condition holds for a holder over a span, and why, in Chinese. None: cannot
    be judged (no target, not ranked)."""
    if c.office_named is not None:
        hits = [
            d for d in ctx.facts.decisions
            if d.key == c.office_named and ctx.canon(d.holder) == h
            and (d.period is None or d.period == span.key or ctx.in_span(d.period, span))
        ]  # fmt: skip
        return bool(hits), (f"经办公室认定（{hits[0].reason or c.office_named}）" if hits else "")
    if c.ranking is not None:
        r = ctx.ranking(c.ranking, span).get(h)
        if r is None:
            return None, "未参加排名"
        if c.rank_bottom is not None:
            return r.in_bottom(c.rank_bottom), _place_text(r, bottom=True)
        return r.in_top(c.rank_top), _place_text(r, bottom=False)
    label = _label(ctx, c.metric)
    bound = c.bound()
    if c.completion_below is not None or c.completion_at_least is not None:
        assert bound is not None
        comp = ctx.completion(h, c.metric, span, group)
        if comp is None:
            return None, f"无{label}任务"
        uom = _uom(ctx, c.metric)
        text = (
            f"{label}完成{dec(comp.actual)}{uom}，任务{dec(comp.target.value)}{uom}，完成率{pct(comp.ratio)}"
        )
        return bound.holds(comp.ratio), f"{text}，{bound.text(pct(bound.threshold))}"
    v = ctx.value(h, c.metric, span)
    text = f"{label}{dec(v)}{_uom(ctx, c.metric)}"
    if c.value_equals is not None:
        return v == c.value_equals, text
    assert bound is not None
    return bound.holds(v), text


def _place_text(r, bottom: bool) -> str:
    """“排名倒数第1（共5名，并列2名）”: the place, and how many share it."""
    place = f"排名倒数第{r.bottom}" if bottom else f"排名第{r.rank}"
    tied = r.of - (r.rank - 1) - (r.bottom - 1)
    return f"{place}（共{r.of}名{f'，{tied}名并列' if tied > 1 else ''}）"


def _conditions(ctx: Context, rule, conds, h: Holder, span: Span) -> tuple[bool | None, list[str]]:
    texts, ok = [], True
    for c in conds:
        met, text = condition(ctx, c, h, span, getattr(rule, "group", None))
        texts.append(text)
        if met is None:
            return None, texts
        ok = ok and met
    return ok, texts


def _met_before(ctx: Context, rule, h: Holder, span: Span) -> bool | None:
    """Whether a holder met a flag's conditions in an earlier span: the published result of that
    span; else the office's entry for it (`previous_office_named`); else, if the rule allows,
    the facts of that span; else unknown (None, not met)."""
    prior = [p for p in ctx.facts.prior if p.rule == rule.id and p.period == span.key]
    if prior:
        return any(p.met for p in prior if ctx.canon(p.holder) == h)
    key = getattr(rule, "previous_office_named", None)
    if key is not None:
        entered = [d for d in ctx.facts.decisions if d.key == key and d.period == span.key]
        if entered:
            return any(ctx.canon(d.holder) == h for d in entered)
    if not getattr(rule, "previous_from_facts", True) or not ctx.has_data(span):
        return None
    return _conditions(ctx, rule, rule.conditions, h, span)[0]


def flag(ctx: Context, rule) -> None:
    if not fits(ctx.span, rule.at, ctx.policy) or not _judged(ctx, ctx.span):
        return
    for h in ctx.holders(rule.group):
        met, texts = _conditions(ctx, rule, rule.conditions, h, ctx.span)
        if not met:
            continue
        running, history = 1, []
        for k in range(1, rule.consecutive):
            prev = ctx.span.previous(k)
            before = _met_before(ctx, rule, h, prev)
            history.append({"period": prev, "met": before})
            if not before:
                break
            running += 1
        ctx.component(h, rule, None, None, kind=rule.kind, conditions_met=True, reasons=texts,
                      periods_running=running, required=rule.consecutive, history=history)  # fmt: skip
        if running < rule.consecutive:
            continue
        reason = "；".join(t for t in texts if t)
        if rule.consecutive > 1:
            reason += f"；连续{rule.consecutive}期" if reason else f"连续{rule.consecutive}期"
        reason = f"{reason}：{rule.consequence}" if reason else rule.consequence
        ctx.flag(rule.kind, h, rule, reason)
        if h.kind == "team":
            t = ctx.teams.get(h.key)
            extra = []
            if "lead_unit" in rule.extend_to and t and t.lead_unit:
                extra.append(ctx.team_units(h.key)[0])
            if "member_units" in rule.extend_to and t:
                extra += ctx.team_units(h.key)[1 if t.lead_unit else 0 :]
            for u in extra:
                ctx.flag(rule.kind, u, rule, f"所在{t.name}：{reason}")


def honour_list(ctx: Context, rule) -> None:
    rk = ctx.policy.rule(rule.ranking)
    if not fits(ctx.span, rk.per, ctx.policy):
        return
    ranked = ctx.ranking(rule.ranking)
    for h, r in ranked.items():
        if rule.list == "front_runners":
            if rule.top is not None and not r.in_top(rule.top):
                continue
            # Nothing at all is never a front-runner, even when every holder ties at 0 (first place).
            if rule.zero_score_excluded and rk.order == "desc" and r.score <= 0:
                continue
        if rule.list == "catch_up" and rule.bottom is not None and not r.in_bottom(rule.bottom):
            continue
        if rule.conditions:
            met, _texts = _conditions(ctx, rule, rule.conditions, h, ctx.span)
            if not met:
                continue
        elif rule.top is None and rule.bottom is None:
            continue
        ctx.out.lists[rule.list].append(ListEntry(h, r.partition, r.rank, r.score, rule.clause, rule.id))


def settle_lists(ctx: Context) -> None:
    """After every honour-list rule ran: each list names a holder once, at the first rule that
    put it there; and the catch-up list is for those without a major signing, so a holder on
    the front-runner list is not on it (001 §三(三): 有重大项目签约的…列为一马当先；对没有项目签约，
    特别是没有有效项目信息或者项目信息质量差的…列为奋起直追)."""
    lists = ctx.out.lists
    front = {e.holder for e in lists.get("front_runners", ())}
    for name, entries in lists.items():
        seen: set[Holder] = set(front) if name == "catch_up" else set()
        kept = []
        for e in entries:
            if e.holder not in seen:
                seen.add(e.holder)
                kept.append(e)
        lists[name] = kept


def award_quota(ctx: Context, rule) -> None:
    rk = ctx.policy.rule(rule.ranking)
    if not fits(ctx.span, rk.per, ctx.policy):
        return
    members = set(ctx.holders(rule.group))
    ranked = [r for h, r in ctx.ranking(rule.ranking).items() if h in members]
    eligible = [r for r in ranked if not ctx.flagged(r.holder, rule.excluded_by_flags) and r.score > 0]
    amounts = {(a.rule, a.grade): a.amount_wan for a in ctx.facts.award_amounts}
    # Walk the eligible holders best first; a tie that straddles a grade boundary all get the
    # better grade and the next grade has that many fewer places.
    slots = [g for g in rule.grades for _ in range(g.count)]
    i = 0
    while i < len(eligible) and i < len(slots):
        tied = [r for r in eligible[i:] if r.score == eligible[i].score]
        g = slots[i]
        for r in tied:
            amount = g.amount_wan if g.amount_wan is not None else amounts.get((rule.id, g.grade))
            ctx.flag("award", r.holder, rule, f"{g.grade}（{r.partition}第{r.rank}名）")
            if amount is not None:
                ctx.amount("award", r.holder, amount, rule, grade=g.grade, rank=r.rank)
            else:
                ctx.component(r.holder, rule, None, None, grade=g.grade, rank=r.rank, amount="由领导小组核定")
        i += len(tied)
    for r in ranked:
        excluded = ctx.flagged(r.holder, rule.excluded_by_flags)
        if excluded:
            ctx.component(r.holder, rule, None, None, excluded_by=excluded, rank=r.rank)


def survey(ctx: Context, rule) -> None:
    members = ctx.holders(rule.group)
    by_period: dict[str, dict[Holder, Decimal]] = defaultdict(dict)
    for s in ctx.facts.surveys:
        h = ctx.canon(s.holder)
        if h in members and ctx.in_span(s.period, ctx.span):
            by_period[s.period][h] = s.score
    from .context import rank

    for period, scores in by_period.items():
        for h, r in rank(scores, rule.group).items():
            ctx.component(h, rule, r.score, None, survey=period, rank=r.rank, bottom=r.bottom, of=r.of,
                          run_by=rule.run_by)  # fmt: skip
            # 前五名: every place of 5 or better; 最后一名: every holder tied in last place.
            if r.in_top(rule.top):
                ctx.flag(
                    "commendation", h, rule, f"{period}满意度测评{_place_text(r, bottom=False)}：全县表彰"
                )
            if r.in_bottom(rule.bottom):
                for kind in rule.bottom_flags:
                    ctx.flag(kind, h, rule, f"{period}满意度测评{_place_text(r, bottom=True)}")


# --- Money ------------------------------------------------------------------------------------


def fixed_amount(ctx: Context, rule) -> None:
    n = len(units_in(ctx.span, rule.per, ctx.policy))
    if n == 0:
        return
    for h in ctx.holders(rule.group):
        amount = rule.amount_wan * n
        facts: dict = {"per": rule.per, "units": n}
        if rule.tied_to_results is not None:
            facts["tied_to_results"] = rule.tied_to_results
            facts["tied_amount_wan"] = amount * rule.tied_to_results
        if rule.paid_to == "lead_unit" and h.kind == "team":
            t = ctx.teams.get(h.key)
            facts["paid_to"] = t.lead_unit if t and t.lead_unit else "牵头单位（待定）"
        if rule.floor:
            facts["at_least"] = True
            facts["word"] = rule.word or "不低于"
        if rule.paid_as_spent:
            facts["paid_as_spent"] = "据实拨付，以此为上限"
        if rule.view_of and not rule.separate:
            # The same money as other rules pay, seen another way: shown, not added again.
            ctx.component(h, rule, None, None, amount_wan=amount, view_of=rule.view_of, **facts)
            continue
        if rule.exclusive:
            ctx.exclusive[rule.exclusive].append((h, amount, rule.kind, rule.id, rule.clause, facts))
        else:
            ctx.amount(rule.kind, h, amount, rule, **facts)


def resolve_exclusive(ctx: Context) -> None:
    """就高不就低: of the amounts sharing an `exclusive` key, a holder gets the highest only."""
    for key, items in ctx.exclusive.items():
        by_holder: dict[Holder, list] = defaultdict(list)
        for item in items:
            by_holder[item[0]].append(item)
        for h, options in by_holder.items():
            best = max(options, key=lambda o: o[1])  # first of equals
            _h, amount, kind, rule_id, _clause, facts = best
            rule = ctx.policy.rule(rule_id)
            others = {o[3]: o[1] for o in options if o is not best}
            if others:
                facts = {**facts, "exclusive": key, "not_added": others}
            ctx.amount(kind, h, amount, rule, **facts)


BASIS_TEXT = {"unit": "引进单位年度进资任务", "team": "所在兵团年度进资任务", "project": "项目年度计划投资"}


def _subsidy_basis(ctx: Context, rule, p, y: Span, base: Decimal):
    """Who is paid, and the completion that chooses the rate (None: no task or plan), and why not."""
    unit_h = ctx.canon(p.unit) if p.unit is not None else None
    holder = ctx.canon(p.holder) if p.holder is not None else None
    introducing = unit_h or holder
    if rule.completion_basis == "project":
        plan = p.planned_wan.get(y.key)
        if not plan:
            return introducing, None, "项目无本年度计划投资，无法确定补助比例"
        done = ctx.sum_tokens(dict(p.investment_wan), y)
        return introducing, (done / plan, done, plan), ""
    if rule.completion_basis == "team":
        team_h = holder if holder is not None and holder.kind == "team" else None
        if team_h is None and unit_h is not None:
            team_h = ctx.team_of(unit_h, [Holder("team", k) for k in ctx.teams])
        if team_h is None:
            return introducing, None, "项目不属于任何兵团，无法按兵团任务确定补助比例"
        who = team_h
    else:
        who = introducing
    comp = ctx.completion(who, rule.completion_metric, y)
    if comp is None:
        return (
            who,
            None,
            "引进单位无年度任务，无法确定补助比例" if who == unit_h else "无年度任务，无法确定补助比例",
        )
    return who, (comp.ratio, comp.actual, comp.target.value), ""


def completion_rate_subsidy(ctx: Context, rule) -> None:
    for y in units_in(ctx.span, "year"):
        for p in ctx.facts.projects:
            if (p.holder is None and p.unit is None) or not p.assessed:
                continue
            base = ctx.sum_tokens(dict(p.investment_wan), y)
            if base <= 0:
                continue
            h, comp, why = _subsidy_basis(ctx, rule, p, y, base)
            if comp is None:
                ctx.component(
                    h,
                    rule,
                    None,
                    None,
                    project=p.id,
                    base_wan=base,
                    basis=BASIS_TEXT[rule.completion_basis],
                    note=why,
                )
                continue
            ratio, actual, target = comp
            bracket = next(
                (b for b in rule.brackets
                 if in_range(ratio, b.min_completion, b.max_completion, b.min_word, b.max_word,
                             rule.range_includes)),
                None,
            )  # fmt: skip
            facts = dict(
                project_name=p.name, year=y, base_wan=base, completion=ratio, basis=BASIS_TEXT[rule.completion_basis],
                actual=actual, target=target,
            )  # fmt: skip
            if bracket is None:
                ctx.component(h, rule, None, None, project=p.id, **facts, rate=ZERO,
                              note=f"完成率{pct(ratio)}，未达到最低档，不予补助")  # fmt: skip
                continue
            raw = base * bracket.rate
            cap = rule.cap_wan_per_project
            # 不超过200万元: the cap itself may be paid; more is cut to it.
            amount = raw if cap is None or meets(raw, cap, rule.cap_word) else cap
            if rule.people_reward_share_max is not None:
                facts["people_reward_max_wan"] = amount * rule.people_reward_share_max
            ctx.amount(rule.kind, h, amount, rule, project=p.id, rate=bracket.rate, uncapped_wan=raw, **facts)


def _credited(ctx: Context, rule_group: str | None, holder: Holder | None) -> Holder | None:
    if holder is None:
        return None
    h = ctx.canon(holder)
    members = ctx.holders(rule_group)
    if rule_group is None or h in members:
        return h
    if h.kind == "unit":
        return ctx.team_of(h, members)
    return None


def instant_reward(ctx: Context, rule) -> None:
    for p in ctx.facts.projects:
        when = p.stage_date(rule.stage)
        if when is None or when not in ctx.span:
            continue
        h = _credited(ctx, rule.group, p.holder)
        if h is None:
            continue
        items = [it for it in rule.items if it.attribute in p.attributes]
        if not items:
            continue
        if rule.combine == "max":
            best = max(items, key=lambda it: it.amount_wan)
            amount, used = best.amount_wan, [best.attribute]
        else:
            amount, used = sum((it.amount_wan for it in items), ZERO), [it.attribute for it in items]
        ctx.amount("instant_reward", h, amount, rule, project=p.id, project_name=p.name, stage=rule.stage,
                   on=when, attributes=used)  # fmt: skip


def project_award(ctx: Context, rule) -> None:
    members = ctx.holders(rule.group)
    for d in ctx.facts.award_decisions:
        if d.rule != rule.id:
            continue
        h = ctx.canon(d.holder)
        if h not in members:
            ctx.component(h, rule, None, None, rejected=d.amount_wan, note="不在本奖项的奖励对象范围内")
            continue
        ctx.amount(rule.kind, h, d.amount_wan, rule, project=d.project, paid_to=rule.paid_to, held=d.hold)


def per_person_cap(ctx: Context, rule) -> None:
    cap_wan = rule.amount_yuan / Decimal(10000)
    for r in ctx.facts.person_rewards:
        if r.on not in ctx.span:
            continue
        h = Holder("person", r.person)
        proposed = r.amount_yuan / Decimal(10000)
        within = meets(proposed, cap_wan, rule.word)  # 最高不超过5000元: 5000 is within
        paid = proposed if within else cap_wan
        ctx.amount(
            "person_reward",
            h,
            paid,
            rule,
            proposed_yuan=r.amount_yuan,
            cap_yuan=rule.amount_yuan,
            unit=r.unit,
        )
        if not within:
            ctx.flag(
                "cap_exceeded",
                h,
                rule,
                f"拟发{dec(r.amount_yuan)}元，超出个人奖金最高{phrase(dec(rule.amount_yuan) + '元', rule.word)}，按上限发放",
            )


def transfer_split(ctx: Context, rule) -> None:
    for p in ctx.facts.projects:
        tr = p.transfer
        if tr is None:
            continue
        share_i, share_h = transfer_shares(rule, tr.introducing_share)  # engine/transfers.py
        intro, host = ctx.canon(tr.introducing), ctx.canon(tr.hosting)
        shares = {"introducing": share_i, "hosting": share_h, "negotiated": tr.introducing_share is not None}
        if p.first_tax_on is not None and p.first_tax_on <= ctx.span.end:
            tax = ctx.sum_tokens(dict(p.tax_wan), ctx.span, since=p.first_tax_on)
            if tax:
                ctx.amount(
                    "tax_share",
                    intro,
                    tax * share_i,
                    rule,
                    project=p.id,
                    side="introducing",
                    tax_wan=tax,
                    **shares,
                )
                ctx.amount(
                    "tax_share",
                    host,
                    tax * share_h,
                    rule,
                    project=p.id,
                    side="hosting",
                    tax_wan=tax,
                    **shares,
                )
        start = p.stage_date(rule.indicators_from)
        if start is None or start > ctx.span.end:
            continue
        for side, h, share in (("introducing", intro, share_i), ("hosting", host, share_h)):
            values = {
                m: ctx.sum_tokens(dict(p.indicators.get(m, {})), ctx.span, since=start) * share
                for m in rule.indicator_metrics
            }
            ctx.component(h, rule, None, None, project=p.id, side=side, share=share, indicators=values,
                          indicators_from=start)  # fmt: skip


# --- Projects ----------------------------------------------------------------------------------


def project_kpi(ctx: Context, rule) -> None:
    if ctx.span.kind in ("month", "week"):
        return
    signed = [p for p in ctx.facts.projects if p.signed_on and ctx.main.start <= p.signed_on <= ctx.span.end]
    holders = [ctx.home] + (ctx.holders(rule.group) if rule.group else [])
    for h in holders:
        ps = signed if h == ctx.home else [p for p in signed if p.holder and ctx.canon(p.holder) == h]
        if not ps:
            continue
        for rate in rule.rates:
            if rate == "contract_fulfilment":
                # 合同履约率: obligations fulfilled by their due date ÷ obligations due by the
                # assessment day (not yet due: left out, even when already fulfilled).
                day = _assessment_day(ctx)
                due = [o for p in ps for o in p.obligations if o.due_on <= day]
                kept = [
                    o for o in due
                    if o.fulfilled_on is not None
                    and o.fulfilled_on <= (day if rule.late_fulfilment_counts else o.due_on)
                ]  # fmt: skip
                num, den = Decimal(len(kept)), Decimal(len(due))
                r = num / den if den else None
                ctx.component(h, rule, None if r is None else r * 100, Decimal(100), rate=rate, numerator=num,
                              denominator=den, projects=len(ps), judged_on=day,
                              late_fulfilment_counts=rule.late_fulfilment_counts)  # fmt: skip
                continue
            elif rate == "start":
                num = Decimal(
                    sum(1 for p in ps if p.construction_start_on and p.construction_start_on <= ctx.span.end)
                )
                den = Decimal(len(ps))
            elif rate == "production":
                num = Decimal(sum(1 for p in ps if p.production_on and p.production_on <= ctx.span.end))
                den = Decimal(len(ps))
            else:
                upto = Span(ctx.main.start, ctx.span.end)
                withtotal = [p for p in ps if p.total_investment_wan]
                num = sum((ctx.sum_tokens(dict(p.investment_wan), upto) for p in withtotal), ZERO)
                den = sum((p.total_investment_wan for p in withtotal), ZERO)
            r = num / den if den else None
            ctx.component(h, rule, None if r is None else r * 100, Decimal(100), rate=rate, numerator=num,
                          denominator=den, projects=len(ps))  # fmt: skip


def evaluation_year(rule, start: date, year: int) -> int | None:
    """Which year of its rolling evaluation `year` is for a project started on `start` (1 to
    `rule.years`), or None when it is not evaluated that year. With `first_year: next` (the
    default) a project started at any date of 2021 is evaluated in 2022, 2023 and 2024."""
    n = year - start.year + (0 if rule.first_year == "next" else 1)
    return n if 1 <= n <= rule.years else None


def rolling_evaluation(ctx: Context, rule) -> None:
    members = ctx.holders(rule.group) if rule.group else None
    for y in units_in(ctx.span, "year"):
        year = y.start.year
        for p in ctx.facts.projects:
            start = p.construction_start_on
            nth = evaluation_year(rule, start, year) if start is not None else None
            if start is None or nth is None:
                continue
            h = ctx.canon(p.holder) if p.holder else ctx.home
            if members is not None and h not in members:
                continue
            checks = p.evaluations.get(str(year), {})
            results = {k: checks.get(k) for k in rule.check_keys}
            failed = [k for k, v in results.items() if v is False]
            passed = sum(1 for v in results.values() if v)
            ctx.component(h, rule, Decimal(passed), Decimal(len(rule.check_keys)), project=p.id, year=year,
                          year_of_evaluation=nth, started_on=start, checks=results)  # fmt: skip
            if failed:
                labels = dict(
                    zip(
                        ("in_statistics", "tax_paid", "investment_verified"),
                        ("未入统", "无税收", "投资额不实"),
                        strict=True,
                    )
                )
                ctx.flag(
                    rule.flag,
                    h,
                    rule,
                    f"{p.name}（{start.year}年落地开工，滚动考评第{nth}年）：{'、'.join(labels[k] for k in failed)}",
                )


def land_recovery(ctx: Context, rule) -> None:
    labels = {
        "breach": "不履行招商合同",
        "not_started_on_time": "不按时开工",
        "land_idle": "圈而不建、建而不产",
    }
    for p in ctx.facts.projects:
        for ground, found in p.land_grounds.items():
            if ground in rule.grounds and found in ctx.span:
                h = ctx.canon(p.holder) if p.holder else ctx.home
                ctx.flag(
                    "land_recovery",
                    h,
                    rule,
                    f"{p.name}：{labels.get(ground, ground)}（{found.isoformat()}认定），收回土地",
                )


def first_contact(ctx: Context, rule) -> None:
    members = ctx.holders(rule.group) if rule.group else None
    owned: dict[Holder, list[str]] = defaultdict(list)
    for p in ctx.facts.projects:
        if not p.contacts:
            continue
        first = min(p.contacts, key=lambda c: c.on)
        owner = ctx.canon(first.holder)
        in_span = (p.signed_on is not None and p.signed_on in ctx.span) or (
            p.signed_on is None and first.on in ctx.span
        )
        if not in_span or (members is not None and owner not in members):
            continue
        owned[owner].append(p.id)
        if p.holder is not None and ctx.canon(p.holder) != owner:
            ctx.flag("attribution_conflict", owner, rule,
                     f"{p.name}登记在{ctx.canon(p.holder).key}名下，但首先接触的是本单位（{first.on.isoformat()}）")  # fmt: skip
    for h, ids in owned.items():
        ctx.component(h, rule, Decimal(len(ids)), None, projects=ids)


def _assessment_day(ctx: Context) -> date:
    """The day a span is judged on: its end, or the day the data runs to if that is earlier."""
    as_of = ctx.facts.as_of
    return ctx.span.end if as_of is None else min(ctx.span.end, as_of)


def deadline(ctx: Context, rule) -> None:
    """Each item due `within_months` after its start (the day that many months on included: 1年内
    is by the same date next year). On the assessment day an item not done and past due is 逾期未完成:
    flagged and counted in every span while it stays so; one done after its due date is 逾期完成,
    flagged in the span it was done in. Items done on time before the span are left out. Each
    member gets a count of its overdue items (`overdue`); an item of a holder outside the rule's
    group is the jurisdiction's."""
    members = ctx.holders(rule.group) if rule.group else None
    day = _assessment_day(ctx)
    items = ctx.facts.enterprises if rule.items == "enterprises" else ctx.facts.projects
    overdue: dict[Holder, list[str]] = defaultdict(list)
    seen: set[Holder] = set()
    for p in items:
        if rule.attribute is not None and rule.attribute not in p.attributes:
            continue
        start = p.stage_date(rule.from_stage)
        if start is None or start > day:
            continue
        h = ctx.canon(p.holder) if p.holder else ctx.home
        if members is not None and h not in members:
            h = ctx.home
        seen.add(h)
        due = add_months(start, rule.within_months)
        done = p.stage_date(rule.to_stage)
        if done is not None and done > day:
            done = None  # not yet, as of the assessment day
        if done is not None and done < ctx.span.start and done <= due:
            continue  # done on time before the span
        if done is None:
            status = "逾期未完成" if day > due else "进行中"
        else:
            status = "按期完成" if done <= due else "逾期完成"
        item = (
            {"enterprise": p.id, "enterprise_name": p.name}
            if rule.items == "enterprises"
            else {"project": p.id, "project_name": p.name}
        )
        ctx.component(h, rule, None, None, **item, start=start, due=due, done=done, status=status,
                      judged_on=day)  # fmt: skip
        if status == "逾期未完成":
            overdue[h].append(p.id)
            ctx.flag(
                rule.flag, h, rule, f"{p.name}：应于{due.isoformat()}前完成，截至{day.isoformat()}逾期未完成"
            )
        elif status == "逾期完成" and done is not None and done in ctx.span:
            ctx.flag(rule.flag, h, rule, f"{p.name}：应于{due.isoformat()}前完成，{done.isoformat()}逾期完成")
    for h in sorted(seen):
        ctx.component(h, rule, Decimal(len(overdue[h])), None, overdue=overdue[h], judged_on=day,
                      within_months=rule.within_months)  # fmt: skip


def nothing(ctx: Context, rule) -> None:
    """Duties are shown, not scored; admission reviews run on one project (admission.py)."""


EVALUATORS = {
    "quota": quota,
    "target_completion": target_completion,
    "fixed_amount": fixed_amount,
    "completion_rate_subsidy": completion_rate_subsidy,
    "instant_reward": instant_reward,
    "flag": flag,
    "scorecard": scorecard,
    "weighted_periods": weighted_periods,
    "deduction": deduction,
    "bonus": bonus,
    "ranking": ranking,
    "honour_list": honour_list,
    "award_quota": award_quota,
    "per_person_cap": per_person_cap,
    "project_award": project_award,
    "transfer_split": transfer_split,
    "lead_points": lead_points,
    "rolling_evaluation": rolling_evaluation,
    "milestone": milestone,
    "growth": growth,
    "project_kpi": project_kpi,
    "survey": survey,
    "land_recovery": land_recovery,
    "admission": nothing,
    "first_contact": first_contact,
    "deadline": deadline,
    "duty": nothing,
}

# Later phases read what earlier ones wrote: rankings read scores, flags read rankings, awards
# and honour lists read flags (a yellow card bars an award).
PHASE = {"ranking": 1, "survey": 1, "flag": 2, "honour_list": 3, "award_quota": 3}
