"""Importing actual investment: shares by unit, the introducing unit by default, upserts."""

from datetime import date
from decimal import Decimal

from zhaoshang.core.models import ObjectChange
from zhaoshang.exchange.importer import import_investments, import_projects
from zhaoshang.ledger.models import Investment, Project
from zhaoshang.org.selectors import team_for_unit

from .helpers import code, project_row, xlsx


def _project(users):
    row = project_row(
        {
            "项目名称": "进资测试项目",
            "企业名称": "进资测试有限公司",
            "统一社会信用代码": code("T0000002"),
            "项目阶段": "开工",
            "签约日期": date(2024, 1, 5),
            "开工日期": date(2024, 2, 1),
        }
    )
    assert import_projects(xlsx([row]), user=users["xf-office"]).ok
    return Project.objects.select_related("unit", "team").get(name="进资测试项目")


def _rows(*rows):
    return xlsx(list(rows), sheet="实际进资")


def test_investments_with_shares_and_the_introducing_unit_by_default(users):
    user = users["xf-office"]
    project = _project(users)
    content = _rows(
        {"项目名称": "进资测试项目", "月份": "2024-03", "实际进资（万元）": 1200},
        {"项目名称": "进资测试项目", "统一社会信用代码": code("T0000002"), "月份": date(2024, 3, 20),
         "实际进资（万元）": "300.5", "计入单位": "工信局"},
        {"项目名称": "进资测试项目", "月份": "2024/4", "实际进资（万元）": 800},
    )  # fmt: skip
    result = import_investments(content, user=user)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    shares = {
        (i.month, i.unit.name): i for i in Investment.objects.filter(project=project).select_related("unit")
    }
    assert set(shares) == {
        (date(2024, 3, 1), "商务局"),
        (date(2024, 3, 1), "工信局"),
        (date(2024, 4, 1), "商务局"),
    }
    own = shares[(date(2024, 3, 1), "商务局")]
    assert (
        own.team == project.team
        and own.amount == Decimal("1200.00")
        and own.jurisdiction == project.jurisdiction
    )
    other = shares[(date(2024, 3, 1), "工信局")]
    assert other.amount == Decimal("300.50") and other.team == team_for_unit(other.unit)
    assert ObjectChange.objects.of(own).filter(source="import", user=user).exists()

    n_log = ObjectChange.objects.count()
    again = import_investments(content, user=user)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert ObjectChange.objects.count() == n_log

    changed = _rows({"项目名称": "进资测试项目", "月份": "2024-03", "实际进资（万元）": 1500})
    result = import_investments(changed, user=user)
    assert (result.created, result.updated) == (0, 1)
    own.refresh_from_db()
    assert own.amount == Decimal("1500.00")
    log = ObjectChange.objects.get(object_id=str(own.pk), action="update")
    assert (log.before["amount"], log.after["amount"]) == ("1200.00", "1500.00")


def test_investment_errors_are_reported_together(users):
    _project(users)
    twin = Project.objects.filter(jurisdiction__code="360722").exclude(name="进资测试项目").first()
    n = Investment.objects.count()
    content = _rows(
        {"项目名称": "没有这个项目", "月份": "2024-03", "实际进资（万元）": 1},
        {"项目名称": "进资测试项目", "月份": "2099-01", "实际进资（万元）": -5},
        {"项目名称": "进资测试项目", "月份": "三月", "实际进资（万元）": 5, "计入单位": "无此单位"},
        {"项目名称": "进资测试项目", "月份": "2024-05", "实际进资（万元）": 5},
        {"项目名称": "进资测试项目", "月份": "2024-05", "实际进资（万元）": 6},
        {
            "项目名称": twin.name,
            "统一社会信用代码": code("T0000002"),
            "月份": "2024-05",
            "实际进资（万元）": 6,
        },
    )
    result = import_investments(content, user=users["xf-office"])
    assert Investment.objects.count() == n
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "项目名称"), (3, "月份"), (3, "实际进资（万元）"), (4, "月份"), (4, "计入单位"), (6, "月份"), (7, "项目名称"),
    ]  # fmt: skip
    assert "未找到项目“没有这个项目”" in result.errors[0].message
    assert "与第5行重复" in result.errors[5].message


def test_clerk_may_only_credit_their_own_units(users):
    _project(users)
    user = users["xf-team"]  # corps-01 (商务局 is its lead unit)
    content = _rows(
        {"项目名称": "进资测试项目", "月份": "2024-03", "实际进资（万元）": 10},
        {"项目名称": "进资测试项目", "月份": "2024-03", "实际进资（万元）": 10, "计入单位": "工信局"},
    )
    result = import_investments(content, user=user)
    assert [(e.row, e.column) for e in result.errors] == [(3, "计入单位")]
    assert "不在您的权限范围内" in result.errors[0].message
    # Another team's clerk does not even see the project.
    result = import_investments(content, user=users["xf-team2"])
    assert {(e.row, e.column) for e in result.errors} == {(2, "项目名称"), (3, "项目名称")}
