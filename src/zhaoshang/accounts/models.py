"""What the platform keeps about an account beyond Django's user: the hashes of its last passwords
(never a password), when the password was last set, which login is the live one, and every
release of a login lockout.

The failed logins themselves are django-axes' tables (AccessAttempt: the count that locks,
AccessFailureLog: every failure, kept). See docs/accounts.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from zhaoshang.core.models import ChangeLoggedModel


class PasswordHistory(models.Model):
    """One password an account has had: its hash as Django stored it, and when it was set.
    Written on every save of a new password (signals.py), whatever the channel; only the last
    ZHAOSHANG_PASSWORD_HISTORY are kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="password_history",
    )
    password = models.CharField("密码哈希", max_length=128, editable=False)
    changed = models.DateTimeField("设置时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-changed", "-id"]
        indexes = [models.Index(fields=["user", "-changed"], name="accounts_pwhist_user_changed")]

    def __str__(self):
        return f"{self.user_id} · {self.changed:%Y-%m-%d %H:%M}"


class Account(models.Model):
    """One row per user, read once per request by the middleware: when the password was last
    set (for its expiry) and the marker of the user's live login (one session per user).

    The marker is a random value written into the session at login, not the session key itself:
    Django gives a session a new key when its user changes their password, and that must not end
    the session. Being in the database, it holds across several app servers."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="account_state",
    )
    password_changed = models.DateTimeField("密码设置时间", null=True, blank=True)
    login_id = models.CharField("当前登录标识", max_length=64, blank=True, editable=False)
    login_time = models.DateTimeField("最近登录时间", null=True, blank=True)

    class Meta:
        verbose_name = "账号状态"
        verbose_name_plural = "账号状态"

    def __str__(self):
        return str(self.user_id)


class Unlock(ChangeLoggedModel):
    """A lockout released before its time (`services.unlock`), by whom: in the change log as its
    creation."""

    username = models.CharField("账号", max_length=150, blank=True)
    ip_address = models.GenericIPAddressField("地址", null=True, blank=True)
    attempts = models.PositiveIntegerField("清除的失败记录数", default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解锁人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "解除登录锁定"
        verbose_name_plural = "解除登录锁定"
        ordering = ["-created"]

    def __str__(self):
        what = "、".join(
            x
            for x in (
                self.username and f"账号 {self.username}",
                self.ip_address and f"地址 {self.ip_address}",
            )
            if x
        )
        return f"解除登录锁定：{what}"
