"""The issue-13 screens as the county's office and a team clerk use them, on a 375-px phone and a
1366-px desktop: the target-enterprise library (台账 → 目标企业库: the filter panel narrows the list
by 产业链, a target's page, the office adds a target by its form, logs a contact, and 转入线索 moves
it into the pipeline), packaged projects and the merchant library (lists filter by chain, the
office packages a project, the chain progress page lists each chain and says what the policy sets
as quota: 「政策文件未规定数量」 for xinfeng-2024, 不少于5 / 10以上 / 不少于20 for xiayi-2023-2025),
and the chain map (the ECharts canvas is drawn, a segment row loads its records, 目标企业 among
them, through htmx).

Any 4xx/5xx answer, page error or console error fails a test (a refusal of the
Content-Security-Policy among them, as in conftest.py's `chromium`). On the phone the page never
scrolls sideways; only the chain map scrolls inside its own box. Screenshots go to artifacts/
(chainlib-<screen>-<viewport>.png)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.twofactor.testing import pass_second_factor

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1366, "height": 900}
VIEWPORTS = ["phone", "desktop"]


class Watch:
    """Every answer of 400 or more, page error and console error of one page."""

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


def _open(chromium, live_server, username: str, viewport: str):
    if viewport == "phone":
        context = chromium.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
        )
    else:
        context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    watch = Watch(page)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    pass_second_factor(page, username)
    return context, page, watch


def _fits(page, viewport: str):
    """On the phone: the page does not scroll sideways (the chain map scrolls inside its box)."""
    if viewport != "phone":
        return
    width = page.evaluate("document.documentElement.scrollWidth")
    # A mobile Chromium widens its layout viewport (and window.innerWidth) to content that
    # overflows, so the window's own 375 px is the measure, not innerWidth alone.
    inner = min(page.evaluate("window.innerWidth"), page.viewport_size["width"])
    assert width <= inner + 1, f"{page.url} scrolls sideways on a phone: {width}px > {inner}px"


def _clickable(page, selector: str):
    """The button is there, visible, inside the window's width and not covered by anything."""
    button = page.locator(selector).first
    button.scroll_into_view_if_needed()
    assert button.is_visible(), f"{selector} is not visible on {page.url}"
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 1, (
        f"{selector} lies outside the window on {page.url}: {box}"
    )
    button.click(trial=True)  # Playwright's actionability checks: visible, stable, receives events
    return button


def _count(page) -> int:
    return int(re.search(r"共 (\d+) 条", page.inner_text("#results .list-count")).group(1))


def _redrawn(page, action):
    """Runs `action` (a change of the filter form) and waits for htmx's new results."""
    with page.expect_response(
        lambda r: r.request.headers.get("hx-request") == "true" and "_filters" not in r.url
    ):
        action()
    page.wait_for_selector("#results .list-count")
    page.wait_for_load_state("networkidle")


def _open_panel(page):
    page.click("form.list-filters details.filter-panel > summary")
    page.wait_for_selector("form.list-filters details[open] .filters", state="visible")


def _filter_by_chain(page, chain_pk: int) -> int:
    """Opens 筛选条件, picks the chain, returns the new count (the results were redrawn)."""
    _open_panel(page)
    chain = page.locator("form.list-filters select[name=chain]")
    assert chain.is_visible()
    _redrawn(page, lambda: chain.select_option(str(chain_pk)))
    assert f"chain={chain_pk}" in page.url, page.url
    return _count(page)


def _menu(page, base, label: str, path: str):
    """台账 → `label` from the header's menu, as a person would."""
    page.goto(f"{base}/")
    page.click("header nav summary:has-text('台账')")
    page.click(f"header nav a:has-text('{label}')")
    page.wait_for_url(re.compile(re.escape(path) + r"$"))
    page.wait_for_load_state("networkidle")


# --- 目标企业库 --------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_office_works_the_target_library(chromium, live_server, xinfeng_world, artifacts, viewport):
    from django.contrib.auth import get_user_model

    from zhaoshang.chains.models import IndustryChain
    from zhaoshang.targets.models import TargetContact, TargetEnterprise

    base = live_server.url
    chain = (
        IndustryChain.objects.filter(policy=xinfeng_world, targets__isnull=False)
        .order_by("pk")
        .distinct()
        .first()
    )
    assert chain is not None, "the demo world has no targets on its chains"
    name = f"浏览器测试{'手机' if viewport == 'phone' else '桌面'}新材料科技有限公司"
    context, page, watch = _open(chromium, live_server, "xf-office", viewport)

    # 台账 → 目标企业库: the list, then 筛选条件 → 产业链 narrows it to that chain's targets.
    _menu(page, base, "目标企业库", "/targets/targetenterprise/")
    total = _count(page)
    office = get_user_model().objects.get(username="xf-office")
    assert total == TargetEnterprise.objects.visible_to(office).count() > 0
    _fits(page, viewport)
    narrowed = _filter_by_chain(page, chain.pk)
    assert 0 < narrowed < total, f"filtering by {chain.name}: {narrowed} of {total}"
    assert narrowed == TargetEnterprise.objects.filter(chain=chain).count()
    first = TargetEnterprise.objects.filter(chain=chain).order_by("name", "id").first()
    assert first.name in page.inner_text("#results")
    _fits(page, viewport)
    page.screenshot(path=str(artifacts / f"chainlib-targets-{viewport}.png"), full_page=True)

    # A target's page: its stage and contacts.
    page.click(f"#results a:has-text('{first.name}')")
    page.wait_for_url(re.compile(rf"/targets/targetenterprise/{first.pk}/$"))
    assert first.name in page.inner_text("h1")
    assert "招商进度" in page.inner_text("main") and "接触记录" in page.inner_text("main")
    _fits(page, viewport)

    # The office adds a target by the form.
    page.goto(f"{base}/targets/targetenterprise/")
    _clickable(page, "main a[role=button]:has-text('新建')").click()
    page.wait_for_url(re.compile(r"/targets/targetenterprise/add/$"))
    form = page.locator("main form").first
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=chain]").select_option(str(chain.pk))
    form.locator("input[name=region]").fill("广东深圳")
    form.locator("input[name=source]").fill("商会推荐")
    team = chain.lead_team if getattr(chain, "lead_team_id", None) else None
    if team is not None:
        form.locator("select[name=team]").select_option(str(team.pk))
    else:
        form.locator("select[name=team]").select_option(index=1)
    _fits(page, viewport)
    _clickable(page, "main form button[type=submit]:has-text('保存')").click()
    page.wait_for_url(re.compile(r"/targets/targetenterprise/\d+/$"))
    target = TargetEnterprise.objects.get(name=name)
    assert target.chain_id == chain.pk and target.team_id is not None
    assert name in page.inner_text("h1")
    assert "暂无" in page.inner_text("main")  # no contact yet

    # 登记接触: a contact (联系记录) on the target's page.
    page.click("main a[role=button]:has-text('登记接触')")
    page.wait_for_url(re.compile(r"/targets/targetcontact/add/"))
    form = page.locator("main form").first
    assert form.locator("select[name=target]").input_value() == str(target.pk)
    form.locator("input[name=contacted_on]").fill(timezone.localdate().isoformat())
    form.locator("select[name=kind]").select_option(index=1)
    form.locator("input[name=person]").fill("王经理")
    summary = "电话联系投资部，对方有在华中设厂计划，约定下月来县考察"
    form.locator("textarea[name=summary]").fill(summary)
    _fits(page, viewport)
    _clickable(page, "main form button[type=submit]:has-text('保存')").click()
    page.wait_for_url(lambda url: "/add/" not in url)
    assert TargetContact.objects.filter(target=target, person="王经理").count() == 1
    page.goto(f"{base}/targets/targetenterprise/{target.pk}/")
    assert summary[:20] in page.inner_text("main"), "the contact is not listed on the target's page"
    assert "王经理" in page.inner_text("main")

    # 转入线索: the lead is made, the target shows it.
    _fits(page, viewport)
    _clickable(page, "main button:has-text('转入线索')").click()
    page.wait_for_url(re.compile(r"/fieldwork/lead/\d+/$"))
    assert "已将" in page.inner_text("body") and name in page.inner_text("body")
    target.refresh_from_db()
    assert target.lead_id is not None
    page.goto(f"{base}/targets/targetenterprise/{target.pk}/")
    main = page.inner_text("main")
    assert "查看线索" in main and page.locator("main button:has-text('转入线索')").count() == 0
    _fits(page, viewport)
    page.screenshot(path=str(artifacts / f"chainlib-target-lead-{viewport}.png"), full_page=True)
    watch.check(f"target library ({viewport})")
    context.close()


# --- 招商项目包, 客商库, 产业链招商进度 -------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_packages_merchants_and_the_progress_page(chromium, live_server, xinfeng_world, artifacts, viewport):
    from zhaoshang.chains.models import IndustryChain
    from zhaoshang.packages import progress
    from zhaoshang.packages.models import Merchant, ProjectPackage

    base = live_server.url
    today = timezone.localdate()
    chains = list(IndustryChain.objects.filter(policy=xinfeng_world).order_by("pk"))
    assert chains, "the demo world has no chains"
    name = f"浏览器测试{'手机' if viewport == 'phone' else '桌面'}智能装备产业园项目"
    context, page, watch = _open(chromium, live_server, "xf-office", viewport)

    # 招商项目包: the list, filtered by a chain.
    _menu(page, base, "招商项目包", "/packages/projectpackage/")
    total = _count(page)
    assert total == ProjectPackage.objects.count() and total > 0
    _fits(page, viewport)
    chain = next(c for c in chains if 0 < ProjectPackage.objects.filter(chain=c).count() < total)
    narrowed = _filter_by_chain(page, chain.pk)
    assert narrowed == ProjectPackage.objects.filter(chain=chain).count() < total
    _fits(page, viewport)
    page.screenshot(path=str(artifacts / f"chainlib-packages-{viewport}.png"), full_page=True)

    # The office packages a project (新建): it appears in the chain's list, one more, and on the
    # progress page.
    before = {r.chain.pk: r.packages.value for r in progress.chain_progress(xinfeng_world, chains, today)}
    _clickable(page, "main a[role=button]:has-text('新建')").click()
    page.wait_for_url(re.compile(r"/packages/projectpackage/add/$"))
    form = page.locator("main form").first
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=chain]").select_option(str(chain.pk))
    form.locator("input[name=investment]").fill("50000")
    form.locator("textarea[name=needs]").fill("寻求整机制造企业合资建设")
    form.locator("input[name=packaged_on]").fill(timezone.localdate().isoformat())
    _fits(page, viewport)
    _clickable(page, "main form button[type=submit]:has-text('保存')").click()
    page.wait_for_url(re.compile(r"/packages/projectpackage/\d+/$"))
    assert name in page.inner_text("h1")
    assert ProjectPackage.objects.filter(name=name, chain=chain).count() == 1
    page.goto(f"{base}/packages/projectpackage/?chain={chain.pk}")
    assert _count(page) == narrowed + 1
    assert name in page.inner_text("#results")

    # 客商库: the list, filtered by a chain.
    _menu(page, base, "客商库", "/packages/merchant/")
    total = _count(page)
    assert total == Merchant.objects.count() and total > 0
    _fits(page, viewport)
    chain_m = next(c for c in chains if 0 < Merchant.objects.filter(chain=c).count() < total)
    narrowed = _filter_by_chain(page, chain_m.pk)
    assert narrowed == Merchant.objects.filter(chain=chain_m).count() < total
    _fits(page, viewport)

    # 产业链招商进度: every chain of the policy, with what the document sets as quota.
    _menu(page, base, "产业链招商进度", "/packages/progress/")
    text = page.inner_text("#progress")
    for c in chains:
        assert c.name in text, f"{c.name} is not on the progress page"
    # xinfeng-2024 sets no number for these libraries (xiayi-2023-2025 does: 不少于…).
    assert text.count("政策文件未规定数量") == 3, text[:400]
    row = page.locator("#progress tbody tr", has_text=chain.name).first
    cell = row.locator("td[data-label='招商项目包']").inner_text().strip()
    assert cell == str(before[chain.pk] + 1), f"{chain.name}: {cell!r}, {before[chain.pk]} before"
    _clickable(page, "#progress tbody tr a")
    _fits(page, viewport)
    page.screenshot(path=str(artifacts / f"chainlib-progress-{viewport}.png"), full_page=True)
    watch.check(f"packages and merchants ({viewport})")
    context.close()


# --- 招商图谱 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_clerk_reads_the_chain_map(chromium, live_server, xinfeng_world, artifacts, viewport):
    from zhaoshang.chains.models import ChainSegment
    from zhaoshang.targets.models import TargetEnterprise

    base = live_server.url
    context, page, watch = _open(chromium, live_server, "xf-team", viewport)
    from django.contrib.auth import get_user_model

    clerk = get_user_model().objects.get(username="xf-team")
    visible = TargetEnterprise.objects.visible_to(clerk).filter(
        segment__isnull=False, dropped_on__isnull=True, segment__chain__policy=xinfeng_world
    )
    target = visible.order_by("pk").first()
    assert target is not None, "xf-team sees no target placed on a segment"
    segment = ChainSegment.objects.select_related("chain").get(pk=target.segment_id)
    chain = segment.chain

    page.goto(f"{base}/chains/industrychain/{chain.pk}/")
    assert chain.name in page.inner_text("h1")
    # ECharts draws the graph into a canvas of the map's size.
    page.wait_for_selector("#chain-map canvas")
    size = page.evaluate(
        "() => { const c = document.querySelector('#chain-map canvas'); return [c.width, c.height]; }"
    )
    assert size[0] > 300 and size[1] > 300, f"the chain map's canvas is {size}"
    # ECharts animates the graph in: wait until at least a segment box (150 × 56) is painted.
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    painted = """() => { const c = document.querySelector('#chain-map canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""
    try:  # a function, not an expression: the page's CSP refuses eval
        page.wait_for_function(f"least => ({painted})() > least", arg=8000, timeout=10_000)
    except PlaywrightTimeout:
        pytest.fail(f"the chain map's canvas stays empty ({page.evaluate(painted)} painted pixels)")
    # On the phone the map scrolls inside its box, the page does not.
    _fits(page, viewport)
    if viewport == "phone":
        inner = page.evaluate(
            "() => { const s = document.querySelector('.chain-scroll'); return [s.scrollWidth, s.clientWidth]; }"
        )
        assert inner[0] > inner[1], f"the chain map does not scroll inside its box: {inner}"

    # A segment's row: its records (目标企业 among them) come through htmx, the page stays.
    url = page.url
    link = page.locator(f"main table a[hx-get$='/segment/{segment.pk}/records/']")
    link.scroll_into_view_if_needed()
    with page.expect_response(lambda r: f"/segment/{segment.pk}/records/" in r.url):
        link.click()
    panel = page.locator("#segment-records .segment-records")
    panel.wait_for()
    assert page.url == url, "the segment's link left the page instead of loading the panel"
    text = panel.inner_text()
    assert segment.name in text and "目标企业" in text
    assert target.name in text, f"{target.name} is not among the segment's 目标企业"
    _fits(page, viewport)
    page.screenshot(path=str(artifacts / f"chainlib-chainmap-{viewport}.png"), full_page=True)

    # The target's link in the panel opens its page.
    panel.locator(f"a:has-text('{target.name}')").first.click()
    page.wait_for_url(re.compile(rf"/targets/targetenterprise/{target.pk}/$"))
    watch.check(f"chain map ({viewport})")
    context.close()


# --- 产业链招商进度 against a document that sets quotas ----------------------------------------------


@pytest.fixture
def xiayi_world(live_server, transactional_db):
    """xiayi-2023-2025 (its chains, with quotas: 不少于5 packages, 10以上 firms, 不少于20 targets), its
    demo packages and targets, and an administrator who may see it (with a second factor)."""
    from django.contrib.auth import get_user_model

    from zhaoshang.core.changelog import change_context
    from zhaoshang.engine import find_policy, load_policy
    from zhaoshang.org.services import policy_load
    from zhaoshang.packages.demo import seed as seed_packages
    from zhaoshang.targets.demo import seed as seed_targets
    from zhaoshang.twofactor.testing import device_for_login

    with change_context(source="system"):
        policy = policy_load(spec=load_policy(find_policy("xiayi-2023-2025"))).policy
        seed_packages(policy=policy)
        seed_targets(policy=policy)
    admin = get_user_model().objects.create_superuser("chainlib-admin", "", DEMO_PASSWORD)
    device_for_login(admin)
    return policy


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_progress_page_shows_the_documents_quotas(
    chromium, live_server, xiayi_world, artifacts, viewport
):
    from zhaoshang.chains.models import IndustryChain
    from zhaoshang.packages import progress

    chains = list(IndustryChain.objects.filter(policy=xiayi_world).order_by("pk"))
    assert chains
    rows = {r.chain.pk: r for r in progress.chain_progress(xiayi_world, chains, timezone.localdate())}
    context, page, watch = _open(chromium, live_server, "chainlib-admin", viewport)
    page.goto(f"{live_server.url}/packages/progress/?policy={xiayi_world.pk}")
    head = page.inner_text("#progress ul.muted")
    assert "不少于5" in head and "§三(二)" in head and "10以上" in head and "不少于20" in head, head
    assert "政策文件未规定数量" not in head
    for chain in chains:
        row = page.locator("#progress tbody tr", has_text=chain.name).first
        cell = row.locator("td[data-label='招商项目包']").inner_text()
        r = rows[chain.pk]
        assert cell.startswith(f"{r.packages.value} / 不少于5"), f"{chain.name}: {cell!r}"
        assert ("已完成" if r.packages.met else "未完成") in cell
        targets = row.locator("td[data-label='目标企业库']").inner_text()
        assert targets.startswith(f"{r.targets.value} / 不少于20"), f"{chain.name}: {targets!r}"
    # The policy drop-down is there and usable; the page fits the phone.
    _clickable(page, "form.list-filters select[name=policy]")
    _fits(page, viewport)
    page.screenshot(path=str(artifacts / f"chainlib-progress-quota-{viewport}.png"), full_page=True)
    watch.check(f"progress with quotas ({viewport})")
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_office_imports_a_target_list(
    chromium, live_server, xinfeng_world, artifacts, tmp_path, viewport
):
    """目标企业库 → Excel 导入: the office uploads a list, reads the preview (a row the same as a
    target already in the library is an update, one alike an earlier row is 疑似重复 with a choice),
    decides, presses 确认导入, and the list has the new targets."""
    from openpyxl import Workbook

    from zhaoshang.targets.models import TargetEnterprise

    base = live_server.url
    known = TargetEnterprise.objects.filter(jurisdiction__code="360722").order_by("pk").first()
    tag = "手机" if viewport == "phone" else "桌面"
    wb = Workbook()
    ws = wb.active
    ws.append(["企业名称", "统一社会信用代码", "所属榜单", "所在地区", "来源"])
    ws.append([f"浏览器导入{tag}精密电路科技有限公司", "", "上市公司", "广东深圳", "购买名录"])
    ws.append([f"浏览器导入{tag}精密电子路科技有限公司", "", "", "广东东莞", "购买名录"])  # alike row 2
    ws.append([known.name, known.uscc, "", "浙江宁波", "上级推送"])  # the same as a target
    path = tmp_path / "名录.xlsx"
    wb.save(path)

    context, page, watch = _open(chromium, live_server, "xf-office", viewport)
    page.goto(f"{base}/targets/targetenterprise/")
    before = _count(page)
    _clickable(page, "main a[role=button]:has-text('Excel 导入')").click()
    page.wait_for_url(re.compile(r"/targets/targetenterprise/import/$"))
    page.set_input_files("main form input[type=file]", str(path))
    _clickable(page, "main form button:has-text('上传并预览')").click()
    page.wait_for_selector("[role=status]")
    status = page.inner_text("[role=status]")
    assert "共 3 行" in status and "新增 1" in status and "更新 1" in status and "跳过 1" in status, status
    assert "疑似" in page.inner_text("main table")
    assert not TargetEnterprise.objects.filter(name__startswith=f"浏览器导入{tag}").exists()  # a preview
    _fits(page, viewport)
    page.screenshot(path=str(artifacts / f"chainlib-target-import-{viewport}.png"), full_page=True)
    page.select_option("select[name=decision_3]", "new")  # not the same firm: add it
    _clickable(page, "main form button:has-text('确认导入')").click()
    page.wait_for_url(re.compile(r"/targets/targetenterprise/(\?.*)?$"))
    assert TargetEnterprise.objects.filter(name__startswith=f"浏览器导入{tag}").count() == 2
    known.refresh_from_db()
    assert known.region == "浙江宁波"
    assert _count(page) == before + 2
    watch.check("target import")
    context.close()
