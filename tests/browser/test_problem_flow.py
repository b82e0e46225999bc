"""A problem worked through as the clerks do it (issue 14 point 2), by the buttons on its page: the
support unit's clerk takes it up and resolves it on a 375-px phone; the requester's clerk sends it
back with a reason and, resolved again, confirms it (销号) on a desktop. Each step is a form post
of the problem page; each lands where the service says and the page never scrolls sideways."""

from __future__ import annotations

import pytest
from django.utils import timezone

from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.twofactor.testing import pass_second_factor

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1366, "height": 900}


def _page(chromium, live_server, username: str, *, phone: bool):
    if phone:
        context = chromium.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
        )
    else:
        context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    pass_second_factor(page, username)
    page.errors = errors
    return context, page


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways: {width}px"


def _problem(xinfeng_world):
    from django.contrib.auth import get_user_model

    from zhaoshang.ledger.models import Project
    from zhaoshang.supervision import problems as services
    from zhaoshang.supervision.models import Problem

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["xf-team", "xf-support"])}
    team = users["xf-team"].membership.team
    project = Project.objects.filter(team=team).order_by("pk").first()
    p = Problem(
        project=project,
        title="浏览器测试：施工用电接入慢",
        description="临时用电报装两周未接入",
        requester_unit=team.lead_unit,
        requester_team=team,
        support_unit=users["xf-support"].membership.unit,
        raised_on=timezone.localdate(),
        deadline_workdays=5,
    )
    services.problem_prepare(problem=p, by=users["xf-team"])
    p.full_clean()
    p.save()
    return p


def test_a_problem_is_worked_through_by_its_buttons(chromium, live_server, xinfeng_world, artifacts):
    from zhaoshang.supervision.models import Problem

    problem = _problem(xinfeng_world)
    url = f"{live_server.url}/supervision/problem/{problem.pk}/"

    # The support unit's clerk, on a phone: 开始办理, then 办结 with what was done.
    context, page = _page(chromium, live_server, "xf-support", phone=True)
    page.goto(url)
    _fits(page)
    page.click("button:has-text('开始办理')")
    page.wait_for_selector("button:has-text('办结（提交提出单位确认）')")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.IN_PROGRESS
    page.click("button:has-text('办结（提交提出单位确认）')")  # nothing said: refused, in Chinese
    assert problem.__class__.objects.get(pk=problem.pk).status == Problem.Status.IN_PROGRESS
    page.fill("textarea[name=resolution]", "已协调供电公司，临时用电于本周接入")
    page.click("button:has-text('办结（提交提出单位确认）')")
    page.wait_for_selector("text=等待提出单位")
    _fits(page)
    page.screenshot(path=str(artifacts / "phone-problem-resolved.png"), full_page=True)
    problem.refresh_from_db()
    assert problem.status == Problem.Status.RESOLVED and problem.resolved_on is not None
    assert not page.errors, page.errors
    context.close()

    # The requester's clerk, on a desktop: sends it back with a reason…
    context, page = _page(chromium, live_server, "xf-team", phone=False)
    page.goto(url)
    page.fill("textarea[name=reason]", "仍未接入，请继续协调")
    page.click("button:has-text('不同意，退回继续办理')")
    page.wait_for_selector("text=由要素保障单位")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.IN_PROGRESS and problem.rejections == 1
    assert problem.resolved_on is None

    # …and, once resolved again, confirms it.
    from django.contrib.auth import get_user_model

    from zhaoshang.supervision import problems as services

    services.problem_resolve(
        problem=problem, resolution="已接入", by=get_user_model().objects.get(username="xf-support")
    )
    page.goto(url)
    page.click("button:has-text('确认销号')")
    page.wait_for_load_state("load")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.CLOSED and problem.confirmed_by.username == "xf-team"
    assert page.locator("button:has-text('确认销号')").count() == 0
    _fits(page)
    assert not page.errors, page.errors
    context.close()


def test_a_team_clerk_closes_a_duty_on_a_phone(chromium, live_server, xinfeng_world, artifacts):
    """我的职责任务 → a duty of the clerk's team → 办结 with what was done: the obligation is
    done, by the clerk, and the page says so; an empty form is refused in Chinese."""
    from django.contrib.auth import get_user_model

    from zhaoshang.supervision import duties
    from zhaoshang.supervision.models import DutyObligation

    clerk = get_user_model().objects.get(username="xf-team")
    if not DutyObligation.objects.filter(policy=xinfeng_world).exists():
        duties.duties_schedule(policy=xinfeng_world, until=timezone.localdate())
    open_ = [
        o
        for o in DutyObligation.objects.visible_to(clerk).filter(completed_at=None, not_applicable_reason="")
        if duties.may_complete(clerk, o)
    ]
    assert open_, "the demo county gives the team clerk open duties"
    obligation = open_[0]
    context, page = _page(chromium, live_server, "xf-team", phone=True)
    page.goto(f"{live_server.url}/supervision/duty/{obligation.pk}/")
    _fits(page)
    page.click("a[role=button]:has-text('办结')")
    page.click("main button:has-text('确定')")  # nothing said: refused, named
    page.wait_for_selector("text=办结须填写完成情况")
    page.fill("textarea[name=note]", "已于本月召开调度会，会议纪要已上传")
    page.click("main button:has-text('确定')")
    page.wait_for_url(lambda url: url.rstrip("/").endswith(str(obligation.pk)))
    _fits(page)
    page.screenshot(path=str(artifacts / "phone-duty-done.png"), full_page=True)
    obligation.refresh_from_db()
    assert obligation.completed_at is not None and obligation.completed_by == clerk
    assert "已于本月召开调度会" in obligation.completion_note
    assert not page.errors, page.errors
    context.close()
