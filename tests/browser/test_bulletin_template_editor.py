"""The office edits its monthly battle report's template in the browser, on a 375-px phone and a
1366-px desktop: a placeholder from the list goes in at the cursor, the preview (last month's
figures, through the bulletin's renderer) shows its value, and the template saves."""

from __future__ import annotations

import re

import pytest

from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.twofactor.testing import pass_second_factor

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}  # as conftest.py's phone fixture

LOGIN = "xf-office"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_office_inserts_a_placeholder_sees_the_preview_and_saves(
    chromium, live_server, xinfeng_world, artifacts, size
):
    from zhaoshang.bulletins import services
    from zhaoshang.bulletins.models import BulletinTemplate

    if size == "phone":
        context = chromium.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
        )
    else:
        context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", LOGIN)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    pass_second_factor(page, LOGIN)

    page.goto(f"{base}/bulletins/templates/xinfeng-2024/monthly/")
    month = services.preview_period(xinfeng_world)
    count = services.compose(xinfeng_world, "monthly", month).context["project_count"]
    body = page.locator("textarea[name=body]")
    assert "【本期】" in body.input_value() and "{{" not in body.input_value()
    # The list stands beside the editor on a desktop and below it on a phone.
    form_box = page.locator("#tpl-form").bounding_box()
    list_box = page.locator("aside.tpl-placeholders").bounding_box()
    if size == "phone":
        assert list_box["y"] >= form_box["y"] + form_box["height"] - 1
    else:
        assert list_box["x"] >= form_box["x"] + form_box["width"] - 1 and list_box["y"] < form_box["y"] + 200

    page.screenshot(path=str(artifacts / f"bulletin-template-editor-{size}-top.png"))

    # The cursor at the end of the body, a sentence begun, then the placeholder from the list.
    body.click()
    body.evaluate("el => el.setSelectionRange(el.value.length, el.value.length)")
    body.press("End")
    body.type("\n本月在库：")
    page.click("details.tpl-group summary:has-text('项目')")
    page.click("button.tpl-insert[data-insert='【在库项目总数】']")
    page.wait_for_function(
        "() => document.querySelector('textarea[name=body]').value.endsWith('本月在库：【在库项目总数】')"
    )
    assert "已插入 【在库项目总数】 到“正文”" in page.locator("#tpl-inserted").inner_text()
    page.locator("#tpl-preview p.tpl-p", has_text=f"本月在库：{count}").wait_for()
    # No sideways scroll of the page.
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.locator("#tpl-preview").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"bulletin-template-editor-{size}.png"), full_page=True)

    # Saved, the editor comes back at the address it had: the wait is for that navigation.
    with page.expect_navigation(url=re.compile(r"/bulletins/templates/xinfeng-2024/monthly/$")):
        page.click("#tpl-form button[type=submit]")
    page.locator("text=已保存每月战报模板").wait_for()
    saved = BulletinTemplate.objects.get(policy=xinfeng_world, kind="monthly")
    assert saved.body.rstrip().endswith("本月在库：【在库项目总数】")
    assert not problems, problems
    context.close()
