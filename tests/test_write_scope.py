"""A clerk files records only under their own unit and team, on every channel (issue 16).

Seeing is not writing: a unit clerk sees their unit's records whatever team they name, a team
clerk their team's whatever unit they name. The rule of what a writer may name
(`core/scoping.py: write_scope_errors`) is asked by the web forms, the API, the Excel import and
the command line; each refusal names the field, writes nothing and logs nothing.

A small world of its own in 信丰县: 甲局 leads 一团 with 乙局 as member, 丙局 leads 二团.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from zhaoshang.core.concurrency import version_of
from zhaoshang.core.models import ObjectChange
from zhaoshang.core.scoping import write_fields, write_scope_errors
from zhaoshang.exchange.importer import import_activities, import_investments, import_projects
from zhaoshang.exchange.tests.helpers import ACTIVITY_HEADERS, INVESTMENT_HEADERS, PROJECT_HEADERS, xlsx
from zhaoshang.fieldwork.models import Activity, Lead, Report
from zhaoshang.ledger.models import Enterprise, Investment, OwnershipClaim, Project, ProjectPhase
from zhaoshang.notify.models import Channel
from zhaoshang.org.models import Jurisdiction, Membership, Policy, Team, Unit


@pytest.fixture
def w(db):
    county = Jurisdiction.objects.get(code="360722")
    policy = Policy.objects.get(name="xinfeng-2024")
    a, b, c = (
        Unit.objects.create(jurisdiction=county, name=f"范围测试{x}局", kind="department") for x in "甲乙丙"
    )
    common = {"jurisdiction": county, "policy": policy, "kind": "corps", "clause": "测试"}
    t1 = Team.objects.create(**common, key="ws-t1", name="范围测试一团", lead_unit=a)
    t1.member_units.add(b)
    t2 = Team.objects.create(**common, key="ws-t2", name="范围测试二团", lead_unit=c)
    User = get_user_model()
    unit_clerk = User.objects.create_user("ws-unit", password="x")
    Membership.objects.create(user=unit_clerk, role="unit_clerk", jurisdiction=county, unit=a)
    team_clerk = User.objects.create_user("ws-team", password="x")
    Membership.objects.create(user=team_clerk, role="team_clerk", jurisdiction=county, team=t1)
    office = User.objects.get(username="xf-office")
    enterprise = Enterprise.objects.create(jurisdiction=county, name="范围测试科技有限公司", unit=a, team=t1)
    project = Project.objects.create(
        jurisdiction=county, name="范围测试项目", enterprise=enterprise, unit=a, team=t1,
        total_investment=Decimal(5000), registered_on=date(2024, 3, 1),
    )  # fmt: skip
    activity = Activity.objects.create(
        jurisdiction=county, kind="visit", unit=a, team=t1, date=date(2024, 5, 6), enterprise_name="某公司"
    )
    investment = Investment.objects.create(
        jurisdiction=county, project=project, month=date(2024, 1, 1), amount=Decimal(100), unit=a, team=t1
    )
    return SimpleNamespace(
        county=county, a=a, b=b, c=c, t1=t1, t2=t2, unit_clerk=unit_clerk, team_clerk=team_clerk,
        office=office, enterprise=enterprise, project=project, activity=activity, investment=investment,
    )  # fmt: skip


def _log_count() -> int:
    return ObjectChange.objects.count()


# --- The rule itself -------------------------------------------------------------------------------


def test_the_rule_reads_each_models_holder_fields():
    assert (write_fields(Project).units, write_fields(Project).team) == (("unit",), "team")
    assert write_fields(ProjectPhase).parents == ("project",)
    assert (write_fields(Report).units, write_fields(Report).team) == (("unit",), "team")
    assert (write_fields(Channel).units, write_fields(Channel).team) == (("unit",), "team")
    # A claim's writer names the claimant; the holder is the other party, taken from the enterprise.
    claim = write_fields(OwnershipClaim)
    assert (claim.units, claim.team) == (("claimant_unit",), "claimant_team")


def test_unit_clerk_names_own_unit_and_its_teams(w):
    def errors(**kw):
        return write_scope_errors(w.unit_clerk, Project(enterprise=w.enterprise, **kw))

    assert errors(unit=w.a, team=w.t1) == {}
    assert errors(unit=w.a, team=None) == {}
    assert set(errors(unit=w.a, team=w.t2)) == {"team"}
    assert "引进团队" in errors(unit=w.a, team=w.t2)["team"]
    assert "范围测试二团" in errors(unit=w.a, team=w.t2)["team"]
    assert set(errors(unit=w.b, team=w.t1)) == {"unit"}
    assert "引进单位只能填写本单位（范围测试甲局）" in errors(unit=w.b, team=w.t1)["unit"]


def test_team_clerk_names_own_team_and_its_units(w):
    def errors(**kw):
        return write_scope_errors(w.team_clerk, Investment(project=w.project, **kw))

    assert errors(unit=w.a, team=w.t1) == {}
    assert errors(unit=w.b, team=w.t1) == {}
    assert errors(unit=w.b, team=None) == {}
    assert set(errors(unit=w.c, team=w.t1)) == {"unit"}
    assert "计入单位“范围测试丙局”不是本团队（范围测试一团）" in errors(unit=w.c, team=w.t1)["unit"]
    assert set(errors(unit=w.c, team=w.t2)) == {"unit", "team"}
    # A report or channel of the team itself names no unit.
    assert write_scope_errors(w.team_clerk, Channel(kind="in_app", team=w.t1)) == {}
    assert set(write_scope_errors(w.team_clerk, Channel(kind="in_app"))) == {"team"}


def test_wide_roles_are_limited_by_jurisdiction_only(w):
    admin = get_user_model().objects.create_superuser("ws-admin", password="x")
    for user in (w.office, admin):
        assert write_scope_errors(user, Investment(project=w.project, unit=w.c, team=w.t1)) == {}


def test_an_update_is_checked_only_when_its_holder_changes(w):
    # The office filed the unit's project under another team: the clerk may still edit it...
    Project.objects.filter(pk=w.project.pk).update(team=w.t2)
    project = Project.objects.get(pk=w.project.pk)
    project.name = "范围测试项目（改名）"
    assert write_scope_errors(w.unit_clerk, project) == {}
    # ...and take it out of that team, but not put it under another unit (nor keep the team then).
    project.team = None
    assert write_scope_errors(w.unit_clerk, project) == {}
    project.team, project.unit = w.t2, w.b
    assert set(write_scope_errors(w.unit_clerk, project)) == {"unit", "team"}


def test_a_part_hangs_on_a_record_the_writer_sees(w):
    other = Project.objects.exclude(unit=w.a).filter(jurisdiction=w.county).first()
    assert write_scope_errors(w.unit_clerk, ProjectPhase(project=w.project, number=1, name="一期")) == {}
    errors = write_scope_errors(w.unit_clerk, ProjectPhase(project=other, number=1, name="一期"))
    assert set(errors) == {"project"} and "项目不在您的权限范围内" in errors["project"]


def test_a_claim_names_the_claimants_side_only(w):
    held = Enterprise.objects.create(jurisdiction=w.county, name="范围测试被申请公司", unit=w.c)
    claim = OwnershipClaim(
        jurisdiction=w.county, enterprise=held, holder_unit=w.c, claimant_unit=w.a, claimant_team=w.t1
    )
    assert write_scope_errors(w.unit_clerk, claim) == {}
    claim.claimant_team = w.t2
    assert set(write_scope_errors(w.unit_clerk, claim)) == {"claimant_team"}


# --- Web forms ------------------------------------------------------------------------------------


def _project_form(w, **kw):
    return {
        "name": "范围测试新项目", "enterprise": w.enterprise.pk, "category": "industry",
        "total_investment": "800", "unit": w.a.pk, "team": w.t1.pk, "registered_on": "2024-05-06", **kw,
    }  # fmt: skip


def _activity_form(w, **kw):
    return {
        "kind": "visit", "unit": w.a.pk, "team": w.t1.pk, "date": "2024-05-08",
        "enterprise_name": "范围测试拜访公司", "summary": "洽谈", **kw,
    }  # fmt: skip


def test_web_forms_refuse_an_out_of_scope_holder_naming_the_field(client, w):
    log = _log_count()
    projects, investments, activities = (
        Project.objects.count(),
        Investment.objects.count(),
        Activity.objects.count(),
    )

    client.force_login(w.unit_clerk)
    page = client.get(reverse("ledger:project_add")).content.decode()
    assert "范围测试一团" in page and "范围测试二团" not in page  # the picker offers the unit's teams
    response = client.post(reverse("ledger:project_add"), _project_form(w, team=w.t2.pk))
    assert response.status_code == 400
    assert "引进团队只能选择本单位（范围测试甲局）所在的团队或留空" in response.content.decode()
    assert 'value="范围测试新项目"' in response.content.decode()  # what was typed is kept
    response = client.post(
        reverse("ledger:investment_add"),
        {"project": w.project.pk, "month": "2024-02", "amount": "10", "unit": w.a.pk, "team": w.t2.pk},
    )
    assert response.status_code == 400 and "计入团队只能选择" in response.content.decode()
    response = client.post(reverse("fieldwork:activity_add"), _activity_form(w, team=w.t2.pk))
    assert response.status_code == 400 and "团队只能选择本单位" in response.content.decode()
    # Editing their own record into another team is refused the same way.
    response = client.post(
        reverse("fieldwork:activity_edit", args=[w.activity.pk]),
        _activity_form(w, team=w.t2.pk, _version=version_of(w.activity)),
    )
    assert response.status_code == 400 and "团队只能选择本单位" in response.content.decode()

    client.force_login(w.team_clerk)
    response = client.post(
        reverse("ledger:investment_add"),
        {"project": w.project.pk, "month": "2024-02", "amount": "10", "unit": w.c.pk, "team": w.t1.pk},
    )
    assert response.status_code == 400
    assert "计入单位只能选择本团队（范围测试一团）的牵头单位或成员单位" in response.content.decode()
    response = client.post(reverse("fieldwork:activity_add"), _activity_form(w, unit=w.c.pk))
    assert response.status_code == 400 and "单位只能选择本团队" in response.content.decode()
    page = client.get(reverse("fieldwork:activity_add")).content.decode()
    assert "范围测试乙局" in page and "范围测试丙局" not in page
    assert f'<option value="{w.a.pk}" selected>' in page  # the team's lead unit, prefilled

    assert (Project.objects.count(), Investment.objects.count(), Activity.objects.count()) == (
        projects, investments, activities,
    )  # fmt: skip
    assert _log_count() == log
    w.activity.refresh_from_db()
    assert w.activity.team == w.t1


def test_the_rule_stands_behind_the_pickers(client, w, monkeypatch):
    """A form whose pickers offered more (a view that forgot them) still cannot save it."""
    from zhaoshang.core import views as core_views

    monkeypatch.setattr(core_views, "WriteScope", _Unrestricted)
    client.force_login(w.unit_clerk)
    log = _log_count()
    response = client.post(reverse("ledger:project_add"), _project_form(w, team=w.t2.pk))
    assert response.status_code == 400
    assert "引进团队“范围测试二团”不是本单位（范围测试甲局）所在的团队" in response.content.decode()
    assert not Project.objects.filter(name="范围测试新项目").exists() and _log_count() == log


class _Unrestricted:
    def __init__(self, user):
        self.unrestricted = True


def test_a_clerk_keeps_the_team_the_office_chose(client, w):
    Activity.objects.filter(pk=w.activity.pk).update(team=w.t2)
    client.force_login(w.unit_clerk)
    url = reverse("fieldwork:activity_edit", args=[w.activity.pk])
    page = client.get(url).content.decode()
    assert f'<option value="{w.t2.pk}" selected>范围测试二团</option>' in page  # named: teams are public
    w.activity.refresh_from_db()
    response = client.post(
        url, _activity_form(w, team=w.t2.pk, summary="补记", _version=version_of(w.activity))
    )
    assert response.status_code == 302
    w.activity.refresh_from_db()
    assert (w.activity.team, w.activity.summary) == (w.t2, "补记")


def test_web_forms_accept_an_in_scope_holder(client, w):
    client.force_login(w.unit_clerk)
    response = client.post(reverse("ledger:project_add"), _project_form(w))
    assert response.status_code == 302
    assert Project.objects.get(name="范围测试新项目").team == w.t1
    client.force_login(w.team_clerk)
    response = client.post(
        reverse("ledger:investment_add"),
        {"project": w.project.pk, "month": "2024-02", "amount": "10", "unit": w.b.pk, "team": w.t1.pk},
    )
    assert response.status_code == 302
    assert Investment.objects.filter(project=w.project, unit=w.b, month=date(2024, 2, 1)).exists()
    # The office files anywhere in its county.
    client.force_login(w.office)
    response = client.post(
        reverse("ledger:investment_add"),
        {"project": w.project.pk, "month": "2024-02", "amount": "10", "unit": w.c.pk, "team": w.t1.pk},
    )
    assert response.status_code == 302


# --- API -------------------------------------------------------------------------------------------


def test_api_create_and_update_refuse_an_out_of_scope_holder(client, w):
    log = _log_count()
    client.force_login(w.unit_clerk)
    response = client.post(
        "/api/projects/",
        {**_project_form(w, team=w.t2.pk), "stage": "lead"},
        content_type="application/json",
    )
    assert response.status_code == 400, response.json()
    assert "引进团队“范围测试二团”不是本单位（范围测试甲局）所在的团队" in response.json()["team"][0]
    response = client.patch(
        f"/api/activities/{w.activity.pk}/", {"team": w.t2.pk}, content_type="application/json"
    )
    assert response.status_code == 400 and "团队“范围测试二团”" in response.json()["team"][0]
    response = client.post(
        "/api/investments/",
        {"project": w.project.pk, "month": "2024-02-01", "amount": "10", "unit": w.a.pk, "team": w.t2.pk},
        content_type="application/json",
    )
    assert response.status_code == 400 and "计入团队" in response.json()["team"][0]

    client.force_login(w.team_clerk)
    response = client.post(
        "/api/investments/",
        {"project": w.project.pk, "month": "2024-02-01", "amount": "10", "unit": w.c.pk, "team": w.t1.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "计入单位“范围测试丙局”不是本团队（范围测试一团）" in response.json()["unit"][0]
    response = client.patch(
        f"/api/investments/{w.investment.pk}/", {"unit": w.c.pk}, content_type="application/json"
    )
    assert response.status_code == 400 and "计入单位" in response.json()["unit"][0]
    response = client.patch(
        f"/api/activities/{w.activity.pk}/", {"unit": w.c.pk, "team": None}, content_type="application/json"
    )
    assert response.status_code == 400 and set(response.json()) == {"unit"}

    assert not Project.objects.filter(name="范围测试新项目").exists()
    assert Investment.objects.filter(project=w.project).count() == 1
    w.activity.refresh_from_db()
    w.investment.refresh_from_db()
    assert (w.activity.unit, w.activity.team, w.investment.unit) == (w.a, w.t1, w.a)
    assert _log_count() == log


def test_api_accepts_an_in_scope_holder(client, w):
    client.force_login(w.team_clerk)
    response = client.post(
        "/api/investments/",
        {"project": w.project.pk, "month": "2024-02-01", "amount": "10", "unit": w.b.pk, "team": w.t1.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    response = client.patch(
        f"/api/activities/{w.activity.pk}/", {"summary": "补记"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    client.force_login(w.office)
    response = client.patch(
        f"/api/investments/{w.investment.pk}/", {"unit": w.c.pk}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()


# --- Excel import and the command line -------------------------------------------------------------

ACTIVITY_COLUMNS = [*ACTIVITY_HEADERS, "团队"]


def _activity_row(**kw):
    return {
        "类型": "拜访企业", "单位": "范围测试甲局", "日期": "2024-05-08", "带队领导": "张三", "主要负责人带队": "否",
        "地点": "深圳", "企业名称": "范围测试导入公司", "内容": "洽谈", "团队": "范围测试一团", **kw,
    }  # fmt: skip


def _messages(result) -> list[str]:
    return [str(e) for e in result.errors]


def test_import_refuses_an_out_of_scope_holder_on_the_row_and_column(w):
    log = _log_count()
    activities, investments, projects = (
        Activity.objects.count(),
        Investment.objects.count(),
        Project.objects.count(),
    )

    rows = [_activity_row(), _activity_row(团队="范围测试二团", 企业名称="另一家公司")]
    result = import_activities(xlsx(rows, headers=ACTIVITY_COLUMNS, sheet="招商活动"), user=w.unit_clerk)
    assert [(e.row, e.column) for e in result.errors] == [(3, "团队")], _messages(result)
    assert "“范围测试二团”不是本单位（范围测试甲局）所在的团队" in result.errors[0].message
    assert result.created == 0  # all or nothing: the good row is not written either

    rows = [_activity_row(单位="范围测试丙局", 团队="")]
    result = import_activities(xlsx(rows, headers=ACTIVITY_COLUMNS, sheet="招商活动"), user=w.team_clerk)
    assert [(e.row, e.column) for e in result.errors] == [(2, "单位")], _messages(result)

    rows = [
        {"项目名称": "范围测试项目", "月份": "2024-03", "实际进资（万元）": 50, "计入单位": "范围测试丙局"}
    ]
    result = import_investments(xlsx(rows, headers=INVESTMENT_HEADERS, sheet="实际进资"), user=w.team_clerk)
    assert [(e.row, e.column) for e in result.errors] == [(2, "计入单位")], _messages(result)

    # A project the office filed under another team: the unit clerk's share would credit that team.
    Project.objects.filter(pk=w.project.pk).update(team=w.t2)
    rows = [{"项目名称": "范围测试项目", "月份": "2024-03", "实际进资（万元）": 50}]
    result = import_investments(xlsx(rows, headers=INVESTMENT_HEADERS, sheet="实际进资"), user=w.unit_clerk)
    assert [(e.row, e.column) for e in result.errors] == [(2, "计入单位")], _messages(result)
    assert "计入团队“范围测试二团”" in result.errors[0].message

    # An enterprise the office filed under another team: a new project would follow it there.
    Enterprise.objects.filter(pk=w.enterprise.pk).update(team=w.t2)
    rows = [{"项目名称": "范围测试导入项目", "企业名称": w.enterprise.name, "引进单位": "范围测试甲局",
             "总投资（万元）": 100, "项目阶段": "在谈", "推介会签约": "否"}]  # fmt: skip
    result = import_projects(xlsx(rows, headers=PROJECT_HEADERS), user=w.unit_clerk)
    assert [(e.row, e.column) for e in result.errors] == [(2, "引进单位")], _messages(result)
    assert "引进团队“范围测试二团”" in result.errors[0].message

    assert (Activity.objects.count(), Investment.objects.count(), Project.objects.count()) == (
        activities, investments, projects,
    )  # fmt: skip
    assert not Lead.objects.filter(unit__in=[w.a, w.c]).exists()
    assert _log_count() == log


def test_import_accepts_an_in_scope_holder(w):
    result = import_activities(
        xlsx([_activity_row()], headers=ACTIVITY_COLUMNS, sheet="招商活动"), user=w.unit_clerk
    )
    assert result.ok and result.created == 1, _messages(result)
    assert Activity.objects.get(enterprise_name="范围测试导入公司").team == w.t1
    rows = [
        {"项目名称": "范围测试项目", "月份": "2024-03", "实际进资（万元）": 50, "计入单位": "范围测试乙局"}
    ]
    result = import_investments(xlsx(rows, headers=INVESTMENT_HEADERS, sheet="实际进资"), user=w.team_clerk)
    assert result.ok and result.created == 1, _messages(result)
    assert Investment.objects.get(project=w.project, unit=w.b).team == w.t1


def test_command_line_import_refuses_an_out_of_scope_holder(w, tmp_path):
    path = tmp_path / "活动.xlsx"
    rows = [_activity_row(团队="范围测试二团")]
    path.write_bytes(xlsx(rows, headers=ACTIVITY_COLUMNS, sheet="招商活动"))
    log, count = _log_count(), Activity.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import", "activities", str(path), "--user", "ws-unit", stderr=err)
    assert "第2行【团队】“范围测试二团”不是本单位（范围测试甲局）所在的团队" in err.getvalue()
    assert Activity.objects.count() == count and _log_count() == log

    path.write_bytes(xlsx([_activity_row()], headers=ACTIVITY_COLUMNS, sheet="招商活动"))
    out = io.StringIO()
    call_command("import", "activities", str(path), "--user", "ws-unit", stdout=out)
    assert "新建 1 条" in out.getvalue()
