"""Who may change what, and that nobody can file a record outside their scope."""

from django.urls import reverse

from zhaoshang.core.concurrency import version_of
from zhaoshang.ledger.models import Project
from zhaoshang.org.models import Team, Unit


def _project_payload(holder_unit, team=None, **extra):
    unit = holder_unit
    project = (
        Project.objects.filter(unit=unit).select_related("enterprise").first()
        or Project.objects.filter(jurisdiction=unit.jurisdiction).first()
    )
    data = {
        "jurisdiction": unit.jurisdiction_id,
        "name": "测试新项目",
        "enterprise": project.enterprise_id,
        "category": "industry",
        "total_investment": "12345.67",
        "stage": "lead",
        "unit": unit.pk,
        "registered_on": "2024-05-06",
    }
    if team is not None:
        data["team"] = team.pk
    data.update(extra)
    return data


def test_team_clerk_files_own_project_via_api(client, users):
    user = users["xf-team"]
    team = user.membership.team
    client.force_login(user)
    response = client.post(
        "/api/projects/", _project_payload(team.lead_unit, team), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert Project.objects.get(pk=response.json()["id"]).total_investment.as_tuple().exponent == -2


def test_clerk_cannot_file_under_another_team(client, users):
    user = users["xf-team"]
    other = Team.objects.get(policy__name="xinfeng-2024", key="corps-05")
    client.force_login(user)
    n = Project.objects.count()
    response = client.post(
        "/api/projects/", _project_payload(other.lead_unit, other), content_type="application/json"
    )
    assert response.status_code == 400  # the other team's enterprise and unit are unknown to this clerk
    assert Project.objects.count() == n


def test_clerk_cannot_move_own_record_out_of_scope(client, users):
    from zhaoshang.fieldwork.models import Activity

    user = users["xf-unit"]
    client.force_login(user)
    activity = Activity.objects.filter(unit=user.membership.unit).first() or Activity.objects.create(
        jurisdiction=user.membership.jurisdiction,
        kind="visit",
        unit=user.membership.unit,
        date=__import__("datetime").date(2024, 5, 1),
        enterprise_name="某某科技有限公司",  # a visit names its enterprise (Activity.record_errors)
    )
    other_unit = Unit.objects.get(jurisdiction=activity.jurisdiction, name="公安局")
    response = client.patch(
        f"/api/activities/{activity.pk}/", {"unit": other_unit.pk}, content_type="application/json"
    )
    # The unit is visible (organisation is public) but a unit clerk files only under their own:
    # refused before anything is written, naming the field (core/scoping.py: write_scope_errors).
    assert response.status_code == 400 and "只能填写本单位" in response.json()["unit"][0]
    activity.refresh_from_db()
    assert activity.unit == user.membership.unit


def test_project_follows_its_enterprises_first_contact_unit(client, users):
    user = users["xf-office"]
    client.force_login(user)
    project = Project.objects.filter(jurisdiction__code="360722").select_related("enterprise").first()
    other_unit = Unit.objects.get(jurisdiction=project.jurisdiction, name="公安局")
    response = client.patch(
        f"/api/projects/{project.pk}/", {"unit": other_unit.pk}, content_type="application/json"
    )
    assert response.status_code == 400 and "首报单位" in response.json()["unit"][0]


def test_other_county_ids_are_rejected(client, users):
    client.force_login(users["tl-office"])
    xf_unit = Unit.objects.get(jurisdiction__code="360722", name="商务局")
    tl_unit = Unit.objects.get(name="市商务局")
    response = client.post(
        "/api/projects/", _project_payload(tl_unit, unit=xf_unit.pk), content_type="application/json"
    )
    assert response.status_code == 400 and "unit" in response.json()


def test_read_only_roles_cannot_write(client, users):
    unit = Unit.objects.get(jurisdiction__code="360722", name="商务局")
    for name in ("xf-leader", "xf-inspector"):
        client.force_login(users[name])
        assert (
            client.patch(
                f"/api/units/{unit.pk}/", {"full_name": "x"}, content_type="application/json"
            ).status_code
            == 403
        )
        assert client.get(reverse("org:unit_edit", args=[unit.pk])).status_code == 403
        assert client.get(reverse("ledger:project_add")).status_code == 403


def test_clerks_cannot_edit_organisation(client, users):
    unit = Unit.objects.get(jurisdiction__code="360722", name="商务局")
    client.force_login(users["xf-team"])
    assert (
        client.patch(
            f"/api/units/{unit.pk}/", {"full_name": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.get(reverse("org:unit_edit", args=[unit.pk])).status_code == 403


def test_ui_form_rejects_bad_input_in_chinese_without_saving(client, users):
    user = users["xf-team"]
    team = user.membership.team
    client.force_login(user)
    n = Project.objects.count()
    payload = _project_payload(team.lead_unit, team, total_investment="十万", registered_on="2024-13-40")
    response = client.post(reverse("ledger:project_add"), payload)
    assert response.status_code == 400
    body = response.content.decode()
    assert "总投资（万元）：" in body and "登记日期：" in body
    assert Project.objects.count() == n


def test_ui_form_creates_in_scope(client, users):
    user = users["xf-team"]
    team = user.membership.team
    client.force_login(user)
    response = client.post(reverse("ledger:project_add"), _project_payload(team.lead_unit, team))
    assert response.status_code == 302
    project = Project.objects.get(name="测试新项目")
    assert response["Location"] == reverse("ledger:project_detail", args=[project.pk])


def _open_report(unit):
    """A report of the unit not yet submitted (the demo may have submitted them all)."""
    from datetime import date

    from zhaoshang.fieldwork.models import Report

    return Report.objects.filter(unit=unit, submitted_at__isnull=True).first() or Report.objects.create(
        jurisdiction=unit.jurisdiction,
        calendar_key="test",
        name="测试报送",
        unit=unit,
        covers_start=date(2024, 6, 1),
        covers_end=date(2024, 6, 30),
        due_on=date(2024, 7, 5),
    )


def test_report_submission_stamps_time(client, users):

    user = users["xf-unit"]
    report = _open_report(user.membership.unit)
    client.force_login(user)
    response = client.post(
        reverse("fieldwork:report_edit", args=[report.pk]),
        {"content": "本周拜访企业3家", "_version": version_of(report)},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.submitted_at is not None and report.content == "本周拜访企业3家"


def test_delete_protected_object_gives_message_not_500(client, users):
    client.force_login(users["xf-office"])
    unit = Unit.objects.filter(projects__isnull=False, jurisdiction__code="360722").first()
    response = client.post(reverse("org:unit_delete", args=[unit.pk]), {"confirm": "1"}, follow=True)
    assert response.status_code == 200 and "不能删除" in response.content.decode()
    assert Unit.objects.filter(pk=unit.pk).exists()


def test_report_api_lets_clerks_submit_content_only(client, users):

    user = users["xf-unit"]
    report = _open_report(user.membership.unit)
    due = report.due_on
    client.force_login(user)
    response = client.patch(
        f"/api/reports/{report.pk}/",
        {"content": "本周无外出", "submitted_at": "2020-01-01T00:00:00+08:00", "due_on": "2030-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.due_on == due and report.content == "本周无外出"
    assert report.submitted_at is not None and report.submitted_at.year >= 2026  # stamped by the server
    assert client.delete(f"/api/reports/{report.pk}/").status_code == 405
    assert client.post("/api/reports/", {}, content_type="application/json").status_code == 405


def test_policy_owned_records_cannot_be_created_through_the_api(client, users):
    client.force_login(users["xf-office"])
    for prefix in ("teams", "groups", "targets"):
        assert client.post(f"/api/{prefix}/", {}, content_type="application/json").status_code == 405


def test_api_runs_model_validation(client, users):
    from zhaoshang.ledger.models import Investment

    client.force_login(users["xf-office"])
    inv = Investment.objects.filter(jurisdiction__code="360722").first()
    response = client.patch(f"/api/investments/{inv.pk}/", {"amount": "-5"}, content_type="application/json")
    assert response.status_code == 400 and "amount" in response.json()
    response = client.patch(
        f"/api/investments/{inv.pk}/", {"month": "2024-03-15"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["month"] == "2024-03-01"
    unit = Unit.objects.get(jurisdiction__code="360722", name="商务局")
    response = client.patch(
        f"/api/units/{unit.pk}/", {"aliases": "notalist"}, content_type="application/json"
    )
    assert response.status_code == 400
    response = client.patch(f"/api/units/{unit.pk}/", {"kind": "martian"}, content_type="application/json")
    assert response.status_code == 400 and "kind" in response.json()


def test_uscc_is_validated_with_a_chinese_message(client, users):
    from zhaoshang.ledger.models import Enterprise

    client.force_login(users["xf-office"])
    ent = Enterprise.objects.filter(jurisdiction__code="360722").first()
    response = client.patch(
        f"/api/enterprises/{ent.pk}/", {"uscc": "91440300708461136A"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "校验位错误" in response.json()["uscc"][0]
    response = client.patch(
        f"/api/enterprises/{ent.pk}/", {"uscc": "91440300708461136T"}, content_type="application/json"
    )
    assert response.status_code == 200


# --- 首招负责制 in the API and the admin -----------------------------------------------------------


def _held_enterprise(users):
    """An enterprise first registered by the team clerk's unit."""
    from zhaoshang.ledger import uscc
    from zhaoshang.ledger.models import Enterprise

    team = users["xf-team"].membership.team
    return Enterprise.objects.create(
        jurisdiction=team.jurisdiction,
        name="深圳市景旺电子股份有限公司",
        short_name="景旺电子",
        uscc=uscc.make("440300", "MA5ABCDE"),
        unit=team.lead_unit,
        team=team,
    )


def test_api_refuses_an_enterprise_another_unit_registered_first(client, users):
    from django.utils import timezone

    from zhaoshang.ledger.models import Enterprise

    held = _held_enterprise(users)
    clerk = users["xf-unit"]
    client.force_login(clerk)
    n = Enterprise.objects.count()
    for payload in (
        {"name": "景旺电子有限公司"},  # a name that matches
        {"name": "另一个名字有限公司", "uscc": held.uscc},  # the same code
    ):
        response = client.post(
            "/api/enterprises/",
            {**payload, "unit": clerk.membership.unit_id},
            content_type="application/json",
        )
        assert response.status_code == 400, response.json()
        message = response.json()["non_field_errors"][0]
        since = f"{timezone.localtime(held.created):%Y年%m月%d日}"
        assert "已由商务局（第一产业招商兵团）" in message and since in message and "归属裁定" in message
    assert Enterprise.objects.count() == n
    # Renaming one's own enterprise into the holder's is refused the same way.
    own = Enterprise.objects.create(
        jurisdiction=held.jurisdiction, name="信丰本地测试有限公司", unit=clerk.membership.unit
    )
    response = client.patch(
        f"/api/enterprises/{own.pk}/", {"name": "景旺电子"}, content_type="application/json"
    )
    assert response.status_code == 400 and "首报" in response.json()["non_field_errors"][0]
    response = client.put(
        f"/api/enterprises/{own.pk}/",
        {"name": own.name, "uscc": held.uscc, "unit": own.unit_id},
        content_type="application/json",
    )
    assert response.status_code == 400 and "统一社会信用代码相同" in response.json()["non_field_errors"][0]
    # The holder itself may register and edit it.
    client.force_login(users["xf-team"])
    response = client.patch(
        f"/api/enterprises/{held.pk}/", {"name": "景旺电子股份有限公司"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    response = client.post(
        "/api/enterprises/",
        {"name": "无关新企业有限公司", "unit": users["xf-team"].membership.team.lead_unit_id},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()


def test_admin_refuses_an_enterprise_another_unit_registered_first(client, users):
    from zhaoshang.ledger.models import Enterprise

    held = _held_enterprise(users)
    other = Unit.objects.get(jurisdiction=held.jurisdiction, name="公安局")
    client.force_login(users["admin"])
    n = Enterprise.objects.count()
    response = client.post(
        reverse("admin:ledger_enterprise_add"),
        {
            "jurisdiction": held.jurisdiction_id,
            "name": "景旺电子",
            "unit": other.pk,
            "former_names": "[]",
            "tags": "[]",
        },
    )
    assert response.status_code == 200 and "已由商务局" in response.content.decode()
    assert Enterprise.objects.count() == n


def test_admin_cannot_change_a_projects_stage(client, users):
    project = Project.objects.filter(jurisdiction__code="360722", stage="lead").first()
    client.force_login(users["admin"])
    html = client.get(reverse("admin:ledger_project_change", args=[project.pk])).content.decode()
    assert 'name="stage"' not in html and 'name="signed_on"' not in html
