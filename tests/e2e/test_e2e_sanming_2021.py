"""004 sanming-2021 (三明市“大招商招好商”攻坚战役行动方案, 市对县) end to end: the city office's
projects and actual investment sheets for its eleven counties, the project transfers, the local tax
by month and the evaluations of landed projects, `zhaoshang assess --period 2022`.

The world: one project per county, each started 2021-10-01, and its actual investment in June 2022.
三元区's project cannot be hosted at home and was handed to 沙县区 (项目流转, ratio left blank: the
document's 3∶7); it paid local tax in July and August 2022.

    county    2022 进资 (own project)   after the §三(二)11 split
    三元区    4000 (hosted in 沙县区)   4000 × 30% = 1200
    沙县区    500                       500 + 4000 × 70% = 3300
    永安市    1500                      1500
    明溪县    2000                      2000
    清流县    2000                      2000
    宁化县 5000, 大田县 6000, 尤溪县 7000, 将乐县 8000, 泰宁县 9000, 建宁县 10000
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management.base import CommandError
from e2e_support import D, amounts, clear_county, component, components, flagged

POLICY = "sanming-2021"
INVESTMENT = {
    "三元区": 4000,
    "沙县区": 500,
    "永安市": 1500,
    "明溪县": 2000,
    "清流县": 2000,
    "宁化县": 5000,
    "大田县": 6000,
    "尤溪县": 7000,
    "将乐县": 8000,
    "泰宁县": 9000,
    "建宁县": 10000,
}
NAMES = "天地玄黄宇宙洪荒日月盈昃"


def _project(county: str) -> str:
    return f"{county}招商项目"


@pytest.fixture
def w(make_world):
    clear_county("350400")
    w = make_world(POLICY)
    projects = [
        {"项目名称": _project(c), "企业名称": f"三明{NAMES[i]}新材料有限公司", "引进单位": c,
         "总投资（万元）": 50000, "项目阶段": "实质性开工", "签约日期": "2021-09-01", "开工日期": "2021-10-01"}
        for i, c in enumerate(INVESTMENT)
    ]  # fmt: skip
    assert "新建 11 条" in w.import_("projects", projects)
    w.import_(
        "investments",
        [{"项目名称": _project(c), "月份": "2022-06", "实际进资（万元）": v} for c, v in INVESTMENT.items()],
    )
    w.import_("transfers", [{"项目名称": _project("三元区"), "落地县": "沙县区", "流转日期": "2021-09-15"}])
    w.import_(
        "taxes",
        [
            {"项目名称": _project("三元区"), "月份": "2022-07", "地方税收（万元）": 100},
            {"项目名称": _project("三元区"), "月份": "2022-08", "地方税收（万元）": 50},
        ],
    )
    w.import_(
        "evaluations",
        [
            {
                "项目名称": _project("永安市"),
                "年度": 2022,
                "已入统": "是",
                "有税收": "否",
                "投资额属实": "是",
            },
            {
                "项目名称": _project("明溪县"),
                "年度": 2022,
                "已入统": "是",
                "有税收": "是",
                "投资额属实": "是",
            },
        ],
    )
    w.data = w.assess("2022")
    return w


def test_a_county_clerk_files_only_for_their_own_county(make_world):
    clear_county("350400")
    w = make_world(POLICY)
    from zhaoshang.org.models import Unit

    # The county's own unit (kind 县（市、区）), wherever the policy file placed it.
    sanyuan = Unit.objects.get(name="三元区", kind="county", jurisdiction__code__in=["350400", "350404"])
    clerk = w.login("e2e-sm-clerk", role="unit_clerk", unit=sanyuan, jurisdiction=sanyuan.jurisdiction)
    row = {"项目名称": "越权项目", "企业名称": "三明越权科技有限公司", "引进单位": "沙县区",
           "总投资（万元）": 1000, "项目阶段": "在谈"}  # fmt: skip
    with pytest.raises(CommandError) as refused:
        w.import_("projects", [row], user=clerk)
    # 第2行【引进单位】未找到单位“沙县区”（应为您可见的单位名称或别名）: another county is out of sight.
    assert "引进单位" in str(refused.value) and "沙县区" in str(refused.value), str(refused.value)
    row["引进单位"] = "三元区"
    assert "新建 1 条" in w.import_("projects", [row], user=clerk)


def test_transfer_split_of_tax_and_indicators(w):
    data = w.data
    # §三(二)11 地方级税收和经济指标由“招商方”和“落户方”按3∶7分成; 分成期限自项目产生税收之时起计:
    # tax 2022-07 100 + 2022-08 50 = 150 → 三元区 150 × 30% = 45, 沙县区 150 × 70% = 105.
    share = {
        h: sum(D(a["amount_wan"]) for a in amounts(data, "tax_share", holder=h)) for h in ("三元区", "沙县区")
    }
    assert share == {"三元区": Decimal("45"), "沙县区": Decimal("105")}
    # 指标分配期限自项目动建之时起计 (started 2021-10-01): its 2022 actual investment 4000 →
    # 三元区 1200, 沙县区 2800, each counted in its annual task.
    split = {
        c["facts"]["side"]: c["facts"]["indicators"]["actual_investment"]
        for h in ("三元区", "沙县区")
        for c in components(data, h, "m11-transfer-split")
        if "indicators" in c["facts"]
    }
    assert {k: D(v) for k, v in split.items()} == {"introducing": 1200, "hosting": 2800}


def test_year_ranking_and_laggard_interviews(w):
    data = w.data
    rank = {c: component(data, c, "m19-rank-counties-year")["facts"] for c in INVESTMENT}
    # §三(四)19 年终考核 ranking of the counties by actual investment after the split:
    # 三元区 1200 倒数第1, 永安市 1500 倒数第2, 明溪县 2000 = 清流县 2000 tied 倒数第3, 沙县区 3300 倒数第5.
    assert D(component(data, "三元区", "m19-rank-counties-year")["points"]) == 1200
    assert D(component(data, "沙县区", "m19-rank-counties-year")["points"]) == 3300
    assert {c: rank[c]["bottom"] for c in ("三元区", "永安市", "明溪县", "清流县", "沙县区")} == {
        "三元区": 1,
        "永安市": 2,
        "明溪县": 3,
        "清流县": 3,
        "沙县区": 5,
    }
    assert rank["建宁县"]["rank"] == 1 and rank["建宁县"]["of"] == 11
    # §三(四)21 对招商引资成效落后的县（市、区）…约谈 (the policy: the year's bottom three, a tie in as
    # a whole): 三元区, 永安市, 明溪县, 清流县. Without the split 沙县区 (500) would be last and 三元区
    # (4000) safe: the transfer decides it.
    assert flagged(data, "interview") == {"三元区", "永安市", "明溪县", "清流县"}


def test_rolling_evaluation_of_landed_projects(w):
    data = w.data
    # §三(四)19 对落地开工项目，实行为期3年的滚动生效考评 (有没有入统、有没有税收、投资额对不对):
    # 永安市's project (started 2021-10-01), 2022 = its first year: 入统 是, 税收 否, 投资额 是 → 2 of 3,
    # failed on tax → flagged; 明溪县's passes all three → 3 of 3, not flagged.
    (yongan,) = components(data, "永安市", "m19-rolling-evaluation")
    (mingxi,) = components(data, "明溪县", "m19-rolling-evaluation")
    assert (D(yongan["points"]), D(yongan["max"])) == (2, 3)
    assert (D(mingxi["points"]), D(mingxi["max"])) == (3, 3)
    assert flagged(data, "evaluation_failed") == {"永安市"}


def test_the_same_through_the_api_and_on_the_run_page(w):
    pk, data = w.api_run("2022")
    assert flagged(data, "interview") == {"三元区", "永安市", "明溪县", "清流县"}
    assert sum(D(a["amount_wan"]) for a in amounts(data, "tax_share", holder="三元区")) == 45
    html = w.run_page(pk)
    assert "约谈" in html and "三元区" in html and "清流县" in html and "无税收" in html
