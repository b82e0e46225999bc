"""Reminders about periodic reports: before the deadline and once it is missed, to every active
channel of the report's unit or team.

Never twice: each (channel, report, reason, deadline) gets one Delivery row, inserted *before* anything
is sent; a second run or a concurrent process fails on the unique constraint and skips. A
failed send is retried by a later run, claimed by a compare-and-set on its attempt count so
two processes cannot both retry it. A send interrupted half-way (process killed) is not
retried, since the robot may already have posted it; it is marked given up, visibly.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from zhaoshang.fieldwork.models import Report

from . import senders
from .models import Channel, Delivery, Notice

# Wait after the 1st, 2nd, 3rd failed attempt; after the last attempt fails the delivery is given up.
BACKOFF = [timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
MAX_ATTEMPTS = len(BACKOFF) + 1
# A report missed longer ago than this is not announced: the first run on a new installation
# (or a new channel) must not flood a group with last year's misses.
MISSED_LOOKBACK_DAYS = 7
# A delivery still "sending" after this long was interrupted.
STALE_PENDING = timedelta(hours=1)
MAX_STORED = 500  # characters of a response or error kept on the row


@dataclass
class RemindResult:
    sent: int = 0
    failed: int = 0  # failed this run and will be retried
    gave_up: int = 0
    skipped: int = 0  # already sent (or being sent) earlier

    def summary(self, today: date) -> str:
        return (
            f"{today:%Y-%m-%d} 提醒：发送成功 {self.sent} 条，失败待重试 {self.failed} 条，"
            f"放弃 {self.gave_up} 条，已发送过而跳过 {self.skipped} 条"
        )


def compose(report: Report, reason: str, today: date) -> str:
    holder = report.unit or report.team
    period = f"{report.covers_start:%Y-%m-%d}至{report.covers_end:%Y-%m-%d}"
    due = f"{report.due_on.month}月{report.due_on.day}日"
    if reason == Delivery.Reason.MISSED:
        return f"【信息报送逾期】{holder}：“{report.name}”（所报期间{period}）已于{due}截止，至今未报送，请尽快补报。"
    days = (report.due_on - today).days
    when = {0: "今天", 1: "明天"}.get(days, f"{days}天后")
    return f"【信息报送提醒】{holder}：“{report.name}”（所报期间{period}）{when}（{due}）截止，请按时报送。"


def reminders_due(today: date, channels: Iterable[Channel]) -> Iterator[tuple[Channel, Report, str]]:
    """(channel, report, reason) for every unsubmitted report that a channel should hear about
    today: due within the channel's `remind_days_before` days, or missed within the lookback."""
    by_unit: dict[int, list[Channel]] = defaultdict(list)
    by_team: dict[int, list[Channel]] = defaultdict(list)
    for c in channels:
        (by_team[c.team_id] if c.team_id else by_unit[c.unit_id]).append(c)
    if not by_unit and not by_team:
        return
    horizon = max(c.remind_days_before for cs in (*by_unit.values(), *by_team.values()) for c in cs)
    reports = (
        Report.objects.filter(
            submitted_at__isnull=True,
            due_on__gte=today - timedelta(days=MISSED_LOOKBACK_DAYS),
            due_on__lte=today + timedelta(days=horizon),
        )
        .filter(Q(unit_id__in=list(by_unit)) | Q(team_id__in=list(by_team)))
        .select_related("unit", "team")
        .order_by("due_on", "pk")
    )
    for report in reports:
        days_left = (report.due_on - today).days
        for channel in by_unit.get(report.unit_id, []) + by_team.get(report.team_id, []):
            if days_left < 0:
                yield channel, report, Delivery.Reason.MISSED
            elif days_left <= channel.remind_days_before:
                yield channel, report, Delivery.Reason.BEFORE_DEADLINE


def send_reminders(today: date, *, now: datetime | None = None, channels=None) -> RemindResult:
    """Send what is due `today` and retry failed sends whose time has come (by `now`).
    `channels` limits the run to some channels (the demo seeding uses it)."""
    now = now or timezone.now()
    result = RemindResult()
    channels = Channel.objects.all() if channels is None else channels
    active = list(channels.filter(active=True).select_related("unit", "team"))

    _give_up_interrupted(now)
    candidates = list(reminders_due(today, active))
    done = set(
        Delivery.objects.filter(report_id__in={r.pk for _, r, _ in candidates}).values_list(
            "channel_id", "report_id", "reason", "due_on"
        )
    )
    for channel, report, reason in candidates:
        if (channel.pk, report.pk, reason, report.due_on) in done:
            result.skipped += 1
            continue
        delivery = _claim_new(channel, report, reason, today, now)
        if delivery is None:  # another process got there first
            result.skipped += 1
            continue
        _count(result, _attempt(delivery, now))

    retries = Delivery.objects.filter(
        status=Delivery.Status.FAILED, next_attempt_at__lte=now, channel__in=channels
    ).select_related("channel__unit", "channel__team", "report")
    for delivery in retries:
        if _claim_retry(delivery, now):
            _count(result, _attempt(delivery, now, retry=True))
    return result


def _count(result: RemindResult, status: str) -> None:
    if status == Delivery.Status.SENT:
        result.sent += 1
    elif status == Delivery.Status.FAILED:
        result.failed += 1
    else:
        result.gave_up += 1


def _claim_new(channel, report, reason, today, now) -> Delivery | None:
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                channel=channel,
                report=report,
                reason=reason,
                due_on=report.due_on,
                message=compose(report, reason, today),
                status=Delivery.Status.PENDING,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        return None


def _claim_retry(delivery: Delivery, now: datetime) -> bool:
    claimed = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.FAILED, attempts=delivery.attempts
    ).update(status=Delivery.Status.PENDING, updated_at=now)
    return claimed == 1


def _give_up_interrupted(now: datetime) -> None:
    Delivery.objects.filter(status=Delivery.Status.PENDING, updated_at__lt=now - STALE_PENDING).update(
        status=Delivery.Status.GAVE_UP,
        next_attempt_at=None,
        last_error="发送过程中断，无法确认对方是否收到；为避免重复发送，不再重试",
        updated_at=now,
    )


def _obsolete(delivery: Delivery, now: datetime) -> str:
    """Why a retry should no longer go out, if it should not."""
    report = delivery.report
    if not delivery.channel.active:
        return "提醒渠道已停用，不再重试"
    if report.submitted_at is not None:
        return "信息已报送，不再提醒"
    if report.due_on != delivery.due_on:
        return "截止日期已变更，按新的截止日期另行提醒"
    if delivery.reason == Delivery.Reason.BEFORE_DEADLINE and report.due_on < timezone.localdate(now):
        return "已过截止日期，改由逾期提醒"
    return ""


def _attempt(delivery: Delivery, now: datetime, *, retry: bool = False) -> str:
    why_not = _obsolete(delivery, now) if retry else ""
    if why_not:
        delivery.status, delivery.last_error, delivery.next_attempt_at = (
            Delivery.Status.GAVE_UP,
            why_not,
            None,
        )
        delivery.updated_at = now
        delivery.save()
        return delivery.status
    channel = delivery.channel
    # An in-app notice is a database write: make it and the delivery's outcome one transaction.
    # A webhook is network I/O and must not hold a transaction (SQLite would lock all writers).
    in_app = channel.kind == Channel.Kind.IN_APP
    with transaction.atomic() if in_app else contextlib.nullcontext():
        delivery.attempts += 1
        delivery.updated_at = now
        try:
            response = _send(delivery)
        except senders.SendError as exc:
            delivery.last_error = str(exc)[:MAX_STORED]
            delivery.response = exc.response[:MAX_STORED]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status, delivery.next_attempt_at = Delivery.Status.GAVE_UP, None
            else:
                delivery.status = Delivery.Status.FAILED
                delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        else:
            delivery.status, delivery.sent_at, delivery.next_attempt_at = Delivery.Status.SENT, now, None
            delivery.response, delivery.last_error = response[:MAX_STORED], ""
        delivery.save()
    return delivery.status


def _send(delivery: Delivery) -> str:
    channel, text = delivery.channel, delivery.message
    kind = channel.kind
    if kind == Channel.Kind.IN_APP:
        notice, _ = Notice.objects.get_or_create(
            delivery=delivery,
            defaults={
                "jurisdiction_id": channel.jurisdiction_id,
                "unit_id": channel.unit_id,
                "team_id": channel.team_id,
                "report_id": delivery.report_id,
                "text": text,
            },
        )
        return f"站内消息 #{notice.pk}"
    if kind == Channel.Kind.EMAIL:
        subject = text.split("】", 1)[0].lstrip("【") + f"：{delivery.report.name}"
        return senders.send_email(channel.email_list(), subject, text)
    if kind == Channel.Kind.DINGTALK:
        return senders.post_robot(senders.dingtalk_url(channel.webhook_url, channel.secret), text)
    if kind == Channel.Kind.WECOM:
        return senders.post_robot(channel.webhook_url, text)
    raise senders.SendError(f"未知的提醒方式：{kind}")


def post_notice(*, unit=None, team=None, text: str, report=None) -> Notice:
    """An in-app message for a unit or team outside any channel, for other apps to use."""
    holder = team or unit
    return Notice.objects.create(
        jurisdiction_id=holder.jurisdiction_id, unit=unit, team=team, report=report, text=text
    )
