"""Every list page the menus lead to, as the office and as a team clerk, on a 375-px phone and a
1366-px desktop: the 筛选条件 panel opens and shows its form (the results stay), one filter narrows
the list and shows as a chip in the address, the chip takes it off again, the list sorts and
pages keeping what was chosen. On the phone the rows are cards whose title opens the record, and
the page never scrolls sideways. Any 4xx/5xx answer or console error fails the test.

Screenshots of the project list go to artifacts/ (list-<role>-<viewport>*.png)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import Resolver404, resolve

from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.twofactor.testing import pass_second_factor

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1366, "height": 900}
ROLES = {"office": "xf-office", "team_clerk": "xf-team"}
# Lists every role's daily work goes through: the menus must lead to them.
DAILY = {"ledger:project_list", "ledger:enterprise_list", "ledger:investment_list", "fieldwork:activity_list",
         "fieldwork:report_list"}  # fmt: skip
MAX_TRIES = 8  # filter values tried before giving up on narrowing a list


class Watch:
    """Every answer of 400 or more and every console error of one page."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"JS error: {exc}"))

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"{response.status} {response.request.method} {response.url}")

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console: {message.text} ({message.location.get('url', '')})")

    def check(self, where: str):
        assert not self.problems, f"{where}:\n" + "\n".join(self.problems)


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    pass_second_factor(page, username)


def _menu_lists(page, base) -> dict[str, str]:
    """{route name: path} of the generic list pages the header's menus link to."""
    from zhaoshang.core.views import ObjectListView

    page.goto(f"{base}/")
    found = {}
    for href in page.eval_on_selector_all(
        "header nav a[href]", "els => els.map(e => e.getAttribute('href'))"
    ):
        path = urlsplit(href).path
        try:
            match = resolve(path)
        except Resolver404:
            continue
        view = getattr(match.func, "view_class", None)
        if view is not None and issubclass(view, ObjectListView) and _generic(view.template_name):
            found[match.view_name] = path
    return found


def _generic(template_name: str) -> bool:
    """Whether the page is drawn by core/object_list.html (itself, or a template extending it)."""
    from django.template.loader import get_template

    if template_name == "core/object_list.html":
        return True
    source = get_template(template_name).template.source
    return '{% extends "core/object_list.html" %}' in source


def _count(page) -> int:
    return int(re.search(r"共 (\d+) 条", page.inner_text("#results .list-count")).group(1))


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def _redrawn(page, action):
    """Runs `action` (which changes the filter form) and waits until htmx has redrawn the results
    and pushed the address."""
    before = page.url
    with page.expect_response(
        lambda r: r.request.headers.get("hx-request") == "true" and "_filters" not in r.url
    ):
        action()
    page.wait_for_function("before => window.location.href !== before", arg=before)
    page.wait_for_selector("#results .list-count")
    page.wait_for_load_state("networkidle")


def _follow(page, link):
    """Clicks a plain link (a chip, a column header, 下一页) and waits for the page it opens: a
    click returns before the navigation it starts, and the old page is already idle. The wait is
    for the link's own address: the click takes the focus from a search box that was typed in,
    whose change sends the form once more, and htmx may push that answer's address (the page's
    own) before the link's page arrives; Playwright counts a push as a navigation too."""
    target = urlsplit(link.evaluate("a => a.href"))  # as the browser resolves it ("?" included)
    expected = (target.path, parse_qs(target.query, keep_blank_values=True))

    def opened(url: str) -> bool:
        parts = urlsplit(url)
        return (parts.path, parse_qs(parts.query, keep_blank_values=True)) == expected

    with page.expect_navigation(url=opened, wait_until="networkidle"):
        link.click()


def _through_history(page, step, where: str):
    """Goes back or forward (`step`: page.go_back or page.go_forward) and waits until htmx has
    drawn that entry's list. The address changes first; htmx then restores the page from its
    history cache, or on a miss asks the server for it, so an address alone says nothing of the
    list. `where` tells the entry's address."""
    page.evaluate(
        """() => {
        window.zsRestored = false;
        document.addEventListener("htmx:historyRestore", () => { window.zsRestored = true; }, {once: true});
    }"""
    )
    step()
    page.wait_for_function(where)
    page.wait_for_function("() => window.zsRestored === true")
    page.wait_for_load_state("networkidle")


def _open_panel(page, name):
    page.click("form.list-filters details.filter-panel > summary")
    page.wait_for_selector("form.list-filters details[open] .filters", state="visible")
    fields = page.eval_on_selector_all(
        "form.list-filters .filters select, form.list-filters .filters input:not([type=hidden])",
        "els => els.map(e => e.name)",
    )
    assert fields, f"{name}: the filter form shows no field"
    return fields


def _apply_one_filter(page, name, total) -> tuple[str, str]:
    """Chooses, in the panel's drop-downs, a value that narrows the list; returns (field, value)."""
    selects = page.eval_on_selector_all(
        "form.list-filters .filters select:not([multiple])",
        "els => els.map(e => [e.name, Array.from(e.options).map(o => o.value).filter(v => v !== '' && v !== 'unknown')])",
    )
    tries, chosen = 0, None
    for field, values in selects:
        # From the middle of the list: the first choices are often the biggest or empty ones.
        for value in (values[len(values) // 2 :] + values[: len(values) // 2])[: MAX_TRIES - tries]:
            tries += 1
            chosen = field
            _redrawn(
                page, lambda f=field, v=value: page.select_option(f"form.list-filters select[name='{f}']", v)
            )
            if _count(page) < total:
                return field, value
        if chosen is not None:
            # Back to no choice in this field before the next one.
            _redrawn(
                page, lambda f=chosen: page.select_option(f"form.list-filters select[name='{f}']", index=0)
            )
            chosen = None
    # A list too short for its drop-downs to narrow (one policy file): a search for nothing does.
    search = page.locator("form.list-filters input[name=q]")
    if search.count():
        _redrawn(page, lambda: search.fill("无此记录"))
        return "q", "无此记录"
    pytest.fail(f"{name}: no value of the panel's drop-downs narrows the {total} rows ({tries} tried)")


def _walk_list(page, base, route, path, phone, watch, shots=None):
    name = f"{route} ({path})"
    response = page.goto(base + path)
    assert response.status == 200, name
    page.wait_for_load_state("networkidle")
    total = _count(page)
    if phone:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name}: the page scrolls sideways on a phone ({width}px)"
    has_form = page.locator("form.list-filters").count() > 0
    if has_form:
        # The panel: its form appears, the results stay as they were.
        _open_panel(page, name)
        assert page.locator("#results table").count() == 1, f"{name}: opening 筛选条件 emptied the results"
        assert _count(page) == total, name
        assert "_filters" not in page.url, f"{name}: the panel's loader pushed its address"
        if total > 0:
            field, value = _apply_one_filter(page, name, total)
            narrowed = _count(page)
            assert narrowed < total, name
            query = _query(page)
            assert query.get(field) == [value], f"{name}: the address lacks the filter: {page.url}"
            assert all(v.strip() for vs in query.values() for v in vs), (
                f"{name}: empty parameters: {page.url}"
            )
            chips = page.locator("#results .chips a.chip:not(.chip-clear)")
            assert chips.count() == 1, f"{name}: one filter, one chip"
            label = (
                "搜索"
                if field == "q"
                else page.eval_on_selector(
                    f"form.list-filters [name='{field}']",
                    "e => e.closest('label').firstChild.textContent.trim()",
                )
            )
            assert chips.first.inner_text().startswith(f"{label}："), name
            assert page.locator("#results .chips a.chip-clear").inner_text() == "清除全部"
            if shots:
                page.screenshot(path=str(shots("filtered")), full_page=True)
            # The chip takes the filter off.
            _follow(page, chips.first)
            assert field not in _query(page), name
            assert page.locator("#results .chip").count() == 0 and _count(page) == total, name
    # Sort by the first sortable column, then page on in that order.
    sortable = page.locator("#results thead th.sortable a")
    if sortable.count():
        _follow(page, sortable.first)
        sort = _query(page).get("sort")
        assert sort, f"{name}: sorting left no trace in the address"
        assert "↑" in page.locator("#results thead th.sortable").first.inner_text(), name
        assert _count(page) == total, name
        if has_form:
            assert page.locator("form.list-filters input[name=sort]").get_attribute("value") == sort[0]
        following = page.locator("#results .pagination a[rel=next]")
        if following.count():
            first_row = page.locator("#results tbody tr").first.inner_text()
            _follow(page, following)
            query = _query(page)
            assert query.get("page") == ["2"] and query.get("sort") == sort, f"{name}: {page.url}"
            assert "第 2 /" in page.inner_text("#results .pagination"), name
            assert page.locator("#results tbody tr").first.inner_text() != first_row, name
    if phone:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name}: the page scrolls sideways on a phone ({width}px)"
        if shots:
            page.screenshot(path=str(shots("cards")), full_page=True)
        title = page.locator("#results tbody tr td.card-title a").first
        if title.count():
            # Cards: no table header row (the sortable headers are links above the cards), the
            # title on top of its card, the other fields labelled; the title opens the record.
            headers = page.eval_on_selector_all(
                "#results thead th",
                "els => els.map(e => [e.classList.contains('sortable'), e.offsetParent !== null])",
            )
            assert all(shown == sortable for sortable, shown in headers), f"{name}: {headers}"
            labels = page.eval_on_selector_all(
                "#results tbody tr:first-child td[data-label]:not(.card-title):not(:empty)",
                "els => els.map(e => getComputedStyle(e, '::before').content)",
            )
            assert labels and all(label not in ("none", '""') for label in labels), f"{name}: {labels}"
            box, row = title.bounding_box(), page.locator("#results tbody tr").first.bounding_box()
            assert box["y"] - row["y"] < 20 and box["x"] + box["width"] <= PHONE["width"], name
            href = title.get_attribute("href")
            title.click()
            page.wait_for_url(lambda url: urlsplit(url).path == href)
            assert page.locator("h1").count(), name
    watch.check(name)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("role", list(ROLES))
def test_every_list_page_filters_sorts_and_pages(
    role, viewport, chromium, live_server, xinfeng_world, artifacts
):
    phone = viewport == "phone"
    context = chromium.new_context(
        viewport=PHONE if phone else DESKTOP,
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        locale="zh-CN",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = Watch(page)
    base = live_server.url
    _login(page, base, ROLES[role])
    lists = _menu_lists(page, base)
    assert DAILY <= set(lists), f"the menus lack {DAILY - set(lists)}"
    watch.check("home")
    for route, path in sorted(lists.items()):
        shots = None
        if route == "ledger:project_list":
            shots = lambda what: artifacts / f"list-{role}-{viewport}-{what}.png"  # noqa: E731
        _walk_list(page, base, route, path, phone, watch, shots)
    context.close()


def test_filters_search_and_history_work_together(chromium, live_server, xinfeng_world):
    """On the project list: a filter and a search redraw the list together, 清除全部 takes both off
    and keeps the sort, and the browser's back and forward buttons step through them."""
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = Watch(page)
    base = live_server.url
    _login(page, base, ROLES["office"])
    page.goto(f"{base}/ledger/project/?sort=-total_investment")
    total = _count(page)
    _open_panel(page, "项目")
    stage = page.eval_on_selector_all(
        "form.list-filters select[name=stage] option", "els => els.map(e => e.value).filter(Boolean)"
    )
    counts = {}
    for value in stage:
        _redrawn(page, lambda v=value: page.select_option("form.list-filters select[name=stage]", v))
        counts[value] = _count(page)
        if 0 < counts[value] < total:
            break
    value = next(v for v, n in counts.items() if 0 < n < total)
    by_stage = counts[value]
    assert _query(page) == {"sort": ["-total_investment"], "stage": [value]}
    assert page.inner_text("details.filter-panel > summary") == "筛选条件（已选 1 项）"
    # A search word narrows the filtered list again and keeps the filter and the sort.
    word = page.locator("#results tbody tr td.card-title a").first.inner_text()[:2]
    _redrawn(page, lambda: page.fill("form.list-filters input[name=q]", word))
    searched = _count(page)
    assert 0 < searched <= by_stage
    assert _query(page) == {"sort": ["-total_investment"], "stage": [value], "q": [word]}
    labels = page.locator("#results .chips a.chip:not(.chip-clear)").all_inner_texts()
    assert len(labels) == 2 and any(t.startswith("搜索：") for t in labels)
    # 导出 Excel exports what the list now shows.
    export = parse_qs(urlsplit(page.get_attribute("a[data-list-query]", "href")).query)
    assert export == {"sort": ["-total_investment"], "stage": [value], "q": [word]}
    # Back: the filter without the word; back again: the whole list; forward: the filter again.
    _through_history(page, page.go_back, "() => !window.location.search.includes('q=')")
    assert _count(page) == by_stage
    _through_history(page, page.go_back, "() => !window.location.search.includes('stage=')")
    assert _count(page) == total and page.locator("#results .chip").count() == 0
    _through_history(page, page.go_forward, "() => window.location.search.includes('stage=')")
    assert _count(page) == by_stage
    _through_history(page, page.go_forward, "() => window.location.search.includes('q=')")
    assert _count(page) == searched
    # 清除全部: everything off but the order.
    _follow(page, page.locator("#results .chips a.chip-clear"))
    assert _query(page) == {"sort": ["-total_investment"]} and _count(page) == total
    assert page.input_value("form.list-filters input[name=q]") == ""
    watch.check("project list")
    context.close()
