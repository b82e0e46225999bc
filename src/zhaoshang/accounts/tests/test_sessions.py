"""Sessions: 30 minutes without a request end one; a new login ends the user's other sessions;
the cookie lasts until the browser closes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from zhaoshang.accounts import services

from .support import clock, login

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_thirty_idle_minutes_end_the_session(client, world):
    world.clerk()
    with clock(T0) as advance:
        login(client, "qs-clerk")
        advance(minutes=29)
        assert client.get("/").status_code == 200  # still in, and the clock starts again
        advance(minutes=29)
        assert client.get("/").status_code == 200
        advance(minutes=31)
        response = client.get("/ledger/project/")
        assert response.status_code == 302 and response.url == "/login/?next=%2Fledger%2Fproject%2F"
        page = client.get(response.url)
        assert "长时间未操作，已自动退出" in _messages(page)
        assert not page.wsgi_request.user.is_authenticated


def test_the_idle_time_is_a_setting(client, world, settings):
    settings.ZHAOSHANG_SESSION_IDLE_MINUTES = 5
    world.clerk()
    with clock(T0) as advance:
        login(client, "qs-clerk")
        advance(minutes=6)
        assert client.get("/").status_code == 302


def test_an_idle_api_session_is_refused_in_chinese(client, world):
    world.clerk()
    with clock(T0) as advance:
        login(client, "qs-clerk")
        assert client.get("/api/projects/").status_code == 200
        advance(minutes=31)
        response = client.get("/api/projects/")
    assert response.status_code == 403 and "长时间未操作，已自动退出" in response.json()["detail"]


def test_the_idle_clock_is_written_at_most_once_a_minute(client, world):
    world.clerk()
    with clock(T0) as advance:
        login(client, "qs-clerk")
        client.get("/")
        table = Session._meta.db_table

        def session_writes():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/").status_code == 200
            return [q["sql"] for q in ctx.captured_queries if table in q["sql"] and "SELECT" not in q["sql"]]

        advance(seconds=30)
        assert session_writes() == []
        advance(seconds=31)
        assert session_writes() != []
        advance(seconds=5)
        assert session_writes() == []
    assert not getattr(settings, "SESSION_SAVE_EVERY_REQUEST", False)


def test_a_new_login_ends_the_other_session(world):
    world.clerk()
    first, second = Client(), Client()
    login(first, "qs-clerk", ip="10.0.0.1")
    assert first.get("/").status_code == 200
    login(second, "qs-clerk", ip="10.0.0.2")
    response = first.get("/ledger/project/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    page = first.get(response.url)
    assert "您的账号已在其他地方登录，本会话已结束" in _messages(page)
    assert not page.wsgi_request.user.is_authenticated
    assert second.get("/").wsgi_request.user.is_authenticated  # the new one goes on
    # Logging in again on the first browser ends the second.
    login(first, "qs-clerk")
    assert second.get("/").status_code == 302


def test_force_login_is_a_login_too(world):
    clerk = world.clerk()
    first, second = Client(), Client()
    first.force_login(clerk)
    second.force_login(clerk)
    assert first.get("/").status_code == 302 and second.get("/").status_code == 200


def test_a_replaced_api_session_is_refused_in_chinese(world):
    world.clerk()
    first, second = Client(), Client()
    login(first, "qs-clerk")
    login(second, "qs-clerk")
    response = first.get("/api/projects/")
    assert response.status_code == 403 and "您的账号已在其他地方登录" in response.json()["detail"]


def test_an_htmx_request_is_sent_to_the_login_page_whole(world):
    world.clerk()
    first, second = Client(), Client()
    login(first, "qs-clerk")
    login(second, "qs-clerk")
    response = first.get("/ledger/project/", HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"] == "/login/"


def test_the_live_login_is_kept_in_the_database(world):
    clerk = world.clerk()
    client = Client()
    login(client, "qs-clerk")
    account = services.Account.objects.get(user=clerk)
    assert account.login_id and client.session[services.LOGIN_KEY] == account.login_id


def test_the_session_cookie_ends_with_the_browser(client, world):
    world.clerk()
    response = login(client, "qs-clerk")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
