"""The durable record of each background job, and the heartbeat of each worker and beat process."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from zhaoshang.core.fields import REASON, BoundedTextField


class JobQuerySet(models.QuerySet):
    def visible_to(self, user, *, sees_all: bool = False):
        """A job is seen by whoever asked for it; every job (periodic ones included, which nobody
        asked for) by a superuser, or where the caller says so (views.py: the system administrator,
        who runs the servers)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser or sees_all:
            return self
        return self.filter(created_by=user)


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("类别", max_length=40, db_index=True)
    title = models.CharField("任务", max_length=200)
    arguments = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    step = models.CharField("当前步骤", max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    claimed_by = models.CharField("执行进程", max_length=120, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    queued_at = models.DateTimeField("排队时间", null=True, blank=True)
    run_after = models.DateTimeField("最早执行时间", null=True, blank=True)
    error = BoundedTextField("失败原因", blank=True, max_length=REASON)  # docs/hardening.md
    result = models.JSONField("结果", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat")]

    def __str__(self):
        return f"{self.title}（{self.get_status_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("jobs:job_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ProcessHeartbeat(models.Model):
    """One row per worker or beat process, touched every ZHAOSHANG_JOB_HEARTBEAT_SECONDS."""

    class Kind(models.TextChoices):
        WORKER = "worker", "后台任务进程"
        BEAT = "beat", "定时调度进程"

    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    name = models.CharField("进程", max_length=120, unique=True)  # host:pid
    started_at = models.DateTimeField("启动时间")
    seen_at = models.DateTimeField("最近心跳", db_index=True)
    stopped_at = models.DateTimeField("停止时间", null=True, blank=True)

    class Meta:
        verbose_name = "进程心跳"
        verbose_name_plural = "进程心跳"

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"
