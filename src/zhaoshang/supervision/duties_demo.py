"""Demo duties: every duty of the policy made into obligations over the policy's whole span, the
platform's records asked to prove them, and a share of the rest completed by their holders (with a
note and a link to the policy's page) or, for the office's own, one marked 不适用 — so the table,
the grid and the home page show every status. Safe to call again: nothing is made twice."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone

from .duties import duties_prove, duties_schedule
from .models import DutyObligation


def seed(*, policy, today: date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    made = duties_schedule(policy=policy, until=policy.end)
    proved = duties_prove(policy=policy, today=today)
    open_ = list(
        DutyObligation.objects.filter(policy=policy, completed_at__isnull=True, not_applicable_reason="")
        .select_related("unit", "team")
        .order_by("rule", "team_id", "unit_id", "period_start", "pk")
    )
    done = na = 0
    for i, ob in enumerate(open_):
        if ob.unit_id is None and ob.team_id is None:
            if na == 0:
                ob.not_applicable_reason = "演示：本期无此项工作安排"
                ob.not_applicable_at = timezone.now()
                ob.save()
                na += 1
            continue
        if i % 3 == 0 and ob.due_on <= today:
            # Completed a few days before its due date, as a clerk would.
            day = max(ob.period_start, ob.due_on - timedelta(days=3))
            stamp = timezone.make_aware(datetime.combine(day, time(10)))
            ob.completed_at = stamp
            ob.completion_note = "演示：已按要求完成"
            ob.evidence_links = [
                {"text": f"政策文件 {policy.name}", "url": reverse("org:policy_detail", args=[policy.pk])}
            ]
            ob.save()
            done += 1
    return {
        "职责任务": len(made),
        "职责任务自动销号": len(proved),
        "职责任务已完成": done,
        "职责任务不适用": na,
    }
