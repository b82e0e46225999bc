"""Reminders and notices: where a unit's or team's reminders go (channels), what was sent
(deliveries, one row per channel, report and reason) and the in-app messages (notices)."""

import hashlib
import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone

from zhaoshang.core.fields import LONG_TEXT, REASON, BoundedTextField
from zhaoshang.core.scoping import ScopedQuerySet
from zhaoshang.fieldwork.models import Report
from zhaoshang.ledger.models import PrivateRecord
from zhaoshang.org.models import Jurisdiction, Team, Unit


def split_emails(text: str) -> list[str]:
    return [a for a in re.split(r"[\s,;，；、]+", text or "") if a]


def mask_url(url: str) -> str:
    """A robot's webhook URL carries its key (access_token): show only its last four characters."""
    if not url:
        return ""
    parts = urlsplit(url)
    query = "&".join(
        f"{k}=…{v[-4:]}" if len(v) > 4 else f"{k}={v}"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit(parts._replace(query=query))


class Channel(PrivateRecord):
    """One way of reaching a unit or a team: in-app messages, e-mail, or a WeCom / DingTalk
    group robot. Private like the reports it reminds about: a clerk configures their own."""

    class Kind(models.TextChoices):
        IN_APP = "in_app", "站内消息"
        EMAIL = "email", "电子邮件"
        WECOM = "wecom", "企业微信群机器人"
        DINGTALK = "dingtalk", "钉钉群机器人"

    WEBHOOK_KINDS = (Kind.WECOM, Kind.DINGTALK)

    kind = models.CharField("方式", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=60, blank=True, help_text="如“商务局招商工作群”，可不填")
    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        Team, verbose_name="团队", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    webhook_url = models.URLField(
        "Webhook 地址",
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="群机器人的 Webhook 地址（群设置 → 群机器人 → 添加机器人后复制）",
    )
    secret = models.CharField(
        "加签密钥",
        max_length=200,
        blank=True,
        help_text="钉钉机器人安全设置选择“加签”时，填写以 SEC 开头的密钥",
    )
    emails = BoundedTextField("收件邮箱", blank=True, max_length=REASON, help_text="多个地址用逗号或换行分隔")
    remind_days_before = models.PositiveSmallIntegerField(
        "提前提醒天数", default=1, help_text="截止日期前几天开始提醒；0 表示截止当天提醒"
    )
    active = models.BooleanField("启用", default=True)
    # The webhook key and signing secret are credentials: the change log and the pages see this
    # masked form (URL with its key cut to four characters, a digest of the secret) instead.
    target_masked = models.CharField("发送地址", max_length=600, blank=True, editable=False)

    changelog_exclude = ("created", "updated", "webhook_url", "secret")

    class Meta:
        verbose_name = "提醒渠道"
        verbose_name_plural = "提醒渠道"
        ordering = ["jurisdiction", "unit", "team", "kind", "id"]
        constraints = [
            # Exactly one holder, so it is never ambiguous whose reports a channel reminds about.
            models.CheckConstraint(
                condition=Q(unit__isnull=False, team__isnull=True) | Q(unit__isnull=True, team__isnull=False),
                name="channel_one_holder",
                violation_error_message="提醒渠道须指定一个单位或一个团队（二选一）",
            )
        ]

    def __str__(self):
        label = f"{self.holder} · {self.get_kind_display()}"
        return f"{label}（{self.name}）" if self.name else label

    @property
    def holder(self):
        return self.team if self.team_id else self.unit

    def email_list(self) -> list[str]:
        return split_emails(self.emails)

    def clean(self):
        errors = {}
        if self.kind in self.WEBHOOK_KINDS and not self.webhook_url:
            errors["webhook_url"] = "群机器人须填写 Webhook 地址"
        if self.kind == self.Kind.EMAIL:
            addresses = self.email_list()
            if not addresses:
                errors["emails"] = "请填写至少一个收件邮箱"
            for address in addresses:
                try:
                    validate_email(address)
                except ValidationError:
                    errors["emails"] = f"邮箱地址“{address}”格式不正确"
                    break
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.kind in self.WEBHOOK_KINDS:
            self.target_masked = mask_url(self.webhook_url)
            if self.kind == self.Kind.DINGTALK and self.secret:
                self.target_masked += f"（加签 #{hashlib.sha256(self.secret.encode()).hexdigest()[:8]}）"
        elif self.kind == self.Kind.EMAIL:
            self.target_masked = "、".join(self.email_list())
        else:
            self.target_masked = ""
        super().save(*args, **kwargs)


class Delivery(models.Model):
    """One reminder to one channel about one report's deadline, and what became of it.

    The unique constraint is what makes a reminder go out at most once: the row is inserted
    before anything is sent, so a second `remind` process (or a second run) fails to insert
    and skips. Not in the change log: this table is itself the log of sends."""

    class Reason(models.TextChoices):
        BEFORE_DEADLINE = "before_deadline", "截止前提醒"
        MISSED = "missed", "逾期未报"

    class Status(models.TextChoices):
        PENDING = "pending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "失败待重试"
        GAVE_UP = "gave_up", "已放弃"

    channel = models.ForeignKey(
        Channel, verbose_name="提醒渠道", on_delete=models.PROTECT, related_name="deliveries"
    )
    report = models.ForeignKey(Report, verbose_name="信息报送", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("事由", max_length=20, choices=Reason.choices)
    # The deadline reminded about: when the office reopens a report with a new deadline, that
    # deadline gets its own reminders.
    due_on = models.DateField("截止日期")
    message = BoundedTextField("内容", max_length=LONG_TEXT)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    last_error = BoundedTextField("最近错误", blank=True, max_length=REASON)
    response = BoundedTextField("对方回应", blank=True, max_length=REASON)
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)
    sent_at = models.DateTimeField("发送成功时间", null=True, blank=True)
    next_attempt_at = models.DateTimeField("下次重试时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # Scoped like the channel it went to.
    scope_jurisdiction = "channel__jurisdiction"
    scope_private = True
    scope_team = "channel__team"
    scope_unit = "channel__unit"

    class Meta:
        verbose_name = "提醒记录"
        verbose_name_plural = "提醒记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "report", "reason", "due_on"],
                name="delivery_once",
                violation_error_message="该提醒已发送过",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.report.name} · {self.get_reason_display()} · {self.channel}"


class Notice(models.Model):
    """An in-app message for a unit or a team. Read per user: one clerk reading it does not
    hide it from the unit's other clerks. Not in the change log (a message, not a record)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="行政区划", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        Team, verbose_name="团队", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    report = models.ForeignKey(
        Report, verbose_name="信息报送", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    delivery = models.OneToOneField(
        Delivery,
        verbose_name="提醒记录",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notice",
    )
    text = BoundedTextField("内容", max_length=LONG_TEXT)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    read_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="已读", blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_jurisdiction = "jurisdiction"
    scope_private = True
    scope_team = "team"
    scope_unit = "unit"

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(team__isnull=False),
                name="notice_has_holder",
                violation_error_message="消息须指定单位或团队",
            )
        ]

    def __str__(self):
        return self.text[:40]
