"""The office generates a monthly battle report in the browser, downloads the Word file and
opens it; the first page of the PDF is rendered to artifacts/ for people to look at."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest

from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.twofactor.testing import pass_second_factor

pytestmark = pytest.mark.browser

LOGIN, PASSWORD = "xf-office", DEMO_PASSWORD


def _login(page, base):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", LOGIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    pass_second_factor(page, LOGIN)  # 动态口令, from the demo device


def test_office_generates_a_battle_report_downloads_and_opens_it(
    chromium, live_server, xinfeng_world, artifacts
):
    from docx import Document as Docx

    from zhaoshang.ledger.models import Project

    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    base = live_server.url
    _login(page, base)

    page.click("header nav summary:has-text('领导视图')")
    page.click("header nav a:has-text('战报简报')")
    page.wait_for_url(re.compile(r"/bulletins/$"))
    form = page.locator("form[action$='/bulletins/new/']")
    if not form.is_visible():
        page.click("summary:has-text('生成战报、简报或通报')")
    form.locator("select[name=policy]").select_option("xinfeng-2024")
    form.locator("select[name=kind]").select_option("monthly")
    # The period is picked as an office says it: 2024年, then 第二季度 (posts 2024-Q2).
    form.locator("select[name=period_0]").select_option("2024")
    form.locator("select[name=period_1]").select_option(label="第二季度")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/bulletins/\d+/$"))
    page.wait_for_selector("a:has-text('下载 Word')")
    page.screenshot(path=str(artifacts / "bulletin-page.png"), full_page=True)

    with page.expect_download() as info:
        page.click("a:has-text('下载 Word')")
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    doc = Docx(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(p.text for p in doc.paragraphs)
    signed = Project.objects.filter(
        jurisdiction__path__startswith=xinfeng_world.jurisdiction.path,
        signed_on__range=("2024-04-01", "2024-06-30"),
    ).count()
    assert "信丰县2024年第2季度招商引资工作战报" in text and f"全县新签约项目{signed}个" in text

    with page.expect_download() as info:
        page.click("a:has-text('下载 PDF')")
    pdf = info.value.path()
    assert open(pdf, "rb").read(5) == b"%PDF-"
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(artifacts / "bulletin-pdf"),
            ],
            check=True,
            timeout=60,
        )
        assert (artifacts / "bulletin-pdf.png").stat().st_size > 5000
    context.close()
