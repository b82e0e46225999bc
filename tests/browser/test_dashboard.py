"""The county head's dashboard draws its charts with the demo's data, and a click on the
funnel's 签约 stage lists exactly the signed projects. Screenshots go to artifacts/."""

from __future__ import annotations

import re

import pytest

from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.twofactor.testing import pass_second_factor

pytestmark = pytest.mark.browser

LOGIN, PASSWORD = "xf-office", DEMO_PASSWORD

# For each chart on the page: its key and how many data points its series hold.
SERIES_SIZES = """() => Array.from(document.querySelectorAll('[data-chart]')).map(node => {
  const chart = window.echarts.getInstanceByDom(node);
  if (!chart) return [node.dataset.chart, -1];
  const series = chart.getOption().series || [];
  return [node.dataset.chart, series.reduce((n, s) => n + (s.data || []).length, 0)];
})"""

# The centre of the funnel piece named `name`, in viewport coordinates.
FUNNEL_PIECE = """(name) => {
  const node = document.querySelector('[data-chart="funnel"]');
  const chart = window.echarts.getInstanceByDom(node);
  const index = chart.getOption().series[0].data.findIndex((d) => d.name === name);
  const piece = chart.getModel().getSeriesByIndex(0).getData().getItemGraphicEl(index);
  const rect = piece.getBoundingRect().clone();
  if (piece.transform) rect.applyTransform(piece.transform);
  const box = node.getBoundingClientRect();
  return {x: box.left + rect.x + rect.width / 2, y: box.top + rect.y + rect.height / 2};
}"""


def test_dashboard_draws_its_charts_and_the_funnel_drills_down(
    chromium, live_server, xinfeng_world, artifacts
):
    from django.contrib.auth import get_user_model

    from zhaoshang.assessment import services as assessment
    from zhaoshang.ledger.models import Project

    office = get_user_model().objects.get(username=LOGIN)
    assessment.publish(assessment.run(xinfeng_world, "2024"))
    signed = Project.objects.visible_to(office).filter(stage="signed").count()
    assert signed > 0

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", LOGIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    pass_second_factor(page, LOGIN)  # 动态口令, from the demo device

    page.click("header nav summary:has-text('领导视图')")
    page.click("header nav a:has-text('驾驶舱')")
    page.wait_for_url(re.compile(r"/dashboards/$"))
    page.wait_for_selector('[data-chart="funnel"] canvas')
    page.wait_for_function("() => document.querySelector('[data-chart=\"provinces\"] canvas') !== null")
    sizes = dict(page.evaluate(SERIES_SIZES))
    assert sizes["funnel"] > 0 and sizes["trend"] > 0 and sizes["provinces"] > 0, sizes
    assert sizes.get("ranking", 0) > 0, sizes
    assert all(n >= 0 for n in sizes.values()), sizes  # every chart node got a chart
    page.wait_for_timeout(800)  # let the entry animations finish before the picture
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

    page.locator('[data-chart="funnel"]').scroll_into_view_if_needed()
    point = page.evaluate(FUNNEL_PIECE, "签约")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url(re.compile(r"/ledger/project/\?.*stage=signed"))
    shown = int(re.search(r"共 (\d+) 条", page.inner_text("main")).group(1))
    assert shown == signed
    page.screenshot(path=str(artifacts / "dashboard-drilldown.png"), full_page=True)
    context.close()
