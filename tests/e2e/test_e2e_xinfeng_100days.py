"""001 xinfeng-2023-100days (全县招大引强“百日攻坚”工作方案, 2023年6–8月) end to end: the office's
projects and activities sheets (its ledger updated again in August), `zhaoshang assess` for June and
for the campaign.

The world, all in 信丰县's 部门 (departments partition) but one town:
- 商务局 (department): 甲项目 of a listed company (企业类别 上市公司), 电子信息, 12亿元, 正式签约
  2023-06-05; its head led 2 outbound trips in June and 2 in July; in August the project starts
  (实质性开工 2023-08-15).
- 工信局 (department): 乙项目, 5亿元, only 合同送签 on 2023-06-10; its head led 1 trip in June.
- 大塘埠镇 (town): 丙项目, 3亿元, 正式签约 2023-06-20.
Every other unit has nothing.

Points per item are the policy file's default allocation (the document gives each of the five
dimensions 20 of the 100 and leaves the items to the office, 附件§一): substantive signing 10, the
month's first signing 2, listed company 15, lead industry 20, head-led trip 5 (cap 10),
substantive start 15.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from e2e_support import D, clear_county, component, components, flagged, listed, result

POLICY = "xinfeng-2023-100days"
TRIP = {
    "类型": "外出招商",
    "带队领导": "主要领导",
    "主要负责人带队": "是",
    "地点": "深圳",
    "内容": "赴深圳招商",
}
A = {"项目名称": "甲项目", "企业名称": "瑞天电子股份有限公司", "引进单位": "商务局", "总投资（万元）": 120000,
     "产业": "电子信息", "企业类别": "上市公司", "项目阶段": "正式签约", "签约日期": "2023-06-05"}  # fmt: skip
B = {"项目名称": "乙项目", "企业名称": "瑞地装备有限公司", "引进单位": "工信局", "总投资（万元）": 50000,
     "项目阶段": "合同送签", "签约日期": "2023-06-10"}  # fmt: skip
C = {"项目名称": "丙项目", "企业名称": "瑞玄农业发展有限公司", "引进单位": "大塘埠镇", "总投资（万元）": 30000,
     "产业": "农业", "项目阶段": "正式签约", "签约日期": "2023-06-20"}  # fmt: skip


@pytest.fixture
def w(make_world):
    clear_county("360722")  # the shared session world's demo data for 信丰县
    w = make_world(POLICY)
    assert "新建 3 条" in w.import_("projects", [A, B, C])
    trips = [
        {**TRIP, "单位": "商务局", "日期": "2023-06-08"},
        {**TRIP, "单位": "商务局", "日期": "2023-06-20"},
        {**TRIP, "单位": "工信局", "日期": "2023-06-21"},
        {**TRIP, "单位": "商务局", "日期": "2023-07-06"},
        {**TRIP, "单位": "商务局", "日期": "2023-07-19"},
    ]
    assert "新建 5 条" in w.import_("activities", trips)
    return w


def _august(w):
    # The office's ledger in August: 甲项目 has started (实质性开工).
    w.import_("projects", [{**A, "项目阶段": "实质性开工", "开工日期": "2023-08-15"}])


def test_june_scores_deduction_and_partitions(w):
    data = w.assess("2023-06")
    # §三(一) 主要领导每月至少外出招商2次: 商务局 2 (至少 includes 2) → met; 工信局 1 → not.
    assert component(data, "商务局", "unit-head-outbound")["facts"]["met"] is True
    assert component(data, "工信局", "unit-head-outbound")["facts"]["met"] is False
    # §四(三) 每缺少1次从该项指标得分中双倍扣分: 工信局 1 trip → item 1 × 5 = 5; missing 2 − 1 = 1 →
    # 1 × 5 × 2 = 10, taken from that item only, so at most its 5 → −5.
    (deduction,) = components(data, "工信局", "head-trip-deduction")
    assert D(deduction["points"]) == -5 and D(deduction["facts"]["uncapped"]) == 10
    # 附件§一 monthly score (five dimensions of 20):
    #   商务局 = signing speed (substantive 10 + first signing of the month 2) 12 + size (listed 15) 15
    #          + quality (电子信息 20) 20 + landing 0 + basic work (2 trips × 5) 10 = 57;
    #   工信局 = signing speed (contract sent 6) 6 + basic work 5 − deduction 5 = 6.
    assert D(result(data, "商务局")["score"]) == 57 and D(result(data, "工信局")["score"]) == 6
    # 附件§三(一) 分部门、单位、乡（镇）分别进行排名: 商务局 first of the departments, 工信局 second;
    # 大塘埠镇 ranks among the towns only.
    assert component(data, "商务局", "rank-monthly")["facts"]["partition"] == "departments"
    assert (result(data, "商务局")["rank"], result(data, "工信局")["rank"]) == (1, 2)
    town = component(data, "大塘埠镇", "rank-monthly")["facts"]
    assert (town["partition"], town["rank"]) == ("towns", 1)


def test_june_honour_lists(w):
    data = w.assess("2023-06")
    front = {e["holder"]: e for e in data["lists"]["front_runners"]}
    # 附件§三(二), §三(三) 有重大项目签约的单位列为一马当先: 商务局 (departments) and 大塘埠镇 (towns)
    # signed formally in June.
    assert set(front) == {"商务局", "大塘埠镇"}
    assert front["大塘埠镇"]["partition"] == "towns"
    catch_up = listed(data, "catch_up")
    # 没有项目签约，特别是没有有效项目信息的 → 奋起直追: 工信局's contract was only sent (合同送签): no
    # signing (this file counts 正式签约), no valid information → named, under the narrower rule.
    assert "工信局" in catch_up and "商务局" not in catch_up and "大塘埠镇" not in catch_up
    assert next(e for e in data["lists"]["catch_up"] if e["holder"] == "工信局")["rule"] == "catch-up-no-info"
    assert "工信局" in flagged(data, "named") and "商务局" not in flagged(data, "named")


def test_campaign_weights_and_august_inspection(w):
    _august(w)
    data = w.assess("2023-100days")
    # 附件§一 6月占60%，7、8月各占20%:
    #   商务局 June 57; July basic work 2 trips × 5 = 10; August landing (实质性开工 15) 15, no trips
    #   (deduction 2 × 5 × 2 = 20 from an item of 0 → 0) → 0.6 × 57 + 0.2 × 10 + 0.2 × 15 = 34.2 + 2 + 3 = 39.2.
    #   工信局 June 6; July, August 0 → 0.6 × 6 = 3.6.
    periods = component(data, "商务局", "campaign-score")["facts"]["periods"]
    assert {k: D(v["score"]) for k, v in periods.items()} == {"2023-06": 57, "2023-07": 10, "2023-08": 15}
    assert D(result(data, "商务局")["score"]) == Decimal("39.2")
    assert D(result(data, "工信局")["score"]) == Decimal("3.6")
    # §四(二) 8月底督查无实质性项目单位: 商务局 landed 甲项目 in August → not; 工信局 → supervised.
    assert "工信局" in flagged(data, "supervision") and "商务局" not in flagged(data, "supervision")
    # §三(三) 攻坚期间有重大项目签约的单位 → 一马当先 表彰: 商务局 and 大塘埠镇; not 工信局.
    assert {"商务局", "大塘埠镇"} <= flagged(data, "commendation") and "工信局" not in flagged(
        data, "commendation"
    )
    # §二 8月 各单位均要完成1个以上项目实质性落地: 商务局 1 ≥ 1 → met.
    assert component(data, "商务局", "m08-unit-landed")["facts"]["met"] is True


def test_the_june_milestone_reads_as_in_june_in_the_campaign_run(w):
    # 商务局's listed company signed on 2023-06-05 (beyond 实质性谈判): 1 ≥ 1 (以上) → met in June.
    assert component(w.assess("2023-06"), "商务局", "m06-unit-listed-negotiation")["facts"]["met"] is True
    _august(w)
    campaign = w.assess("2023-100days")
    assert component(campaign, "商务局", "m06-unit-listed-negotiation")["facts"]["met"] is True


def test_the_same_through_the_api_and_on_the_run_page(w):
    _august(w)
    pk, data = w.api_run("2023-100days")
    assert D(result(data, "商务局")["score"]) == Decimal("39.2")
    assert "工信局" in flagged(data, "supervision")
    html = w.run_page(pk)
    assert "商务局" in html and "39.2" in html and "工信局" in html and "60%" in html
    pk, data = w.api_run("2023-06")
    assert {e["holder"] for e in data["lists"]["front_runners"]} == {"商务局", "大塘埠镇"}
    html = w.run_page(pk)
    assert "一马当先榜" in html and "大塘埠镇" in html and "奋起直追榜" in html
