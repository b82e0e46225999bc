"""Gathering the facts an assessment reads, with a handful of aggregate queries.

The engine (`zhaoshang.engine.facts`) says what it needs; this module reads it from the ledger,
field work and the office's own entries, and names every holder as the policy does (a team by
its key, a unit by its name, a person by name, a jurisdiction by its code).

- Money: actual investment, one GROUP BY (holder, month) over `Investment`.
- Projects: the counts of signings, starts and the like (`PROJECT_METRICS`, `STATE_METRICS`),
  credited to the introducing unit and team, and to the policy's jurisdiction (whose total
  covers every record of the jurisdictions under it), in the month of the stage's date, are counted by
  the database: one GROUP BY (holder, month) per stage date, each metric a conditional
  aggregate; the states (`STATE_METRICS`) are each project's stage on the period's as-of day,
  from its stage history. `ProjectFact`s are made only for the projects some rule of the policy can read
  over the span (`project_demand`): a monthly assessment of xinfeng-2024 reads the projects
  signed that month (instant rewards), not the whole ledger.
- Field work: the metrics of `fieldwork.quotas.FIELD_METRICS`, one GROUP BY (holder, month) per
  table with every metric, and its head-led variant, as a conditional aggregate.
- Everything else (exports, output, fund size…) is entered or imported by the office as
  `MetricValue` rows; a metric no source provides is listed in the run's notes, not guessed.

A metric's rows are summed per holder, metric, month and head-led flag before they become
`MetricFact`s (the engine sums them the same way). `gather_many` gathers several policies at
once — a province's counties — with the same queries over all their jurisdictions.
"""

from __future__ import annotations

import calendar
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import NotSupportedError
from django.db.models import BooleanField, Count, DateField, F, Func, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast, Coalesce, TruncMonth

from zhaoshang.engine import facts as ef
from zhaoshang.engine.bounds import includes
from zhaoshang.engine.periods import Span, units_in
from zhaoshang.fieldwork.models import TARGET_REGIONS, Activity, Lead
from zhaoshang.fieldwork.quotas import FIELD_METRICS
from zhaoshang.ledger import performance
from zhaoshang.ledger.models import (
    ENTERPRISE_CLASS_ATTRIBUTES,
    FOREIGN_LARGE_USD_WAN,
    ContractObligation,
    Enterprise,
    Investment,
    Project,
    StageChange,
    effective_attributes,
    priority_attributes,
)
from zhaoshang.org.effective import Organisation, effective, effective_many
from zhaoshang.org.models import Jurisdiction, Person, Policy, Team, Unit

from .models import (
    AssessmentRun,
    AwardDecision,
    MetricValue,
    OfficeDecision,
    PersonReward,
    ProjectEvaluation,
    ProjectTax,
    ProjectTransfer,
    SurveyScore,
)

ZERO = Decimal(0)
WAN_100M = Decimal(10000)  # 1亿元 in 万元
WAN_1BN = Decimal(100000)


class HasAny(Func):
    """Whether a JSON list of strings (a project's `attributes`) holds any of `values`:
    `?|` on PostgreSQL, `json_each` on SQLite."""

    output_field = BooleanField()
    arity = 1

    def __init__(self, expression, values: Sequence[str]):
        super().__init__(expression)
        self.values = tuple(values)

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError(f"HasAny is not implemented for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} ?| %s)", (*params, list(self.values))

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        marks = ", ".join(["%s"] * len(self.values))
        return (
            f"EXISTS (SELECT 1 FROM json_each({sql}) AS attr WHERE attr.value IN ({marks}))",
            (*params, *self.values),
        )


def _has(*attrs: str) -> Q:
    """Projects with any of `attrs`, as `ledger.models.effective_attributes` reads them: their own,
    or one their enterprise's class, listing or 外资 gives them that the office has not excluded."""
    q = Q(HasAny(F("attributes"), attrs))
    for attr in attrs:
        tags = [t for t, a in ENTERPRISE_CLASS_ATTRIBUTES.items() if a == attr]
        derived = Q(HasAny(F("enterprise__tags"), tags)) if tags else Q(pk__in=[])
        if attr == "listed_company":
            derived |= ~Q(enterprise__listed_exchange="")
        if attr == "foreign_over_200m_usd":
            derived |= Q(foreign_investment_usd__gte=FOREIGN_LARGE_USD_WAN)
        if tags or attr in ("listed_company", "foreign_over_200m_usd"):
            q |= derived & ~Q(HasAny(F("attributes_excluded"), [attr]))
    return q


def _industry_has(setting, attrs: Sequence[str]) -> Q:
    """Projects a policy's priority industries (`priority_industries`) give any of `attrs`, as
    `engine.industries` reads them: a priority name within (`contains`) or equal to (`exact`) the
    project's 产业, else its enterprise's, Latin letters without case; the office's exclusion of
    the attribute on the project holds."""
    given = [a for a in attrs if setting is not None and a in setting.attributes]
    if not given:
        return Q(pk__in=[])
    lookup = "iexact" if setting.match == "exact" else "icontains"
    names = Q(pk__in=[])
    for ind in setting.industries:
        names |= Q(**{f"industry__{lookup}": ind.name}) | (
            Q(industry="") & Q(**{f"enterprise__industry__{lookup}": ind.name})
        )
    # It has one of them unless the office excluded every one it gives.
    excluded = Q(HasAny(F("attributes_excluded"), [given[0]]))
    for a in given[1:]:
        excluded &= Q(HasAny(F("attributes_excluded"), [a]))
    return names & ~excluded


def _over(amount: Decimal) -> Q:
    return Q(total_investment__gte=amount)


_LISTED = _has("listed_company", "listed_manufacturing")
_RANK500 = _has("world500", "china500", "private500")
_HEAD = _has("head_enterprise")
_CHAIN = _has("chain_project", "talent_tech_transfer")
_OVER_1BN = _over(WAN_1BN)
_CONTRACT_REVIEW = Q(signing_kind="contract_review")
# 001 附件§一(一) 实质性签约（即按程序完成送签、过会）: a completed formal signing, in the month it
# happened. A signing recorded without a kind is taken as formal (the ledger's plain 签约).
_FORMAL = Q(signing_kind__in=("formal", ""))
# metric → (stage date the project counts in, which projects (None: all), value: 1 or the
# investment). Metrics sharing a definition object are counted once.
PROJECT_METRICS: dict[str, tuple[str, Q | None, str]] = {
    "projects_signed": ("signed_on", None, "count"),
    "signed_investment": ("signed_on", None, "investment"),
    "projects_started": ("started_on", None, "count"),
    "projects_in_production": ("production_on", None, "count"),
    "projects_over_100m": ("signed_on", _over(WAN_100M), "count"),
    "projects_over_1bn": ("signed_on", _OVER_1BN, "count"),
    "projects_over_1bn_signed": ("signed_on", _OVER_1BN, "count"),
    "listed_companies": ("signed_on", _LISTED, "count"),
    "signed_listed_projects": ("signed_on", _LISTED, "count"),
    "listed_signed": ("signed_on", _LISTED, "count"),
    "rank500_enterprises": ("signed_on", _RANK500, "count"),
    "signed_rank500_projects": ("signed_on", _RANK500, "count"),
    "head_enterprises": ("signed_on", _HEAD, "count"),
    "signed_head_enterprise_projects": ("signed_on", _HEAD, "count"),
    "quality_projects": ("signed_on", _has("quality_project"), "count"),
    "chain_projects": ("signed_on", _CHAIN, "count"),
    "signed_chain_projects": ("signed_on", _CHAIN, "count"),
    # 001 附件§一(三) 签约项目（或正在送签项目）是否为围绕电子信息首位产业、新能源、装备制造项目: the
    # projects the policy's priority industries make 主导产业项目 (or entered so on the project).
    "signed_lead_industry_projects": ("signed_on", _has("leading_industry"), "count"),
    "srdi_projects_over_1bn": ("signed_on", _has("srdi") & _OVER_1BN, "count"),
    "event_signed_projects": ("signed_on", Q(signed_at_event=True), "count"),
    "signings_substantive": ("signed_on", _FORMAL, "count"),
    "signings_intent": ("signed_on", Q(signing_kind="intent"), "count"),
    "signings_contract_sent": ("signed_on", _CONTRACT_REVIEW, "count"),
    # 001 §二 6月: 落实1个以上按程序审签协议的项目: an agreement in the review-and-sign procedure —
    # sent for review (合同送签) or through it (a formal signing, 按程序完成送签、过会: 附件§一(一)),
    # not an intent.
    "agreements_in_review": ("signed_on", Q(signing_kind__in=("contract_review", "formal", "")), "count"),
    # 001 §二 7月: 签约1个以上10亿元项目（含项目协议进入实质性送签程序）: signed or sent for
    # review, not an intent.
    "projects_over_1bn_signing": ("signed_on", _OVER_1BN & ~Q(signing_kind="intent"), "count"),
    "groundbreaking_ceremonies": ("started_on", Q(start_kind="ceremony"), "count"),
    "substantive_starts": ("started_on", Q(start_kind="substantive"), "count"),
    "new_projects_landed": ("started_on", None, "count"),
    # 001 §二 8月: 完成1个以上项目实质性落地: construction started (开工), not only signed.
    "projects_landed": ("started_on", None, "count"),
    # 002 §二1: 新引进并开工建设投资超2000万元的项目不少于45个，其中投资5-10亿元的项目不少于2个，
    # 投资10-20亿元的项目不少于2个，投资20亿元以上的工业项目不少于1个 (started in the month;
    # 超 is strictly over, a range includes its lower bound, 以上 includes its bound).
    "projects_over_20m_started": ("started_on", Q(total_investment__gt=2000), "count"),
    "projects_500m_to_1bn": (
        "started_on",
        Q(total_investment__gte=50000, total_investment__lt=WAN_1BN),
        "count",
    ),
    "projects_1bn_to_2bn": (
        "started_on",
        Q(total_investment__gte=WAN_1BN, total_investment__lt=200000),
        "count",
    ),
    "industrial_projects_over_2bn": (
        "started_on",
        Q(total_investment__gte=200000, category="industry"),
        "count",
    ),
}
# Signing metrics that say 签约 without a kind: they count the kinds the policy's
# `signing_kinds` setting names (every kind without it). Metrics with a kind of their own
# (signings_intent, agreements_in_review…) are not affected. Those the document writes
# “签约项目（或正在送签项目）” (001 附件§一(二)(三)) count a contract sent for signature as well.
SIGNING_METRICS = frozenset({
    "projects_signed", "signed_investment", "projects_over_100m", "projects_over_1bn",
    "projects_over_1bn_signed", "listed_companies", "listed_signed", "rank500_enterprises",
    "head_enterprises", "quality_projects", "chain_projects", "srdi_projects_over_1bn",
    "event_signed_projects",
})  # fmt: skip
SIGNED_OR_SENT_METRICS = frozenset({
    "signed_listed_projects", "signed_rank500_projects", "signed_head_enterprise_projects",
    "signed_chain_projects", "signed_lead_industry_projects",
})  # fmt: skip
# Metrics that count projects with an attribute (their condition is `_has(*attrs)`) a policy's
# priority industries may give: for a policy whose setting gives one, they are counted with its
# industries added (`_industry_has`), in a query of their own (`_Batch.project_counts`).
ATTRIBUTE_METRICS: dict[str, tuple[str, ...]] = {
    "chain_projects": ("chain_project", "talent_tech_transfer"),
    "signed_chain_projects": ("chain_project", "talent_tech_transfer"),
    "signed_lead_industry_projects": ("leading_industry",),
    "quality_projects": ("quality_project",),
    "head_enterprises": ("head_enterprise",),
    "signed_head_enterprise_projects": ("head_enterprise",),
}
# 001 附件§一(一) 签约的先后顺序（率先签约）: of a jurisdiction's signings in a month, those on its
# earliest signing date (ties share it), counted in that month for their unit and team.
FIRST_SIGNINGS = "first_signings"
_NEGOTIATING = ("negotiating", "substantive")
# 001 §二 6月 落实10家上市公司进入实质性谈判: 实质性谈判, not 在谈; a company that has gone on to sign
# (or further) in the meantime has entered it too.
_SUBSTANTIVE_OR_LATER = ("substantive", "signed", "started", "production", "full_production")
# Metrics that hold a state on a day, not a flow by month: metric → (the stages it counts,
# which projects (None: all)). Terminated projects never count. The assessment counts the
# stage each project was in on the period's as-of day (`_Batch.project_counts`).
STATES: dict[str, tuple[tuple[str, ...], Q | None]] = {
    "key_projects_in_negotiation": (_NEGOTIATING, _has("key_project") | _OVER_1BN),
    "listed_in_negotiation": (_SUBSTANTIVE_OR_LATER, _LISTED),
}


# 001 §二 7月增加5家 / 8月再增加3家上市公司进入实质性谈判: what was added in the month, not the
# stock. A project is added in the month its history (`StageChange`) first takes it to 实质性谈判
# or beyond (a listed company that went from 在谈 straight to 签约 has entered it too); a project
# without history cannot be dated and is not counted. metric → which projects.
ENTERED: dict[str, Q] = {"listed_entered_negotiation": _LISTED}
_FROM_SUBSTANTIVE = _SUBSTANTIVE_OR_LATER


def _in_stage(stages: tuple[str, ...], cond: Q | None) -> Q:
    q = Q(stage__in=stages)
    return q if cond is None else q & cond


# The same on the stage projects are in now (the dashboards' drill-downs).
STATE_METRICS: dict[str, Q] = {metric: _in_stage(*state) for metric, state in STATES.items()}


def stage_on(day: date):
    """The stage a project was in on `day`, from its history (`StageChange`): the stage of its
    latest change on or before that day; before its first change, the stage that change left
    (blank for its registration); a project without history is taken at its current stage."""
    history = StageChange.objects.filter(project=OuterRef("pk"))
    return Coalesce(
        Subquery(history.filter(on__lte=day).order_by("-on", "-id").values("to_stage")[:1]),
        Subquery(history.filter(on__gt=day).order_by("on", "id").values("from_stage")[:1]),
        F("stage"),
    )


STAGES_AFTER_SIGNING = ("signed", "started", "production", "full_production")
# The project dates a rule's stage names.
STAGE_FIELDS = {"signing": "signed_on", "construction_start": "started_on", "production": "production_on"}
# Rule types that read neither `Facts.projects` nor `Facts.leads`.
_READS_METRICS_ONLY = {
    "quota", "target_completion", "fixed_amount", "flag", "scorecard", "weighted_periods",
    "deduction", "bonus", "ranking", "honour_list", "award_quota", "per_person_cap",
    "project_award", "milestone", "growth", "survey", "admission", "duty", "lead_points",
}  # fmt: skip


# Counts are small: one Decimal each, shared (they are immutable).
_SMALL_DECIMALS = [Decimal(i) for i in range(1000)]


def token(d: date) -> str:
    return f"{d.year}-{d.month:02d}"


class ProjectDemand(NamedTuple):
    """Which projects a policy's rules can read over a span."""

    every: bool  # every project (yearly subsidies, rolling evaluations, unknown rule types…)
    ranges: frozenset[tuple[str, date, date]]  # else those with one of these dates in range
    transferred: bool  # and those handed to another jurisdiction
    investment: bool  # whether their monthly investment is read

    @property
    def none(self) -> bool:
        return not (self.every or self.ranges or self.transferred)

    def q(self) -> Q:
        if self.every:
            return Q()
        q = Q(pk__in=[])
        for field, start, end in sorted(self.ranges):
            q |= Q(**{f"{field}__range": (start, end)})
        if self.transferred:
            q |= Q(transfer__isnull=False)
        return q


def project_demand(spec, span: Span) -> ProjectDemand:
    """The projects the evaluators (`engine/evaluators.py`) of the policy's rules can read over
    the span, as wide as they can read them; a rule type not known here reads every project."""
    every = transferred = investment = False
    ranges: set[tuple[str, date, date]] = set()
    years = bool(units_in(span, "year"))
    for rule in spec.rules:
        kind = rule.type
        if kind in _READS_METRICS_ONLY:
            continue
        if kind == "instant_reward":  # projects reaching the stage in the span
            ranges.add((STAGE_FIELDS[rule.stage], span.start, span.end))
        elif kind == "land_recovery":  # grounds found in the span; the one gathered: the start due
            ranges.add(("contract_start_due", span.start, span.end))
        elif kind == "transfer_split":  # transferred projects (and `Context._apply_transfers`)
            transferred = True
        elif kind == "first_contact":  # projects with contacts: none are gathered yet
            continue
        elif kind in ("completion_rate_subsidy", "rolling_evaluation"):  # each whole year
            if years:
                every = True
                investment |= kind == "completion_rate_subsidy"
        elif kind == "project_kpi":  # quarters and longer
            if span.kind not in ("month", "week"):
                every = investment = True
        elif kind == "deadline" and rule.items == "enterprises":  # `_enterprise_facts`
            continue
        else:  # deadline (every item in progress is listed) and any other
            every = True
    if every:
        ranges, transferred = set(), False
    return ProjectDemand(every, frozenset(ranges), transferred, investment)


def _reads_leads(spec) -> bool:
    return any(rule.type == "lead_points" for rule in spec.rules)


def _field_aggregate(aggregate, where: Q):
    """A copy of one of FIELD_METRICS' aggregates counting only the rows `where` selects."""
    cond = where if aggregate.filter is None else Q(aggregate.filter) & where
    return type(aggregate)(*aggregate.source_expressions, distinct=aggregate.distinct, filter=cond)


def _through_relation(m) -> bool:
    """Whether a field metric aggregates over a many-valued relation (which would repeat the
    rows for every other aggregate of the same query)."""
    for expr in m.aggregate.source_expressions:
        name = getattr(expr, "name", "")
        field = m.model._meta.get_field(name.split("__")[0]) if name else None
        if field is not None and (field.many_to_many or field.one_to_many or "__" in name):
            return True
    return False


def _month(field: str):
    """The first day of the month of a date field, as a date (PostgreSQL's date_trunc gives a
    timestamp, which is slower to read back than a date)."""
    return Cast(TruncMonth(field), DateField())


class _Tokens(dict):
    def __missing__(self, d: date) -> str:
        self[d] = t = token(d)
        return t


# --- one policy ------------------------------------------------------------------------------


class _Policy:
    """What is gathered for one policy."""

    def __init__(
        self, policy: Policy, span: Span, as_of: date, jurisdictions: set[int], units, teams, people=None,
        organisation: Organisation | None = None,
    ):  # fmt: skip
        self.policy = policy
        self.span = span
        self.as_of = as_of
        # The organisation and targets as the office keeps them (org/effective.py), or as a
        # published run of the same period stored them.
        self.organisation = organisation or effective(policy)
        self.spec = self.organisation.spec
        self.jurisdictions = jurisdictions
        # Holders are numbered: the sums below are keyed by number (cheaper to hash than a Holder).
        self.holder_list: list[ef.Holder] = []
        self._numbers: dict[ef.Holder, int] = {}
        self.units = {pk: self.number(ef.unit(name)) for pk, name in units.items()}
        self.teams = {pk: self.number(ef.team(key)) for pk, key in teams.items()}
        # The people the policy names (责任县领导…): credited with the investment of the projects
        # they are responsible for (000 附件2 每年完成实际引进投资1亿元以上).
        named = {p.name for p in self.spec.people}
        self.people = {
            pk: self.number(ef.person(name)) for pk, name in (people or {}).items() if name in named
        }
        self.home = self.number(ef.jurisdiction(policy.jurisdiction.code))
        self.demand = project_demand(self.spec, span)
        kinds = getattr(self.spec, "signing_kinds", None)
        # The signing kinds a bare 签约 counts (None: every kind); a blank kind is formal.
        self.signing_kinds = None if kinds is None else frozenset(kinds)
        self.signed_or_sent = None if kinds is None else frozenset(kinds) | {"contract_review"}
        self.reads_leads = _reads_leads(self.spec)
        # The document's priority industries, and the metrics they change for this policy.
        self.priority = getattr(self.spec, "priority_industries", None)
        given = set(self.priority.attributes) if self.priority else set()
        # Project metrics the policy words itself (`metrics[].projects`: 超亿元项目…), counted
        # by `_Batch._declared_counts` in place of the platform's definition of the same key.
        self.declared = {m.key: m.projects for m in self.spec.metrics if m.projects is not None}
        self.industry_metrics = frozenset(
            m for m, attrs in ATTRIBUTE_METRICS.items() if given & set(attrs) and m not in self.declared
        )
        # Metrics the common project counts leave to a query of this policy's own.
        self.own_metrics = self.industry_metrics | frozenset(self.declared)
        self._pairs: dict[tuple, tuple[int, ...]] = {}
        # (holder number, metric, period, head_led) → value
        self.sums: dict[tuple[int, str, str, bool], object] = {}
        self.entered_metrics: list[ef.MetricFact] = []
        self.projects: list[ef.ProjectFact] = []
        self.enterprises: list[ef.EnterpriseFact] = []
        self.leads: list[ef.LeadFact] = []
        self.entered_rest: tuple = ((), (), (), (), ())
        self.prior: list[ef.PriorCondition] = []
        self.published: list[ef.PublishedScore] = []
        self.provided: set[str] = set()

    def number(self, holder: ef.Holder) -> int:
        n = self._numbers.get(holder)
        if n is None:
            n = self._numbers[holder] = len(self.holder_list)
            self.holder_list.append(holder)
        return n

    def holders(self, unit_id, team_id) -> tuple[int, ...]:
        """The numbers of the holders a record of this unit and team is credited to."""
        key = (unit_id, team_id)
        out = self._pairs.get(key)
        if out is None:
            out = tuple(h for h in (self.units.get(unit_id), self.teams.get(team_id)) if h is not None)
            self._pairs[key] = out
        return out

    def wide(self, jurisdiction_id, unit_id, team_id) -> tuple[int, ...]:
        """The holders a record's figures (not its head-led ones) are credited to: its unit and
        team, the county it was made in where a city policy has a unit standing for that county,
        and the policy's jurisdiction. A city ranks its counties on all their records, whichever
        of their units made them — as the dashboards count a county, and as a transfer's split
        (engine/transfers.py) takes its hosting share from the introducing county's figures."""
        holders = self.holders(unit_id, team_id)
        county = self.county_of(jurisdiction_id)
        if county is None or county in holders:
            return (*holders, self.home)
        return (*holders, county, self.home)

    def county_of(self, jurisdiction_id) -> int | None:
        """The number of the unit standing for a county of a city policy (kind county, with the
        county's division code: sanming's 三元区…), or None."""
        counties = self.__dict__.get("_counties")
        if counties is None:
            codes = {j.code for j in self.spec.subdivisions}
            by_code = {u.jurisdiction: u.name for u in self.spec.units if u.jurisdiction in codes}
            counties = {}
            if by_code:
                for pk, code in Jurisdiction.objects.filter(
                    pk__in=self.jurisdictions, code__in=by_code
                ).values_list("pk", "code"):
                    counties[pk] = self.number(ef.unit(by_code[code]))
            self._counties = counties
        return counties.get(jurisdiction_id)

    def holder(self, unit_id, team_id) -> ef.Holder | None:
        """The holder a project is credited to: its team, else its unit."""
        numbers = self.holders(unit_id, team_id)
        if team_id in self.teams:
            return self.holder_list[self.teams[team_id]]
        return self.holder_list[numbers[0]] if numbers else None

    def counts_signing(self, metric: str, kind: str) -> bool:
        """Whether a signing of this kind counts for a metric under the policy's setting."""
        if self.signing_kinds is None:
            return True
        kind = kind or "formal"
        declared = self.declared.get(metric)
        if metric in SIGNING_METRICS or (declared is not None and declared.stage == "signed"):
            return kind in self.signing_kinds
        if metric in SIGNED_OR_SENT_METRICS:
            return kind in self.signed_or_sent
        return True

    def add(self, holder: int, metric: str, period: str, value, head_led: bool = False):
        key = (holder, metric, period, head_led)
        self.sums[key] = self.sums.get(key, 0) + value

    def facts(self) -> tuple[ef.Facts, list[str]]:
        holders, sums, self.sums = self.holder_list, self.sums, {}
        decimals = _SMALL_DECIMALS
        metrics = [
            ef.MetricFact(
                holders[h], m, p, decimals[v] if v.__class__ is int and 0 <= v < 1000 else Decimal(v), head
            )
            for (h, m, p, head), v in sums.items()
        ]
        del sums
        metrics += self.entered_metrics
        surveys, decisions, amounts, awards, rewards = self.entered_rest
        facts = ef.Facts(
            metrics=tuple(metrics),
            projects=tuple(self.projects),
            enterprises=tuple(self.enterprises),
            leads=tuple(self.leads),
            surveys=surveys,
            decisions=decisions,
            award_amounts=amounts,
            award_decisions=awards,
            person_rewards=rewards,
            prior=tuple(self.prior),
            published=tuple(self.published),
            targets=self.organisation.targets,
            as_of=self.as_of,
        )
        return facts, self.missing_metrics()

    def missing_metrics(self) -> list[str]:
        """Metrics the policy's rules and targets read that no source provided."""
        return sorted(metrics_read(self.spec) - self.provided)


def metrics_read(spec) -> set[str]:
    """The metrics a policy's rules and targets name."""
    return set(re.findall(r'"metric":\s*"([a-z0-9_]+)"', spec.model_dump_json()))


# Metrics counted from the records of other apps (packaged projects, the target library…):
# metric → the dotted path of a function `(jurisdiction pks, policy start, span end)` returning
# rows `(policy_id or None, jurisdiction_id, unit_id, team_id, month, value)` (packages/metrics.py
# documents the contract). Each is ledger-derived: the office cannot type it (`ledger_metrics`,
# `assessment.models.policy_metrics`) and typed rows of it are not read. An app adds its metric
# with one entry here.
RECORD_METRICS: dict[str, str] = {
    "packaged_chain_projects": "zhaoshang.packages.metrics.packaged_chain_projects",
    "packaged_key_projects": "zhaoshang.packages.metrics.packaged_key_projects",
    "upstream_downstream_firms": "zhaoshang.packages.metrics.upstream_downstream_firms",
    "target_enterprise_library": "zhaoshang.targets.metrics.target_enterprise_library",
}
# Those of them that are stocks (the policy reads the latest month, `aggregate: last`): a month's 0
# is a value (the library emptied), not an absence that would leave an earlier month's stock read.
STOCK_RECORD_METRICS = frozenset({"target_enterprise_library"})


def ledger_metrics(spec=None) -> set[str]:
    """The metrics the ledger, field work and the other apps' records give (with those `spec`
    counts from projects in its own words); the others come from what the office enters."""
    own = {m.key for m in spec.metrics if m.projects is not None} if spec is not None else set()
    return {
        *RECORD_METRICS,
        "actual_investment",
        *PROJECT_METRICS,
        *STATE_METRICS,
        *ENTERED,
        FIRST_SIGNINGS,
        *FIELD_METRICS,
        *own,
    }


DECLARED_STAGES = {"signed": "signed_on", "started": "started_on", "production": "production_on"}


def declared_condition(d, priority=None) -> Q:
    """The projects a worded project metric (`ProjectCount`) counts, its word read by
    engine/bounds.py: 超 and 超过 keep what is over the number, 以上 the number too."""
    cond = Q()
    if d.investment is not None:
        op = "gte" if includes(d.word) else "gt"
        cond &= Q(**{f"total_investment__{op}": d.investment})
    if d.below is not None:
        cond &= Q(total_investment__lt=d.below)
    if d.attributes:
        cond &= _has(*d.attributes) | _industry_has(priority, d.attributes)
    if d.category:
        cond &= Q(category=d.category)
    return cond


# --- sources, for policies sharing a start date -------------------------------------------------


class _Batch:
    """Policies gathered with the same queries: each row, grouped by jurisdiction, is credited
    to every policy whose jurisdiction contains it."""

    def __init__(self, states: list[_Policy], span: Span, as_of: date, start: date):
        self.states = states
        self.span = span
        self.as_of = as_of
        self.start = start
        self.covering: dict[int, list[_Policy]] = defaultdict(list)
        for s in states:
            for j in s.jurisdictions:
                self.covering[j].append(s)
        self.jurisdictions = sorted(self.covering)
        self.tokens = _Tokens()

    def investment(self):
        # From the start of the policy: cumulative targets (three-year) read earlier months too.
        rows = (
            Investment.objects.filter(
                jurisdiction_id__in=self.jurisdictions,
                month__gte=self.start.replace(day=1),
                month__lte=self.span.end,
            )
            .order_by()
            .values_list("jurisdiction_id", "unit_id", "team_id", "month", "project__responsible_leader_id")
            .annotate(total=Sum("amount"))
        )
        tokens = self.tokens
        for jur, unit_id, team_id, month, leader_id, total in rows:
            tok = tokens[month]
            for s in self.covering[jur]:
                for h in s.wide(jur, unit_id, team_id):
                    s.add(h, "actual_investment", tok, total)
                leader = s.people.get(leader_id)
                if leader is not None:
                    s.add(leader, "actual_investment", tok, total)
        for s in self.states:
            s.provided.add("actual_investment")

    def project_counts(self):
        end = self.span.end
        base = Project.objects.filter(
            jurisdiction_id__in=self.jurisdictions, registered_on__lte=end
        ).order_by()
        by_field: dict[str, list[tuple[str, Q | None, str]]] = defaultdict(list)
        for metric, (field, cond, value) in PROJECT_METRICS.items():
            by_field[field].append((metric, cond, value))
        for field, defs in by_field.items():
            aggregates, names = {}, []
            seen: dict[tuple[int, str], str] = {}
            for metric, cond, value in defs:
                key = (id(cond), value)
                if key not in seen:
                    alias = seen[key] = f"v{len(seen)}"
                    if value == "investment":
                        aggregates[alias] = Sum("total_investment", filter=cond)
                    else:
                        aggregates[alias] = Count("id", filter=cond)
                names.append((metric, int(seen[key][1:]), False, value == "investment"))
            # Signings are grouped by their kind too: which kinds a bare 签约 counts is each
            # policy's setting (`signing_kinds`).
            by_kind = field == "signed_on"
            group = ["jurisdiction_id", "unit_id", "team_id", "month"] + (["signing_kind"] if by_kind else [])
            rows = (
                base.filter(**{f"{field}__lte": end})
                .annotate(month=_month(field))
                .values_list(*group)
                .annotate(**aggregates)
            )
            self._credit(rows, names, by_kind=by_kind)
        self._industry_counts(base, end)
        self._declared_counts(base, end)
        self._first_signings(base, end)
        self._entered(base, end)
        # States on the period's as-of day (the day the data runs to, within the span): each
        # project at the stage its history gives for that day, grouped by that stage, with a
        # count per condition; the stages each metric counts are added up here.
        day = min(self.as_of, end)
        conds: dict[int, str] = {}
        aggregates = {"n": Count("id")}
        for _stages, cond in STATES.values():
            if cond is not None and id(cond) not in conds:
                conds[id(cond)] = alias = f"c{len(conds)}"
                aggregates[alias] = Count("id", filter=cond)
        columns = list(aggregates)
        names = [
            (metric, frozenset(stages), columns.index(conds[id(cond)]) if cond is not None else 0)
            for metric, (stages, cond) in STATES.items()
        ]
        for on in self._state_days(day):
            rows = (
                base.filter(registered_on__lte=on)
                .annotate(stage_then=stage_on(on))
                .values_list("jurisdiction_id", "unit_id", "team_id", "stage_then")
                .annotate(**aggregates)
            )
            on_token = token(on)
            for jur, unit_id, team_id, stage, *values in rows:
                for s in self.covering[jur]:
                    holders = s.wide(jur, unit_id, team_id)
                    for metric, stages, i in names:
                        if stage in stages and values[i]:
                            for h in holders:
                                s.add(h, metric, on_token, values[i])
        for s in self.states:
            s.provided |= set(PROJECT_METRICS) | set(STATE_METRICS) | set(ENTERED) | {FIRST_SIGNINGS}

    def _state_days(self, day: date) -> list[date]:
        """The days the states are taken on: the span's as-of day, and where a policy reads a
        state over a span of several months (a campaign whose June milestone asks how many
        listed companies were in 实质性谈判 in June), the last day of each month before it too,
        each under its month's token (the policy reads such a metric as `aggregate: last`)."""
        reads = any(set(STATES) & metrics_read(s.spec) for s in self.states)
        days = [day]
        if reads:
            y, m = self.span.start.year, self.span.start.month
            while (y, m) < (day.year, day.month):
                days.append(date(y, m, calendar.monthrange(y, m)[1]))
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return days

    def _industry_counts(self, base, end):
        """The metrics a policy's priority industries change (`industry_metrics`), for the
        policies sharing one setting: counted with the projects of those industries added; the
        query above leaves these metrics out for them."""
        variants: dict[str, list[_Policy]] = defaultdict(list)
        for s in self.states:
            if s.industry_metrics:
                variants[s.priority.model_dump_json()].append(s)
        for group in variants.values():
            setting, metrics = group[0].priority, group[0].industry_metrics
            by_field: dict[str, list[str]] = defaultdict(list)
            for metric in sorted(metrics):
                by_field[PROJECT_METRICS[metric][0]].append(metric)
            for field, wanted in by_field.items():
                aggregates, names, seen = {}, [], {}
                for metric in wanted:
                    attrs = ATTRIBUTE_METRICS[metric]
                    if attrs not in seen:
                        seen[attrs] = alias = f"v{len(seen)}"
                        aggregates[alias] = Count("id", filter=_has(*attrs) | _industry_has(setting, attrs))
                    names.append((metric, int(seen[attrs][1:]), False, False))
                by_kind = field == "signed_on"
                group_by = ["jurisdiction_id", "unit_id", "team_id", "month"] + (
                    ["signing_kind"] if by_kind else []
                )
                rows = (
                    base.filter(**{f"{field}__lte": end})
                    .annotate(month=_month(field))
                    .values_list(*group_by)
                    .annotate(**aggregates)
                )
                self._credit(rows, names, by_kind=by_kind, only=set(group))

    def _declared_counts(self, base, end):
        """The project metrics a policy words itself (`metrics[].projects`), for the policies
        sharing the same wording: one query per stage, credited to those policies only."""
        variants: dict[str, list[_Policy]] = defaultdict(list)
        for s in self.states:
            if s.declared:
                key = json.dumps(
                    [{k: v.model_dump(mode="json") for k, v in sorted(s.declared.items())},
                     s.priority.model_dump(mode="json") if s.priority else None],
                    sort_keys=True,
                )  # fmt: skip
                variants[key].append(s)
        for group in variants.values():
            first = group[0]
            by_stage: dict[str, list[tuple[str, object]]] = defaultdict(list)
            for metric, d in sorted(first.declared.items()):
                by_stage[DECLARED_STAGES[d.stage]].append((metric, d))
            for field, defs in by_stage.items():
                aggregates, names = {}, []
                for i, (metric, d) in enumerate(defs):
                    cond = declared_condition(d, first.priority)
                    alias = f"v{i}"
                    if d.value == "investment":
                        aggregates[alias] = Sum("total_investment", filter=cond)
                    else:
                        aggregates[alias] = Count("id", filter=cond)
                    names.append((metric, i, False, d.value == "investment"))
                by_kind = field == "signed_on"
                group_by = ["jurisdiction_id", "unit_id", "team_id", "month"] + (
                    ["signing_kind"] if by_kind else []
                )
                rows = (
                    base.filter(**{f"{field}__lte": end})
                    .annotate(month=_month(field))
                    .values_list(*group_by)
                    .annotate(**aggregates)
                )
                self._credit(rows, names, by_kind=by_kind, only=set(group))
        for s in self.states:
            s.provided |= set(s.declared)

    def _entered(self, base, end):
        """`ENTERED`: each project's first step into 实质性谈判 or beyond, counted in its month."""
        for metric, cond in ENTERED.items():
            rows = (
                base.filter(cond)
                .annotate(
                    entered=Min("stage_changes__on", filter=Q(stage_changes__to_stage__in=_FROM_SUBSTANTIVE))
                )
                .filter(entered__isnull=False, entered__lte=end)
                .values_list("jurisdiction_id", "unit_id", "team_id", "entered")
            )
            grouped: dict[tuple, int] = defaultdict(int)
            for jur, unit_id, team_id, d in rows:
                grouped[(jur, unit_id, team_id, d.replace(day=1))] += 1
            self._credit([(*key, n) for key, n in grouped.items()], [(metric, 0, False, False)])

    def _first_signings(self, base, end):
        """`FIRST_SIGNINGS`: each (jurisdiction, month)'s earliest date among the signings a
        policy counts (its `signing_kinds`; every kind without the setting — an intent signing
        does not make a formal one second where only formal signings count), then the signings
        on those dates, grouped."""
        variants: dict[frozenset | None, list[_Policy]] = defaultdict(list)
        for s in self.states:
            variants[s.signing_kinds].append(s)
        for kinds, group in variants.items():
            signed = base.filter(signed_on__lte=end)
            if kinds is not None:
                counted = Q(signing_kind__in=kinds)
                if "formal" in kinds:
                    counted |= Q(signing_kind="")  # a signing recorded without a kind is formal
                signed = signed.filter(counted)
            firsts = {
                (jur, d)
                for jur, _month_start, d in signed.annotate(month=_month("signed_on"))
                .values_list("jurisdiction_id", "month")
                .annotate(first=Min("signed_on"))
            }
            if not firsts:
                continue
            rows = (
                signed.filter(signed_on__in=sorted({d for _, d in firsts}))
                .values_list("jurisdiction_id", "unit_id", "team_id", "signed_on")
                .annotate(n=Count("id"))
            )
            grouped: dict[tuple, int] = defaultdict(int)
            for jur, unit_id, team_id, d, n in rows:
                if (jur, d) in firsts:
                    grouped[(jur, unit_id, team_id, d.replace(day=1))] += n
            self._credit(
                [(*key, n) for key, n in grouped.items()],
                [(FIRST_SIGNINGS, 0, False, False)],
                only=set(group),
            )

    def _credit(self, rows, names, by_kind: bool = False, only: set | None = None):
        """Rows of (jurisdiction, unit, team, month, *values) to each covering policy's holders:
        the unit and team of the row, and the policy's own jurisdiction (its home total covers
        every record of the jurisdictions under it, as actual investment does; head-led figures
        are a unit's or team's only). `names`: (metric, index of its value, head-led, whether it
        is a sum of money: kept when any project was summed, even to 0; other values are kept
        when not 0). `by_kind`: the rows carry the signing kind after the month, and each policy
        counts the kinds its `signing_kinds` setting names. `only`: the policies these rows are
        for (a priority-industry variant); without it, a policy's `industry_metrics` are skipped."""
        tokens = self.tokens
        for jur, unit_id, team_id, month, *values in rows:
            tok = tokens[month]
            kind = values.pop(0) if by_kind else ""
            for s in self.covering[jur]:
                if only is not None and s not in only:
                    continue
                own = s.own_metrics if only is None else ()
                holders = s.holders(unit_id, team_id)
                with_home = s.wide(jur, unit_id, team_id)
                sums = s.sums
                for metric, i, head_led, amount in names:
                    if by_kind and not s.counts_signing(metric, kind):
                        continue
                    if metric in own:
                        continue
                    v = values[i]
                    if (v is not None) if amount else v:
                        for h in holders if head_led else with_home:
                            key = (h, metric, tok, head_led)
                            sums[key] = sums.get(key, 0) + v

    def fieldwork(self):
        start, end = self.start, self.span.end
        queries: dict[tuple, list[tuple[str, object]]] = defaultdict(list)
        for metric, m in FIELD_METRICS.items():
            alone = _through_relation(m)
            queries[(m.model, m.date_field, metric if alone else "")].append((metric, m))
        for (model, date_field, _), metrics in queries.items():
            aggregates: dict[str, object] = {}
            names = []
            anything = Q(pk__in=[])
            for metric, m in metrics:
                anything |= m.where
                names.append((metric, len(aggregates), False, False))
                aggregates[f"v{len(aggregates)}"] = _field_aggregate(m.aggregate, m.where)
                if m.by_head:
                    names.append((metric, len(aggregates), True, False))
                    aggregates[f"v{len(aggregates)}"] = _field_aggregate(
                        m.aggregate, m.where & Q(head_led=True)
                    )
            rows = (
                model.objects.filter(
                    anything,
                    jurisdiction_id__in=self.jurisdictions,
                    **{f"{date_field}__range": (start, end)},
                )
                .order_by()
                .annotate(month=_month(date_field))
                .values_list("jurisdiction_id", "unit_id", "team_id", "month")
                .annotate(**aggregates)
            )
            self._credit(rows, names)
        self._target_region_events()
        for s in self.states:
            s.provided |= set(FIELD_METRICS)

    def _target_region_events(self):
        """`promotion_events_target_region` over the regions each policy names (`target_regions`):
        FIELD_METRICS counts the four of fieldwork's TARGET_REGIONS; a policy naming others has
        its rows replaced by a count over its own, from one GROUP BY region."""
        metric = "promotion_events_target_region"
        own = {
            s: frozenset(s.spec.target_regions)
            for s in self.states
            if s.spec.target_regions is not None
            and frozenset(s.spec.target_regions) != frozenset(TARGET_REGIONS)
        }
        if not own:
            return
        for s in own:
            s.sums = {k: v for k, v in s.sums.items() if k[1] != metric}
        rows = (
            Activity.objects.filter(
                kind=Activity.Kind.PROMOTION_EVENT,
                jurisdiction_id__in=sorted({j for s in own for j in s.jurisdictions}),
                date__range=(self.start, self.span.end),
            )
            .order_by()
            .annotate(month=_month("date"))
            .values_list("jurisdiction_id", "unit_id", "team_id", "month", "region", "head_led")
            .annotate(n=Count("id"))
        )
        for jur, unit_id, team_id, month, region, head_led, n in rows:
            tok = self.tokens[month]
            for s in self.covering[jur]:
                if s not in own or region not in own[s]:
                    continue
                for h in s.wide(jur, unit_id, team_id):
                    s.add(h, metric, tok, n)
                if head_led:
                    for h in s.holders(unit_id, team_id):
                        s.add(h, metric, tok, n, head_led=True)

    def records(self):
        """`RECORD_METRICS`, each counted once for the batch when one of its policies reads it."""
        from django.utils.module_loading import import_string

        read = set().union(*(metrics_read(s.spec) for s in self.states))
        for metric, path in RECORD_METRICS.items():
            if metric in read:
                rows = import_string(path)(self.jurisdictions, self.start, self.span.end)
                for policy_id, *row in rows:
                    only = None if policy_id is None else {s for s in self.states if s.policy.pk == policy_id}
                    if only is not None and not only:
                        continue
                    self._credit([row], [(metric, 0, False, metric in STOCK_RECORD_METRICS)], only=only)
            for s in self.states:
                s.provided.add(metric)

    def leads(self):
        wanting = [s for s in self.states if s.reads_leads]
        if not wanting:
            return
        covering = {j: [s for s in states if s.reads_leads] for j, states in self.covering.items()}
        rows = Lead.objects.filter(
            jurisdiction_id__in=sorted({j for s in wanting for j in s.jurisdictions}),
            reported_on__range=(self.start, self.span.end),
        ).values_list("id", "jurisdiction_id", "unit_id", "team_id", "grade", "reported_on", "status")
        for lead_id, jur, unit_id, team_id, grade, on, status in rows:
            if status == Lead.Status.SUBMITTED:
                continue
            for s in covering.get(jur, ()):
                for h in s.holders(unit_id, team_id):
                    s.leads.append(
                        ef.LeadFact(str(lead_id), s.holder_list[h], grade, on, status == Lead.Status.VALID)
                    )


# --- projects, entries and history, for any policies ---------------------------------------------


def _enterprise_facts(states: list[_Policy], span: Span):
    """The zombie enterprises (僵尸企业) for the deadline rules that read enterprises: one query
    over the jurisdictions of the policies that have such a rule. Each is its registering unit's,
    with its class as an attribute (`zombie_a`…) and its dates (`classified`, `resumed`)."""
    wanting = [
        s for s in states
        if any(r.type == "deadline" and r.items == "enterprises" for r in s.spec.rules)
    ]  # fmt: skip
    if not wanting:
        return
    covering: dict[int, list[_Policy]] = defaultdict(list)
    for s in wanting:
        for j in s.jurisdictions:
            covering[j].append(s)
    rows = (
        Enterprise.objects.filter(
            jurisdiction_id__in=sorted(covering),
            zombie_classified_on__lte=span.end,
        )
        .exclude(zombie_class="")
        .order_by("pk")
        .values_list("pk", "jurisdiction_id", "name", "unit_id", "zombie_class", "zombie_classified_on",
                     "zombie_resumed_on")
    )  # fmt: skip
    for pk, jur, name, unit_id, cls, classified, resumed in rows:
        dates = {"classified": classified} | ({"resumed": resumed} if resumed else {})
        for s in covering[jur]:
            number = s.units.get(unit_id)
            s.enterprises.append(
                ef.EnterpriseFact(
                    id=str(pk),
                    name=name,
                    holder=s.holder_list[number] if number is not None else None,
                    attributes=frozenset({f"zombie_{cls.lower()}"}),
                    dates=dates,
                )
            )


def _obligations(
    jurisdictions: list[int], span: Span, as_of: date
) -> dict[int, tuple[ef.ObligationFact, ...]]:
    """The contract obligations (合同义务) of the projects of these jurisdictions due by the end of
    the span (none later is ever counted), by project, for 合同履约率: kept on the day the ledger
    says (进资, stage dates, tax) or else the office does (ledger/performance.py)."""
    out: dict[int, list[ef.ObligationFact]] = defaultdict(list)
    obligations = list(
        ContractObligation.objects.filter(project__jurisdiction_id__in=jurisdictions, due_on__lte=span.end)
        .select_related("project")
        .order_by("project_id", "due_on", "pk")
    )
    states = performance.evaluate(obligations, day=min(span.end, as_of))
    for o in obligations:
        out[o.project_id].append(ef.ObligationFact(o.kind, o.due_on, states[o.pk].fulfilled_on))
    return {k: tuple(v) for k, v in out.items()}


def _project_facts(states: list[_Policy], span: Span, as_of: date):
    _enterprise_facts(states, span)  # the other items a deadline rule reads
    by_demand: dict[ProjectDemand, list[_Policy]] = defaultdict(list)
    for s in states:
        if not s.demand.none:
            by_demand[s.demand].append(s)
    fields = [
        "id", "jurisdiction_id", "name", "unit_id", "team_id", "stage", "attributes", "industry",
        "total_investment", "signed_on", "signing_kind", "started_on", "start_kind", "production_on",
        "signed_at_event", "terminated_on", "contract_start_due", "attributes_excluded", "enterprise__tags",
        "enterprise__listed_exchange", "foreign_investment_usd", "enterprise__industry",
    ]  # fmt: skip
    for demand, group in by_demand.items():
        covering: dict[int, list[_Policy]] = defaultdict(list)
        for s in group:
            for j in s.jurisdictions:
                covering[j].append(s)
        jurisdictions = sorted(covering)
        rows = list(
            Project.objects.filter(demand.q(), jurisdiction_id__in=jurisdictions, registered_on__lte=span.end)
            .order_by("pk")
            .values(*fields)
        )
        if not rows:
            continue
        monthly: dict[tuple[_Policy, int], dict[str, Decimal]] = defaultdict(dict)
        if demand.investment:
            tokens = _Tokens()
            investments = (
                Investment.objects.filter(jurisdiction_id__in=jurisdictions, month__lte=span.end)
                .order_by()
                .values_list("project_id", "jurisdiction_id", "month")
                .annotate(total=Sum("amount"))
            )
            for project_id, jur, month, total in investments:
                for s in covering[jur]:
                    d = monthly[(s, project_id)]
                    tok = tokens[month]
                    d[tok] = d.get(tok, ZERO) + total
        evaluations: dict[int, dict[str, dict]] = defaultdict(dict)
        # A proposal generated from the ledger counts once the office has confirmed it.
        for e in ProjectEvaluation.objects.filter(project__jurisdiction_id__in=jurisdictions, proposed=False):
            checks = {
                "in_statistics": e.in_statistics,
                "tax_paid": e.tax_paid,
                "investment_verified": e.investment_verified,
            }
            evaluations[e.project_id][str(e.year)] = {k: v for k, v in checks.items() if v is not None}
        transfers = {}
        for t in ProjectTransfer.objects.filter(project__jurisdiction_id__in=jurisdictions).select_related(
            "hosting", "project__jurisdiction"
        ):
            # The ledger keeps the project, its investment and its start in the county that
            # registered it (the introducing one): the hosting share moves (engine/transfers.py).
            transfers[t.project_id] = ef.Transfer(
                ef.jurisdiction(t.project.jurisdiction.code),
                ef.jurisdiction(t.hosting.code),
                t.introducing_share,
                declared_by="introducing",
            )
        # A transferred project's split indicators the ledger gives: its actual investment by
        # month, and the project itself in the month construction started.
        moved: dict[int, dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
        if transfers:
            for project_id, month, total in (
                Investment.objects.filter(project_id__in=list(transfers), month__lte=span.end)
                .order_by()
                .values_list("project_id", "month")
                .annotate(total=Sum("amount"))
            ):
                moved[project_id]["actual_investment"][token(month)] = total
        # Their local tax by month, from the first month with any (Sanming §11: 自产生税收起).
        taxes: dict[int, dict[str, Decimal]] = defaultdict(dict)
        first_tax: dict[int, date] = {}
        if transfers:
            for project_id, month, amount in (
                ProjectTax.objects.filter(project_id__in=list(transfers), month__lte=span.end)
                .order_by("month")
                .values_list("project_id", "month", "amount_wan")
            ):
                taxes[project_id][token(month)] = amount
                if amount > 0:
                    first_tax.setdefault(project_id, month)
        obligations = (
            _obligations(jurisdictions, span, as_of)
            if any(r.type == "project_kpi" for s in group for r in s.spec.rules)
            else {}
        )
        # Contract performance (ledger/performance.py, the one definition): whose rewards are
        # held on the assessment day, and the land-recovery grounds found by then.
        holds, land = performance.holds_and_grounds([p["id"] for p in rows], on=min(span.end, as_of))
        for p in rows:
            if p["id"] in transfers and p["started_on"] is not None and p["started_on"] <= span.end:
                moved[p["id"]]["projects_started"][token(p["started_on"])] = Decimal(1)
            grounds = dict(land.get(p["id"], {}))
            due = p["contract_start_due"]
            if due and due < as_of and p["started_on"] is None and p["stage"] in ("signed",):
                grounds["not_started_on_time"] = due
            common = effective_attributes(
                p["attributes"], p["enterprise__tags"], p["enterprise__listed_exchange"],
                p["foreign_investment_usd"], p["attributes_excluded"],
            )  # fmt: skip
            for s in covering[p["jurisdiction_id"]]:
                attributes = common
                if s.priority is not None:
                    # The policy's priority industries (`priority_industries`) on the project's 产业.
                    industry = priority_attributes(s.priority, p["industry"], p["enterprise__industry"])
                    if industry:
                        attributes = effective_attributes(
                            p["attributes"], p["enterprise__tags"], p["enterprise__listed_exchange"],
                            p["foreign_investment_usd"], p["attributes_excluded"], industry,
                        )  # fmt: skip
                holder = s.holder(p["unit_id"], p["team_id"])
                unit_number = s.units.get(p["unit_id"])
                s.projects.append(
                    ef.ProjectFact(
                        id=str(p["id"]),
                        name=p["name"],
                        holder=holder,
                        unit=s.holder_list[unit_number] if unit_number is not None else None,
                        attributes=attributes,
                        industry=p["industry"],
                        total_investment_wan=p["total_investment"],
                        signed_on=p["signed_on"],
                        construction_start_on=p["started_on"],
                        production_on=p["production_on"],
                        investment_wan=monthly.get((s, p["id"]), {}),
                        transfer=transfers.get(p["id"]),
                        first_tax_on=first_tax.get(p["id"]),
                        tax_wan=taxes.get(p["id"], {}),
                        indicators={m: dict(v) for m, v in moved.get(p["id"], {}).items()},
                        evaluations=evaluations.get(p["id"], {}),
                        land_grounds=grounds,
                        obligations=obligations.get(p["id"], ()),
                        hold=holds.get(p["id"]),
                    )
                )


def _ref(obj):
    kind = obj.holder_kind
    if kind == "team":
        return ef.team(obj.team.key)
    if kind == "unit":
        return ef.unit(obj.unit.name)
    if kind == "person":
        return ef.person(obj.person.name)
    return ef.jurisdiction(obj.holder_jurisdiction.code)


def _by_policy(queryset, states) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for obj in queryset.filter(policy_id__in=[s.policy.pk for s in states]):
        out[obj.policy_id].append(obj)
    return out


def _entered(states: list[_Policy], span: Span, as_of: date):
    related = ("team", "unit", "person", "holder_jurisdiction")
    values = _by_policy(MetricValue.objects.select_related(*related), states)
    surveys = _by_policy(SurveyScore.objects.select_related(*related), states)
    decisions = _by_policy(OfficeDecision.objects.select_related(*related), states)
    awards = _by_policy(AwardDecision.objects.select_related(*related), states)
    rewards = _by_policy(PersonReward.objects.select_related("unit"), states)
    # An award decided for a project behind on its contract is held (ledger/performance.py).
    holds, _ = performance.holds_and_grounds(
        sorted({a.project_id for rows in awards.values() for a in rows if a.project_id}),
        on=min(span.end, as_of),
    )
    for s in states:
        pk = s.policy.pk
        for mv in values.get(pk, ()):
            if mv.metric in RECORD_METRICS:
                continue  # counted from its records: one source of truth
            s.entered_metrics.append(ef.MetricFact(_ref(mv), mv.metric, mv.period, Decimal(mv.value)))
            s.provided.add(mv.metric)
        amounts, decided = [], []
        for a in awards.get(pk, ()):
            if a.grade and not a.holder_kind:
                amounts.append(ef.AwardAmount(a.rule, a.grade, a.amount_wan))
            else:
                decided.append(
                    ef.AwardDecision(
                        a.rule,
                        _ref(a),
                        a.amount_wan,
                        str(a.project_id) if a.project_id else None,
                        holds.get(a.project_id) if a.project_id else None,
                    )
                )
        s.entered_rest = (
            tuple(ef.SurveyScore(_ref(x), x.period, x.score) for x in surveys.get(pk, ())),
            tuple(
                ef.OfficeDecision(d.key, _ref(d), d.period or None, d.reason) for d in decisions.get(pk, ())
            ),
            tuple(amounts),
            tuple(decided),
            tuple(
                ef.PersonReward(r.person, r.amount_yuan, r.on, r.unit.name if r.unit_id else "")
                for r in rewards.get(pk, ())
            ),
        )


def _prior(states: list[_Policy], span: Span):
    """Which flag conditions held in earlier published periods, for rules that need N periods
    running (bottom three two years in a row): the flag components stored with each result."""
    published = AssessmentRun.objects.filter(status=AssessmentRun.Status.PUBLISHED).exclude(period=span.key)
    runs = _by_policy(published, states)
    for s in states:
        for run in runs.get(s.policy.pk, ()):
            for r in run.result.get("results", []):
                holder = ef.Holder(r["holder_kind"], r["holder"])
                for c in r.get("components", []):
                    if c.get("facts", {}).get("conditions_met"):
                        s.prior.append(ef.PriorCondition(c["rule"], run.period, holder))


def _published(states: list[_Policy], span: Span):
    """The monthly scores the office published, for the campaign scores made of them (001
    附件§一: 6月占60%，7、8月各占20%): from the published run of each month a `weighted_periods`
    rule weighs (a corrected run is superseded, so one a month), each holder's month score — its
    scorecard dimensions, the deductions off them and the monthly bonuses."""
    wanted: dict[int, dict[str, dict[str, set[str]]]] = {}
    for s in states:
        by_period: dict[str, dict[str, set[str]]] = defaultdict(dict)
        for rule in s.spec.rules:
            if rule.type != "weighted_periods":
                continue
            parts = {rule.scorecard} | {
                r.id for r in s.spec.rules
                if (r.type == "deduction" and r.scorecard == rule.scorecard)
                or (r.type == "bonus" and r.applies_to == "month")
            }  # fmt: skip
            for key in rule.weights:
                by_period[key][rule.scorecard] = parts
        if by_period:
            wanted[s.policy.pk] = by_period
    if not wanted:
        return
    runs = _by_policy(
        AssessmentRun.objects.filter(
            status=AssessmentRun.Status.PUBLISHED,
            period__in=sorted({k for by in wanted.values() for k in by}),
        ).exclude(period=span.key),
        [s for s in states if s.policy.pk in wanted],
    )
    for s in states:
        by_period = wanted.get(s.policy.pk, {})
        for run in runs.get(s.policy.pk, ()):
            for scorecard, parts in by_period.get(run.period, {}).items():
                for r in run.result.get("results", []):
                    points = [
                        Decimal(c["points"]) for c in r.get("components", [])
                        if c.get("rule") in parts and c.get("points") is not None
                    ]  # fmt: skip
                    if points:
                        holder = ef.Holder(r["holder_kind"], r["holder"])
                        s.published.append(
                            ef.PublishedScore(scorecard, run.period, holder, sum(points, ZERO))
                        )


# --- entry points ----------------------------------------------------------------------------


def gather_many(
    policies: Iterable[Policy], span: Span, as_of: date, organisations: dict[int, Organisation] | None = None
) -> list[tuple[ef.Facts, list[str]]]:
    """`gather` for several policies over the same span, with the same queries for all: one
    GROUP BY per source over every jurisdiction they cover (a province's counties at once).
    Each policy is read with its organisation as the office keeps it, unless `organisations`
    gives the one to use (a correction of a published period reuses that period's).
    Returns each policy's facts and missing metrics, in the order given."""
    policies = list(policies)
    if not policies:
        return []
    organisations = {**effective_many([p for p in policies if p.pk not in (organisations or {})]),
                     **(organisations or {})}  # fmt: skip
    paths = {j: path for j, path in Jurisdiction.objects.values_list("pk", "path")}
    covered = {
        p.pk: {j for j, path in paths.items() if path.startswith(p.jurisdiction.path)} for p in policies
    }
    units_of: dict[int, dict[int, str]] = defaultdict(dict)
    for pk, jur, name in Unit.objects.filter(jurisdiction_id__in=set().union(*covered.values())).values_list(
        "pk", "jurisdiction_id", "name"
    ):
        units_of[jur][pk] = name
    teams: dict[int, dict[int, str]] = defaultdict(dict)
    for pk, policy_id, key in Team.objects.filter(policy__in=policies).values_list("pk", "policy_id", "key"):
        teams[policy_id][pk] = key
    people_of: dict[int, dict[int, str]] = defaultdict(dict)
    for pk, jur, name in Person.objects.filter(
        jurisdiction_id__in=set().union(*covered.values())
    ).values_list("pk", "jurisdiction_id", "name"):
        people_of[jur][pk] = name
    states = []
    for p in policies:
        units = {pk: name for j in covered[p.pk] for pk, name in units_of[j].items()}
        people = {pk: name for j in covered[p.pk] for pk, name in people_of[j].items()}
        states.append(_Policy(p, span, as_of, covered[p.pk], units, teams[p.pk], people, organisations[p.pk]))
    by_start: dict[date, list[_Policy]] = defaultdict(list)
    for s in states:
        by_start[s.policy.start].append(s)
    for start, group in by_start.items():
        batch = _Batch(group, span, as_of, start)
        batch.investment()
        batch.project_counts()
        batch.fieldwork()
        batch.records()
        batch.leads()
    _project_facts(states, span, as_of)
    _entered(states, span, as_of)
    _prior(states, span)
    _published(states, span)
    return [s.facts() for s in states]


def gather(
    policy: Policy, span: Span, as_of: date, organisation: Organisation | None = None
) -> tuple[ef.Facts, list[str]]:
    return gather_many([policy], span, as_of, {policy.pk: organisation} if organisation else None)[0]
