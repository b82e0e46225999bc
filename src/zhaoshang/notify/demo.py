"""Demo reminders: in-app channels for every unit and team that owes reports, a WeCom robot for
a few of them pointed at a closed local port (so the log shows failures and retries), and one
round of reminders on the day before and the day after the last deadline of the demo data."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Max

from zhaoshang.fieldwork.models import Report
from zhaoshang.org.models import Membership

from .models import Channel
from .services import MISSED_LOOKBACK_DAYS, send_reminders

# Port 9 (discard) is closed on any ordinary machine: every send fails at once, without waiting.
DEMO_WEBHOOK = "http://127.0.0.1:9/cgi-bin/webhook/send?key=demo-robot-key"


def seed(*, policy, webhooks: int = 2, today: date | None = None) -> dict[str, int]:
    """Create the channels for the reports in `policy`'s jurisdiction and send once. Safe to
    call again: existing channels are reused and nothing is sent twice."""
    reports = Report.objects.filter(jurisdiction__path__startswith=policy.jurisdiction.path)
    # (unit, team) -> jurisdiction of every report holder; a team's reports go to the team.
    holders = {}
    for unit_id, team_id, jurisdiction_id in reports.values_list("unit_id", "team_id", "jurisdiction_id"):
        holders[(None, team_id) if team_id else (unit_id, None)] = jurisdiction_id
    last_due = reports.aggregate(d=Max("due_on"))["d"]
    if today is not None:
        days = [today]
    elif last_due is not None:
        days = [last_due - timedelta(days=1), last_due + timedelta(days=1)]
    else:
        days = []
    # The robots go to holders that will be reminded (so the log shows their failures), demo
    # clerks' own first (so logging in as one shows them).
    owing = set()
    if days:
        window = (days[0] - timedelta(days=MISSED_LOOKBACK_DAYS), days[-1] + timedelta(days=1))
        pairs = reports.filter(submitted_at__isnull=True, due_on__range=window).values_list(
            "unit_id", "team_id"
        )
        owing = {(None, t) if t else (u, None) for u, t in pairs}
    clerks = Membership.objects.filter(jurisdiction__path__startswith=policy.jurisdiction.path)
    first = {(None, t) if t else (u, None) for u, t in clerks.values_list("unit_id", "team_id")}
    order = sorted(holders, key=lambda h: (h not in owing, h not in first, h[1] or 0, h[0] or 0))
    channels = []
    for i, (unit_id, team_id) in enumerate(order):
        jurisdiction_id = holders[(unit_id, team_id)]
        holder = {"unit_id": unit_id, "team_id": team_id}
        channel, _ = Channel.objects.get_or_create(
            kind=Channel.Kind.IN_APP, **holder, defaults={"jurisdiction_id": jurisdiction_id}
        )
        channels.append(channel)
        if i < webhooks:
            channel, _ = Channel.objects.get_or_create(
                kind=Channel.Kind.WECOM,
                **holder,
                defaults={
                    "jurisdiction_id": jurisdiction_id,
                    "name": "演示工作群（地址不可达）",
                    "webhook_url": DEMO_WEBHOOK,
                },
            )
            channels.append(channel)
    queryset = Channel.objects.filter(pk__in=[c.pk for c in channels])
    sent = failed = 0
    for day in days:
        result = send_reminders(day, channels=queryset)
        sent, failed = sent + result.sent, failed + result.failed + result.gave_up
    return {"提醒渠道": len(channels), "提醒发送成功": sent, "提醒发送失败": failed}
