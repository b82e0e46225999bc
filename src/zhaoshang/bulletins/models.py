"""Bulletins (战报 / 简报 / 通报): the office's templates, each generated bulletin with its three
files and progress, and every send of one to a group chat or mailbox."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from zhaoshang.core.fields import REASON, BoundedTextField
from zhaoshang.core.roles import WIDE_ROLES
from zhaoshang.org.models import JurisdictionOwned, Policy

from .document import KINDS

KIND_CHOICES = list(KINDS.items())


class BulletinTemplate(JurisdictionOwned):
    """One office's wording of one kind of bulletin. Title, masthead, body and signature are
    Django templates over the bulletin's figures; the body uses the markup of document.py."""

    policy = models.ForeignKey(Policy, verbose_name="政策文件", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=10, choices=KIND_CHOICES)
    masthead = models.CharField("版头", max_length=60, help_text="如“招商引资工作简报”或“{{ issuer }}文件”")
    number_pattern = models.CharField(
        "期号/发文字号格式",
        max_length=60,
        help_text="可用 {year}（年份）、{seq}（本年序号）、{abbr}（机关代字）",
    )
    abbreviation = models.CharField(
        "机关代字", max_length=20, blank=True, help_text="如“信开放办”，用于发文字号"
    )
    title = models.CharField("标题", max_length=200)
    recipients = models.CharField("主送机关", max_length=200, blank=True)
    body = BoundedTextField(
        "正文",
        max_length=20_000,
        help_text="“# ”开头为一级标题（黑体），“## ”二级标题（楷体），“### ”三级标题；"
        "“[表格 表名]”插入表格；其余每行为一段。可用 {{ 变量 }} 和 {% if %} 等模板语法。",
    )
    signature = models.CharField("落款", max_length=100)
    copy_to = models.CharField("抄送", max_length=200, blank=True)

    scope_roles = WIDE_ROLES
    office_only = True

    class Meta:
        verbose_name = "简报模板"
        verbose_name_plural = "简报模板"
        ordering = ["policy", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "kind"], name="bulletin_template_one_per_kind",
                violation_error_message="该政策文件已有此类模板",
            )
        ]  # fmt: skip

    def __str__(self):
        return f"{self.policy.name} · {self.get_kind_display()}模板"

    def clean(self):
        from .services import check_template

        errors = check_template(self)
        if errors:
            raise ValidationError(errors)


class Bulletin(JurisdictionOwned):
    """One generated bulletin: what was asked, how far the job is, and the files it made."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已生成"
        FAILED = "failed", "生成失败"

    policy = models.ForeignKey(Policy, verbose_name="政策文件", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=10, choices=KIND_CHOICES)
    period = models.CharField("时期", max_length=40)
    year = models.PositiveIntegerField("年份")
    sequence = models.PositiveIntegerField("本年序号")
    number = models.CharField("期号/文号", max_length=60, blank=True)
    title = models.CharField("标题", max_length=200, blank=True)
    run = models.ForeignKey(
        "assessment.AssessmentRun", verbose_name="考核结果版本", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    docx = models.FileField("Word 文件", upload_to="bulletins/", blank=True)
    xlsx = models.FileField("Excel 表格", upload_to="bulletins/", blank=True)
    pdf = models.FileField("PDF 文件", upload_to="bulletins/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="生成人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    scope_roles = WIDE_ROLES
    office_only = True
    changelog_exclude = ("created", "updated", "progress")

    class Meta:
        verbose_name = "战报简报"
        verbose_name_plural = "战报简报"
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "kind", "year", "sequence"], name="bulletin_unique_number",
                violation_error_message="该类简报本年已有此序号",
            )
        ]  # fmt: skip

    def __str__(self):
        return self.title or f"{self.policy.name} {self.get_kind_display()} {self.period}"

    @property
    def done(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def downloads(self) -> dict[str, str]:
        """Where each finished file is downloaded (the page's links, scoped like the page)."""
        from django.urls import reverse

        if self.status != self.Status.DONE:
            return {}
        return {f: reverse("bulletins:bulletin_download", args=[self.pk, f]) for f in ("docx", "xlsx", "pdf")}

    def file_name(self, fmt: str) -> str:
        return f"{self.get_kind_display()}-{self.period}-{self.number or self.sequence}.{fmt}".replace(
            "/", "-"
        )


class BulletinSend(models.Model):
    """One bulletin sent to one channel: recorded with its outcome, never sent twice."""

    class Status(models.TextChoices):
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    # A send still "sending" after this long died half-way (a killed worker): it may be retried.
    STALE_AFTER = timedelta(minutes=10)

    bulletin = models.ForeignKey(
        Bulletin, verbose_name="简报", on_delete=models.CASCADE, related_name="sends"
    )
    channel = models.ForeignKey(
        "notify.Channel", verbose_name="发送渠道", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("结果", max_length=10, choices=Status.choices)
    response = BoundedTextField("回应", blank=True, max_length=REASON)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=1)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发送人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    sent_at = models.DateTimeField("发送时间", auto_now=True)

    class Meta:
        verbose_name = "简报发送记录"
        verbose_name_plural = "简报发送记录"
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "channel"], name="bulletin_send_once"),
        ]

    def __str__(self):
        return f"{self.bulletin} → {self.channel}"
