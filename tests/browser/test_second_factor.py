"""The second factor on a 375-px phone: the office gives its 动态口令 after the password, and a
team clerk binds an authenticator from the user menu by typing the secret the page shows (the QR
code drawn on the server fits the screen), then sees the recovery codes once."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest

from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.twofactor.testing import pass_second_factor

pytestmark = pytest.mark.browser

OFFICE, CLERK = "xf-office", "xf-team"


def _password(page, base, username, next_path="/"):
    page.goto(f"{base}/login/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_office_gives_its_code_after_the_password(phone, live_server, xinfeng_world, artifacts):
    page, base = phone, live_server.url
    _password(page, base, OFFICE, "/ledger/project/")
    assert "/account/2fa/verify/" in page.url
    assert page.locator("header nav summary").count() == 0  # no menus before the second step
    assert _width(page) <= 375
    page.fill("input[name=code]", "zzzzzzzz")  # neither a code nor a recovery code
    page.get_by_role("button", name="验证", exact=True).click()
    page.wait_for_selector("#code-error")
    assert "已错 1 次" in page.locator("#code-error").inner_text()
    page.screenshot(path=str(artifacts / "twofactor-verify-phone.png"), full_page=True)
    pass_second_factor(page, OFFICE)
    assert re.search(r"/ledger/project/$", page.url)


def test_a_clerk_binds_an_authenticator_on_a_phone(phone, live_server, xinfeng_world, artifacts):
    from django_otp.oath import TOTP

    page, base = phone, live_server.url
    _password(page, base, CLERK)
    assert "/account/2fa/" not in page.url  # no second factor yet: the password is enough
    page.click("header nav details:has(a[href='/account/2fa/']) summary")  # the user menu
    page.click("header nav a:has-text('二次验证')")
    page.wait_for_url(re.compile(r"/account/2fa/$"))
    page.get_by_role("button", name="绑定身份验证器").click()
    page.wait_for_url(re.compile(r"/account/2fa/enrol/"))
    qr = page.locator("svg.twofactor-qr")
    box = qr.bounding_box()
    assert box is not None and 150 <= box["width"] <= 375, box
    assert _width(page) <= 375
    page.screenshot(path=str(artifacts / "twofactor-enrol-phone.png"), full_page=True)
    secret = page.locator("#secret").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("input[name=code]", f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="确认绑定").click()
    page.wait_for_selector("#recovery-codes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert _width(page) <= 375
    page.screenshot(path=str(artifacts / "twofactor-recovery-codes-phone.png"), full_page=True)
    page.get_by_role("button", name="我已保存，继续").click()
    page.wait_for_url(lambda url: "/account/2fa/" not in url)
