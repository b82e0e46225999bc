"""The second factor (动态口令) on a small world of its own: a county with an office, a team clerk
and a security administrator. Logins go through the real login page (password), then the
second step; `force_login(..., second_factor=False)` stands for a password-only login."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhaoshang.core.models import ObjectChange
from zhaoshang.core.roles import Role
from zhaoshang.core.testing import make_admin
from zhaoshang.engine import find_policy, load_policy
from zhaoshang.org.models import Jurisdiction, Membership, Policy, Team
from zhaoshang.twofactor import services
from zhaoshang.twofactor.apps import check_required_roles
from zhaoshang.twofactor.testing import next_code

PASSWORD = "Tf-测试-2fa-口令"
VERIFY = "/account/2fa/verify/"
ENROL = "/account/2fa/enrol/"


class World:
    def __init__(self):
        self.county = Jurisdiction.objects.create(code="970101", name="二次验证测试县", level="county")
        policy = Policy.objects.create(
            jurisdiction=self.county, name="tf-test", title="二次验证测试", issuer="测试", source="测试", office="测试办",
            start=date(2024, 1, 1), end=date(2024, 12, 31), content_hash="-",
            # A real policy's content: the home page reads its reporting calendar.
            content_json=load_policy(find_policy("xinfeng-2024")).model_dump_json(),
            loaded_at=timezone.now(),
        )  # fmt: skip
        self.team = Team.objects.create(
            jurisdiction=self.county,
            policy=policy,
            key="tf-team",
            name="测试兵团",
            kind="corps",
            clause="测试",
        )
        self.office = self.user("tf-office", role=Role.OFFICE)
        self.clerk = self.user("tf-clerk", role=Role.TEAM_CLERK, team=self.team)
        self.security = make_admin(
            Role.SECURITY_ADMIN, "tf-security", jurisdiction=self.county, password=PASSWORD
        )

    def user(self, username, **membership):
        user = get_user_model().objects.create_user(username, password=PASSWORD)
        Membership.objects.create(user=user, jurisdiction=self.county, **membership)
        return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def w(db):
    return World()


def bind(user) -> TOTPDevice:
    """A confirmed authenticator, bound as the enrolment page binds one."""
    device = services.start_enrolment(user)
    assert services.confirm_enrolment(user, device, services.code_at(device)) is not None
    return TOTPDevice.objects.get(pk=device.pk)


def password_login(client, user):
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password step itself must pass"
    return response


def page_paths() -> list[str]:
    """Every routed path without a parameter: the pages and the API endpoints."""
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            text = str(p.pattern)
            if re.search(r"[<(\[\\?*+]", text.replace("^", "").replace("$", "")):
                continue  # takes a parameter, or a format suffix
            text = text.replace("^", "").replace("$", "")
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + text)
            elif isinstance(p, URLPattern):
                found.append("/" + prefix + text)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


OPEN = {VERIFY, ENROL, "/login/", "/logout/"}


def test_an_office_reaches_no_page_and_no_session_api_before_the_second_step(client, w):
    bind(w.office)
    password_login(client, w.office)
    paths = page_paths()
    assert "/ledger/project/" in paths and "/api/projects/" in paths and "/account/2fa/" in paths
    for path in paths:
        if path in OPEN:
            continue
        response = client.get(path)
        if path.startswith("/api/"):
            assert response.status_code == 403, path
            assert "请先完成二次验证" in response.json()["detail"], path
        else:
            assert response.status_code == 302, path
            assert response["Location"].startswith(VERIFY), path
    # A write through the API is refused the same way, and changes nothing.
    response = client.post("/api/units/", {"name": "未验证写入单位"}, content_type="application/json")
    assert response.status_code == 403
    # The login page sent them on to where they were going, after the second step.
    response = client.get("/ledger/project/?stage=signed")
    assert response["Location"] == VERIFY + "?next=%2Fledger%2Fproject%2F%3Fstage%3Dsigned"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "动态口令" in page.content.decode()
    assert "台账" not in page.content.decode()  # no menus while half logged in


def test_an_office_without_a_device_is_sent_to_bind_one(client, w):
    password_login(client, w.office)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(ENROL)
    body = response.content.decode()
    assert "<svg" in body and "<script" not in body.split("</header>")[1]
    assert services.secret(services.start_enrolment(w.office)) in body


def test_token_api_calls_need_no_second_factor(client, w):
    from zhaoshang.api import tokens

    bind(w.office)
    _, secret = tokens.create(w.office, "测试")
    assert client.get("/api/units/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200
    password_login(client, w.office)  # a half-logged-in session beside the token changes nothing
    assert client.get("/api/units/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200
    assert client.get("/api/units/").status_code == 403


def test_the_right_code_passes_and_leads_on(client, w):
    device = bind(w.office)
    password_login(client, w.office)
    response = client.post(VERIFY, {"code": next_code(w.office), "next": "/ledger/project/"})
    assert response.status_code == 302 and response["Location"] == "/ledger/project/"
    assert client.get("/ledger/project/").status_code == 200
    assert client.get("/api/units/").status_code == 200
    device.refresh_from_db()
    assert device.last_used_at is not None
    # An address elsewhere is not followed.
    client.logout()
    password_login(client, w.office)
    response = client.post(VERIFY, {"code": next_code(w.office), "next": "https://example.com/"})
    assert response["Location"] == "/"


def test_a_wrong_code_at_binding_binds_nothing(client, w):
    password_login(client, w.office)
    page = client.get(ENROL)
    assert page.status_code == 200
    device = services.start_enrolment(w.office)
    right = services.code_at(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(ENROL, {"code": wrong})
    assert response.status_code == 400
    assert "动态口令不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=w.office, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=w.office).exists()
    assert client.get("/").status_code == 302  # still held


def test_binding_shows_ten_recovery_codes_once_and_logs_it(client, w):
    password_login(client, w.office)
    client.get(ENROL)
    device = services.start_enrolment(w.office)
    response = client.post(ENROL, {"code": services.code_at(device), "next": "/"})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == len(set(codes)) == 10
    body = response.content.decode()
    assert all(c in body for c in codes)
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    assert client.get("/").status_code == 200  # binding counts as this session's second step
    assert client.get("/account/2fa/").status_code == 200
    logged = ObjectChange.objects.filter(
        content_type__in=[ContentType.objects.get_for_model(m) for m in (TOTPDevice, StaticDevice)],
        action="create",
        user=w.office,
    )
    assert logged.count() == 2
    text = str([(c.before, c.after) for c in logged])
    assert device.key not in text and not any(c in text for c in codes)


def test_a_recovery_code_works_once(client, w):
    bind(w.office)
    codes = services.regenerate_recovery_codes(w.office)
    password_login(client, w.office)
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert StaticToken.objects.filter(device__user=w.office).count() == 9
    client.logout()
    password_login(client, w.office)
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 400
    assert client.get("/").status_code == 302
    # django-otp makes the next try wait a second after a failure, and the page says so.
    response = client.post(VERIFY, {"code": codes[1]})
    assert response.status_code == 400 and "尝试过于频繁" in response.content.decode()
    StaticDevice.objects.filter(user=w.office).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 302


def test_regenerating_recovery_codes_voids_the_old_ones(client, w):
    bind(w.office)
    old = services.regenerate_recovery_codes(w.office)
    client.force_login(w.office)
    response = client.post("/account/2fa/recovery/")
    new = response.context["codes"]
    assert len(new) == 10 and not set(old) & set(new)
    assert set(StaticToken.objects.filter(device__user=w.office).values_list("token", flat=True)) == set(new)


def test_a_team_clerk_without_a_device_logs_in_with_the_password_only(client, w):
    password_login(client, w.clerk)
    assert client.get("/").status_code == 200
    assert client.get("/api/units/").status_code == 200
    assert "二次验证" in client.get("/").content.decode()  # offered in the user menu


def test_once_the_clerk_binds_a_device_they_must_verify(client, w):
    password_login(client, w.clerk)
    assert client.get("/").status_code == 200
    client.get(ENROL)
    device = services.start_enrolment(w.clerk)
    assert client.post(ENROL, {"code": services.code_at(device)}).status_code == 200
    assert client.get("/").status_code == 200
    client.logout()
    password_login(client, w.clerk)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"code": next_code(w.clerk)}).status_code == 302
    assert client.get("/").status_code == 200


def test_a_bound_device_cannot_be_replaced_before_the_second_step(client, w):
    first = bind(w.office)
    password_login(client, w.office)
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=w.office)) == [first]


def _wrong_codes(client, user, device, n):
    """Log in with the password, then give `n` wrong codes; the last answer and the user names
    the failures were reported under (user_login_failed, which django-axes counts)."""
    failures = []

    def count(sender, credentials, request=None, **kwargs):
        failures.append(credentials["username"])

    user_login_failed.connect(count)
    try:
        password_login(client, user)
        wrong = f"{(int(services.code_at(device)) + 500_000) % 1_000_000:06d}"
        for i in range(1, n):
            response = client.post(VERIFY, {"code": wrong})
            assert response.status_code == 400
            assert f"已错 {i} 次" in response.content.decode()
        response = client.post(VERIFY, {"code": wrong})
    finally:
        user_login_failed.disconnect(count)
    return response, failures


def test_five_wrong_codes_end_the_half_logged_in_session_and_lock_the_login(client, w, settings):
    assert settings.ZHAOSHANG_2FA_MAX_FAILURES == 5 and settings.AXES_FAILURE_LIMIT == 5
    device = bind(w.office)
    response, failures = _wrong_codes(client, w.office, device, 5)
    assert failures == ["tf-office"] * 5  # each counted as a failed login
    # The fifth is also django-axes' fifth failure: the login is locked, as after five wrong passwords.
    assert response.status_code == 429 and "登录已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The session is gone: a right code now is not enough, the password comes first again —
    # and the right password is refused while the lockout lasts.
    response = client.post(VERIFY, {"code": next_code(w.office)})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/").status_code == 302
    response = client.post("/login/", {"username": "tf-office", "password": PASSWORD})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_the_session_ends_at_the_second_factor_limit_below_the_lockout(client, w, settings):
    settings.ZHAOSHANG_2FA_MAX_FAILURES = 3
    device = bind(w.office)
    response, failures = _wrong_codes(client, w.office, device, 3)
    assert failures == ["tf-office"] * 3
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert "动态口令连续 3 次不正确，已退出登录" in client.get(response["Location"]).content.decode()
    assert client.get("/").status_code == 302


def test_the_security_admin_resets_a_second_factor(client, w):
    bind(w.office)
    services.regenerate_recovery_codes(w.office)
    open_session = Client()
    open_session.force_login(w.office)  # verified, before the reset
    assert open_session.get("/").status_code == 200
    with pytest.raises(PermissionDenied):
        services.reset(w.office, by=w.clerk)
    assert TOTPDevice.objects.filter(user=w.office).exists()
    removed = services.reset(w.office, by=w.security)
    assert removed == 2
    assert not TOTPDevice.objects.filter(user=w.office).exists()
    assert not StaticDevice.objects.filter(user=w.office).exists()
    entries = ObjectChange.objects.filter(action="delete", user=w.security)
    assert entries.count() == 2 and all(e.before["user"] == w.office.pk for e in entries)
    # A session verified with the removed device is held at once; at the next login the office
    # binds a new one.
    assert open_session.get("/", follow=True).redirect_chain[-1][0].startswith(ENROL)
    password_login(client, w.office)
    assert client.get("/", follow=True).redirect_chain[-1][0].startswith(ENROL)


def test_reset_from_the_command_line(w):
    bind(w.office)
    out = io.StringIO()
    call_command("twofactor", "reset", "tf-office", stdout=out)
    assert "已重置 tf-office 的二次验证" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=w.office).exists()
    assert ObjectChange.objects.filter(action="delete", source="cli").exists()
    with pytest.raises(CommandError, match="没有用户“nobody”"):
        call_command("twofactor", "reset", "nobody")


def test_the_current_code_is_printed_for_demo_devices_only(w):
    demo = services.ensure_demo_device(w.office)
    assert demo.name == services.DEMO_NAME and demo.key == services.demo_key("tf-office")
    out = io.StringIO()
    call_command("twofactor", "code", "tf-office", stdout=out)
    assert out.getvalue().strip() == services.code_at(demo)
    assert demo.verify_token(out.getvalue().strip())
    with pytest.raises(CommandError, match="tf-clerk 尚未绑定身份验证器"):
        call_command("twofactor", "code", "tf-clerk")
    bind(w.clerk)
    with pytest.raises(CommandError, match="不是演示数据生成的"):
        call_command("twofactor", "code", "tf-clerk")
    # Renamed, a real device does not pass for a demo one.
    TOTPDevice.objects.filter(user=w.clerk).update(name=services.DEMO_NAME)
    with pytest.raises(CommandError, match="不是演示数据生成的"):
        call_command("twofactor", "code", "tf-clerk")


def test_the_demo_world_binds_the_logins_that_must_use_it(users):
    # The demo's logins all hold a role (a superuser made by hand on the server does not).
    required = [u for u in users.values() if hasattr(u, "membership") and services.must_use_second_factor(u)]
    assert users["xf-office"] in required and users["tl-office"] in required
    for user in required:
        assert services.demo_device(user) is not None, user.username
    assert services.totp_device(users["xf-team"]) is None  # a clerk's is optional: none made


def test_required_roles_are_a_setting(client, w, settings):
    settings.ZHAOSHANG_2FA_REQUIRED_ROLES = ("team_clerk",)
    password_login(client, w.clerk)
    assert client.get("/", follow=True).redirect_chain[-1][0].startswith(ENROL)
    client.logout()
    password_login(client, w.office)
    assert client.get("/").status_code == 200
    settings.ZHAOSHANG_2FA_REQUIRED_ROLES = ("team_clerk", "offfice")
    errors = check_required_roles()
    assert [e.id for e in errors] == ["twofactor.E001"] and "offfice" in errors[0].msg


def test_a_superuser_always_must(client, w):
    boss = get_user_model().objects.create_superuser("tf-boss", password=PASSWORD)
    password_login(client, boss)
    assert client.get("/admin/", follow=True).redirect_chain[-1][0].startswith(ENROL)


def test_demo_data_never_prints_a_secret_the_user_bound_themselves(w):
    from zhaoshang.demo.generator import _demo_secret

    printed = _demo_secret(w.office)  # binds a 演示设备 for a login that must use one
    assert printed and printed == services.secret(services.demo_device(w.office))
    assert _demo_secret(w.clerk) == "" and services.totp_device(w.clerk) is None
    services.reset(w.office)
    bind(w.office)  # their own phone now; demo-data run again must not show its key
    assert _demo_secret(w.office) == ""
    assert services.totp_device(w.office).name == services.TOTP_NAME
