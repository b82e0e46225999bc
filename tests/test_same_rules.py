"""The same rules on every channel (issue 10 point 3): what the web form checks or fills in
holds for the API, the Excel import and the command line, because it lives in the model or a
service they all call, not in a view.

- A visit made on an outbound trip takes the trip's unit, team, leader and head-led flag
  (`Activity.follow_trip`); the API cannot file it under anything else, and editing the trip on
  any channel brings its visits along.
- An activity carries only its own kind's fields (`Activity.clean`, `KIND_FIELDS`): the API
  refuses another kind's, naming the field in Chinese; the web form shows only the kind's.
- A visit or lead that names an enterprise of the 客商库 is linked to it
  (`fieldwork/services.py: enterprise_link`).
- Every write endpoint asks the one write-scope rule (`core/scoping.py: write_scope_errors`)
  through `ScopedViewSet._save_in_scope`.

A small world of its own in 信丰县: 甲局 leads 一团 with 乙局 as member; 一团 went to 深圳 on a
trip led by its head.
"""

from __future__ import annotations

import inspect
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from zhaoshang.api.base import ScopedViewSet
from zhaoshang.api.views import ENDPOINTS
from zhaoshang.core.concurrency import version_of
from zhaoshang.core.models import ObjectChange
from zhaoshang.core.scoping import write_fields
from zhaoshang.exchange.importer import import_activities
from zhaoshang.fieldwork.models import KIND_FIELDS, Activity
from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.org.models import Jurisdiction, Membership, Policy, Team, Unit

K = Activity.Kind
# The field-work sheet as clerks fill it in (exchange/layouts.py: ACTIVITIES).
ACTIVITY_COLUMNS = ["类型", "单位", "日期", "带队领导", "主要负责人带队", "地点", "企业名称", "内容", "团队"]


def xlsx(rows: list[dict], *, headers: list[str], sheet: str) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def w(db):
    county = Jurisdiction.objects.get(code="360722")
    policy = Policy.objects.get(name="xinfeng-2024")
    a, b = (
        Unit.objects.create(jurisdiction=county, name=f"同规测试{x}局", kind="department") for x in "甲乙"
    )
    team = Team.objects.create(
        jurisdiction=county,
        policy=policy,
        kind="corps",
        clause="测试",
        key="sr-t1",
        name="同规测试一团",
        lead_unit=a,
    )
    team.member_units.add(b)
    clerk = get_user_model().objects.create_user("sr-team", password="x")
    Membership.objects.create(user=clerk, role="team_clerk", jurisdiction=county, team=team)
    enterprise = Enterprise.objects.create(
        jurisdiction=county, name="同规测试新能源有限公司", unit=a, team=team
    )
    project = Project.objects.create(
        jurisdiction=county, name="同规测试项目", enterprise=enterprise, unit=a, team=team,
        total_investment=Decimal(5000), registered_on=date(2024, 3, 1),
    )  # fmt: skip
    trip = Activity.objects.create(
        jurisdiction=county, kind=K.OUTBOUND_TRIP, unit=a, team=team, date=date(2024, 5, 6), days=3,
        leader="张团长", head_led=True, region="pearl_delta", place="深圳", summary="赴深圳对接",
    )  # fmt: skip
    return SimpleNamespace(
        county=county, a=a, b=b, team=team, clerk=clerk, enterprise=enterprise, project=project, trip=trip,
        office=get_user_model().objects.get(username="xf-office"),
    )  # fmt: skip


def _log(obj, action, source):
    return ObjectChange.objects.filter(
        content_type__model=obj._meta.model_name, object_id=str(obj.pk), action=action, source=source
    )


def _visit(w, **kw):
    return {"kind": "visit", "trip": w.trip.pk, "unit": w.a.pk, "date": "2024-05-07",
            "enterprise_name": "深圳某某科技有限公司", **kw}  # fmt: skip


def _trip_form(w, **kw):
    return {
        "kind": "outbound_trip", "unit": w.a.pk, "team": w.team.pk, "date": "2024-05-06", "days": "3",
        "leader": "张团长", "head_led": "on", "region": "pearl_delta", "place": "深圳", "summary": "赴深圳对接",
        "visits-TOTAL_FORMS": "0", "visits-INITIAL_FORMS": "0", "visits-MIN_NUM_FORMS": "0",
        "visits-MAX_NUM_FORMS": "50", "decisions-TOTAL_FORMS": "0", "decisions-INITIAL_FORMS": "0",
        "decisions-MIN_NUM_FORMS": "0", "decisions-MAX_NUM_FORMS": "50", **kw,
    }  # fmt: skip


def _errors(response):
    import re

    return re.findall(r'role="alert"[^>]*>(.*?)</', response.content.decode(), re.S)


# --- A visit on a trip is the trip's -----------------------------------------------------------------


def test_a_visit_on_a_trip_takes_the_trips_holder_through_the_form(client, w):
    client.force_login(w.clerk)
    n = Activity.objects.count()
    data = _trip_form(w, **{"visits-TOTAL_FORMS": "1", "visits-0-enterprise_name": "深圳某某科技有限公司",
                            "visits-0-date": "2024-05-07", "_version": version_of(w.trip)})  # fmt: skip
    response = client.post(reverse("fieldwork:activity_edit", args=[w.trip.pk]), data)
    assert response.status_code == 302, _errors(response)
    assert Activity.objects.count() == n + 1
    visit = w.trip.visits.get()
    assert (visit.unit, visit.team, visit.leader, visit.head_led, visit.place, visit.jurisdiction) == (
        w.a, w.team, "张团长", True, "深圳", w.county,
    )  # fmt: skip
    assert _log(visit, "create", "ui").count() == 1
    # The trip's new leader, and no longer head-led: its visit follows.
    w.trip.refresh_from_db()
    data = _trip_form(w, leader="李局长", head_led="", _version=version_of(w.trip))
    response = client.post(reverse("fieldwork:activity_edit", args=[w.trip.pk]), data)
    assert response.status_code == 302, _errors(response)
    visit.refresh_from_db()
    assert (visit.leader, visit.head_led) == ("李局长", False)
    assert _log(visit, "update", "ui").count() == 1


def test_a_visit_on_a_trip_takes_the_trips_holder_through_the_api(client, w):
    client.force_login(w.clerk)
    n, log = Activity.objects.count(), ObjectChange.objects.count()
    # Nothing but the unit said of the holder: the rest comes from the trip.
    response = client.post("/api/activities/", _visit(w), content_type="application/json")
    assert response.status_code == 201, response.json()
    assert Activity.objects.count() == n + 1
    visit = Activity.objects.get(pk=response.json()["id"])
    assert (visit.unit, visit.team, visit.leader, visit.head_led, visit.place) == (
        w.a, w.team, "张团长", True, "深圳",
    )  # fmt: skip
    assert response.json()["team"] == w.team.pk and response.json()["leader"] == "张团长"
    assert _log(visit, "create", "api").count() == 1
    assert ObjectChange.objects.count() == log + 1

    # Another unit, even one the clerk may name (乙局 is a member of 一团), is refused on the field.
    for body in (_visit(w, unit=w.b.pk), _visit(w, team=None), _visit(w, head_led=False)):
        response = client.post("/api/activities/", body, content_type="application/json")
        assert response.status_code == 400, response.json()
        (field,) = response.json()
        assert field in ("unit", "team", "head_led") and "随外出招商登记" in response.json()[field][0]
    response = client.patch(
        f"/api/activities/{visit.pk}/", {"leader": "别人"}, content_type="application/json"
    )
    assert response.status_code == 400 and "随外出招商登记带队领导（张团长）" in response.json()["leader"][0]
    assert Activity.objects.count() == n + 1
    assert ObjectChange.objects.count() == log + 1

    # Editing the trip through the API brings its visits along, each change logged.
    response = client.patch(
        f"/api/activities/{w.trip.pk}/",
        {"leader": "李局长", "head_led": False},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    visit.refresh_from_db()
    assert (visit.leader, visit.head_led) == ("李局长", False)
    assert _log(visit, "update", "api").count() == 1
    # Shortening the trip so that its visit falls outside it is refused, naming the visit.
    log = ObjectChange.objects.count()
    response = client.patch(
        f"/api/activities/{w.trip.pk}/", {"date": "2024-05-08", "days": 1}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "拜访企业（深圳某某科技有限公司）的日期2024-05-07不在外出招商期间" in response.json()["date"][0]
    assert ObjectChange.objects.count() == log
    # Moving the trip to 乙局 moves the visit too.
    response = client.patch(
        f"/api/activities/{w.trip.pk}/", {"unit": w.b.pk}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    visit.refresh_from_db()
    assert visit.unit == w.b and _log(visit, "update", "api").count() == 2


def test_a_visit_on_a_trip_takes_the_trips_holder_on_the_command_line(w):
    """What the `shell` or a management command saves follows the trip the same way."""
    visit = Activity(kind=K.VISIT, trip=w.trip, unit=w.b, date=date(2024, 5, 8), enterprise_name="某公司")
    visit.full_clean()
    visit.save()
    assert (visit.unit, visit.team, visit.leader, visit.head_led) == (w.a, w.team, "张团长", True)


def test_a_trip_changed_by_the_import_brings_its_visits_along(w):
    visit = Activity(kind=K.VISIT, trip=w.trip, unit=w.a, date=date(2024, 5, 7), enterprise_name="某公司")
    visit.full_clean()
    visit.save()
    row = {"类型": "外出招商", "单位": w.a.name, "日期": "2024-05-06", "带队领导": "张团长", "主要负责人带队": "否",
           "地点": "深圳", "企业名称": "", "内容": "赴深圳对接", "团队": w.team.name}  # fmt: skip
    result = import_activities(xlsx([row], headers=ACTIVITY_COLUMNS, sheet="招商活动"), user=w.clerk)
    assert result.ok and result.updated == 1, [str(e) for e in result.errors]
    w.trip.refresh_from_db()
    assert w.trip.head_led is False
    visit.refresh_from_db()
    assert visit.head_led is False


# --- An activity carries only its own kind's fields ----------------------------------------------------


def test_the_api_refuses_fields_of_another_kind_naming_them(client, w):
    client.force_login(w.clerk)
    n, log = Activity.objects.count(), ObjectChange.objects.count()
    meeting = {"kind": "meeting", "unit": w.a.pk, "team": w.team.pk, "date": "2024-05-20", "leader": "张团长",
               "minutes": "调度在谈项目"}  # fmt: skip
    response = client.post(
        "/api/activities/",
        {**meeting, "head_led": True, "cost_yuan": "300.00"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "head_led": ["调度会议不填写“主要负责人带队”，请留空"],
        "cost_yuan": ["调度会议不填写“费用（元）”，请留空"],
    }
    reception = {"kind": "reception", "unit": w.a.pk, "date": "2024-05-07", "merchant": "王总"}
    response = client.post(
        "/api/activities/", {**reception, "trip": w.trip.pk}, content_type="application/json"
    )
    assert response.status_code == 400 and "接待客商不填写此项" in response.json()["trip"][0]
    response = client.post(
        "/api/activities/", {**reception, "projects_signed": [w.project.pk]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"projects_signed": ["接待客商不填写“现场签约项目”，请留空"]}
    # A trip turned into an event keeps nothing of the trip's own (随行人员 here).
    trip = Activity.objects.get(pk=w.trip.pk)
    Activity.objects.filter(pk=trip.pk).update(members="小李")
    response = client.patch(
        f"/api/activities/{trip.pk}/", {"kind": "promotion_event", "days": 1}, content_type="application/json"
    )
    assert response.status_code == 400 and "推介活动不填写“随行人员”" in response.json()["members"][0]
    assert Activity.objects.count() == n and ObjectChange.objects.count() == log

    # Only its own: accepted, and logged once.
    response = client.post("/api/activities/", meeting, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert Activity.objects.count() == n + 1
    assert _log(Activity.objects.get(pk=response.json()["id"]), "create", "api").count() == 1


def test_the_form_shows_and_saves_only_the_kinds_fields(client, w):
    client.force_login(w.clerk)
    n = Activity.objects.count()
    data = _trip_form(w, kind="meeting", date="2024-05-20", minutes="调度", meeting_kind="scheduling",
                      cost_yuan="300", members="小李")  # fmt: skip
    response = client.post(reverse("fieldwork:activity_add"), data)
    assert response.status_code == 302, _errors(response)
    assert Activity.objects.count() == n + 1
    meeting = Activity.objects.get(kind=K.MEETING, unit=w.a, date=date(2024, 5, 20))
    # 主要负责人带队, 费用, 随行人员, 区域 belong to trips: the form shows them only there.
    assert (meeting.head_led, meeting.cost_yuan, meeting.members, meeting.region) == (False, None, "", "")
    meeting.full_clean()  # as saved, the model's rule holds
    assert _log(meeting, "create", "ui").count() == 1
    form_fields = set(KIND_FIELDS[K.MEETING]) | set(Activity.COMMON_FIELDS)
    assert "head_led" not in form_fields and "minutes" in form_fields


def test_the_import_refuses_fields_of_another_kind(w):
    n, log = Activity.objects.count(), ObjectChange.objects.count()
    row = {"类型": "调度会议", "单位": w.a.name, "日期": "2024-05-20", "带队领导": "张团长", "主要负责人带队": "是",
           "地点": "县政府", "企业名称": "", "内容": "调度", "团队": w.team.name}  # fmt: skip
    result = import_activities(xlsx([row], headers=ACTIVITY_COLUMNS, sheet="招商活动"), user=w.clerk)
    assert not result.ok and [(e.row, e.column) for e in result.errors] == [(2, "主要负责人带队")]
    assert Activity.objects.count() == n and ObjectChange.objects.count() == log


# --- A named enterprise is linked on every channel ----------------------------------------------------


def test_a_named_enterprise_is_linked_by_the_form_the_api_and_the_import(client, w):
    client.force_login(w.clerk)
    name = w.enterprise.name
    n = Activity.objects.count()
    data = _trip_form(w, kind="visit", date="2024-05-21", enterprise_name=name, place="县城", head_led="")
    response = client.post(reverse("fieldwork:activity_add"), data)
    assert response.status_code == 302, _errors(response)
    by_form = Activity.objects.get(kind=K.VISIT, unit=w.a, date=date(2024, 5, 21))
    assert by_form.enterprise == w.enterprise and _log(by_form, "create", "ui").count() == 1

    body = {
        "kind": "reception",
        "unit": w.a.pk,
        "team": w.team.pk,
        "date": "2024-05-22",
        "enterprise_name": name,
    }
    response = client.post("/api/activities/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["enterprise"] == w.enterprise.pk
    by_api = Activity.objects.get(pk=response.json()["id"])
    assert _log(by_api, "create", "api").count() == 1
    response = client.post(
        "/api/leads/",
        {
            "unit": w.a.pk,
            "team": w.team.pk,
            "reported_on": "2024-05-22",
            "title": "新能源扩产",
            "enterprise_name": name,
            "content": "拟扩产",
        },
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["enterprise"] == w.enterprise.pk, response.json()

    row = {"类型": "拜访企业", "单位": w.a.name, "日期": "2024-05-23", "带队领导": "张团长", "主要负责人带队": "否",
           "地点": "县城", "企业名称": name, "内容": "回访", "团队": w.team.name}  # fmt: skip
    result = import_activities(xlsx([row], headers=ACTIVITY_COLUMNS, sheet="招商活动"), user=w.clerk)
    assert result.ok and result.created == 1, [str(e) for e in result.errors]
    by_import = Activity.objects.get(kind=K.VISIT, unit=w.a, date=date(2024, 5, 23))
    assert by_import.enterprise == w.enterprise and _log(by_import, "create", "import").count() == 1
    assert Activity.objects.count() == n + 3


# --- Every write endpoint asks the one write-scope rule ---------------------------------------------------

# Endpoints whose own create writes through a service that takes the holder from the user's
# membership or checks the office's role, never from what was sent.
SERVICE_CREATES = {"claims", "assessments", "bulletins", "reports", "instructions", "carrier-assignments"}


@pytest.mark.parametrize("prefix", list(ENDPOINTS), ids=list(ENDPOINTS))
def test_every_write_endpoint_asks_the_write_scope_rule(prefix):
    viewset = ENDPOINTS[prefix]
    model = viewset.queryset.model
    methods = set(getattr(viewset, "http_method_names", ())) & {"post", "put", "patch"}
    spec = write_fields(model)
    if not methods or not (spec.holder or spec.parents):
        return
    assert issubclass(viewset, ScopedViewSet)
    for name, method in (("perform_create", "post"), ("perform_update", "patch")):
        if method not in methods and not (method == "patch" and "put" in methods):
            continue
        if name == "perform_create" and prefix in SERVICE_CREATES:
            assert viewset.create is not ScopedViewSet.create  # its own create, through a service
            continue
        own = getattr(viewset, name)
        assert own is getattr(ScopedViewSet, name) or "_save_in_scope" in inspect.getsource(own), (
            f"/api/{prefix}/ {name} does not write through _save_in_scope"
        )
    save = viewset._save_in_scope
    assert save is ScopedViewSet._save_in_scope or "super()._save_in_scope" in inspect.getsource(save)


# --- The import asks the model's rules of every activity before its bulk write ----------------------


def test_the_import_refuses_another_kind_on_an_update_and_names_every_row(w):
    """An update is the record as the row leaves it; several bad rows are all named, nothing saved."""
    meeting = Activity.objects.create(
        jurisdiction=w.county, kind=K.MEETING, unit=w.a, team=w.team, date=date(2024, 5, 20),
        leader="张团长", place="县政府", summary="调度",
    )  # fmt: skip
    n, log = Activity.objects.count(), ObjectChange.objects.count()
    again = {"类型": "调度会议", "单位": w.a.name, "日期": "2024-05-20", "带队领导": "张团长", "主要负责人带队": "是",
             "地点": "县政府", "企业名称": "", "内容": "调度", "团队": w.team.name}  # fmt: skip
    visit = {
        **again,
        "类型": "拜访企业",
        "日期": "2024-05-21",
        "主要负责人带队": "否",
        "企业名称": "某某公司",
    }
    rows = [again, {**visit, "天数": 2}, {**again, "类型": "接待客商", "主要负责人带队": "否", "地点": ""}]
    result = import_activities(
        xlsx(rows, headers=[*ACTIVITY_COLUMNS, "天数"], sheet="招商活动"), user=w.clerk
    )
    assert [str(e) for e in result.errors] == [
        "第2行【主要负责人带队】调度会议不填写“主要负责人带队”，请留空",
        "第3行【天数】拜访企业和调度会议按1天计",
        "第4行【企业名称】接待客商须填写客商或其所在企业",
    ]
    assert Activity.objects.count() == n and ObjectChange.objects.count() == log
    meeting.refresh_from_db()
    assert meeting.head_led is False


def test_a_visit_on_a_trip_keeps_the_trips_fields_through_the_import(w):
    """A row may not file a trip's visit under another 主要负责人带队 or 团队 (the API's rule), and a
    trip's 天数 may not leave one of its visits outside it."""
    visit = Activity(kind=K.VISIT, trip=w.trip, unit=w.a, date=date(2024, 5, 7), enterprise_name="某公司")
    visit.full_clean()
    visit.save()
    n, log = Activity.objects.count(), ObjectChange.objects.count()
    row = {"类型": "拜访企业", "单位": w.a.name, "日期": "2024-05-07", "带队领导": "张团长", "主要负责人带队": "否",
           "地点": "深圳", "企业名称": "某公司", "内容": "", "团队": w.team.name}  # fmt: skip
    result = import_activities(xlsx([row], headers=ACTIVITY_COLUMNS, sheet="招商活动"), user=w.clerk)
    assert [str(e) for e in result.errors] == [
        "第2行【主要负责人带队】归入外出招商的拜访随外出招商登记主要负责人带队（是），不能另填"
    ]
    trip = {"类型": "外出招商", "单位": w.a.name, "日期": "2024-05-06", "带队领导": "张团长", "主要负责人带队": "是",
            "地点": "深圳", "企业名称": "", "内容": "赴深圳对接", "团队": w.team.name, "天数": 1}  # fmt: skip
    result = import_activities(
        xlsx([trip], headers=[*ACTIVITY_COLUMNS, "天数"], sheet="招商活动"), user=w.clerk
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "天数")]
    assert "拜访企业（某公司）的日期2024-05-07不在外出招商期间" in result.errors[0].message
    assert Activity.objects.count() == n and ObjectChange.objects.count() == log
    # The same row as stored changes nothing; a visit the sheet creates stands alone (no trip column).
    row["主要负责人带队"] = "是"
    result = import_activities(xlsx([row], headers=ACTIVITY_COLUMNS, sheet="招商活动"), user=w.clerk)
    assert result.ok and result.unchanged == 1 and ObjectChange.objects.count() == log


def test_visits_following_an_imported_trip_are_logged_as_the_orm_logs_them(w):
    """The import's bulk write logs each visit that follows its trip with the entry `Activity.save`
    would write: the same before, after, text and place (checked against the ORM's own entry)."""
    from zhaoshang.core.changelog import snapshot

    visit = Activity(kind=K.VISIT, trip=w.trip, unit=w.a, date=date(2024, 5, 7), enterprise_name="某公司")
    visit.full_clean()
    visit.save()
    before = snapshot(visit)
    n = Activity.objects.count()
    row = {"类型": "外出招商", "单位": w.a.name, "日期": "2024-05-06", "带队领导": "张团长", "主要负责人带队": "否",
           "地点": "深圳", "企业名称": "", "内容": "赴深圳对接", "团队": w.team.name}  # fmt: skip
    result = import_activities(xlsx([row], headers=ACTIVITY_COLUMNS, sheet="招商活动"), user=w.clerk)
    assert result.ok and result.updated == 1, [str(e) for e in result.errors]
    assert Activity.objects.count() == n
    visit.refresh_from_db()
    (by_import,) = _log(visit, "update", "import")
    assert by_import.before == before and by_import.after == snapshot(visit) != before
    assert by_import.after["head_led"] is False and by_import.user_name == "sr-team"
    assert (by_import.object_repr, by_import.jurisdiction_path) == (
        str(visit), visit.changelog_jurisdiction_path(),
    )  # fmt: skip
    assert _log(w.trip, "update", "import").count() == 1
    # The ORM's path back: the mirror image of the import's entry.
    trip = Activity.objects.get(pk=w.trip.pk)
    trip.head_led = True
    trip.save()
    by_orm = ObjectChange.objects.filter(
        content_type__model="activity", object_id=str(visit.pk), action="update"
    ).latest("id")
    assert by_orm.pk != by_import.pk
    assert (by_orm.before, by_orm.after) == (by_import.after, by_import.before)
    assert (by_orm.object_repr, by_orm.jurisdiction_path) == (
        by_import.object_repr,
        by_import.jurisdiction_path,
    )


# --- A visit names its enterprise; a reception its merchant or their enterprise ------------------------


def test_a_visit_and_a_reception_name_who_they_met_on_every_channel(client, w):
    client.force_login(w.clerk)
    n, log = Activity.objects.count(), ObjectChange.objects.count()
    # The form.
    data = _trip_form(w, kind="visit", date="2024-05-21", place="县城", head_led="", leader="")
    response = client.post(reverse("fieldwork:activity_add"), data)
    assert response.status_code == 400 and "企业名称：拜访企业须填写企业名称" in _errors(response)
    data = _trip_form(w, kind="reception", date="2024-05-21", place="", head_led="", leader="")
    response = client.post(reverse("fieldwork:activity_add"), data)
    assert response.status_code == 400 and "客商：接待客商须填写客商或其所在企业" in _errors(response)
    # The API: the same messages, on the fields.
    body = {"kind": "visit", "unit": w.a.pk, "team": w.team.pk, "date": "2024-05-21"}
    response = client.post("/api/activities/", body, content_type="application/json")
    assert response.status_code == 400 and response.json() == {"enterprise_name": ["拜访企业须填写企业名称"]}
    response = client.post("/api/activities/", {**body, "kind": "reception"}, content_type="application/json")
    assert response.status_code == 400 and response.json() == {"merchant": ["接待客商须填写客商或其所在企业"]}
    # The import: the row and the column (企业名称, as the sheet has no 客商).
    rows = [
        {"类型": "拜访企业", "单位": w.a.name, "日期": "2024-05-21", "带队领导": "张团长", "主要负责人带队": "否",
         "地点": "县城", "企业名称": "", "内容": "回访", "团队": w.team.name},
        {"类型": "接待客商", "单位": w.a.name, "日期": "2024-05-21", "带队领导": "张团长", "主要负责人带队": "否",
         "地点": "", "企业名称": "", "内容": "接待", "团队": w.team.name},
    ]  # fmt: skip
    result = import_activities(xlsx(rows, headers=ACTIVITY_COLUMNS, sheet="招商活动"), user=w.clerk)
    assert [str(e) for e in result.errors] == [
        "第2行【企业名称】拜访企业须填写企业名称",
        "第3行【企业名称】接待客商须填写客商或其所在企业",
    ]
    assert Activity.objects.count() == n and ObjectChange.objects.count() == log
    # Named, each channel saves one, logged once.
    response = client.post(
        "/api/activities/", {**body, "kind": "reception", "merchant": "王总"}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert _log(Activity.objects.get(pk=response.json()["id"]), "create", "api").count() == 1
    rows[0]["企业名称"] = "某某科技有限公司"
    result = import_activities(xlsx(rows[:1], headers=ACTIVITY_COLUMNS, sheet="招商活动"), user=w.clerk)
    assert result.ok and result.created == 1, [str(e) for e in result.errors]
    by_import = Activity.objects.get(kind=K.VISIT, unit=w.a, date=date(2024, 5, 21))
    assert _log(by_import, "create", "import").count() == 1
    assert Activity.objects.count() == n + 2 and ObjectChange.objects.count() == log + 2


# --- The 统一社会信用代码 is stored upper-case on every channel ---------------------------------------


def _code(serial: str) -> str:
    from zhaoshang.ledger import uscc

    code = uscc.make("360722", serial)
    assert uscc.is_valid(code) and code != code.lower()
    return code


def test_the_uscc_is_stored_upper_case_by_the_form_the_api_and_the_import(client, w):
    from zhaoshang.exchange.importer import import_projects

    client.force_login(w.clerk)
    n, log_id = Enterprise.objects.count(), ObjectChange.objects.latest("id").id
    by_form, by_api, by_import = _code("TR000001"), _code("TR000002"), _code("TR000003")

    response = client.post(
        reverse("ledger:enterprise_add"),
        {"name": "同规表单测试有限公司", "uscc": f" {by_form.lower()} ", "unit": w.a.pk, "team": w.team.pk},
    )
    assert response.status_code == 302, _errors(response)
    ent = Enterprise.objects.get(name="同规表单测试有限公司")
    assert ent.uscc == by_form and _log(ent, "create", "ui").get().after["uscc"] == by_form

    response = client.post(
        "/api/enterprises/",
        {"name": "同规接口测试有限公司", "uscc": by_api.lower(), "unit": w.a.pk, "team": w.team.pk},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["uscc"] == by_api, response.json()
    ent = Enterprise.objects.get(pk=response.json()["id"])
    assert ent.uscc == by_api and _log(ent, "create", "api").get().after["uscc"] == by_api
    # The same code sent in lower case again is the same code: refused as the first one's.
    response = client.post(
        "/api/enterprises/",
        {"name": "另一家接口测试有限公司", "uscc": by_api.lower(), "unit": w.a.pk, "team": w.team.pk},
        content_type="application/json",
    )
    assert response.status_code == 400

    row = {"项目名称": "同规导入测试项目", "企业名称": "同规导入测试有限公司", "统一社会信用代码": by_import.lower(),
           "引进单位": w.a.name, "总投资（万元）": 12000, "项目阶段": "在谈", "推介会签约": "否"}  # fmt: skip
    result = import_projects(xlsx([row], headers=list(row), sheet="项目"), user=w.clerk)
    assert result.ok and result.enterprises_created == 1, [str(e) for e in result.errors]
    ent = Enterprise.objects.get(name="同规导入测试有限公司")
    assert ent.uscc == by_import and _log(ent, "create", "import").get().after["uscc"] == by_import

    # The command line (a save without a form): the model normalises it too.
    ent = Enterprise(
        jurisdiction=w.county, name="同规命令行测试有限公司", unit=w.a, uscc=_code("TR000004").lower()
    )
    ent.full_clean()
    ent.save()
    assert ent.uscc == _code("TR000004")
    assert Enterprise.objects.count() == n + 4
    created = ObjectChange.objects.filter(id__gt=log_id, action="create", source__in=("ui", "api", "import"))
    assert sorted(created.values_list("content_type__model", "source")) == [
        ("enterprise", "api"), ("enterprise", "import"), ("enterprise", "ui"), ("project", "import"),
        ("stagechange", "import"),
    ]  # fmt: skip
