"""On a 375-px phone (issue 11 points 5 and 6): publishing an assessment opens a dialog saying the
period locks, 取消 leaves it a draft and 确认 publishes it; deleting a record shows what goes
with it before 确认删除; a file over an input's limit is refused before the form is sent, and
what was typed stays. Screenshots go to artifacts/."""

from __future__ import annotations

import re

import pytest

from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.twofactor.testing import pass_second_factor

pytestmark = pytest.mark.browser

LOGIN = "xf-office"
PHONE = {"width": 375, "height": 740}


DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def office_phone(chromium, live_server, xinfeng_world):
    yield from _office(chromium, live_server, phone=True)


@pytest.fixture
def office_desktop(chromium, live_server, xinfeng_world):
    yield from _office(chromium, live_server, phone=False)


def _office(chromium, live_server, *, phone: bool):
    if phone:
        context = chromium.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
        )
    else:
        context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", LOGIN)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    pass_second_factor(page, LOGIN)
    page.errors = errors
    yield page
    context.close()


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways: {width}px"


def test_the_publish_dialog_on_a_desktop(office_desktop, live_server, xinfeng_world, artifacts):
    from zhaoshang.assessment import services
    from zhaoshang.assessment.models import AssessmentRun

    run = services.run(xinfeng_world, "2024-05")
    page = office_desktop
    page.goto(f"{live_server.url}/assessment/assessmentrun/{run.pk}/")
    page.click("button:has-text('发布并锁定')")
    dialog = page.locator("dialog.confirm-dialog")
    dialog.wait_for(state="visible")
    box = dialog.locator("article").bounding_box()
    assert box["width"] <= 34 * 16 + 1 and box["x"] > 0  # a readable box in the middle, not a strip
    _no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / "desktop-publish-confirm.png"))
    page.keyboard.press("Escape")  # closes the dialog as 取消 does
    dialog.wait_for(state="hidden")
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT
    assert not page.errors, page.errors


def test_publishing_asks_in_a_dialog_first(office_phone, live_server, xinfeng_world, artifacts):
    from zhaoshang.assessment import services
    from zhaoshang.assessment.models import AssessmentRun

    run = services.run(xinfeng_world, "2024-06")
    page = office_phone
    page.goto(f"{live_server.url}/assessment/assessmentrun/{run.pk}/")
    dialog = page.locator("dialog.confirm-dialog")
    assert not dialog.is_visible()
    page.click("button:has-text('发布并锁定')")
    dialog.wait_for(state="visible")
    assert "发布后本期结果锁定，不能再修改。" in dialog.inner_text()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
    _no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / "phone-publish-confirm.png"))
    dialog.locator("button:has-text('取消')").click()
    dialog.wait_for(state="hidden")
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT
    page.click("button:has-text('发布并锁定')")
    dialog.locator("button:has-text('确认发布并锁定')").click()
    page.wait_for_selector("text=已发布并锁定")
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.PUBLISHED
    assert not page.errors, page.errors


def test_deleting_says_what_goes_then_deletes(office_phone, live_server, xinfeng_world, artifacts):
    from zhaoshang.org.models import Jurisdiction, Person

    county = Jurisdiction.objects.get(code="360722")
    person = Person.objects.create(jurisdiction=county, name="手机删除测试", kind="leader")
    page = office_phone
    page.goto(f"{live_server.url}/org/person/{person.pk}/")
    page.click("a:has-text('删除')")
    page.wait_for_url(re.compile(rf"/org/person/{person.pk}/delete/$"))
    text = page.locator("main").inner_text()
    assert "确定删除“手机删除测试”吗？删除后不能撤销。" in text
    assert "只删除这一条人员" in text
    _no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / "phone-delete-confirm.png"), full_page=True)
    page.click("button:has-text('确认删除')")
    page.wait_for_url(re.compile(r"/org/person/$"))
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not page.errors, page.errors


def test_an_over_size_file_is_refused_before_sending_and_the_form_keeps_its_text(
    office_phone, live_server, xinfeng_world, artifacts
):
    from zhaoshang.ledger.models import Project

    project = Project.objects.filter(jurisdiction__code="360722").order_by("pk").first()
    before = project.stage_changes.count()
    page = office_phone
    page.goto(f"{live_server.url}/ledger/project/{project.pk}/stage/")
    page.fill("textarea[name=reason]", "佐证材料过大测试")
    file_input = page.locator("input[type=file][name=evidence]")
    limit = int(file_input.get_attribute("data-max-bytes"))
    assert limit > 0
    page.evaluate("document.querySelector('input[name=evidence]').setAttribute('data-max-bytes', '1024')")
    file_input.set_input_files(
        {"name": "合同.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 " + b"0" * 4096}
    )
    note = page.locator(".upload-limit-error")
    note.wait_for(state="visible")
    assert "超过上限 1 KB" in note.inner_text()
    # Never sent: no request leaves (a sent form would keep this address until the server answered,
    # so the address alone cannot tell), and the page is the same document.
    sent = []
    page.on("request", lambda r: r.method == "POST" and sent.append(r.url))
    page.evaluate("() => { window.zsSamePage = true; }")
    page.click("main form button:has-text('保存')")
    page.wait_for_timeout(500)
    assert not sent, sent
    assert page.evaluate("() => window.zsSamePage === true")
    assert page.url.endswith(f"/ledger/project/{project.pk}/stage/")
    assert page.input_value("textarea[name=reason]") == "佐证材料过大测试"
    page.screenshot(path=str(artifacts / "phone-upload-too-large.png"), full_page=True)
    assert project.stage_changes.count() == before
