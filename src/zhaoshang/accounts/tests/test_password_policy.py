"""The password policy: each rule accepts and refuses with a Chinese message naming it; a new
password is none of the last five; every channel that saves a password writes the history."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command

from zhaoshang.accounts.models import Account, PasswordHistory
from zhaoshang.demo.generator import DEMO_PASSWORD

from .support import PASSWORD

pytestmark = pytest.mark.django_db


def refusals(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as e:
        return list(e.messages)
    return []


@pytest.fixture
def clerk():
    return get_user_model().objects.create_user("qs-clerk", password=PASSWORD)


def test_a_good_password_passes_every_rule(clerk):
    assert refusals("Hetang-2026", clerk) == []
    assert refusals("river9STONE", clerk) == []  # three kinds are enough: no symbol


def test_too_short(clerk):
    assert refusals("Ab#45678", clerk) == []  # 8 is enough
    assert refusals("Ab#4567", clerk) == ["密码太短：至少需要 8 个字符，现在只有 7 个。"]


def test_the_minimum_length_is_a_setting(clerk, settings):
    settings.ZHAOSHANG_PASSWORD_MIN_LENGTH = 12
    assert refusals("Hetang-2026", clerk) == ["密码太短：至少需要 12 个字符，现在只有 11 个。"]


def test_too_long(clerk):
    assert refusals("Aa1#" * 40, clerk) == ["密码太长：最多 128 个字符。"]


@pytest.mark.parametrize(
    "password, kinds",
    [
        ("hetangyuese", "1 类（小写字母）"),
        ("hetang20262026", "2 类（小写字母、数字）"),
        ("HETANG-YUESE", "2 类（大写字母、符号）"),
        ("12345678", "1 类（数字）"),
    ],
)
def test_fewer_than_three_kinds_of_character(clerk, password, kinds):
    assert f"密码须包含大写字母、小写字母、数字、符号中的至少 3 类，现在只有 {kinds}。" in refusals(
        password, clerk
    )


def test_a_chinese_character_counts_as_a_symbol(clerk):
    assert refusals("hetang荷塘2026", clerk) == []


def test_not_the_user_name(clerk):
    assert "密码不能包含用户名“qs-clerk”。" in refusals("My-QS-Clerk-9", clerk)
    assert refusals("My-QS-Clerk-9", None) == []  # no user, no name to compare


def test_common_passwords_are_refused_in_chinese(clerk):
    messages = refusals("Password1", clerk)
    assert messages and all(any("\u4e00" <= c <= "\u9fff" for c in m) for m in messages)


def test_the_demo_password_meets_the_policy(users):
    User = get_user_model()
    for name in [n for n in users if n.startswith(("xf-", "tl-"))] + ["office", "admin", "team", "unit"]:
        assert refusals(DEMO_PASSWORD, User(username=name)) == [], name  # (unsaved: no history yet)


def test_the_last_five_passwords_are_refused_the_sixth_back_is_allowed(clerk):
    passwords = [PASSWORD] + [f"Hetang-{n}x" for n in range(1, 6)]
    for p in passwords[1:]:
        clerk.set_password(p)
        clerk.save()
    assert PasswordHistory.objects.filter(user=clerk).count() == 5  # hashes only, the last five
    reused = "新密码不能与最近 5 次用过的密码相同，请换一个。"
    for p in passwords[1:]:
        assert reused in refusals(p, clerk), p
    assert reused not in refusals(passwords[0], clerk)  # six passwords ago


def test_the_history_keeps_hashes_not_passwords(clerk):
    stored = PasswordHistory.objects.get(user=clerk).password
    assert stored == clerk.password and PASSWORD not in stored


def test_the_history_length_is_a_setting(clerk, settings):
    settings.ZHAOSHANG_PASSWORD_HISTORY = 2
    for p in ("Hetang-1x", "Hetang-2x", "Hetang-3x"):
        clerk.set_password(p)
        clerk.save()
    assert PasswordHistory.objects.filter(user=clerk).count() == 2
    assert refusals("Hetang-1x", clerk) == []
    assert refusals("Hetang-2x", clerk) == ["新密码不能与最近 2 次用过的密码相同，请换一个。"]


def test_a_password_saved_before_the_history_existed_is_still_refused(clerk):
    PasswordHistory.objects.filter(user=clerk).delete()
    assert "新密码不能与最近 5 次用过的密码相同，请换一个。" in refusals(PASSWORD, clerk)


def test_logging_in_is_not_a_new_password(client, clerk):
    before = PasswordHistory.objects.filter(user=clerk).count()
    client.post("/login/", {"username": "qs-clerk", "password": PASSWORD})
    assert PasswordHistory.objects.filter(user=clerk).count() == before


# --- every channel writes the history ----------------------------------------------------------


def _history(user) -> int:
    return PasswordHistory.objects.filter(user=user).count()


def test_the_admin_form_asks_the_policy_and_writes_the_history(clerk):
    form = AdminPasswordChangeForm(clerk, {"password1": "short", "password2": "short"})
    assert not form.is_valid()
    assert "密码太短：至少需要 8 个字符，现在只有 5 个。" in form.errors["password2"]
    form = AdminPasswordChangeForm(clerk, {"password1": "Hetang-2026", "password2": "Hetang-2026"})
    assert form.is_valid(), form.errors
    form.save()
    assert _history(clerk) == 2
    assert Account.objects.get(user=clerk).password_changed is not None


def test_changepassword_command_asks_the_policy_and_writes_the_history(clerk):
    typed = iter(["hetang", "hetang", "Hetang-2026", "Hetang-2026"])
    out, err = io.StringIO(), io.StringIO()
    with mock.patch("getpass.getpass", lambda prompt="": next(typed)):
        call_command("changepassword", "qs-clerk", stdout=out, stderr=err)
    assert "密码太短" in err.getvalue() + out.getvalue()
    clerk.refresh_from_db()
    assert clerk.check_password("Hetang-2026") and _history(clerk) == 2


def test_createsuperuser_writes_the_history(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Hetang-2026")
    call_command("createsuperuser", "--noinput", "--username", "qs-root", "--email", "", stdout=io.StringIO())
    root = get_user_model().objects.get(username="qs-root")
    assert _history(root) == 1 and Account.objects.get(user=root).password_changed is not None
