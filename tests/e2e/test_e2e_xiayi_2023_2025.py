"""003 xiayi-2023-2025 (夏邑县招商引资和承接产业转移三年行动计划（2023年-2025年）) end to end: the
office's projects sheet (僵尸企业类别, 认定日期, 复工复产日期 of the high-tech zone's enterprises), its
activities sheet (the industry groups' promotion events, with 区域 and 团队), its statistics (actual
foreign investment, approved but unsupplied land), `zhaoshang assess` for 2024 and for the plan.

The world: four zombie enterprises of 高新区, six promotion events of two of the seven 产业招商工作
领导组, and the county's yearly statistics.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from e2e_support import D, clear_county, components, flagged

POLICY = "xiayi-2023-2025"
COUNTY = "411426"
ZOMBIE = {"引进单位": "高新区", "总投资（万元）": 5000, "项目阶段": "投产", "签约日期": "2021-06-01",
          "开工日期": "2021-08-01", "投产日期": "2021-12-01"}  # fmt: skip
EVENT = {"类型": "推介活动", "单位": "商务局", "内容": "专场产业招商活动"}
GROUP_1, GROUP_2 = "产业招商工作领导组（一）", "产业招商工作领导组（二）"


@pytest.fixture
def w(make_world):
    clear_county(COUNTY)
    w = make_world(POLICY)
    zombies = [
        ("甲", "A类", "2023-03-10", "2024-03-10"),
        ("乙", "B类", "2023-03-10", "2024-03-11"),
        ("丙", "C类", "2023-05-01", None),
        ("丁", "C类", "2024-06-01", None),
    ]
    rows = [
        {**ZOMBIE, "项目名称": f"{x}厂复产项目", "企业名称": f"夏邑{x}纺织有限公司", "僵尸企业类别": cls,
         "僵尸企业认定日期": classified, "复工复产日期": resumed}
        for x, cls, classified, resumed in zombies
    ]  # fmt: skip
    assert "新建 4 条" in w.import_("projects", rows)
    events = [
        {**EVENT, "团队": GROUP_1, "日期": "2024-03-01", "区域": "京津冀", "地点": "北京"},
        {**EVENT, "团队": GROUP_1, "日期": "2024-05-01", "区域": "长三角", "地点": "上海"},
        {**EVENT, "团队": GROUP_1, "日期": "2024-07-01", "区域": "珠三角", "地点": "深圳"},
        {**EVENT, "团队": GROUP_1, "日期": "2024-09-01", "区域": "闽东南", "地点": "厦门"},
        {**EVENT, "团队": GROUP_2, "日期": "2024-04-01", "区域": "京津冀", "地点": "天津"},
        {**EVENT, "团队": GROUP_2, "日期": "2024-06-01", "区域": "长三角", "地点": "苏州"},
        {**EVENT, "团队": GROUP_2, "日期": "2024-08-01", "区域": "珠三角", "地点": "广州"},
        {**EVENT, "团队": GROUP_2, "日期": "2024-10-01", "区域": "成渝", "地点": "成都"},
    ]
    assert "新建 8 条" in w.import_("activities", events, extra=("区域", "团队"))
    stats = [("实际利用外资", 2023, 1050), ("实际利用外资", 2024, 1200), ("实际利用外资", 2025, 1331),
             ("批而未供闲置土地", 2023, 500), ("批而未供闲置土地", 2024, 500), ("批而未供闲置土地", 2025, 480)]  # fmt: skip
    w.import_("metrics", [{"对象": "夏邑县", "指标": m, "期间": f"{y}年", "数值": v} for m, y, v in stats])
    return w


def _deadline(data, rule):
    return {
        c["facts"]["enterprise_name"]: c["facts"]
        for c in components(data, "高新区", rule)
        if "status" in c["facts"]
    }


def test_zombie_enterprises_back_in_production_within_a_year(w):
    data = w.assess("2024")
    # §一(三)“僵尸企业整治盘活”: A、B、C类 在1年内复工复产; the year counts from the day the
    # enterprise was classified, and 1年内 includes the day it ends.
    a = _deadline(data, "zombie-class-a")["夏邑甲纺织有限公司"]
    # 甲 (A) classified 2023-03-10 → due 2024-03-10; resumed 2024-03-10, the last day → on time.
    assert (a["due"], a["status"]) == ("2024-03-10", "按期完成")
    b = _deadline(data, "zombie-class-b")["夏邑乙纺织有限公司"]
    # 乙 (B) classified 2023-03-10 → due 2024-03-10; resumed 2024-03-11, one day late → 逾期完成.
    assert (b["due"], b["status"]) == ("2024-03-10", "逾期完成")
    c = _deadline(data, "zombie-class-c")
    # 丙 (C) classified 2023-05-01 → due 2024-05-01; not resumed by 2024-12-31 → 逾期未完成.
    assert (c["夏邑丙纺织有限公司"]["due"], c["夏邑丙纺织有限公司"]["status"]) == ("2024-05-01", "逾期未完成")
    # 丁 (C) classified 2024-06-01 → due 2025-06-01, after the assessment day: not judged late.
    assert "夏邑丁纺织有限公司" not in c or c["夏邑丁纺织有限公司"]["status"] not in (
        "逾期完成",
        "逾期未完成",
    )
    reasons = [f["reason"] for f in data["flags"] if f["kind"] == "overdue" and f["holder"] == "高新区"]
    assert len(reasons) == 2
    assert any("夏邑乙纺织有限公司" in r for r in reasons) and any("夏邑丙纺织有限公司" in r for r in reasons)


def test_group_events_in_the_target_regions(w):
    data = w.assess("2024")
    # §二 每个产业招商工作组要在京津冀、长三角、珠三角、闽东南等区域每年至少举办4次专场产业招商活动:
    # group-1: 京津冀, 长三角, 珠三角, 闽东南 = 4 → 至少4 includes 4 → met.
    # group-2: 3 in those regions + 1 in 成渝 (not a target region) = 3 → not met.
    (g1,) = components(data, "group-1", "group-events")
    (g2,) = components(data, "group-2", "group-events")
    assert (D(g1["points"]), g1["facts"]["met"]) == (4, True)
    assert (D(g2["points"]), g2["facts"]["met"]) == (3, False)


def test_yearly_growth_and_land_exit(w):
    data = w.assess("2023-2025")
    growth = {c["facts"].get("year"): c for c in components(data, COUNTY, "growth-foreign")}
    # §一(三) 全县实际使用外资年均增速在10%以上 — each year shown on its own:
    # 2024: 1200 / 1050 − 1 = 14.29% ≥ 10% → reached (its bar: 1050 × 1.1 = 1155);
    # 2025: 1331 / 1200 − 1 = 10.92% ≥ 10% → reached (bar 1200 × 1.1 = 1320).
    assert (D(growth["2024"]["max"]), D(growth["2024"]["facts"]["rate"])) == (1155, Decimal("0.1429"))
    assert growth["2024"]["facts"]["reached"] is True
    assert (D(growth["2025"]["max"]), D(growth["2025"]["facts"]["rate"])) == (1320, Decimal("0.1092"))
    # §二(三)2 逐年减少批而未供闲置土地: 2024 500 vs 2023 500 → not fewer → not met;
    # 2025 480 vs 500 → fewer → met.
    land = {c["facts"]["year"]: c["facts"] for c in components(data, COUNTY, "land-exit")}
    assert land["2024"]["met"] is False and land["2025"]["met"] is True


def test_the_plans_average_growth_from_the_2022_base(w):
    # The office enters 2022's actual foreign investment, the base of the plan: a year before the
    # policy's periods, taken for the metrics a growth rule reads as its base.
    w.import_(
        "metrics",
        [
            {"对象": "夏邑县", "指标": "实际利用外资", "期间": "2022年", "数值": 1000},
            {"对象": "夏邑县", "指标": "批而未供闲置土地", "期间": "2022年", "数值": 600},
        ],
    )
    data = w.assess("2023-2025")
    years = {c["facts"].get("year"): c["facts"] for c in components(data, COUNTY, "growth-foreign")}
    # 2023 on its own: 1050 / 1000 − 1 = 5% < 10% → a warning, not reached (the plan is judged on
    # its average).
    assert D(years["2023"]["rate"]) == Decimal("0.05") and years["2023"]["reached"] is False
    # §二(三)2 逐年减少: 2023's 500 < 2022's 600 → met.
    land = {c["facts"]["year"]: c["facts"] for c in components(data, COUNTY, "land-exit")}
    assert land["2023"]["met"] is True
    (average,) = [
        c for c in components(data, COUNTY, "growth-foreign") if c["facts"].get("reading") == "average"
    ]
    # (1331 / 1000)^(1/3) − 1 = 1.1 − 1 = 10% exactly → 以上 includes 10% → met.
    assert average["facts"]["met"] is True


def test_the_same_through_the_api_and_on_the_run_page(w):
    pk, data = w.api_run("2024")
    assert len([f for f in data["flags"] if f["kind"] == "overdue" and f["holder"] == "高新区"]) == 2
    (g1,) = components(data, "group-1", "group-events")
    assert g1["facts"]["met"] is True
    html = w.run_page(pk)
    assert "高新区" in html and "夏邑丙纺织有限公司" in html and "逾期未完成" in html
    assert "产业招商工作领导组（一）" in html
    assert flagged(data, "overdue") == {"高新区"}


def test_contract_fulfilment_rate(w):
    project = {"项目名称": "戊新材料项目", "企业名称": "夏邑戊新材料有限公司", "引进单位": "商务局",
               "总投资（万元）": 20000, "项目阶段": "正式签约", "签约日期": "2023-09-01"}  # fmt: skip
    w.import_("projects", [project])
    ob = {"项目名称": "戊新材料项目", "约定内容": "按合同约定履行"}
    w.import_(
        "obligations",
        [
            {
                **ob,
                "义务类别": "投资额",
                "约定金额（万元）": 5000,
                "约定期限": "2024-03-31",
                "履行日期": "2024-03-31",
            },
            {**ob, "义务类别": "开工", "约定期限": "2024-04-30", "履行日期": "2024-05-10"},
            {**ob, "义务类别": "投产", "约定期限": "2024-06-30"},
            {**ob, "义务类别": "税收", "约定金额（万元）": 100, "约定期限": "2024-09-30"},
        ],
    )
    data = w.assess("2024-Q2")
    # §二(三) 合同履约率 (the policy: quarterly, §二(四)1 季考评), judged on 2024-06-30 over the projects
    # signed since the plan began (2023-01-01) — 戊 signed 2023-09-01:
    #   投资额 due 2024-03-31, fulfilled that very day → on time;
    #   开工 due 2024-04-30, fulfilled 2024-05-10 → late, not counted as fulfilled;
    #   投产 due 2024-06-30, not fulfilled → due and unfulfilled;
    #   税收 due 2024-09-30 → not yet due, left out.
    # → 1 ÷ 3 = 33.33%.
    kpi = [
        c for c in components(data, COUNTY, "project-kpi") if c["facts"].get("rate") == "contract_fulfilment"
    ]
    (rate,) = kpi
    assert (D(rate["facts"]["numerator"]), D(rate["facts"]["denominator"])) == (1, 3)
    assert D(rate["points"]) == Decimal("33.3333") and rate["facts"]["judged_on"] == "2024-06-30"
