"""Accounts: the password's history and age, the live login of each user, and login lockouts.

Every channel calls these: the signals (a password saved by the web page, the admin,
`changepassword`, `createsuperuser`, the demo data), the middleware (expiry, idle timeout, one
session per user), the API's token check, the lockout page, `zhaoshang unlock` and the security
administrator's console.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhaoshang.core import changelog

from .models import Account, PasswordHistory, Unlock

# Session keys: the marker of this login (compared with Account.login_id) and the time of the
# last request, in seconds since the epoch (refreshed at most once a minute).
LOGIN_KEY = "accounts.login"
SEEN_KEY = "accounts.seen"

IDLE_MESSAGE = "长时间未操作，已自动退出"
REPLACED_MESSAGE = "您的账号已在其他地方登录，本会话已结束"


# --- passwords ---------------------------------------------------------------------------------


def record_password(*, user) -> None:
    """Remember the password `user` was just saved with (its hash) and when; keep only the last
    ZHAOSHANG_PASSWORD_HISTORY. Called from the user's post_save when a new password was set."""
    now = timezone.now()
    PasswordHistory.objects.create(user=user, password=user.password, changed=now)
    keep = max(settings.ZHAOSHANG_PASSWORD_HISTORY, 1)
    old = list(PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:])
    if old:
        PasswordHistory.objects.filter(pk__in=old).delete()
    Account.objects.update_or_create(user=user, defaults={"password_changed": now})


def max_age() -> timedelta | None:
    days = settings.ZHAOSHANG_PASSWORD_MAX_AGE_DAYS
    return timedelta(days=days) if days > 0 else None


def password_changed_at(user, account: Account | None = None) -> datetime:
    """When the user's password was last set: as recorded, or else when the account was made."""
    if account is None:
        account = Account.objects.filter(user=user).first()
    if account is not None and account.password_changed is not None:
        return account.password_changed
    return user.date_joined


def password_expired(user, account: Account | None = None) -> bool:
    """The password is older than ZHAOSHANG_PASSWORD_MAX_AGE_DAYS (never with 0). An account
    without a usable password (one that only uses an API token) has nothing to expire."""
    age = max_age()
    if age is None or not user.has_usable_password():
        return False
    return timezone.now() - password_changed_at(user, account) > age


def expiry_message() -> str:
    return (
        f"您的密码已超过 {settings.ZHAOSHANG_PASSWORD_MAX_AGE_DAYS} 天未修改，按规定须先修改密码才能继续使用"
        "（网页右上角账号菜单 → 修改密码）。"
    )


# --- sessions ----------------------------------------------------------------------------------


def start_session(*, request, user) -> None:
    """A login: mark the session as the user's live one, which ends every other session of the
    user at its next request (middleware), and start the idle clock."""
    login_id = secrets.token_hex(16)
    now = timezone.now()
    request.session[LOGIN_KEY] = login_id
    request.session[SEEN_KEY] = int(now.timestamp())
    Account.objects.update_or_create(user=user, defaults={"login_id": login_id, "login_time": now})


def idle_limit() -> int:
    """Seconds without a request after which a session ends (ZHAOSHANG_SESSION_IDLE_MINUTES)."""
    return settings.ZHAOSHANG_SESSION_IDLE_MINUTES * 60


# --- lockouts ----------------------------------------------------------------------------------


def lockout_period() -> timedelta:
    return timedelta(minutes=settings.ZHAOSHANG_LOCKOUT_MINUTES)


@dataclass(frozen=True)
class Lockout:
    kind: str  # "username" or "ip_address"
    value: str
    failures: int
    until: datetime

    @property
    def label(self) -> str:
        return f"账号“{self.value}”" if self.kind == "username" else f"地址 {self.value}"


def lockouts(*, username: str | None = None, ip: str | None = None) -> list[Lockout]:
    """The lockouts in force now, by account and by address, as axes counts them — the failures
    of the last ZHAOSHANG_LOCKOUT_MINUTES, one record per account, address and browser, and
    ZHAOSHANG_LOGIN_FAILURE_LIMIT of them lock — each with when it ends; only those of `username`
    / `ip` when given. For the lockout page, `zhaoshang unlock --list` and the security
    administrator's console."""
    from axes.models import AccessAttempt

    limit = settings.AXES_FAILURE_LIMIT
    since = timezone.now() - lockout_period()
    recent = AccessAttempt.objects.filter(attempt_time__gt=since).order_by("-attempt_time")
    found = []
    for kind, wanted in (("username", username), ("ip_address", ip)):
        if username is not None or ip is not None:
            if not wanted:
                continue
            rows = recent.filter(**{kind: wanted})
        else:
            rows = recent.exclude(**{f"{kind}__isnull": True})
        totals: dict[str, int] = {}
        ends: dict[str, datetime] = {}
        for value, failures, at in rows.values_list(kind, "failures_since_start", "attempt_time"):
            totals[value] = totals.get(value, 0) + failures
            # Newest first: the record that brings the count to the limit is the one whose
            # expiry ends the lock (older ones have gone by then, the newer fall short).
            if totals[value] >= limit and value not in ends:
                ends[value] = at + lockout_period()
        found += [Lockout(kind, value, totals[value], ends[value]) for value in sorted(ends)]
    return found


def unlock(*, username: str | None = None, ip: str | None = None, by) -> Unlock:
    """Release the lockout of an account and/or an address before its time: axes forgets their
    failed attempts (its failure log keeps them), and the release is in the change log with who
    did it (`by`: the security administrator, or None from the command line)."""
    from axes.utils import reset

    username = (username or "").strip() or None
    ip = (ip or "").strip() or None
    if username is None and ip is None:
        raise ValueError("请指定要解锁的账号或地址")
    if ip is not None:
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            raise ValueError(f"地址“{ip}”格式不正确，应为 IPv4 或 IPv6 地址") from None
    from zhaoshang.core.permissions import is_security_admin

    if by is not None and not (by.is_superuser or is_security_admin(by)):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("只有安全管理员可以解除登录锁定")
    ctx = changelog.current()
    with transaction.atomic(), changelog.change_context(user=by, source=ctx.source, reason=ctx.reason):
        count = 0
        if username is not None:
            count += reset(username=username)
        if ip is not None:
            count += reset(ip=ip)
        return Unlock.objects.create(username=username or "", ip_address=ip, attempts=count, by=by)
