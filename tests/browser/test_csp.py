"""The main pages under the Content-Security-Policy, in Chromium: the office at a desk and a team
clerk on a phone open home, the ledger lists (with an htmx search), a project, the activity form,
the dashboard (ECharts, with a tooltip shown), task progress, an assessment run and the bulletins.
The browser fixture (conftest.py) fails the test on any refusal the console reports; here each
page also carries the header and draws what it should."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.twofactor.testing import pass_second_factor

pytestmark = pytest.mark.browser


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    pass_second_factor(page, username)


def _pages(user, policy):
    from zhaoshang.assessment.models import AssessmentRun
    from zhaoshang.bulletins.models import Bulletin
    from zhaoshang.ledger.models import Project

    project = Project.objects.visible_to(user).order_by("pk").first()
    run = AssessmentRun.objects.visible_to(user).filter(policy=policy).order_by("pk").first()
    bulletin = Bulletin.objects.visible_to(user).order_by("pk").first()
    urls = [
        reverse("home"),
        reverse("ledger:project_list"),
        reverse("ledger:enterprise_list"),
        reverse("ledger:investment_list"),
        reverse("ledger:project_detail", args=[project.pk]),
        reverse("fieldwork:activity_add"),
        reverse("fieldwork:quotas"),
        reverse("assessment:assessmentrun_list"),
        reverse("bulletins:bulletin_list"),
    ]
    if run is not None:
        urls.append(reverse("assessment:assessmentrun_detail", args=[run.pk]))
    if bulletin is not None:
        urls.append(reverse("bulletins:bulletin_detail", args=[bulletin.pk]))
    return urls


def _walk(page, base, user, policy):
    for url in _pages(user, policy):
        response = page.goto(base + url)
        assert response.status == 200, url
        policy_header = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy_header and "unsafe-inline" not in policy_header, url
        page.wait_for_load_state("networkidle")

    # An htmx search on a list page: the indicator and the swapped rows stay within the policy.
    # htmx searches after a pause in typing: the wait is for that search's answer and the address
    # it pushes (the page was idle before it began), then for what the swap loads.
    page.goto(base + reverse("ledger:project_list"))
    with page.expect_response(
        lambda r: r.request.headers.get("hx-request") == "true" and "q=" in r.url
    ) as searched:
        page.fill("input[name=q]", "科技")
    assert searched.value.ok, searched.value.status
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("q") == ["科技"])
    page.wait_for_load_state("networkidle")

    # The dashboard: every chart drawn by ECharts, and a tooltip shown over one.
    page.goto(base + reverse("dashboards:dashboard"))
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-chart]'))"
        ".every(n => window.echarts && window.echarts.getInstanceByDom(n))"
    )
    chart = page.locator("[data-chart]").first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)


def test_the_office_at_a_desk_meets_no_csp_refusal(chromium, live_server, xinfeng_world):
    from django.contrib.auth import get_user_model

    from zhaoshang.assessment import services as assessment

    office = get_user_model().objects.get(username="xf-office")
    assessment.run(xinfeng_world, "2024-06")
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    _login(page, live_server.url, "xf-office")
    _walk(page, live_server.url, office, xinfeng_world)
    context.close()


def test_a_team_clerk_on_a_phone_meets_no_csp_refusal(phone, live_server, xinfeng_world):
    from django.contrib.auth import get_user_model

    clerk = get_user_model().objects.get(username="xf-team")
    _login(phone, live_server.url, "xf-team")
    _walk(phone, live_server.url, clerk, xinfeng_world)


def test_an_inline_style_would_be_caught(chromium, live_server, transactional_db):
    """The watch in conftest.py sees a refusal: a page that writes a style attribute is reported
    (and would fail the test that opened it)."""
    context = chromium.new_context()
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    # The refusal reaches the test as a console message, some time after the script ran.
    with page.expect_console_message(lambda m: m.type == "error" and "Content Security Policy" in m.text):
        page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>')""")
    context.close()
    assert any("style" in v and "/login/" in v for v in chromium.csp_violations), chromium.csp_violations
    chromium.csp_violations.clear()
