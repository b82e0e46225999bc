"""Running, publishing and correcting assessments; the facts gathered from the ledger and field
work; the CLI, pages and API giving the same result with every point's clause."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from zhaoshang.assessment import services
from zhaoshang.assessment.facts import gather
from zhaoshang.assessment.models import AssessmentRun, MetricValue
from zhaoshang.core.models import ObjectChange
from zhaoshang.engine.periods import parse_period
from zhaoshang.fieldwork.models import Activity
from zhaoshang.ledger.models import Investment, Project
from zhaoshang.org.models import Policy, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def testland():
    return Policy.objects.get(name="testland-2024")


@pytest.fixture
def group1():
    return Team.objects.get(policy__name="testland-2024", key="group-1")


def _invest(team, month, amount):
    project = Project.objects.filter(team=team).first()
    return Investment.objects.create(
        jurisdiction=project.jurisdiction, project=project, month=month, amount=Decimal(amount),
        unit=team.lead_unit, team=team,
    )  # fmt: skip


def _metric(facts, holder_key, metric, period=None, head_led=False):
    return sum(
        (m.value for m in facts.metrics
         if m.holder.key == holder_key and m.metric == metric and m.head_led == head_led
         and (period is None or m.period == period)),
        Decimal(0),
    )  # fmt: skip


def test_facts_credit_investment_to_unit_team_and_county_by_month(testland, group1):
    span = parse_period("2024-06", testland.spec())
    before, _ = gather(testland, span, date(2024, 6, 30))
    _invest(group1, date(2024, 6, 1), "123.45")
    _invest(group1, date(2024, 7, 1), "1000")  # after the span: not read
    after, _ = gather(testland, span, date(2024, 6, 30))
    for key in ("group-1", group1.lead_unit.name, "980100"):
        assert _metric(after, key, "actual_investment", "2024-06") == _metric(
            before, key, "actual_investment", "2024-06"
        ) + Decimal("123.45")
        assert _metric(after, key, "actual_investment", "2024-07") == 0


def test_facts_count_signings_in_their_month_and_field_work_head_led(testland, group1):
    span = parse_period("2024-05", testland.spec())
    before, _ = gather(testland, span, date(2024, 5, 31))
    p = Project.objects.filter(team=group1).first()
    Project.objects.filter(pk=p.pk).update(
        registered_on=date(2024, 3, 1), signed_on=date(2024, 5, 20), total_investment=Decimal(120000)
    )
    unit = group1.lead_unit
    Activity.objects.create(
        jurisdiction=unit.jurisdiction, kind="outbound_trip", unit=unit, team=group1, date=date(2024, 5, 6),
        head_led=True, days=2,
    )  # fmt: skip
    after, _ = gather(testland, span, date(2024, 5, 31))
    signed_before = (
        1 if p.signed_on and p.signed_on.strftime("%Y-%m") == "2024-05" and p.registered_on <= span.end else 0
    )
    assert (
        _metric(after, "group-1", "projects_signed", "2024-05")
        == _metric(before, "group-1", "projects_signed", "2024-05") + 1 - signed_before
    )
    assert _metric(after, "group-1", "projects_over_1bn", "2024-05") >= 1
    for head_led in (False, True):
        assert (
            _metric(after, "group-1", "outbound_trips", "2024-05", head_led)
            == _metric(before, "group-1", "outbound_trips", "2024-05", head_led) + 1
        )
    assert _metric(after, "group-1", "outbound_days", "2024-05", True) >= 2


def test_entered_statistics_reach_the_engine_and_missing_ones_are_named(testland, group1):
    span = parse_period("2024", testland.spec())
    facts, missing = gather(testland, span, date(2024, 12, 31))
    assert "actual_investment" not in missing
    before = _metric(facts, "group-1", "exports", "2024-03")
    MetricValue.objects.create(
        jurisdiction=testland.jurisdiction, policy=testland, holder_kind="team", team=group1,
        metric="exports", period="2024-03", value=Decimal("88"),
    )  # fmt: skip
    facts, _ = gather(testland, span, date(2024, 12, 31))
    assert _metric(facts, "group-1", "exports", "2024-03") == before + 88


def test_run_publish_lock_and_correct(testland, group1, users):
    run = services.run(testland, "2024-06", user=users["tl-office"])
    assert run.version == 1 and run.status == "draft"
    assert {r["holder"] for r in run.result["results"]} >= {"group-1", "group-2"}
    # Running a draft again replaces it.
    assert services.run(testland, "2024-06").pk == run.pk
    services.publish(run, user=users["tl-office"])
    run.refresh_from_db()
    assert run.status == "published" and run.published_by == users["tl-office"]
    # Locked: no silent recompute, no edit, no delete.
    with pytest.raises(ValidationError, match="更正须填写理由"):
        services.run(testland, "2024-06")
    run.result = {"tampered": True}
    with pytest.raises(ValidationError, match="已锁定"):
        run.save()
    with pytest.raises(ValidationError):
        AssessmentRun.objects.get(pk=run.pk).delete()
    # A correction is a new version with its reason; publishing it supersedes the old one.
    _invest(group1, date(2024, 6, 1), "5000")
    fix = services.run(testland, "2024-06", reason="补录6月进资", user=users["tl-office"])
    assert (fix.version, fix.status, fix.reason) == (2, "draft", "补录6月进资")
    services.publish(fix)
    run.refresh_from_db()
    assert run.status == "superseded"
    changes = services.diff(run, fix)
    assert any(d["holder"] == "group-1" for d in changes)
    assert ObjectChange.objects.filter(content_type__model="assessmentrun", object_id=str(fix.pk)).exists()


def test_a_period_outside_the_policy_is_told_not_crashed(testland):
    with pytest.raises(ValidationError, match="不在政策"):
        services.run(testland, "2019")
    with pytest.raises(ValidationError, match="无法识别"):
        services.run(testland, "去年")


def test_cli_json_has_the_documented_shape(testland):
    runs = AssessmentRun.objects.count()
    out = io.StringIO()
    call_command("assess", policy="testland-2024", period="2024-06", stdout=out, stderr=io.StringIO())
    data = json.loads(out.getvalue())
    assert set(data) == {"policy", "period", "results", "lists", "flags", "amounts"}
    assert data["policy"] == "testland-2024" and data["period"] == "2024-06"
    r = next(r for r in data["results"] if r["holder"] == "group-1")
    assert set(r) >= {"holder", "holder_kind", "score", "rank", "components"}
    c = r["components"][0]
    assert set(c) >= {"rule", "clause", "points", "max", "facts"} and c["clause"].startswith("第")
    assert AssessmentRun.objects.count() == runs  # not saved unless asked


def test_cli_xlsx_and_save(tmp_path, testland):
    path = tmp_path / "r.xlsx"
    call_command(
        "assess", policy="testland-2024", period="2024-06", format="xlsx", out=str(path), save=True,
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    wb = load_workbook(path)
    assert wb.sheetnames == ["排名", "得分明细", "榜单", "预警标记", "资金与奖励"]
    names = [row[1] for row in wb["排名"].iter_rows(min_row=2, values_only=True)]
    assert "第一工作组" in names  # team keys shown by name
    assert AssessmentRun.objects.filter(policy=testland, period="2024-06", status="draft").count() == 1


def test_page_traces_every_point_to_its_clause(client, users, testland):
    client.force_login(users["tl-office"])
    response = client.post(reverse("assessment:run_new"), {"policy": "testland-2024", "period": "2024-06"})
    assert response.status_code == 302
    run = AssessmentRun.objects.get(policy=testland, period="2024-06")
    html = client.get(reverse("assessment:assessmentrun_detail", args=[run.pk])).content.decode()
    assert "第一工作组" in html and "工作组完成进资任务" in html and "第1条" in html
    # Bad periods are told on the form.
    response = client.post(reverse("assessment:run_new"), {"policy": "testland-2024", "period": "2019"})
    assert response.status_code == 400 and "不在政策" in response.content.decode()
    # Clerks read published results only, and cannot run or publish them.
    client.force_login(users["tl-team"])
    assert client.get(reverse("assessment:assessmentrun_detail", args=[run.pk])).status_code == 404
    assert client.get(reverse("assessment:run_new")).status_code == 403
    assert client.post(reverse("assessment:run_publish", args=[run.pk])).status_code == 404
    services.publish(run)
    assert client.get(reverse("assessment:assessmentrun_detail", args=[run.pk])).status_code == 200
    # Another county's office does not see it.
    client.force_login(users["xf-office"])
    assert client.get(reverse("assessment:assessmentrun_detail", args=[run.pk])).status_code == 404


def test_api_runs_and_publishes(client, users, testland):
    client.force_login(users["tl-team"])
    assert (
        client.post("/api/assessments/", {"policy": "testland-2024", "period": "2024-06"}).status_code == 403
    )
    client.force_login(users["tl-office"])
    response = client.post("/api/assessments/", {"policy": "testland-2024", "period": "2024-06"})
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1 and body["result"]["policy"] == "testland-2024"
    pk = body["id"]
    assert client.post(f"/api/assessments/{pk}/publish/").json()["status"] == "published"
    response = client.post("/api/assessments/", {"policy": "testland-2024", "period": "2024-06"})
    assert response.status_code == 400 and "reason" in response.json()
    assert client.post("/api/assessments/", {"policy": "nope", "period": "2024"}).status_code == 400


def test_clerks_cannot_certify_their_own_projects_or_read_office_papers(client, users):
    from zhaoshang.assessment.models import OfficeDecision, ProjectEvaluation

    clerk = users["tl-county-clerk"]
    project = Project.objects.filter(unit=clerk.membership.unit).first()
    client.force_login(clerk)
    response = client.post(
        "/api/project-evaluations/",
        {"project": project.pk, "year": 2023, "in_statistics": True, "tax_paid": True},
    )
    assert response.status_code == 403
    assert client.get(reverse("assessment:projectevaluation_add")).status_code == 403
    assert not ProjectEvaluation.objects.filter(project=project, year=2023).exists()
    assert OfficeDecision.objects.exists()
    assert client.get("/api/office-decisions/").json()["results"] == []
    assert client.get(reverse("assessment:officedecision_list")).status_code == 200
    # Drafts stay the office's.
    assert AssessmentRun.objects.filter(status="draft").exists()
    assert all(r["status"] != "draft" for r in client.get("/api/assessments/").json()["results"])


def test_entered_periods_are_checked(testland, group1):
    mv = MetricValue(
        jurisdiction=testland.jurisdiction, policy=testland, holder_kind="team", team=group1, metric="exports",
        period="2024/03", value=Decimal(1),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="2024-06"):
        mv.full_clean()
    mv.period = "2024-03"
    mv.full_clean()
    mv.unit = group1.lead_unit
    with pytest.raises(ValidationError, match="须且只能选择一个"):
        mv.full_clean()


def test_cli_refuses_xlsx_without_out_before_publishing(testland):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--out"):
        call_command("assess", policy="testland-2024", period="2024-07", format="xlsx", publish=True,
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert not AssessmentRun.objects.filter(policy=testland, period="2024-07").exists()
