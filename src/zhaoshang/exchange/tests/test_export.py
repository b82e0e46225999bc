"""Exports: the import layout (so they re-import unchanged), typed cells, no formulas, scoped."""

import io
from datetime import date, datetime
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from zhaoshang.core.models import ObjectChange
from zhaoshang.exchange.exporter import export_activities, export_investments, export_projects
from zhaoshang.exchange.importer import import_activities, import_investments, import_projects
from zhaoshang.fieldwork.models import Activity, Lead
from zhaoshang.ledger.models import Enterprise, Investment, Project
from zhaoshang.org.models import Unit

from .helpers import ACTIVITY_EXTRA, ACTIVITY_HEADERS, INVESTMENT_HEADERS, PROJECT_HEADERS, sheet_rows


def _state():
    return (
        ObjectChange.objects.count(),
        dict(Project.objects.values_list("pk", "updated")),
        dict(Enterprise.objects.values_list("pk", "updated")),
        dict(Investment.objects.values_list("pk", "updated")),
    )


def test_export_reimports_unchanged(users):
    user = users["xf-office"]
    content = export_projects(user=user)
    rows = sheet_rows(content)
    assert rows[0] == PROJECT_HEADERS
    assert len(rows) - 1 == Project.objects.visible_to(user).count() > 20
    before = _state()
    result = import_projects(content, user=user)
    assert result.ok, [str(e) for e in result.errors[:5]]
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(rows) - 1)
    invest = export_investments(user=user)
    assert sheet_rows(invest)[0] == INVESTMENT_HEADERS
    result = import_investments(invest, user=user)
    assert result.ok and result.created == result.updated == 0, [str(e) for e in result.errors[:5]]
    assert _state() == before
    # And a second export is the same workbook, cell for cell.
    assert sheet_rows(export_projects(user=user)) == rows


def test_export_cells_are_typed(users):
    user = users["xf-office"]
    ws = load_workbook(io.BytesIO(export_projects(Project.objects.filter(stage="started"), user=user))).active
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert (
        isinstance(row["总投资（万元）"].value, int | float) and row["总投资（万元）"].number_format == "0.00"
    )
    assert isinstance(row["签约日期"].value, datetime) and row["签约日期"].number_format == "yyyy-mm-dd"
    assert isinstance(row["开工日期"].value, datetime)
    assert row["项目阶段"].value == "开工"
    ws = load_workbook(io.BytesIO(export_investments(user=user))).active
    month = ws.cell(row=2, column=3)
    assert isinstance(month.value, datetime) and month.value.day == 1 and month.number_format == "yyyy-mm"
    assert isinstance(ws.cell(row=2, column=4).value, int | float)


def test_formula_injection_is_neutralised_and_round_trips(users):
    user = users["xf-office"]
    project = Project.objects.filter(jurisdiction__code="360722", unit__name="商务局").first()
    Project.objects.filter(pk=project.pk).update(name='=HYPERLINK("http://x","点我")', industry="@SUM(A1)")
    Enterprise.objects.filter(pk=project.enterprise_id).update(name="+86-797 '电子'公司")
    content = export_projects(Project.objects.filter(pk=project.pk), user=user)
    ws = load_workbook(io.BytesIO(content)).active
    cells = {c.value: c for c in ws[2]}
    assert (
        '\'=HYPERLINK("http://x","点我")' in cells and "'@SUM(A1)" in cells and "'+86-797 '电子'公司" in cells
    )
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    before = _state()
    result = import_projects(content, user=user)
    assert result.ok and result.unchanged == 1, [str(e) for e in result.errors]
    assert _state() == before


def test_export_view_honours_filters_and_scope(client, users):
    client.force_login(users["xf-office"])
    response = client.get(
        reverse("exchange:export", args=["projects"]) + "?stage=started&sort=-total_investment"
    )
    assert response.status_code == 200
    rows = sheet_rows(response.content)[1:]
    expected = (
        Project.objects.visible_to(users["xf-office"]).filter(stage="started").order_by("-total_investment")
    )
    assert [r[0] for r in rows] == [p.name for p in expected]
    assert {r[8] for r in rows} == {"开工"}
    # A team clerk's export holds their team's projects only; another county's office sees none of ours.
    client.force_login(users["xf-team"])
    rows = sheet_rows(client.get(reverse("exchange:export", args=["projects"])).content)[1:]
    assert len(rows) == Project.objects.visible_to(users["xf-team"]).count() > 0
    assert len(rows) < Project.objects.filter(jurisdiction__code="360722").count()
    client.force_login(users["tl-office"])
    rows = sheet_rows(client.get(reverse("exchange:export", args=["projects"])).content)[1:]
    # Generated names can repeat across counties, so compare whole rows' identity (name, USCC) with
    # what the other office may see, and check no Xinfeng unit leads any of them.
    expected = Project.objects.visible_to(users["tl-office"]).select_related("enterprise")
    assert sorted((r[0], r[2]) for r in rows) == sorted((p.name, p.enterprise.uscc) for p in expected)
    xf_units = set(Unit.objects.filter(jurisdiction__code="360722").values_list("name", flat=True))
    assert rows and not {r[3] for r in rows} & xf_units
    # Investments, filtered by month as on the list page.
    client.force_login(users["xf-office"])
    response = client.get(reverse("exchange:export", args=["investments"]) + "?month_from=2024-06-01")
    months = [r[2] for r in sheet_rows(response.content)[1:]]
    assert months and min(months).date() >= date(2024, 6, 1)
    bad = client.get(reverse("exchange:export", args=["projects"]) + "?min_investment=lots")
    assert bad.status_code == 400


def test_amounts_keep_two_decimals(users):
    p = Project.objects.filter(jurisdiction__code="360722").first()
    Project.objects.filter(pk=p.pk).update(total_investment=Decimal("1234.50"))
    ws = load_workbook(
        io.BytesIO(export_projects(Project.objects.filter(pk=p.pk), user=users["xf-office"]))
    ).active
    assert ws.cell(row=2, column=5).value == 1234.5


def _activity_state():
    return (
        ObjectChange.objects.count(),
        dict(Activity.objects.values_list("pk", "updated")),
        dict(Lead.objects.values_list("pk", "updated")),
    )


def test_activity_export_reimports_unchanged(users):
    for name in ("xf-office", "xf-team", "tl-office"):
        user = users[name]
        content = export_activities(user=user)
        rows = sheet_rows(content)
        assert rows[0] == ACTIVITY_HEADERS + ACTIVITY_EXTRA
        assert len(rows) - 1 == Activity.objects.visible_to(user).count() > 10
        before = _activity_state()
        result = import_activities(content, user=user)
        assert result.ok, [str(e) for e in result.errors[:5]]
        assert (result.created, result.updated, result.unchanged) == (0, 0, len(rows) - 1), name
        assert _activity_state() == before
        assert sheet_rows(export_activities(user=user)) == rows


def test_activity_export_cells_are_typed_and_formula_safe(users):
    user = users["xf-office"]
    trip = Activity.objects.filter(
        jurisdiction__code="360722", kind="outbound_trip", team__isnull=False
    ).first()
    Activity.objects.filter(pk=trip.pk).update(
        place="=cmd|'/c calc'!A1",
        summary="@SUM(A1)",
        leader="-张三",
        members="+86 138",
        cost_yuan=Decimal("3200.5"),
    )
    content = export_activities(Activity.objects.filter(pk=trip.pk), user=user)
    ws = load_workbook(io.BytesIO(content)).active
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert row["类型"].value == "外出招商" and row["单位"].value == trip.unit.name
    assert isinstance(row["日期"].value, datetime) and row["日期"].number_format == "yyyy-mm-dd"
    assert row["费用（元）"].value == 3200.5 and row["费用（元）"].number_format == "0.00"
    assert row["团队"].value == trip.team.name and row["天数"].value == trip.days
    assert (row["地点"].value, row["内容"].value, row["带队领导"].value, row["随行人员"].value) == (
        "'=cmd|'/c calc'!A1", "'@SUM(A1)", "'-张三", "'+86 138",
    )  # fmt: skip
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    before = _activity_state()
    result = import_activities(content, user=user)
    assert result.ok and result.unchanged == 1, [str(e) for e in result.errors]
    assert _activity_state() == before


def test_activity_export_view_honours_the_list_pages_filters_and_scope(client, users):
    client.force_login(users["xf-office"])
    url = reverse("exchange:export", args=["activities"])
    response = client.get(url + "?kind=outbound_trip&head_led=true&sort=-days")
    assert response.status_code == 200 and "filename*=utf-8''" in response["Content-Disposition"]
    rows = sheet_rows(response.content)[1:]
    expected = (
        Activity.objects.visible_to(users["xf-office"])
        .filter(kind="outbound_trip", head_led=True)
        .order_by("-days", "pk")
    )
    assert rows and len(rows) == expected.count()
    assert {r[0] for r in rows} == {"外出招商"} and {r[4] for r in rows} == {"是"}
    assert [r[8] for r in rows] == [a.days for a in expected]
    client.force_login(users["xf-team"])
    rows = sheet_rows(client.get(url).content)[1:]
    assert len(rows) == Activity.objects.visible_to(users["xf-team"]).count() > 0
    assert len(rows) < Activity.objects.filter(jurisdiction__code="360722").count()
    assert client.get(url + "?date_from=someday").status_code == 400
