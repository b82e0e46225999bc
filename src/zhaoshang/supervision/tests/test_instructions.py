"""Issue 14 point 3: leaders' instructions (领导批示) on a project or a problem, with a deadline
and the addressee's replies; the leader's own list (我的批示) on the phone and the dashboard."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from zhaoshang.core.models import ObjectChange
from zhaoshang.supervision import instructions as services
from zhaoshang.supervision.models import Instruction, InstructionReply

from .test_problems import make, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def issue(world, users, who="xf-leader", **kw):  # noqa: F811
    kw = {
        "content": "请抓紧协调用地，确保按期开工。",
        "deadline": date(2024, 10, 15),
        "issued_on": date(2024, 10, 8),
        "addressee_unit": world["support"],
        **kw,
    }
    i = Instruction(project=world["project"], **kw)
    return services.instruction_issue(instruction=i, by=users[who])


def test_a_leader_issues_the_addressee_replies_the_leader_closes(world, users):  # noqa: F811
    i = issue(world, users)
    assert i.by == users["xf-leader"] and i.leader_name == "xf-leader"[:30] or i.leader_name
    assert i.jurisdiction_id == world["project"].jurisdiction_id and i.status == "open"
    assert i.overdue_on(date(2024, 10, 16)) and not i.overdue_on(date(2024, 10, 15))
    for who in ("xf-team", "xf-support", "xf-inspector"):
        with pytest.raises(PermissionDenied):
            issue(world, users, who=who)
    with pytest.raises(PermissionDenied):
        services.instruction_reply(instruction=i, content="已办", by=users["xf-unit"])  # not the addressee
    with pytest.raises(ValidationError):
        services.instruction_reply(instruction=i, content=" ", by=users["xf-support"])
    reply = services.instruction_reply(
        instruction=i, content="已协调", by=users["xf-support"], on=date(2024, 10, 9)
    )
    i.refresh_from_db()
    assert i.status == "replied" and not i.overdue_on(date(2024, 10, 16))
    assert reply.by == users["xf-support"]
    with pytest.raises(PermissionDenied):
        services.instruction_close(instruction=i, by=users["xf-support"])
    services.instruction_close(instruction=i, by=users["xf-leader"])
    i.refresh_from_db()
    assert i.status == "closed"
    with pytest.raises(ValidationError):
        services.instruction_reply(instruction=i, content="补充", by=users["xf-support"])
    logged = ObjectChange.objects.filter(content_type__model="instruction", object_id=str(i.pk))
    assert logged.filter(action="create").count() == 1 and logged.filter(action="update").count() == 2
    assert ObjectChange.objects.filter(
        content_type__model="instructionreply", object_id=str(reply.pk)
    ).exists()


def test_the_model_refuses(world, users):  # noqa: F811
    with pytest.raises(ValidationError) as err:
        issue(world, users, problem=make(world, users))  # both project and problem
    assert "project" in err.value.message_dict
    i = Instruction(
        project=world["project"], content="x", deadline=date(2024, 10, 1), issued_on=date(2024, 10, 8)
    )
    with pytest.raises(ValidationError) as err:
        services.instruction_issue(instruction=i, by=users["xf-leader"])
    assert {"addressee_unit", "deadline"} <= set(err.value.message_dict)


def test_pages_by_role_and_the_leaders_phone_list(client, world, users):  # noqa: F811
    client.force_login(users["xf-leader"])
    form = reverse("supervision:instruction_new")
    r = client.get(form + f"?project={world['project'].pk}")
    assert r.status_code == 200 and "批示内容" in r.content.decode()
    r = client.post(form, {"project": world["project"].pk, "content": "", "deadline": "2024-10-15"})
    assert r.status_code == 400
    r = client.post(
        form,
        {"project": world["project"].pk, "content": "请专班倒排工期", "deadline": "2099-10-15",
         "addressee_unit": world["support"].pk},
    )  # fmt: skip
    assert r.status_code == 302
    i = Instruction.objects.get(content="请专班倒排工期")
    assert i.by == users["xf-leader"] and i.issued_on == timezone.localdate()
    html = client.get(reverse("supervision:instruction_mine")).content.decode()
    assert "请专班倒排工期" in html  # the demo world's own instructions are listed too
    html = client.get(reverse("dashboards:dashboard")).content.decode()
    assert "我的批示" in html and "请专班倒排工期" in html
    detail = reverse("supervision:instruction_detail", args=[i.pk])
    for who, status in [("xf-office", 200), ("xf-inspector", 200), ("xf-support", 200), ("xf-team", 404),
                        ("xf-unit", 404), ("tl-office", 404)]:  # fmt: skip
        client.force_login(users[who])
        assert client.get(detail).status_code == status, who
    for who in ("xf-team", "xf-support", "xf-unit"):
        client.force_login(users[who])
        assert client.get(form).status_code == 403, who
    # The addressee's home page lists it; the reply on the page.
    client.force_login(users["xf-support"])
    assert "待回复的领导批示" in client.get("/").content.decode()
    r = client.post(reverse("supervision:instruction_reply", args=[i.pk]), {"content": "已安排"})
    assert r.status_code == 302 and InstructionReply.objects.filter(instruction=i).count() == 1
    i.refresh_from_db()
    assert i.status == "replied"
    client.force_login(users["tl-office"])
    assert client.post(reverse("supervision:instruction_close", args=[i.pk])).status_code == 404
    client.force_login(users["xf-leader"])
    client.post(reverse("supervision:instruction_close", args=[i.pk]))
    i.refresh_from_db()
    assert i.status == "closed"


def test_my_instructions_list_the_open_ones_first(client, world, users):  # noqa: F811
    closed = issue(world, users, content="已办结的批示")
    services.instruction_reply(
        instruction=closed, content="已办", by=users["xf-support"], on=date(2024, 10, 9)
    )
    services.instruction_close(instruction=closed, by=users["xf-leader"])
    replied = issue(world, users, content="待办结的批示")
    services.instruction_reply(
        instruction=replied, content="已办", by=users["xf-support"], on=date(2024, 10, 9)
    )
    open_ = issue(world, users, content="待回复的批示", deadline=date(2024, 10, 20))
    client.force_login(users["xf-leader"])
    html = client.get(reverse("supervision:instruction_mine")).content.decode()
    at = [html.index(x.content) for x in (open_, replied, closed)]
    assert at == sorted(at), at


def test_problem_page_shows_its_instructions(client, world, users):  # noqa: F811
    p = make(world, users)
    i = Instruction(
        problem=p, content="限期解决", deadline=date(2024, 10, 15), issued_on=date(2024, 10, 8),
        addressee_unit=world["support"],
    )  # fmt: skip
    services.instruction_issue(instruction=i, by=users["xf-leader"])
    client.force_login(users["xf-support"])  # the addressee
    html = client.get(reverse("supervision:problem_detail", args=[p.pk])).content.decode()
    assert "限期解决" in html
    client.force_login(users["xf-team"])  # the requester: the instruction is the addressee's
    html = client.get(reverse("supervision:problem_detail", args=[p.pk])).content.decode()
    assert "限期解决" not in html
    client.force_login(users["xf-office"])
    html = client.get(reverse("ledger:project_detail", args=[world["project"].pk])).content.decode()
    assert "领导批示（xf-leader）" in html


def test_api(client, world, users):  # noqa: F811
    payload = {
        "project": world["project"].pk,
        "content": "接口批示",
        "deadline": str(timezone.localdate()),
        "addressee_unit": world["support"].pk,
    }
    client.force_login(users["xf-team"])
    before = Instruction.objects.count()
    assert client.post("/api/instructions/", payload, content_type="application/json").status_code == 403
    client.force_login(users["xf-leader"])
    r = client.post(
        "/api/instructions/", {**payload, "addressee_unit": None}, content_type="application/json"
    )
    assert r.status_code == 400 and Instruction.objects.count() == before
    r = client.post("/api/instructions/", payload, content_type="application/json")
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert Instruction.objects.count() == before + 1
    assert client.get(f"/api/instructions/{pk}/").json()["overdue"] is False  # due today
    past = {**payload, "deadline": str(timezone.localdate() - timedelta(days=1))}
    assert client.post("/api/instructions/", past, content_type="application/json").status_code == 400
    assert (
        client.patch(
            f"/api/instructions/{pk}/", {"content": "改"}, content_type="application/json"
        ).status_code
        == 405
    )
    assert client.delete(f"/api/instructions/{pk}/").status_code == 405
    assert (
        client.post(
            f"/api/instructions/{pk}/reply/", {"content": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    client.force_login(users["xf-support"])
    r = client.post(f"/api/instructions/{pk}/reply/", {"content": "已办理"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["content"] == "已办理"
    assert client.get("/api/instruction-replies/").json()["count"] >= 1
    client.force_login(users["xf-leader"])
    r = client.post(f"/api/instructions/{pk}/close/")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    client.force_login(users["tl-office"])
    assert client.get(f"/api/instructions/{pk}/").status_code == 404
