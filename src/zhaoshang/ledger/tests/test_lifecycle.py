"""线索 → 在谈 → 实质性谈判 → 签约 → 开工 → 投产 → 达产, and 终止: dated, by whom, with evidence;
going back needs a reason; the history is kept."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.ledger.services import project_advance_stage, stage_by_label


@pytest.fixture
def project(db, users):
    team = users["xf-team"].membership.team
    ent = Enterprise.objects.create(
        jurisdiction=team.jurisdiction, name="测试光电有限公司", unit=team.lead_unit, team=team
    )
    return Project.objects.create(
        jurisdiction=team.jurisdiction, name="测试光电项目", enterprise=ent, total_investment="20000",
        unit=team.lead_unit, team=team, registered_on=date(2024, 1, 10),
    )  # fmt: skip


def test_forward_steps_set_dates_and_kinds(project, users):
    project_advance_stage(project=project, stage="negotiating", on=date(2024, 2, 1), by=users["xf-team"])
    project_advance_stage(
        project=project, stage="signed", on=date(2024, 3, 1), kind="formal", by=users["xf-team"]
    )
    project_advance_stage(project=project, stage="started", on=date(2024, 4, 1), kind="ceremony")
    project.refresh_from_db()
    assert (
        project.stage == "started"
        and project.signed_on == date(2024, 3, 1)
        and project.signing_kind == "formal"
    )
    assert project.started_on == date(2024, 4, 1) and project.start_kind == "ceremony"
    history = list(project.stage_changes.values_list("from_stage", "to_stage"))
    assert history == [("lead", "negotiating"), ("negotiating", "signed"), ("signed", "started")]


def test_going_back_needs_a_reason_and_clears_later_dates(project):
    project_advance_stage(project=project, stage="signed", on=date(2024, 3, 1), kind="intent")
    with pytest.raises(ValidationError) as exc:
        project_advance_stage(project=project, stage="negotiating", on=date(2024, 3, 5))
    assert "原因" in exc.value.message_dict["reason"][0]
    change = project_advance_stage(
        project=project, stage="negotiating", on=date(2024, 3, 5), reason="企业董事会未通过"
    )
    assert change.is_backward
    project.refresh_from_db()
    assert project.signed_on is None and project.signing_kind == ""
    assert project.stage_changes.count() == 2  # the signing stays in the history


def test_termination_and_reopening(project):
    with pytest.raises(ValidationError):
        project_advance_stage(project=project, stage="terminated", on=date(2024, 2, 1))
    project_advance_stage(project=project, stage="terminated", on=date(2024, 2, 1), reason="企业放弃")
    project.refresh_from_db()
    assert project.terminated_on == date(2024, 2, 1) and project.termination_reason == "企业放弃"
    with pytest.raises(ValidationError):
        project_advance_stage(project=project, stage="negotiating", on=date(2024, 2, 5))
    project_advance_stage(project=project, stage="negotiating", on=date(2024, 2, 5), reason="企业重启洽谈")
    project.refresh_from_db()
    assert project.terminated_on is None and project.termination_reason == ""


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"stage": "lead", "on": date(2024, 2, 1)}, "stage"),
        ({"stage": "signed", "on": date(2023, 12, 1)}, "on"),
        ({"stage": "signed", "on": timezone.localdate() + timedelta(days=1)}, "on"),
        ({"stage": "signed", "on": date(2024, 2, 1), "kind": "ceremony"}, "kind"),
        ({"stage": "production", "on": date(2024, 2, 1), "kind": "formal"}, "kind"),
        ({"stage": "flying", "on": date(2024, 2, 1)}, "stage"),
    ],
)
def test_bad_steps_are_refused_naming_the_field(project, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        project_advance_stage(project=project, **kwargs)
    assert field in exc.value.message_dict
    assert project.stage_changes.count() == 0


def test_stage_labels():
    assert stage_by_label("开工") == "started" and stage_by_label("正式签约") == "signed"
    assert stage_by_label("实质性开工") == "started" and stage_by_label("达产") == "full_production"
    assert stage_by_label("起飞") is None


def test_overdue_start_flag(project):
    project_advance_stage(project=project, stage="signed", on=date(2024, 3, 1), kind="formal")
    project.refresh_from_db()
    project.contract_start_due = date(2024, 6, 1)
    project.save()
    assert project.overdue_start
    assert Project.objects.filter(pk=project.pk).count() == 1


def test_stage_page_with_evidence_and_timeline(client, users, project):
    client.force_login(users["xf-team"])
    url = reverse("ledger:project_stage", args=[project.pk])
    response = client.post(url, {"stage": "signed", "on": "2024-03-01", "kind": "contract_review",
                                 "evidence": SimpleUploadedFile("合同.pdf", b"%PDF-1.4 test")})  # fmt: skip
    assert response.status_code == 302
    change = project.stage_changes.get()
    assert change.by == users["xf-team"] and change.evidence.name.endswith(".pdf")
    html = client.get(reverse("ledger:project_detail", args=[project.pk])).content.decode()
    assert "线索 → 签约" in html and "合同送签" in html
    evidence = client.get(reverse("ledger:stagechange_evidence", args=[change.pk]))
    assert evidence.status_code == 200 and b"".join(evidence.streaming_content) == b"%PDF-1.4 test"
    response = client.post(url, {"stage": "lead", "on": "2024-03-02"})
    assert response.status_code == 400 and "原因：" in response.content.decode()
    client.force_login(users["xf-leader"])
    assert client.get(url).status_code == 403
    client.force_login(users["xf-team2"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("ledger:stagechange_evidence", args=[change.pk])).status_code == 404


def test_api_advance(client, users, project):
    client.force_login(users["xf-team"])
    response = client.post(
        f"/api/projects/{project.pk}/advance/",
        {"stage": "negotiating", "on": "2024-02-01"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["to_stage"] == "negotiating"
    response = client.post(
        f"/api/projects/{project.pk}/advance/",
        {"stage": "lead", "on": "2024-02-02"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "reason" in response.json()
    # The stage itself is not writable directly: history cannot be skipped.
    response = client.patch(
        f"/api/projects/{project.pk}/", {"stage": "production"}, content_type="application/json"
    )
    project.refresh_from_db()
    assert project.stage == "negotiating"
