"""The audit trail's own records: events that are not writes (logins, exports, downloads,
imports, publishing, role changes) and the head of the one hash chain that links them with the
change log (`core.ObjectChange`). See docs/audit.md."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("审计记录不可修改")

    def delete(self):
        raise PermissionDenied("审计记录不可删除")


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", "登录"
        LOGOUT = "logout", "退出"
        LOGIN_FAILED = "login_failed", "登录失败"
        ROLE_CHANGE = "role_change", "权限变更"
        ACCOUNT = "account", "账号管理"
        SECURITY = "security", "安全管理"
        EXPORT = "export", "导出"
        DOWNLOAD = "download", "下载"
        IMPORT = "import", "导入"
        PUBLISH = "publish", "发布"
        AUDIT_EXPORT = "audit_export", "导出审计记录"
        ARCHIVE = "archive", "审计记录归档"

    seq = models.BigIntegerField("序号", unique=True)
    hash = models.CharField("校验值", max_length=64)
    time = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,  # the trail outlives what it names
    )
    user_name = models.CharField("操作人账号", max_length=150, blank=True)
    source = models.CharField("来源", max_length=10)
    request_id = models.UUIDField("请求编号", null=True, blank=True)
    kind = models.CharField("事件", max_length=20, choices=Kind.choices, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    address = models.GenericIPAddressField("地址", null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-seq"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.user_name} {self.object_repr}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("审计记录不可修改")
        if self.seq is None:
            from . import chain

            chain.save_linked(self, chain.EVENT, lambda: super(AuditEvent, self).save(*args, **kwargs))
            return
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("审计记录不可删除")


class ChainHead(models.Model):
    """One row: the last sequence number and hash of the chain. Appending locks it (SELECT …
    FOR UPDATE on PostgreSQL) inside the writing transaction, so two writers cannot both link to
    the same predecessor."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField("序号", default=0)
    hash = models.CharField("校验值", max_length=64, default="")

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self):
        return f"序号 {self.seq}"
