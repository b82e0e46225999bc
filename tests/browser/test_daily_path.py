"""Each role's working day in the browser (issue 11 point 8), on a 375-px phone and a 1366-px desk.

- the team clerk (xf-team): logs in, uses the filters, chips, search, sort and paging of every list;
  enters a trip, a visit, a lead and an investment; submits a report that is due;
- the office (xf-office): runs an assessment and checks a holder's explanation, publishes a run
  after a confirmation that says what will happen, opens a ranking down to its clause's text,
  generates a bulletin and opens it from the list;
- the leader (xf-leader): lands on the dashboard, and no menu item answers 403.

One guard (`Day`) watches every response of the browser context (pages, htmx and fetch requests)
and its console: any 4xx/5xx answer, console error or uncaught script error fails the step it
happened in, and so does a page wider than the window (document.documentElement.scrollWidth).
Every step leaves a screenshot in artifacts/daily/<device>-<test>-<nn>-<step>.png.

Selectors are what a person reads (labels, button and link texts, Chinese wording) or a form's
field names, not the markup of tables or cards, which other points of issue 11 change.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.twofactor.testing import pass_second_factor

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}  # conftest.PHONE
DESKTOP = {"width": 1366, "height": 900}
DEVICES = {
    "phone": {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": DESKTOP},
}
CLERK, OFFICE, LEADER = "xf-team", "xf-office", "xf-leader"
COUNT = re.compile(r"共\s*([\d,]+)\s*(?:条|个|项)")
# Whether a type-ahead picker's own list shows these names, in this order.
PICKER_SHOWS = """([input, names]) => JSON.stringify(Array.from(input.closest('[data-typeahead]')
  .querySelectorAll('.typeahead-list [role=option] .typeahead-name')).map((e) => e.textContent))
  === JSON.stringify(names)"""


# --- one browser for the module (conftest.module_chromium), one context per test ---------------


class Day:
    """A page in a phone or desk window, and the guard every step is held to."""

    def __init__(self, browser, device: str, name: str, base: str, artifacts):
        self.device, self.name, self.base = device, name, base
        self.width = DEVICES[device]["viewport"]["width"]
        self.folder = artifacts / "daily"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.context = browser.new_context(locale="zh-CN", accept_downloads=True, **DEVICES[device])
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.steps = 0
        self.context.on("response", self._response)
        self.context.on("console", self._console)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("pageerror", lambda error: self.problems.append(f"脚本错误 {self.page.url}: {error}"))

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def _console(self, message):
        if message.type == "error":
            where = message.location.get("url") or (message.page.url if message.page else "")
            self.problems.append(f"控制台错误 {where}: {message.text}")

    def go(self, path: str):
        self.page.goto(self.base + path)
        self.settle()

    def settle(self):
        """Lets the page finish what it has begun loading. Only after a wait for the specific
        navigation, response or address an action starts: on its own it returns at once, the old
        page being idle already (a click returns before the navigation it starts)."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_load_state("networkidle")

    def login(self, username: str):
        page = self.page
        page.goto(f"{self.base}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        pass_second_factor(page, username)  # 动态口令 for the office and the leader
        self.settle()
        self.step("logged-in")

    def step(self, label: str):
        """The guard: a screenshot, then no 4xx/5xx, console error or sideways scroll so far."""
        self.settle()
        self.steps += 1
        path = self.folder / f"{self.device}-{self.name}-{self.steps:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        problems, self.problems = self.problems, []
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if width > self.width:
            problems.append(f"页面横向滚动：{width}px 宽，窗口 {self.width}px（{self.page.url}）")
        assert not problems, f"第{self.steps}步（{label}）：\n" + "\n".join(problems)

    def main_text(self) -> str:
        return self.page.inner_text("main")

    def count(self) -> int:
        found = COUNT.search(self.main_text())
        assert found, f"列表没有显示“共 N 条”：{self.page.url}"
        return int(found.group(1).replace(",", ""))

    def close(self):
        self.context.close()


@pytest.fixture(scope="module", autouse=True)
def _fresh_screenshots():
    """artifacts/daily holds this run's steps only (conftest.ARTIFACTS is artifacts/)."""
    for old in (Path(__file__).resolve().parents[2] / "artifacts" / "daily").glob("*.png"):
        old.unlink()


@pytest.fixture(params=sorted(DEVICES))
def day(request, module_chromium, live_server, xinfeng_world, artifacts):
    name = re.sub(r"^test_", "", request.node.originalname)[:60]
    d = Day(module_chromium, request.param, name, live_server.url, artifacts)
    yield d
    d.close()


# --- helpers that read like a person filling in a form -----------------------------------------


def choose(scope, name: str, text: str):
    """Picks `text` for the field `name`: an option of a drop-down, or a match a type-ahead field
    offers once part of it is typed (issue 11 point 2: long pickers load matches on demand)."""
    field = scope.locator(f"[name='{name}']").first
    tag = field.evaluate("e => e.tagName.toLowerCase()")
    if tag == "select" and field.is_visible():
        labels = field.locator("option").all_inner_texts()
        match = next((t for t in labels if t.strip() == text), None) or next(
            (t for t in labels if text in t), None
        )
        assert match is not None, f"“{name}”没有选项“{text}”：{labels[:20]}"
        field.select_option(label=match)
        return
    if tag != "select" and field.is_visible():  # a plain text field
        field.fill(text)
        return
    # A type-ahead picker: a visible text box beside the hidden value.
    box = (
        field.locator("xpath=ancestor::*[self::label or self::div or self::fieldset][1]")
        .locator("input:visible:not([type=hidden])")
        .first
    )
    # The list shows the newest records on focus, then the matches of what was typed: the option
    # is taken from the matches (one from the first list would be picked, and the matches then
    # open the list again over the page).
    typed = text[: max(2, len(text) // 2)]
    page = field.page
    with page.expect_response(
        lambda r: "/lookup/" in r.url and parse_qs(urlparse(r.url).query).get("q") == [typed.strip()]
    ) as answer:
        box.fill(typed)
    names = [item["label"] for item in answer.value.json()["results"]]
    page.wait_for_function(PICKER_SHOWS, arg=[box.element_handle(), names])
    page.get_by_role("option", name=re.compile(re.escape(text))).first.click()


def fill_date(field, day_: date):
    kind = (field.get_attribute("type") or "text").lower()
    field.fill(day_.strftime("%Y-%m") if kind == "month" else day_.isoformat())


def fill_period(scope, name: str, year: int, month: int):
    """A 考核期/时期 field: typed (2024-06), or chosen as a year and then a month (2024年 · 6月)."""
    typed = scope.locator(f"input[name='{name}']:visible")
    if typed.count():
        typed.first.fill(f"{year}-{month:02d}")
        return
    pickers = scope.locator(f"select[name^='{name}']")
    if pickers.count() == 1:
        choose(scope, pickers.first.get_attribute("name"), f"{year}年{month}月")
        return
    pickers.nth(0).select_option(label=f"{year}年")
    pickers.nth(1).select_option(label=f"{month}月")


def submit(scope, *names: str):
    for name in names or ("保存", "提交", "生成"):
        button = scope.get_by_role("button", name=name, exact=True)
        if button.count():
            button.first.click()
            return
    raise AssertionError(f"没有找到按钮：{names}")


def confirm_if_asked(day: Day) -> str:
    """Accepts the confirmation a final action asks for (a dialog on the page, or a page of its
    own) and returns what it said; '' when none was asked."""
    page = day.page
    ok = page.get_by_role("button", name=re.compile(r"^(确认|确定)"))
    try:
        ok.first.wait_for(state="visible", timeout=3_000)
    except Exception:  # noqa: BLE001 — none asked
        return ""
    dialog = page.get_by_role("dialog")
    said = dialog.first.inner_text() if dialog.count() and dialog.first.is_visible() else day.main_text()
    day.step("confirmation")
    ok.first.click()
    return said


# --- the team clerk -----------------------------------------------------------------------------


def _lists(clerk) -> list[tuple[str, str, str]]:
    """(list, filter field, a choice that the clerk's records pass) for each list page."""
    from zhaoshang.core.changelog import change_context
    from zhaoshang.fieldwork.models import Activity, Lead, Report
    from zhaoshang.ledger.models import Enterprise, Investment, Project

    def first(model):
        record = model.objects.visible_to(clerk).order_by("pk").first()
        assert record is not None, f"the clerk's team has no {model.__name__} in the demo"
        return record

    team = clerk.membership.team
    if not Lead.objects.visible_to(clerk).exists():  # the smaller demo world may give the team none
        with change_context(source="system"):
            Lead.objects.create(
                jurisdiction=team.jurisdiction,
                unit=team.lead_unit,
                team=team,
                reported_on=date(2024, 6, 3),
                title="某电子企业拟在信丰设厂",
                content="经商会介绍，企业有意向在信丰设立生产基地。",
            )

    return [
        ("/ledger/project/", "stage", first(Project).get_stage_display()),
        ("/ledger/enterprise/", "unit", first(Enterprise).unit.name),
        ("/ledger/investment/", "unit", first(Investment).unit.name),
        ("/fieldwork/activity/", "kind", first(Activity).get_kind_display()),
        ("/fieldwork/report/", "submitted", "是" if first(Report).submitted_at else "否"),
        ("/fieldwork/lead/", "unit", first(Lead).unit.name),
    ]


def _clerk():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.select_related("membership__team__lead_unit").get(username=CLERK)


def test_clerk_uses_every_lists_filters(day):
    from pypinyin import Style, lazy_pinyin

    from zhaoshang.ledger.models import Project

    clerk = _clerk()
    page = day.page
    day.login(CLERK)
    for path, field, choice in _lists(clerk):
        slug = path.strip("/").split("/")[-1]
        day.go(path)
        total = day.count()
        assert total > 0, f"{path}: the clerk's team has records here in the demo"
        day.step(f"{slug}-list")
        page.get_by_text("筛选条件", exact=False).first.click()
        panel = page.locator("details:has(summary:has-text('筛选条件'))").first
        panel.locator(f"[name='{field}']").first.wait_for(state="attached")
        assert day.count() == total, f"{path}: opening 筛选条件 changed the results"
        choose(panel, field, choice)
        page.wait_for_url(re.compile(rf"[?&]{field}="))
        day.settle()
        filtered = day.count()
        assert 0 < filtered <= total, (path, field, choice, filtered, total)
        # A chip says what is applied, and removing it brings every record back.
        chip = page.locator("#results, main").get_by_role("link", name=re.compile(re.escape(choice))).first
        assert chip.is_visible(), f"{path}: no chip for {choice}"
        day.step(f"{slug}-filtered")
        chip.click()
        page.wait_for_function(f"() => !new URL(location.href).searchParams.get('{field}')")
        day.settle()
        assert day.count() == total
        day.step(f"{slug}-chip-removed")

    # Search finds a project by its name, full pinyin and pinyin initials; sort and paging work.
    project = Project.objects.visible_to(clerk).order_by("name").first()
    name = re.sub(r"[^\u4e00-\u9fff]", "", project.name)[:4]
    day.go("/ledger/project/")
    search = page.get_by_role("searchbox").first
    every = day.count()
    queries = {
        "name": name,
        "pinyin": "".join(lazy_pinyin(name)),
        "initials": "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)),
    }
    for how, query in queries.items():
        search.fill(query)
        # htmx searches after a pause in typing and pushes the query into the address.
        page.wait_for_url(lambda url, q=query: parse_qs(urlparse(url).query).get("q") == [q])
        day.settle()
        assert page.get_by_role("link", name=project.name).first.is_visible(), (query, day.main_text())
        assert day.count() < every or every == 1, f"searching {query} left every project listed"
        day.step(f"search-{how}")
    # Emptied, the box searches again after its pause and takes the query out of the address;
    # until then the sort link below still carries the last search.
    search.fill("")
    page.wait_for_url(lambda url: "q" not in parse_qs(urlparse(url).query))
    day.settle()
    assert day.count() == every, "emptying the search box brings every project back"
    page.get_by_role("link", name=re.compile("^签约日期")).first.click()
    page.wait_for_url(re.compile(r"sort="))
    day.step("sorted")


def test_clerk_enters_a_trip_a_visit_a_lead_and_an_investment(day):
    from zhaoshang.fieldwork.models import Activity, Lead
    from zhaoshang.ledger.models import Investment, Project

    clerk = _clerk()
    team = clerk.membership.team
    unit = team.lead_unit
    project = Project.objects.visible_to(clerk).order_by("name").first()
    page = day.page
    day.login(CLERK)
    tag = day.device

    # 外出招商 with two visits.
    day.go("/fieldwork/activity/add/")
    form = page.locator("main form").filter(has=page.locator("[name=kind]")).first
    choose(form, "kind", "外出招商")
    choose(form, "unit", unit.name)
    assert team.name in form.locator("[name=team]").evaluate(
        "e => e.tagName === 'SELECT' ? e.selectedOptions[0].text : e.value"
    ), "the clerk's team is prefilled"
    fill_date(form.locator("[name=date]"), date(2024, 6, 12))
    form.locator("[name=days]").fill("2")
    form.locator("[name=leader]").fill("袁炎")
    choose(form, "region", "珠三角")
    form.locator("[name=place]").fill("深圳")
    form.locator("[name='visits-0-enterprise_name']").fill(f"深圳日常路径{tag}电子有限公司")
    day.step("trip-form")
    submit(form)
    page.wait_for_url(re.compile(r"/fieldwork/activity/\d+/$"))
    assert f"深圳日常路径{tag}电子有限公司" in day.main_text()
    day.step("trip-saved")
    trip = Activity.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert (trip.kind, trip.unit_id, trip.team_id, trip.visits.count()) == (
        "outbound_trip",
        unit.pk,
        team.pk,
        1,
    )

    # 拜访企业 in the county.
    day.go("/fieldwork/activity/add/")
    form = page.locator("main form").filter(has=page.locator("[name=kind]")).first
    choose(form, "kind", "拜访企业")
    choose(form, "unit", unit.name)
    fill_date(form.locator("[name=date]"), date(2024, 6, 20))
    form.locator("[name=enterprise_name]").fill(f"信丰日常路径{tag}食品有限公司")
    form.locator("[name=counterpart]").fill("王总 总经理")
    form.locator("[name=summary]").fill("了解扩产计划")
    day.step("visit-form")
    submit(form)
    page.wait_for_url(re.compile(r"/fieldwork/activity/\d+/$"))
    day.step("visit-saved")
    assert (
        Activity.objects.filter(kind="visit", enterprise_name=f"信丰日常路径{tag}食品有限公司").count() == 1
    )

    # 线索信息.
    day.go("/fieldwork/lead/add/")
    form = page.locator("main form").filter(has=page.locator("[name=title]")).first
    choose(form, "unit", unit.name)
    fill_date(form.locator("[name=reported_on]"), date(2024, 6, 21))
    form.locator("[name=title]").fill(f"日常路径{tag}：某新能源企业拟扩产")
    form.locator("[name=enterprise_name]").fill("赣州日常路径新能源有限公司")
    form.locator("[name=planned_investment]").fill("5000")
    form.locator("[name=content]").fill("该企业计划在赣南新建电池组装线，已初步接触。")
    day.step("lead-form")
    submit(form)
    page.wait_for_url(re.compile(r"/fieldwork/lead/\d+/$"))
    day.step("lead-saved")
    lead = Lead.objects.get(title=f"日常路径{tag}：某新能源企业拟扩产")
    assert (lead.unit_id, lead.team_id) == (unit.pk, team.pk)

    # 实际进资 of one of the team's projects.
    day.go("/ledger/investment/add/")
    form = page.locator("main form").filter(has=page.locator("[name=project]")).first
    choose(form, "project", project.name)
    month = form.locator("[name=month]")
    fill_date(month, date(2024, 11, 1))
    form.locator("[name=amount]").fill("321.5")
    choose(form, "unit", unit.name)
    day.step("investment-form")
    submit(form)
    page.wait_for_url(re.compile(r"/ledger/investment/\d+/$"))
    day.step("investment-saved")
    investment = Investment.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert (investment.project_id, str(investment.amount), investment.unit_id) == (
        project.pk,
        "321.50",
        unit.pk,
    )


def test_clerk_submits_a_report_that_is_due(day):
    from django.utils import timezone

    from zhaoshang.core.changelog import change_context
    from zhaoshang.fieldwork.models import Report

    # The demo's reports are 2024's: one more of the same kind falls due this Friday.
    clerk = _clerk()
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    with change_context(source="system"):
        due = Report.objects.visible_to(clerk).filter(submitted_at__isnull=True).order_by("-due_on").first()
        due.pk = None
        due.covers_start, due.covers_end = monday - timedelta(days=7), monday - timedelta(days=1)
        due.due_on = monday + timedelta(days=4)
        due.save()
    page = day.page
    day.login(CLERK)
    day.go("/")
    # The home page lists what is due; its link opens the report.
    page.locator("main").get_by_role(
        "link", name=re.compile(rf"^(填报|报送|{re.escape(due.name)})")
    ).first.click()
    page.wait_for_url(re.compile(r"/fieldwork/report/\d+/"))
    day.step("report")
    report_pk = int(re.search(r"/fieldwork/report/(\d+)/", page.url).group(1))
    if not page.url.endswith("/edit/"):
        page.get_by_role("link", name=re.compile("^(修改|报送|填报)")).first.click()
        page.wait_for_url(re.compile(r"/edit/$"))
    form = page.locator("main form").filter(has=page.locator("[name=content]")).first
    form.locator("[name=content]").fill("本周走访企业3家，新增线索1条，在谈项目2个。")
    day.step("report-form")
    submit(form, "报送", "提交", "保存")
    page.wait_for_url(re.compile(rf"/fieldwork/report/{report_pk}/$"))
    day.step("report-submitted")
    report = Report.objects.get(pk=report_pk)
    assert report.submitted_at is not None and "走访企业3家" in report.content


# --- the office -----------------------------------------------------------------------------------


def test_office_runs_and_checks_an_assessment(day):
    from zhaoshang.assessment.models import AssessmentRun

    page = day.page
    day.login(OFFICE)
    day.go("/assessment/assessmentrun/")
    page.locator("main").get_by_text("计算考核结果", exact=True).first.click()
    page.wait_for_url(re.compile(r"/assessmentrun/new/"))
    form = page.locator("main form").filter(has=page.locator("[name^=period]")).first
    fill_period(form, "period", 2024, 6)
    day.step("run-form")
    submit(form, "计算", "保存")
    page.wait_for_url(re.compile(r"/assessmentrun/\d+/$"))
    day.step("run-page")
    run = AssessmentRun.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert run.status == "draft"
    text = day.main_text()
    assert "草稿" in text
    # Check a team: its row opens to every rule it scored on, in Chinese.
    top = page.locator("main details").filter(has_text="产业招商兵团").first
    top.locator("summary").click()
    explanation = top.inner_text()
    assert "完成率" in explanation and "目标" in explanation, explanation
    assert not re.search(r"(?<![\d.])0\.\d{3,}", text), "rates are written as percentages"
    assert not re.search(r"(?<![A-Za-z])(team|unit|corps)-\d+", text), "holders by their Chinese names"
    day.step("run-row-open")


def test_office_publishes_an_assessment_after_a_confirmation(day):
    from zhaoshang.assessment import services as assessment
    from zhaoshang.assessment.models import AssessmentRun

    run = assessment.run(_policy(), "2024-06")
    page = day.page
    day.login(OFFICE)
    day.go(f"/assessment/assessmentrun/{run.pk}/")
    day.step("run-draft")
    # The run's page comes back after the publication: the address is the one it already had, so
    # the wait is for that navigation, not for an address (which matches at once, before the post).
    # Its time covers the question, its screenshot and the publication, not one step.
    with page.expect_navigation(url=re.compile(rf"/assessmentrun/{run.pk}/$"), timeout=60_000):
        page.get_by_role("button", name=re.compile("发布")).first.click()
        said = confirm_if_asked(day)
    day.step("run-published")
    assert AssessmentRun.objects.get(pk=run.pk).status == "published"
    assert said, "publishing locks the run: the office is asked first"
    assert "锁定" in said or "不能" in said, said


def _policy():
    from zhaoshang.org.models import Policy

    return Policy.objects.get(name="xinfeng-2024")


def test_office_opens_a_ranking_to_its_clause(day):
    from zhaoshang.assessment import services as assessment

    assessment.publish(assessment.run(_policy(), "2024-06"))
    page = day.page
    day.login(OFFICE)
    day.go("/dashboards/rankings/")
    form = page.locator("main form").filter(has=page.locator("[name=period]")).first
    if form.count():
        choose(form, "period", "2024年6月")
        with page.expect_navigation():  # a plain GET form: the rankings of the period chosen
            submit(form, "查看", "筛选")
        day.settle()
    text = day.main_text()
    assert "暂无考核结果" not in text, text[:500]
    assert not re.search(r"(?<![\d.])0\.\d{3,}", text), "rates are written as percentages"
    assert not re.search(r"(?<![A-Za-z])(team|unit|corps)-\d+", text), "holders by their Chinese names"
    day.step("rankings")
    row = page.locator("main details").filter(has_text="产业招商兵团").first
    row.locator("summary").first.click()
    day.step("ranking-row")
    badge = row.get_by_role("link", name=re.compile(r"^(附件\d|第.+条|§)")).first
    said = badge.inner_text().strip()
    badge.click()
    # The clause's own wording from the document opens over the page.
    clause = page.get_by_role("dialog", name=said)
    clause.wait_for(state="visible")
    assert "原文" in clause.inner_text() and len(clause.inner_text()) > 60, clause.inner_text()
    day.step("clause")


def test_office_generates_a_bulletin_and_opens_it(day):
    from zhaoshang.bulletins.models import Bulletin

    page = day.page
    day.login(OFFICE)
    day.go("/bulletins/")
    form = page.locator("form[action$='/bulletins/new/']").first
    if not form.is_visible():
        page.get_by_text("生成战报、简报或通报").first.click()
    choose(form, "kind", "每月战报")
    fill_period(form, "period", 2024, 6)
    day.step("bulletin-form")
    submit(form, "生成")
    page.wait_for_url(re.compile(r"/bulletins/\d+/$"))
    page.get_by_text("下载 Word").first.wait_for(timeout=60_000)  # Word, Excel and PDF are made first
    day.step("bulletin-generated")
    bulletin = Bulletin.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    # Open it again from the list, as one does the next morning.
    day.go("/bulletins/")
    page.locator("main").get_by_role("link", name=bulletin.title).first.click()
    page.wait_for_url(re.compile(rf"/bulletins/{bulletin.pk}/$"))
    assert bulletin.title in day.main_text()
    with page.expect_download() as info:
        page.get_by_text("下载 Word").first.click()
    assert info.value.suggested_filename.endswith(".docx")
    day.step("bulletin-opened")


# --- the leader ---------------------------------------------------------------------------------


def test_leader_lands_on_the_dashboard_and_meets_no_403(day):
    page = day.page
    day.login(LEADER)
    assert re.search(r"/dashboards/$", page.url), f"the leader landed on {page.url}, not the dashboard"
    page.wait_for_function(
        "() => document.querySelectorAll('[data-chart]').length > 0 && Array.from("
        "document.querySelectorAll('[data-chart]')).every(n => window.echarts && echarts.getInstanceByDom(n))"
    )
    day.step("dashboard")
    # Every page the leader's menus offer opens (no 403 anywhere on the path); the API's browsable
    # pages (/api/) are a developer's tool, not part of the day.
    links = page.evaluate(
        "() => Array.from(document.querySelectorAll('header nav a[href^=\"/\"]'))"
        ".map(a => a.getAttribute('href')).filter(h => !/^\\/(logout|api)\\//.test(h))"
    )
    for href in dict.fromkeys(links):
        day.go(href)
        day.step("menu-" + (href.strip("/").replace("/", "-") or "home"))
