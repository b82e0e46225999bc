"""三员分立: each administrator reaches their own console and nothing else — not the others',
not a business page, not the API — and business users reach none of the consoles."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from zhaoshang.admins import services
from zhaoshang.audit.models import AuditEvent
from zhaoshang.core.roles import Role
from zhaoshang.core.testing import make_admin
from zhaoshang.org.models import Jurisdiction, Membership, Unit

pytestmark = pytest.mark.django_db

CONSOLES = {
    Role.SYSTEM_ADMIN: ["/system/", "/system/accounts/add/", "/system/settings/"],
    Role.SECURITY_ADMIN: ["/security/"],
    Role.AUDIT_ADMIN: ["/audit/", "/audit/verify/", "/audit/export/"],
}
BUSINESS_PAGES = [
    "ledger:project_list",
    "ledger:enterprise_list",
    "fieldwork:activity_list",
    "org:unit_list",
    "assessment:assessmentrun_list",
    "dashboards:dashboard",
    "bulletins:bulletin_list",
    "changelog",
    "home",
]
BUSINESS_API = ["/api/projects/", "/api/enterprises/", "/api/activities/", "/api/changes/"]


@pytest.fixture
def county():
    return Jurisdiction.objects.create(code="990100", name="测试县", level="county")


@pytest.fixture
def admins(county):
    return {role: make_admin(role, f"adm-{role}", jurisdiction=county) for role in CONSOLES}


@pytest.mark.parametrize("role", list(CONSOLES))
def test_each_admin_reaches_only_their_own_console(client, admins, role):
    client.force_login(admins[role])
    assert client.get("/").url == CONSOLES[role][0]
    for own in CONSOLES[role]:
        assert client.get(own).status_code == 200, own
    for other, urls in CONSOLES.items():
        if other == role:
            continue
        for url in urls:
            response = client.get(url)
            assert response.status_code == 403, url
            assert "只有" in response.content.decode()


@pytest.mark.parametrize("role", list(CONSOLES))
def test_admins_are_refused_every_business_page_and_endpoint(client, admins, role):
    client.force_login(admins[role])
    for name in BUSINESS_PAGES[:-1]:  # home sends them to their console
        url = reverse(name)
        response = client.get(url)
        assert response.status_code == 403, url
        assert "三员账号" in response.content.decode()
    for url in BUSINESS_API:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "三员账号" in response.json()["detail"]
    # Their own password and second-factor pages stay open.
    assert client.get("/account/2fa/").status_code in (200, 302)


def test_business_users_reach_no_console(client, county):
    user = get_user_model().objects.create_user("office-x", password="x")
    Membership.objects.create(user=user, role="office", jurisdiction=county)
    client.force_login(user)
    for urls in CONSOLES.values():
        for url in urls:
            assert client.get(url).status_code == 403, url


def test_admins_see_no_business_rows(admins, county):
    from zhaoshang.ledger.models import Project
    from zhaoshang.org.models import Team

    for user in admins.values():
        assert not Unit.objects.visible_to(user).exists()
        assert not Team.objects.visible_to(user).exists()
        assert not Project.objects.visible_to(user).exists()


# --- the system administrator's accounts -------------------------------------------------------


def test_the_account_lists_read_as_cards_on_a_phone(client, admins, county):
    # The same card markup as every list page (core/object_list.html; app.css under 600 px).
    get_user_model().objects.create_user("clerk-card", password="Zs-long-enough-2026")
    for role, url in ((Role.SYSTEM_ADMIN, "/system/"), (Role.SECURITY_ADMIN, "/security/")):
        client.force_login(admins[role])
        html = client.get(url).content.decode()
        assert '<table class="list-table">' in html and 'data-label="角色"' in html, url
        assert '<td class="card-title">clerk-card</td>' in html, url


def test_system_admin_creates_an_account_with_a_business_role(client, admins, county):
    unit = Unit.objects.create(jurisdiction=county, name="商务局", kind="department")
    client.force_login(admins[Role.SYSTEM_ADMIN])
    response = client.post(
        "/system/accounts/add/",
        {
            "username": "clerk1",
            "full_name": "张三",
            "password": "Zs-long-enough-2026",
            "role": "unit_clerk",
            "jurisdiction": county.pk,
            "unit": unit.pk,
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302, response.content.decode()
    user = get_user_model().objects.get(username="clerk1")
    assert user.membership.role == "unit_clerk" and user.membership.unit == unit
    change = AuditEvent.objects.get(kind="role_change", object_id=str(user.pk))
    assert change.address == "10.1.2.3" and change.user == admins[Role.SYSTEM_ADMIN]
    assert change.detail["after"]["role"] == "unit_clerk"
    assert AuditEvent.objects.filter(kind="account", object_id=str(user.pk), address="10.1.2.3").exists()


def test_a_unit_clerk_without_a_unit_is_refused_in_chinese(client, admins, county):
    client.force_login(admins[Role.SYSTEM_ADMIN])
    response = client.post(
        "/system/accounts/add/",
        {
            "username": "clerk2",
            "password": "Zs-long-enough-2026",
            "role": "unit_clerk",
            "jurisdiction": county.pk,
        },
    )
    assert response.status_code == 400
    assert "单位联络员和要素保障单位须指定单位" in response.content.decode()
    assert not get_user_model().objects.filter(username="clerk2").exists()  # nothing half-saved


def test_no_web_page_grants_an_admin_role(client, admins, county):
    client.force_login(admins[Role.SYSTEM_ADMIN])
    response = client.post(
        "/system/accounts/add/",
        {
            "username": "sneaky",
            "password": "Zs-long-enough-2026",
            "role": "audit_admin",
            "jurisdiction": county.pk,
        },
    )
    assert response.status_code == 400
    assert not get_user_model().objects.filter(username="sneaky").exists()


def test_system_admin_deactivates_but_not_another_admin(client, admins, county):
    user = get_user_model().objects.create_user("leaver", password="x")
    client.force_login(admins[Role.SYSTEM_ADMIN])
    assert client.post(f"/system/accounts/{user.pk}/active/", {"active": "0"}).status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert AuditEvent.objects.filter(
        kind="account", object_id=str(user.pk), detail__action="deactivate"
    ).exists()
    other = admins[Role.AUDIT_ADMIN]
    assert client.post(f"/system/accounts/{other.pk}/active/", {"active": "0"}).status_code == 404
    other.refresh_from_db()
    assert other.is_active


# --- one role per account ----------------------------------------------------------------------


def test_an_admin_never_becomes_a_business_user_nor_the_reverse(admins, county):
    m = Membership.objects.get(user=admins[Role.AUDIT_ADMIN])
    m.role = "office"
    with pytest.raises(ValidationError, match="三员账号与业务账号须分开"):
        m.full_clean()
    clerk = get_user_model().objects.create_user("clerk3", password="x")
    Membership.objects.create(user=clerk, role="leader", jurisdiction=county)
    with pytest.raises(ValidationError, match="三员账号与业务账号须分开"):
        services.grant_admin(clerk, "system_admin", jurisdiction=county)
    assert Membership.objects.get(user=clerk).role == "leader"


def test_the_security_admin_changes_roles_within_the_rules(client, admins, county):
    clerk = get_user_model().objects.create_user("clerk4", password="x")
    Membership.objects.create(user=clerk, role="leader", jurisdiction=county)
    client.force_login(admins[Role.SECURITY_ADMIN])
    response = client.post(
        f"/security/accounts/{clerk.pk}/role/", {"role": "inspector", "jurisdiction": county.pk}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=clerk).role == "inspector"
    event = AuditEvent.objects.get(kind="role_change", object_id=str(clerk.pk))
    assert event.detail["before"]["role"] == "leader" and event.detail["after"]["role"] == "inspector"
    # Another administrator's account is not theirs to touch.
    other = admins[Role.SYSTEM_ADMIN]
    assert client.get(f"/security/accounts/{other.pk}/role/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.assign_role(other, by=admins[Role.SECURITY_ADMIN], role="office", jurisdiction=county)
    # And the system administrator does not change roles.
    with pytest.raises(PermissionDenied, match="只有安全管理员"):
        services.assign_role(clerk, by=admins[Role.SYSTEM_ADMIN], role="office", jurisdiction=county)


def test_the_django_admin_is_for_superusers_only(client, admins):
    for user in admins.values():
        client.force_login(user)
        assert client.get("/admin/").status_code in (302, 403)


def test_the_command_line_grants_an_admin_role_once(county, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    get_user_model().objects.create_user("new-auditor", password="x")
    call_command("admins", "grant", "new-auditor", "audit_admin")
    assert Membership.objects.get(user__username="new-auditor").role == "audit_admin"
    assert AuditEvent.objects.filter(kind="role_change", detail__after__role="audit_admin").exists()
    with pytest.raises(CommandError, match="三员账号与业务账号须分开"):
        call_command("admins", "grant", "new-auditor", "system_admin")
    call_command("admins", "list")
    assert "new-auditor\t审计管理员" in capsys.readouterr().out


def test_the_settings_page_shows_no_secret(client, admins, settings):
    settings.ZHAOSHANG_REDIS_URL = "redis://:hunter2@cache:6379/0"
    settings.ZHAOSHANG_AUDIT_ARCHIVE_KEY = "k-secret-value"
    client.force_login(admins[Role.SYSTEM_ADMIN])
    html = client.get("/system/settings/").content.decode()
    assert "ZHAOSHANG_AUDIT_RETENTION_DAYS" in html
    assert "hunter2" not in html and "k-secret-value" not in html
