"""The office keeps the organisation on screen, on a 375-px phone and on a desktop: it checks
the policy file for updates (the plan, before anything is written), adds the next year with
its targets copied, and edits a target that the next run reads. A team clerk sees none of it.

Screenshots go to artifacts/.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.twofactor.testing import pass_second_factor

pytestmark = pytest.mark.browser

OFFICE, CLERK, PASSWORD = "xf-office", "xf-team", DEMO_PASSWORD
DESKTOP = {"width": 1280, "height": 900}


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    pass_second_factor(page, username)  # 动态口令, from the demo device


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_office_keeps_the_organisation_on_screen(
    viewport, chromium, live_server, xinfeng_world, artifacts
):
    from zhaoshang.assessment import services
    from zhaoshang.org.effective import effective
    from zhaoshang.org.models import Period, Target

    policy = xinfeng_world
    size = {"width": 375, "height": 740} if viewport == "phone" else DESKTOP
    context = chromium.new_context(viewport=size, is_mobile=viewport == "phone", locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    _login(page, base, OFFICE)

    page.goto(f"{base}/org/policy/{policy.pk}/")
    page.click("a:has-text('载入政策文件更新')")
    page.wait_for_url(re.compile(r"/reload/$"))
    assert "没有需要载入的变更" in page.inner_text("main")
    assert _width(page) <= size["width"]

    page.goto(f"{base}/org/policy/{policy.pk}/")
    page.click("a:has-text('增加时期')")
    page.wait_for_url(re.compile(r"/period/add/$"))
    key = f"2025-{viewport}"
    page.fill("input[name=key]", key)
    page.fill("input[name=label]", f"2025年（{viewport}）")
    page.select_option("select[name=kind]", "year")
    page.fill("input[name=start]", "2025-12-31")
    page.fill("input[name=end]", "2025-01-01")
    page.screenshot(path=str(artifacts / f"office-period-add-{viewport}.png"), full_page=True)
    assert _width(page) <= size["width"], "the form scrolls sideways"
    # Refused, the form comes back at the same address: the wait is for that page, not an address.
    with page.expect_navigation(url=re.compile(r"/period/add/$")):
        page.click("form .actions button[type=submit]")
    assert "结束日期不能早于开始日期" in page.inner_text("main")
    assert page.input_value("input[name=key]") == key  # what was typed is kept
    page.fill("input[name=start]", "2025-01-01")
    page.fill("input[name=end]", "2025-12-31")
    page.click("form .actions button[type=submit]")
    page.wait_for_url(re.compile(rf"/org/policy/{policy.pk}/#periods$"))
    assert "办公室增加" in page.inner_text("main")
    period = Period.objects.get(policy=policy, key=key)
    assert period.targets.count() == Period.objects.get(policy=policy, key="2024").targets.count() > 0

    # A target edited on screen is what the next run reads.
    target = Target.objects.filter(policy=policy, period__key="2024", holder_kind="team").first()
    page.goto(f"{base}/org/target/{target.pk}/edit/")
    page.fill("input[name=value]", "12345")
    page.screenshot(path=str(artifacts / f"office-target-edit-{viewport}.png"), full_page=True)
    page.click("form .actions button[type=submit]")
    page.wait_for_url(re.compile(rf"/org/target/{target.pk}/$"))
    assert Target.objects.get(pk=target.pk).value == Decimal(12345)
    facts = {(f.holder.key, f.metric, f.period): f.value for f in effective(policy).targets}
    spec_team = next(t for t in effective(policy).spec.teams if t.key == target.team.key)
    assert any(t.metric == target.metric and Decimal(t.value) == 12345 for t in spec_team.targets), facts
    result, *_ = services.compute(policy, "2024")
    assert result["results"]
    context.close()


def test_a_team_clerk_is_not_offered_the_offices_organisation_pages(phone, live_server, xinfeng_world):
    policy = xinfeng_world
    base = live_server.url
    _login(phone, base, CLERK)
    phone.goto(f"{base}/org/policy/{policy.pk}/")
    assert "载入政策文件更新" not in phone.inner_text("main")
    response = phone.goto(f"{base}/org/policy/{policy.pk}/period/add/")
    assert response.status == 403
    assert "招商办" in phone.inner_text("main")
