"""The problem list (问题清单): every rule of a problem's life, called alike by the pages, the API,
the Excel import, the daily job and the command line.

    待办 --start--> 办理中 --resolve--> 已办结（待确认） --confirm--> 已销号
                                           |--reject (reason)--> 办理中

- Only the support unit (要素保障单位) the problem is assigned to — its clerks — or the office
  starts and resolves it; a resolution must say what was done.
- Only the requester — the clerks of the unit or team that raised it; for a problem from a
  meeting's decision also the office, whose meeting it was — confirms (销号) or rejects it, a
  rejection with its reason. So nothing is closed without the resolution and the requester's
  confirmation, whatever the channel.
- Lights (亮灯) by working days left to the due date on the holiday calendar: red once overdue,
  yellow at ≤ ZHAOSHANG_PROBLEM_YELLOW_WORKDAYS working days left or ≤ ZHAOSHANG_PROBLEM_YELLOW_SHARE
  of the problem's time, else green.
- Escalation (逾期督办): the daily job marks each overdue problem escalated once and posts an
  in-app notice naming the office and the responsible leader.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhaoshang.core.roles import Role
from zhaoshang.core.scoping import WriteScope, membership
from zhaoshang.holidays.calendar import add_workdays, is_workday

from .models import Problem

S = Problem.Status


# --- Settings ----------------------------------------------------------------------------------


def default_workdays() -> int:
    return int(getattr(settings, "ZHAOSHANG_PROBLEM_DEFAULT_WORKDAYS", 10))


def yellow_workdays() -> int:
    return int(getattr(settings, "ZHAOSHANG_PROBLEM_YELLOW_WORKDAYS", 3))


def yellow_share() -> float:
    return float(getattr(settings, "ZHAOSHANG_PROBLEM_YELLOW_SHARE", 0.3))


def yellow_threshold(deadline_workdays: int) -> int:
    """Working days left at which a problem of this deadline turns yellow."""
    return max(yellow_workdays(), math.floor(yellow_share() * int(deadline_workdays or 0)))


# --- Working days and lights ---------------------------------------------------------------------


def workdays_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    n, d = 0, start
    while d < end:
        d += timedelta(days=1)
        if is_workday(d):
            n += 1
    return n


def light(problem: Problem, day: date) -> str:
    """green, yellow or red for an unresolved problem as of `day`; "" once resolved or closed."""
    if not problem.is_open or problem.due_on is None:
        return ""
    if day > problem.due_on:
        return Problem.Light.RED
    if workdays_between(day, problem.due_on) <= yellow_threshold(problem.deadline_workdays):
        return Problem.Light.YELLOW
    return Problem.Light.GREEN


def light_q(value: str, day: date) -> Q:
    """The problems of one light as of `day`, as a filter (a yellow cut-off per deadline length)."""
    open_ = Q(status__in=[S.OPEN, S.IN_PROGRESS])
    if value == Problem.Light.RED:
        return open_ & Q(due_on__lt=day)
    lengths = Problem.objects.filter(open_).values_list("deadline_workdays", flat=True).distinct()
    yellow = Q(pk__in=[])
    for n in lengths:
        yellow |= Q(deadline_workdays=n, due_on__lte=add_workdays(day, yellow_threshold(n)))
    yellow = open_ & Q(due_on__gte=day) & yellow
    if value == Problem.Light.YELLOW:
        return yellow
    return open_ & Q(due_on__gte=day) & ~yellow


# --- Who may do what -----------------------------------------------------------------------------


def _is_office(user) -> bool:
    m = membership(user)
    return bool(getattr(user, "is_superuser", False)) or (m is not None and m.role == Role.OFFICE)


def may_work(user, problem: Problem) -> bool:
    """The support unit's clerks (or the office) start and resolve a problem."""
    if not getattr(user, "is_authenticated", False):
        return False
    if _is_office(user):
        return True
    m = membership(user)
    return (
        m is not None
        and m.role in (Role.SUPPORT_UNIT, Role.UNIT_CLERK)
        and m.unit_id == problem.support_unit_id
    )


def may_confirm(user, problem: Problem) -> bool:
    """The requester confirms (销号) or rejects: the clerks of the unit or team that raised it; the
    office too for a problem from a meeting's decision (the office's meeting)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    m = membership(user)
    if m is None:
        return False
    if m.role == Role.OFFICE:
        return problem.source == Problem.Source.MEETING
    if m.role not in (Role.TEAM_CLERK, Role.UNIT_CLERK, Role.SUPPORT_UNIT):
        return False
    scope = WriteScope(user)
    if scope.by_team:
        if problem.requester_team_id:
            return problem.requester_team_id == m.team_id
        return problem.requester_unit_id in scope.unit_ids()
    return m.unit_id == problem.requester_unit_id


def actions_for(user, problem: Problem) -> list[str]:
    """The transitions the user may make now: start, resolve, confirm, reject."""
    out = []
    if may_work(user, problem):
        if problem.status == S.OPEN:
            out += ["start", "resolve"]
        elif problem.status == S.IN_PROGRESS:
            out.append("resolve")
    if problem.status == S.RESOLVED and may_confirm(user, problem):
        out += ["confirm", "reject"]
    return out


# --- Writes ----------------------------------------------------------------------------------------


def problem_prepare(*, problem: Problem, by) -> Problem:
    """Before a new or edited problem is validated and saved (form, API, import): who raised it,
    where it lives, its leader and due date (a closed problem is refused by the model's clean())."""
    if problem.pk is None and by is not None and getattr(by, "pk", None):
        problem.raised_by = by
    problem.derive()
    return problem


def _locked(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().get(pk=problem.pk)


def _refresh(problem: Problem, fresh: Problem) -> Problem:
    for f in Problem._meta.concrete_fields:
        setattr(problem, f.attname, getattr(fresh, f.attname))
    return problem


def _today(on: date | None) -> date:
    return on or timezone.localdate()


def problem_start(*, problem: Problem, by, on: date | None = None) -> Problem:
    """The support unit takes the problem up (待办 → 办理中)."""
    if not may_work(by, problem):
        raise PermissionDenied(f"只有要素保障单位（{problem.support_unit}）或招商办可以办理此问题")
    with transaction.atomic():
        p = _locked(problem)
        if p.status != S.OPEN:
            raise ValidationError(f"问题当前为“{p.get_status_display()}”，只有待办的问题可以开始办理")
        p.status, p.started_on = S.IN_PROGRESS, _today(on)
        p.save()
    return _refresh(problem, p)


def problem_resolve(*, problem: Problem, resolution: str, by, on: date | None = None) -> Problem:
    """The support unit reports it done, saying how (→ 已办结（待确认）)."""
    resolution = (resolution or "").strip()
    if not may_work(by, problem):
        raise PermissionDenied(f"只有要素保障单位（{problem.support_unit}）或招商办可以办结此问题")
    if not resolution:
        raise ValidationError({"resolution": "办结须填写办理结果"})
    with transaction.atomic():
        p = _locked(problem)
        if p.status not in (S.OPEN, S.IN_PROGRESS):
            raise ValidationError(f"问题当前为“{p.get_status_display()}”，不能再办结")
        day = _today(on)
        if day < p.raised_on:
            raise ValidationError({"resolved_on": "办结日期不能早于提出日期"})
        p.status, p.resolution, p.resolved_on = S.RESOLVED, resolution, day
        p.started_on = p.started_on or day
        p.save()
    return _refresh(problem, p)


def problem_confirm(*, problem: Problem, by, on: date | None = None) -> Problem:
    """The requester confirms the resolution: the problem is closed (销号)."""
    if not may_confirm(by, problem):
        raise PermissionDenied(
            f"只有提出单位（{problem.requester_team or problem.requester_unit}）可以确认销号"
        )
    with transaction.atomic():
        p = _locked(problem)
        if p.status != S.RESOLVED or not p.resolution.strip():
            raise ValidationError("只有已办结并填写了办理结果的问题才能确认销号")
        p.status, p.closed_on, p.confirmed_by = S.CLOSED, _today(on), by
        p.save()
    return _refresh(problem, p)


def problem_reject(*, problem: Problem, reason: str, by, on: date | None = None) -> Problem:
    """The requester does not accept the resolution: back to 办理中, with the reason."""
    reason = (reason or "").strip()
    if not may_confirm(by, problem):
        raise PermissionDenied(f"只有提出单位（{problem.requester_team or problem.requester_unit}）可以退回")
    if not reason:
        raise ValidationError({"reason": "退回须填写理由"})
    with transaction.atomic():
        p = _locked(problem)
        if p.status != S.RESOLVED:
            raise ValidationError(f"问题当前为“{p.get_status_display()}”，只有已办结待确认的问题可以退回")
        p.status, p.rejection_reason, p.rejections = S.IN_PROGRESS, reason, p.rejections + 1
        # Not resolved after all: unresolved again from the day it was reported resolved (the
        # bulletins' counts, the overdue table); the change log keeps the rejected resolution.
        p.resolved_on = None
        p.save()
    return _refresh(problem, p)


# --- Escalation ------------------------------------------------------------------------------------


def escalation_text(problem: Problem, today: date) -> str:
    leader = problem.responsible_leader or "（未指定）"
    subject = problem.subject
    days = workdays_between(problem.due_on, today)
    return (
        f"【问题逾期督办】{subject}：“{problem.title}”由{problem.support_unit}办理，"
        f"已于{problem.due_on:%Y-%m-%d}到期，逾期{days}个工作日未办结。"
        f"已报招商办和责任领导{leader}，请{problem.support_unit}尽快办结。"
    )


def escalate_overdue(*, today: date | None = None) -> list[Problem]:
    """Every unresolved problem past its due date, not yet escalated: marked escalated (change
    log, source 系统) and announced once by an in-app notice to the support unit, which the office
    and leaders of the jurisdiction see too. Safe to run again: an escalated problem is skipped."""
    from zhaoshang.core.changelog import change_context
    from zhaoshang.notify.services import post_notice

    today = today or timezone.localdate()
    done = []
    due = Problem.objects.filter(
        status__in=[S.OPEN, S.IN_PROGRESS], due_on__lt=today, escalated_at__isnull=True
    ).select_related("support_unit", "responsible_leader", "project", "enterprise")
    with change_context(source="system", reason="问题逾期自动督办"):
        for problem in due.order_by("due_on", "pk"):
            with transaction.atomic():
                # Claimed under a row lock, read again once it is held: of two runs at once (cron
                # and beat), the second finds it escalated and skips it.
                claimed = (
                    Problem.objects.select_for_update()
                    .filter(pk=problem.pk, escalated_at__isnull=True)
                    .first()
                )
                if claimed is None:
                    continue
                problem.escalated_at = timezone.now()
                problem.save(update_fields=["escalated_at", "updated"])
                post_notice(unit=problem.support_unit, text=escalation_text(problem, today))
            done.append(problem)
    return done


# --- Ranking of the support units -------------------------------------------------------------------


@dataclass
class UnitRow:
    unit: object
    closed: int = 0
    workdays: int = 0
    open: int = 0
    overdue: int = 0
    on_time: int = 0
    rank: int | None = None

    @property
    def average(self) -> Decimal | None:
        if not self.closed:
            return None
        return (Decimal(self.workdays) / self.closed).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def on_time_rate(self) -> Decimal | None:
        if not self.closed:
            return None
        return (Decimal(100 * self.on_time) / self.closed).quantize(Decimal("0.1"), ROUND_HALF_UP)


def support_unit_ranking(queryset, *, today: date | None = None, start: date | None = None,
                         end: date | None = None) -> list[UnitRow]:  # fmt: skip
    """The support units of `queryset` (problems, already scoped) ranked by the average working
    days from raising a problem to its resolution, over the problems closed (销号) between `start`
    and `end`; units with none closed come last, unranked. Ties share a rank."""
    today = today or timezone.localdate()
    rows: dict[int, UnitRow] = {}
    for p in queryset.select_related("support_unit").order_by("pk"):
        row = rows.setdefault(p.support_unit_id, UnitRow(p.support_unit))
        if p.status == S.CLOSED:
            if (start and p.closed_on < start) or (end and p.closed_on > end):
                continue
            row.closed += 1
            resolved = p.resolved_on or p.closed_on
            row.workdays += workdays_between(p.raised_on, resolved)
            row.on_time += resolved <= p.due_on
        elif p.is_open:
            row.open += 1
            row.overdue += p.due_on < today
    ranked = sorted((r for r in rows.values() if r.closed), key=lambda r: (r.average, -r.closed, r.unit.name))
    previous, rank = None, 0
    for i, row in enumerate(ranked, 1):
        if row.average != previous:
            rank, previous = i, row.average
        row.rank = rank
    rest = sorted((r for r in rows.values() if not r.closed), key=lambda r: r.unit.name)
    return ranked + rest


# --- The dashboard's panel -------------------------------------------------------------------------


def panel(user, today: date | None = None) -> dict:
    """The problem list at a glance for the dashboard (office and leaders): unresolved problems by
    light, those escalated, those awaiting confirmation; and the user's own instructions (我的批示)
    still open, overdue first."""
    from .instructions import mine
    from .models import Instruction

    today = today or timezone.localdate()
    qs = Problem.objects.visible_to(user)
    counts = {value: qs.filter(light_q(value, today)).count() for value in Problem.Light.values}
    own = (
        mine(Instruction.objects.visible_to(user), user)
        .exclude(status=Instruction.Status.CLOSED)
        .select_related("addressee_unit", "addressee_team")
        .order_by("deadline", "pk")
    )
    return {
        "lights": [(Problem.Light(v).label, v, counts[v]) for v in Problem.Light.values],
        "resolved": qs.filter(status=S.RESOLVED).count(),
        "escalated": qs.filter(status__in=[S.OPEN, S.IN_PROGRESS], escalated_at__isnull=False).count(),
        "instructions": list(own[:8]),
        "instruction_count": own.count(),
        "today": today,
    }


# --- A project's or enterprise's timeline -----------------------------------------------------------


@dataclass
class TimelineEntry:
    on: date
    text: str
    url: str
    badge: str = ""
    warn: bool = False
    note: str = ""


def timeline(user, *, project=None, enterprise=None, today: date | None = None) -> list[TimelineEntry]:
    """The problems and instructions of a project (or an enterprise) the user may see, as dated
    entries for its page's timeline: each problem raised (with its light or status) and closed,
    each instruction issued (with its status)."""
    from django.urls import reverse

    from .models import Instruction

    today = today or timezone.localdate()
    # An enterprise's page shows its own problems and those of its projects.
    subject = (
        Q(project=project)
        if project is not None
        else Q(enterprise=enterprise) | Q(project__enterprise=enterprise)
    )
    out = []
    problems = Problem.objects.visible_to(user).filter(subject).select_related("support_unit")
    for p in problems.order_by("raised_on", "pk"):
        url = reverse("supervision:problem_detail", args=[p.pk])
        value = light(p, today)
        out.append(
            TimelineEntry(
                p.raised_on,
                f"提出问题：{p.title}（{p.support_unit}办理，期限 {p.due_on:%Y-%m-%d}）",
                url,
                Problem.Light(value).label if value else p.get_status_display(),
                warn=value == Problem.Light.RED,
                note=p.get_source_display(),
            )
        )
        if p.closed_on:
            out.append(
                TimelineEntry(p.closed_on, f"问题销号：{p.title}", url, "已销号", note=p.resolution[:60])
            )
    instructions = Instruction.objects.visible_to(user)
    if project is not None:
        instructions = instructions.filter(Q(project=project) | Q(problem__project=project))
    else:
        instructions = instructions.filter(
            Q(project__enterprise=enterprise)
            | Q(problem__enterprise=enterprise)
            | Q(problem__project__enterprise=enterprise)
        )
    for i in instructions.select_related("addressee_unit", "addressee_team").order_by("issued_on", "pk"):
        out.append(
            TimelineEntry(
                i.issued_on,
                f"领导批示（{i.leader_name}）：{i} → {i.addressee}",
                reverse("supervision:instruction_detail", args=[i.pk]),
                i.get_status_display() + ("，逾期" if i.overdue_on(today) else ""),
                warn=i.overdue_on(today),
                note=f"期限 {i.deadline:%Y-%m-%d}",
            )
        )
    return sorted(out, key=lambda e: e.on)


# --- The bulletins ---------------------------------------------------------------------------------


def _unresolved_at(jurisdiction, end: date):
    qs = Problem.objects.filter(jurisdiction__path__startswith=jurisdiction.path)
    return qs.filter(raised_on__lte=end).filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=end))


def overdue_at(jurisdiction, end: date) -> list[tuple[Problem, int]]:
    """The problems unresolved and past their due date at `end`, with the working days overdue,
    longest first (the bulletins' table of overdue problems)."""
    qs = (
        _unresolved_at(jurisdiction, end)
        .filter(due_on__lt=end)
        .select_related("project", "enterprise", "support_unit")
        .order_by("due_on", "pk")
    )
    return [(p, workdays_between(p.due_on, end)) for p in qs]


def bulletin_figures(jurisdiction, start: date, end: date) -> dict[str, int]:
    """The problem list in a bulletin (战报/简报) of a period: raised and closed in it, and those
    unresolved and overdue at its end (bulletins/placeholders.py 【本期新提出问题数】…)."""
    qs = Problem.objects.filter(jurisdiction__path__startswith=jurisdiction.path)
    unresolved_at_end = _unresolved_at(jurisdiction, end)
    return {
        "raised": qs.filter(raised_on__range=(start, end)).count(),
        "closed": qs.filter(closed_on__range=(start, end)).count(),
        "open": unresolved_at_end.count(),
        "overdue": unresolved_at_end.filter(due_on__lt=end).count(),
    }
