"""API tokens (issue 16): a token works with the header clients already send, the database holds
only its digest, it expires, a revoked one is refused, and the change log never holds the secret."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from zhaoshang.api import tokens
from zhaoshang.api.models import ApiToken
from zhaoshang.core.models import ObjectChange

URL = "/api/projects/"


def _create(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def _get(client, secret, url=URL):
    return client.get(url, {"limit": 1000}, HTTP_AUTHORIZATION=f"Token {secret}")


def test_a_token_from_the_command_reads_what_its_user_may_see(client, users):
    secret, told = _create("--user", "tl-office", "--name", "统计局对接")
    assert secret.startswith("zs_") and len(secret) > 40
    assert "只显示这一次" in told and "统计局对接" in told
    response = _get(client, secret)
    assert response.status_code == 200
    client.force_login(users["tl-office"])
    by_session = client.get(URL, {"limit": 1000}).json()["count"]
    client.logout()
    assert response.json()["count"] == by_session > 0
    token = ApiToken.objects.get(user=users["tl-office"])
    assert token.last_used is not None and token.name == "统计局对接"


def test_the_database_and_the_change_log_hold_no_secret(users):
    secret, _ = _create("--user", "tl-office")
    token = ApiToken.objects.get(user=users["tl-office"])
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        stored = json.dumps(cursor.fetchall(), default=str)
    assert secret not in stored and secret[3:] not in stored and secret[3:20] not in stored
    entry = ObjectChange.objects.get(content_type__model="apitoken", object_id=str(token.pk), action="create")
    assert entry.source == "cli"
    logged = json.dumps([entry.before, entry.after, entry.object_repr], ensure_ascii=False)
    assert secret not in logged and token.digest not in logged
    assert entry.after["name"] == "接口令牌" and "digest" not in entry.after


def test_a_token_expires(client, users, settings):
    settings.ZHAOSHANG_TOKEN_DAYS = 30
    secret, told = _create("--user", "tl-office")
    token = ApiToken.objects.get(user=users["tl-office"])
    assert timedelta(days=29, hours=23) < token.expires - timezone.now() <= timedelta(days=30)
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(minutes=1))
    response = _get(client, secret)
    assert response.status_code == 401
    assert "过期" in response.json()["detail"] and response["WWW-Authenticate"] == "Token"
    # --days sets another lifetime.
    _create("--user", "tl-leader", "--days", "7")
    seven = ApiToken.objects.get(user=users["tl-leader"])
    assert timedelta(days=6) < seven.expires - timezone.now() <= timedelta(days=7)
    assert tokens.DEFAULT_DAYS == 90


def test_a_revoked_token_is_refused_and_the_revocation_logged(client, users):
    secret, _ = _create("--user", "tl-office")
    token = ApiToken.objects.get(user=users["tl-office"])
    assert _get(client, secret).status_code == 200
    out = io.StringIO()
    call_command("token", "revoke", str(token.pk), stdout=out)
    assert "已吊销 1 个令牌" in out.getvalue()
    response = _get(client, secret)
    assert response.status_code == 401 and "吊销" in response.json()["detail"]
    assert ObjectChange.objects.filter(
        content_type__model="apitoken", object_id=str(token.pk), action="update"
    ).exists()
    with pytest.raises(CommandError, match="没有未吊销的令牌"):
        call_command("token", "revoke", str(token.pk))


def test_a_wrong_or_malformed_token_is_a_401_in_chinese(client, users):
    assert _get(client, "zs_not-a-token").status_code == 401
    assert "令牌无效" in _get(client, "zs_not-a-token").json()["detail"]
    response = client.get(URL, HTTP_AUTHORIZATION="Token two words")
    assert response.status_code == 401 and "格式" in response.json()["detail"]
    assert client.get(URL).status_code == 401  # no credentials at all


def test_a_deactivated_users_token_is_refused(client, users):
    secret, _ = _create("--user", "tl-leader")
    user = users["tl-leader"]
    user.is_active = False
    user.save()
    assert _get(client, secret).status_code == 401
    with pytest.raises(CommandError, match="已停用"):
        _create("--user", "tl-leader")


def test_the_list_shows_tokens_without_their_secrets(users):
    secret, _ = _create("--user", "tl-office", "--name", "对接")
    out = io.StringIO()
    call_command("token", "list", "--user", "tl-office", stdout=out)
    assert "对接" in out.getvalue() and "有效" in out.getvalue() and secret not in out.getvalue()
    with pytest.raises(CommandError, match="没有用户"):
        _create("--user", "nobody-here")


def test_a_write_through_a_token_is_logged_as_its_user(client, users):
    from zhaoshang.org.models import Team

    secret, _ = _create("--user", "tl-office")
    team = Team.objects.filter(policy__name="testland-2024").order_by("pk").first()
    response = client.patch(
        f"/api/teams/{team.pk}/",
        {"name": team.name + "（改）"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {secret}",
    )
    assert response.status_code == 200, response.content[:300]
    entry = ObjectChange.objects.filter(content_type__model="team", object_id=str(team.pk)).latest("time")
    assert entry.user == users["tl-office"] and entry.source == "api"


def test_plaintext_tokens_of_the_old_table_are_hashed_and_the_table_dropped(client, users):
    """The upgrade's data migration (api/0002): an old key keeps working until it expires; the
    table that held keys in plain text is gone."""
    from importlib import import_module

    migration = import_module("zhaoshang.api.migrations.0002_plaintext_tokens")
    user = users["tl-office"]
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, user_id bigint)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [key, timezone.now(), user.pk],
        )

    class Editor:  # the part of a schema editor the migration uses
        pass

    editor = Editor()
    editor.connection = connection
    from django.apps import apps

    migration.hash_old_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get(user=user)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest() and token.expires > timezone.now()
    assert _get(client, key).status_code == 200
    migration.hash_old_tokens(apps, editor)  # a database without the old table: nothing to do
    assert ApiToken.objects.filter(user=user).count() == 1


def test_the_admin_lists_and_revokes_tokens_without_showing_digests(client, users):
    admin = next(u for u in users.values() if u.is_superuser)
    secret, _ = _create("--user", "tl-office")
    token = ApiToken.objects.get(user=users["tl-office"])
    client.force_login(admin)
    page = client.get("/admin/api/apitoken/").content.decode()
    assert "tl-office" in page and token.digest not in page and secret not in page
    detail = client.get(f"/admin/api/apitoken/{token.pk}/change/")
    assert detail.status_code == 200 and token.digest not in detail.content.decode()
    response = client.post(
        "/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert "已吊销 1 个令牌" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked is not None
    entry = ObjectChange.objects.filter(content_type__model="apitoken", object_id=str(token.pk)).latest(
        "time"
    )
    assert entry.action == "update" and entry.source == "admin"
    assert client.get("/admin/api/apitoken/add/").status_code == 403
