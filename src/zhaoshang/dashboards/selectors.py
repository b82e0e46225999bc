"""The figures of the leaders' dashboards, read with aggregate queries.

Every function takes the user and a `Scope` (the county, a team or a unit, or a county seen by
its city) and starts from `visible_to(user)`, so a dashboard can never show more than the user's
own ledger pages. Amounts are Decimal 万元 as stored; the views turn them into 亿元 for reading.
Metric definitions come from the assessment (`facts.PROJECT_METRICS`, `STATE_METRICS`) and field
work (`quotas.FIELD_METRICS`), so a target's completion here is counted as the assessment
counts it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth
from django.http import Http404

from zhaoshang.assessment.facts import PROJECT_METRICS, STATE_METRICS
from zhaoshang.assessment.models import AssessmentRun, ProjectTransfer
from zhaoshang.core.roles import WIDE_ROLES, Role
from zhaoshang.core.scoping import membership
from zhaoshang.engine.periods import PeriodParseError, month_end, parse_period
from zhaoshang.engine.transfers import is_split, moves, split_from, split_rule
from zhaoshang.fieldwork.quotas import FIELD_METRICS
from zhaoshang.ledger.models import Investment, Project
from zhaoshang.org.models import Jurisdiction, Policy, Target, Team, Unit

from .regions import OTHER, PROVINCES, province_of

ZERO = Decimal(0)
HUNDRED = Decimal(100)


# --- when ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """The year the trend and targets cover, and the day "this month" and "time gone" are read on."""

    year: int
    on: date

    @property
    def month_start(self) -> date:
        return self.on.replace(day=1)

    @property
    def month_end(self) -> date:
        return self.on.replace(day=calendar.monthrange(self.on.year, self.on.month)[1])

    @property
    def year_start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def year_end(self) -> date:
        return date(self.year, 12, 31)


def parse_when(params, today: date) -> tuple[When, list[str]]:
    """`year` and `on` from the query string. A bad value is told, not a crash: the page falls
    back to today. Without `on`, a past year is read on its last day (so 2024 shows December)."""
    problems = []
    year = on = None
    raw_year, raw_on = (params.get("year") or "").strip(), (params.get("on") or "").strip()
    if raw_year:
        if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100:
            year = int(raw_year)
        else:
            problems.append(f"年度“{raw_year}”无效，应为四位年份（如 2024），已按默认年度显示。")
    if raw_on:
        try:
            on = date.fromisoformat(raw_on)
            if not 2000 <= on.year <= 2100:
                raise ValueError
        except ValueError:
            on = None
            problems.append(f"日期“{raw_on}”无效，应写作 2024-06-30，已按默认日期显示。")
    if on is None:
        if year is None or year == today.year:
            on = today
        else:
            on = date(year, 12, 31) if year < today.year else date(year, 1, 1)
    if year is None:
        year = on.year
    return When(year, on), problems


# --- scope --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    kind: str  # "jurisdiction", "team" or "unit"
    jurisdiction: Jurisdiction
    team: Team | None = None
    unit: Unit | None = None
    policy: Policy | None = None
    # Whether the ledger lists, filtered by `list_params`, show exactly this scope's records:
    # they have no jurisdiction filter, so a county seen from its city cannot be drilled into.
    exact_lists: bool = True
    counties: list = field(default_factory=list)  # the counties a city-level scope may pick

    @property
    def label(self) -> str:
        return str(self.team or self.unit or self.jurisdiction)

    @property
    def holder_key(self) -> tuple[str, str]:
        """How the policy (and an assessment result) names this scope's holder."""
        if self.team is not None:
            return "team", self.team.key
        if self.unit is not None:
            return "unit", self.unit.name
        return "jurisdiction", self.jurisdiction.code

    def list_params(self) -> dict:
        if self.team is not None:
            return {"team": self.team.pk}
        if self.unit is not None:
            return {"unit": self.unit.pk}
        return {}

    def query(self) -> dict:
        """The dashboard's own query parameters for this scope."""
        if self.team is not None:
            return {"team": self.team.pk}
        if self.unit is not None:
            return {"unit": self.unit.pk}
        return {"county": self.jurisdiction.code} if not self.exact_lists else {}

    def records(self, qs):
        """A private model's rows (projects, investments, activities…) that belong to the scope."""
        if self.team is not None:
            return qs.filter(team=self.team)
        if self.unit is not None:
            return qs.filter(unit=self.unit)
        return qs.filter(jurisdiction__path__startswith=self.jurisdiction.path)


def is_office(user) -> bool:
    m = membership(user)
    return user.is_superuser or (m is not None and m.role == Role.OFFICE)


def _pk(raw) -> int:
    raw = (raw or "").strip()
    if not raw.isdigit():
        raise Http404("参数无效")
    return int(raw)


def resolve_scope(user, *, team=None, unit=None, county=None, on: date) -> Scope:
    """The scope the query asks for, or 404 when the user may not see it. Clerks see only their
    own team or unit: their ledger holds nothing else, so any other dashboard would be empty."""
    m = membership(user)
    if m is None and not user.is_superuser:
        raise PermissionDenied("您的账号尚未分配角色，请联系招商办")
    if m is not None and m.role not in WIDE_ROLES and not user.is_superuser:
        own_team = m.team if m.role == Role.TEAM_CLERK else None
        own_unit = m.unit if own_team is None else None
        if county or (team and (own_team is None or _pk(team) != own_team.pk)):
            raise Http404("不在您的权限范围内")
        if unit and (own_unit is None or _pk(unit) != own_unit.pk):
            raise Http404("不在您的权限范围内")
        if own_team is not None:
            return Scope("team", own_team.jurisdiction, team=own_team, policy=own_team.policy)
        return Scope(
            "unit", own_unit.jurisdiction, unit=own_unit, policy=policy_for(user, own_unit.jurisdiction, on)
        )

    home = m.jurisdiction if m is not None else None
    jurisdictions = Jurisdiction.objects.visible_to(user)
    if county:
        j = jurisdictions.filter(code=str(county).strip()).first()
        if j is None:
            raise Http404("没有这个行政区划，或不在您的权限范围内")
    elif home is not None:
        j = home
    else:  # a superuser without a place: the newest policy's jurisdiction
        newest = Policy.objects.select_related("jurisdiction").order_by("-start").first()
        if newest is None:
            raise Http404("尚未载入政策文件")
        j = newest.jurisdiction
    top = home or j
    counties = list(
        jurisdictions.filter(path__startswith=top.path, level=Jurisdiction.Level.COUNTY)
        .exclude(pk=top.pk)
        .order_by("code")
    )
    exact = home is not None and j.pk == home.pk
    if team:
        t = (
            Team.objects.visible_to(user)
            .select_related("jurisdiction", "policy")
            .filter(pk=_pk(team), jurisdiction__path__startswith=j.path)
            .first()
        )
        if t is None:
            raise Http404("没有这个团队，或不在您的权限范围内")
        return Scope("team", t.jurisdiction, team=t, policy=t.policy, counties=counties)
    if unit:
        u = (
            Unit.objects.visible_to(user)
            .select_related("jurisdiction")
            .filter(pk=_pk(unit), jurisdiction__path__startswith=j.path)
            .first()
        )
        if u is None:
            raise Http404("没有这个单位，或不在您的权限范围内")
        return Scope(
            "unit", u.jurisdiction, unit=u, policy=policy_for(user, u.jurisdiction, on), counties=counties
        )
    return Scope("jurisdiction", j, policy=policy_for(user, j, on), exact_lists=exact, counties=counties)


def policy_for(user, jurisdiction: Jurisdiction, on: date) -> Policy | None:
    """The policy in force for a jurisdiction on a day: its own, else the nearest parent's (a
    county run by its city's document); of several, the one covering the day, else the latest
    that started before it."""
    codes = [c for c in jurisdiction.path.split("/") if c]
    policies = list(
        Policy.objects.visible_to(user)
        .filter(jurisdiction__code__in=codes)
        .select_related("jurisdiction")
        .order_by("-start", "name")
    )
    if not policies:
        return None
    depth = {code: i for i, code in enumerate(codes)}
    nearest = max(depth[p.jurisdiction.code] for p in policies)
    own = [p for p in policies if depth[p.jurisdiction.code] == nearest]
    for p in own:
        if p.start <= on <= p.end:
            return p
    started = [p for p in own if p.start <= on]
    return started[0] if started else own[-1]


# --- figures ------------------------------------------------------------------------------------


def projects(user, scope: Scope):
    return scope.records(Project.objects.visible_to(user)).order_by()


def investments(user, scope: Scope):
    return scope.records(Investment.objects.visible_to(user)).order_by()


@dataclass
class TargetRow:
    target: Target
    actual: Decimal | None  # None: the ledger and field work cannot count this metric
    completion: Decimal | None  # per cent
    time_gone: Decimal  # per cent of the target's period gone by `on`
    start: date
    end: date  # counted up to: the period's end or `on`, whichever is earlier
    # (route name, filter params) of the list that holds exactly what was counted, when one can
    link: tuple[str, dict] | None = None


# Ledger list filters for the project dates that PROJECT_METRICS count by.
_DATE_FILTERS = {"signed_on": "signed", "started_on": "started"}
# Field metrics whose rows are exactly one activity kind: the activity list can show them.
_ACTIVITY_KINDS = {
    "outbound_trips": "outbound_trip",
    "enterprise_visits": "visit",
    "receptions": "reception",
    "merchant_batches_invited": "reception",
    "promotion_events": "promotion_event",
    "progress_meetings": "meeting",
}


# --- transferred projects (项目流转) --------------------------------------------------------------


@dataclass(frozen=True)
class Shift:
    """The hosting county's share of a transferred project's figure for one month, moved from
    the county the ledger keeps it in (the introducing one) to the hosting county."""

    source: int  # jurisdiction pk the figure was recorded in
    target: int  # the hosting jurisdiction's pk
    metric: str  # "actual_investment" or "projects_started"
    month: date  # first day of the month
    value: Decimal


# The dashboard figures that are indicators a transfer splits (004 §三(二)11 实际到位资金额, 项目数量).
SPLIT_FIGURES = ("actual_investment", "projects_started")


def transfer_shifts(policy: Policy | None, root: Jurisdiction, start: date, end: date) -> list[Shift]:
    """The moves a policy's transfer rule makes to the county figures of [start, end] under
    `root`, by the engine's one definition (engine/transfers.py): from construction start (its
    month whole), the hosting share (3:7 → 70%, or the negotiated one) of each month's actual
    investment and of the project itself (in its start month) goes to the hosting county. Read
    whatever the user may see of either county: the figures are the policy's reading, the
    transfer is the city's record; no record is listed. Two queries; none without a rule."""
    rule = split_rule(policy.spec().rules) if policy is not None else None
    if rule is None or not set(rule.indicator_metrics) & set(SPLIT_FIGURES) or end < start:
        return []
    transfers = {
        pid: (jur, host, share, split_from(rule, signed_on=signed, started_on=started), started)
        for pid, jur, host, share, signed, started in ProjectTransfer.objects.filter(
            Q(project__jurisdiction__path__startswith=root.path) | Q(hosting__path__startswith=root.path)
        )
        .order_by()
        .values_list(
            "project_id",
            "project__jurisdiction_id",
            "hosting_id",
            "introducing_share",
            "project__signed_on",
            "project__started_on",
        )  # fmt: skip
    }
    if not transfers:
        return []
    out: list[Shift] = []
    if "actual_investment" in rule.indicator_metrics:
        for pid, jur, month, total in (
            Investment.objects.filter(
                project_id__in=list(transfers), month__range=(start.replace(day=1), end)
            )
            .order_by()
            .values_list("project_id", "jurisdiction_id", "month")
            .annotate(total=Sum("amount"))
        ):
            _, host, share, since, _ = transfers[pid]
            if total and jur != host and is_split(since, month_end(month.year, month.month)):
                out.append(
                    Shift(jur, host, "actual_investment", month, moves(rule, total, share, "introducing"))
                )
    if "projects_started" in rule.indicator_metrics:
        for jur, host, share, since, started in transfers.values():
            if started is not None and start <= started <= end and is_split(since, started):
                month = started.replace(day=1)
                out.append(
                    Shift(jur, host, "projects_started", month, moves(rule, Decimal(1), share, "introducing"))
                )
    return out


def net_shift(shifts: list[Shift], root: Jurisdiction, metric: str) -> dict[date, Decimal]:
    """By month, what the transfers add to (or take from) the figure of everything under `root`:
    nothing for a transfer between two of its own counties."""
    inside = set(Jurisdiction.objects.filter(path__startswith=root.path).values_list("pk", flat=True))
    out: dict[date, Decimal] = {}
    for sh in shifts:
        if sh.metric != metric or (sh.source in inside) == (sh.target in inside):
            continue
        out[sh.month] = out.get(sh.month, ZERO) + (sh.value if sh.target in inside else -sh.value)
    return out


def metric_actual(user, scope: Scope, metric: str, start: date, end: date):
    """(value, link) of one metric over [start, end] for the scope, or (None, None) when it is
    not something the ledger or field work records (exports, survey results… are entered)."""
    if end < start:
        return ZERO, None
    if metric == "actual_investment":
        qs = investments(user, scope).filter(month__range=(start.replace(day=1), end))
        link = ("ledger:investment_list", {"month_from": start.replace(day=1), "month_to": end})
        return qs.aggregate(v=Sum("amount"))["v"] or ZERO, link
    if metric in PROJECT_METRICS:
        date_field, cond, value = PROJECT_METRICS[metric]
        qs = projects(user, scope).filter(**{f"{date_field}__range": (start, end)})
        if cond is not None:
            qs = qs.filter(cond)
        agg = Sum("total_investment") if value == "investment" else Count("id")
        link = None
        if cond is None and date_field in _DATE_FILTERS:
            prefix = _DATE_FILTERS[date_field]
            link = ("ledger:project_list", {f"{prefix}_from": start, f"{prefix}_to": end})
        return Decimal(qs.aggregate(v=agg)["v"] or 0), link
    if metric in STATE_METRICS:
        qs = projects(user, scope).exclude(stage=Project.Stage.TERMINATED).filter(STATE_METRICS[metric])
        return Decimal(qs.count()), None
    if metric in FIELD_METRICS:
        m = FIELD_METRICS[metric]
        qs = scope.records(m.model.objects.visible_to(user)).filter(
            m.where, **{f"{m.date_field}__range": (start, end)}
        )
        link = None
        if metric in _ACTIVITY_KINDS:
            link = (
                "fieldwork:activity_list",
                {"kind": _ACTIVITY_KINDS[metric], "date_from": start, "date_to": end},
            )
        return Decimal(qs.order_by().aggregate(v=m.aggregate)["v"] or 0), link
    return None, None


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * HUNDRED / whole).quantize(Decimal("0.1")) if whole else ZERO


def time_gone(start: date, end: date, on: date) -> Decimal:
    total = (end - start).days + 1
    gone = min(max((on - start).days + 1, 0), total)
    return _percent(Decimal(gone), Decimal(total))


def targets(user, scope: Scope, when: When) -> list[TargetRow]:
    """The scope's own targets for periods overlapping the year, each against the share of its
    period gone by `on`. One aggregate query per target (a holder has a handful)."""
    if scope.policy is None:
        return []
    holder = {
        "team": Q(holder_kind="team", team=scope.team),
        "unit": Q(holder_kind="unit", unit=scope.unit),
        "jurisdiction": Q(holder_kind="jurisdiction", holder_jurisdiction=scope.jurisdiction),
    }[scope.kind]
    qs = (
        Target.objects.visible_to(user)
        .filter(
            holder, policy=scope.policy, period__start__lte=when.year_end, period__end__gte=when.year_start
        )
        .select_related("period")
        .order_by("period__start", "id")
    )
    rows = []
    for t in qs:
        start, end = t.period.start, min(t.period.end, when.on)
        actual, link = metric_actual(user, scope, t.metric, start, end)
        if actual is not None and scope.kind == "jurisdiction" and t.metric in SPLIT_FIGURES:
            # 项目流转: a transferred project's share counts for each county's task (§三(二)11).
            moved = sum(
                net_shift(
                    transfer_shifts(scope.policy, scope.jurisdiction, start, end),
                    scope.jurisdiction,
                    t.metric,
                ).values(),
                ZERO,
            )
            if moved:
                actual, link = actual + moved, None  # the list cannot show a share of a record
        completion = _percent(actual, t.value) if actual is not None else None
        rows.append(
            TargetRow(
                t, actual, completion, time_gone(t.period.start, t.period.end, when.on), start, end, link
            )
        )
    return rows


@dataclass
class StageRow:
    stage: str
    label: str
    count: int
    investment: Decimal


def funnel(user, scope: Scope) -> tuple[list[StageRow], StageRow]:
    """Projects by their stage today, in the order of Project.Stage; terminated ones apart."""
    got = {
        stage: (n, s or ZERO)
        for stage, n, s in projects(user, scope)
        .values_list("stage")
        .annotate(n=Count("id"), s=Sum("total_investment"))
    }
    rows = [StageRow(v, label, *got.get(v, (0, ZERO))) for v, label in Project.Stage.choices]
    return rows[:-1], rows[-1]


@dataclass
class Tally:
    count: int
    investment: Decimal  # total investment of the projects, 万元


def month_tallies(user, scope: Scope, when: When) -> dict[str, Tally]:
    """Signings and construction starts dated in the month of `on`, with their total investment."""
    span = (when.month_start, when.month_end)
    signed, started = Q(signed_on__range=span), Q(started_on__range=span)
    got = projects(user, scope).aggregate(
        sn=Count("id", filter=signed),
        ss=Sum("total_investment", filter=signed),
        tn=Count("id", filter=started),
        ts=Sum("total_investment", filter=started),
    )
    return {
        "signed": Tally(got["sn"], got["ss"] or ZERO),
        "started": Tally(got["tn"], got["ts"] or ZERO),
    }


@dataclass
class MonthRow:
    month: int
    signed: int
    started: Decimal  # a transferred project counts its share (0.3 / 0.7) for each county
    investment: Decimal  # actual investment, 万元
    shifted: bool = False  # moved by a transfer: the lists cannot show exactly these records


def trend(user, scope: Scope, year: int) -> list[MonthRow]:
    """Signings, starts and actual investment per month of the year: three GROUP BY queries."""

    def by_month(qs, date_field, agg):
        return dict(
            qs.filter(**{f"{date_field}__year": year})
            .annotate(m=ExtractMonth(date_field))
            .values_list("m")
            .annotate(v=agg)
        )

    signed = by_month(projects(user, scope), "signed_on", Count("id"))
    started = by_month(projects(user, scope), "started_on", Count("id"))
    money = by_month(investments(user, scope), "month", Sum("amount"))
    moved: dict[str, dict[date, Decimal]] = {}
    if scope.kind == "jurisdiction":
        shifts = transfer_shifts(scope.policy, scope.jurisdiction, date(year, 1, 1), date(year, 12, 31))
        moved = {k: net_shift(shifts, scope.jurisdiction, k) for k in SPLIT_FIGURES} if shifts else {}
    rows = []
    for m in range(1, 13):
        first = date(year, m, 1)
        ds = moved.get("projects_started", {}).get(first, ZERO)
        dm = moved.get("actual_investment", {}).get(first, ZERO)
        rows.append(
            MonthRow(
                m,
                signed.get(m, 0),
                Decimal(started.get(m, 0)) + ds,
                (money.get(m) or ZERO) + dm,
                bool(ds or dm),
            )
        )
    return rows


@dataclass
class ProvinceRow:
    name: str
    count: int
    investment: Decimal


def provinces(user, scope: Scope) -> list[ProvinceRow]:
    """Projects by the province of their enterprise's head office (`Enterprise.hq_region`).
    Grouped by the region text in SQL; the few distinct texts are mapped here."""
    totals: dict[str, list] = {}
    rows = (
        projects(user, scope)
        .values_list("enterprise__hq_region")
        .annotate(n=Count("id"), s=Sum("total_investment"))
    )
    for region, n, s in rows:
        t = totals.setdefault(province_of(region), [0, ZERO])
        t[0] += n
        t[1] += s or ZERO
    out = [ProvinceRow(name, n, s) for name, (n, s) in totals.items()]
    out.sort(
        key=lambda r: (r.name == OTHER, -r.count, PROVINCES.index(r.name) if r.name in PROVINCES else 99)
    )
    return out


@dataclass
class CountyRow:
    jurisdiction: Jurisdiction
    label: str
    projects: int
    signed: int
    signed_investment: Decimal
    started: Decimal  # a transferred project: its share for each county (3:7), from construction start
    investment: Decimal  # actual investment in the year, transferred projects split likewise


def counties(user, scope: Scope, when: When) -> list[CountyRow]:
    """A city's counties side by side for the year (and the city's own records as 市本级)."""
    if scope.kind != "jurisdiction" or scope.jurisdiction.level == Jurisdiction.Level.COUNTY:
        return []
    city = scope.jurisdiction
    kids = [c for c in scope.counties if c.path.startswith(city.path) and c.pk != city.pk]
    if not kids:
        return []
    # Each jurisdiction below the city belongs to the county whose path it starts with.
    home_of = {}
    for pk, path in Jurisdiction.objects.filter(path__startswith=city.path).values_list("pk", "path"):
        home_of[pk] = next((c.pk for c in kids if path.startswith(c.path)), city.pk)
    rows = {c.pk: CountyRow(c, c.name, 0, 0, ZERO, ZERO, ZERO) for c in kids}
    rows[city.pk] = CountyRow(city, f"{city.name}本级", 0, 0, ZERO, ZERO, ZERO)
    signed = Q(signed_on__year=when.year)
    for jur, n, sn, ss, tn in (
        projects(user, scope)
        .values_list("jurisdiction_id")
        .annotate(
            n=Count("id"),
            sn=Count("id", filter=signed),
            ss=Sum("total_investment", filter=signed),
            tn=Count("id", filter=Q(started_on__year=when.year)),
        )
    ):
        r = rows[home_of.get(jur, city.pk)]
        r.projects += n
        r.signed += sn
        r.signed_investment += ss or ZERO
        r.started += tn
    for jur, s in (
        investments(user, scope)
        .filter(month__year=when.year)
        .values_list("jurisdiction_id")
        .annotate(s=Sum("amount"))
    ):
        rows[home_of.get(jur, city.pk)].investment += s or ZERO
    # 项目流转 (§三(二)11): the hosting county's share moves to it, as the city's rankings count it.
    for sh in transfer_shifts(scope.policy, city, when.year_start, when.year_end):
        # A side outside the city (a county of another city) has no row here.
        source, target = rows.get(home_of.get(sh.source, -1)), rows.get(home_of.get(sh.target, -1))
        if target is source:
            continue
        name = "investment" if sh.metric == "actual_investment" else "started"
        if source is not None:
            setattr(source, name, getattr(source, name) - sh.value)
        if target is not None:
            setattr(target, name, getattr(target, name) + sh.value)
    out = [rows[c.pk] for c in kids]
    if rows[city.pk].projects or rows[city.pk].investment:
        out.append(rows[city.pk])
    return out


# --- assessment results -----------------------------------------------------------------------


def run_span(run: AssessmentRun, spec):
    try:
        return parse_period(run.period, spec)
    except PeriodParseError:
        return None


def latest_run(user, policy: Policy | None, when: When) -> AssessmentRun | None:
    """The newest published run of the policy for a period in the year (preferring periods that
    ended by `on`); the office falls back to its newest draft. Clerks never see drafts."""
    if policy is None:
        return None
    runs = list(
        AssessmentRun.objects.visible_to(user)
        .filter(policy=policy, status__in=[AssessmentRun.Status.PUBLISHED, AssessmentRun.Status.DRAFT])
        .defer("result", "forecast", "notes")
        .order_by("-version")
    )
    spec = policy.spec()
    spans = {r.pk: run_span(r, spec) for r in runs}
    in_year = [r for r in runs if spans[r.pk] is not None and spans[r.pk].end.year == when.year]

    def newest(candidates):
        if not candidates:
            return None
        # Ended by `on` first, then the latest end, then the highest version.
        best = max(candidates, key=lambda r: (spans[r.pk].end <= when.month_end, spans[r.pk].end, r.version))
        return AssessmentRun.objects.select_related("policy__jurisdiction").get(pk=best.pk)

    published = [r for r in in_year if r.status == AssessmentRun.Status.PUBLISHED]
    if published:
        return newest(published)
    if is_office(user):
        return newest([r for r in in_year if r.status == AssessmentRun.Status.DRAFT])
    return None
