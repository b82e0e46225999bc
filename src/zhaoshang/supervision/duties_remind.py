"""Reminders about duties, as for reports (notify/services.py): a due-soon reminder from
ZHAOSHANG_DUTY_REMIND_DAYS before the due date and an overdue one for ZHAOSHANG_DUTY_OVERDUE_DAYS
after it, to every active channel (notify.Channel) of the obligation's unit or team. Never twice
for the same obligation, channel and day: the `DutyReminder` row is inserted before anything is
sent, so a second run (or a concurrent one) fails on its unique constraint and skips. A failed
send is recorded and not retried the same day (the next day's run reminds again while the
obligation is open). The office's own duties have no channel: they show on its home page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from zhaoshang.notify import senders
from zhaoshang.notify.models import Channel
from zhaoshang.notify.services import post_notice

from .models import DutyObligation, DutyReminder


def remind_days() -> int:
    return int(getattr(settings, "ZHAOSHANG_DUTY_REMIND_DAYS", 3))


def overdue_days() -> int:
    return int(getattr(settings, "ZHAOSHANG_DUTY_OVERDUE_DAYS", 7))


@dataclass
class DutyRemindResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0

    def summary(self, today: date) -> str:
        return (
            f"{today:%Y-%m-%d} 职责提醒：发送成功 {self.sent} 条，失败 {self.failed} 条，"
            f"今日已提醒过而跳过 {self.skipped} 条"
        )


def compose(ob: DutyObligation, reason: str, today: date) -> str:
    due = f"{ob.due_on.month}月{ob.due_on.day}日"
    what = f"“{ob.title[:60]}”（{ob.clause}，{ob.period_label}）"
    if reason == DutyReminder.Reason.OVERDUE:
        return f"【职责任务逾期】{ob.holder_label}：{what}已于{due}到期，尚未办结，请尽快办结并上传佐证。"
    days = (ob.due_on - today).days
    when = {0: "今天", 1: "明天"}.get(days, f"{days}天后")
    return f"【职责任务提醒】{ob.holder_label}：{what}{when}（{due}）到期，请按时办结并上传佐证。"


def reminders_due(today: date, channels) -> list[tuple[Channel, DutyObligation, str]]:
    by_unit: dict[int, list[Channel]] = defaultdict(list)
    by_team: dict[int, list[Channel]] = defaultdict(list)
    for c in channels:
        (by_team[c.team_id] if c.team_id else by_unit[c.unit_id]).append(c)
    if not by_unit and not by_team:
        return []
    obligations = (
        DutyObligation.objects.filter(
            completed_at__isnull=True,
            not_applicable_reason="",
            due_on__gte=today - timedelta(days=overdue_days()),
            due_on__lte=today + timedelta(days=remind_days()),
        )
        .filter(Q(team_id__in=list(by_team)) | Q(team__isnull=True, unit_id__in=list(by_unit)))
        .select_related("unit", "team")
        .order_by("due_on", "pk")
    )
    out = []
    for ob in obligations:
        reason = DutyReminder.Reason.OVERDUE if ob.due_on < today else DutyReminder.Reason.DUE_SOON
        targets = by_team.get(ob.team_id, []) if ob.team_id else by_unit.get(ob.unit_id, [])
        out.extend((c, ob, reason) for c in targets)
    return out


def send_duty_reminders(today: date, *, channels=None) -> DutyRemindResult:
    result = DutyRemindResult()
    channels = Channel.objects.all() if channels is None else channels
    active = list(channels.filter(active=True).select_related("unit", "team"))
    for channel, ob, reason in reminders_due(today, active):
        try:
            with transaction.atomic():
                row = DutyReminder.objects.create(
                    channel=channel,
                    obligation=ob,
                    reason=reason,
                    day=today,
                    message=compose(ob, reason, today),
                )
        except IntegrityError:
            result.skipped += 1
            continue
        try:
            _send(channel, ob, row.message)
        except senders.SendError as exc:
            row.status, row.error = DutyReminder.Status.FAILED, str(exc)[:500]
            result.failed += 1
        else:
            row.status = DutyReminder.Status.SENT
            result.sent += 1
        row.save(update_fields=["status", "error"])
    return result


def _send(channel: Channel, ob: DutyObligation, text: str) -> None:
    kind = channel.kind
    if kind == Channel.Kind.IN_APP:
        post_notice(unit=channel.unit, team=channel.team, text=text)
    elif kind == Channel.Kind.EMAIL:
        senders.send_email(channel.email_list(), text.split("】", 1)[0].lstrip("【"), text)
    elif kind == Channel.Kind.DINGTALK:
        senders.post_robot(senders.dingtalk_url(channel.webhook_url, channel.secret), text)
    elif kind == Channel.Kind.WECOM:
        senders.post_robot(channel.webhook_url, text)
    else:
        raise senders.SendError(f"未知的提醒方式：{kind}")
