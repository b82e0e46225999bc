"""/account/password/: a user changes their own password (old one, new one twice, the policy); a
password older than 90 days sends every page there, and the API answers 403 in Chinese, until
it is changed."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from zhaoshang.accounts.models import Account, PasswordHistory
from zhaoshang.core.models import ObjectChange

from .support import PASSWORD, clock, login

URL = reverse("accounts:password_change")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _change(client, old, new1, new2=None):
    return client.post(URL, {"old_password": old, "new_password1": new1, "new_password2": new2 or new1})


def test_the_page_is_in_the_user_menu(client, world):
    client.force_login(world.clerk())
    assert f'href="{URL}"' in client.get("/").content.decode()
    html = client.get(URL).content.decode()
    assert "原密码" in html and "再次输入新密码" in html
    assert "密码至少 8 个字符。" in html and "不能与最近 5 次用过的密码相同。" in html


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_changing_the_password(client, world):
    clerk = world.clerk()
    login(client, "qs-clerk")
    response = _change(client, PASSWORD, "Hetang-2026")
    assert response.status_code == 302
    assert "密码已修改。" in [str(m) for m in client.get("/").context["messages"]]
    assert client.get("/").wsgi_request.user.is_authenticated  # this session goes on
    clerk.refresh_from_db()
    assert clerk.check_password("Hetang-2026")
    assert PasswordHistory.objects.filter(user=clerk).count() == 2
    change = ObjectChange.objects.filter(content_type__model="user", object_id=str(clerk.pk)).latest("id")
    assert (
        change.source == "ui"
        and change.user == clerk
        and "password" in dict((k, 1) for k, *_ in change.changed_fields())
    )
    client.logout()
    assert login(client, "qs-clerk", "Hetang-2026").status_code == 302


def test_the_old_password_must_be_right(client, world):
    client.force_login(world.clerk())
    response = _change(client, "not-it", "Hetang-2026")
    assert response.status_code == 400 and "原密码：" in response.content.decode()


def test_the_new_password_twice_the_same(client, world):
    client.force_login(world.clerk())
    response = _change(client, PASSWORD, "Hetang-2026", "Hetang-2027")
    assert response.status_code == 400 and "再次输入新密码：" in response.content.decode()


def test_the_new_password_meets_the_policy(client, world):
    clerk = world.clerk()
    client.force_login(clerk)
    html = _change(client, PASSWORD, "hetang").content.decode()
    assert "再次输入新密码：密码太短：至少需要 8 个字符，现在只有 6 个。" in html
    assert "现在只有 1 类（小写字母）" in html
    html = _change(client, PASSWORD, PASSWORD).content.decode()
    assert "新密码不能与最近 5 次用过的密码相同" in html
    html = _change(client, PASSWORD, "qs-clerk-2026A").content.decode()
    assert "密码不能包含用户名“qs-clerk”。" in html
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)  # nothing saved


# --- expiry ------------------------------------------------------------------------------------


def test_an_expired_password_sends_every_page_to_the_change_page(world):
    with clock(T0) as advance:
        world.clerk()
        client = Client()
        advance(days=89)
        login(client, "qs-clerk")
        assert client.get("/ledger/project/").status_code == 200
        client.logout()
        advance(days=2)
        login(client, "qs-clerk")
        for path in ("/", "/ledger/project/", "/org/unit/"):
            response = client.get(path)
            assert response.status_code == 302 and response.url == URL, path
        html = client.get(URL).content.decode()
        assert "您的密码已超过 90 天未修改，按规定须先修改密码才能继续使用" in html
        assert _change(client, PASSWORD, "Hetang-2026").status_code == 302
        assert client.get("/ledger/project/").status_code == 200


def test_an_expired_password_is_refused_by_the_api_in_chinese(world):
    with clock(T0) as advance:
        world.clerk()
        client = Client()
        secret = io.StringIO()
        call_command(
            "token", "create", "--user", "qs-clerk", "--days", "365", stdout=secret, stderr=io.StringIO()
        )
        token = {"HTTP_AUTHORIZATION": f"Token {secret.getvalue().strip()}"}
        assert client.get("/api/projects/", **token).status_code == 200
        advance(days=91)
        response = client.get("/api/projects/", **token)
        assert response.status_code == 403
        assert "您的密码已超过 90 天未修改" in response.json()["detail"]
        login(client, "qs-clerk")
        response = client.get("/api/projects/")
        assert response.status_code == 403 and "须先修改密码" in response.json()["detail"]


def test_the_maximum_age_is_a_setting_and_zero_is_never(world, settings):
    with clock(T0) as advance:
        clerk = world.clerk()
        advance(days=400)
        settings.ZHAOSHANG_PASSWORD_MAX_AGE_DAYS = 0
        client = Client()
        client.force_login(clerk)
        assert client.get("/").status_code == 200
        settings.ZHAOSHANG_PASSWORD_MAX_AGE_DAYS = 500
        assert client.get("/").status_code == 200
        settings.ZHAOSHANG_PASSWORD_MAX_AGE_DAYS = 300
        assert client.get("/").status_code == 302


def test_logging_out_is_still_possible_with_an_expired_password(world):
    with clock(T0) as advance:
        clerk = world.clerk()
        advance(days=91)
        client = Client()
        client.force_login(clerk)
        response = client.post(reverse("logout"))
        assert response.status_code == 302 and response.url == "/login/"


def test_demo_users_are_not_sent_to_change_their_password(client, users):
    from zhaoshang.demo.generator import DEMO_PASSWORD

    assert Account.objects.get(user=users["xf-team"]).password_changed is not None
    assert login(client, "xf-team", DEMO_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_an_account_without_a_recorded_date_counts_from_when_it_was_made(world):
    clerk = world.clerk()
    Account.objects.filter(user=clerk).update(password_changed=None)
    clerk.date_joined = clerk.date_joined - timedelta(days=100)
    clerk.save(update_fields=["date_joined"])
    client = Client()
    client.force_login(clerk)
    assert client.get("/").status_code == 302
