"""Field work: the trip form, quotas counted from activities, the reporting calendar with
official holidays, reopening reports and screening leads."""

import re
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from zhaoshang.core.concurrency import version_of
from zhaoshang.core.models import ObjectChange
from zhaoshang.engine.calendar import deadlines
from zhaoshang.fieldwork.models import Activity, Decision, Lead, Report
from zhaoshang.fieldwork.quotas import quota_progress
from zhaoshang.fieldwork.services import is_working_day, schedule_reports
from zhaoshang.org.models import Policy, Team

pytestmark = pytest.mark.django_db

K = Activity.Kind


@pytest.fixture
def testland():
    return Policy.objects.get(name="testland-2024")


@pytest.fixture
def group1():
    return Team.objects.get(policy__name="testland-2024", key="group-1")


def _activity(team, kind, on, **kw):
    unit = kw.pop("unit", team.lead_unit)
    return Activity.objects.create(
        jurisdiction=unit.jurisdiction, kind=kind, unit=unit, team=team, date=on, **kw
    )


def _row(policy, rule, team, on, user=None):
    rows = [r for r in quota_progress(policy, on, user) if r.rule == rule and r.holder == team]
    assert len(rows) == 1, rows
    return rows[0]


# --- Quotas ------------------------------------------------------------------------------------


def test_trip_quota_counts_the_month_of_the_day_asked(testland, group1):
    on = date(2024, 9, 15)
    before = _row(testland, "team-trips", group1, on).value
    _activity(group1, K.OUTBOUND_TRIP, date(2024, 9, 1), days=2)
    _activity(group1, K.OUTBOUND_TRIP, date(2024, 9, 30), days=3)
    _activity(group1, K.OUTBOUND_TRIP, date(2024, 10, 1))  # next month
    _activity(group1, K.OUTBOUND_TRIP, date(2024, 8, 31))  # last month
    _activity(group1, K.VISIT, date(2024, 9, 10), enterprise_name="某某公司")  # not a trip
    row = _row(testland, "team-trips", group1, on)
    assert row.value == before + 2
    assert (row.start, row.end, row.window_label) == (date(2024, 9, 1), date(2024, 9, 30), "2024年9月")
    assert row.required == 2 and row.clause == "第6条"


def test_quota_status_at_and_around_the_threshold(testland, group1):
    on = date(2024, 9, 10)
    base = _row(testland, "team-trips", group1, on).value
    Activity.objects.filter(team=group1, kind=K.OUTBOUND_TRIP, date__month=9, date__year=2024).delete()
    assert _row(testland, "team-trips", group1, on).value == 0
    row = _row(testland, "team-trips", group1, on)
    assert not row.met and row.status(on) == "进度落后"  # 0 of 2 with a third of the month gone
    assert row.status(date(2024, 9, 1)) == "进度落后" or row.pace(date(2024, 9, 1)) == 3
    _activity(group1, K.OUTBOUND_TRIP, date(2024, 9, 2))
    row = _row(testland, "team-trips", group1, on)
    assert row.value == 1 and row.percent == 50 and row.status(on) == "正常"  # 50% ahead of 33% pace
    assert row.status(date(2024, 9, 25)) == "进度落后"
    _activity(group1, K.OUTBOUND_TRIP, date(2024, 9, 3))
    row = _row(testland, "team-trips", group1, on)
    assert row.met and row.percent == 100 and row.status(on) == "达标"
    assert base >= 0


def test_head_led_visits_only_count_when_the_quota_says_so(testland, group1):
    on = date(2024, 11, 20)
    Activity.objects.filter(team=group1, date__year=2024, date__month=11).delete()
    trip = _activity(group1, K.OUTBOUND_TRIP, date(2024, 11, 4), days=3, head_led=True)
    _activity(group1, K.VISIT, date(2024, 11, 5), trip=trip, head_led=True, enterprise_name="甲公司")
    _activity(group1, K.VISIT, date(2024, 11, 6), trip=trip, head_led=True, enterprise_name="乙公司")
    _activity(group1, K.VISIT, date(2024, 11, 12), head_led=False, enterprise_name="丙公司")
    assert _row(testland, "team-head-visits", group1, on).value == 2


def test_work_days_count_trip_days_once_and_local_visits(testland, group1):
    on = date(2024, 12, 31)
    before = _row(testland, "team-work-days", group1, on).value
    trip = _activity(group1, K.OUTBOUND_TRIP, date(2024, 12, 2), days=4)
    _activity(group1, K.VISIT, date(2024, 12, 3), trip=trip, enterprise_name="甲公司")  # inside the trip
    _activity(group1, K.VISIT, date(2024, 12, 10), enterprise_name="乙公司")  # a local day
    _activity(group1, K.MEETING, date(2024, 12, 11))  # meetings are not investment days
    assert _row(testland, "team-work-days", group1, on).value == before + 5


def test_clerks_see_only_their_own_progress(testland, users, group1):
    on = date(2024, 6, 15)
    everyone = quota_progress(testland, on, users["tl-office"])
    assert {r.holder for r in everyone} == set(Team.objects.filter(policy=testland))
    own = quota_progress(testland, on, users["tl-team"])
    assert own and {r.holder.pk for r in own} == {users["tl-team"].membership.team_id}
    assert quota_progress(testland, on, users["xf-office"]) == []  # another county's office


def test_quota_page_and_api(client, users, group1):
    _activity(group1, K.OUTBOUND_TRIP, date(2024, 5, 6))
    client.force_login(users["tl-team"])
    page = client.get(reverse("fieldwork:quotas"), {"policy": "testland-2024", "on": "2024-05-20"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "工作组每月外出招商不少于2批次" in html and "第6条" in html and "2024年5月" in html
    api = client.get("/api/quota-progress/", {"policy": "testland-2024", "on": "2024-05-20"}).json()
    trips = [r for r in api["results"] if r["rule"] == "team-trips"]
    assert [r["holder"] for r in trips] == [str(users["tl-team"].membership.team)]
    assert Decimal(trips[0]["value"]) >= 1 and trips[0]["required"] == "2"
    assert client.get("/api/quota-progress/", {"policy": "nope"}).status_code == 400
    assert (
        client.get("/api/quota-progress/", {"policy": "testland-2024", "on": "2024-13-01"}).status_code == 400
    )
    # A bad date on the page is told, not a crash.
    assert client.get(reverse("fieldwork:quotas"), {"on": "昨天"}).status_code == 200


# --- The trip form -------------------------------------------------------------------------------


def _trip_post(group, **extra):
    data = {
        "kind": "outbound_trip",
        "unit": group.lead_unit_id,
        "team": group.pk,
        "date": "2024-07-08",
        "days": "3",
        "leader": "王测试",
        "head_led": "on",
        "region": "yangtze_delta",
        "place": "上海",
        "summary": "赴上海对接新能源企业",
        "merchant": "不该保存的客商",
        "visits-TOTAL_FORMS": "2",
        "visits-INITIAL_FORMS": "0",
        "visits-MIN_NUM_FORMS": "0",
        "visits-MAX_NUM_FORMS": "50",
        "visits-0-enterprise_name": "上海某某新能源有限公司",
        "visits-0-counterpart": "李总 董事长",
        "visits-0-date": "2024-07-09",
        "visits-1-enterprise_name": "上海另一家科技有限公司",
        "visits-1-date": "",
        "decisions-TOTAL_FORMS": "0",
        "decisions-INITIAL_FORMS": "0",
        "decisions-MIN_NUM_FORMS": "0",
        "decisions-MAX_NUM_FORMS": "50",
    }
    data.update(extra)
    return data


def test_logging_a_trip_with_its_visits(client, users, group1):
    client.force_login(users["tl-team"])
    assert client.get(reverse("fieldwork:activity_add")).status_code == 200
    response = client.post(reverse("fieldwork:activity_add"), _trip_post(group1))
    assert response.status_code == 302, re.findall(
        r"role=\"alert\"[^>]*>(.*?)</", response.content.decode(), re.S
    )
    trip = Activity.objects.get(kind=K.OUTBOUND_TRIP, place="上海", date=date(2024, 7, 8), team=group1)
    assert trip.merchant == ""  # a field of another kind is dropped
    visits = list(trip.visits.order_by("date"))
    assert [(v.enterprise_name, v.date, v.kind, v.head_led, v.unit_id) for v in visits] == [
        ("上海另一家科技有限公司", date(2024, 7, 8), K.VISIT, True, group1.lead_unit_id),
        ("上海某某新能源有限公司", date(2024, 7, 9), K.VISIT, True, group1.lead_unit_id),
    ]
    assert ObjectChange.objects.filter(content_type__model="activity", object_id=str(trip.pk)).exists()
    detail = client.get(reverse("fieldwork:activity_detail", args=[trip.pk])).content.decode()
    assert "拜访企业（2 家）" in detail and "上海某某新能源有限公司" in detail


def test_trip_form_errors_name_the_row_and_save_nothing(client, users, group1):
    client.force_login(users["tl-team"])
    count = Activity.objects.count()
    response = client.post(
        reverse("fieldwork:activity_add"),
        _trip_post(group1, **{"visits-1-enterprise_name": "", "visits-1-counterpart": "张三"}),
    )
    assert response.status_code == 400
    assert "第2行 拜访企业" in response.content.decode()
    response = client.post(
        reverse("fieldwork:activity_add"), _trip_post(group1, **{"visits-0-date": "2024-07-20"})
    )
    assert response.status_code == 400
    assert "拜访日期应在外出招商期间（2024-07-08 至 2024-07-10）" in response.content.decode()
    assert Activity.objects.count() == count


def test_a_clerk_cannot_log_for_another_team(client, users, group1):
    other = Team.objects.get(policy__name="testland-2024", key="group-2")
    client.force_login(users["tl-team"])
    count = Activity.objects.count()
    response = client.post(
        reverse("fieldwork:activity_add"), _trip_post(group1, unit=other.lead_unit_id, team=other.pk)
    )
    assert response.status_code in (400, 403)
    assert Activity.objects.count() == count


def test_meeting_decisions(client, users, group1):
    client.force_login(users["tl-team"])
    data = {
        "kind": "meeting",
        "unit": group1.lead_unit_id,
        "team": group1.pk,
        "date": "2024-08-01",
        "leader": "王测试",
        "on_site": "on",
        "minutes": "研究在谈项目",
        "visits-TOTAL_FORMS": "0",
        "visits-INITIAL_FORMS": "0",
        "decisions-TOTAL_FORMS": "1",
        "decisions-INITIAL_FORMS": "0",
        "decisions-0-text": "协调项目用地",
        "decisions-0-owner": "市自然资源局",
        "decisions-0-due_on": "2024-08-15",
    }
    assert client.post(reverse("fieldwork:activity_add"), data).status_code == 302
    meeting = Activity.objects.get(kind=K.MEETING, date=date(2024, 8, 1), team=group1, minutes="研究在谈项目")
    assert meeting.on_site
    assert list(Decision.objects.filter(activity=meeting).values_list("text", "due_on")) == [
        ("协调项目用地", date(2024, 8, 15))
    ]


# --- Reporting calendar ------------------------------------------------------------------------


def test_official_holidays_and_adjusted_workdays():
    assert not is_working_day(date(2024, 10, 4))  # National Day, a Friday
    assert is_working_day(date(2024, 10, 12))  # a Saturday worked in exchange
    assert not is_working_day(date(2024, 2, 12))  # Spring Festival Monday
    assert is_working_day(date(2027, 3, 1)) and not is_working_day(
        date(2027, 3, 6)
    )  # 2027: no holiday in March


def test_weekly_deadline_on_a_holiday_moves_to_the_next_working_day(testland):
    entry = next(e for e in testland.spec().calendar if e.key == "weekly")
    dues = [d.due for d in deadlines(entry, date(2024, 9, 28), date(2024, 10, 13), is_working_day)]
    assert dues == [date(2024, 10, 8), date(2024, 10, 11)]


def test_scheduling_reports_is_idempotent(testland, group1):
    Report.objects.filter(due_on__range=("2024-09-01", "2024-10-31")).delete()  # the demo made them
    made = schedule_reports(testland, date(2024, 9, 1), date(2024, 10, 31))
    again = schedule_reports(testland, date(2024, 9, 1), date(2024, 10, 31))
    assert again == []
    weekly = Report.objects.filter(
        calendar_key="weekly", team=group1, due_on__range=("2024-10-01", "2024-10-31")
    )
    assert sorted(r.due_on for r in weekly) == [date(2024, 10, d) for d in (8, 11, 18, 25)]
    assert all(r.pk for r in made)
    assert ObjectChange.objects.filter(content_type__model="report", object_id=str(made[0].pk)).exists()


def test_report_status_at_the_deadline():
    due = date(2024, 10, 11)
    r = Report(due_on=due)
    tz = timezone.get_current_timezone()
    r.submitted_at = timezone.make_aware(datetime.combine(due, time(23, 59)), tz)
    assert r.status == "on_time"
    r.submitted_at = timezone.make_aware(datetime.combine(date(2024, 10, 12), time(0, 1)), tz)
    assert r.status == "late"


def test_office_reopens_a_submission_with_a_reason(client, users, testland, group1):
    schedule_reports(testland, date(2024, 10, 1), date(2024, 10, 31))
    report = Report.objects.filter(calendar_key="weekly", team=group1, due_on=date(2024, 10, 11)).get()
    client.force_login(users["tl-team"])
    assert (
        client.post(
            reverse("fieldwork:report_edit", args=[report.pk]),
            {"content": "本周对接3家企业", "_version": version_of(report)},
        ).status_code
        == 302
    )
    report.refresh_from_db()
    assert report.submitted_at is not None
    # A clerk may not send it back; the office must give a reason.
    assert (
        client.post(reverse("fieldwork:report_reopen", args=[report.pk]), {"reason": "x"}).status_code == 403
    )
    client.force_login(users["tl-office"])
    url = reverse("fieldwork:report_reopen", args=[report.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "退回理由" in response.content.decode()
    response = client.post(url, {"reason": "数据不全，请补充在谈项目", "due_on": "2099-01-01"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.submitted_at is None and report.reopen_reason == "数据不全，请补充在谈项目"
    assert report.due_on == date(2099, 1, 1) and report.status == "due"
    change = ObjectChange.objects.filter(content_type__model="report", object_id=str(report.pk)).first()
    assert change.after["reopen_reason"] == "数据不全，请补充在谈项目" and change.before["submitted_at"]


def test_calendar_page_shows_each_holder_status(client, users, testland):
    schedule_reports(testland, date(2024, 10, 1), date(2024, 10, 31))
    client.force_login(users["tl-office"])
    html = client.get(reverse("fieldwork:report_calendar"), {"on": "2024-10-09"}).content.decode()
    assert "周报" in html and "第一工作组" in html and "第二工作组" in html and "截止 10月11日" in html
    client.force_login(users["tl-team"])
    html = client.get(reverse("fieldwork:report_calendar"), {"on": "2024-10-09"}).content.decode()
    assert "第一工作组" in html and "第二工作组" not in html


# --- Leads ---------------------------------------------------------------------------------------


def _lead(team, **kw):
    return Lead.objects.create(
        jurisdiction=team.lead_unit.jurisdiction,
        unit=team.lead_unit,
        team=team,
        reported_on=date(2024, 6, 3),
        title="某企业拟投资新能源项目",
        content="获悉某企业拟投资",
        **kw,
    )


def test_office_screens_leads_with_the_policy_grades(client, users, group1):
    lead = _lead(group1)
    client.force_login(users["tl-team"])
    assert (
        client.post(reverse("fieldwork:lead_screen", args=[lead.pk]), {"status": "valid"}).status_code == 403
    )
    client.force_login(users["tl-office"])
    url = reverse("fieldwork:lead_screen", args=[lead.pk])
    response = client.post(url, {"status": "valid", "grade": "不存在的等级"})
    assert response.status_code == 400
    response = client.post(url, {"status": "valid", "grade": "", "valuable": "on"})
    assert (
        response.status_code == 400
        and "线索等级须为：重大项目线索、一般项目线索" in response.content.decode()
    )
    assert client.post(url, {"status": "valid", "grade": "重大项目线索", "valuable": "on"}).status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.grade, lead.points, lead.valuable) == (
        "valid",
        "重大项目线索",
        Decimal(10),
        True,
    )
    assert lead.screened_by == users["tl-office"]
    # Invalid: no grade, no points.
    assert client.post(url, {"status": "invalid", "note": "重复"}).status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.grade, lead.points, lead.valuable) == ("invalid", "", 0, False)


def test_a_clerk_cannot_edit_a_screened_lead(client, users, group1):
    lead = _lead(group1, status="valid", grade="一般项目线索", points=2)
    client.force_login(users["tl-team"])
    response = client.post(
        reverse("fieldwork:lead_edit", args=[lead.pk]),
        {
            "unit": lead.unit_id,
            "team": group1.pk,
            "reported_on": "2024-06-03",
            "title": "改名",
            "content": "x",
        },
    )
    assert response.status_code == 403
    response = client.patch(f"/api/leads/{lead.pk}/", {"title": "改名"}, content_type="application/json")
    assert response.status_code == 403


def test_valid_leads_count_toward_quotas_and_api_screening(client, users, group1):
    from zhaoshang.fieldwork.quotas import metric_values

    lead = _lead(group1)
    ids = [group1.pk]
    span = (date(2024, 6, 1), date(2024, 6, 30))
    before = metric_values("valid_leads", "team", ids, *span).get(group1.pk, 0)
    client.force_login(users["tl-office"])
    response = client.post(f"/api/leads/{lead.pk}/screen/", {"status": "valid", "grade": "一般项目线索"})
    assert response.status_code == 200 and response.json()["points"] == "2.00"
    assert metric_values("valid_leads", "team", ids, *span)[group1.pk] == before + 1
    assert client.post(f"/api/leads/{lead.pk}/screen/", {"status": "maybe"}).status_code == 400


# --- Found in review ----------------------------------------------------------------------------


def test_a_quota_over_one_named_period_counts_that_period_only(testland, group1):
    Activity.objects.filter(
        team=group1, kind=K.PROMOTION_EVENT, date__range=("2024-06-01", "2024-08-31")
    ).delete()
    _activity(group1, K.PROMOTION_EVENT, date(2024, 7, 3))  # after the June event month
    row = _row(testland, "june-events", group1, date(2024, 8, 15))
    assert (row.start, row.end, row.value) == (date(2024, 6, 1), date(2024, 6, 30), 0)
    assert row.status(date(2024, 8, 15)) == "未完成"
    _activity(group1, K.PROMOTION_EVENT, date(2024, 6, 30))
    assert _row(testland, "june-events", group1, date(2024, 8, 15)).met


def test_editing_a_trip_moves_its_visits_with_it_and_kind_cannot_change(client, users, group1):
    client.force_login(users["tl-office"])
    assert client.post(reverse("fieldwork:activity_add"), _trip_post(group1)).status_code == 302
    trip = Activity.objects.get(kind=K.OUTBOUND_TRIP, place="上海", date=date(2024, 7, 8), team=group1)
    other = Team.objects.get(policy__name="testland-2024", key="group-2")
    visits = list(trip.visits.order_by("pk"))
    data = _trip_post(other, **{
        "visits-TOTAL_FORMS": "2", "visits-INITIAL_FORMS": "2",
        "visits-0-id": visits[0].pk, "visits-0-trip": trip.pk, "visits-0-enterprise_name": visits[0].enterprise_name,
        "visits-0-date": "2024-07-09",
        "visits-1-id": visits[1].pk, "visits-1-trip": trip.pk, "visits-1-enterprise_name": visits[1].enterprise_name,
        "visits-1-date": "2024-07-08", "_version": version_of(trip),
    })  # fmt: skip
    response = client.post(reverse("fieldwork:activity_edit", args=[trip.pk]), data)
    assert response.status_code == 302, re.findall(
        r'role="alert"[^>]*>(.*?)</', response.content.decode(), re.S
    )
    assert {(v.team_id, v.unit_id) for v in trip.visits.all()} == {(other.pk, other.lead_unit_id)}
    # Shortening the trip so that a visit falls outside it is refused, naming the visit.
    trip.refresh_from_db()
    data.update(
        {"days": "1", "visits-TOTAL_FORMS": "0", "visits-INITIAL_FORMS": "0", "_version": version_of(trip)}
    )
    response = client.post(reverse("fieldwork:activity_edit", args=[trip.pk]), data)
    assert response.status_code == 400 and "拜访企业（上海某某新能源有限公司）" in response.content.decode()
    # A trip with visits cannot become something else.
    data.update({"kind": "reception", "days": "3", "merchant": "某客商"})
    response = client.post(reverse("fieldwork:activity_edit", args=[trip.pk]), data)
    assert response.status_code == 400 and "不能更改类型" in response.content.decode()
    trip.refresh_from_db()
    assert trip.kind == K.OUTBOUND_TRIP and trip.days == 3


def test_reports_api_reopens_and_refuses_empty_submissions(client, users, testland, group1):
    schedule_reports(testland, date(2024, 10, 1), date(2024, 10, 31))
    report = Report.objects.filter(calendar_key="weekly", team=group1, due_on=date(2024, 10, 18)).get()
    Report.objects.filter(pk=report.pk).update(submitted_at=None, content="")
    client.force_login(users["tl-team"])
    url = f"/api/reports/{report.pk}/"
    assert client.patch(url, {}, content_type="application/json").status_code == 400
    assert client.patch(url, {"content": "  "}, content_type="application/json").status_code == 400
    report.refresh_from_db()
    assert report.submitted_at is None
    assert client.patch(url, {"content": "本周无外出"}, content_type="application/json").status_code == 200
    assert client.post("/api/reports/", {"name": "x"}).status_code == 405
    assert client.post(f"{url}reopen/", {"reason": "补充"}).status_code == 403
    client.force_login(users["tl-office"])
    assert client.post(f"{url}reopen/", {"reason": ""}).status_code == 400
    response = client.post(f"{url}reopen/", {"reason": "补充在谈项目"})
    assert response.status_code == 200 and response.json()["submitted_at"] is None
    assert response.json()["reopen_reason"] == "补充在谈项目"


def test_reports_at_both_ends_of_the_policy(testland, group1):
    Report.objects.filter(calendar_key="monthly", team=group1).delete()
    schedule_reports(testland, date(2023, 12, 1), date(2025, 1, 31))
    covered = sorted(
        (r.covers_start, r.due_on) for r in Report.objects.filter(calendar_key="monthly", team=group1)
    )
    # January's report (due 5 February) is the first; December 2023's is not the policy's.
    assert covered[0] == (date(2024, 1, 1), date(2024, 2, 5))
    assert covered[-1] == (date(2024, 12, 1), date(2025, 1, 5)) and len(covered) == 12


def test_screened_leads_are_the_offices_to_delete(client, users, group1):
    lead = _lead(group1, status="valid", grade="一般项目线索", points=2)
    client.force_login(users["tl-team"])
    assert client.post(reverse("fieldwork:lead_delete", args=[lead.pk])).status_code == 403
    assert client.delete(f"/api/leads/{lead.pk}/").status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert client.post(f"/api/leads/{lead.pk}/screen/", {"note": 5}).status_code in (400, 403)
    client.force_login(users["tl-office"])
    response = client.post(
        f"/api/leads/{lead.pk}/screen/", {"status": "valid", "grade": ["a"]}, content_type="application/json"
    )
    assert response.status_code == 400


def test_meetings_count_by_their_kind_and_visits_are_one_day(group1):
    from zhaoshang.fieldwork.quotas import metric_values

    span = (date(2024, 3, 1), date(2024, 3, 31))
    before = metric_values("scheduling_meetings", "team", [group1.pk], *span).get(group1.pk, 0)
    _activity(group1, K.MEETING, date(2024, 3, 5), meeting_kind="scheduling")
    _activity(group1, K.MEETING, date(2024, 3, 6), meeting_kind="weekly")
    assert metric_values("scheduling_meetings", "team", [group1.pk], *span)[group1.pk] == before + 1
    visit = Activity(kind=K.VISIT, unit=group1.lead_unit, team=group1, date=date(2024, 3, 5), days=30,
                     jurisdiction=group1.lead_unit.jurisdiction, enterprise_name="甲公司")  # fmt: skip
    with pytest.raises(Exception, match="按1天计"):
        visit.full_clean()
