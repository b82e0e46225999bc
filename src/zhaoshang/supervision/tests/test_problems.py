"""Issue 14 point 2: the problem list (问题清单) — raised on a project or an enterprise, assigned to
a support unit with a deadline in working days, lit green/yellow/red, escalated once when
overdue, closed (销号) only with the resolution and the requester's confirmation — the same on
every path: the model, the services, the pages (as each role), the API, Excel and the daily job."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from zhaoshang.core.models import ObjectChange
from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.notify.models import Notice
from zhaoshang.org.models import Unit
from zhaoshang.supervision import problems as services
from zhaoshang.supervision.models import Problem

pytestmark = pytest.mark.django_db
S = Problem.Status


@pytest.fixture
def world(users):
    """A project of xf-team's team; xf-support's unit (政府办) is the support unit."""
    team = users["xf-team"].membership.team
    support = users["xf-support"].membership.unit
    assert team.lead_unit_id != support.pk
    ent = Enterprise.objects.create(
        jurisdiction=team.jurisdiction, name="问题测试机械有限公司", unit=team.lead_unit, team=team
    )
    project = Project.objects.create(
        jurisdiction=team.jurisdiction, name="问题测试项目", enterprise=ent, total_investment="20000",
        unit=team.lead_unit, team=team, registered_on=date(2024, 1, 10), stage="signed", signed_on=date(2024, 2, 1),
    )  # fmt: skip
    return {"team": team, "support": support, "project": project, "enterprise": ent}


def make(world, users, **kw):
    values = {
        "project": world["project"],
        "title": "单测问题甲（用地）",
        "requester_unit": world["team"].lead_unit,
        "requester_team": world["team"],
        "support_unit": world["support"],
        "raised_on": date(2024, 9, 27),
        "deadline_workdays": 3,
        **kw,
    }
    p = Problem(**values)
    services.problem_prepare(problem=p, by=users["xf-team"])
    p.full_clean()
    p.save()
    return p


# --- The model -------------------------------------------------------------------------------------


def test_due_date_counts_working_days_on_the_holiday_calendar(world, users):
    # Friday 27 September 2024 + 3 working days: Sunday the 29th is worked (调休), Monday the 30th,
    # then the National Day holiday (1–7 October) is skipped: due Tuesday 8 October.
    p = make(world, users)
    assert p.due_on == date(2024, 10, 8)
    assert p.jurisdiction_id == world["project"].jurisdiction_id
    assert p.raised_by == users["xf-team"]


def test_the_responsible_leader_is_the_projects_unless_named(world, users):
    from zhaoshang.org.models import Person

    leader = Person.objects.filter(jurisdiction=world["team"].jurisdiction).first()
    Project.objects.filter(pk=world["project"].pk).update(responsible_leader=leader)
    world["project"].refresh_from_db()
    assert make(world, users).responsible_leader == leader


@pytest.mark.parametrize(
    "change, field",
    [
        ({"project": None}, "project"),  # neither project nor enterprise
        ({"enterprise_id": "ENT"}, "project"),  # both
        ({"source": "meeting"}, "decision"),  # a meeting's problem needs its decision
        ({"support_unit_id": "REQ"}, "support_unit"),  # not the requester itself
        ({"deadline_workdays": 0}, "deadline_workdays"),
        ({"deadline_workdays": 251}, "deadline_workdays"),
    ],
)
def test_the_model_refuses(world, users, change, field):
    p = Problem(
        project=world["project"], title="x", requester_unit=world["team"].lead_unit,
        support_unit=world["support"], raised_on=date(2024, 9, 27), deadline_workdays=3,
    )  # fmt: skip
    for k, v in change.items():
        setattr(p, k, {"ENT": world["enterprise"].pk, "REQ": world["team"].lead_unit_id}.get(v, v))
    p.derive() if p.deadline_workdays else None
    with pytest.raises(ValidationError) as err:
        p.full_clean()
    assert field in err.value.message_dict, err.value.message_dict


def test_a_support_unit_of_another_county_is_refused(world, users):
    other = Unit.objects.exclude(jurisdiction=world["team"].jurisdiction).first()
    with pytest.raises(ValidationError) as err:
        make(world, users, support_unit=other)
    assert "所在行政区划" in err.value.message_dict["support_unit"][0]


# --- Lights ----------------------------------------------------------------------------------------


def test_lights_by_working_days_left(world, users, settings):
    settings.ZHAOSHANG_PROBLEM_YELLOW_WORKDAYS = 1
    settings.ZHAOSHANG_PROBLEM_YELLOW_SHARE = 0.5
    # Monday 3 June + 10 working days, 10 June (端午) off: due Tuesday 18 June.
    p = make(world, users, raised_on=date(2024, 6, 3), deadline_workdays=10)
    assert p.due_on == date(2024, 6, 18)
    assert p.light_on(date(2024, 6, 3)) == "green"  # 10 left
    assert p.light_on(date(2024, 6, 7)) == "green"  # 6 left
    assert p.light_on(date(2024, 6, 11)) == "yellow"  # 5 left ≤ half of 10
    assert p.light_on(date(2024, 6, 18)) == "yellow"  # due today
    assert p.light_on(date(2024, 6, 19)) == "red"
    settings.ZHAOSHANG_PROBLEM_YELLOW_SHARE = 0
    assert p.light_on(date(2024, 6, 14)) == "green"  # 2 left
    assert p.light_on(date(2024, 6, 17)) == "yellow"  # 1 left
    # The list's filter agrees with the model.
    qs = Problem.objects.filter(pk=p.pk)
    for day, light in [
        (date(2024, 6, 14), "green"),
        (date(2024, 6, 17), "yellow"),
        (date(2024, 6, 19), "red"),
    ]:
        for value in ("green", "yellow", "red"):
            assert qs.filter(services.light_q(value, day)).exists() == (value == light), (day, value)
    services.problem_resolve(problem=p, resolution="已解决", by=users["xf-support"], on=date(2024, 6, 12))
    assert p.light_on(date(2024, 6, 18)) == ""  # resolved: no light


# --- The transitions -------------------------------------------------------------------------------


def test_only_the_support_unit_works_it_and_only_the_requester_closes_it(world, users):
    p = make(world, users)
    with pytest.raises(PermissionDenied):
        services.problem_start(problem=p, by=users["xf-team"])  # the requester does not work it
    with pytest.raises(PermissionDenied):
        services.problem_start(problem=p, by=users["xf-unit"])  # nor another unit
    services.problem_start(problem=p, by=users["xf-support"], on=date(2024, 9, 29))
    assert p.status == S.IN_PROGRESS and p.started_on == date(2024, 9, 29)
    with pytest.raises(ValidationError) as err:
        services.problem_resolve(problem=p, resolution="  ", by=users["xf-support"])
    assert "办理结果" in str(err.value)
    with pytest.raises(ValidationError):
        services.problem_confirm(problem=p, by=users["xf-team"])  # nothing resolved yet
    services.problem_resolve(problem=p, resolution="已协调收储", by=users["xf-support"], on=date(2024, 10, 8))
    assert p.status == S.RESOLVED
    for who in ("xf-support", "xf-unit", "xf-office", "xf-leader"):
        with pytest.raises(PermissionDenied):
            services.problem_confirm(problem=p, by=users[who])  # only the requester confirms
    with pytest.raises(ValidationError):
        services.problem_reject(problem=p, reason="", by=users["xf-team"])
    services.problem_reject(problem=p, reason="未见书面答复", by=users["xf-team"])
    p.refresh_from_db()
    assert (p.status, p.rejections, p.rejection_reason) == (S.IN_PROGRESS, 1, "未见书面答复")
    assert p.resolved_on is None  # unresolved again: counted open in the bulletins
    services.problem_resolve(
        problem=p, resolution="已出具书面答复", by=users["xf-support"], on=date(2024, 10, 9)
    )
    services.problem_confirm(problem=p, by=users["xf-team"], on=date(2024, 10, 10))
    p.refresh_from_db()
    assert (p.status, p.closed_on, p.confirmed_by) == (S.CLOSED, date(2024, 10, 10), users["xf-team"])
    # Closed: no more transitions, no more edits.
    with pytest.raises(ValidationError):
        services.problem_reject(problem=p, reason="再看看", by=users["xf-team"])
    p.title = "改个标题"
    with pytest.raises(ValidationError) as err:
        p.full_clean()
    assert "已销号" in str(err.value)
    p.refresh_from_db()
    from zhaoshang.core.scoping import can_change

    assert not can_change(users["xf-team"], p) and can_change(users["xf-office"], p)  # nor deleted
    actions = list(
        ObjectChange.objects.filter(content_type__model="problem", object_id=str(p.pk)).values_list(
            "action", flat=True
        )
    )
    assert (
        actions.count("create") == 1 and actions.count("update") == 5
    )  # start, resolve, reject, resolve, confirm


def test_the_office_confirms_only_its_own_meetings_problems(world, users):
    from zhaoshang.fieldwork.models import Activity, Decision

    team = world["team"]
    meeting = Activity.objects.create(
        jurisdiction=team.jurisdiction, kind="meeting", unit=team.lead_unit, team=team, date=date(2024, 9, 20)
    )
    decision = Decision.objects.create(activity=meeting, text="协调用地", owner="自然资源局")
    p = make(world, users, source="meeting", decision=decision)
    services.problem_resolve(problem=p, resolution="已办", by=users["xf-office"])
    assert services.may_confirm(users["xf-office"], p)
    services.problem_confirm(problem=p, by=users["xf-office"])
    assert p.status == S.CLOSED
    q = make(world, users, title="另一个")
    services.problem_resolve(problem=q, resolution="已办", by=users["xf-office"])
    assert not services.may_confirm(users["xf-office"], q)


# --- Escalation ------------------------------------------------------------------------------------


def test_overdue_problems_are_escalated_once(world, users):
    p = make(world, users)  # due 2024-10-08
    q = make(world, users, title="未逾期", raised_on=date(2024, 10, 8), deadline_workdays=10)
    assert services.escalate_overdue(today=date(2024, 10, 8)) == []
    notices = Notice.objects.count()
    done = services.escalate_overdue(today=date(2024, 10, 9))
    assert [x.pk for x in done] == [p.pk]
    p.refresh_from_db()
    assert p.escalated_at is not None
    notice = Notice.objects.latest("pk")
    assert Notice.objects.count() == notices + 1 and notice.unit_id == world["support"].pk
    assert "逾期督办" in notice.text and "招商办" in notice.text and p.title in notice.text
    assert services.escalate_overdue(today=date(2024, 10, 10)) == []  # never twice
    assert Notice.objects.count() == notices + 1
    # The office and the leader see the notice (their jurisdiction's); the support unit its own.
    for who in ("xf-office", "xf-leader", "xf-support"):
        assert Notice.objects.visible_to(users[who]).filter(pk=notice.pk).exists()
    assert not Notice.objects.visible_to(users["xf-unit"]).filter(pk=notice.pk).exists()
    assert q.escalated_at is None
    change = ObjectChange.objects.filter(
        content_type__model="problem", object_id=str(p.pk), action="update"
    ).get()
    assert change.source == "system"


def test_the_daily_job_and_the_command_escalate(world, users):
    from django.core.management import call_command

    from zhaoshang.celery import BEAT_SCHEDULE
    from zhaoshang.jobs import services as jobs

    assert any(e["args"] == ("escalate_problems",) for e in BEAT_SCHEDULE.values())
    p = make(world, users)
    job = jobs.submit("escalate_problems", on="2024-10-09")
    job.refresh_from_db()
    assert job.status == "done", job.result
    assert "1 项" in job.result["summary"]
    p.refresh_from_db()
    assert p.escalated_at is not None
    import io

    out = io.StringIO()
    call_command("escalate_problems", "--on", "2024-10-20", stdout=out)
    assert "0 项" in out.getvalue()


# --- Ranking ---------------------------------------------------------------------------------------


def test_support_units_ranked_by_average_working_days_to_resolve(world, users):
    fast = make(world, users, raised_on=date(2024, 6, 3), deadline_workdays=10)
    services.problem_resolve(problem=fast, resolution="已办", by=users["xf-office"], on=date(2024, 6, 5))
    services.problem_confirm(problem=fast, by=users["xf-team"], on=date(2024, 6, 6))
    other = Unit.objects.filter(jurisdiction=world["team"].jurisdiction, name="自然资源局").get()
    slow = make(world, users, support_unit=other, raised_on=date(2024, 6, 3), deadline_workdays=3)
    services.problem_resolve(problem=slow, resolution="已办", by=users["xf-office"], on=date(2024, 6, 14))
    services.problem_confirm(problem=slow, by=users["xf-team"], on=date(2024, 6, 14))
    pending = make(world, users, support_unit=other, title="未办", raised_on=date(2024, 6, 3))
    rows = services.support_unit_ranking(
        Problem.objects.filter(pk__in=[fast.pk, slow.pk, pending.pk]),
        today=date(2024, 7, 1),
        start=date(2024, 1, 1),
        end=date(2024, 12, 31),
    )
    assert [(r.unit, r.rank, r.average, r.open, r.overdue) for r in rows][:2] == [
        (world["support"], 1, 2, 0, 0),
        (other, 2, 8, 1, 1),  # 4–14 June: 8 working days (10日 端午)
    ]
    assert rows[0].on_time_rate == 100 and rows[1].on_time_rate == 0


# --- Pages, as each role ---------------------------------------------------------------------------


def test_pages_by_role(client, world, users):
    p = make(world, users)
    urls = [reverse("supervision:problem_list"), reverse("supervision:problem_detail", args=[p.pk])]
    for who, status in [
        ("xf-office", 200), ("xf-leader", 200), ("xf-inspector", 200), ("xf-team", 200),
        ("xf-support", 200), ("xf-unit", 404), ("tl-office", 404),
    ]:  # fmt: skip
        client.force_login(users[who])
        assert client.get(urls[1]).status_code == status, who
        html = client.get(urls[0]).content.decode()
        assert (p.title in html) == (status == 200), who
    client.force_login(users["xf-leader"])
    assert client.get(reverse("supervision:problem_edit", args=[p.pk])).status_code == 403


def test_a_clerk_raises_a_problem_on_the_page_and_the_support_unit_resolves_it(client, world, users):
    client.force_login(users["xf-team"])
    form = client.get(reverse("supervision:problem_add") + f"?project={world['project'].pk}").content.decode()
    assert "办理时限（工作日）" in form
    data = {
        "project": world["project"].pk,
        "title": "环评审批进度慢",
        "source": "clerk",
        "requester_unit": world["team"].lead_unit_id,
        "requester_team": world["team"].pk,
        "support_unit": world["support"].pk,
        "raised_on": "2024-09-27",
        "deadline_workdays": "3",
    }
    r = client.post(reverse("supervision:problem_add"), {**data, "support_unit": world["team"].lead_unit_id})
    assert r.status_code == 400 and "要素保障单位不能是提出单位本身" in r.content.decode()
    r = client.post(reverse("supervision:problem_add"), data)
    assert r.status_code == 302, r.content.decode()[:2000]
    p = Problem.objects.get(title="环评审批进度慢")
    assert p.due_on == date(2024, 10, 8) and p.raised_by == users["xf-team"]
    detail = reverse("supervision:problem_detail", args=[p.pk])
    # The requester sees no 办理 buttons; the support unit does.
    start = reverse("supervision:problem_action", args=[p.pk, "start"])
    assert start not in client.get(detail).content.decode()
    r = client.post(reverse("supervision:problem_action", args=[p.pk, "start"]))
    assert r.status_code == 403
    client.force_login(users["xf-support"])
    assert start in client.get(detail).content.decode()
    r = client.post(reverse("supervision:problem_action", args=[p.pk, "resolve"]), {"resolution": ""})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.status == S.OPEN
    client.post(reverse("supervision:problem_action", args=[p.pk, "resolve"]), {"resolution": "已批复"})
    p.refresh_from_db()
    assert p.status == S.RESOLVED
    client.force_login(users["xf-team"])
    assert "确认销号" in client.get(detail).content.decode()
    client.post(reverse("supervision:problem_action", args=[p.pk, "confirm"]))
    p.refresh_from_db()
    assert p.status == S.CLOSED
    # Out of scope: 404, nothing changed.
    client.force_login(users["tl-office"])
    assert (
        client.post(reverse("supervision:problem_action", args=[p.pk, "reject"]), {"reason": "x"}).status_code
        == 404
    )


def test_project_and_enterprise_pages_show_the_problems_in_their_timeline(client, world, users):
    p = make(world, users)
    q = make(world, users, project=None, enterprise=world["enterprise"], title="企业融资难")
    client.force_login(users["xf-team"])
    html = client.get(reverse("ledger:project_detail", args=[world["project"].pk])).content.decode()
    assert "问题与领导批示" in html and p.title in html and q.title not in html and "提出问题" in html
    html = client.get(reverse("ledger:enterprise_detail", args=[world["enterprise"].pk])).content.decode()
    assert p.title in html and q.title in html


def test_home_worklists(client, world, users):
    from django.utils import timezone

    today = timezone.localdate()
    p = make(world, users, raised_on=today, deadline_workdays=1)  # yellow at once
    client.force_login(users["xf-support"])
    html = client.get("/").content.decode()
    assert "本单位承办的临期和逾期问题" in html and p.title in html
    services.problem_resolve(problem=p, resolution="已办", by=users["xf-support"])
    client.force_login(users["xf-team"])
    html = client.get("/").content.decode()
    assert "待确认销号的问题" in html and p.title in html
    client.force_login(users["xf-office"])
    html = client.get("/").content.decode()
    assert "逾期未办结的问题" in html and "待确认销号的问题" not in html  # the team's to confirm
    # A meeting's problem, resolved: the office, whose meeting it was, confirms it from its home.
    from zhaoshang.fieldwork.models import Activity, Decision

    team = world["team"]
    meeting = Activity.objects.create(
        jurisdiction=team.jurisdiction, kind="meeting", unit=team.lead_unit, team=team, date=today
    )
    decision = Decision.objects.create(activity=meeting, text="协调用地", owner="自然资源局")
    m = make(world, users, source="meeting", decision=decision, title="会议议定：协调用地", raised_on=today)
    services.problem_resolve(problem=m, resolution="已办", by=users["xf-support"])
    html = client.get("/").content.decode()
    assert "待确认销号的问题" in html and m.title in html and p.title not in html.split("待确认销号的问题")[1]


def test_ranking_page(client, world, users):
    make(world, users)
    client.force_login(users["xf-support"])
    r = client.get(reverse("supervision:problem_ranking"), {"year": "2024"})
    assert r.status_code == 200 and "要素保障单位问题办结排名（2024年）" in r.content.decode()
    assert client.get(reverse("supervision:problem_ranking"), {"year": "abc"}).status_code == 200


# --- The API ---------------------------------------------------------------------------------------


def test_api_create_transitions_and_delete(client, world, users):
    client.force_login(users["xf-team"])
    before = Problem.objects.count()
    payload = {
        "project": world["project"].pk,
        "title": "用电增容",
        "requester_unit": world["team"].lead_unit_id,
        "requester_team": world["team"].pk,
        "support_unit": world["support"].pk,
        "raised_on": "2024-09-27",
        "deadline_workdays": 3,
    }
    r = client.post("/api/problems/", {**payload, "project": None}, content_type="application/json")
    assert r.status_code == 400 and Problem.objects.count() == before
    r = client.post("/api/problems/", payload, content_type="application/json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (
        body["due_on"] == "2024-10-08" and body["status"] == "open" and Problem.objects.count() == before + 1
    )
    pk = body["id"]
    assert (
        ObjectChange.objects.filter(content_type__model="problem", object_id=str(pk), action="create").count()
        == 1
    )
    # The status is not written through the fields.
    r = client.patch(f"/api/problems/{pk}/", {"status": "closed"}, content_type="application/json")
    assert Problem.objects.get(pk=pk).status == "open"
    assert client.post(f"/api/problems/{pk}/start/").status_code == 403
    client.force_login(users["xf-support"])
    assert client.post(f"/api/problems/{pk}/resolve/", {}, content_type="application/json").status_code == 400
    r = client.post(f"/api/problems/{pk}/resolve/", {"resolution": "已增容"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    assert client.post(f"/api/problems/{pk}/confirm/").status_code == 403
    client.force_login(users["xf-team"])
    r = client.post(f"/api/problems/{pk}/reject/", {"reason": "未完成"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    client.force_login(users["tl-office"])
    assert client.post(f"/api/problems/{pk}/start/").status_code == 404
    assert client.delete(f"/api/problems/{pk}/").status_code == 404
    client.force_login(users["xf-team"])
    assert client.delete(f"/api/problems/{pk}/").status_code == 204
    assert Problem.objects.count() == before
    assert (
        ObjectChange.objects.filter(content_type__model="problem", object_id=str(pk), action="delete").count()
        == 1
    )


def test_api_refuses_a_requester_the_clerk_may_not_name(client, world, users):
    client.force_login(users["xf-unit"])
    r = client.post(
        "/api/problems/",
        {"enterprise": world["enterprise"].pk, "title": "x", "requester_unit": world["team"].lead_unit_id,
         "support_unit": world["support"].pk, "raised_on": "2024-09-27", "deadline_workdays": 3},
        content_type="application/json",
    )  # fmt: skip
    assert r.status_code == 400


# --- Excel -----------------------------------------------------------------------------------------


def _sheet(rows):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


HEADERS = ["问题", "项目名称", "企业名称", "问题描述", "问题来源", "提出单位", "提出团队", "要素保障单位", "责任领导",
           "提出日期", "办理时限（工作日）"]  # fmt: skip


def test_excel_export_reimports_unchanged_and_import_is_all_or_nothing(client, world, users):
    from zhaoshang.supervision.problems_excel import import_problems

    make(world, users)
    client.force_login(users["xf-team"])
    r = client.get(reverse("supervision:problem_export"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    result = import_problems(r.content, user=users["xf-team"])
    visible = Problem.objects.visible_to(users["xf-team"]).count()
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, visible), result.errors
    lead, team, support = world["team"].lead_unit.name, world["team"].name, world["support"].name
    good = ["招工缺口", "问题测试项目", "", "", "企业联系人反映", lead, team, support, "", "2024-09-27", 5]
    bad = ["=HYPERLINK()", "不存在的项目", "", "", "", lead, team, support, "", "2024-13-01", 0]
    before = Problem.objects.count()
    result = import_problems(_sheet([HEADERS, good, bad]), user=users["xf-team"])
    assert not result.ok and Problem.objects.count() == before
    messages = [str(e) for e in result.errors]
    assert any(m.startswith("第3行“项目名称”列") and "未找到项目" in m for m in messages), messages
    assert any(m.startswith("第3行“提出日期”列") for m in messages), messages
    assert any(m.startswith("第3行“办理时限（工作日）”列") for m in messages), messages
    result = import_problems(_sheet([HEADERS, good]), user=users["xf-team"])
    assert result.ok and result.created == 1 and Problem.objects.count() == before + 1
    p = Problem.objects.get(title="招工缺口")
    assert p.source == "liaison" and p.deadline_workdays == 5 and p.raised_by == users["xf-team"]
    assert ObjectChange.objects.filter(
        object_id=str(p.pk), content_type__model="problem", source="import"
    ).exists()
    # A clerk may not name another unit as the requester.
    other = ["越权", "问题测试项目", "", "", "", "政法委", "", support, "", "2024-09-27", 5]
    result = import_problems(_sheet([HEADERS, other]), user=users["xf-team"])
    assert not result.ok and "第2行“提出单位”列" in str(result.errors[0])
    # Missing columns are named.
    result = import_problems(_sheet([["问题"], ["x"]]), user=users["xf-team"])
    assert not result.ok and "缺少必填列" in str(result.errors[0])
    # The page: a bad file is a 400 naming the row, not a 500.
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        reverse("supervision:problem_import"),
        {"file": SimpleUploadedFile("p.xlsx", _sheet([HEADERS, bad]))},
    )
    assert r.status_code == 400 and "第2行" in r.content.decode()
    r = client.post(
        reverse("supervision:problem_import"), {"file": SimpleUploadedFile("p.xlsx", b"not excel")}
    )
    assert r.status_code == 400
    client.force_login(users["xf-leader"])
    assert client.get(reverse("supervision:problem_import")).status_code == 403


def test_excel_import_changes_only_what_the_clerk_may(world, users):
    """The support unit neither files nor edits problems by Excel (it works them on the page); a
    row matching a problem the clerk cannot see is refused, not taken over."""
    from zhaoshang.supervision.problems_excel import import_problems

    p = make(world, users)
    lead, team, support = world["team"].lead_unit.name, world["team"].name, world["support"].name
    row = [p.title, "问题测试项目", "", "", "", lead, team, support, "", "2024-09-27", 9]
    result = import_problems(_sheet([HEADERS, row]), user=users["xf-support"])
    assert not result.ok and "只有提出单位" in str(result.errors[0])
    p.refresh_from_db()
    assert p.deadline_workdays == 3
    # Another unit's clerk does not see the problem: the same project, title and day are refused.
    unit = users["xf-unit"].membership.unit
    world["project"].unit = unit
    world["project"].team = None
    world["project"].save()
    row = [p.title, "问题测试项目", "", "", "", unit.name, "", support, "", "2024-09-27", 9]
    assert not Problem.objects.visible_to(users["xf-unit"]).filter(pk=p.pk).exists()
    result = import_problems(_sheet([HEADERS, row]), user=users["xf-unit"])
    assert not result.ok and "不在您的权限范围内" in str(result.errors[0]), result.errors
    p.refresh_from_db()
    assert (p.requester_unit, p.deadline_workdays) == (world["team"].lead_unit, 3)


# --- Demo data ---------------------------------------------------------------------------------------


def test_demo_seed_makes_every_state(users):
    """The test world is seeded (conftest.py) as the demo is: every state and light, once."""
    from zhaoshang.org.models import Policy
    from zhaoshang.supervision.models import Instruction
    from zhaoshang.supervision.problems_demo import seed

    today = date(2024, 11, 20)
    qs = Problem.objects.filter(jurisdiction__code="360722")
    assert qs.count() >= 8
    assert {p.status for p in qs} == {"open", "in_progress", "resolved", "closed"}
    assert {p.light_on(today) for p in qs} >= {"green", "yellow", "red"}
    assert qs.filter(escalated_at__isnull=False).exists() and qs.filter(rejections__gt=0).exists()
    assert Instruction.objects.filter(jurisdiction__code="360722").count() >= 2
    assert Problem.objects.filter(
        jurisdiction__path__startswith=Policy.objects.get(name="testland-2024").jurisdiction.path
    ).exists()
    assert seed(policy=Policy.objects.get(name="xinfeng-2024"), today=today) == {}  # once


# --- Bulletins -------------------------------------------------------------------------------------


def test_bulletin_figures_and_placeholders(world, users):
    from zhaoshang.bulletins.placeholders import BY_LABEL, to_django

    p = make(world, users, raised_on=date(2024, 6, 3), deadline_workdays=3)  # due 6 June
    q = make(world, users, title="已销号", raised_on=date(2024, 6, 3))
    services.problem_resolve(problem=q, resolution="已办", by=users["xf-support"], on=date(2024, 6, 4))
    services.problem_confirm(problem=q, by=users["xf-team"], on=date(2024, 6, 5))
    base = services.bulletin_figures(world["team"].jurisdiction, date(2024, 6, 1), date(2024, 6, 30))
    others = Problem.objects.exclude(pk__in=[p.pk, q.pk]).filter(jurisdiction=world["team"].jurisdiction)
    assert base["raised"] == 2 + others.filter(raised_on__range=(date(2024, 6, 1), date(2024, 6, 30))).count()
    assert base["closed"] >= 1 and base["overdue"] >= 1
    assert "problems.overdue" in to_django("【期末逾期未办结问题数】") and "期末未办结问题数" in BY_LABEL
