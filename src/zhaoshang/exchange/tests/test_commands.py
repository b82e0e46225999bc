"""`zhaoshang import|export|template`: exit codes, errors on stderr, counts on stdout."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from zhaoshang.core.models import ObjectChange
from zhaoshang.fieldwork.models import Activity
from zhaoshang.ledger.models import Project

from .helpers import activities_xlsx, activity_row, project_row, sheet_rows, xlsx


def test_import_command_success_and_failure(tmp_path, users, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([project_row({"项目名称": "命令行项目", "企业名称": "命令行测试有限公司"})]))
    call_command("import", "projects", str(good), "--user", "xf-office")
    out = capsys.readouterr().out
    assert "新建 1 条，更新 0 条，未变 0 条" in out
    change = ObjectChange.objects.get(object_repr="命令行项目")
    assert (change.source, change.user_name, change.reason) == (
        "import",
        "xf-office",
        "Excel 导入：good.xlsx",
    )

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        xlsx(
            [
                project_row({"项目名称": "坏一", "企业名称": "坏一公司", "总投资（万元）": "十万"}),
                project_row({"项目名称": "坏二", "企业名称": "坏二公司", "项目阶段": "签约"}),
            ]
        )
    )
    n = Project.objects.count()
    with pytest.raises(CommandError, match="共 2 处错误"):
        call_command("import", "projects", str(bad), "--user", "xf-office")
    err = capsys.readouterr().err
    assert "第2行【总投资（万元）】应为数字，实为“十万”" in err
    assert "第3行【签约日期】项目阶段为“签约”，须填写签约日期" in err
    assert Project.objects.count() == n


def test_import_command_needs_a_user_and_a_workbook(tmp_path, users):
    path = tmp_path / "x.xlsx"
    path.write_bytes(xlsx([project_row()]))
    with pytest.raises(CommandError, match="--user"):
        call_command("import", "projects", str(path))
    with pytest.raises(CommandError, match="未找到账号"):
        call_command("import", "projects", str(path), "--user", "nobody")
    text = tmp_path / "x.csv"
    text.write_text("项目名称,企业名称\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import", "projects", str(text), "--user", "xf-office")
    with pytest.raises(CommandError):
        call_command("import", "projects", str(tmp_path / "missing.xlsx"), "--user", "xf-office")
    with pytest.raises(CommandError):
        call_command("import", "projects", str(path), "--user", "xf-leader")  # a read-only role


def test_import_dry_run_writes_nothing(tmp_path, users, capsys):
    path = tmp_path / "x.xlsx"
    path.write_bytes(xlsx([project_row({"项目名称": "试运行项目", "企业名称": "试运行有限公司"})]))
    call_command("import", "projects", str(path), "--user", "xf-office", "--dry-run")
    assert "校验通过（未写入）" in capsys.readouterr().out
    assert not Project.objects.filter(name="试运行项目").exists()


def test_export_command_filters_and_scope(tmp_path, users, capsys):
    out = tmp_path / "all.xlsx"
    call_command("export", "projects", "--out", str(out))
    assert len(sheet_rows(out.read_bytes())) - 1 == Project.objects.count()
    out = tmp_path / "team.xlsx"
    call_command("export", "projects", "--out", str(out), "--user", "xf-team", "--filter", "stage=开工")
    rows = sheet_rows(out.read_bytes())[1:]
    expected = Project.objects.visible_to(users["xf-team"]).filter(stage="started")
    assert sorted(r[0] for r in rows) == sorted(p.name for p in expected)
    out = tmp_path / "unit.xlsx"
    call_command(
        "export", "projects", "--out", str(out), "--user", "xf-office", "--filter", "unit=商务局",
        "--filter", "registered_from=2024-01-01",
    )  # fmt: skip
    rows = sheet_rows(out.read_bytes())[1:]
    assert rows and {r[3] for r in rows} == {"商务局"}
    expected = Project.objects.filter(
        jurisdiction__code="360722", unit__name="商务局", registered_on__gte=date(2024, 1, 1)
    )
    assert len(rows) == expected.count()
    with pytest.raises(CommandError, match="未知的筛选条件"):
        call_command("export", "projects", "--out", str(out), "--filter", "colour=red")
    with pytest.raises(CommandError, match="筛选条件有误"):
        call_command("export", "projects", "--out", str(out), "--filter", "stage=flying")
    out = tmp_path / "inv.xlsx"
    call_command("export", "investments", "--out", str(out), "--user", "xf-office")
    assert load_workbook(out).active.title == "实际进资"


def test_activity_commands(tmp_path, users, capsys):
    template = tmp_path / "template.xlsx"
    call_command("template", "activities", "--out", str(template))
    assert "已生成招商活动导入模板" in capsys.readouterr().out
    good = tmp_path / "good.xlsx"
    good.write_bytes(
        activities_xlsx(
            [
                activity_row({"地点": "命令行测试地"}),
                activity_row({"类型": "信息报送", "地点": "", "内容": "命令行线索"}),
            ]
        )
    )
    call_command("import", "activities", str(good), "--user", "xf-team")
    out = capsys.readouterr().out
    assert "招商活动表 2 行，新建 2 条，更新 0 条，未变 0 条（其中线索信息新建 1 条、更新 0 条）" in out
    change = ObjectChange.objects.get(object_repr="外出招商 2024-05-08 命令行测试地")
    assert (change.source, change.user_name, change.reason) == ("import", "xf-team", "Excel 导入：good.xlsx")
    call_command("import", "activities", str(good), "--user", "xf-team")
    assert "新建 0 条，更新 0 条，未变 2 条" in capsys.readouterr().out

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(activities_xlsx([activity_row({"单位": "工信局"}), activity_row({"日期": "下周"})]))
    n = Activity.objects.count()
    with pytest.raises(CommandError, match="共 2 处错误"):
        call_command("import", "activities", str(bad), "--user", "xf-team")
    err = capsys.readouterr().err
    assert "第2行【单位】“工信局”不在您的权限范围内" in err
    assert "第3行【日期】应为日期（如 2024-03-01），实为“下周”" in err
    assert Activity.objects.count() == n

    out = tmp_path / "trips.xlsx"
    call_command(
        "export", "activities", "--out", str(out), "--user", "xf-team", "--filter", "kind=外出招商",
        "--filter", "unit=商务局",
    )  # fmt: skip
    rows = sheet_rows(out.read_bytes())[1:]
    expected = Activity.objects.visible_to(users["xf-team"]).filter(kind="outbound_trip", unit__name="商务局")
    assert rows and len(rows) == expected.count() and {(r[0], r[1]) for r in rows} == {("外出招商", "商务局")}
    assert "命令行测试地" in {r[5] for r in rows}
