"""Contract performance (履约, issue 14 points 4–5): what a project's contract promised
(`ContractObligation`) against what the ledger records and the office enters, as of a day.

- The ledger decides the kinds it records (`ContractObligation.LEDGER_KINDS`): 投资额 by the
  cumulative actual investment (`Investment`, all units' shares) reaching the amount, its month
  counting as the day it was kept (a month's funds are recorded on its first day); 亩均投资 the same
  against amount × 用地（亩）; 开工 and 投产 by the project's stage dates; 税收 by the local tax of
  the twelve months up to a month (`ProjectTax`, 年税收) reaching the amount; 亩均税收 the same
  against amount × 用地. Where the ledger has nothing (no 用地, no stage date), the office's
  履行日期 stands.
- The office enters the rest (产值, 就业人数, 竣工, 其他): 实际完成数 and 履行日期.
- A project is behind on its contract (履约滞后) when at least
  `ZHAOSHANG_CONTRACT_BEHIND_MIN_OVERDUE` of its obligations are 逾期未履约 more than
  `ZHAOSHANG_CONTRACT_GRACE_DAYS` past their due date (defaults: one, no grace; the documents do
  not define it). Its rewards and subsidies are then held (暂缓兑现): the assessment shows the
  amount with this reason and does not pay it (engine: `ProjectFact.hold`), until the office
  releases it (`RewardRelease`, `reward_release`). A release covers the obligations due by its
  day; one falling overdue later holds them again.
- The four rates 003 §二(三) names (合同履约率、开工率、资金到位率、投产率): `rates()`; 合同履约率 as
  the engine's `project_kpi` counts it (kept by the due date ÷ due by the day).
- Land recovery (收回土地, 002 §三8: 不履行招商合同、不按时开工、圈而不建、建而不产): `land_grounds()`,
  with the clause of each policy over the project that has a `land_recovery` rule.

One definition: the project page, the list of projects behind, the Excel export, the API and the
assessment's facts (`assessment/facts.py`) all read these functions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from zhaoshang.core import zhformat as zh

from .models import ContractObligation, Investment, Project, RewardRelease

ZERO = Decimal(0)
KEPT, LATE, OVERDUE, NOT_DUE = "按期履约", "逾期履约", "逾期未履约", "未到期"
GROUND_LABELS = {
    "breach": "不履行招商合同",
    "not_started_on_time": "不按时开工",
    "land_idle": "圈而不建、建而不产",
}


def grace_days() -> int:
    return max(0, int(getattr(settings, "ZHAOSHANG_CONTRACT_GRACE_DAYS", 0)))


def min_overdue() -> int:
    return max(1, int(getattr(settings, "ZHAOSHANG_CONTRACT_BEHIND_MIN_OVERDUE", 1)))


@dataclass
class ObligationState:
    obligation: ContractObligation
    fulfilled_on: date | None  # as the ledger or the office says
    actual: Decimal | None  # how far it got by the day (万元, 万元/亩 or 人)
    source: str  # 台账 or 招商办填写
    status: str
    note: str = ""

    @property
    def overdue(self) -> bool:
        return self.status == OVERDUE

    def describe(self) -> str:
        o = self.obligation
        promised = f"{zh.amount(o.amount)}{o.amount_unit}" if o.amount is not None else ""
        head = f"{o.get_kind_display()}（约定{o.due_on:%Y-%m-%d}前{promised}"
        if self.actual is not None and o.amount is not None:
            head += f"，实际{zh.amount(self.actual)}{o.amount_unit}"
        return head + "）"


@dataclass
class Performance:
    project: Project
    day: date
    states: list[ObligationState]
    actual_investment: Decimal = ZERO
    release: RewardRelease | None = None
    lands: list[tuple[str, str, str]] = field(default_factory=list)  # (ground label, clause, why)

    @property
    def overdue(self) -> list[ObligationState]:
        limit = self.day - timedelta(days=grace_days())
        return [s for s in self.states if s.overdue and s.obligation.due_on < limit]

    @property
    def behind(self) -> bool:
        return len(self.overdue) >= min_overdue()

    @property
    def held_by(self) -> list[ObligationState]:
        """The overdue obligations not covered by the office's latest release."""
        if not self.behind:
            return []
        after = self.release.released_on if self.release else None
        return [s for s in self.overdue if after is None or s.obligation.due_on > after]

    @property
    def held(self) -> bool:
        return bool(self.held_by) and len(self.overdue) >= min_overdue()

    @property
    def reason(self) -> str:
        """Why the rewards are held (empty when they are not)."""
        if not self.held:
            return ""
        return "合同履约滞后：" + "；".join(f"{s.describe()}逾期未履约" for s in self.held_by)

    @property
    def behind_reason(self) -> str:
        return "；".join(f"{s.describe()}逾期未履约" for s in self.overdue)

    def rates(self) -> dict[str, Decimal | None]:
        return rates([self])

    @property
    def land_rows(self) -> list[dict]:
        return [{"ground": g, "clause": c, "reason": r} for g, c, r in self.lands]


def _month_sums(rows) -> dict[int, list[tuple[date, Decimal]]]:
    out: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for pid, month, total in rows:
        out[pid][month.replace(day=1)] += total or ZERO
    return {pid: sorted(m.items()) for pid, m in out.items()}


def _first_cumulative(months: list[tuple[date, Decimal]], threshold: Decimal, day: date) -> date | None:
    total = ZERO
    for month, amount in months:
        if month > day:
            break
        total += amount
        if total >= threshold:
            return month
    return None


def _cumulative(months, day: date) -> Decimal:
    return sum((a for m, a in months if m <= day), ZERO)


def _trailing(months, month: date) -> Decimal:
    """年税收: the twelve months up to and including `month`."""
    start = date(month.year - 1, month.month, 1) + timedelta(days=32)
    start = start.replace(day=1)
    return sum((a for m, a in months if start <= m <= month), ZERO)


def _first_trailing(months, threshold: Decimal, day: date) -> date | None:
    for month, _ in months:
        if month > day:
            break
        if _trailing(months, month) >= threshold:
            return month
    return None


def _status(fulfilled_on: date | None, due_on: date, day: date) -> str:
    if fulfilled_on is not None and fulfilled_on <= day:
        return KEPT if fulfilled_on <= due_on else LATE
    return OVERDUE if day > due_on else NOT_DUE


def evaluate(obligations, *, day: date) -> dict[int, ObligationState]:
    """Each obligation's state on `day` (obligations with their projects), in three queries."""
    from zhaoshang.assessment.models import ProjectTax

    obligations = list(obligations)
    ids = {o.project_id for o in obligations}
    inv = _month_sums(
        Investment.objects.filter(project_id__in=ids, month__lte=day)
        .order_by()
        .values_list("project_id", "month")
        .annotate(total=Sum("amount"))
    )
    tax = _month_sums(
        ProjectTax.objects.filter(project_id__in=ids, month__lte=day).values_list(
            "project_id", "month", "amount_wan"
        )
    )
    out = {}
    for o in obligations:
        p = o.project
        months_inv, months_tax = inv.get(o.project_id, []), tax.get(o.project_id, [])
        fulfilled, actual, source, note = None, None, "台账", ""
        kind = o.kind
        land = p.land_mu if p.land_mu else None
        if kind in ("investment_per_mu", "tax_per_mu") and land is None:
            source, note = "招商办填写", "项目未填用地面积，按招商办填写的履行日期"
        elif kind in ("investment", "investment_per_mu"):
            scale = land if kind == "investment_per_mu" else Decimal(1)
            if o.amount is not None:
                fulfilled = _first_cumulative(months_inv, o.amount * scale, day)
            actual = (_cumulative(months_inv, day) / scale).quantize(Decimal("0.01"))
        elif kind in ("tax", "tax_per_mu"):
            scale = land if kind == "tax_per_mu" else Decimal(1)
            if o.amount is not None:
                fulfilled = _first_trailing(months_tax, o.amount * scale, day)
            actual = (_trailing(months_tax, day.replace(day=1)) / scale).quantize(Decimal("0.01"))
        elif kind == "construction_start":
            fulfilled = p.started_on if p.started_on and p.started_on <= day else None
        elif kind == "production":
            fulfilled = p.production_on if p.production_on and p.production_on <= day else None
        else:
            source = "招商办填写"
        if fulfilled is None and o.fulfilled_on is not None:
            fulfilled = o.fulfilled_on
            if source == "台账":
                note = note or "台账未记录，按招商办填写的履行日期"
        if source == "招商办填写" and o.actual_amount is not None:
            actual = o.actual_amount
        out[o.pk] = ObligationState(o, fulfilled, actual, source, _status(fulfilled, o.due_on, day), note)
    return out


def states_today(obligations, *, day: date | None = None) -> list[ContractObligation]:
    """The obligations (with their projects) each given `.state`, its ObligationState on `day`
    (default today): what the obligation list, its detail page and the project page show."""
    obligations = list(obligations)
    states = evaluate(obligations, day=day or timezone.localdate())
    for o in obligations:
        o.state = states[o.pk]
    return obligations


def with_status(queryset, status: str, *, day: date | None = None):
    """The obligations of `queryset` whose status on `day` (default today) is `status`
    (按期履约, 逾期履约, 逾期未履约, 未到期), read as `evaluate` reads them."""
    states = evaluate(queryset.select_related("project"), day=day or timezone.localdate())
    return queryset.filter(pk__in=[pk for pk, s in states.items() if s.status == status])


def _latest_releases(project_ids) -> dict[int, RewardRelease]:
    out: dict[int, RewardRelease] = {}
    for r in RewardRelease.objects.filter(project_id__in=project_ids).order_by(
        "project_id", "-released_on", "-id"
    ):
        out.setdefault(r.project_id, r)
    return out


def performances(projects, *, on: date | None = None, lands: bool = False) -> list[Performance]:
    """The performance of each project (a queryset or list) on `on` (default today)."""
    day = on or timezone.localdate()
    projects = list(projects)
    by_id = {p.pk: p for p in projects}
    obligations = list(
        ContractObligation.objects.filter(project_id__in=by_id).order_by("project_id", "due_on", "pk")
    )
    for o in obligations:
        o.project = by_id[o.project_id]
    states = evaluate(obligations, day=day)
    grouped: dict[int, list[ObligationState]] = defaultdict(list)
    for o in obligations:
        grouped[o.project_id].append(states[o.pk])
    invested = dict(
        Investment.objects.filter(project_id__in=by_id, month__lte=day)
        .order_by()
        .values_list("project_id")
        .annotate(total=Sum("amount"))
    )
    releases = _latest_releases(list(by_id))
    out = [
        Performance(p, day, grouped.get(p.pk, []), invested.get(p.pk) or ZERO, releases.get(p.pk))
        for p in projects
    ]
    if lands:
        for perf in out:
            perf.lands = land_flags(perf)
    return out


def project_performance(*, project: Project, on: date | None = None) -> Performance:
    return performances([project], on=on, lands=True)[0]


def rates(perfs: list[Performance]) -> dict[str, Decimal | None]:
    """合同履约率、开工率、资金到位率、投产率 (003 §二(三)) of these projects on their day, as ratios:
    obligations kept by their due date ÷ those due; started ÷ signed; actual investment ÷ total
    investment; in production ÷ signed. None where there is nothing to divide by."""
    due = [s for p in perfs for s in p.states if s.obligation.due_on <= p.day]
    kept = [s for s in due if s.fulfilled_on is not None and s.fulfilled_on <= s.obligation.due_on]
    signed = [p for p in perfs if p.project.signed_on and p.project.signed_on <= p.day]
    started = [p for p in signed if p.project.started_on and p.project.started_on <= p.day]
    producing = [p for p in signed if p.project.production_on and p.project.production_on <= p.day]
    total = sum((p.project.total_investment or ZERO for p in perfs), ZERO)
    actual = sum((p.actual_investment for p in perfs), ZERO)

    def ratio(n, d):
        return (Decimal(n) / Decimal(d)) if d else None

    return {
        "合同履约率": ratio(len(kept), len(due)),
        "开工率": ratio(len(started), len(signed)),
        "资金到位率": ratio(actual, total),
        "投产率": ratio(len(producing), len(signed)),
    }


# --- Land recovery (收回土地) ----------------------------------------------------------------


def land_grounds(perf: Performance) -> dict[str, tuple[date, str]]:
    """The grounds for taking the land back found on the day: ground → (the day it arose, why).
    不履行招商合同: behind on the contract; 不按时开工: signed, not started, past the contract's start
    date (the project's 合同约定开工日期 or a 开工 obligation); 圈而不建、建而不产: land given and a
    start or production obligation overdue after the project was signed."""
    p, day = perf.project, perf.day
    out: dict[str, tuple[date, str]] = {}
    if perf.behind:
        first = min(s.obligation.due_on for s in perf.overdue)
        out["breach"] = (first, perf.behind_reason)
    starts = [s for s in perf.overdue if s.obligation.kind == "construction_start"]
    not_started = p.started_on is None and p.stage == Project.Stage.SIGNED
    if not_started and p.contract_start_due and p.contract_start_due < day:
        out["not_started_on_time"] = (
            p.contract_start_due,
            f"合同约定{p.contract_start_due:%Y-%m-%d}开工，至今未开工",
        )
    elif starts:
        s = starts[0]
        out["not_started_on_time"] = (
            s.obligation.due_on,
            f"约定{s.obligation.due_on:%Y-%m-%d}前开工，逾期未开工",
        )
    if p.land_mu:
        idle = [
            s for s in perf.overdue if s.obligation.kind in ("construction_start", "production", "completion")
        ]
        if idle:
            s = idle[0]
            word = "圈而不建" if s.obligation.kind == "construction_start" else "建而不产"
            out["land_idle"] = (
                s.obligation.due_on,
                f"用地{zh.amount(p.land_mu)}亩，{word}（{s.describe()}逾期未履约）",
            )
    return out


def land_rules(project: Project) -> list[tuple[str, object]]:
    """(policy name, rule) of each `land_recovery` rule of the policies over the project."""
    cached = project.__dict__.get("_land_rules")
    if cached is None:
        from zhaoshang.org.models import Policy

        path = project.jurisdiction.path
        prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
        cached = [
            (pol.name, r)
            for pol in Policy.objects.filter(jurisdiction__path__in=prefixes)
            for r in pol.spec().rules
            if r.type == "land_recovery"
        ]
        project._land_rules = cached
    return cached


def land_flags(perf: Performance) -> list[tuple[str, str, str]]:
    """(ground, clause, why) for each ground found that a policy over the project names."""
    grounds = land_grounds(perf)
    out = []
    for name, rule in land_rules(perf.project):
        for ground, (_, why) in grounds.items():
            if ground in rule.grounds:
                out.append((f"{GROUND_LABELS[ground]}，收回土地", f"{name} {rule.clause}", why))
    return out


# --- For the assessment (engine facts) -------------------------------------------------------


def holds_and_grounds(project_ids, *, on: date) -> tuple[dict[int, str], dict[int, dict[str, date]]]:
    """For the assessment's facts: the reason each project's rewards are held on `on`, and its
    land-recovery grounds with the day each arose."""
    projects = list(Project.objects.filter(pk__in=list(project_ids), obligations__isnull=False).distinct())
    holds, grounds = {}, {}
    for perf in performances(projects, on=on):
        if perf.held:
            holds[perf.project.pk] = perf.reason
        found = {g: d for g, (d, _) in land_grounds(perf).items()}
        if found:
            grounds[perf.project.pk] = found
    return holds, grounds


# --- Services ---------------------------------------------------------------------------------


def reward_release(*, project: Project, reason: str, by, on: date | None = None) -> RewardRelease:
    """The office releases the rewards held on `project` (recorded with its reason)."""
    day = on or timezone.localdate()
    perf = project_performance(project=project, on=day)
    if not perf.held:
        raise ValidationError("该项目当前没有因合同履约滞后而暂缓兑现的奖补，无需解除")
    release = RewardRelease(project=project, released_on=day, reason=(reason or "").strip(), by=by,
                            held_reason=perf.reason)  # fmt: skip
    release.full_clean()
    with transaction.atomic():
        release.save()
    return release


# --- What a reader sees of the project's rewards ------------------------------------------------


AMOUNT_KIND_LABELS = {
    "instant_reward": "及时奖励",
    "project_subsidy": "项目补助",
    "completion_award": "完成任务奖",
    "investment_award": "项目进资奖",
    "tax_award": "税收贡献奖",
}


def project_amounts(*, project: Project, user, limit: int = 6) -> list[dict]:
    """The rewards and subsidies on `project` in the assessment results `user` may read (a clerk:
    the published ones), newest first: each with its run, kind, amount, clause and, when held,
    why (暂缓兑现)."""
    from zhaoshang.assessment.models import AssessmentRun

    runs = (
        AssessmentRun.objects.visible_to(user)
        .exclude(status=AssessmentRun.Status.SUPERSEDED)
        .filter(policy__jurisdiction__in=_over(project))
        .select_related("policy")
        .order_by("-as_of", "-pk")[:limit]
    )
    out = []
    key = str(project.pk)
    for run in runs:
        for a in (run.result or {}).get("amounts", []):
            if a.get("project") != key or a.get("kind") not in AMOUNT_KIND_LABELS:
                continue
            out.append(
                {
                    "run": run,
                    "kind": AMOUNT_KIND_LABELS[a["kind"]],
                    "amount_wan": a.get("amount_wan"),
                    "clause": a.get("clause", ""),
                    "held": a.get("held", ""),
                }
            )
    return out


def _over(project: Project):
    from zhaoshang.org.models import Jurisdiction

    path = project.jurisdiction.path
    prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
    return Jurisdiction.objects.filter(path__in=prefixes)


# --- The three-year rolling evaluation of landed projects (004 §三(四)19) ----------------------------


def evaluation_proposal(*, project: Project, year: int) -> dict:
    """What the ledger says of a landed project for `year`'s evaluation: 有税收 when it paid local
    tax that year (ProjectTax); 已入统 when actual investment was recorded that year (a project
    reported to the statistics has its investment in the ledger; none recorded: left to the
    office); 投资额属实 when every investment obligation due by the year's end was kept by the
    ledger's 进资 (one overdue: not; none due: left to the office)."""
    from zhaoshang.assessment.models import ProjectTax

    start, end = date(year, 1, 1), date(year, 12, 31)
    tax = ProjectTax.objects.filter(project=project, month__range=(start, end)).aggregate(
        t=Sum("amount_wan")
    )["t"]
    invested = Investment.objects.filter(project=project, month__range=(start, end)).aggregate(
        t=Sum("amount")
    )["t"]
    due = [
        o
        for o in project.obligations.filter(kind__in=("investment", "investment_per_mu"), due_on__lte=end)
        .select_related("project")
    ]  # fmt: skip
    states = evaluate(due, day=end).values()
    verified = None if not due else all(s.status == KEPT for s in states)
    notes = [
        f"{year}年地方税收{zh.amount(tax or 0)}万元",
        f"{year}年实际进资{zh.amount(invested or 0)}万元",
        "投资义务" + ("均按期到位" if verified else "有逾期未到位" if verified is False else "无到期"),
    ]
    return {
        "tax_paid": bool(tax and tax > 0),
        "in_statistics": True if invested and invested > 0 else None,
        "investment_verified": verified,
        "note": ("系统生成：" + "；".join(notes))[:200],
    }


def evaluations_generate(*, policy, year: int) -> tuple[int, int]:
    """Each year's proposals for the landed projects a policy's `rolling_evaluation` rule evaluates
    that year (004 §三(四)19 为期3年: `evaluation_year`), from the ledger. An evaluation the office
    entered or confirmed is left as it is; a proposal not yet confirmed is brought up to date.
    Returns (created, updated)."""
    from zhaoshang.assessment.models import ProjectEvaluation
    from zhaoshang.engine.evaluators import evaluation_year

    rules = [r for r in policy.spec().rules if r.type == "rolling_evaluation"]
    if not rules:
        raise ValidationError(f"政策文件“{policy.title}”没有落地项目滚动评价规则")
    projects = Project.objects.filter(
        jurisdiction__path__startswith=policy.jurisdiction.path, started_on__isnull=False
    ).order_by("pk")
    existing = {e.project_id: e for e in ProjectEvaluation.objects.filter(project__in=projects, year=year)}
    created = updated = 0
    with transaction.atomic():
        for p in projects:
            if not any(evaluation_year(r, p.started_on, year) for r in rules):
                continue
            e = existing.get(p.pk)
            if e is not None and not e.proposed:
                continue  # the office's own
            values = evaluation_proposal(project=p, year=year)
            if e is None:
                e = ProjectEvaluation(project=p, year=year, proposed=True, **values)
                e.full_clean()
                e.save()
                created += 1
            elif any(getattr(e, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(e, k, v)
                e.save()
                updated += 1
    return created, updated


def evaluations_yearly(*, year: int, policies) -> list[tuple[object, int, int]]:
    """`evaluations_generate` for each of `policies` that has a `rolling_evaluation` rule (the
    others are passed over): what the yearly job (`rolling_evaluations`, January) does for the year
    just ended. Returns (policy, created, updated) per policy evaluated."""
    out = []
    for p in policies:
        if any(r.type == "rolling_evaluation" for r in p.spec().rules):
            out.append((p, *evaluations_generate(policy=p, year=year)))
    return out


def evaluation_confirm(*, evaluation, by):
    """The office confirms a generated evaluation (as it stands, or as it corrected it first)."""
    if not evaluation.proposed:
        raise ValidationError("该评估已由招商办确认或填写，无需再确认")
    evaluation.proposed = False
    evaluation.confirmed_by = by
    evaluation.confirmed_at = timezone.now()
    evaluation.save()
    return evaluation
