"""Every point explains itself in Chinese (issue 10, point 5): rates as percentages, amounts in
万元 with separators, periods as 2024年6月, holders, metrics, groups and flags by their names —
never `metric=…；met=False`."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from zhaoshang.assessment import services
from zhaoshang.assessment.explain import FACT_LABELS, Explainer, number, percent, period, wan
from zhaoshang.assessment.export import AMOUNT_LABELS, FLAG_LABELS, explainer_for, present
from zhaoshang.assessment.models import AssessmentRun
from zhaoshang.demo.generator import generate_county
from zhaoshang.engine import find_policy, list_policies, load_policy
from zhaoshang.org.models import Policy

ASCII_KEY = re.compile(r"[a-z_]{3,}")


def test_numbers_amounts_rates_and_periods_read_as_an_office_writes_them():
    assert number("243844.45") == "243,844.45"
    assert number(Decimal("1000.00")) == "1,000"
    assert wan("243844.45") == "243,844.45万元（24.38亿元）"
    assert wan("30.135") == "30.135万元"
    assert percent("0.5428") == "54.28%"
    assert percent("1") == "100%"
    assert period("2024-06") == "2024年6月"
    assert period("2024-Q2") == "2024年第二季度"
    assert period("2021-H1") == "2021年上半年"
    assert period("2023-W27") == "2023年第27周"
    assert period("2023-2025") == "2023—2025年"
    assert period("2024-01-01..2024-06-30") == "2024年1月1日至2024年6月30日"


def test_a_component_reads_as_a_sentence():
    ex = Explainer(
        holders={("unit", "商务局"): "县商务局", ("team", "corps-03"): "第三招商兵团"},
        metrics={"actual_investment": "实际进资", "projects_signed": "签约项目"},
        metric_units={"actual_investment": "万元", "projects_signed": "个"},
        metric_kinds={"actual_investment": "amount", "projects_signed": "count"},
        groups={"corps": "招商兵团"},
        ratio_rules={"corps-investment"},
    )
    text = ex.sentence(
        {"metric": "actual_investment", "actual": "541.34", "target": "40000", "completion": "0.0135",
         "target_period": "2024", "upto": "2024-01-01..2024-06-30", "met": False}
    )  # fmt: skip
    assert text == (
        "指标：实际进资；完成值：541.34万元；目标：40,000万元（4亿元）；完成率：1.35%；目标期：2024年；"
        "统计区间：2024年1月1日至2024年6月30日；是否达标：未达标"
    )
    assert ex.sentence({"rank": 2, "of": 11, "bottom": 10, "partition": "corps"}) == (
        "名次：第2名（共11名）；倒数名次：倒数第10名；排名分组：招商兵团"
    )
    assert ex.sentence({"metric": "projects_signed", "met": True, "per": "month", "span": "2023-07"}) == (
        "指标：签约项目；是否达标：达标；频次：每月；统计期：2023年7月"
    )
    assert ex.sentence({"paid_to": "商务局", "amount_wan": "30", "kind": "work_fund"}) == (
        "拨付对象：县商务局；金额：30万元；类别：work_fund"
    )
    assert ex.sentence({"word": "不少于"}) == "界限：“不少于”含本数"
    assert ex.sentence({"word": "超过"}) == "界限：“超过”不含本数"
    assert ex.score("0.5428", "corps-investment") == "54.28%"
    assert ex.score("12.5", "monthly-score") == "12.5"


@pytest.mark.parametrize("name", list_policies())
def test_every_flag_and_amount_kind_a_policy_declares_has_a_chinese_name(name):
    spec = load_policy(find_policy(name))
    kinds = set()
    for rule in spec.rules:
        data = rule.model_dump()
        for key in ("kind", "flag", "bottom_flags", "excluded_by_flags", "flags"):
            v = data.get(key)
            if isinstance(v, str):
                kinds.add(v)
            elif isinstance(v, list):
                kinds.update(x for x in v if isinstance(x, str))
    kinds.discard("amount")  # a metric's kind, not a flag or an amount
    missing = {k for k in kinds if k not in FLAG_LABELS and k not in AMOUNT_LABELS}
    assert not missing, f"{name}: {sorted(missing)}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,period_key",
    [("xinfeng-2024", "2024-06"), ("jinxi-2021", "2021"), ("xinfeng-2023-100days", "2023-07"),
     ("xiayi-2023-2025", "2023"), ("sanming-2021", "2021")],
)  # fmt: skip
def test_every_fact_of_every_policy_has_a_chinese_label_and_value(name, period_key):
    generate_county(spec=load_policy(find_policy(name)), seed=11, prefix=f"{name}-", projects_per_holder=1,
                    activity_scale=0.3, report_months=1, reminders=False)  # fmt: skip
    policy = Policy.objects.get(name=name)
    result, _, _, _ = services.compute(policy, period_key)
    ex = explainer_for(policy, result)
    seen = set()
    for r in result["results"]:
        for c in r["components"]:
            facts = c.get("facts", {})
            seen.update(facts)
            unlabelled = set(facts) - set(FACT_LABELS)
            assert not unlabelled, f"{c['rule']}: {sorted(unlabelled)}"
            text = ex.sentence(facts)
            # No English key, no raw True/False, no rate as 0.xxxx.
            assert not ASCII_KEY.search(text), (c["rule"], text)
            assert "True" not in text and "False" not in text and "None" not in text, (c["rule"], text)
    assert seen
    for f in result["flags"]:
        assert f["kind"] in FLAG_LABELS, f["kind"]
    for a in result["amounts"]:
        assert a["kind"] in AMOUNT_LABELS, a["kind"]


@pytest.mark.django_db
def test_run_page_and_rankings_explain_points_in_chinese(client, users):
    policy = Policy.objects.get(name="testland-2024")
    client.force_login(users["tl-office"])
    client.post(reverse("assessment:run_new"), {"policy": "testland-2024", "period": "2024-06"})
    run = AssessmentRun.objects.get(policy=policy, period="2024-06")
    html = client.get(reverse("assessment:assessmentrun_detail", args=[run.pk])).content.decode()
    assert "metric=" not in html and "met=" not in html
    assert "指标：" in html
    shown = present(run, user=users["tl-office"])
    for _, rows in shown["groups"]:
        for r in rows:
            for c in r["components"]:
                assert not ASCII_KEY.search(c["explanation"]), c["explanation"]
    for f in shown["flags"]:
        assert f["kind_label"] and not ASCII_KEY.search(f["kind_label"])
    services.publish(run)
    html = client.get(
        reverse("dashboards:rankings") + "?policy=testland-2024&period=2024-06"
    ).content.decode()
    assert "metric=" not in html
