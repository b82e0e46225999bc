"""Errors in Chinese on every path (issue 11 point 6): 400, 403, 404, 413, 500 and a refused CSRF
check are each a page in the site's style saying what to do next, with DEBUG off; the API and a
client asking for JSON get {"detail": "…"} in Chinese."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import include, path

from zhaoshang import urls as site_urls

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("boom")


# A URL configuration with one view that fails, beside the site's own (and its error handlers).
urlpatterns = [path("boom/", _boom), path("", include(site_urls))]
handler400, handler403 = site_urls.handler400, site_urls.handler403
handler404, handler500 = site_urls.handler404, site_urls.handler500

LATIN_WORDS = re.compile(r"\b(Bad Request|Forbidden|Not Found|Server Error|CSRF verification failed)\b")


@pytest.fixture
def clerk():
    User = get_user_model()
    user = User.objects.create_user("err-clerk", password="x")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _page(response) -> str:
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="zh-Hans">' in text
    assert 'href="/"' in text and "返回首页" in text
    assert not LATIN_WORDS.search(text), text
    return text


@override_settings(DEBUG=False)
def test_400_bad_host_is_a_chinese_page():
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    text = _page(response)
    assert "请求无法处理" in text and "请返回上一页检查填写的内容" in text


@override_settings(DEBUG=False)
def test_403_says_why_and_what_to_do(clerk):
    response = clerk.get("/assessment/assessmentrun/new/")
    assert response.status_code == 403
    text = _page(response)
    assert "无权访问" in text and "请联系本单位的招商办或系统管理员" in text


@override_settings(DEBUG=False)
def test_404_page_and_record(clerk):
    for url in ("/no-such-page/", "/ledger/project/999999999/"):
        response = clerk.get(url, HTTP_REFERER="http://testserver/ledger/project/")
        assert response.status_code == 404, url
        text = _page(response)
        assert "页面或记录不存在，或不在您的权限范围内" in text
        # 返回上一页 goes back in history (keeps what was typed), the link is its fallback.
        assert 'href="http://testserver/ledger/project/" data-history-back' in text


@override_settings(DEBUG=False, ZHAOSHANG_UPLOAD_MAX_MB=1)
def test_413_says_the_limit_and_offers_back(clerk):
    response = clerk.post(
        "/ledger/project/add/",
        {"name": "x" * (2 * 1024 * 1024)},
        HTTP_REFERER="http://testserver/ledger/project/add/",
    )
    assert response.status_code == 413
    text = _page(response)
    assert "超过了上限 1 MB" in text and "未保存任何内容" in text
    assert 'href="http://testserver/ledger/project/add/" data-history-back>返回</a>' in text


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_500_is_a_chinese_page_without_the_database(clerk):
    response = clerk.get("/boom/")
    assert response.status_code == 500
    text = _page(response)
    assert "系统错误" in text and "请稍后查看刚才的操作是否已保存" in text


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_500_of_the_api_is_chinese_json(clerk):
    response = clerk.get("/boom/", HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    assert "服务器处理出错" in response.json()["detail"]


@override_settings(DEBUG=False)
def test_csrf_failure_is_a_chinese_page_and_saves_nothing():
    User = get_user_model()
    user = User.objects.create_user("err-csrf", password="x")
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(user)
    before = User.objects.count()
    response = client.post("/account/password/", {"old_password": "x"})
    assert response.status_code == 403
    text = _page(response)
    assert "页面已过期，未能提交" in text and "刷新页面后重新提交" in text
    assert User.objects.count() == before


@override_settings(DEBUG=False)
def test_api_errors_are_chinese_json(clerk):
    for url, status in (("/api/no-such-endpoint/", 404), ("/api/projects/999999999/", 403)):
        response = clerk.get(url)
        assert response.status_code == status, url
        detail = response.json()["detail"]
        assert re.search(r"[\u4e00-\u9fff]", detail), detail


@override_settings(DEBUG=False)
def test_the_api_413_is_chinese_json(clerk):
    with override_settings(ZHAOSHANG_UPLOAD_MAX_MB=1):
        response = clerk.post("/api/projects/", "x" * (2 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert "超过了上限 1 MB" in response.json()["detail"]


def test_nginx_refusals_are_the_platforms_chinese_pages():
    """Behind nginx a body over client_max_body_size never reaches Django: nginx answers with the
    static page, which names the same limit; 502–504 (app servers restarting) likewise."""
    from pathlib import Path

    from django.contrib.staticfiles import finders

    root = Path(__file__).resolve().parents[4]
    conf = (root / "deploy" / "nginx" / "zhaoshang.conf").read_text(encoding="utf-8")
    limit = re.search(r"client_max_body_size (\d+)m;", conf).group(1)
    assert "error_page 413 /static/zhaoshang/errors/413.html;" in conf
    assert "error_page 502 503 504 /static/zhaoshang/errors/502.html;" in conf
    page = Path(finders.find("zhaoshang/errors/413.html")).read_text(encoding="utf-8")
    assert f"超过了服务器的上限（{limit} MB）" in page and "data-history-back" in page
    assert "<script>" not in page and "style=" not in page
    assert "系统暂时无法访问" in Path(finders.find("zhaoshang/errors/502.html")).read_text(encoding="utf-8")
