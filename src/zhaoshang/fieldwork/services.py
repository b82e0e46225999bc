"""Field-work services: the reporting calendar made into reports, submission and reopening,
lead screening, and trips with their visits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhaoshang.core import changelog
from zhaoshang.engine.calendar import deadlines
from zhaoshang.holidays import calendar as workdays
from zhaoshang.org.models import HolderGroup, Policy

from .models import Lead, Report


def is_working_day(d: date) -> bool:
    """Official working day, as the office's holiday calendar says (holidays/calendar.py: the one
    source; a year it does not cover is answered Monday–Friday and flagged where deadlines show)."""
    return workdays.is_workday(d)


def _holders(group: HolderGroup):
    """(unit, team) pairs for the members of a group that reports."""
    if group.holder == HolderGroup.Holder.UNIT:
        return [(u, None) for u in group.units.all()]
    if group.holder == HolderGroup.Holder.TEAM:
        return [(None, t) for t in group.teams.all()]
    return []  # leaders and jurisdictions do not file reports themselves


def schedule_reports(policy: Policy, start: date, end: date) -> list[Report]:
    """Create the reports the policy's calendar asks for with a deadline in [start, end].
    Running it again (or for an overlapping span) creates nothing twice."""
    spec = policy.spec()
    groups = {g.key: g for g in policy.groups.prefetch_related("units", "teams")}
    wanted: dict[tuple, Report] = {}
    for entry in spec.calendar:
        if entry.frequency == "anytime":
            continue
        # A report belongs to the policy when the time it covers does; its deadline may fall
        # after the policy ends (December's report in January) or before a period starts.
        cover_start, cover_end = policy.start, policy.end
        if entry.period:
            p = spec.period(entry.period)
            cover_start, cover_end = max(cover_start, p.start), min(cover_end, p.end)
        if cover_start > cover_end:
            continue
        span_start, span_end = start, end
        for dl in deadlines(entry, span_start, span_end, is_working_day):
            if dl.covers_end < cover_start or dl.covers_start > cover_end:
                continue
            for gkey in entry.groups:
                group = groups.get(gkey)
                if group is None:
                    continue
                for unit, team in _holders(group):
                    key = (entry.key, unit and unit.pk, team and team.pk, dl.covers_start, dl.covers_end)
                    wanted.setdefault(
                        key,
                        Report(
                            jurisdiction_id=(unit or team).jurisdiction_id,
                            calendar_key=entry.key,
                            name=entry.name,
                            unit=unit,
                            team=team,
                            covers_start=dl.covers_start,
                            covers_end=dl.covers_end,
                            due_on=dl.due,
                        ),
                    )
    if not wanted:
        return []

    def missing():
        keys = {k[0] for k in wanted}
        existing = set(
            Report.objects.filter(
                calendar_key__in=keys,
                jurisdiction__path__startswith=policy.jurisdiction.path,
                covers_end__gte=min(k[3] for k in wanted),
                covers_start__lte=max(k[4] for k in wanted),
            ).values_list("calendar_key", "unit_id", "team_id", "covers_start", "covers_end")
        )
        return [r for k, r in wanted.items() if k not in existing]

    for attempt in range(2):
        new = missing()
        try:
            with transaction.atomic():
                Report.objects.bulk_create(new, batch_size=2000)
                changelog.record_many(new, "create")
            return new
        except IntegrityError:
            # Another scheduler got there first: take what it made and add the rest.
            if attempt:
                raise
            for r in new:
                r.pk = None
    return []


def report_submit(report: Report, content: str) -> Report:
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": "报送内容不能为空"})
    report.content = content
    if report.submitted_at is None:
        report.submitted_at = timezone.now()
    report.save()
    return report


def report_reopen(report: Report, reason: str, due_on: date | None = None) -> Report:
    """The office sends a submission back: it counts as not submitted until filed again, by the
    original deadline or by a new one the office gives."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reopen_reason": "退回须填写理由"})
    if report.submitted_at is None:
        raise ValidationError("该报送尚未提交，无需退回")
    if due_on is not None and due_on < report.due_on:
        raise ValidationError({"due_on": "新的截止日期不能早于原截止日期"})
    report.submitted_at = None
    report.reopened_at = timezone.now()
    report.reopen_reason = reason
    if due_on is not None:
        report.due_on = due_on
    report.save()
    return report


def lead_grades(policy: Policy | None) -> dict[str, Decimal]:
    """Grades and their points from the policy's lead-points rule (线索积分制), if it has one."""
    if policy is None:
        return {}
    for rule in policy.spec().rules:
        if rule.type == "lead_points":
            return {g: Decimal(p) for g, p in rule.points_by_grade.items()}
    return {}


def policy_for(jurisdiction, on: date) -> Policy | None:
    """The policy in force for a jurisdiction (or the nearest one above it) on a day."""
    paths = [jurisdiction.path[:i] for i in range(len(jurisdiction.path), 0, -1)]
    candidates = Policy.objects.filter(jurisdiction__path__in=paths).select_related("jurisdiction")
    in_force = [p for p in candidates if p.start <= on <= p.end]
    pool = in_force or list(candidates)
    return max(pool, key=lambda p: (len(p.jurisdiction.path), p.start), default=None)


def lead_screen(lead: Lead, user, status: str, *, grade: str = "", valuable=False, note: str = "") -> Lead:
    if status not in (Lead.Status.VALID, Lead.Status.INVALID):
        raise ValidationError({"status": "甄别结果须为“有效”或“无效”"})
    grades = lead_grades(policy_for(lead.jurisdiction, lead.reported_on))
    if status == Lead.Status.VALID and grades:
        if grade not in grades:
            raise ValidationError({"grade": f"线索等级须为：{'、'.join(grades)}"})
    elif grade and grades and grade not in grades:
        raise ValidationError({"grade": f"线索等级须为：{'、'.join(grades)}"})
    lead.status = status
    lead.grade = grade if status == Lead.Status.VALID else ""
    lead.valuable = bool(valuable) and status == Lead.Status.VALID
    lead.points = grades.get(lead.grade, Decimal("0")) if status == Lead.Status.VALID else Decimal("0")
    lead.screening_note = (note or "").strip()
    lead.screened_at = timezone.now()
    lead.screened_by = user if getattr(user, "pk", None) else None
    lead.save()
    return lead


def enterprise_named(*, name: str, jurisdiction_id: int | None, user):
    """The 客商库 enterprise of the jurisdiction, among those `user` may see, whose name (short
    or former name) matches the name a clerk wrote on an activity or lead; None if none does."""
    from zhaoshang.ledger.models import Enterprise
    from zhaoshang.ledger.services import names_match

    name = (name or "").strip()
    if not name or jurisdiction_id is None:
        return None
    qs = Enterprise.objects.visible_to(user).filter(jurisdiction_id=jurisdiction_id)
    for ent in qs.filter(name__icontains=name[:2])[:200]:
        if any(names_match(name, n) for n in [ent.name, ent.short_name, *ent.former_names] if n):
            return ent
    return None


def enterprise_link(record, user) -> None:
    """Point an activity or lead at the 客商库 enterprise its clerk named, if `user` can see one
    that matches and it points at none yet: the web form and the API alike."""
    if record.enterprise_id:
        return
    ent = enterprise_named(name=record.enterprise_name, jurisdiction_id=record.jurisdiction_id, user=user)
    if ent is not None:
        record.enterprise = ent
