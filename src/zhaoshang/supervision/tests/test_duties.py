"""Issue 14 point 1: each duty of a policy is an obligation per holder and period — scheduled on
the working-day calendar, proved by the platform's records, completed by its holder with
evidence, marked 不适用 or reopened by the office — the same on every path (service, page, API,
Excel, reminders), change-logged and scoped."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from zhaoshang.core.changelog import change_context
from zhaoshang.core.models import ObjectChange
from zhaoshang.holidays import calendar as workdays
from zhaoshang.org.models import HolderGroup, Policy, Team
from zhaoshang.supervision import duties
from zhaoshang.supervision.models import DutyObligation, DutyReminder, duty_status

pytestmark = pytest.mark.django_db

START, END = date(2024, 1, 1), date(2024, 12, 31)


def _rules():
    return [
        {"id": "monthly-meeting", "type": "duty", "title": "兵团每月召开调度会议", "clause": "§五(一)",
         "group": "corps", "cadence": "monthly", "due_working_days": 5,
         "proof": {"source": "activity", "kind": "meeting", "keywords": ["调度"]}},
        {"id": "quarterly-summary", "type": "duty", "title": "每季度报送工作总结", "clause": "§五(二)",
         "group": "corps", "cadence": "quarterly"},
        {"id": "office-plan", "type": "duty", "title": "招商办制定年度工作方案", "clause": "§五(三)",
         "due_on": "2024-03-31"},
    ]  # fmt: skip


@pytest.fixture
def world(users):
    """A small policy of the Xinfeng county with three duties and two of its teams as `corps`."""
    xf = Policy.objects.get(name="xinfeng-2024")
    data = json.loads(xf.content_json)
    data["name"] = "duty-test"
    data["rules"] = _rules()
    policy = Policy.objects.create(
        jurisdiction=xf.jurisdiction, name="duty-test", title="职责测试", issuer=xf.issuer, source=xf.source,
        office=xf.office, start=START, end=END, content_json=json.dumps(data, ensure_ascii=False),
        content_hash="x", loaded_at=timezone.now(),
    )  # fmt: skip
    team = users["xf-team"].membership.team
    other = Team.objects.get(policy=xf, key="corps-02")
    group = HolderGroup.objects.create(
        jurisdiction=xf.jurisdiction,
        policy=policy,
        key="corps",
        label="招商兵团",
        holder="team",
        clause="§二",
    )
    group.teams.set([team, other])
    return {"policy": policy, "team": team, "other": other}


def _ob(world, rule="monthly-meeting", team="team", start=date(2024, 3, 1)):
    qs = DutyObligation.objects.filter(policy=world["policy"], rule=rule, period_start=start)
    return qs.get(team=world[team]) if team else qs.get(team__isnull=True, unit__isnull=True)


# --- Periods, due dates, status -------------------------------------------------------------------


def test_cadence_periods_are_calendar_periods_clipped_to_the_span():
    assert duties.cadence_periods("once", START, END) == [(START, END)]
    months = duties.cadence_periods("monthly", date(2024, 1, 15), date(2024, 3, 10))
    assert months == [
        (date(2024, 1, 15), date(2024, 1, 31)),
        (date(2024, 2, 1), date(2024, 2, 29)),
        (date(2024, 3, 1), date(2024, 3, 10)),
    ]
    quarters = duties.cadence_periods("quarterly", START, END)
    assert [q[1] for q in quarters] == [date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30), END]
    assert duties.cadence_periods("half_yearly", START, END)[1] == (date(2024, 7, 1), END)
    assert duties.cadence_periods("yearly", START, END) == [(START, END)]
    weeks = duties.cadence_periods("weekly", date(2024, 1, 3), date(2024, 1, 14))
    assert weeks == [(date(2024, 1, 3), date(2024, 1, 7)), (date(2024, 1, 8), date(2024, 1, 14))]


def test_status_is_derived_the_same_in_python_and_sql(world):
    duties.duties_schedule(policy=world["policy"], until=END)
    today = date(2024, 4, 20)
    assert duty_status(due_on=today, completed_at=None, not_applicable=False, today=today) == "pending"
    assert duty_status(
        due_on=today - timedelta(days=1), completed_at=None, not_applicable=False, today=today
    ) == ("overdue")
    ob = _ob(world)
    ob.not_applicable_reason = "测试"
    ob.save()
    qs = DutyObligation.objects.filter(policy=world["policy"]).with_status(today)
    for o in qs:
        assert o.state == o.status_on(today), o
        assert DutyObligation.objects.status_is(o.state, today).filter(pk=o.pk).exists()


# --- Scheduling -----------------------------------------------------------------------------------


def test_schedule_makes_one_per_holder_and_period_once(world):
    policy = world["policy"]
    made = duties.duties_schedule(policy=policy, until=date(2024, 3, 15))
    # Monthly: Jan–Mar × 2 teams; quarterly: Q1 × 2 teams; once (the office): 1.
    assert len(made) == 3 * 2 + 2 + 1
    assert duties.duties_schedule(policy=policy, until=date(2024, 3, 15)) == []
    more = duties.duties_schedule(policy=policy, until=END)
    assert len(more) == 9 * 2 + 3 * 2
    assert DutyObligation.objects.filter(policy=policy).count() == 12 * 2 + 4 * 2 + 1
    office = _ob(world, "office-plan", team=None, start=START)
    assert office.due_on == date(2024, 3, 31) and office.jurisdiction_id == policy.jurisdiction_id
    # Each scheduled obligation is change-logged.
    assert (
        ObjectChange.objects.filter(
            content_type__model="dutyobligation", object_id=str(office.pk), action="create"
        ).count()
        == 1
    )


def test_due_dates_follow_the_working_day_calendar(world):
    duties.duties_schedule(policy=world["policy"], until=END)
    march = _ob(world)
    assert march.period_end == date(2024, 3, 31)
    assert march.due_on == workdays.add_workdays(date(2024, 3, 31), 5)
    assert workdays.is_workday(march.due_on)
    # due_working_days 0: the period's last working day (2024-06-30 is a Sunday).
    q2 = _ob(world, "quarterly-summary", start=date(2024, 4, 1))
    assert q2.due_on == date(2024, 6, 28)


def test_a_holder_added_to_the_group_gets_its_obligations_on_the_next_run(world):
    policy = world["policy"]
    duties.duties_schedule(policy=policy, until=date(2024, 1, 31))
    third = Team.objects.get(policy__name="xinfeng-2024", key="corps-03")
    policy.groups.get(key="corps").teams.add(third)
    made = duties.duties_schedule(policy=policy, until=date(2024, 1, 31))
    assert {o.team_id for o in made} == {third.pk}


# --- Proof from records ---------------------------------------------------------------------------


def test_a_meeting_with_the_keyword_proves_the_monthly_duty(world):
    from zhaoshang.fieldwork.models import Activity

    policy, team = world["policy"], world["team"]
    duties.duties_schedule(policy=policy, until=END)
    Activity.objects.create(
        jurisdiction=team.jurisdiction, kind="meeting", unit=team.lead_unit, team=team, date=date(2024, 3, 12),
        summary="三月工作例会", meeting_kind="weekly",
    )  # fmt: skip
    assert duties.duties_prove(policy=policy, today=date(2024, 4, 1)) == []  # no 调度 in it
    meeting = Activity.objects.create(
        jurisdiction=team.jurisdiction, kind="meeting", unit=team.lead_unit, team=team, date=date(2024, 3, 20),
        summary="三月兵团调度会议", meeting_kind="scheduling",
    )  # fmt: skip
    closed = duties.duties_prove(policy=policy, today=date(2024, 4, 1))
    assert [o.pk for o in closed] == [_ob(world).pk]
    ob = _ob(world)
    assert ob.status_on(date(2024, 4, 20)) == "done" and ob.completed_by is None
    assert ob.proved_by[0]["url"] == reverse("fieldwork:activity_detail", args=[meeting.pk])
    # The other team's March and the team's April are not proved by it.
    assert _ob(world, team="other").completed_at is None
    assert _ob(world, start=date(2024, 4, 1)).completed_at is None


def test_a_monthly_battle_report_proves_the_month_it_reports_on_not_the_month_it_was_built(world):
    """June's 战报 is built in July: it closes June's duty, not July's."""
    from zhaoshang.bulletins.models import Bulletin

    policy = world["policy"]
    data = json.loads(policy.content_json)
    data["rules"].append(
        {"id": "monthly-report", "type": "duty", "title": "实行每月战报制度", "clause": "§三(二)",
         "cadence": "monthly", "proof": {"source": "bulletin", "kind": "monthly"}}
    )  # fmt: skip
    policy.content_json = json.dumps(data, ensure_ascii=False)
    policy.save()
    duties.duties_schedule(policy=policy, until=END)
    built = timezone.make_aware(timezone.datetime(2024, 7, 3, 10, 0))
    june = Bulletin.objects.create(
        jurisdiction=policy.jurisdiction, policy=policy, kind="monthly", period="2024-06", year=2024,
        sequence=6, status=Bulletin.Status.DONE, finished_at=built,
    )  # fmt: skip
    closed = duties.duties_prove(policy=policy, today=date(2024, 7, 10))
    assert [(o.rule, o.period_start) for o in closed] == [("monthly-report", date(2024, 6, 1))]
    july = _ob(world, rule="monthly-report", team=None, start=date(2024, 7, 1))
    assert july.completed_at is None
    june_ob = _ob(world, rule="monthly-report", team=None, start=date(2024, 6, 1))
    assert june_ob.proved_by[0]["url"] == reverse("bulletins:bulletin_detail", args=[june.pk])


# --- Services: complete, 不适用, reopen --------------------------------------------------------------


def test_the_holders_clerk_completes_with_evidence(world, users):
    duties.duties_schedule(policy=world["policy"], until=END)
    ob, clerk = _ob(world), users["xf-team"]
    with pytest.raises(ValidationError) as err:
        duties.duty_complete(obligation=ob, by=clerk)
    assert "completion_note" in err.value.message_dict
    with pytest.raises(ValidationError):
        duties.duty_complete(obligation=ob, by=clerk, links=[{"text": "会议", "url": "javascript:alert(1)"}])
    with change_context(user=clerk, source="ui"):
        duties.duty_complete(
            obligation=ob, by=clerk, note="已召开", links=[{"text": "三月调度会", "url": "/x/"}]
        )
    ob.refresh_from_db()
    assert ob.completed_by == clerk and ob.evidence_links == [{"text": "三月调度会", "url": "/x/"}]
    log = ObjectChange.objects.filter(
        content_type__model="dutyobligation", object_id=str(ob.pk), action="update"
    ).latest("seq")
    assert log.user == clerk and log.after["completion_note"] == "已召开"
    with pytest.raises(ValidationError):
        duties.duty_complete(obligation=ob, by=clerk, note="again")


def test_who_may_do_what(world, users):
    duties.duties_schedule(policy=world["policy"], until=END)
    ob = _ob(world)
    for name in ("xf-team2", "xf-leader", "xf-inspector"):  # another team's clerk; readers
        with pytest.raises(PermissionDenied):
            duties.duty_complete(obligation=ob, by=users[name], note="x")
    with pytest.raises(PermissionDenied):
        duties.duty_not_applicable(obligation=ob, reason="x", by=users["xf-team"])
    with pytest.raises(ValidationError) as err:
        duties.duty_not_applicable(obligation=ob, reason=" ", by=users["xf-office"])
    assert "not_applicable_reason" in err.value.message_dict
    duties.duty_not_applicable(obligation=ob, reason="本月无兵团工作", by=users["xf-office"])
    assert ob.status == "not_applicable"
    with pytest.raises(ValidationError):
        duties.duty_complete(obligation=ob, by=users["xf-team"], note="x")
    with pytest.raises(PermissionDenied):
        duties.duty_reopen(obligation=ob, by=users["xf-team"])
    duties.duty_reopen(obligation=ob, by=users["xf-office"])
    ob.refresh_from_db()
    assert ob.not_applicable_reason == "" and ob.status_on(date(2024, 3, 1)) == "pending"
    with pytest.raises(ValidationError):
        duties.duty_reopen(obligation=ob, by=users["xf-office"])


# --- Pages ----------------------------------------------------------------------------------------


def test_the_table_and_detail_by_role(client, world, users):
    duties.duties_schedule(policy=world["policy"], until=END)
    ob, others = _ob(world), _ob(world, team="other")
    office = _ob(world, "office-plan", team=None, start=START)
    url = reverse("supervision:dutyobligation_list")
    client.force_login(users["xf-office"])
    page = client.get(url, {"policy": world["policy"].pk, "status": "overdue"}).content.decode()
    assert "共 33 条" in page  # every obligation of 2024 is past due today
    assert client.get(reverse("supervision:dutyobligation_detail", args=[office.pk])).status_code == 200
    client.force_login(users["xf-team"])
    page = client.get(url, {"policy": world["policy"].pk}).content.decode()
    assert "共 16 条" in page  # its own twelve months and four quarters
    assert client.get(reverse("supervision:dutyobligation_detail", args=[ob.pk])).status_code == 200
    for other in (others, office):
        assert client.get(reverse("supervision:dutyobligation_detail", args=[other.pk])).status_code == 404
    client.force_login(users["tl-office"])
    assert client.get(reverse("supervision:dutyobligation_detail", args=[ob.pk])).status_code == 404


def test_the_clerk_completes_on_the_page_with_a_file(client, world, users, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    duties.duties_schedule(policy=world["policy"], until=END)
    ob = _ob(world)
    client.force_login(users["xf-team"])
    url = reverse("supervision:duty_complete", args=[ob.pk])
    bad = SimpleUploadedFile("纪要.pdf", b"<html>not a pdf</html>")
    response = client.post(url, {"note": "已召开", "evidence": bad})
    assert response.status_code == 400 and "佐证材料" in response.content.decode()
    ob.refresh_from_db()
    assert ob.completed_at is None
    pdf = SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 minutes")
    response = client.post(
        url, {"note": "已召开", "evidence": pdf, "links": "三月调度会 /fieldwork/activity/1/"}
    )
    assert response.status_code == 302
    ob.refresh_from_db()
    assert (
        ob.completed_by == users["xf-team"] and ob.evidence and ob.evidence_links[0]["text"] == "三月调度会"
    )
    download = client.get(reverse("supervision:duty_evidence", args=[ob.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    client.force_login(users["xf-team2"])
    assert client.get(reverse("supervision:duty_evidence", args=[ob.pk])).status_code == 404
    # The clerk may not mark 不适用 or reopen; the office may.
    client.force_login(users["xf-team"])
    assert client.post(reverse("supervision:duty_reopen", args=[ob.pk])).status_code == 403
    client.force_login(users["xf-office"])
    assert client.post(reverse("supervision:duty_reopen", args=[ob.pk])).status_code == 302
    response = client.post(reverse("supervision:duty_not_applicable", args=[ob.pk]), {"reason": ""})
    assert response.status_code == 400
    response = client.post(reverse("supervision:duty_not_applicable", args=[ob.pk]), {"reason": "并入季度会"})
    assert response.status_code == 302
    ob.refresh_from_db()
    assert ob.status == "not_applicable" and ob.not_applicable_by == users["xf-office"]


def test_grid_mine_and_home(client, world, users, monkeypatch):
    policy = world["policy"]
    duties.duties_schedule(policy=policy, until=END)
    duties.duty_complete(obligation=_ob(world), by=users["xf-team"], note="已召开")
    client.force_login(users["xf-office"])
    page = client.get(reverse("supervision:duty_grid"), {"policy": policy.name}).content.decode()
    assert str(world["team"]) in page and "招商办（本级）" in page and "兵团每月召开调度会议" in page
    # The team's monthly cell: 1 done, 11 overdue.
    assert '1 / <span class="badge warn">11</span>' in page
    # What is due this week: an obligation due in three days shows for the clerk.
    today = timezone.localdate()
    soon = _ob(world, start=date(2024, 5, 1))
    DutyObligation.objects.filter(pk=soon.pk).update(due_on=today + timedelta(days=(6 - today.weekday())))
    client.force_login(users["xf-team"])
    mine = client.get(reverse("supervision:duty_mine")).content.decode()
    assert reverse("supervision:dutyobligation_detail", args=[soon.pk]) in mine
    home = client.get("/").content.decode()
    assert "本周到期和逾期的职责任务" in home  # overdue first, then this week's
    first = duties.due_this_week(users["xf-team"], today).first()
    assert reverse("supervision:dutyobligation_detail", args=[first.pk]) in home


# --- API ------------------------------------------------------------------------------------------


def test_api_actions(client, world, users):
    duties.duties_schedule(policy=world["policy"], until=END)
    ob = _ob(world)
    base = f"/api/duties/{ob.pk}/"
    client.force_login(users["xf-team2"])
    assert client.get(base).status_code == 404
    client.force_login(users["xf-team"])
    assert client.get(base).json()["status"] == "overdue"
    assert client.post("/api/duties/", {}, content_type="application/json").status_code == 405
    assert client.delete(base).status_code == 405
    before = DutyObligation.objects.count()
    response = client.post(base + "complete/", {}, content_type="application/json")
    assert response.status_code == 400 and "completion_note" in response.json()
    response = client.post(base + "not-applicable/", {"reason": "x"}, content_type="application/json")
    assert response.status_code == 403
    response = client.post(
        base + "complete/", {"note": "已召开", "links": [{"text": "会议", "url": "/x/"}]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert DutyObligation.objects.count() == before
    logged = ObjectChange.objects.filter(
        content_type__model="dutyobligation", object_id=str(ob.pk), action="update", source="api"
    )
    assert logged.count() == 1 and logged.get().user == users["xf-team"]
    client.force_login(users["xf-office"])
    assert client.post(base + "reopen/").json()["status"] == "overdue"
    response = client.post(base + "not-applicable/", {"reason": "本月免"}, content_type="application/json")
    assert response.json()["status"] == "not_applicable"
    listed = client.get("/api/duties/", {"policy": world["policy"].pk, "status": "not_applicable"}).json()
    assert [r["id"] for r in listed["results"]] == [ob.pk]


# --- Excel ----------------------------------------------------------------------------------------


def _sheet(rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "职责任务"
    ws.append(["政策文件", "职责规则", "承担对象", "期间起", "状态", "理由或说明"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_excel_export_and_status_import(world, users):
    from openpyxl import load_workbook

    from zhaoshang.exchange.exporter import export_file
    from zhaoshang.exchange.importer import import_file

    policy, team = world["policy"], world["team"]
    duties.duties_schedule(policy=policy, until=END)
    qs = DutyObligation.objects.filter(policy=policy)
    book = load_workbook(io.BytesIO(export_file("duties", qs, user=users["xf-office"])))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:6] == ("政策文件", "职责规则", "承担对象", "期间起", "状态", "理由或说明")
    assert len(rows) == 1 + qs.count() and "兵团每月召开调度会议" in {c for r in rows for c in r}

    march, april = _ob(world), _ob(world, start=date(2024, 4, 1))
    good = [
        ["duty-test", "monthly-meeting", str(team), "2024-03-01", "不适用", "并入季度会"],
        ["duty-test", "monthly-meeting", str(team), "2024-04-01", "已完成", "已召开"],
    ]
    bad = [*good, ["duty-test", "monthly-meeting", "不存在的团队", "2024-05-01", "已完成", ""],
           ["duty-test", "monthly-meeting", str(team), "2024-06-01", "不适用", ""]]  # fmt: skip
    result = import_file("duties", _sheet(bad), user=users["xf-office"], filename="状态.xlsx")
    assert not result.ok
    assert {(e.row, e.column) for e in result.errors} == {(4, "职责规则"), (5, "理由或说明")}
    assert "不存在的团队" in str(result.errors[0])
    march.refresh_from_db()
    assert march.status == "overdue"  # nothing half-saved
    result = import_file("duties", _sheet(good), user=users["xf-team"], filename="状态.xlsx")
    assert not result.ok and "招商办" in str(result.errors[0])
    result = import_file("duties", _sheet(good), user=users["xf-office"], filename="状态.xlsx")
    assert result.ok, result.errors
    march.refresh_from_db()
    april.refresh_from_db()
    assert march.status == "not_applicable" and march.not_applicable_reason == "并入季度会"
    assert april.status == "done" and april.completed_by == users["xf-office"]
    assert (
        ObjectChange.objects.filter(
            content_type__model="dutyobligation", object_id=str(march.pk), source="import"
        ).count()
        == 1
    )
    # The same sheet again changes nothing.
    again = import_file("duties", _sheet(good), user=users["xf-office"], filename="状态.xlsx")
    assert again.ok and again.updated == 0


# --- Reminders ------------------------------------------------------------------------------------


def test_reminders_go_once_a_day_to_the_holders_channels(world, users):
    from zhaoshang.notify.models import Channel, Notice
    from zhaoshang.supervision.duties_remind import send_duty_reminders

    team = world["team"]
    duties.duties_schedule(policy=world["policy"], until=END)
    channel = Channel.objects.create(jurisdiction=team.jurisdiction, kind="in_app", team=team)
    channels = Channel.objects.filter(pk=channel.pk)
    # March's meeting is due on 8 April (five working days after March, 清明 4–6 April off, 7 April
    # worked), three days ahead; Q1's summary was due on 29 March, seven days ago.
    day = date(2024, 4, 5)
    first = send_duty_reminders(day, channels=channels)
    assert first.sent == 2 and first.failed == 0
    again = send_duty_reminders(day, channels=channels)
    assert again.sent == 0 and again.skipped == 2
    texts = list(Notice.objects.filter(team=team).values_list("text", flat=True))
    assert any("【职责任务提醒】" in t and "兵团每月召开调度会议" in t for t in texts)
    assert any("【职责任务逾期】" in t and "每季度报送工作总结" in t for t in texts)
    # Done: no more reminders; the next day the open one is reminded again.
    summary = _ob(world, "quarterly-summary", start=START)
    duties.duty_complete(obligation=summary, by=users["xf-team"], note="已报送")
    nxt = send_duty_reminders(day + timedelta(days=1), channels=channels)
    assert nxt.sent == 1
    assert DutyReminder.objects.filter(channel=channel).count() == 3


# --- The daily job and the demo -------------------------------------------------------------------


def test_daily_job_and_command_schedule_and_prove(world, monkeypatch):
    from django.core.management import call_command

    from zhaoshang.jobs.kinds import schedule_reports

    out = io.StringIO()
    call_command("schedule_duties", "--policy", "duty-test", "--to", "2024-02-15", stdout=out)
    assert "新生成 7 项职责任务" in out.getvalue()  # Jan–Feb monthly ×2, Q1 ×2, the office's
    summary = schedule_reports(None, days=1)["summary"]
    assert "职责任务" in summary
    assert DutyObligation.objects.filter(policy=world["policy"]).count() == 12 * 2 + 4 * 2 + 1


def test_demo_seed_shows_every_status(users):
    policy = Policy.objects.get(name="xinfeng-2024")
    states = set(
        DutyObligation.objects.filter(policy=policy)
        .with_status(timezone.localdate())
        .values_list("state", flat=True)
    )
    assert {"done", "overdue", "not_applicable"} <= states
    from zhaoshang.supervision.duties_demo import seed

    assert seed(policy=policy)["职责任务"] == 0  # again: nothing new
