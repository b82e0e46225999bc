from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from .fields import REASON, BoundedTextField


class ChangeLoggedModel(models.Model):
    """Every create, update and delete of a subclass is written to the change log."""

    created = models.DateTimeField("创建时间", auto_now_add=True)
    updated = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True

    # Fields left out of the before/after snapshots (timestamps change on every save).
    changelog_exclude = ("created", "updated")


class ObjectChangeQuerySet(models.QuerySet):
    def of(self, obj):
        """The entries of one record: its type and primary key (a key alone names a record of
        every model that has one)."""
        from django.contrib.contenttypes.models import ContentType

        ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
        return self.filter(content_type=ct, object_id=str(obj.pk))

    def update(self, **kwargs):
        raise PermissionDenied("变更记录不可修改")

    def delete(self):
        raise PermissionDenied("变更记录不可删除")


class ObjectChange(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "新建"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"

    class Source(models.TextChoices):
        UI = "ui", "网页"
        API = "api", "接口"
        ADMIN = "admin", "后台"
        IMPORT = "import", "导入"
        CLI = "cli", "命令行"
        SYSTEM = "system", "系统"

    # Set by the writer (core/changelog.py) before the record is hashed into the audit chain.
    time = models.DateTimeField("时间", default=timezone.now, db_index=True)
    # PROTECT: deleting a user must not rewrite the log; deactivate the account instead.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user_name = models.CharField("操作人账号", max_length=150, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    request_id = models.UUIDField("请求编号", null=True, blank=True, db_index=True)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, verbose_name="对象类型", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField("对象编号", max_length=64, db_index=True)
    object_repr = models.CharField("对象", max_length=200)
    # Denormalised so the log can be scoped like the objects it records.
    jurisdiction_path = models.CharField("行政区划路径", max_length=200, blank=True, db_index=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    reason = BoundedTextField("原因", blank=True, max_length=REASON)
    address = models.GenericIPAddressField("地址", null=True, blank=True)
    # The audit chain (audit/chain.py): one sequence with audit.AuditEvent, each record's hash
    # covering the one before it.
    seq = models.BigIntegerField("序号", unique=True)
    hash = models.CharField("校验值", max_length=64)

    objects = ObjectChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("变更记录不可修改")
        if self.seq is None:
            from zhaoshang.audit import chain

            chain.save_linked(self, chain.CHANGE, lambda: super(ObjectChange, self).save(*args, **kwargs))
            return
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("变更记录不可删除")

    def changed_fields(self):
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
