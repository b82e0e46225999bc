"""A rule whose facts are missing says so on the run, naming the screen or import that fills it
and the rules that read it (issue 10 point 2); filling it removes the note. The run page links
the screen; the API and the CLI give the same notes as plain text (`assessment/notes.py`)."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from zhaoshang.assessment import services
from zhaoshang.assessment.models import MetricValue, OfficeDecision
from zhaoshang.assessment.notes import SOURCES, linked
from zhaoshang.org.models import Person, Policy

pytestmark = pytest.mark.django_db

RULE = "责任县领导每年引进上市公司1家以上，或产业链（含高层次人才）重点项目1个以上（附件2）"


def _statistics_note(notes):
    return [n for n in notes if n.startswith("缺少指标“引进上市公司或产业链（含高层次人才）重点项目”")]


def test_a_missing_statistic_names_its_screen_and_rule_and_goes_once_entered(client, users):
    policy = Policy.objects.get(name="xinfeng-2024")
    MetricValue.objects.filter(policy=policy, metric="listed_or_chain_key_projects").delete()
    _, _, notes, _ = services.compute(policy, "2024")
    [note] = _statistics_note(notes)
    assert note.startswith("缺少指标“引进上市公司或产业链（含高层次人才）重点项目”的数据")
    assert "listed_or_chain_key_projects" not in note  # the metric by its name, not its key
    assert "请在“统计数据”中录入或 Excel 导入" in note and RULE in note

    # The run page links the screen; the API and the CLI carry the same plain text.
    run = services.run(policy, "2024")
    client.force_login(users["xf-office"])
    page = client.get(reverse("assessment:assessmentrun_detail", args=[run.pk])).content.decode()
    assert f'<a href="{reverse("assessment:metricvalue_list")}">“统计数据”</a>' in page and RULE in page
    assert note in client.get(f"/api/assessments/{run.pk}/").json()["notes"]
    err = io.StringIO()
    call_command("assess", policy="xinfeng-2024", period="2024", stdout=io.StringIO(), stderr=err)
    assert note in err.getvalue()

    # Entered: the note goes.
    leader = Person.objects.filter(jurisdiction=policy.jurisdiction).first()
    MetricValue.objects.create(
        jurisdiction=policy.jurisdiction, policy=policy, holder_kind="person", person=leader,
        metric="listed_or_chain_key_projects", period="2024-03", value=Decimal(1),
    )  # fmt: skip
    _, _, notes, _ = services.compute(policy, "2024")
    assert not _statistics_note(notes)


def test_an_office_decision_rule_names_the_decisions_screen():
    policy = Policy.objects.get(name="xinfeng-2024")
    _, _, notes, _ = services.compute(policy, "2024")
    [note] = [n for n in notes if "上年度后三名" in n]
    assert "请在“认定事项”中录入" in note and "连续两年位列后三名" in note and "第三条（三）" in note
    assert "bottom_three" not in note and "§" not in note
    OfficeDecision.objects.create(
        jurisdiction=policy.jurisdiction, policy=policy, holder_kind="jurisdiction",
        holder_jurisdiction=policy.jurisdiction, key="bottom_three", period="2023",
    )  # fmt: skip
    _, _, notes, _ = services.compute(policy, "2024")
    assert not [n for n in notes if "上年度后三名" in n]


def test_linked_parts_and_old_notes():
    parts = linked("缺少满意度测评得分：请在“满意度测评”中录入")
    assert parts == [
        ("缺少满意度测评得分：请在", None),
        ("“满意度测评”", reverse(SOURCES["surveys"].url_name)),
        ("中录入", None),
    ]
    old = "以下指标暂无数据来源：exports"  # a run stored before the screens were named
    assert linked(old) == [(old, None)]
