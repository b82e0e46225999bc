"""The project form's enterprise picker on a 375-px phone (issue 11 point 2): the team clerk types
two letters of pinyin, picks the enterprise from the matches with a tap, saves; the project is
filed under it, with the clerk's unit and team that the form prefilled. Keyboard too, on a desktop.

Screenshots of the open picker go to artifacts/.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from zhaoshang.demo.generator import DEMO_PASSWORD

pytestmark = pytest.mark.browser

LOGIN = "xf-team"
ENTERPRISE = "赣州稀土手机测试有限公司"


def _login(page, base):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", LOGIN)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


# Whether a picker's own list shows these names, in this order.
SHOWS = """([input, names]) => JSON.stringify(Array.from(input.closest('[data-typeahead]')
  .querySelectorAll('.typeahead-list [role=option] .typeahead-name')).map((e) => e.textContent))
  === JSON.stringify(names)"""


def _typed(page, box, text: str, delay: int):
    """Types `text` into a picker and waits until its list shows the matches of `text`. The list
    first shows the records a focus loads (the newest, the one to pick among them) and each pause
    in typing loads again; an option found before the last answer is drawn may be picked, and
    that answer then opens the list again."""
    with page.expect_response(
        lambda r: "/lookup/" in r.url and parse_qs(urlsplit(r.url).query).get("q") == [text]
    ) as answer:
        box.press_sequentially(text, delay=delay)
    names = [item["label"] for item in answer.value.json()["results"]]
    page.wait_for_function(SHOWS, arg=[box.element_handle(), names])


def _enterprise(xinfeng_world):
    from django.contrib.auth import get_user_model

    from zhaoshang.ledger.models import Enterprise

    clerk = get_user_model().objects.select_related("membership__team__lead_unit").get(username=LOGIN)
    team = clerk.membership.team
    ent, _ = Enterprise.objects.get_or_create(
        jurisdiction=team.jurisdiction, name=ENTERPRISE, defaults={"unit": team.lead_unit, "team": team}
    )
    return ent, team


def test_phone_pinyin_pick_and_save(phone, live_server, xinfeng_world, artifacts):
    from zhaoshang.ledger.models import Project

    ent, team = _enterprise(xinfeng_world)
    page, base = phone, live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(page, base)
    page.goto(f"{base}/ledger/project/add/")
    page.fill("input[name=name]", "稀土手机登记测试项目")
    box = page.locator("[data-typeahead] input[type=text]")
    box.tap()
    _typed(page, box, "gz", 80)
    option = page.locator(".typeahead-list [role=option]", has_text=ENTERPRISE)
    option.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # Thumb-sized rows.
    assert option.bounding_box()["height"] >= 44
    page.screenshot(path=str(artifacts / "phone-typeahead.png"), full_page=True)
    option.tap()
    assert box.input_value() == ENTERPRISE
    assert page.locator("input[type=hidden][name=enterprise]").input_value() == str(ent.pk)
    assert page.locator(".typeahead-list").is_hidden()
    page.fill("input[name=total_investment]", "1200")
    with page.expect_navigation():
        page.locator("form .actions button[type=submit]").tap()
    assert re.search(r"/ledger/project/\d+/$", page.url), page.locator("[role=alert]").all_inner_texts()
    p = Project.objects.get(name="稀土手机登记测试项目")
    assert (p.enterprise_id, p.unit_id, p.team_id) == (ent.pk, team.lead_unit_id, team.pk)
    assert not errors, errors


def test_desktop_keyboard_pick(chromium, live_server, xinfeng_world, artifacts):
    from playwright.sync_api import expect

    ent, _ = _enterprise(xinfeng_world)
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    _login(page, base)
    page.goto(f"{base}/ledger/project/add/")
    box = page.locator("[data-typeahead] input[type=text]")
    box.focus()
    _typed(page, box, "gzxtsj", 50)
    # Only the one match (the recent records shown on focus are replaced by it).
    expect(page.locator(".typeahead-list [role=option]")).to_have_count(1)
    expect(page.locator(".typeahead-list [role=option]")).to_contain_text(ENTERPRISE)
    box.press("ArrowDown")
    page.screenshot(path=str(artifacts / "desktop-typeahead.png"))
    assert page.locator(".typeahead-list [aria-selected=true]").inner_text().startswith(ENTERPRISE)
    # Enter picks, and does not send the form. A form sent would leave the address as it is until
    # the server answered (and a refused one comes back to it), so the page counts what is sent:
    # a submit event fires before press() returns.
    page.evaluate(
        "() => { window.zsSubmitted = 0; document.addEventListener('submit', () => { window.zsSubmitted += 1; }, true); }"
    )
    box.press("Enter")
    assert page.evaluate("() => window.zsSubmitted") == 0
    assert "/add/" in page.url
    assert page.locator("input[type=hidden][name=enterprise]").input_value() == str(ent.pk)
    # Typing again forgets the pick until the next one.
    box.press("Backspace")
    assert page.locator("input[type=hidden][name=enterprise]").input_value() == ""
    box.press("Escape")
    assert page.locator(".typeahead-list").is_hidden()
    context.close()


def test_phone_projects_signed_at_an_event(phone, live_server, xinfeng_world):
    """Several projects: each pick adds a ticked box; the event is saved with them."""
    from zhaoshang.fieldwork.models import Activity
    from zhaoshang.ledger.models import Project

    ent, team = _enterprise(xinfeng_world)
    project, _ = Project.objects.get_or_create(
        jurisdiction=team.jurisdiction, enterprise=ent, name="稀土推介会签约测试项目",
        defaults={"unit": team.lead_unit, "team": team, "registered_on": "2024-05-01", "total_investment": "800"},
    )  # fmt: skip
    page, base = phone, live_server.url
    _login(page, base)
    page.goto(f"{base}/fieldwork/activity/add/?kind=promotion_event")
    page.fill("input[name=place]", "深圳")
    page.fill("input[name=leader]", "袁炎")
    box = page.locator("[data-typeahead][data-multiple] input[type=text]")
    box.tap()
    _typed(page, box, "xtt", 80)
    option = page.locator(".typeahead-list [role=option]", has_text=project.name)
    option.wait_for()
    option.tap()
    tick = page.locator(f"input[type=checkbox][name=projects_signed][value='{project.pk}']")
    assert tick.is_checked() and box.input_value() == ""
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    with page.expect_navigation():
        page.locator("form .actions button[type=submit]").tap()
    assert re.search(r"/fieldwork/activity/\d+/$", page.url), page.locator("[role=alert]").all_inner_texts()
    event = Activity.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert list(event.projects_signed.all()) == [project]
