"""000 xinfeng-2024 (信字〔2024〕10号) end to end: the office's projects and actual investment
sheets, its decisions sheet (last year's bottom three), `zhaoshang assess --period 2024`.

The world: every unit with an investment task (附件3 §三(二): 牵头单位 2亿元, 其他成员单位 1亿元;
附件2: 责任单位 1亿元以上) — 45 corps units and 11 responsible units, 56 in all — gets one project
and one month of actual investment. All complete exactly 100% except these:

    unit           group (task)                 2024 进资   completion
    县委办         corps-01 member (10000)      3000       30%
    商务局         corps-01 lead   (20000)      10000      50%
    大塘埠镇       corps-01 member (10000)      5100       51%
    安西镇         corps-02 member (10000)      5100       51%
    工信局         corps-02 lead   (20000)      16000      80%
    高新区管委会   corps-15 lead   (20000)      100000     500%

农业农村局 (corps-03 lead) meets its 20000 with a project put into production in 2024 that is both
a 世界500强 and a 制造业上市公司 project.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management.base import CommandError
from e2e_support import D, amounts, clear_county, component, components, flagged, result

POLICY = "xinfeng-2024"
SPECIAL = {
    "县委办": 3000,
    "商务局": 10000,
    "大塘埠镇": 5100,
    "安西镇": 5100,
    "工信局": 16000,
    "高新区管委会": 100000,
}
NAMES = "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳云腾致雨露结为霜金生丽水玉出昆冈剑号巨阙珠称夜光"


def _tasks(spec) -> dict[str, int]:
    """Each assessed unit's 2024 task, as the policy file declares the organisation (附件1–3)."""
    tasks = {}
    for team in spec.teams:
        if team.kind == "corps":
            tasks[team.lead_unit] = 20000  # 附件3 §三(二) 牵头单位每年需完成2亿元进资任务
            for unit in team.member_units:
                tasks[unit] = 10000  # 附件3 §三(二) 其他成员单位每年需完成1亿元进资任务
    for unit in next(g for g in spec.groups if g.key == "responsible_units").members:
        tasks[unit] = 10000  # 附件2 责任单位 每年完成实际引进投资1亿元以上
    return tasks


@pytest.fixture
def run(make_world):
    clear_county("360722")  # the shared session world's demo data for 信丰县
    w = make_world(POLICY)
    tasks = _tasks(w.policy.spec())
    assert len(tasks) == 56  # 15 corps × 3 units + 11 responsible units
    projects, investments = [], []
    for i, (unit, task) in enumerate(tasks.items()):
        amount = SPECIAL.get(unit, task)
        name = f"{unit}引进项目"
        row = {
            "项目名称": name,
            "企业名称": f"{NAMES[i]}{NAMES[-1 - i]}精密制造有限公司",
            "引进单位": unit,
            "总投资（万元）": max(amount, 5000) * 2,
            "项目阶段": "签约",
            "签约日期": "2024-02-01",
            "签约方式": "正式签约",
        }
        if unit == "农业农村局":
            row.update({"项目阶段": "投产", "开工日期": "2024-04-01", "投产日期": "2024-09-10",
                        "项目属性": "世界500强、制造业上市公司"})  # fmt: skip
        projects.append(row)
        investments.append({"项目名称": name, "月份": "2024-06", "实际进资（万元）": amount})
    assert "新建 56 条" in w.import_("projects", projects)
    assert "新建 56 条" in w.import_("investments", investments)
    # 上年度后三名 as the office enters it (2023, before the platform ran).
    w.import_(
        "decisions",
        [
            {"认定事项": "上年度后三名", "对象": "大塘埠镇", "期间": "2023年"},
            {"认定事项": "上年度后三名", "对象": "工信局", "期间": "2023年"},
        ],
    )
    w.data = w.assess("2024")
    return w


def test_a_unit_clerk_imports_only_for_their_own_unit(make_world):
    clear_county("360722")
    w = make_world(POLICY)
    clerk = w.login("e2e-xf-clerk", role="unit_clerk", unit=w.unit("商务局"))
    row = {"项目名称": "越权项目", "企业名称": "越权科技有限公司", "引进单位": "工信局",
           "总投资（万元）": 1000, "项目阶段": "在谈"}  # fmt: skip
    with pytest.raises(CommandError) as refused:
        w.import_("projects", [row], user=clerk)
    # 第2行【引进单位】“工信局”不在您的权限范围内（联络员只能导入本单位或本团队的项目）
    assert "不在您的权限范围内" in str(refused.value), str(refused.value)
    row["引进单位"] = "商务局"
    assert "新建 1 条" in w.import_("projects", [row], user=clerk)


def test_ranking_admonishment_and_reassignment(run):
    data = run.data
    # §三(三) rank-units: 56 units ranked by completion; 50 at 100%, 高新区管委会 at 500% first.
    rank = {h: component(data, h, "rank-units")["facts"] for h in SPECIAL}
    assert rank["高新区管委会"]["rank"] == 1 and rank["高新区管委会"]["of"] == 56
    # Bottom: 县委办 30% 倒数第1, 商务局 50% 倒数第2, 大塘埠镇 and 安西镇 51% tie 倒数第3
    # (1 + the two strictly worse), 工信局 80% 倒数第5.
    assert [rank[h]["bottom"] for h in ("县委办", "商务局", "大塘埠镇", "安西镇", "工信局")] == [
        1,
        2,
        3,
        3,
        5,
    ]
    assert D(component(data, "商务局", "unit-investment")["facts"]["completion"]) == D("0.5")  # 10000/20000
    # §三(三): 完成年度进资任务50%以下且位列后三名 → 诫勉谈话.
    #   县委办 3000/10000 = 30% ≤ 50%, 倒数第1 → admonished;
    #   商务局 10000/20000 = 50%: 以下 includes 50%, 倒数第2 → admonished;
    #   大塘埠镇, 安西镇 5100/10000 = 51% > 50% though in the bottom three (tied 3rd) → not;
    #   工信局 80%, 倒数第5 → not.
    assert flagged(data, "admonishment") == {"县委办", "商务局"}
    reason = next(
        f["reason"] for f in data["flags"] if f["kind"] == "admonishment" and f["holder"] == "商务局"
    )
    assert "完成率50%" in reason and "50%以下" in reason
    # §三(三): 连续两年位列后三名 → 岗位调整. 2023's bottom three as the office entered them:
    # 大塘埠镇 and 工信局. 2024: 大塘埠镇 is tied 倒数第3 (a tie is in as a whole) → reassigned;
    # 工信局 is 倒数第5 → not.
    assert flagged(data, "reassignment") == {"大塘埠镇"}


def test_corps_criticism_and_accountability(run):
    data = run.data
    # 附件1 corps task 4亿元 = 40000: corps-01 = 商务局 10000 + 县委办 3000 + 大塘埠镇 5100 = 18100
    # → 45.25%; corps-02 = 工信局 16000 + 政府办 10000 + 安西镇 5100 = 31100 → 77.75%;
    # corps-03 = 20000 + 10000 + 10000 = 40000 → 100%.
    assert D(component(data, "corps-01", "corps-investment")["facts"]["completion"]) == D("0.4525")
    assert D(component(data, "corps-02", "corps-investment")["facts"]["completion"]) == D("0.7775")
    # §三(三) 未完成招商引资任务的兵团，予以通报批评: corps-01, corps-02 (below 100%); not corps-03.
    criticised = flagged(data, "criticism")
    assert {"corps-01", "corps-02"} <= criticised and "corps-03" not in criticised
    # 附件3 §五: 牵头单位和成员单位一并问责 — corps-01's three units with it.
    assert {"corps-01", "商务局", "县委办", "大塘埠镇"} <= flagged(data, "accountability")
    assert not {"corps-03", "农业农村局"} & flagged(data, "accountability")


def test_project_subsidy_brackets_and_cap(run):
    data = run.data

    def subsidy(unit):
        (a,) = amounts(data, "project_subsidy", holder=unit)
        return D(a["amount_wan"])

    # §二(三)4: 当年考评项目新增实际进资 × 2.5‰ (完成年任务80%以上) / 2‰ (50%-80%) / 1.5‰ (20%-50%),
    # 单个项目每年不超过200万元. The bracket is the introducing unit's own completion.
    assert subsidy("商务局") == Decimal("20")  # 50% is in 50%-80% (lower end included): 10000 × 2‰ = 20
    assert subsidy("工信局") == Decimal("40")  # 80%以上 includes 80%: 16000 × 2.5‰ = 40
    assert subsidy("大塘埠镇") == Decimal("10.2")  # 51%: 5100 × 2‰ = 10.2
    assert subsidy("县委办") == Decimal("4.5")  # 30% in 20%-50%: 3000 × 1.5‰ = 4.5
    assert subsidy("政法委") == Decimal("25")  # 100%: 10000 × 2.5‰ = 25
    assert subsidy("高新区管委会") == Decimal("200")  # 100000 × 2.5‰ = 250 → 不超过200万元 → 200
    # 其中不超过60%可用于奖励有功人员: 200 × 60% = 120.
    facts = next(
        c["facts"] for c in result(data, "高新区管委会")["components"] if c["rule"] == "project-subsidy"
    )
    assert D(facts["people_reward_max_wan"]) == Decimal("120")


def test_instant_reward_and_work_funds(run):
    data = run.data
    # §二(三)5: 投产 世界500强 30万元; 制造业上市公司 10万元; a project that is both is rewarded once,
    # at the higher item (the policy's combine: max) → corps-03 gets 30.
    (reward,) = amounts(data, "instant_reward")
    assert (reward["holder"], D(reward["amount_wan"])) == ("corps-03", Decimal("30"))

    def fund(unit):
        return sum(D(a["amount_wan"]) for a in amounts(data, "work_fund", holder=unit))

    # §二(三)4 work funds: 牵头单位 18万, 其他成员单位 6万, 要素保障单位 15万, 责任单位 3万;
    # 既是要素保障单位又是兵团成员单位的，就高不就低.
    assert fund("商务局") == 18 and fund("县委办") == 6 and fund("政法委") == 3
    assert fund("财政局") == 18  # corps-07 lead (18) and support unit (15) → 18
    assert fund("生态环境局") == 15  # corps-07 member (6) and support unit (15) → 15
    assert fund("自然资源局") == 15  # support unit only


def test_the_same_through_the_api_and_on_the_run_page(run):
    pk, data = run.api_run("2024")
    assert flagged(data, "admonishment") == {"县委办", "商务局"}
    assert flagged(data, "reassignment") == {"大塘埠镇"}
    assert D(amounts(data, "project_subsidy", holder="高新区管委会")[0]["amount_wan"]) == 200
    html = run.run_page(pk)
    assert "诫勉谈话" in html and "商务局" in html and "完成率50%，50%以下" in html
    assert "高新区管委会" in html and "岗位调整" in html


def test_corps_outbound_batches_a_month(make_world):
    clear_county("360722")
    w = make_world(POLICY)
    trip = {
        "类型": "外出招商",
        "带队领导": "团长",
        "主要负责人带队": "是",
        "地点": "深圳",
        "内容": "赴深圳招商",
    }
    trips = [
        # corps-01 (商务局 lead, 县委办 and 大塘埠镇 members): 4 batches in May 2024.
        {**trip, "单位": "商务局", "日期": "2024-05-06"},
        {**trip, "单位": "商务局", "日期": "2024-05-20"},
        {**trip, "单位": "县委办", "日期": "2024-05-13"},
        {**trip, "单位": "大塘埠镇", "日期": "2024-05-27"},
        # corps-02 (工信局 lead): 3 batches in May, one more on 1 June.
        {**trip, "单位": "工信局", "日期": "2024-05-08"},
        {**trip, "单位": "政府办", "日期": "2024-05-15"},
        {**trip, "单位": "安西镇", "日期": "2024-05-22"},
        {**trip, "单位": "工信局", "日期": "2024-06-01"},
    ]
    assert "新建 8 条" in w.import_("activities", trips)
    data = w.assess("2024-05")
    # 附件3 §二(二) 每月外出招商4批次以上 (a member unit's trip counts for its corps):
    # corps-01: 4 → 以上 includes 4 → met; corps-02: 3 in May (the 1 June trip is June's) → not met.
    (one,) = components(data, "corps-01", "corps-outbound-monthly")
    (two,) = components(data, "corps-02", "corps-outbound-monthly")
    assert (D(one["points"]), one["facts"]["met"]) == (4, True)
    assert (D(two["points"]), two["facts"]["met"]) == (3, False)
