"""Hardening (等保三级 points 4 and 5, docs/hardening.md): the production switch, the
Content-Security-Policy, rate limits and request sizes. Bounded text, workbook limits and field
encryption have their own files (test_text_bounds.py, test_file_limits.py, test_field_encryption.py)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

STRONG_KEY = secrets.token_urlsafe(50)


def _run(env_extra: dict, code: str, tmp_path) -> subprocess.CompletedProcess:
    """Python in a fresh process with the given environment (settings are read at start-up)."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ZHAOSHANG_", "SECRET_KEY", "ALLOWED_HOSTS"))
    }
    env.pop("DEBUG", None)
    env.update({"ZHAOSHANG_DATA": str(tmp_path), "DJANGO_SETTINGS_MODULE": "zhaoshang.settings", **env_extra})
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)


PRODUCTION = {"ZHAOSHANG_PRODUCTION": "1", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "zs.example.gov.cn"}


# --- the production switch --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"ZHAOSHANG_PRODUCTION": "1", "ALLOWED_HOSTS": "zs.example.gov.cn"}, "SECRET_KEY"),
        ({"ZHAOSHANG_PRODUCTION": "1", "SECRET_KEY": STRONG_KEY}, "ALLOWED_HOSTS"),
        ({**PRODUCTION, "DEBUG": "1"}, "DEBUG=1"),
    ],
)
def test_production_refuses_to_start_without_its_environment(env, says, tmp_path):
    done = _run(env, "import django; django.setup()", tmp_path)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "生产模式" in done.stderr and says in done.stderr


def test_check_deploy_prints_no_warning_in_production(tmp_path):
    code = (
        "from zhaoshang.cli import main; main(['zhaoshang', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    done = _run(PRODUCTION, code, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNINGS" not in done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_check_deploy_warns_without_production(tmp_path):
    # The same check fails without the switch: the test above can fail.
    code = (
        "from zhaoshang.cli import main; main(['zhaoshang', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    done = _run({}, code, tmp_path)
    assert done.returncode != 0
    assert "security.W008" in done.stderr + done.stdout


PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
c = Client()
out = {k: getattr(settings, k, None) for k in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
       "SESSION_COOKIE_HTTPONLY", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
       "SECURE_PROXY_SSL_HEADER")}
plain = c.get("/static/zhaoshang/app.css", HTTP_HOST="zs.example.gov.cn")
out["plain"] = [plain.status_code, plain.get("Location", "")]
forged = c.get("/static/zhaoshang/app.css", HTTP_HOST="zs.example.gov.cn", HTTP_X_FORWARDED_PROTO="https",
               REMOTE_ADDR="203.0.113.9")
out["forged"] = forged.status_code
proxied = c.get("/static/zhaoshang/app.css", HTTP_HOST="zs.example.gov.cn", HTTP_X_FORWARDED_PROTO="https",
                REMOTE_ADDR="10.0.0.2")
out["proxied"] = [proxied.status_code, proxied.get("Strict-Transport-Security", ""),
                  proxied.get("X-Content-Type-Options", ""), proxied.get("Referrer-Policy", "")]
print(json.dumps(out))
"""


def test_production_redirects_to_https_and_believes_only_its_proxy(tmp_path):
    done = _run({**PRODUCTION, "ZHAOSHANG_TRUSTED_PROXIES": "10.0.0.0/24"}, PROBE, tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["SECURE_SSL_REDIRECT"] and out["SESSION_COOKIE_SECURE"] and out["CSRF_COOKIE_SECURE"]
    assert out["SESSION_COOKIE_HTTPONLY"]
    assert out["SECURE_HSTS_SECONDS"] == 31_536_000 and out["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert out["SECURE_HSTS_PRELOAD"] is False
    assert out["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert out["plain"] == [301, "https://zs.example.gov.cn/static/zhaoshang/app.css"]
    assert out["forged"] == 301  # X-Forwarded-Proto from outside the proxy is dropped
    status, hsts, nosniff, referrer = out["proxied"]
    assert status == 200
    assert hsts == "max-age=31536000; includeSubDomains"
    assert nosniff == "nosniff" and referrer == "same-origin"


def test_hsts_preload_is_settable(tmp_path):
    done = _run(
        {**PRODUCTION, "ZHAOSHANG_HSTS_PRELOAD": "1", "ZHAOSHANG_TRUSTED_PROXIES": "10.0.0.2"},
        PROBE,
        tmp_path,
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["SECURE_HSTS_PRELOAD"] is True
    assert out["proxied"][1] == "max-age=31536000; includeSubDomains; preload"


def test_the_embedded_default_is_unchanged(tmp_path):
    done = _run({}, PROBE, tmp_path)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert (
        not out["SECURE_SSL_REDIRECT"] and not out["SESSION_COOKIE_SECURE"] and not out["CSRF_COOKIE_SECURE"]
    )
    assert out["SECURE_HSTS_SECONDS"] == 0 and out["SECURE_PROXY_SSL_HEADER"] is None
    assert out["plain"][0] == 200


# --- Content-Security-Policy ------------------------------------------------------------------


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_every_response_carries_the_csp(client):
    user = get_user_model().objects.create_user("csp-probe", password="x")
    for response in (client.get(reverse("login")), client.get("/static/zhaoshang/app.css")):
        policy = _policy(response)
        assert policy["default-src"] == "'self'"
        assert policy["script-src"] == "'self'"
        assert policy["style-src"] == "'self'"
        assert policy["img-src"] == "'self' data:"
        assert policy["frame-ancestors"] == "'none'"
        assert policy["form-action"] == "'self'"
        assert "unsafe" not in response["Content-Security-Policy"]
    client.force_login(user)
    assert "unsafe" not in client.get(reverse("home"))["Content-Security-Policy"]


def test_no_template_writes_inline_script_or_style():
    """The policy forbids them; a template that brought one back would break in the browser."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "src" / "zhaoshang"
    found = []
    for path in root.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (
            r"\sstyle=",
            r"<style",
            r"<script(?![^>]*\bsrc=)(?![^>]*application/json)",
            r"\son[a-z]+=",
        ):
            if re.search(pattern, text):
                found.append(f"{path.relative_to(root)}: {pattern}")
    assert not found, found


def test_htmx_keeps_its_indicator_styles_out_of_the_page(client, db):
    page = client.get(reverse("login")).content.decode()
    assert '"includeIndicatorStyles": false' in page


# --- rate limits ------------------------------------------------------------------------------


@pytest.fixture
def still_clock(monkeypatch):
    """django-ratelimit counts in windows that end at a moment of their own (per key); requests
    of a slow run that straddle that moment would start counting afresh and never reach the
    limit. The limit's clock stands still for these tests."""
    import time
    import types

    import django_ratelimit.core as ratelimit

    now = time.time()
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: now))


@pytest.mark.django_db
@override_settings(ZHAOSHANG_LOGIN_RATE="3/m")
def test_login_is_limited_per_address_and_per_user_name(client, still_clock):
    get_user_model().objects.create_user("rl-login", password="right-password-1")
    for _ in range(3):
        assert client.post(reverse("login"), {"username": "rl-login", "password": "wrong"}).status_code == 200
    refused = client.post(reverse("login"), {"username": "rl-login", "password": "right-password-1"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    text = refused.content.decode()
    assert "登录尝试过于频繁" in text and "秒后再试" in text and "每分钟 3 次" in text
    # The same user name from another address: still refused (per user name).
    other = client.post(
        reverse("login"), {"username": "rl-login", "password": "wrong"}, REMOTE_ADDR="192.0.2.77"
    )
    assert other.status_code == 429 and "该账号的登录尝试" in other.content.decode()
    # Another user name from another address is let through.
    assert (
        client.post(
            reverse("login"), {"username": "somebody", "password": "x"}, REMOTE_ADDR="192.0.2.78"
        ).status_code
        == 200
    )
    # Reading the login page is not counted.
    assert client.get(reverse("login")).status_code == 200


@pytest.mark.django_db
@override_settings(ZHAOSHANG_API_RATE="4/m")
def test_the_api_is_limited_per_user_with_a_json_answer(client, users, still_clock):
    client.force_login(users["xf-team"])
    for _ in range(4):
        assert client.get("/api/projects/").status_code == 200
    refused = client.get("/api/projects/")
    assert refused.status_code == 429
    body = refused.json()
    assert "数据接口请求过于频繁" in body["detail"] and body["retry_after"] >= 1
    # Another user has a count of their own.
    client.force_login(users["xf-unit"])
    assert client.get("/api/projects/").status_code == 200


@pytest.mark.django_db
@override_settings(ZHAOSHANG_API_RATE="2/m")
def test_the_api_counts_a_token_as_itself(client, users, still_clock):
    from zhaoshang.api import tokens

    user = users["xf-team"]
    secret = tokens.create(user, "测试")[1]
    auth = {"HTTP_AUTHORIZATION": f"Token {secret}"}
    assert client.get("/api/projects/", **auth).status_code == 200
    assert client.get("/api/projects/", **auth).status_code == 200
    assert client.get("/api/projects/", **auth).status_code == 429


@pytest.mark.django_db
@override_settings(ZHAOSHANG_EXPORT_RATE="2/m")
def test_exports_and_downloads_are_limited_per_user(client, users, still_clock):
    client.force_login(users["xf-team"])
    url = reverse("exchange:template", args=["projects"])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    assert "导出和下载过于频繁" in refused.content.decode()
    # Pages are not counted as downloads; the dashboard is, only when it exports.
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("dashboards:dashboard"), {"export": "funnel"}).status_code == 429


def test_every_download_view_is_rate_limited():
    """Every route whose view hands out a file is in the export limit's list (a new one must be added)."""
    import inspect

    from django.urls import get_resolver

    from zhaoshang.core.hardening import EXPORT_VIEWS, EXPORT_WHEN_ASKED

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                ns = f"{p.namespace}:" if p.namespace else prefix
                yield from walk(p.url_patterns, ns)
            elif p.name:
                yield prefix + p.name, p.callback

    unlisted = []
    for name, view in walk(get_resolver().url_patterns):
        try:
            source = inspect.getsource(inspect.unwrap(getattr(view, "view_class", view)))
        except (OSError, TypeError):  # a class made at run time (the API's viewsets): not a download
            continue
        if any(marker in source for marker in ("FileResponse", "Content-Disposition", "_xlsx(")):
            if (
                name not in EXPORT_VIEWS and name not in EXPORT_WHEN_ASKED and name != "api-schema"
            ):  # /api/: the API's
                unlisted.append(name)
    assert not unlisted, unlisted


def test_the_client_address_comes_from_the_proxy_only_when_trusted(rf):
    from zhaoshang.core.hardening import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    with override_settings(ZHAOSHANG_TRUSTED_PROXIES=[]):
        assert client_ip(request) == "10.0.0.2"
    with override_settings(ZHAOSHANG_TRUSTED_PROXIES=["10.0.0.0/8"]):
        # The proxy appended what it saw; what the client wrote before it is not believed.
        assert client_ip(request) == "198.51.100.4"


# --- request sizes ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_a_chinese_413(client, users):
    client.force_login(users["xf-team"])
    with override_settings(ZHAOSHANG_UPLOAD_MAX_MB=1):
        response = client.post(
            reverse("fieldwork:activity_add"), {"summary": "长" * 10}, CONTENT_LENGTH=str(2 * 1024 * 1024)
        )
    assert response.status_code == 413
    text = response.content.decode()
    assert "提交的内容过大" in text and "1 MB" in text


@pytest.mark.django_db
def test_form_data_over_its_limit_is_a_chinese_413_not_a_bare_400(client, users):
    client.force_login(users["xf-team"])
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000):
        response = client.post(
            reverse("fieldwork:activity_add"),
            {"summary": "长" * 20_000},
            HTTP_REFERER="http://testserver" + reverse("fieldwork:activity_add"),
        )
    assert response.status_code == 413
    text = response.content.decode()
    assert "表单内容（不含文件）超过了上限 9 KB" in text
    assert "返回上一页" in text
    with override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=5):
        response = client.post(reverse("fieldwork:activity_add"), {f"f{i}": "x" for i in range(10)})
    assert response.status_code == 413 and "超过了上限 5 个字段" in response.content.decode()


@pytest.mark.django_db
def test_an_api_body_over_the_limit_is_json_413(client, users):
    client.force_login(users["xf-team"])
    with override_settings(ZHAOSHANG_UPLOAD_MAX_MB=1):
        response = client.post(
            "/api/projects/", data="{}", content_type="application/json", CONTENT_LENGTH=str(3 * 1024 * 1024)
        )
    assert response.status_code == 413
    assert "超过了上限 1 MB" in response.json()["detail"]


def test_an_api_json_body_over_the_form_limit_is_json_413_not_a_bare_400(client, users):
    client.force_login(users["xf-team"])
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000):
        response = client.post(
            "/api/projects/", data=json.dumps({"name": "长" * 20_000}), content_type="application/json"
        )
    assert response.status_code == 413
    assert "超过了上限 9 KB" in response.json()["detail"]
