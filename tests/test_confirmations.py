"""Every destructive or final action asks first and says what will happen (issue 11 point 5):
publishing and locking an assessment, deleting a record, moving a project back or ending it,
sending a bulletin to several channels. A POST without confirm=1 (a page without JavaScript, a
script, a double tap on a stale form) changes nothing; the API keeps the services' own rules."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from zhaoshang.assessment.models import AssessmentRun
from zhaoshang.core.models import ObjectChange
from zhaoshang.ledger.models import Project
from zhaoshang.org.models import Person, Policy


@pytest.fixture
def testland(db):
    return Policy.objects.get(name="testland-2024")


@pytest.fixture
def draft(testland, users):
    from zhaoshang.assessment import services

    return services.run(testland, "2024-07", user=users["tl-office"])


def _changes():
    return ObjectChange.objects.count()


# --- publish and lock ----------------------------------------------------------------------------


def test_the_run_page_says_what_publishing_does_before_it_is_done(client, users, draft):
    client.force_login(users["tl-office"])
    page = client.get(reverse("assessment:assessmentrun_detail", args=[draft.pk])).content.decode()
    assert "data-confirm" in page and 'name="confirm" value=""' in page
    assert "<dialog" in page and "发布后本期结果锁定，不能再修改。" in page
    assert "确认发布并锁定" in page and "领导驾驶舱、排名和战报简报随即采用本版结果" in page


def test_publishing_without_confirm_changes_nothing(client, users, draft):
    client.force_login(users["tl-office"])
    before = _changes()
    response = client.post(reverse("assessment:run_publish", args=[draft.pk]))
    assert response.status_code == 400
    text = response.content.decode()
    assert "发布后本期结果锁定" in text and 'name="confirm" value="1"' in text
    draft.refresh_from_db()
    assert draft.status == AssessmentRun.Status.DRAFT and _changes() == before
    response = client.post(reverse("assessment:run_publish", args=[draft.pk]), {"confirm": "1"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == AssessmentRun.Status.PUBLISHED


def test_publishing_names_the_version_it_supersedes(client, users, testland):
    from zhaoshang.assessment import services

    published = AssessmentRun.objects.get(policy=testland, period="2024-05", status="published")
    correction = services.run(testland, "2024-05", user=users["tl-office"], reason="补录进资")
    client.force_login(users["tl-office"])
    text = client.post(reverse("assessment:run_publish", args=[correction.pk])).content.decode()
    assert f"已发布的第{published.version}版将被取代" in text


def test_the_api_publishes_by_its_own_rules(client, users, draft):
    client.force_login(users["tl-office"])
    response = client.post(f"/api/assessments/{draft.pk}/publish/")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert client.post(f"/api/assessments/{draft.pk}/publish/").status_code == 400  # only a draft


# --- delete --------------------------------------------------------------------------------------


def test_the_delete_page_says_what_goes_with_the_record(client, users):
    project = (
        Project.objects.visible_to(users["xf-office"])
        .filter(stage_changes__isnull=False)
        .order_by("pk")
        .first()
    )
    n = project.stage_changes.count()
    client.force_login(users["xf-office"])
    page = client.get(reverse("ledger:project_delete", args=[project.pk])).content.decode()
    assert f"确定删除“{project}”吗？删除后不能撤销。" in page
    assert f"同时删除与其相关的 {n} 条阶段变更" in page and 'name="confirm" value="1"' in page


def test_the_delete_page_says_what_keeps_a_record_in_use(client, users):
    unit = users["xf-unit"].membership.unit
    client.force_login(users["xf-office"])
    page = client.get(reverse("org:unit_delete", args=[unit.pk])).content.decode()
    assert "不能删除" in page and "确认删除" not in page


def test_deleting_without_confirm_deletes_nothing(client, users):
    office = users["xf-office"]
    person = Person.objects.create(
        jurisdiction=office.membership.jurisdiction, name="待删测试", kind="leader"
    )
    client.force_login(office)
    before = _changes()
    response = client.post(reverse("org:person_delete", args=[person.pk]))
    assert response.status_code == 400
    assert "删除须在本页确认，尚未删除任何内容" in response.content.decode()
    assert Person.objects.filter(pk=person.pk).exists() and _changes() == before
    assert client.post(reverse("org:person_delete", args=[person.pk]), {"confirm": "1"}).status_code == 302
    assert not Person.objects.filter(pk=person.pk).exists()


def test_deleting_a_holiday_asks_first(client, users):
    from zhaoshang.holidays.models import CalendarDay
    from zhaoshang.holidays.services import day_save

    day = day_save(on=date(2031, 10, 8), kind="holiday", name="国庆节")
    client.force_login(users["admin"])
    page = client.get(reverse("holidays:year", args=[2031])).content.decode()
    assert "删除后该日恢复为平常的工作日或周末" in page and "data-confirm" in page
    response = client.post(reverse("holidays:day_delete", args=[day.pk]))
    assert response.status_code == 400 and "确认删除" in response.content.decode()
    assert CalendarDay.objects.filter(pk=day.pk).exists()
    assert client.post(reverse("holidays:day_delete", args=[day.pk]), {"confirm": "1"}).status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()


# --- a project's stage going back or ending ------------------------------------------------------


def _signed_project(user):
    return (
        Project.objects.visible_to(user)
        .filter(stage=Project.Stage.SIGNED, signed_on__isnull=False)
        .order_by("pk")
        .first()
    )


def test_moving_a_project_back_asks_and_says_what_is_cleared(client, users):
    user = users["xf-office"]
    project = _signed_project(user)
    client.force_login(user)
    url = reverse("ledger:project_stage", args=[project.pk])
    data = {"stage": "negotiating", "on": date.today().isoformat(), "reason": "对方暂缓投资"}
    before = project.stage_changes.count()
    response = client.post(url, data)
    text = response.content.decode()
    assert response.status_code == 200
    assert "项目将由“签约”退回到“在谈”。" in text and "项目上“签约”的日期将被清除" in text
    assert 'name="confirm" value="1"' in text and 'value="对方暂缓投资"' in text
    project.refresh_from_db()
    assert project.stage == Project.Stage.SIGNED and project.stage_changes.count() == before
    assert client.post(url, {**data, "confirm": "1"}).status_code == 302
    project.refresh_from_db()
    assert project.stage == Project.Stage.NEGOTIATING and project.stage_changes.count() == before + 1


def test_the_evidence_of_a_move_back_is_chosen_on_the_asking_page_and_kept(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = users["xf-office"]
    project = _signed_project(user)
    client.force_login(user)
    url = reverse("ledger:project_stage", args=[project.pk])
    data = {"stage": "negotiating", "on": date.today().isoformat(), "reason": "对方暂缓投资"}
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    asked = client.post(url, {**data, "evidence": SimpleUploadedFile("暂缓函.pdf", pdf)}).content.decode()
    # The browser cannot carry the file over: the asking page offers the input itself.
    assert 'enctype="multipart/form-data"' in asked and 'type="file" name="evidence"' in asked
    assert "请在此重新选择" in asked and "请返回上一页重新选择" not in asked
    confirmed = {**data, "confirm": "1", "evidence": SimpleUploadedFile("暂缓函.pdf", pdf)}
    assert client.post(url, confirmed).status_code == 302
    change = project.stage_changes.order_by("-pk").first()
    assert change.to_stage == Project.Stage.NEGOTIATING and change.evidence.name.endswith(".pdf")


def test_ending_a_project_asks_and_a_step_forward_does_not(client, users):
    from zhaoshang.ledger import services

    project = _signed_project(users["xf-office"])
    asking = services.stage_confirmation(project, Project.Stage.TERMINATED)
    assert asking.title == f"终止项目：{project}" and "终止" in asking.button
    assert services.stage_confirmation(project, Project.Stage.STARTED) is None


# --- a bulletin to several channels --------------------------------------------------------------


def _channels(policy):
    from zhaoshang.notify.models import Channel
    from zhaoshang.org.models import Unit

    unit = Unit.objects.filter(jurisdiction=policy.jurisdiction).order_by("pk").first()
    common = {"jurisdiction": policy.jurisdiction, "unit": unit}
    return [
        Channel.objects.create(**common, kind="in_app", name="领导站内"),
        Channel.objects.create(
            **common, kind="email", name="县领导邮箱", emails="a@example.cn, b@example.cn"
        ),
    ]


def test_sending_to_several_channels_says_where_and_records_each(client, users, testland, mailoutbox):
    from zhaoshang.bulletins import services
    from zhaoshang.bulletins.models import BulletinSend

    bulletin = services.request_bulletin(policy=testland, kind="notice", period="2024-05", inline=True)
    channels = _channels(testland)
    client.force_login(users["tl-office"])
    page = client.get(reverse("bulletins:bulletin_detail", args=[bulletin.pk])).content.decode()
    assert 'type="checkbox" name="channel"' in page
    url = reverse("bulletins:bulletin_send", args=[bulletin.pk])
    chosen = {"channel": [c.pk for c in channels]}
    response = client.post(url, chosen)
    text = response.content.decode()
    assert response.status_code == 200
    assert "同时发送至 2 个渠道（电子邮件 1 个、站内消息 1 个，共 2 个收件邮箱）" in text
    assert "2 个收件邮箱收到 Word、Excel、PDF 三个附件" in text and "发出后不能撤回" in text
    assert not BulletinSend.objects.filter(bulletin=bulletin).exists() and not mailoutbox
    response = client.post(url, {**chosen, "confirm": "1"})
    assert response.status_code == 302
    sends = BulletinSend.objects.filter(bulletin=bulletin)
    assert {s.channel_id for s in sends} == {c.pk for c in channels}
    assert {s.status for s in sends} == {"sent"} and len(mailoutbox) == 1
    # Asked again, the page says each was sent already; sending again sends nothing more.
    assert "不再重复发送" in client.post(url, chosen).content.decode()
    client.post(url, {**chosen, "confirm": "1"})
    assert len(mailoutbox) == 1 and sends.count() == 2


def test_sending_needs_a_channel(client, users, testland):
    from zhaoshang.bulletins import services

    bulletin = services.request_bulletin(policy=testland, kind="notice", period="2024-05", inline=True)
    client.force_login(users["tl-office"])
    response = client.post(
        reverse("bulletins:bulletin_send", args=[bulletin.pk]), {"confirm": "1"}, follow=True
    )
    assert "请选择至少一个发送渠道" in response.content.decode()
