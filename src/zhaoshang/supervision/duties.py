"""Duties as obligations (issue 14 point 1): the one place where a policy's `duty` rules become
`DutyObligation`s per holder and period, where the platform's records prove them, and where a
holder completes one, the office marks one 不适用 or reopens it. The web pages, the API, the
Excel import, the command line and the daily job all call these functions."""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from zhaoshang.core import changelog
from zhaoshang.core.roles import RECORD_EDITORS, Role
from zhaoshang.core.scoping import membership
from zhaoshang.holidays import calendar as workdays
from zhaoshang.org.models import HolderGroup, Policy

from .models import DutyObligation

CADENCE_LABELS = {
    "once": "一次性",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "half_yearly": "每半年",
    "yearly": "每年",
}


def schedule_days() -> int:
    """How far ahead the daily job schedules: obligations whose period starts within this many
    days from today (ZHAOSHANG_DUTY_SCHEDULE_DAYS, default 31, as the reporting calendar)."""
    return int(getattr(settings, "ZHAOSHANG_DUTY_SCHEDULE_DAYS", 31))


# --- Periods and due dates ----------------------------------------------------------------------


def _month_end(y: int, m: int) -> date:
    return date(y, m, _cal.monthrange(y, m)[1])


def cadence_periods(cadence: str, start: date, end: date) -> list[tuple[date, date]]:
    """The calendar periods of `cadence` that meet [start, end], each clipped to it (a policy
    starting mid-month owes its first month's duty for the days it covers)."""
    if cadence == "once":
        return [(start, end)]
    out: list[tuple[date, date]] = []
    if cadence == "weekly":
        d = start - timedelta(days=start.weekday())
        while d <= end:
            out.append((d, d + timedelta(days=6)))
            d += timedelta(days=7)
    else:
        months = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}[cadence]
        y, m = start.year, ((start.month - 1) // months) * months + 1
        while date(y, m, 1) <= end:
            ey, em = divmod((y * 12 + m - 1) + months - 1, 12)
            out.append((date(y, m, 1), _month_end(ey, em + 1)))
            y, m = divmod((y * 12 + m - 1) + months, 12)
            m += 1
    return [(max(a, start), min(b, end)) for a, b in out if b >= start and a <= end]


def last_working_day(start: date, end: date) -> date:
    """The last official working day of [start, end] (the holiday calendar), or `end` if none."""
    d = end
    while d >= start:
        if workdays.is_workday(d):
            return d
        d -= timedelta(days=1)
    return end


def due_date(rule, period_end: date, *, period_start: date) -> date:
    """A `once` duty: its `due_on`, else the policy span's end. A cadence duty: `due_working_days`
    working days after its period's end, 0 being the period's last working day."""
    if rule.cadence == "once":
        return rule.due_on or period_end
    if rule.due_working_days == 0:
        return last_working_day(period_start, period_end)
    return workdays.add_workdays(period_end, rule.due_working_days)


# --- Holders ------------------------------------------------------------------------------------


def _holders(group: HolderGroup | None) -> list[tuple]:
    """(unit, team) of each member of a group as the organisation stands in the database; a group
    of people or jurisdictions (and no group) leaves the duty with the office: (None, None)."""
    if group is None:
        return [(None, None)]
    if group.holder == HolderGroup.Holder.UNIT:
        return [(u, None) for u in group.units.all()]
    if group.holder == HolderGroup.Holder.TEAM:
        return [(None, t) for t in group.teams.all()]
    return [(None, None)]


def duty_rules(policy: Policy) -> list:
    return [r for r in policy.spec().rules if r.type == "duty"]


# --- Scheduling ---------------------------------------------------------------------------------


def duties_schedule(*, policy: Policy, until: date) -> list[DutyObligation]:
    """Create the obligations of every duty of `policy` whose period starts on or before `until`
    (within the policy's span), one per holder and period. Running it again, or two schedulers at
    once, creates nothing twice; a holder added to a group later gets its obligations on the next
    run. Returns the new ones (each change-logged)."""
    groups = {g.key: g for g in policy.groups.prefetch_related("units", "teams")}
    wanted: dict[tuple, DutyObligation] = {}
    for rule in duty_rules(policy):
        group = groups.get(rule.group) if rule.group else None
        if rule.group and group is None:
            continue  # a group the office removed: nobody holds the duty
        for start, end in cadence_periods(rule.cadence, policy.start, policy.end):
            if start > until:
                continue
            due = due_date(rule, end, period_start=start)
            for unit, team in _holders(group):
                key = (rule.id, unit and unit.pk, team and team.pk, start)
                holder = unit or team
                wanted.setdefault(
                    key,
                    DutyObligation(
                        jurisdiction_id=holder.jurisdiction_id if holder else policy.jurisdiction_id,
                        policy=policy,
                        rule=rule.id,
                        title=rule.title[:300],
                        clause=rule.clause[:120],
                        group_key=rule.group or "",
                        unit=unit,
                        team=team,
                        period_start=start,
                        period_end=end,
                        due_on=due,
                    ),
                )
    if not wanted:
        return []

    def missing():
        existing = set(
            DutyObligation.objects.filter(policy=policy).values_list(
                "rule", "unit_id", "team_id", "period_start"
            )
        )
        return [o for k, o in wanted.items() if k not in existing]

    for attempt in range(2):
        new = missing()
        try:
            with transaction.atomic():
                DutyObligation.objects.bulk_create(new, batch_size=2000)
                changelog.record_many(new, "create")
            return new
        except IntegrityError:
            if attempt:  # another scheduler got there first: take what it made, add the rest
                raise
            for o in new:
                o.pk = None
    return []


# --- Proof from the platform's records ----------------------------------------------------------


def _link(text: str, name: str, pk: int) -> dict:
    try:
        url = reverse(name, args=[pk])
    except Exception:  # noqa: BLE001 - a page that does not exist: the text alone
        url = ""
    return {"text": text, "url": url}


def proof_records(obligation: DutyObligation, proof) -> list[dict]:
    """What in the platform's records shows `obligation` done under `proof` (the rule's
    DutyProof): links to the records, or [] when they do not (yet) suffice."""
    ob = obligation
    lo, hi = ob.period_start, ob.period_end
    if proof.source == "activity":
        from zhaoshang.fieldwork.models import Activity

        qs = Activity.objects.filter(
            kind=proof.kind, date__range=(lo, hi), jurisdiction__path__startswith=ob.policy.jurisdiction.path
        )
        if ob.team_id:
            qs = qs.filter(team_id=ob.team_id)
        elif ob.unit_id:
            qs = qs.filter(unit_id=ob.unit_id)
        if proof.keywords:
            q = Q()
            for word in proof.keywords:
                q |= Q(summary__icontains=word) | Q(minutes__icontains=word)
            qs = qs.filter(q)
        found = list(qs.order_by("date", "pk")[: max(proof.min_count, 1) * 2])
        if len(found) < proof.min_count:
            return []
        return [
            _link(f"{a.date:%Y-%m-%d} {a.get_kind_display()}", "fieldwork:activity_detail", a.pk)
            for a in found
        ]
    if proof.source == "report":
        from zhaoshang.fieldwork.models import Report

        qs = Report.objects.filter(
            calendar_key=proof.calendar,
            submitted_at__isnull=False,
            covers_start__gte=lo,
            covers_end__lte=hi,
            jurisdiction__path__startswith=ob.policy.jurisdiction.path,
        )
        if ob.team_id:
            qs = qs.filter(team_id=ob.team_id)
        elif ob.unit_id:
            qs = qs.filter(unit_id=ob.unit_id)
        found = list(qs.order_by("covers_start", "pk")[:5])
        return [
            _link(f"{r.name}（{r.covers_start:%Y-%m-%d}起）已报送", "fieldwork:report_detail", r.pk)
            for r in found
        ]
    if proof.source == "bulletin":
        from zhaoshang.bulletins.models import Bulletin
        from zhaoshang.engine.periods import PeriodParseError, parse_period

        # A bulletin counts for the period it reports on (June's battle report, built in July,
        # proves June's duty); one whose period cannot be read counts when it was built.
        spec = ob.policy.spec()
        qs = Bulletin.objects.filter(policy=ob.policy, status=Bulletin.Status.DONE)
        if proof.kind:
            qs = qs.filter(kind=proof.kind)
        found = []
        for b in qs.order_by("finished_at", "pk"):
            try:
                end = parse_period(b.period, spec).end
            except PeriodParseError:
                end = timezone.localtime(b.finished_at).date() if b.finished_at else None
            if end is not None and lo <= end <= hi:
                found.append(b)
        if len(found) < proof.min_count:
            return []
        found = found[: proof.min_count * 2]
        return [_link(f"{b.title or b.number or b.period}", "bulletins:bulletin_detail", b.pk) for b in found]
    if proof.source == "assessment":
        from zhaoshang.assessment.models import AssessmentRun
        from zhaoshang.engine.periods import PeriodParseError, parse_period

        spec = ob.policy.spec()
        runs = AssessmentRun.objects.filter(
            policy=ob.policy, status__in=[AssessmentRun.Status.PUBLISHED, AssessmentRun.Status.SUPERSEDED]
        ).order_by("published_at", "pk")
        out = []
        for run in runs:
            try:
                span = parse_period(run.period, spec)
            except PeriodParseError:
                continue
            if lo <= span.end <= hi:
                out.append(
                    _link(
                        f"考核 {run.period} 第{run.version}版已发布",
                        "assessment:assessmentrun_detail",
                        run.pk,
                    )
                )
        return out[:5]
    return []


def duties_prove(*, policy: Policy, today: date | None = None) -> list[DutyObligation]:
    """Close every open obligation of `policy` whose rule has a `proof` the records now satisfy
    (period begun by `today`): completed with the records as `proved_by`, by nobody (the system).
    Returns those closed."""
    today = today or timezone.localdate()
    rules = {r.id: r for r in duty_rules(policy) if r.proof is not None}
    if not rules:
        return []
    open_ = DutyObligation.objects.filter(
        policy=policy,
        rule__in=list(rules),
        completed_at__isnull=True,
        not_applicable_reason="",
        period_start__lte=today,
    ).select_related("policy__jurisdiction", "unit", "team")
    closed = []
    for ob in open_:
        links = proof_records(ob, rules[ob.rule].proof)
        if not links:
            continue
        ob.completed_at = timezone.now()
        ob.completed_by = None
        ob.proved_by = links
        ob.completion_note = "由平台记录自动销号"
        ob.save()
        closed.append(ob)
    return closed


def duties_daily(*, today: date | None = None) -> tuple[int, int]:
    """The daily job: schedule every policy's duties ZHAOSHANG_DUTY_SCHEDULE_DAYS ahead and prove
    what the records show. (made, proved)."""
    today = today or timezone.localdate()
    made = proved = 0
    for policy in Policy.objects.select_related("jurisdiction"):
        made += len(duties_schedule(policy=policy, until=today + timedelta(days=schedule_days())))
        proved += len(duties_prove(policy=policy, today=today))
    return made, proved


# --- Who may do what ----------------------------------------------------------------------------


def is_office(user) -> bool:
    m = membership(user)
    return bool(getattr(user, "is_superuser", False)) or (m is not None and m.role == Role.OFFICE)


def may_complete(user, obligation: DutyObligation) -> bool:
    """The holder's clerk (one who sees it and records work) or the office."""
    if is_office(user):
        return True
    m = membership(user)
    if m is None or m.role not in RECORD_EDITORS:
        return False
    return DutyObligation.objects.visible_to(user).filter(pk=obligation.pk).exists()


def _require_office(user, what: str) -> None:
    if not is_office(user):
        raise PermissionDenied(f"只有招商办可以{what}")


# --- Completing, 不适用, reopening ----------------------------------------------------------------


@dataclass
class EvidenceLink:
    text: str
    url: str = ""


def _links(links) -> list[dict]:
    out = []
    for i, link in enumerate(links or (), start=1):
        if isinstance(link, EvidenceLink):
            text, url = link.text, link.url
        elif isinstance(link, dict):
            text, url = str(link.get("text", "")), str(link.get("url", ""))
        else:
            text, url = str(link), ""
        text, url = text.strip(), url.strip()
        if not text:
            raise ValidationError({"evidence_links": f"第{i}条佐证链接缺少说明文字"})
        if url and not (url.startswith("/") or url.startswith("http://") or url.startswith("https://")):
            raise ValidationError({"evidence_links": f"第{i}条佐证链接地址须以 / 或 http(s):// 开头"})
        out.append({"text": text[:200], "url": url[:500]})
    return out


def duty_complete(
    *, obligation: DutyObligation, by, note: str = "", evidence=None, links=()
) -> DutyObligation:
    """The holder's clerk (or the office) marks an obligation done, with evidence: a file, links
    to records, or at least a note saying what was done."""
    if not may_complete(by, obligation):
        raise PermissionDenied("只有该职责的承担单位（团队）或招商办可以办结")
    if obligation.not_applicable_reason:
        raise ValidationError("该职责任务已认定不适用，请招商办先重新打开")
    if obligation.completed_at is not None:
        raise ValidationError("该职责任务已完成")
    note = (note or "").strip()
    links = _links(links)
    if evidence:
        from zhaoshang.core.uploads import validate_evidence

        validate_evidence(evidence)
    if not (note or links or evidence):
        raise ValidationError({"completion_note": "办结须填写完成情况，或上传佐证材料、给出佐证链接"})
    obligation.completion_note = note
    obligation.evidence_links = links
    if evidence:
        obligation.evidence = evidence
    obligation.completed_at = timezone.now()
    obligation.completed_by = by if getattr(by, "pk", None) else None
    obligation.full_clean(exclude=["evidence"])
    obligation.save()
    return obligation


def duty_not_applicable(*, obligation: DutyObligation, reason: str, by) -> DutyObligation:
    """The office marks an obligation 不适用, with its reason."""
    _require_office(by, "认定职责任务不适用")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"not_applicable_reason": "认定不适用须填写理由"})
    if obligation.completed_at is not None:
        raise ValidationError({"not_applicable_reason": "已完成的职责任务不能再认定不适用，请先重新打开"})
    obligation.not_applicable_reason = reason
    obligation.not_applicable_by = by if getattr(by, "pk", None) else None
    obligation.not_applicable_at = timezone.now()
    obligation.save()
    return obligation


def duty_reopen(*, obligation: DutyObligation, by) -> DutyObligation:
    """The office reopens a completed or 不适用 obligation: 待办 (or 逾期) again. The evidence and
    the records that proved it stay in the change log."""
    _require_office(by, "重新打开职责任务")
    if obligation.completed_at is None and not obligation.not_applicable_reason:
        raise ValidationError("该职责任务尚未办结，无需重新打开")
    obligation.completed_at = None
    obligation.completed_by = None
    obligation.proved_by = []
    obligation.not_applicable_reason = ""
    obligation.not_applicable_by = None
    obligation.not_applicable_at = None
    obligation.save()
    return obligation


def duty_set_status(*, obligation: DutyObligation, status: str, reason: str = "", by) -> bool:
    """The office's status sheet (Excel import): bring one obligation to 待办, 已完成 or 不适用.
    Returns whether anything changed. 逾期 is derived and not set."""
    _require_office(by, "导入职责任务状态")
    current = obligation.status
    if status == "done":
        if obligation.completed_at is not None and not obligation.not_applicable_reason:
            return False
        if obligation.not_applicable_reason:
            duty_reopen(obligation=obligation, by=by)
        duty_complete(obligation=obligation, by=by, note=reason or "招商办导入：已完成")
        return True
    if status == "not_applicable":
        if obligation.not_applicable_reason == (reason or "").strip():
            return False
        if obligation.completed_at is not None or obligation.not_applicable_reason:
            duty_reopen(obligation=obligation, by=by)
        duty_not_applicable(obligation=obligation, reason=reason, by=by)
        return True
    if status == "pending":
        if current in ("pending", "overdue"):
            return False
        duty_reopen(obligation=obligation, by=by)
        return True
    raise ValidationError({"status": "状态须为：待办、已完成、不适用"})


# --- Counts (the grid, the dashboard, the bulletin) ---------------------------------------------


def duty_counts(qs, today: date):
    """(holders, rules, cells, totals): the obligations of `qs` counted per status as of `today`,
    per (unit id, team id) holder × rule and per holder, in one aggregate query."""
    from collections import defaultdict

    from django.db.models import Count

    from .models import DUTY_STATUSES

    rows = (
        qs.with_status(today).values("unit_id", "team_id", "rule", "state").annotate(n=Count("pk")).order_by()
    )
    cells: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DUTY_STATUSES, 0))
    totals: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DUTY_STATUSES, 0))
    holders, rules = set(), set()
    for row in rows:
        holder = (row["unit_id"], row["team_id"])
        holders.add(holder)
        rules.add(row["rule"])
        cells[(holder, row["rule"])][row["state"]] += row["n"]
        totals[holder][row["state"]] += row["n"]
    return holders, rules, cells, totals


def holder_names(holders) -> dict[tuple, str]:
    """(unit id, team id) → the holder's name; (None, None) is the office."""
    from zhaoshang.org.models import Team, Unit

    units = Unit.objects.in_bulk([u for u, _ in holders if u])
    teams = Team.objects.in_bulk([t for _, t in holders if t])
    return {
        h: str(teams[h[1]]) if h[1] else (str(units[h[0]]) if h[0] else "招商办（本级）") for h in holders
    }


# --- The worklist -------------------------------------------------------------------------------


def due_this_week(user, today: date):
    """The user's open obligations due by the end of this week, overdue ones first."""
    week_end = today + timedelta(days=6 - today.weekday())
    return (
        DutyObligation.objects.visible_to(user)
        .filter(completed_at__isnull=True, not_applicable_reason="", due_on__lte=week_end)
        .select_related("unit", "team")
        .order_by("due_on", "pk")
    )
