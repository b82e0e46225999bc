"""A team clerk logs an outbound trip on a phone-sized window, and the quota page counts it.

Screenshots of the filled-in form and of the quota page afterwards go to artifacts/.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from zhaoshang.demo.generator import DEMO_PASSWORD

pytestmark = pytest.mark.browser

LOGIN, PASSWORD = "xf-team", DEMO_PASSWORD  # 第一产业招商兵团's clerk in the demo data
TRIP_DAY = date(2024, 6, 12)
VISITS = ["深圳手机登记测试电子有限公司", "东莞手机登记测试科技有限公司"]
METRIC = "外出招商批次"
PHONE = {"width": 375, "height": 740}

# {rule: value} of the quota rows of one holder, in the sections counting outbound trips.
QUOTA_VALUES = """([holder, metric]) => {
  const out = {};
  for (const section of document.querySelectorAll("section.quota")) {
    if (!section.querySelector("p.muted").textContent.includes(metric)) continue;
    for (const row of section.querySelectorAll(".quota-row")) {
      if (row.dataset.holder === holder) {
        out[row.dataset.rule] = parseFloat(row.querySelector(".quota-value").textContent);
      }
    }
  }
  return out;
}"""


def _quotas(page, base: str, team: str) -> dict[str, float]:
    page.goto(f"{base}/fieldwork/quotas/?policy=xinfeng-2024&on={TRIP_DAY:%Y-%m-%d}")
    page.wait_for_selector("h1:has-text('任务进度')")
    return page.evaluate(QUOTA_VALUES, [team, METRIC])


def _scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_team_clerk_logs_a_trip_on_a_phone_and_the_quota_counts_it(
    phone, live_server, xinfeng_world, artifacts
):
    from django.contrib.auth import get_user_model

    from zhaoshang.fieldwork.models import Activity

    clerk = get_user_model().objects.select_related("membership__team__lead_unit").get(username=LOGIN)
    team = clerk.membership.team
    unit = team.lead_unit
    base = live_server.url
    page = phone

    page.goto(f"{base}/login/")
    page.fill("input[name=username]", LOGIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)

    before = _quotas(page, base, team.name)
    assert before, f"no {METRIC} quota row for {team.name} on the quota page"

    # 工作 → 登记活动, from the menu as a person would.
    page.goto(f"{base}/")
    page.click("header nav summary:has-text('工作')")
    page.click("header nav a:has-text('登记活动')")
    page.wait_for_url(re.compile(r"/fieldwork/activity/add/$"))

    form = page.locator("#activity-form")
    form.locator("select[name=kind]").select_option(label="外出招商")
    units = form.locator("select[name=unit] option").all_inner_texts()
    form.locator("select[name=unit]").select_option(label=next(t for t in units if unit.name in t))
    # The clerk's team is preselected (checked in the next test); choosing it again is harmless.
    form.locator("select[name=team]").select_option(label=team.name)
    form.locator("input[name=date]").fill(TRIP_DAY.isoformat())
    form.locator("input[name=days]").fill("3")
    form.locator("input[name=leader]").fill("袁炎")
    form.locator("input[name=head_led]").check()
    form.locator("select[name=region]").select_option(label="珠三角")
    form.locator("input[name=place]").fill("深圳、东莞")
    form.locator("input[name='visits-0-enterprise_name']").fill(VISITS[0])
    form.locator("input[name='visits-0-counterpart']").fill("李总 董事长")
    form.locator("button:has-text('再加一家')").click()
    form.locator("input[name='visits-1-enterprise_name']").fill(VISITS[1])
    # Fields of other kinds are hidden; the trip's own are shown.
    assert form.locator("input[name=merchant]").is_hidden()
    assert form.locator("input[name=days]").is_visible()

    assert page.viewport_size == PHONE
    width = _scroll_width(page)
    page.screenshot(path=str(artifacts / "phone-trip-form.png"), full_page=True)
    assert width <= PHONE["width"], f"the form scrolls sideways on a 375 px phone: {width}px wide"

    form.locator(".actions button[type=submit]").click()
    page.wait_for_url(re.compile(r"/fieldwork/activity/\d+/$"))
    body = page.inner_text("main")
    assert "拜访企业（2 家）" in body, body
    for name in VISITS:
        assert name in body

    trip = Activity.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert (trip.kind, trip.date, trip.days, trip.head_led, trip.region, trip.unit_id, trip.team_id) == (
        "outbound_trip", TRIP_DAY, 3, True, "pearl_delta", unit.pk, team.pk,
    )  # fmt: skip
    assert sorted(trip.visits.values_list("enterprise_name", flat=True)) == sorted(VISITS)

    after = _quotas(page, base, team.name)
    assert after == {rule: value + 1 for rule, value in before.items()}
    row = page.locator(f".quota-row[data-holder='{team.name}']").first
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "phone-quotas.png"), full_page=True)


def test_the_add_form_starts_with_a_trip_today_for_the_clerks_team(phone, live_server, xinfeng_world):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    team = get_user_model().objects.select_related("membership__team").get(username=LOGIN).membership.team
    page = phone
    page.goto(f"{live_server.url}/login/?next=/fieldwork/activity/add/")
    page.fill("input[name=username]", LOGIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/fieldwork/activity/add/$"))
    form = page.locator("#activity-form")
    chosen = {
        name: form.locator(f"select[name={name}] option:checked").inner_text() for name in ("kind", "team")
    }
    assert chosen == {"kind": "外出招商", "team": team.name}
    assert form.locator("input[name=date]").input_value() == timezone.localdate().isoformat()
