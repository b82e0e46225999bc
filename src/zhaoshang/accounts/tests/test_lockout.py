"""Login lockout (django-axes): five failures lock the account, from any address, and the address,
for any account; the right password does not get in while locked; the lock ends after 30
minutes or when the security administrator (or `zhaoshang unlock`) releases it."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from zhaoshang.accounts import services
from zhaoshang.accounts.models import Unlock
from zhaoshang.core.models import ObjectChange
from zhaoshang.core.roles import Role
from zhaoshang.core.testing import make_admin

from .support import PASSWORD, clock, login

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _logged_in(response) -> bool:
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


def _locked(response) -> bool:
    return response.status_code == 429 and "登录已锁定" in response.content.decode()


def _fail(client, username, times, ip="10.0.0.1"):
    """Wrong passwords; the last answer (the lockout page once the limit is reached)."""
    response = None
    for _ in range(times):
        response = login(client, username, "wrong-Password1", ip=ip)
        assert not response.wsgi_request.user.is_authenticated
    return response


def test_five_failures_lock_the_account_from_every_address(client, world):
    world.clerk()
    with clock(T0):
        # Four failures, each from another address: not yet.
        for n in range(4):
            response = _fail(client, "qs-clerk", 1, ip=f"10.0.1.{n}")
            assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
        assert _logged_in(login(client, "qs-clerk", ip="10.0.2.1"))
        client.logout()
        assert _locked(_fail(client, "qs-clerk", 1, ip="10.0.1.9"))
        # The fifth: the account is locked, whichever address the right password comes from.
        response = login(client, "qs-clerk", ip="10.0.3.3")
        assert _locked(response) and not response.wsgi_request.user.is_authenticated
        # Another account from the same addresses is not.
        world.clerk("qs-other")
        assert _logged_in(login(client, "qs-other", ip="10.0.1.9"))


def test_five_failures_lock_the_address_for_every_account(client, world):
    world.clerk()
    with clock(T0):
        for n in range(5):
            _fail(client, f"guess-{n}", 1, ip="10.9.9.9")
        assert _locked(login(client, "qs-clerk", ip="10.9.9.9"))
        assert _logged_in(login(client, "qs-clerk", ip="10.9.9.10"))


def test_the_lockout_page_says_when_to_try_again_and_whom_to_ask(client, world):
    world.clerk()
    with clock(T0):
        _fail(client, "qs-clerk", 5)
        html = login(client, "qs-clerk").content.decode()
    assert "连续 5 次登录失败" in html and "账号“qs-clerk”" in html and "地址 10.0.0.1" in html
    assert "即使输入正确的密码也无法登录" in html
    assert "2026-03-02 09:30" in html and "请联系安全管理员" in html


def test_the_lock_ends_after_thirty_minutes(client, world):
    world.clerk()
    with clock(T0) as advance:
        _fail(client, "qs-clerk", 5)
        advance(minutes=29)
        assert _locked(login(client, "qs-clerk", ip="10.0.5.5"))  # the account, from elsewhere
        assert [lock.until for lock in services.lockouts(username="qs-clerk")] == [T0 + timedelta(minutes=30)]
        advance(minutes=2)
        assert _logged_in(login(client, "qs-clerk", ip="10.0.5.5"))


def test_trying_again_from_the_same_place_while_locked_counts_and_extends_the_lock(client, world):
    world.clerk()
    with clock(T0) as advance:
        _fail(client, "qs-clerk", 5)
        advance(minutes=20)
        assert "2026-03-02 09:50" in login(client, "qs-clerk").content.decode()  # 30 minutes from now
        advance(minutes=20)
        assert _locked(login(client, "qs-clerk", ip="10.0.5.5"))
        advance(minutes=11)
        assert _logged_in(login(client, "qs-clerk", ip="10.0.5.5"))


def test_the_lockout_time_is_a_setting(client, world, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=10)
    settings.ZHAOSHANG_LOCKOUT_MINUTES = 10
    world.clerk()
    with clock(T0) as advance:
        _fail(client, "qs-clerk", 5)
        advance(minutes=9)
        assert _locked(login(client, "qs-clerk", ip="10.0.5.5"))
        advance(minutes=2)
        assert _logged_in(login(client, "qs-clerk", ip="10.0.5.5"))


def test_every_failure_is_recorded(client, world):
    world.clerk()
    with clock(T0):
        _fail(client, "qs-clerk", 5)
        login(client, "qs-clerk")  # the right password, while locked
    failures = AccessFailureLog.objects.filter(username="qs-clerk")
    assert failures.count() == 6 and failures.filter(locked_out=True).count() == 2
    assert set(failures.values_list("ip_address", flat=True)) == {"10.0.0.1"}


def test_the_lockouts_in_force(client, world):
    world.clerk()
    with clock(T0):
        _fail(client, "qs-clerk", 5)
        found = {(lock.kind, lock.value): lock for lock in services.lockouts()}
    assert set(found) == {("username", "qs-clerk"), ("ip_address", "10.0.0.1")}
    assert found[("username", "qs-clerk")].failures == 5
    assert found[("username", "qs-clerk")].until == T0 + services.lockout_period()


# --- releasing a lock early --------------------------------------------------------------------


def test_the_security_administrator_unlocks_an_account(client, world):
    world.clerk()
    security = make_admin(Role.SECURITY_ADMIN, "qs-security")
    with clock(T0):
        _fail(client, "qs-clerk", 5, ip="10.0.7.1")
        release = services.unlock(username="qs-clerk", by=security)
        assert _logged_in(login(client, "qs-clerk", ip="10.0.7.2"))
    assert release.attempts >= 1 and release.by == security
    entry = ObjectChange.objects.get(content_type__model="unlock", object_id=str(release.pk))
    assert entry.action == "create" and entry.user == security and entry.after["username"] == "qs-clerk"
    # The failures themselves stay in axes' log.
    assert AccessFailureLog.objects.filter(username="qs-clerk").count() == 5


def test_unlocking_an_address(client, world):
    world.clerk()
    security = make_admin(Role.SECURITY_ADMIN, "qs-security")
    with clock(T0):
        for n in range(5):
            _fail(client, f"guess-{n}", 1, ip="10.9.9.9")
        assert _locked(login(client, "qs-clerk", ip="10.9.9.9"))
        services.unlock(ip="10.9.9.9", by=security)
        assert not AccessAttempt.objects.filter(ip_address="10.9.9.9").exists()
        assert _logged_in(login(client, "qs-clerk", ip="10.9.9.9"))


def test_only_the_security_administrator_unlocks(world):
    clerk = world.clerk()
    auditor = make_admin(Role.AUDIT_ADMIN, "qs-audit")
    for who in (clerk, auditor):
        with pytest.raises(PermissionDenied, match="只有安全管理员可以解除登录锁定"):
            services.unlock(username="qs-clerk", by=who)
    assert not Unlock.objects.exists()


def test_unlock_names_what_is_missing_or_wrong(world):
    security = make_admin(Role.SECURITY_ADMIN, "qs-security")
    with pytest.raises(ValueError, match="请指定要解锁的账号或地址"):
        services.unlock(username=" ", by=security)
    with pytest.raises(ValueError, match="地址“10.0.0.300”格式不正确"):
        services.unlock(ip="10.0.0.300", by=security)
    assert not Unlock.objects.exists()


def test_zhaoshang_unlock(client, world):
    world.clerk()
    with clock(T0):
        _fail(client, "qs-clerk", 5)
        out = io.StringIO()
        call_command("unlock", "--list", stdout=out)
        assert "账号“qs-clerk”：失败 5 次，2026-03-02 09:30 解除" in out.getvalue()
        out = io.StringIO()
        call_command("unlock", "qs-clerk", stdout=out)
        assert "已解除锁定：账号“qs-clerk”" in out.getvalue()
        assert _logged_in(login(client, "qs-clerk", ip="10.0.0.2"))
    entry = ObjectChange.objects.get(content_type__model="unlock")
    assert entry.source == "cli" and entry.user is None
    with pytest.raises(CommandError, match="请指定要解锁的账号"):
        call_command("unlock")


def test_a_failure_counted_behind_a_trusted_proxy_is_the_clients_address(client, world, settings):
    settings.ZHAOSHANG_TRUSTED_PROXIES = ["10.1.1.1"]
    world.clerk()
    with clock(T0):
        for n in range(5):
            client.post(
                "/login/",
                {"username": f"guess-{n}", "password": "x"},
                REMOTE_ADDR="10.1.1.1",
                HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
            )
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {
        f"203.0.113.{n}" for n in range(5)
    }


def test_x_forwarded_for_from_anyone_else_is_not_believed(client, world):
    with clock(T0):
        client.post("/login/", {"username": "guess", "password": "x"}, REMOTE_ADDR="10.2.2.2",
                    HTTP_X_FORWARDED_FOR="203.0.113.9")  # fmt: skip
    assert list(AccessFailureLog.objects.values_list("ip_address", flat=True)) == ["10.2.2.2"]


def test_the_test_clients_login_and_force_login_still_work(client, world):
    clerk = world.clerk()
    assert client.login(username="qs-clerk", password=PASSWORD)
    client.logout()
    client.force_login(clerk)
    assert client.get("/").status_code == 200
