"""Reads of field work that several pages share: which reports are still to be filed.

A report is still to be filed (待报送, or 未报送 and still chased) while it is not submitted and its
campaign runs. Once the campaign — the calendar entry's period (专项行动期, as the office keeps it
on the policy's 时期) or else the policy itself — has ended, a report of it whose deadline has
passed is no longer listed as due anywhere: it stays 未报送 on the report's page, in the report list
and in the assessment, but no home page or calendar asks for it again. A report of an ended
campaign whose deadline is still ahead (December's report, due in January) is still due.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from zhaoshang.org.models import Period, Policy

from .models import Report


def ended_campaigns(policies, today: date) -> list[tuple[str, str, date, date]]:
    """(jurisdiction path, calendar key, start, end) of every reporting calendar entry of
    `policies` whose campaign ended before `today`."""
    policies = list(policies)
    kept = {
        (p.policy_id, p.key): (p.start, p.end)
        for p in Period.objects.filter(policy__in=[p.pk for p in policies]).only(
            "policy_id", "key", "start", "end"
        )
    }
    out = []
    for policy in policies:
        spec = policy.spec()
        for entry in spec.calendar:
            if entry.frequency == "anytime":
                continue
            start, end = policy.start, policy.end
            if entry.period:
                span = kept.get((policy.pk, entry.period))
                if span is None and (p := spec.period(entry.period)) is not None:
                    span = (p.start, p.end)
                if span is not None:
                    start, end = max(start, span[0]), min(end, span[1])
            if end < today:
                out.append((policy.jurisdiction.path, entry.key, start, end))
    return out


def open_reports(qs: QuerySet, user, today: date) -> QuerySet:
    """The reports of `qs` still to be filed on `today`: not submitted, and not the overdue
    report of a campaign that has ended (see the module's note)."""
    closed = Q(pk__in=[])
    policies = Policy.objects.visible_to(user).select_related("jurisdiction")
    for path, key, start, end in ended_campaigns(policies, today):
        closed |= Q(
            calendar_key=key,
            jurisdiction__path__startswith=path,
            covers_end__gte=start,
            covers_start__lte=end,
            due_on__lt=today,
        )
    return qs.filter(submitted_at__isnull=True).exclude(closed)


def reports_to_file(user, today: date, week_start: date, week_end: date) -> dict[str, list[Report]]:
    """What a user has to file: `due` this week (deadline from today to the week's end) and
    `overdue` (deadline passed, campaign still running), oldest first, visible to the user."""
    base = open_reports(Report.objects.visible_to(user), user, today).select_related("unit", "team")
    return {
        "due": list(base.filter(due_on__gte=today, due_on__lte=week_end).order_by("due_on", "name", "id")),
        "overdue": list(base.filter(due_on__lt=today).order_by("due_on", "name", "id")[:50]),
    }
