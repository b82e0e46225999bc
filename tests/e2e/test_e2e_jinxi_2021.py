"""002 jinxi-2021 (金溪县2021年开放型经济工作实施意见) end to end: the office's projects sheet, its
statistics (the year-end score), the survey of the federation of industry and commerce and the
award amounts the leading group set, `zhaoshang assess` for 2021 and its first half.

The world: the eleven 县直单位 the policy file declares and two towns.

    unit           project started (破零)   year-end score   survey 2021 H1
    商务局         2021-03-10               95               98
    工信局         2021-09-01 (H2)          95               96
    园区管委会     2021-05-01               90               (not a 职能部门)
    发改委         2021-04-01               88               80  ← last
    生态环境局     2021-04-02               85               93
    应急管理局     2021-04-03               85               90
    自然资源局     2021-04-04               80               90
    住建局         2021-04-05               80               88
    工商联         2021-04-06               75               (not a 职能部门)
    财政局         none                     99               95
    林业局         2020-12-20 (last year)   70               85
    秀谷镇         2021-06-01               90
    浒湾镇         2021-07-01               85
"""

from __future__ import annotations

import pytest
from e2e_support import D, amounts, clear_county, components, flagged, result

POLICY = "jinxi-2021"
WORLD = {
    # unit: (start date or None, year-end score, survey score or None)
    "商务局": ("2021-03-10", 95, 98),
    "工信局": ("2021-09-01", 95, 96),
    "园区管委会": ("2021-05-01", 90, None),
    "发改委": ("2021-04-01", 88, 80),
    "生态环境局": ("2021-04-02", 85, 93),
    "应急管理局": ("2021-04-03", 85, 90),
    "自然资源局": ("2021-04-04", 80, 90),
    "住建局": ("2021-04-05", 80, 88),
    "工商联": ("2021-04-06", 75, None),
    "财政局": (None, 99, 95),
    "林业局": ("2020-12-20", 70, 85),
    "秀谷镇": ("2021-06-01", 90, None),
    "浒湾镇": ("2021-07-01", 85, None),
}
NAMES = "天地玄黄宇宙洪荒日月盈昃辰宿"


@pytest.fixture
def w(make_world):
    clear_county("361027")
    w = make_world(POLICY)
    projects, scores, survey = [], [], []
    for i, (unit, (started, score, surveyed)) in enumerate(WORLD.items()):
        if started:
            signed = "2020-11-01" if started < "2021" else "2021-01-15"
            projects.append({"项目名称": f"{unit}引进项目", "企业名称": f"金溪{NAMES[i]}香料有限公司",
                             "引进单位": unit, "总投资（万元）": 8000, "项目阶段": "实质性开工",
                             "签约日期": signed, "开工日期": started})  # fmt: skip
        scores.append({"对象": unit, "指标": "年终招商引资考评得分", "期间": "2021年", "数值": score})
        if surveyed:
            survey.append({"对象": unit, "测评期": "2021年上半年", "得分": surveyed})
    assert "新建 12 条" in w.import_("projects", projects)
    w.import_("metrics", scores)
    w.import_("surveys", survey)
    w.import_(
        "awards",
        [
            {"规则": "award-county-units", "等次": grade, "金额（万元）": amount}
            for grade, amount in (("一等奖", 5), ("二等奖", 3), ("三等奖", 1))
        ],
    )
    return w


def test_survey_top_five_and_last(w):
    data = w.assess("2021")
    # §三7 / §五(二)4 满意度测评 of the 9 职能部门 (kind department), 2021 H1:
    # 98 商务局, 96 工信局, 95 财政局, 93 生态环境局, 90 应急管理局 = 90 自然资源局 (tied 5th),
    # 88 住建局, 85 林业局, 80 发改委.
    # 排位前五名 → 表彰: the tie at 5th is in as a whole → six units.
    commended = {
        f["holder"] for f in data["flags"] if f["kind"] == "commendation" and f["clause"] == "§三7；§五(二)4"
    }
    assert commended == {"商务局", "工信局", "财政局", "生态环境局", "应急管理局", "自然资源局"}
    # 排位最后一名 → 约谈 its head, 全县通报批评, 取消当年度评先评优资格: 发改委 (80).
    assert flagged(data, "interview") == {"发改委"}
    assert "发改委" in flagged(data, "not_excellent")


def test_zero_yellow_card_and_awards(w):
    data = w.assess("2021")
    # §四2 年终考核时，对未破零的单位发放黄牌; §五(二)3 不得评为优秀: 财政局 has no project started;
    # 林业局's started 2020-12-20, before the year → both still at zero in 2021. Every other county
    # unit started one in 2021.
    assert flagged(data, "yellow_card") == {"财政局", "林业局"}
    assert {"财政局", "林业局"} <= flagged(data, "not_excellent")
    # §五(一)3(1) 县直单位 一等奖2名、二等奖3名、三等奖5名, by the year-end score, those with a yellow
    # card or barred from excellence left out (财政局 99, 林业局 70, and 发改委 88, last in the survey):
    #   95 商务局 = 95 工信局 (places 1–2) → 一等奖;
    #   90 园区管委会 (3), 85 生态环境局 = 85 应急管理局 (4) → 二等奖 (places 3–5);
    #   80 自然资源局 = 80 住建局 (6), 75 工商联 (8) → 三等奖 (places 6–10).
    grades = {
        h: c["facts"]["grade"]
        for h in WORLD
        for c in components(data, h, "award-county-units")
        if "grade" in c["facts"]
    }
    assert grades == {
        "商务局": "一等奖",
        "工信局": "一等奖",
        "园区管委会": "二等奖",
        "生态环境局": "二等奖",
        "应急管理局": "二等奖",
        "自然资源局": "三等奖",
        "住建局": "三等奖",
        "工商联": "三等奖",
    }
    # The amounts the leading group set per grade: 一等奖 5万, 二等奖 3万, 三等奖 1万.
    paid = {a["holder"]: D(a["amount_wan"]) for a in amounts(data, "award")}
    assert paid["商务局"] == 5 and paid["生态环境局"] == 3 and paid["工商联"] == 1
    assert "财政局" not in paid and "发改委" not in paid
    # §五(一)3(2) towns rank on their own: 秀谷镇 90 → the one 一等奖 of the towns, 浒湾镇 85 → 二等奖.
    assert result(data, "秀谷镇")["rank"] == 1
    assert [c["facts"].get("grade") for c in components(data, "秀谷镇", "award-towns")] == ["一等奖"]
    assert [c["facts"].get("grade") for c in components(data, "浒湾镇", "award-towns")] == ["二等奖"]


def test_half_year_statement(w):
    data = w.assess("2021-H1")
    # §四2 / §五(二)2 半年督察未破零 → 表态发言: 工信局 started only on 2021-09-01, 财政局 never,
    # 林业局 in 2020 → all three at zero on 30 June; 商务局 started 2021-03-10 → not.
    stated = flagged(data, "statement")
    assert {"工信局", "财政局", "林业局"} <= stated and "商务局" not in stated
    # By the year end 工信局 has broken zero: no yellow card (see the year's run).
    assert "工信局" not in flagged(w.assess("2021"), "yellow_card")


def test_the_same_through_the_api_and_on_the_run_page(w):
    pk, data = w.api_run("2021")
    assert flagged(data, "yellow_card") == {"财政局", "林业局"}
    assert flagged(data, "interview") == {"发改委"}
    html = w.run_page(pk)
    assert "黄牌" in html and "财政局" in html and "发改委" in html and "一等奖" in html


def test_team_leaders_outbound_days(w):
    trip = {
        "类型": "外出招商",
        "单位": "商务局",
        "带队领导": "团长",
        "主要负责人带队": "是",
        "内容": "外出招商",
    }
    trips = [
        {**trip, "团队": "第一招商团队", "日期": "2021-03-08", "地点": "上海", "天数": 20},
        {**trip, "团队": "第一招商团队", "日期": "2021-09-06", "地点": "深圳", "天数": 20},
        {**trip, "团队": "第二招商团队", "日期": "2021-04-12", "地点": "杭州", "天数": 20},
        {**trip, "团队": "第二招商团队", "日期": "2021-10-11", "地点": "厦门", "天数": 19},
        # Not led by the team leader: does not count for the leader's 40 days.
        {
            **trip,
            "团队": "第二招商团队",
            "日期": "2021-11-08",
            "地点": "广州",
            "天数": 5,
            "主要负责人带队": "否",
        },
    ]
    assert "新建 5 条" in w.import_("activities", trips, extra=("天数", "团队"))
    data = w.assess("2021")
    # §三3一是 招商团队领导全年累计开展外出招商活动时间不少于40天:
    # team-01: 20 + 20 = 40 → 不少于 includes 40 → met;
    # team-02: 20 + 19 = 39 led by the leader (the 5 days without the leader do not count) → not met.
    (one,) = components(data, "team-01", "team-leader-outbound-days")
    (two,) = components(data, "team-02", "team-leader-outbound-days")
    assert (D(one["points"]), one["facts"]["met"]) == (40, True)
    assert (D(two["points"]), two["facts"]["met"]) == (39, False)
    # §三1一是 其中外出招商不少于10批次: 2 batches each → not met.
    (batches,) = components(data, "team-01", "team-leader-outbound")
    assert (D(batches["points"]), batches["facts"]["met"]) == (2, False)
