"""The period of the office's entries as the office writes it, on every channel (issue 10 point 3):
2024年6月, 2024年第二季度, 2024年上半年, 2024年 or the policy's own period by name is read by the
model (`assessment.periods.OfficePeriod`), so the web form, the API and the Excel import each
store the same row with the engine's token — one row and one change-log entry per channel — and a
record written on one channel is the record another channel's words name."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from zhaoshang.assessment.models import MetricValue, OfficeDecision, SurveyScore
from zhaoshang.core.models import ObjectChange
from zhaoshang.exchange.importer import import_file
from zhaoshang.exchange.layouts import DECISIONS, METRICS, SURVEYS
from zhaoshang.exchange.tests.entry_world import build_world, xlsx
from zhaoshang.org.models import Unit

pytestmark = pytest.mark.django_db

# kind: model, page name, endpoint, what the form and the API send, what the sheet holds, period header.
CASES = {
    "metrics": (MetricValue, "metricvalue", "metric-values", {"metric": "scheduling_meetings", "value": "3"},
                {"指标": "兵团月度调度会议", "数值": 3}, "期间", METRICS),
    "surveys": (SurveyScore, "surveyscore", "survey-scores", {"score": "95.5"}, {"得分": 95.5}, "测评期", SURVEYS),
    "decisions": (OfficeDecision, "officedecision", "office-decisions", {"key": "poor_completion"},
                  {"认定事项": "完成任务较差"}, "期间", DECISIONS),
}  # fmt: skip
# As the office writes it → the engine's token.
WRITTEN = [
    ("2024年5月", "2024-05"),
    ("2024年第二季度", "2024-Q2"),
    ("2024年上半年", "2024-H1"),
    ("2024年", "2024"),
    ("6月推介月", "2024-06"),  # the policy's own period, by its label
]
FIELDS = ["policy_id", "holder_kind", "metric", "key", "period", "value", "score"]


@pytest.fixture
def world(db):
    policy, _, users = build_world()
    units = {u.name: u for u in Unit.objects.filter(jurisdiction=policy.jurisdiction)}
    return {"policy": policy, "office": users["mt-office"], "units": units}


def _row(obj) -> tuple:
    return tuple(getattr(obj, f, None) for f in FIELDS)


def _log(model) -> list:
    ct = ContentType.objects.get_for_model(model)
    return list(ObjectChange.objects.filter(content_type=ct).values_list("source", "action", "object_id"))


@pytest.mark.parametrize("kind", CASES)
def test_form_api_and_import_store_the_same_token(client, world, kind):
    model, page, endpoint, sent, cells, header, layout = CASES[kind]
    policy, office, units = world["policy"], world["office"], world["units"]
    client.force_login(office)
    for written, token in WRITTEN:
        made = []
        # The web form (商务局).
        n, log = model.objects.count(), _log(model)
        data = {
            "policy": policy.pk,
            "holder_kind": "unit",
            "unit": units["商务局"].pk,
            "period": written,
            **sent,
        }
        response = client.post(reverse(f"assessment:{page}_add"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        obj = model.objects.get(unit=units["商务局"], period=token)
        assert model.objects.count() == n + 1
        assert ("ui", "create", str(obj.pk)) in _log(model) and len(_log(model)) == len(log) + 1
        made.append(obj)
        # The API (工信局): the same words, the same token stored and answered.
        n, log = model.objects.count(), _log(model)
        data = {**data, "unit": units["工信局"].pk}
        response = client.post(f"/api/{endpoint}/", data, content_type="application/json")
        assert response.status_code == 201, response.content.decode()
        assert response.json()["period"] == token
        obj = model.objects.get(unit=units["工信局"], period=token)
        assert model.objects.count() == n + 1
        assert ("api", "create", str(obj.pk)) in _log(model) and len(_log(model)) == len(log) + 1
        made.append(obj)
        # The Excel import (甲镇).
        n, log = model.objects.count(), _log(model)
        sheet = xlsx([{"对象": "甲镇", header: written, **cells}], headers=layout.headers, sheet=layout.sheet)
        result = import_file(kind, sheet, user=office, policy=policy)
        assert result.ok and result.created == 1, [str(e) for e in result.errors]
        obj = model.objects.get(unit=units["甲镇"], period=token)
        assert model.objects.count() == n + 1
        assert ("import", "create", str(obj.pk)) in _log(model) and len(_log(model)) == len(log) + 1
        made.append(obj)
        # One row, whichever channel wrote it.
        assert len({_row(o) for o in made}) == 1, [_row(o) for o in made]
        assert made[0].period == token
    # What the form wrote is what the sheet's other words for the same period name: unchanged.
    n, log = model.objects.count(), _log(model)
    sheet = xlsx([{"对象": "商务局", header: "2024Q2", **cells}], headers=layout.headers, sheet=layout.sheet)
    result = import_file(kind, sheet, user=office, policy=policy)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert model.objects.count() == n and _log(model) == log


def test_the_api_refuses_what_the_form_and_the_import_refuse(client, world):
    policy, office, units = world["policy"], world["office"], world["units"]
    client.force_login(office)
    base = {
        "policy": policy.pk,
        "holder_kind": "unit",
        "unit": units["商务局"].pk,
        "metric": "scheduling_meetings",
    }
    n, log = MetricValue.objects.count(), _log(MetricValue)
    for written, words in (
        ("2024年13月", "无法识别的期间"),
        ("六月", "无法识别的期间"),
        ("2025年6月", "不在政策文件"),
    ):
        response = client.post("/api/metric-values/", {**base, "period": written, "value": "1"},
                               content_type="application/json")  # fmt: skip
        assert response.status_code == 400 and words in response.json()["period"][0], (
            response.content.decode()
        )
        page = client.post(reverse("assessment:metricvalue_add"), {**base, "period": written, "value": "1"})
        assert page.status_code in (200, 400) and words in page.content.decode()
        sheet = xlsx([{"对象": "商务局", "指标": "兵团月度调度会议", "期间": written, "数值": 1}],
                     headers=METRICS.headers, sheet=METRICS.sheet)  # fmt: skip
        result = import_file("metrics", sheet, user=office, policy=policy)
        assert not result.ok and any(words in e.message for e in result.errors)
    assert MetricValue.objects.count() == n and _log(MetricValue) == log


def test_the_model_keeps_the_token_and_a_decision_may_have_none(world):
    policy, units = world["policy"], world["units"]
    common = {
        "jurisdiction": policy.jurisdiction,
        "policy": policy,
        "holder_kind": "unit",
        "unit": units["商务局"],
    }
    mv = MetricValue(**common, metric="scheduling_meetings", period="2024年第二季度", value=Decimal(2))
    mv.full_clean()
    assert mv.period == "2024-Q2"
    mv.period = "2024-W23"  # a week token the engine reads is kept as it is
    mv.full_clean()
    assert mv.period == "2024-W23"
    decision = OfficeDecision(**common, key="poor_completion", period="")
    decision.full_clean()
    assert decision.period == ""
    decision.period = "2023年"  # last year's result, entered before the platform ran
    decision.full_clean()
    assert decision.period == "2023"


@pytest.mark.parametrize(("year", "part", "token", "shown"), [
    ("2024", "05", "2024-05", "5月"), ("2024", "Q2", "2024-Q2", "第二季度"),
    ("2024", "H1", "2024-H1", "上半年"), ("2024", "", "2024", "全年"),
])  # fmt: skip
def test_the_period_picker_posts_the_token_and_the_edit_page_shows_it(
    client, world, year, part, token, shown
):
    """Issue 11 point 4: the office picks 2024年 and 第二季度 instead of typing 2024-Q2; the form
    posts the token the model stores, checked as before, and the edit page picks it again."""
    policy, office, units = world["policy"], world["office"], world["units"]
    client.force_login(office)
    page = client.get(reverse("assessment:metricvalue_add")).content.decode()
    assert 'name="period_0"' in page and 'name="period_1"' in page and 'name="period"' not in page
    data = {"policy": policy.pk, "holder_kind": "unit", "unit": units["商务局"].pk,
            "metric": "scheduling_meetings", "value": "3", "period_0": year, "period_1": part}  # fmt: skip
    response = client.post(reverse("assessment:metricvalue_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    mv = MetricValue.objects.get(
        policy=policy, unit=units["商务局"], metric="scheduling_meetings", period=token
    )
    edit = client.get(reverse("assessment:metricvalue_edit", args=[mv.pk])).content.decode()
    assert f'<option value="{year}" selected>{year}年</option>' in edit
    assert f'<option value="{part}" selected>{shown}</option>' in edit
    # The list reads the period as the office writes it.
    listed = client.get(reverse("assessment:metricvalue_list")).content.decode()
    assert {"2024-05": "2024年5月", "2024-Q2": "2024年第二季度", "2024-H1": "2024年上半年", "2024": "2024年"}[
        token
    ] in listed


def test_the_period_picker_refuses_a_period_outside_the_policy(client, world):
    policy, office, units = world["policy"], world["office"], world["units"]
    client.force_login(office)
    n = MetricValue.objects.count()
    data = {"policy": policy.pk, "holder_kind": "unit", "unit": units["商务局"].pk,
            "metric": "scheduling_meetings", "value": "3", "period_0": "2025", "period_1": "06"}  # fmt: skip
    page = client.post(reverse("assessment:metricvalue_add"), data)
    assert page.status_code in (200, 400) and "不在政策文件" in page.content.decode()
    assert MetricValue.objects.count() == n
