"""Importing what the office enters for assessments (issue 10 point 2): for each kind, the
template filled in and imported, every bad cell refused with its row and column and nothing
saved, the write scope, a second import changing nothing, and the change log."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from zhaoshang.assessment.models import (
    AwardDecision,
    MetricValue,
    OfficeDecision,
    ProjectEvaluation,
    ProjectTax,
    ProjectTransfer,
    SurveyScore,
)
from zhaoshang.core.models import ObjectChange
from zhaoshang.exchange.exporter import export_file, write_template
from zhaoshang.exchange.importer import import_file
from zhaoshang.exchange.layouts import LAYOUTS

from .entry_world import build_world, xlsx

POLICY = "minitown-2024"
TITLE = "小镇县2024年招商引资考核办法（导入测试）"


@pytest.fixture
def world(db):
    policy, projects, users = build_world()
    return {"policy": policy, "projects": projects, "users": users}


def _sheet(kind: str, rows: list[dict]) -> bytes:
    layout = LAYOUTS[kind]
    return xlsx(rows, headers=layout.headers, sheet=layout.sheet)


def _errors(result) -> list[str]:
    return [str(e) for e in result.errors]


# One valid sheet per kind: its rows, the page's policy choice, and what is stored.
def _stored_metric(w):
    mv = MetricValue.objects.get(policy=w["policy"])
    return (mv.holder_kind, mv.unit.name, mv.metric, mv.period, mv.value, mv.source)


def _stored_survey(w):
    s = SurveyScore.objects.get(policy=w["policy"])
    return (s.holder_kind, s.team.name, s.period, s.score)


def _stored_decision(w):
    d = OfficeDecision.objects.get(policy=w["policy"])
    return (d.holder_kind, d.unit.name, d.key, d.period, d.reason)


def _stored_awards(w):
    return sorted(
        (a.rule, a.grade, a.holder_kind, a.unit.name if a.unit_id else "", a.project.name if a.project_id else "",
         a.amount_wan)
        for a in AwardDecision.objects.filter(policy=w["policy"])
    )  # fmt: skip


def _stored_tax(w):
    t = ProjectTax.objects.get(project=w["projects"]["小镇光伏项目"])
    return (t.month, t.amount_wan)


def _stored_evaluation(w):
    e = ProjectEvaluation.objects.get(project=w["projects"]["小镇光伏项目"])
    return (e.year, e.in_statistics, e.tax_paid, e.investment_verified, e.note)


def _stored_transfer(w):
    t = ProjectTransfer.objects.get(project=w["projects"]["小镇光伏项目"])
    return (t.hosting.name, t.introducing_share, t.agreed_on)


CASES = {
    "metrics": (
        [{"政策文件": POLICY, "对象": "县商务局", "指标": "兵团月度调度会议", "期间": "2024年6月", "数值": 3,
          "数据来源": "县统计局"}],
        None,
        _stored_metric,
        ("unit", "商务局", "scheduling_meetings", "2024-06", Decimal(3), "县统计局"),
        {"数值": 4},
    ),
    "surveys": (
        [{"政策文件": TITLE, "对象类型": "团队", "对象": "第一兵团", "测评期": "2024年上半年", "得分": "95.5"}],
        None,
        _stored_survey,
        ("team", "第一兵团", "2024-H1", Decimal("95.5")),
        {"得分": 90},
    ),
    "decisions": (
        [{"认定事项": "上年度后三名", "对象": "甲镇", "期间": "2023年", "依据": "2023年度考核结果"}],
        POLICY,
        _stored_decision,
        ("unit", "甲镇", "bottom_three", "2023", "2023年度考核结果"),
        {"依据": "2023年度考核结果（更正）"},
    ),
    "awards": (
        [{"政策文件": POLICY, "规则": "年度综合奖", "等次": "一等奖", "金额（万元）": 10},
         {"政策文件": POLICY, "规则": "project-awards", "对象": "商务局", "项目": "小镇光伏项目", "金额（万元）": "5"}],
        None,
        _stored_awards,
        [("project-awards", "", "unit", "商务局", "小镇光伏项目", Decimal(5)),
         ("year-awards", "一等奖", "", "", "", Decimal(10))],
        {"金额（万元）": 12},
    ),
    "taxes": (
        [{"项目名称": "小镇光伏项目", "月份": "2024年3月", "地方税收（万元）": 12.5}],
        None,
        _stored_tax,
        (date(2024, 3, 1), Decimal("12.5")),
        {"地方税收（万元）": 13},
    ),
    "evaluations": (
        [{"项目名称": "小镇光伏项目", "年度": "2024年", "已入统": "是", "有税收": "否", "说明": "已核查"}],
        None,
        _stored_evaluation,
        (2024, True, False, None, "已核查"),
        {"投资额属实": "是"},
    ),
    "transfers": (
        [{"项目名称": "小镇光伏项目", "落地县": "东乡", "引进方分成比例": "3:7", "流转日期": "2024-05-01"}],
        None,
        _stored_transfer,
        ("东乡", Decimal("0.3"), date(2024, 5, 1)),
        {"引进方分成比例": "40%"},
    ),
}  # fmt: skip
MODELS = {
    "metrics": MetricValue, "surveys": SurveyScore, "decisions": OfficeDecision, "awards": AwardDecision,
    "taxes": ProjectTax, "evaluations": ProjectEvaluation, "transfers": ProjectTransfer,
}  # fmt: skip


def _fill_template(kind: str, rows: list[dict], policy=None) -> bytes:
    """The downloaded template with `rows` typed under its headers."""
    wb = load_workbook(io.BytesIO(write_template(kind, policy=policy)))
    ws = wb[LAYOUTS[kind].sheet]
    headers = [c.value for c in ws[1]]
    assert headers == LAYOUTS[kind].headers
    for r, row in enumerate(rows, start=2):
        for header, value in row.items():
            ws.cell(row=r, column=headers.index(header) + 1, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", list(CASES))
def test_template_filled_in_imports_once_and_is_logged(world, kind):
    rows, chosen, stored, expected, change = CASES[kind]
    office = world["users"]["mt-office"]
    model = MODELS[kind]
    content = _fill_template(kind, rows, policy=world["policy"])

    preview = import_file(kind, content, user=office, dry_run=True, policy=chosen)
    assert preview.ok, _errors(preview)
    assert preview.created == len(rows) and not model.objects.filter(pk__in=_pks(world, kind)).exists()

    result = import_file(kind, content, user=office, filename="表.xlsx", policy=chosen)
    assert result.ok, _errors(result)
    assert (result.created, result.updated, result.unchanged) == (len(rows), 0, 0)
    assert stored(world) == expected
    pks = _pks(world, kind)
    log = ObjectChange.objects.filter(
        content_type__model=model._meta.model_name, object_id__in=[str(pk) for pk in pks]
    )
    logged = log.filter(action="create", source="import", user=office)
    assert logged.count() == len(rows) and logged.first().reason == "Excel 导入：表.xlsx"

    # The same file again: nothing written, nothing logged.
    n_log = ObjectChange.objects.count()
    again = import_file(kind, content, user=office, policy=chosen)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, len(rows))
    assert ObjectChange.objects.count() == n_log and len(_pks(world, kind)) == len(rows)

    # A changed cell updates the record on its natural key, logged with before and after.
    changed = _fill_template(kind, [{**rows[0], **change}, *rows[1:]], policy=world["policy"])
    result = import_file(kind, changed, user=office, policy=chosen)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 1, len(rows) - 1)
    assert len(_pks(world, kind)) == len(rows)
    update = log.get(action="update")
    assert update.source == "import" and update.before != update.after

    # And what is exported reads back unchanged.
    exported = export_file(kind, model.objects.filter(pk__in=pks), user=office)
    back = import_file(kind, exported, user=office)
    assert back.ok and (back.created, back.updated, back.unchanged) == (0, 0, len(rows)), _errors(back)


def _pks(world, kind):
    model = MODELS[kind]
    if hasattr(model, "policy"):
        return list(model.objects.filter(policy=world["policy"]).values_list("pk", flat=True))
    return list(
        model.objects.filter(project__jurisdiction=world["policy"].jurisdiction).values_list("pk", flat=True)
    )


# Each bad cell: (row's cells, the column named, part of the message).
BAD = {
    "metrics": [
        ({"指标": "scheduling_meetings"}, "指标", "不是政策文件“小镇县2024年招商引资考核办法（导入测试）”的统计指标"),
        ({"指标": "外贸出口"}, "指标", "可选：兵团月度调度会议、全县拥有上市公司"),
        ({"期间": "2023年6月"}, "期间", "不在政策文件"),
        ({"期间": "六月"}, "期间", "无法识别的期间"),
        ({"对象": "不存在局"}, "对象", "未找到对象“不存在局”"),
        ({"对象类型": "人员", "对象": "商务局"}, "对象", "未找到人员“商务局”"),
        ({"数值": "很多"}, "数值", "应为数字"),
        ({"政策文件": "nope-2024"}, "政策文件", "未找到政策文件“nope-2024”"),
        ({"政策文件": ""}, "政策文件", "须填写政策文件"),
    ],
    "surveys": [
        ({"得分": "-1"}, "得分", "不能为负数"),
        ({"测评期": "2024年第五季度"}, "测评期", "无法识别的期间"),
        ({"测评期": "2025年"}, "测评期", "不在政策文件"),
        ({"对象": ""}, "对象", "不能为空"),
    ],
    "decisions": [
        ({"认定事项": "表现一般"}, "认定事项", "可选：上年度后三名、完成任务较差"),
        ({"期间": "2026年"}, "期间", "不在政策文件"),
        ({"对象": "东乡人民政府", "对象类型": "团队"}, "对象", "未找到团队"),
    ],
    "awards": [
        ({"规则": "不存在的奖"}, "规则", "不是政策文件"),
        ({"等次": "特等奖"}, "等次", "可选：一等奖、二等奖"),
        ({"等次": "", "对象": ""}, "对象", "请填写等次，或选择奖励对象"),
        ({"规则": "project-awards", "等次": "", "对象": "商务局", "项目": "不存在项目"}, "项目", "未找到项目"),
        ({"金额（万元）": "-3"}, "金额（万元）", "不能为负数"),
    ],
    "taxes": [
        ({"项目名称": "不存在项目"}, "项目名称", "未找到项目“不存在项目”"),
        ({"月份": "2024年13月"}, "月份", "应为月份"),
        ({"地方税收（万元）": "-1"}, "地方税收（万元）", "不能为负数"),
    ],
    "evaluations": [
        ({"年度": "去年"}, "年度", "应为整数"),
        ({"已入统": "也许"}, "已入统", "应为“是”或“否”"),
    ],
    "transfers": [
        ({"项目名称": "小镇电子项目", "落地县": "小镇县"}, "落地县", "落地县不能是项目引进地本身"),
        ({"落地县": "火星县"}, "落地县", "未找到县（市、区）“火星县”"),
        ({"引进方分成比例": "150%"}, "引进方分成比例", "应为 0 到 1 之间的比例"),
        ({"流转日期": "明天"}, "流转日期", "应为日期"),
    ],
}  # fmt: skip


@pytest.mark.parametrize("kind", list(BAD))
def test_every_bad_cell_is_named_and_nothing_is_saved(world, kind):
    rows, chosen, *_ = CASES[kind]
    good = rows[0]
    bad = BAD[kind]
    # The good row first (row 2), then one bad row per problem (rows 3…).
    sheet = [good, *({**good, **cells} for cells, _, _ in bad)]
    n_log = ObjectChange.objects.count()
    result = import_file(kind, _sheet(kind, sheet), user=world["users"]["mt-office"], policy=chosen)
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    for i, (_, column, text) in enumerate(bad, start=3):
        assert (i, column) in found, (i, column, _errors(result))
        messages = [e.message for e in result.errors if (e.row, e.column) == (i, column)]
        assert any(text in m for m in messages), (i, column, messages)
    assert all(e.row != 2 for e in result.errors), _errors(result)
    assert str(result.errors[0]).startswith("第3行【")
    assert not _pks(world, kind) and ObjectChange.objects.count() == n_log
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)


def test_a_repeated_row_in_one_file_is_refused(world):
    row = CASES["metrics"][0][0]
    result = import_file(
        "metrics", _sheet("metrics", [row, {**row, "期间": "2024-06"}]), user=world["users"]["mt-office"]
    )
    assert _errors(result) == ["第3行【期间】与第2行重复：同一政策文件、对象、指标和期间只能有一行"]
    assert not MetricValue.objects.filter(policy=world["policy"]).exists()


@pytest.mark.parametrize("kind", list(CASES))
def test_write_scope(world, kind):
    rows, chosen, *_ = CASES[kind]
    content = _sheet(kind, rows)
    users = world["users"]
    # A unit clerk (and a leader) may not enter the office's facts at all, for their own unit or another.
    for name in ("mt-clerk", "mt-leader"):
        result = import_file(kind, content, user=users[name], policy=chosen)
        assert _errors(result) == [f"您的角色不能导入{LAYOUTS[kind].title}数据（需招商办账号）"]
    # Another county's office cannot see this policy, its holders or its projects.
    result = import_file(kind, content, user=users["other-office"], policy=chosen)
    assert not result.ok
    column = "政策文件" if hasattr(MODELS[kind], "policy") else "项目名称"
    assert {e.column for e in result.errors} == {column}, _errors(result)
    assert not _pks(world, kind)


def test_holders_are_named_within_the_policy(world):
    office = world["users"]["mt-office"]
    row = CASES["metrics"][0][0]
    rows = [
        {**row, "对象": "第一兵团"},
        {**row, "对象": "李县长"},
        {**row, "对象": "东乡"},
        {**row, "对象": "990121", "期间": "2024-07"},
        {**row, "对象": "工信局", "指标": "外贸出口额", "期间": "2024年第二季度", "数值": "-2.5"},
        {**row, "对象": "甲镇", "期间": "6月推介月"},
    ]
    result = import_file("metrics", _sheet("metrics", rows), user=office)
    assert result.ok, _errors(result)
    got = {
        (m.holder_kind, str(m.holder), m.metric, m.period, m.value)
        for m in MetricValue.objects.filter(policy=world["policy"])
    }
    assert got == {
        ("team", "第一兵团", "scheduling_meetings", "2024-06", Decimal(3)),
        ("person", "李县长", "scheduling_meetings", "2024-06", Decimal(3)),
        ("jurisdiction", str(world["policy"].jurisdiction.children.get()), "scheduling_meetings", "2024-06", Decimal(3)),
        ("jurisdiction", str(world["policy"].jurisdiction.children.get()), "scheduling_meetings", "2024-07", Decimal(3)),
        ("unit", "工信局", "exports", "2024-Q2", Decimal("-2.5")),
        ("unit", "甲镇", "scheduling_meetings", "2024-06", Decimal(3)),
    }  # fmt: skip


def test_last_years_bottom_three_reach_the_engine(world):
    from zhaoshang.assessment.facts import gather
    from zhaoshang.engine.periods import parse_period

    office = world["users"]["mt-office"]
    rows = [{"认定事项": "上年度后三名", "对象": name, "期间": "2023年"} for name in ("甲镇", "工信局")]
    assert import_file("decisions", _sheet("decisions", rows), user=office, policy=POLICY).ok
    policy = world["policy"]
    facts, _ = gather(policy, parse_period("2024", policy.spec()), date(2024, 12, 31))
    assert {(d.key, d.holder.key, d.period) for d in facts.decisions} == {
        ("bottom_three", "甲镇", "2023"),
        ("bottom_three", "工信局", "2023"),
    }
