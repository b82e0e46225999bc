"""The office's entries on every path (issue 10 point 2): a statistic is one of the metrics the
policy declares on the form, the API and the import alike; the list pages link the import and
its template; the import page takes a policy and previews; the command line imports."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from zhaoshang.assessment.forms import MetricValueForm, OfficeDecisionForm
from zhaoshang.assessment.models import MetricValue, OfficeDecision
from zhaoshang.core.models import ObjectChange
from zhaoshang.exchange.layouts import METRICS
from zhaoshang.org.models import Policy, Unit

from .entry_world import build_world, xlsx

ROW = {"对象": "商务局", "指标": "兵团月度调度会议", "期间": "2024年6月", "数值": 3}


@pytest.fixture
def world(db):
    policy, projects, users = build_world()
    return {"policy": policy, "projects": projects, "users": users}


def _metrics(rows) -> bytes:
    return xlsx(rows, headers=METRICS.headers, sheet=METRICS.sheet)


def _upload(content: bytes, name: str = "统计数据.xlsx"):
    return SimpleUploadedFile(
        name, content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_the_model_refuses_a_metric_the_policy_does_not_declare(world):
    policy = world["policy"]
    unit = Unit.objects.get(jurisdiction=policy.jurisdiction, name="商务局")
    mv = MetricValue(jurisdiction=policy.jurisdiction, policy=policy, holder_kind="unit", unit=unit,
                     metric="anything_typed", period="2024-06", value=Decimal(1))  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        mv.full_clean()
    assert "不是政策文件" in exc.value.message_dict["metric"][0]
    mv.metric = "actual_investment"  # counted by the ledger, not entered
    with pytest.raises(ValidationError):
        mv.full_clean()
    mv.metric, mv.period = "scheduling_meetings", "2025-01"
    with pytest.raises(ValidationError) as exc:
        mv.full_clean()
    assert "不在政策文件" in exc.value.message_dict["period"][0]
    mv.period = "2024-06"
    mv.full_clean()
    assert mv.metric_label == "兵团月度调度会议"


def test_the_form_offers_the_declared_metrics_by_label(world):
    policy = world["policy"]
    form = MetricValueForm()
    form.fields["policy"].queryset = Policy.objects.filter(pk=policy.pk)
    groups = dict(form.fields["metric"].choices)
    options = dict(groups[f"{policy.title}（{policy.name}）"])
    assert options["scheduling_meetings"] == "兵团月度调度会议" and "actual_investment" not in options
    unit = Unit.objects.get(jurisdiction=policy.jurisdiction, name="商务局")
    data = {"policy": policy.pk, "holder_kind": "unit", "unit": unit.pk, "period": "2024-06", "value": "2"}
    bad = MetricValueForm({**data, "metric": "anything_typed"})
    bad.fields["policy"].queryset = Policy.objects.filter(pk=policy.pk)
    assert not bad.is_valid() and "metric" in bad.errors
    good = MetricValueForm({**data, "metric": "scheduling_meetings"})
    good.fields["policy"].queryset = Policy.objects.filter(pk=policy.pk)
    assert good.is_valid(), good.errors
    # The period as the office writes it, kept as the engine's token; outside the policy refused.
    for written, token in (("2024年6月", "2024-06"), ("2024年第二季度", "2024-Q2"), ("6月推介月", "2024-06")):
        form = MetricValueForm({**data, "metric": "scheduling_meetings", "period": written})
        form.fields["policy"].queryset = Policy.objects.filter(pk=policy.pk)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["period"] == token
    for written in ("2023年6月", "六月"):
        form = MetricValueForm({**data, "metric": "scheduling_meetings", "period": written})
        form.fields["policy"].queryset = Policy.objects.filter(pk=policy.pk)
        assert not form.is_valid() and "period" in form.errors
    decision = OfficeDecisionForm()
    decision.fields["policy"].queryset = Policy.objects.filter(pk=policy.pk)
    assert dict(dict(decision.fields["key"].choices)[f"{policy.title}（{policy.name}）"]) == {
        "bottom_three": "上年度后三名",
        "poor_completion": "完成任务较差",
    }


def test_the_form_page_and_the_api_refuse_a_free_text_metric(client, world):
    policy = world["policy"]
    unit = Unit.objects.get(jurisdiction=policy.jurisdiction, name="商务局")
    client.force_login(world["users"]["mt-office"])
    page = client.get(reverse("assessment:metricvalue_add"))
    assert page.status_code == 200 and "兵团月度调度会议" in page.content.decode()
    data = {"policy": policy.pk, "holder_kind": "unit", "unit": unit.pk, "period": "2024-06", "value": "2"}
    response = client.post(reverse("assessment:metricvalue_add"), {**data, "metric": "anything_typed"})
    assert response.status_code in (200, 400) and not MetricValue.objects.filter(policy=policy).exists()
    api = client.post(
        "/api/metric-values/", {**data, "metric": "anything_typed"}, content_type="application/json"
    )
    assert api.status_code == 400 and "metric" in api.json(), api.content
    api = client.post(
        "/api/metric-values/", {**data, "metric": "scheduling_meetings"}, content_type="application/json"
    )
    assert api.status_code == 201, api.content
    decision = {
        "policy": policy.pk,
        "holder_kind": "unit",
        "unit": unit.pk,
        "period": "2023",
        "key": "made_up",
    }
    api = client.post("/api/office-decisions/", decision, content_type="application/json")
    assert api.status_code == 400 and "key" in api.json()
    api = client.post(
        "/api/office-decisions/", {**decision, "key": "bottom_three"}, content_type="application/json"
    )
    assert api.status_code == 201, api.content


@pytest.mark.parametrize(
    "name,kind",
    [("metricvalue", "metrics"), ("surveyscore", "surveys"), ("officedecision", "decisions"),
     ("awarddecision", "awards"), ("projecttax", "taxes"), ("projectevaluation", "evaluations"),
     ("projecttransfer", "transfers")],
)  # fmt: skip
def test_list_pages_link_the_import_and_its_template(client, world, name, kind):
    client.force_login(world["users"]["mt-office"])
    html = client.get(reverse(f"assessment:{name}_list")).content.decode()
    for url in ("exchange:import", "exchange:template", "exchange:export"):
        assert reverse(url, args=[kind]) in html
    assert client.get(reverse("exchange:import", args=[kind])).status_code == 200
    template = client.get(reverse("exchange:template", args=[kind]), {"policy": world["policy"].name})
    assert template.status_code == 200
    export = client.get(reverse("exchange:export", args=[kind]))
    assert export.status_code == 200


def test_the_template_lists_the_policys_metrics(world):
    from zhaoshang.exchange.exporter import write_template

    wb = load_workbook(io.BytesIO(write_template("metrics", policy=world["policy"])))
    notes = [r[0] for r in wb["填写说明"].iter_rows(values_only=True) if r and r[0]]
    assert any(str(n).startswith("指标可选：兵团月度调度会议、全县拥有上市公司") for n in notes)


def test_import_page_with_the_policy_choice_a_preview_and_the_error_workbook(
    client, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world["users"]["mt-office"])
    url = reverse("exchange:import", args=["metrics"])
    page = client.get(url).content.decode()
    assert 'name="policy"' in page and "minitown-2024" in page and 'name="dry_run"' in page
    content = _metrics([ROW])
    preview = client.post(url, {"file": _upload(content), "policy": "minitown-2024", "dry_run": "1"})
    assert preview.status_code == 200 and "校验通过" in preview.content.decode()
    assert not MetricValue.objects.filter(policy=world["policy"]).exists()
    done = client.post(url, {"file": _upload(content), "policy": "minitown-2024"})
    assert done.status_code == 302 and done["Location"] == reverse("assessment:metricvalue_list")
    assert MetricValue.objects.get(policy=world["policy"]).metric == "scheduling_meetings"
    bad = client.post(url, {"file": _upload(_metrics([{**ROW, "指标": "外贸"}])), "policy": "minitown-2024"})
    assert bad.status_code == 400 and "第2行" in bad.content.decode()
    workbook = client.get(reverse("exchange:error_workbook", args=[bad.context["token"]]))
    ws = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    assert ws.cell(row=1, column=len(METRICS.headers) + 1).value == "错误"
    assert "【指标】" in ws.cell(row=2, column=len(METRICS.headers) + 1).value
    # A clerk is not offered the page at all.
    client.force_login(world["users"]["mt-clerk"])
    assert client.get(url).status_code == 403


def test_the_command_line(world, tmp_path, capsys):
    path = tmp_path / "decisions.xlsx"
    from zhaoshang.exchange.layouts import DECISIONS

    path.write_bytes(
        xlsx(
            [{"认定事项": "上年度后三名", "对象": "甲镇", "期间": "2023年"}],
            headers=DECISIONS.headers,
            sheet=DECISIONS.sheet,
        )
    )
    call_command(
        "import", "decisions", str(path), "--user", "mt-office", "--policy", "minitown-2024", "--dry-run"
    )
    assert "校验通过（未写入）" in capsys.readouterr().out
    assert not OfficeDecision.objects.filter(policy=world["policy"]).exists()
    call_command("import", "decisions", str(path), "--user", "mt-office", "--policy", "minitown-2024")
    assert "认定事项表 1 行，新建 1 条" in capsys.readouterr().out
    decision = OfficeDecision.objects.get(policy=world["policy"])
    assert (decision.key, decision.period, decision.unit.name) == ("bottom_three", "2023", "甲镇")
    assert ObjectChange.objects.filter(
        object_id=str(decision.pk), source="import", user_name="mt-office"
    ).exists()
    with pytest.raises(CommandError):
        call_command("import", "decisions", str(path), "--user", "mt-clerk", "--policy", "minitown-2024")
    out = tmp_path / "template.xlsx"
    call_command("template", "decisions", "--out", str(out), "--policy", "minitown-2024")
    assert "已生成认定事项导入模板" in capsys.readouterr().out
    exported = tmp_path / "export.xlsx"
    call_command("export", "decisions", "--out", str(exported), "--user", "mt-office")
    assert load_workbook(exported).active.title == "认定事项"
