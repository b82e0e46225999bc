"""What the evaluators share: the policy's holders and targets, the facts indexed for lookups,
scores and rankings computed once, and the results being written.

Ranking rule (used everywhere): competition ranking as published, from both ends. Tied
holders share a place from the top and a place from the bottom:
- `rank` = 1 + the number of holders strictly better (1, 2, 2, 4; 并列第2名);
- `bottom` = 1 + the number of holders strictly worse (倒数第几名). Scores 10, 9, 8, 0, 0 give the
  two zeros rank 4 and bottom 1: both are 倒数第一, and a “last place” rule takes both.
“Top N” (前五名) takes every holder with rank ≤ N and “bottom N” (后三名, 倒数) every holder with
bottom ≤ N (`Ranked.in_top` / `Ranked.in_bottom`), so a tie across either boundary is in as a
whole: with 10, 9, 8, 7, 7 the bottom three are 8 and both 7s; with 9, 5, 5, 5 all three 5s are
in the bottom three and the top two. A tie can be in both at once: when 55 units tie at 100% and
one is behind, the 55 share bottom place 2 and are in the bottom three too (the admonishment asks
for ≤ 50% as well, so only a rule on the place alone, such as the reassignment, takes them).
Holders without a score are not ranked; every partition is ranked on its own.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .bounds import REACH, meets
from .facts import Facts, Holder
from .organisation import all_group_members
from .periods import PeriodParseError, Span, main_span, months_in, policy_period_span, token_span
from .results import AmountResult, Assessment, Component, FlagResult, HolderResult
from .schema import (
    LeadPoints,
    Policy,
    Scorecard,
    TargetCompletion,
    WeightedPeriods,
)
from .transfers import is_split, moves, split_from, split_rule

ZERO = Decimal(0)
ONE = Decimal(1)
# Amounts a project earns that are held while it is behind on its contract (暂缓兑现, issue 14
# point 5): stage rewards, investment subsidies and the project awards. Tax shares are not rewards.
HELD_KINDS = frozenset(
    {"instant_reward", "project_subsidy", "completion_award", "investment_award", "tax_award"}
)


@dataclass(frozen=True)
class TargetRec:
    holder: Holder
    metric: str
    span: Span
    value: Decimal
    clause: str
    group: str | None = None
    text: str | None = None
    word: str = REACH  # the document's word for the figure (以上, 超过…): met when meets() holds


@dataclass(frozen=True)
class Completion:
    actual: Decimal
    target: TargetRec
    ratio: Decimal
    upto: Span

    @property
    def met(self) -> bool:
        """Whether the target is met, by its word: 超过2000万美元 needs more than 2000."""
        return meets(self.actual, self.target.value, self.target.word)


@dataclass(frozen=True)
class Ranked:
    holder: Holder
    partition: str
    score: Decimal
    rank: int  # 1 + holders strictly better: 1 = best, ties share it
    bottom: int  # 1 + holders strictly worse: 1 = worst (倒数第一), ties share it
    of: int

    def in_top(self, n: int) -> bool:
        """前N名: every holder whose place from the top is N or better, ties included."""
        return self.rank <= n

    def in_bottom(self, n: int) -> bool:
        """后N名 / 倒数第N名以内: every holder whose place from the bottom is N or better."""
        return self.bottom <= n


# (facts, policy, index) of the last Context built: one, so that memory stays that of one policy.
_last_index: tuple | None = None


def _remember_index(facts: Facts, policy: Policy, index: dict) -> None:
    global _last_index
    try:
        _last_index = (weakref.ref(facts), policy, index)
    except TypeError:  # facts that cannot be weakly referenced are simply not cached
        _last_index = None


class Context:
    def __init__(self, policy: Policy, span: Span, facts: Facts):
        self.policy = policy
        self.span = span
        self.facts = facts
        self.main = main_span(policy)
        self.home = Holder("jurisdiction", policy.jurisdiction.code)
        self.unit_names = policy.unit_names()
        # A city's county as a holder: the unit that stands for it (kind county, with the
        # county's division code), so a county named by its code (a transfer's sides) is the
        # one the city's rankings read.
        subdivisions = {j.code for j in policy.subdivisions}
        standing: dict[str, list[str]] = defaultdict(list)
        for u in policy.units:
            if u.jurisdiction in subdivisions:
                standing[u.jurisdiction].append(u.name)
        self.county_units = {code: names[0] for code, names in standing.items() if len(names) == 1}
        self.members = all_group_members(policy)
        self.teams = {t.key: t for t in policy.teams}
        self._tokens: dict[str, Span] = {}
        # The index of the facts is read-only once built, and the same for the assessment and
        # the forecast of one policy over the same facts: the forecast reuses it.
        cached = _last_index
        if cached is not None and cached[0]() is facts and cached[1] is policy:
            self._metric = cached[2]
        else:
            self._metric: dict[tuple[Holder, str, bool], dict[str, Decimal]] = defaultdict(
                lambda: defaultdict(Decimal)
            )
            for f in facts.metrics:
                self._metric[(self.canon(f.holder), f.metric, f.head_led)][f.period] += f.value
            self._apply_transfers()
            _remember_index(facts, policy, self._metric)
        self._targets: dict[tuple[Holder, str], list[TargetRec]] = defaultdict(list)
        self._load_targets()
        self._scores: dict[tuple[str, Span], dict[Holder, Decimal]] = {}
        self._rankings: dict[tuple[str, Span], dict[Holder, Ranked]] = {}
        self._month_scores: dict[tuple[str, Holder, Span], tuple[Decimal, list[Component]]] = {}
        self._published: dict[tuple[str, str], dict[Holder, Decimal]] | None = None
        # Output.
        self.out = Assessment(policy=policy.name, period=span)
        self._results: dict[Holder, HolderResult] = {}
        self.exclusive: dict[str, list[tuple[Holder, Decimal, str, str, str, dict]]] = defaultdict(list)

    # --- Names and holders --------------------------------------------------------------------

    def canon(self, h: Holder) -> Holder:
        if h.kind == "unit" and h.key in self.unit_names:
            return Holder("unit", self.unit_names[h.key].name)
        if h.kind == "jurisdiction" and h.key in self.county_units:
            return Holder("unit", self.county_units[h.key])
        return h

    def holders(self, group: str | None) -> list[Holder]:
        if group is None:
            return [self.home]
        g = self.policy.group(group)
        if g is None:
            return []
        return [Holder(g.holder, n) for n in self.members.get(group, [])]

    def team_units(self, team_key: str) -> list[Holder]:
        t = self.teams.get(team_key)
        if t is None:
            return []
        names = ([t.lead_unit] if t.lead_unit else []) + list(t.member_units)
        return [Holder("unit", self.unit_names[n].name if n in self.unit_names else n) for n in names]

    def team_of(self, h: Holder, among: list[Holder]) -> Holder | None:
        """The one team among `among` that unit `h` belongs to (None if none or several)."""
        found = [t for t in among if t.kind == "team" and h in self.team_units(t.key)]
        return found[0] if len(found) == 1 else None

    # --- Spans and values ---------------------------------------------------------------------

    def token(self, token: str) -> Span:
        s = self._tokens.get(token)
        if s is None:
            if self.policy.period(token) is not None:
                s = policy_period_span(self.policy, token)
            else:
                s = token_span(token)
            self._tokens[token] = s
        return s

    def in_span(self, token: str, span: Span) -> bool:
        try:
            return span.covers(self.token(token))
        except PeriodParseError:
            return False

    def sum_tokens(self, values: dict[str, Decimal], span: Span, since: date | None = None) -> Decimal:
        total = ZERO
        for tok, v in values.items():
            if self.in_span(tok, span) and (since is None or self.token(tok).end >= since):
                total += v
        return total

    def aggregate_of(self, metric: str) -> str:
        m = self.policy.metric(metric)
        return m.aggregate if m is not None else "sum"

    def value(self, holder: Holder, metric: str, span: Span | None = None, head_led: bool = False) -> Decimal:
        span = span or self.span
        rows = self._metric.get((self.canon(holder), metric, head_led))
        if not rows:
            return ZERO
        if self.aggregate_of(metric) == "last":
            inside = [
                (self.token(t).end, -self.token(t).days(), v)
                for t, v in rows.items()
                if self.in_span(t, span)
            ]
            return max(inside)[2] if inside else ZERO
        return self.sum_tokens(rows, span)

    def has_value(self, holder: Holder, metric: str, span: Span) -> bool:
        rows = self._metric.get((self.canon(holder), metric, False)) or {}
        return any(self.in_span(t, span) for t in rows)

    def has_data(self, span: Span) -> bool:
        return any(self.in_span(t, span) for rows in self._metric.values() for t in rows)

    def _apply_transfers(self) -> None:
        """A transferred project's indicators, from construction start (or signing) on, end
        split between the two sides (engine/transfers.py): the other side's share moves from
        the side the facts recorded them under (`Transfer.declared_by`) to the other."""
        rule = split_rule(self.policy.rules)
        if rule is None or not rule.indicator_metrics:
            return
        for p in self.facts.projects:
            tr = p.transfer
            if tr is None:
                continue
            start = split_from(rule, signed_on=p.signed_on, started_on=p.construction_start_on)
            sides = (self.canon(tr.hosting), self.canon(tr.introducing))
            source, target = sides if tr.declared_by == "hosting" else sides[::-1]
            for metric in rule.indicator_metrics:
                for tok, v in p.indicators.get(metric, {}).items():
                    if not is_split(start, self.token(tok).end):
                        continue
                    moved = moves(rule, v, tr.introducing_share, tr.declared_by)
                    self._metric[(source, metric, False)][tok] -= moved
                    self._metric[(target, metric, False)][tok] += moved

    # --- Targets ------------------------------------------------------------------------------

    def _load_targets(self) -> None:
        p = self.policy

        def add(h: Holder, t, group: str | None = None):
            span = policy_period_span(p, t.period or p.main_period)
            self._targets[(h, t.metric)].append(
                TargetRec(h, t.metric, span, t.value, t.clause, group, t.text, t.word or REACH)
            )

        for t in p.targets:
            add(self.home, t)
        for team in p.teams:
            for t in team.targets:
                add(Holder("team", team.key), t)
        for g in p.groups:
            for h in self.holders(g.key):
                for t in g.targets:
                    add(h, t, g.key)
        for f in self.facts.targets:
            h = self.canon(f.holder)
            span = self.token(f.period)
            recs = self._targets[(h, f.metric)]
            same = [
                i
                for i, r in enumerate(recs)
                if r.span == span or (r.span.start, r.span.end) == (span.start, span.end)
            ]
            if same:
                old = recs[same[0]]
                recs[same[0]] = TargetRec(
                    h, f.metric, old.span, f.value, f.clause or old.clause, old.group, old.text, old.word
                )
            else:
                recs.append(TargetRec(h, f.metric, span, f.value, f.clause or "办公室下达", None, None))

    def targets_of(self, holder: Holder) -> list[TargetRec]:
        return [r for (h, _m), recs in self._targets.items() if h == holder for r in recs]

    def target(self, holder: Holder, metric: str, span: Span | None = None, group: str | None = None):
        """The target that applies to the span: one whose period is the span, else the shortest
        covering it, else the shortest containing its end; a target set on `group` first."""
        span = span or self.span
        recs = self._targets.get((self.canon(holder), metric), [])
        if not recs:
            return None

        def fit(r: TargetRec):
            if (r.span.start, r.span.end) == (span.start, span.end):
                return 0
            if r.span.covers(span):
                return 1
            if span.end in r.span:
                return 2
            if r.span.overlaps(span):
                return 3
            return None

        ok = [
            (fit(r), r.group != group, r.span.days(), i, r) for i, r in enumerate(recs) if fit(r) is not None
        ]
        return min(ok)[-1] if ok else None

    def completion(self, holder: Holder, metric: str, span: Span | None = None, group: str | None = None):
        """Actual from the start of the target's period to the end of the span, ÷ target."""
        span = span or self.span
        t = self.target(holder, metric, span, group)
        if t is None or t.value <= 0:
            return None
        upto = Span(t.span.start, min(span.end, t.span.end))
        actual = self.value(holder, metric, upto)
        return Completion(actual, t, actual / t.value, upto)

    # --- Scores and rankings ------------------------------------------------------------------

    def month_score(self, rule: Scorecard, holder: Holder, month: Span) -> tuple[Decimal, list[Component]]:
        key = (rule.id, holder, month)
        if key not in self._month_scores:
            from .evaluators import scorecard_month

            self._month_scores[key] = scorecard_month(self, rule, holder, month)
        return self._month_scores[key]

    def period_score(self, rule: Scorecard, holder: Holder, period: str) -> tuple[Decimal, bool]:
        """A holder's score under a scorecard in one period of the policy, and whether it is the
        published one: the office's published result when the facts carry one for that period
        (a holder missing from it scored 0), else computed from the facts."""
        if self._published is None:
            self._published = {}
            for p in self.facts.published:
                self._published.setdefault((p.rule, p.period), {})[self.canon(p.holder)] = p.score
        published = self._published.get((rule.id, period))
        if published is not None:
            return published.get(holder, ZERO), True
        return self.month_score(rule, holder, policy_period_span(self.policy, period))[0], False

    def score_of(self, key: str, span: Span, holders: list[Holder]) -> dict[Holder, Decimal]:
        """Each holder's score under a rule (target completion, scorecard, weighted periods, lead
        points) or a metric; holders without one (no target) are left out."""
        rule = self.policy.rule(key)
        out: dict[Holder, Decimal] = {}
        for h in holders:
            v: Decimal | None
            if isinstance(rule, TargetCompletion):
                c = self.completion(h, rule.metric, span, rule.group) if rule.metric else None
                v = c.ratio if c else None
            elif isinstance(rule, Scorecard):
                months = [m for m in months_in(span) if span.covers(m)]
                v = (
                    sum((self.month_score(rule, h, m)[0] for m in months), ZERO) / len(months)
                    if months
                    else None
                )
            elif isinstance(rule, WeightedPeriods):
                sc = self.policy.rule(rule.scorecard)
                v = ZERO
                for pk, w in rule.weights.items():
                    v += w * self.period_score(sc, h, pk)[0]
            elif isinstance(rule, LeadPoints):
                from .evaluators import lead_points_of

                v = lead_points_of(self, rule, h, span)[0]
            else:
                v = self.value(h, key, span)
            if v is not None:
                out[h] = v
        return out

    def ranking(self, rule_id: str, span: Span | None = None) -> dict[Holder, Ranked]:
        span = span or self.span
        key = (rule_id, span)
        if key in self._rankings:
            return self._rankings[key]
        rule = self.policy.rule(rule_id)
        out: dict[Holder, Ranked] = {}
        for part in rule.partitions:
            holders = [h for h in self.holders(part) if h not in out]
            scores = self.score_of(rule.score, span, holders)
            out.update(rank(scores, part, descending=rule.order == "desc"))
        self._rankings[key] = out
        return out

    # --- Writing results ----------------------------------------------------------------------

    def result(self, holder: Holder) -> HolderResult:
        holder = self.canon(holder)
        r = self._results.get(holder)
        if r is None:
            r = self._results[holder] = HolderResult(holder)
            self.out.results.append(r)
        return r

    def component(self, holder: Holder, rule, points=None, max=None, clause: str | None = None, **facts):
        c = Component(rule.id, clause or rule.clause, points, max, facts)
        self.result(holder).components.append(c)
        return c

    def flag(self, kind: str, holder: Holder, rule, reason: str) -> None:
        f = FlagResult(kind, self.canon(holder), rule.clause, reason, rule.id)
        if f not in self.out.flags:
            self.out.flags.append(f)

    def amount(
        self,
        kind: str,
        holder: Holder,
        amount: Decimal,
        rule,
        project: str | None = None,
        held: str | None = None,
        **facts,
    ):
        """An amount earned; `held` says why it is held when the caller knows (an award decision's
        project), else its project's `ProjectFact.hold` for the kinds that are rewards."""
        holder = self.canon(holder)
        held = (held or self.hold(project)) if kind in HELD_KINDS else None
        self.out.amounts.append(AmountResult(kind, holder, project, amount, rule.clause, rule.id, held))
        if held:
            facts["held"] = held
        self.component(holder, rule, None, None, amount_wan=amount, kind=kind, project=project, **facts)

    def hold(self, project: str | None) -> str | None:
        """Why a reward or subsidy on `project` is held (its `ProjectFact.hold`), if it is."""
        if project is None:
            return None
        holds = self.__dict__.get("_holds")
        if holds is None:
            holds = self._holds = {p.id: p.hold for p in self.facts.projects if p.hold}
        return holds.get(str(project))

    def flagged(self, holder: Holder, kinds) -> list[str]:
        return [f.kind for f in self.out.flags if f.holder == self.canon(holder) and f.kind in kinds]


def rank(scores: dict[Holder, Decimal], partition: str, descending: bool = True) -> dict[Holder, Ranked]:
    """Competition ranking of one partition from both ends, best first, ties in the order given:
    `rank` is 1 + the holders strictly better, `bottom` 1 + the holders strictly worse, so tied
    holders share both places. See the module docstring."""
    ordered = sorted(scores.items(), key=lambda kv: kv[1], reverse=descending)
    n = len(ordered)
    out: dict[Holder, Ranked] = {}
    i = 0
    while i < n:
        j = i
        while j + 1 < n and ordered[j + 1][1] == ordered[i][1]:
            j += 1
        # ordered[i..j] tie: i holders are better, n − 1 − j are worse.
        for h, s in ordered[i : j + 1]:
            out[h] = Ranked(h, partition, s, i + 1, n - j, n)
        i = j + 1
    return out
