"""Each kind of event reaches the trail with who, when and from which address; the audit
administrator searches and exports it."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from zhaoshang.audit import chain
from zhaoshang.audit.models import AuditEvent
from zhaoshang.core.models import ObjectChange
from zhaoshang.core.roles import Role
from zhaoshang.core.testing import make_admin
from zhaoshang.org.models import Jurisdiction, Membership

pytestmark = pytest.mark.django_db
PASSWORD = "Zs-long-enough-2026"


@pytest.fixture
def county():
    return Jurisdiction.objects.create(code="990100", name="测试县", level="county")


@pytest.fixture
def plain(county):
    """A login that owes no second factor (a leader), to sign in with the password alone."""
    user = get_user_model().objects.create_user("leader-x", password=PASSWORD)
    Membership.objects.create(user=user, role="leader", jurisdiction=county)
    return user


@pytest.fixture
def office(county):
    user = get_user_model().objects.create_user("office-x", password=PASSWORD)
    Membership.objects.create(user=user, role="office", jurisdiction=county)
    return user


def last(kind):
    return AuditEvent.objects.filter(kind=kind).order_by("-seq").first()


def test_login_logout_and_failure_are_recorded_with_the_address(client, plain):
    client.post("/login/", {"username": "leader-x", "password": "wrong"}, REMOTE_ADDR="10.0.0.7")
    failed = last("login_failed")
    assert failed.user_name == "leader-x" and failed.address == "10.0.0.7" and failed.user == plain
    client.post("/login/", {"username": "nobody-here", "password": "x"}, REMOTE_ADDR="10.0.0.8")
    unknown = last("login_failed")
    assert unknown.user is None and unknown.user_name == "nobody-here" and unknown.address == "10.0.0.8"
    response = client.post("/login/", {"username": "leader-x", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302
    login = last("login")
    assert login.user == plain and login.address == "10.0.0.9"
    client.post("/logout/", REMOTE_ADDR="10.0.0.9")
    assert last("logout").user == plain and last("logout").address == "10.0.0.9"
    assert chain.verify()[1] is None


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(client, plain, settings):
    client.post(
        "/login/",
        {"username": "leader-x", "password": "bad"},
        REMOTE_ADDR="10.0.0.7",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert last("login_failed").address == "10.0.0.7"
    settings.ZHAOSHANG_TRUSTED_PROXIES = ["10.0.0.0/8"]
    client.post(
        "/login/",
        {"username": "leader-x", "password": "bad"},
        REMOTE_ADDR="10.0.0.7",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert last("login_failed").address == "1.2.3.4"


def test_every_write_carries_the_address(client, office, county):
    from zhaoshang.org.models import Unit

    client.force_login(office)
    response = client.post(
        "/org/unit/add/",
        {"jurisdiction": county.pk, "name": "新单位", "kind": "department"},
        REMOTE_ADDR="10.2.3.4",
    )
    assert response.status_code == 302, response.content.decode()[:500]
    unit = Unit.objects.get(name="新单位")
    change = ObjectChange.objects.get(object_id=str(unit.pk), content_type__model="unit", action="create")
    assert change.address == "10.2.3.4" and change.user == office


def test_a_download_is_recorded(client, office):
    client.force_login(office)
    response = client.get("/exchange/projects/template/", REMOTE_ADDR="10.3.3.3")
    assert response.status_code == 200
    event = last("download")
    assert event.user == office and event.address == "10.3.3.3" and event.object_repr.endswith(".xlsx")
    assert event.detail["view"] == "exchange:template"


def test_an_export_through_the_browser_and_the_command_line_is_recorded(client, office, tmp_path):
    client.force_login(office)
    response = client.get("/exchange/projects/export/", REMOTE_ADDR="10.3.3.4")
    assert response.status_code == 200
    event = last("export")
    assert event.user == office and event.address == "10.3.3.4" and event.detail["view"] == "exchange:export"
    out = tmp_path / "p.xlsx"
    call_command("export", "projects", "--out", str(out), "--user", "office-x")
    event = last("export")
    assert event.source == "cli" and event.user == office and event.object_repr == str(out)


def test_an_import_is_recorded_with_its_file(client, office):
    client.force_login(office)
    upload = BytesIO(b"not a workbook")
    upload.name = "项目.xlsx"
    client.post("/exchange/projects/import/", {"file": upload}, REMOTE_ADDR="10.4.4.4")
    event = last("import")
    assert event.user == office and event.address == "10.4.4.4" and event.detail["files"] == ["项目.xlsx"]


def test_publishing_an_assessment_is_recorded(users):
    from zhaoshang.assessment import services
    from zhaoshang.assessment.models import AssessmentRun

    draft = AssessmentRun.objects.filter(status="draft").first()
    services.publish(draft, user=users["tl-office"])
    event = last("publish")
    assert event.object_id == str(draft.pk) and event.detail["what"] == "assessment"


def test_a_bulletin_send_is_recorded(users):
    from zhaoshang.bulletins.models import Bulletin, BulletinSend
    from zhaoshang.notify.models import Channel

    bulletin = Bulletin.objects.first()
    from zhaoshang.org.models import Unit

    unit = Unit.objects.filter(jurisdiction=bulletin.policy.jurisdiction).first()
    channel = Channel.objects.create(
        jurisdiction=unit.jurisdiction,
        unit=unit,
        kind=Channel.Kind.EMAIL,
        name="测试邮箱",
        emails="a@example.org",
    )
    send = BulletinSend.objects.create(
        bulletin=bulletin, channel=channel, status="sending", sent_by=users["tl-office"]
    )
    assert last("publish") is None or last("publish").detail.get("what") != "bulletin"
    send.status = "sent"
    send.save()
    event = last("publish")
    assert event.detail == {"what": "bulletin", "action": "send", "channel": str(channel)}
    assert event.user == users["tl-office"]


# --- the audit administrator's console -----------------------------------------------------------


@pytest.fixture
def auditor(county):
    return make_admin(Role.AUDIT_ADMIN, "auditor", jurisdiction=county)


def test_the_audit_admin_searches_by_user_action_time_address_and_object(client, auditor, plain):
    client.post("/login/", {"username": "leader-x", "password": "wrong"}, REMOTE_ADDR="10.9.0.1")
    client.force_login(auditor)
    html = client.get("/audit/", {"user": "leader-x", "action": "event:login_failed"}).content.decode()
    assert "10.9.0.1" in html and "登录失败" in html
    assert "10.9.0.1" not in client.get("/audit/", {"action": "event:login"}).content.decode()
    assert "10.9.0.1" in client.get("/audit/", {"address": "10.9.0.1"}).content.decode()
    assert "10.9.0.1" not in client.get("/audit/", {"address": "10.9.0.2"}).content.decode()
    assert (
        "10.9.0.1" not in client.get("/audit/", {"start": "2000-01-01", "end": "2000-01-02"}).content.decode()
    )
    assert "10.9.0.1" in client.get("/audit/", {"object": "leader-x"}).content.decode()
    bad = client.get("/audit/", {"address": "不是地址", "start": "2026-02-02", "end": "2026-01-01"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "IP 地址“不是地址”格式不正确" in text and "截止日期不能早于起始日期" in text


def test_the_audit_admin_exports_to_excel_and_the_export_is_itself_recorded(client, auditor, plain):
    from openpyxl import load_workbook

    client.post("/login/", {"username": "leader-x", "password": "wrong"}, REMOTE_ADDR="10.9.0.1")
    client.force_login(auditor)
    response = client.get("/audit/export/", {"user": "leader-x"}, REMOTE_ADDR="10.8.8.8")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and any(r[8] == "10.9.0.1" for r in rows[1:])
    event = last("audit_export")
    assert (
        event.user == auditor
        and event.address == "10.8.8.8"
        and event.detail["criteria"] == {"user": "leader-x"}
    )


def test_the_verify_page_says_intact(client, auditor):
    client.force_login(auditor)
    assert "完整" in client.get("/audit/verify/").content.decode()


def test_the_command_lines_exports_are_recorded(tmp_path):
    out = tmp_path / "result.json"
    call_command("assess", "--policy", "testland-2024", "--period", "2024-05", "--out", str(out))
    event = last("export")
    assert event.source == "cli" and event.object_repr == str(out) and event.detail["what"] == "assessment"
    call_command(
        "bulletin",
        "--policy",
        "testland-2024",
        "--period",
        "2024-05",
        "--kind",
        "notice",
        "--out",
        str(tmp_path),
    )
    event = last("download")
    assert (
        event.source == "cli"
        and event.detail["what"] == "bulletin"
        and event.object_type == "bulletins.bulletin"
    )
