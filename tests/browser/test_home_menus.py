"""Each role's home page and menus on a 375-px phone and a 1366-px desktop (issue 11 point 3): the
home page answers without a horizontal scroll, every menu opens inside the window, an entry can be
tapped on the phone, and a leader lands on the dashboard. Screenshots go to artifacts/."""

from __future__ import annotations

import pytest

from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.twofactor.testing import pass_second_factor

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}  # as tests/browser/conftest.py
DESKTOP = {"width": 1366, "height": 900}
ROLES = ["xf-office", "xf-team", "xf-unit", "xf-leader", "sysadmin"]

# Whether the page scrolls sideways, and every open menu's box.
# Against the window's own width too: a mobile Chromium widens its layout viewport (clientWidth,
# innerWidth) to content that overflows, which would hide the overflow measured here.
OVERFLOW = "(w) => document.documentElement.scrollWidth - Math.min(document.documentElement.clientWidth, w)"
MENU_BOX = """(summary) => {
  const ul = summary.parentElement.querySelector(':scope > ul');
  const r = ul.getBoundingClientRect();
  return {left: r.left, right: r.right, width: r.width, height: r.height, vw: window.innerWidth};
}"""


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    pass_second_factor(page, username)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_each_roles_home_and_menus_fit_the_window(chromium, live_server, xinfeng_world, artifacts, viewport):
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from zhaoshang.fieldwork.models import Report

    size = PHONE if viewport == "phone" else DESKTOP
    phone = viewport == "phone"
    # Something due for the team clerk this week (the demo's 2024 campaign has ended).
    team = get_user_model().objects.get(username="xf-team").membership.team
    today = timezone.localdate()
    due = Report.objects.create(
        jurisdiction=team.jurisdiction, calendar_key="adhoc-check", name="专项情况报送", team=team,
        covers_start=today - timedelta(days=7), covers_end=today, due_on=today + timedelta(days=1),
    )  # fmt: skip
    for username in ROLES:
        context = chromium.new_context(viewport=size, is_mobile=phone, has_touch=phone, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(20_000)
        errors = []
        page.on("response", lambda r, errors=errors: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
        _login(page, live_server.url, username)
        page.goto(f"{live_server.url}/")
        if username == "xf-leader":
            assert page.url.endswith("/dashboards/"), page.url
        assert page.evaluate(OVERFLOW, size["width"]) <= 0, f"{username} {viewport}: 首页横向滚动"
        page.screenshot(path=str(artifacts / f"home-{username}-{viewport}.png"), full_page=True)
        if username == "xf-team":
            # The report due opens its form from the home page.
            page.click(f"#work-due a[href$='/fieldwork/report/{due.pk}/edit/']")
            page.wait_for_url(lambda url: url.endswith(f"/fieldwork/report/{due.pk}/edit/"))
            assert page.locator("textarea[name=content]").count() == 1
            assert page.evaluate(OVERFLOW, size["width"]) <= 0, f"{username} {viewport}: 报送表单横向滚动"
            page.goto(f"{live_server.url}/")
        summaries = page.locator("header.site nav details.dropdown > summary")
        assert summaries.count() >= 2, username
        for i in range(summaries.count()):
            summary = summaries.nth(i)
            summary.click()
            box = summary.evaluate(MENU_BOX)
            assert box["height"] > 0 and box["left"] >= 0 and box["right"] <= min(box["vw"], size["width"]), (
                username,
                box,
            )
            assert page.evaluate(OVERFLOW, size["width"]) <= 0, f"{username} {viewport}: 菜单展开后横向滚动"
            if i == 0:
                page.screenshot(path=str(artifacts / f"menu-{username}-{viewport}.png"))
            summary.click()
        # The first menu's last entry opens its page.
        summaries.first.click()
        link = page.locator("header.site nav details.dropdown[open] > ul a").last
        href = link.get_attribute("href")
        link.click()
        page.wait_for_url(lambda url, href=href: url.endswith(href))
        assert page.evaluate(OVERFLOW, size["width"]) <= 0, f"{username} {viewport}: {href} 横向滚动"
        assert not errors, (username, errors)
        context.close()
