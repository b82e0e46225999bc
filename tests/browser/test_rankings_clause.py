"""The rankings on a 375-px phone and a 1366-px desktop (issue 11 point 4): places in words, a
leader opens a unit's row and its clause badge (第…条), and the clause's own words from the policy
document open over the page as a dialog (CSS :target, no script) and close again; the page never
scrolls sideways."""

from __future__ import annotations

import re

import pytest

from zhaoshang.demo.generator import DEMO_PASSWORD

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def published(xinfeng_world):
    from zhaoshang.assessment import services

    run = services.run(xinfeng_world, "2024")
    services.publish(run)
    return run


def _login(page, base, username, next_path):
    page.goto(f"{base}/login/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_leader_opens_a_ranking_to_its_clause(chromium, live_server, published, artifacts, size):
    if size == "phone":
        context = chromium.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    else:
        context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    _login(page, live_server.url, "xf-leader", "/dashboards/rankings/?policy=xinfeng-2024&period=2024")
    assert "/dashboards/rankings/" in page.url
    main = page.locator("main").inner_text()
    assert "第1名" in main and "2024年 第1版" in main
    assert not re.search(r"\b(?:corps|team)-\d+\b", main)
    row = page.locator("details.result-row > summary").first
    row.click()
    badge = page.locator("details.result-row[open] a.clause-badge").first
    label = badge.inner_text()
    assert re.match(r"^(附件\d* )?第[一二三四五六七八九十]+条", label) or label.startswith("附件"), label
    badge.click()
    dialog = page.locator(".clause-dialog:target")
    dialog.wait_for(state="visible")
    assert label in dialog.inner_text() and "原文" in dialog.inner_text()
    box = dialog.locator(".clause-dialog-box").bounding_box()
    assert box is not None and box["width"] <= page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.screenshot(path=str(artifacts / f"rankings-clause-{size}.png"))
    dialog.locator(".clause-close").click()
    page.wait_for_url(lambda url: url.endswith("#_"))  # 关闭 goes to #_, which names nothing
    assert page.locator(".clause-dialog:target").count() == 0
    assert not errors, errors
    context.close()
