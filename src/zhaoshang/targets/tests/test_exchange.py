"""The 目标企业名录 import (preview, dedupe against the ledger, the library and the file, all or
nothing) and the export that round-trips."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from zhaoshang.chains.models import ChainSegment, IndustryChain
from zhaoshang.ledger import uscc
from zhaoshang.ledger.models import Enterprise
from zhaoshang.org.models import Jurisdiction, Unit
from zhaoshang.targets import exchange
from zhaoshang.targets.dedupe import Index, normalise_name
from zhaoshang.targets.models import TargetEnterprise

pytestmark = pytest.mark.django_db
XF = "360722"
HEAD = ["企业名称", "统一社会信用代码", "所属榜单", "产业链", "产业链环节", "所在地区", "来源"]


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def county():
    return Jurisdiction.objects.get(code=XF)


@pytest.fixture
def chain(county):
    c = IndustryChain.objects.create(jurisdiction=county, key="imp-chain", name="单测导入链")
    ChainSegment.objects.create(chain=c, key="a", name="单测导入环节", stage="upstream")
    return c


def test_normalised_names():
    assert normalise_name("深圳市景旺电子股份有限公司") == "景旺电子"
    assert normalise_name("景旺电子（深圳）有限公司") == "景旺电子"
    assert normalise_name("景 旺 电 子 (深圳) 集团") == "景旺电子"
    idx = Index()
    idx.add("a", "江西景旺精密电路有限公司", uscc.make("360722", "A0000001"))
    assert idx.find("任意名称", uscc.make("360722", "A0000001")).how == "uscc"
    assert idx.find("景旺精密电路（江西）有限公司").how == "name"
    assert idx.find("景旺精密电子路有限公司").how == "fuzzy"
    assert idx.find("完全不同的企业") is None


def test_import_dedupes_and_links_the_ledger(county, chain, users):
    office = users["xf-office"]
    unit = Unit.objects.filter(jurisdiction=county).order_by("pk").first()
    code = uscc.make("360722", "B0000001")
    ent = Enterprise.objects.create(jurisdiction=county, name="赣州单测链接材料有限公司", unit=unit)
    lib = TargetEnterprise.objects.create(jurisdiction=county, name="已在库单测企业有限公司", uscc=code)
    fuzzy = TargetEnterprise.objects.create(jurisdiction=county, name="单测华星光电显示技术有限公司")
    data = _xlsx(
        [
            HEAD,
            [
                "单测链接材料股份有限公司",
                "",
                "世界500强、上市公司",
                "单测导入链",
                "单测导入环节",
                "广东深圳",
                "购买名录",
            ],
            ["改名后的企业", code, "央企", "", "", "", "上级推送"],  # USCC equal to a target: update it
            ["单测华星光电显示科技有限公司", "", "", "", "", "", ""],  # fuzzy with a target: flagged
            ["全新单测企业（苏州）有限公司", "", "独角兽企业", "", "", "", ""],
            ["苏州全新单测企业有限公司", "", "", "", "", "", ""],  # same as the row above: skipped
        ]
    )
    preview = exchange.import_targets(data, user=office, dry_run=True)
    assert preview.ok, [str(e) for e in preview.errors]
    rows = {p.row: p for p in preview.preview}
    assert rows[2].action == "create" and "关联台账企业" in rows[2].note
    assert rows[3].action == "update" and "统一社会信用代码相同" in rows[3].note
    assert rows[4].flagged and rows[4].action == "skip" and "疑似" in rows[4].note
    assert rows[6].action == "skip" and "与第5行为同一企业" in rows[6].note
    assert not TargetEnterprise.objects.filter(
        name="全新单测企业（苏州）有限公司"
    ).exists()  # preview saves nothing
    result = exchange.import_targets(data, user=office, decisions={4: "new"})
    assert result.ok and result.created == 3 and result.updated == 1 and result.skipped == 1
    made = TargetEnterprise.objects.get(name="单测链接材料股份有限公司")
    assert made.enterprise_id == ent.pk and made.lists == ["world500", "listed"]
    assert made.segment.name == "单测导入环节" and made.chain_id == chain.pk
    lib.refresh_from_db()
    assert lib.name == "改名后的企业" and lib.lists == ["central_soe"]
    assert TargetEnterprise.objects.filter(name="单测华星光电显示科技有限公司").exists()
    assert TargetEnterprise.objects.filter(pk=fuzzy.pk).exists()
    # The export re-imports unchanged.
    exported = exchange.export_targets(TargetEnterprise.objects.filter(jurisdiction=county))
    ws = load_workbook(io.BytesIO(exported)).active
    assert [c.value for c in ws[1]][:3] == ["企业名称", "统一社会信用代码", "所属榜单"]
    again = exchange.import_targets(exported, user=office)
    assert again.ok, [str(e) for e in again.errors]
    assert again.created == 0 and again.updated == 0 and again.unchanged == again.rows


def test_blank_cells_clear_or_keep(county, users):
    from datetime import date

    head = ["企业名称", "所属榜单", "入库日期", "移出名录日期", "来源"]
    data = _xlsx([head, ["空白单测企业有限公司", "", "", "", ""]])
    result = exchange.import_targets(data, user=users["xf-office"])
    assert result.ok, [str(e) for e in result.errors]
    t = TargetEnterprise.objects.get(name="空白单测企业有限公司")
    assert t.added_on == date.today() and t.dropped_on is None and t.lists == []


def test_fuzzy_confirmed_as_the_same_updates_the_library(county, users):
    t = TargetEnterprise.objects.create(jurisdiction=county, name="单测华星光电显示技术有限公司")
    data = _xlsx([HEAD, ["单测华星光电显示科技有限公司", "", "行业前十", "", "", "", ""]])
    result = exchange.import_targets(data, user=users["xf-office"], decisions={2: "same"})
    assert result.ok and result.updated == 1 and result.created == 0
    t.refresh_from_db()
    assert t.name == "单测华星光电显示技术有限公司" and t.lists == ["industry_top10"]


def test_bad_cells_name_row_and_column_and_nothing_is_saved(county, users):
    data = _xlsx(
        [
            HEAD,
            ["好企业单测甲有限公司", "", "世界500强", "", "", "", ""],
            ["坏榜单单测乙有限公司", "", "世界1000强", "", "", "", ""],
            ["坏代码单测丙有限公司", "91360722ABC", "", "", "", "", ""],
            ["", "", "", "不存在的链", "", "", ""],
        ]
    )
    result = exchange.import_targets(data, user=users["xf-office"])
    messages = [str(e) for e in result.errors]
    assert any(m.startswith("第3行“所属榜单”列：未知的榜单“世界1000强”") for m in messages), messages
    assert any(m.startswith("第4行“统一社会信用代码”列") for m in messages), messages
    assert any(m.startswith("第5行“企业名称”列：必填") for m in messages), messages
    assert any(m.startswith("第5行“产业链”列：找不到产业链") for m in messages), messages
    assert not TargetEnterprise.objects.filter(name="好企业单测甲有限公司").exists()
    assert result.created == 0


def test_only_the_office_imports(users):
    data = _xlsx([HEAD, ["单测企业", "", "", "", "", "", ""]])
    for name in ("xf-team", "xf-unit", "xf-leader"):
        result = exchange.import_targets(data, user=users[name])
        assert not result.ok and "只有招商办" in str(result.errors[0])
    assert not exchange.import_targets(b"not a workbook", user=users["xf-office"]).ok
    assert "缺少必填列" in str(exchange.import_targets(_xlsx([["名称"]]), user=users["xf-office"]).errors[0])


def test_the_command_line_imports_what_the_page_does(county, chain, users, tmp_path):
    """`zhaoshang targets import`: the same import (all or nothing, errors by row and column), with
    the row limit the caller gives."""
    from django.core.management import CommandError, call_command

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        _xlsx([HEAD, ["单测命令行甲有限公司", "", "世界500强"], ["单测命令行乙有限公司", "", "不存在的榜单"]])
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("targets", "import", str(bad), "--user", "xf-office", stderr=err)
    assert "第3行“所属榜单”列：未知的榜单“不存在的榜单”" in err.getvalue()
    assert not TargetEnterprise.objects.filter(name__startswith="单测命令行").exists()

    good = tmp_path / "good.xlsx"
    good.write_bytes(
        _xlsx(
            [
                HEAD,
                ["单测命令行甲有限公司", "", "世界500强", chain.name],
                ["单测命令行丙有限公司", "", "", chain.name],
            ]
        )
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("targets", "import", str(good), "--user", "xf-office", "--max-rows", "1", stderr=err)
    assert "一次最多导入 1 行" in err.getvalue()
    out = io.StringIO()
    call_command("targets", "import", str(good), "--user", "xf-office", stdout=out)
    assert "新增 2" in out.getvalue()
    made = TargetEnterprise.objects.filter(name__startswith="单测命令行", chain=chain)
    assert made.count() == 2 and made.get(name="单测命令行甲有限公司").lists == ["world500"]


def test_dates_read_as_every_import_reads_them(county, users):
    """入库日期 by the shared date reader (exchange/layouts.py parse_date): Excel's serial day number
    is a date, and a day outside the years every path accepts is named by row and column."""
    head = ["企业名称", "入库日期"]
    result = exchange.import_targets(
        _xlsx([head, ["单测日期甲有限公司", 45292], ["单测日期乙有限公司", "1900-01-01"]]),
        user=users["xf-office"],
    )
    assert not result.ok and [e.row for e in result.errors] == [3]
    assert result.errors[0].column == "入库日期" and "日期应在" in result.errors[0].message
    result = exchange.import_targets(_xlsx([head, ["单测日期甲有限公司", 45292]]), user=users["xf-office"])
    assert result.ok, result.errors
    assert str(TargetEnterprise.objects.get(name="单测日期甲有限公司").added_on) == "2024-01-01"


def test_rows_are_written_together_each_with_its_change_log_entry(county, chain, users):
    """The import checks every row, then writes them in one go: its queries do not grow with the
    rows, and each target created or updated has its entry in the change log."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhaoshang.core.models import ObjectChange

    office = users["xf-office"]

    def sheet(n, start=0):
        return _xlsx(
            [HEAD]
            + [
                [f"批量单测{chr(0x4E00 + 37 * i)}{chr(0x4E00 + 53 * i + 7)}科技有限公司", "", "上市公司", "单测导入链", "单测导入环节", "深圳", "购买名录"]
                for i in range(start, start + n)
            ]
        )  # fmt: skip

    with CaptureQueriesContext(connection) as small:
        assert exchange.import_targets(sheet(5), user=office).created == 5
    with CaptureQueriesContext(connection) as large:
        assert exchange.import_targets(sheet(60, start=5), user=office).created == 60
    # 55 rows more cost no query per row (SQLite splits the inserts in batches of ~50 rows).
    assert len(large.captured_queries) <= len(small.captured_queries) + 10
    made = TargetEnterprise.objects.filter(name__startswith="批量单测")
    assert made.count() == 65 and all(t.segment_id and t.chain_id == chain.pk for t in made)
    logged = ObjectChange.objects.filter(
        action="create", content_type=ContentType.objects.get_for_model(TargetEnterprise),
        object_id__in=[str(t.pk) for t in made],
    )  # fmt: skip
    assert logged.count() == 65
    assert logged.filter(source="import", user=office).count() == 65

    first = made.order_by("pk").first()
    data = _xlsx(
        [
            HEAD + ["备注"],
            [first.name, "", "上市公司", "单测导入链", "单测导入环节", "东莞", "购买名录", "改了地区"],
        ]
    )
    result = exchange.import_targets(data, user=office)
    assert (result.created, result.updated) == (0, 1)
    first.refresh_from_db()
    assert (first.region, first.notes) == ("东莞", "改了地区")
    change = ObjectChange.objects.of(first).get(action="update")
    assert (change.before["region"], change.after["region"]) == ("深圳", "东莞")


def test_a_row_the_database_refuses_refuses_the_whole_file(county, chain, users, monkeypatch):
    from django.db import IntegrityError

    def refuse(*args, **kwargs):
        raise IntegrityError("duplicate key")

    monkeypatch.setattr(TargetEnterprise.objects, "bulk_create", refuse)
    data = _xlsx([HEAD, ["拒绝单测甲有限公司"], ["拒绝单测乙有限公司"]])
    result = exchange.import_targets(data, user=users["xf-office"])
    assert not result.ok and result.created == 0
    assert "未导入" in result.errors[0].message
    assert not TargetEnterprise.objects.filter(name__startswith="拒绝单测").exists()


def test_a_target_changed_while_the_file_is_checked_refuses_the_file(county, chain, users, monkeypatch):
    """The import reads a target, then writes all rows at the end: someone's edit in between is
    not overwritten; the file is refused, naming the row."""
    from django.utils import timezone

    office = users["xf-office"]
    target = TargetEnterprise.objects.create(jurisdiction=county, name="并发单测有限公司", region="深圳")
    real_save = exchange._Writes.save

    def edited_meanwhile(self):
        TargetEnterprise.objects.filter(pk=target.pk).update(region="厦门", updated=timezone.now())
        return real_save(self)

    monkeypatch.setattr(exchange._Writes, "save", edited_meanwhile)
    data = _xlsx([HEAD, ["新的并发单测有限公司"], ["并发单测有限公司", "", "", "", "", "东莞"]])
    result = exchange.import_targets(data, user=office)
    assert not result.ok and result.created == result.updated == 0
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "目标企业“并发单测有限公司”在导入期间已被他人修改，请重新导入")
    ]
    target.refresh_from_db()
    assert target.region == "厦门"
    assert not TargetEnterprise.objects.filter(name="新的并发单测有限公司").exists()


def test_a_target_deleted_while_the_file_is_checked_refuses_the_file(county, chain, users, monkeypatch):
    target = TargetEnterprise.objects.create(jurisdiction=county, name="删除单测有限公司", region="深圳")
    real_save = exchange._Writes.save

    def deleted_meanwhile(self):
        TargetEnterprise.objects.filter(pk=target.pk).delete()
        return real_save(self)

    monkeypatch.setattr(exchange._Writes, "save", deleted_meanwhile)
    data = _xlsx([HEAD, ["删除单测有限公司", "", "", "", "", "东莞"]])
    result = exchange.import_targets(data, user=users["xf-office"])
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "目标企业“删除单测有限公司”在导入期间已被他人删除，请重新导入")
    ]
    assert not TargetEnterprise.objects.filter(name="删除单测有限公司").exists()
