"""Importing the projects sheet: all or nothing, every error at once, idempotent, in scope."""

from datetime import date, timedelta
from decimal import Decimal

from zhaoshang.core.models import ObjectChange
from zhaoshang.exchange.importer import _Holders, import_projects
from zhaoshang.ledger.models import Enterprise, Project, StageChange
from zhaoshang.ledger.services import enterprise_find_holder
from zhaoshang.org.models import Unit
from zhaoshang.org.selectors import team_for_unit

from .helpers import code, project_row, xlsx

XF = "360722"


def _good_rows():
    return [
        project_row(
            {
                "项目名称": "新能源电池生产线",
                "企业名称": "赣州测试新能源科技有限公司",
                "统一社会信用代码": code("T0000001"),
                "总投资（万元）": 50000.5,
                "外资（万美元）": "300",
                "产业": "新能源",
                "企业类别": "专精特新、上市公司",
                "项目阶段": "正式签约",
                "签约日期": date(2024, 3, 1),
                "推介会签约": "是",
            }
        ),
        project_row(
            {
                "项目名称": "智能终端产业园",
                "企业名称": "赣州测试电子有限公司",
                "引进单位": "县委办",
                "项目阶段": "开工",
                "签约日期": "2024-02-01",
                "签约方式": "合同送签",
                "开工日期": "2024/4/8",
                "开工方式": "实质性开工",
            }
        ),
        project_row(
            {"项目名称": "农产品冷链物流", "企业名称": "信丰测试农业发展有限公司", "项目阶段": "线索"}
        ),
    ]


def _state():
    return (
        ObjectChange.objects.count(),
        dict(Project.objects.values_list("pk", "updated")),
        dict(Enterprise.objects.values_list("pk", "updated")),
        StageChange.objects.count(),
    )


def test_good_import_creates_enterprises_projects_and_timeline(users):
    user = users["xf-office"]
    result = import_projects(xlsx(_good_rows()), user=user, filename="台账.xlsx")
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert result.enterprises_created == 3 and result.stage_changes == 3

    p = Project.objects.select_related("enterprise", "unit", "team").get(name="新能源电池生产线")
    shangwu = Unit.objects.get(jurisdiction__code=XF, name="商务局")
    assert p.jurisdiction.code == XF and p.unit == shangwu and p.team == team_for_unit(shangwu)
    assert p.team.key == "corps-01"
    assert p.total_investment == Decimal("50000.50") and p.foreign_investment_usd == Decimal("300.00")
    assert (p.stage, p.signing_kind, p.signed_on) == ("signed", "formal", date(2024, 3, 1))
    assert p.signed_at_event and p.industry == "新能源" and p.registered_on == date(2024, 3, 1)
    assert p.search_key == "xinnengyuandianchishengchanxian xnydcscx"
    e = p.enterprise
    assert e.uscc == code("T0000001") and e.tags == ["专精特新", "上市公司"] and e.unit == shangwu
    assert e.team == p.team and e.industry == "新能源" and e.search_key.startswith("ganzhouceshixinnengyuan")

    started = Project.objects.get(name="智能终端产业园")
    assert (started.stage, started.start_kind, started.started_on) == (
        "started",
        "substantive",
        date(2024, 4, 8),
    )
    assert started.signing_kind == "contract_review" and started.registered_on == date(2024, 2, 1)
    [change] = started.stage_changes.all()
    assert (change.from_stage, change.to_stage, change.on, change.kind) == (
        "",
        "started",
        date(2024, 4, 8),
        "substantive",
    )
    assert change.reason == "导入" and change.by == user
    lead = Project.objects.get(name="农产品冷链物流")
    assert lead.registered_on == date.today() and lead.stage_changes.get().on == date.today()

    log = ObjectChange.objects.filter(request_id=ObjectChange.objects.latest("id").request_id)
    assert log.count() == 9  # 3 enterprises, 3 projects, 3 stage changes
    assert set(log.values_list("source", flat=True)) == {"import"}
    assert set(log.values_list("user_name", flat=True)) == {"xf-office"}
    assert set(log.values_list("action", flat=True)) == {"create"}
    assert all(r.startswith("Excel 导入：台账.xlsx") for r in log.values_list("reason", flat=True))
    assert log.filter(object_repr="新能源电池生产线").get().jurisdiction_path.endswith(f"{XF}/")


def test_one_bad_row_saves_nothing_and_every_error_is_reported(users):
    before = _state()
    future = date.today() + timedelta(days=30)
    rows = _good_rows() + [
        project_row(
            {
                "项目名称": "坏行一",
                "企业名称": "坏行一公司",
                "总投资（万元）": "十万",
                "统一社会信用代码": "123",
            }
        ),
        project_row({"项目名称": "", "企业名称": "坏行二公司", "项目阶段": "谈判中", "引进单位": "不存在局"}),
        project_row({"项目名称": "坏行三", "企业名称": "坏行三公司", "项目阶段": "开工", "签约日期": future}),
        project_row(
            {"项目名称": "坏行四", "企业名称": "坏行四公司", "项目阶段": "在谈", "投产日期": "2024-01-01"}
        ),
        project_row(
            {"项目名称": "坏行五", "企业名称": "坏行五公司", "企业类别": "小巨人", "推介会签约": "也许"}
        ),
    ]
    result = import_projects(xlsx(rows), user=users["xf-office"])
    assert not result.ok and result.created == 0
    assert _state() == before
    got = {(e.row, e.column) for e in result.errors}
    assert got == {
        (5, "统一社会信用代码"), (5, "总投资（万元）"),
        (6, "项目名称"), (6, "引进单位"), (6, "项目阶段"),
        (7, "签约日期"), (7, "开工日期"),
        (8, "投产日期"),
        (9, "企业类别"), (9, "推介会签约"),
    }  # fmt: skip
    messages = [str(e) for e in result.errors]
    assert "第5行【总投资（万元）】应为数字，实为“十万”" in messages
    assert "第5行【统一社会信用代码】应为18位，实为3位" in messages
    assert "第6行【项目名称】不能为空" in messages
    assert any(m.startswith("第6行【引进单位】未找到单位“不存在局”") for m in messages)
    assert any(m.startswith("第7行【签约日期】不能晚于今天") for m in messages)
    assert "第7行【开工日期】项目阶段为“开工”，须填写开工日期" in messages
    assert "第8行【投产日期】项目阶段为“在谈”，不应填写投产日期" in messages


def test_importing_the_same_file_twice_changes_nothing(users):
    content = xlsx(_good_rows())
    assert import_projects(content, user=users["xf-office"]).ok
    before = _state()
    again = import_projects(content, user=users["xf-office"])
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert _state() == before


def test_reimport_with_a_new_stage_records_a_stage_change(users):
    user = users["xf-office"]
    row = project_row({"项目名称": "阶段推进项目", "企业名称": "赣州阶段推进有限公司", "项目阶段": "在谈"})
    assert import_projects(xlsx([row]), user=user).ok
    p = Project.objects.get(name="阶段推进项目")
    Project.objects.filter(pk=p.pk).update(registered_on=date(2024, 1, 1))
    row.update(
        {"项目阶段": "签约", "签约日期": date(2024, 5, 6), "签约方式": "意向签约", "总投资（万元）": 15000}
    )
    result = import_projects(xlsx([row]), user=user)
    assert result.ok and (result.created, result.updated) == (0, 1)
    p.refresh_from_db()
    assert (p.stage, p.signed_on, p.signing_kind, p.total_investment) == (
        "signed",
        date(2024, 5, 6),
        "intent",
        15000,
    )
    last = p.stage_changes.order_by("id").last()
    assert (last.from_stage, last.to_stage, last.on, last.kind) == (
        "negotiating",
        "signed",
        date(2024, 5, 6),
        "intent",
    )
    update = ObjectChange.objects.of(p).filter(action="update").get()
    assert (
        update.source == "import"
        and update.before["stage"] == "negotiating"
        and update.after["stage"] == "signed"
    )
    # Going back clears the later dates, as project_advance_stage does.
    row.update({"项目阶段": "在谈", "签约日期": None, "签约方式": None})
    assert import_projects(xlsx([row]), user=user).ok
    p.refresh_from_db()
    assert (p.stage, p.signed_on, p.signing_kind) == ("negotiating", None, "")


def test_enterprise_matched_by_code_then_by_name(users):
    user = users["xf-office"]
    existing = Enterprise.objects.filter(jurisdiction__code=XF, unit__name="商务局").exclude(uscc="").first()
    rows = [
        project_row({"项目名称": "按代码识别", "企业名称": existing.name, "统一社会信用代码": existing.uscc}),
        project_row({"项目名称": "按名称识别", "企业名称": existing.name}),
    ]
    result = import_projects(xlsx(rows), user=user)
    assert result.ok and result.enterprises_created == 0
    assert set(Project.objects.filter(name__startswith="按").values_list("enterprise", flat=True)) == {
        existing.pk
    }


def test_clerk_cannot_import_another_units_rows(users):
    user = users["xf-team"]  # corps-01: 商务局, 县委办, 大塘埠镇
    before = _state()
    rows = [
        project_row({"项目名称": "本团队项目", "企业名称": "本团队企业有限公司", "引进单位": "大塘埠镇"}),
        project_row({"项目名称": "别人的项目", "企业名称": "别人的企业有限公司", "引进单位": "工信局"}),
    ]
    result = import_projects(xlsx(rows), user=user)
    assert [(e.row, e.column) for e in result.errors] == [(3, "引进单位")]
    assert "不在您的权限范围内" in result.errors[0].message
    assert _state() == before
    result = import_projects(xlsx(rows[:1]), user=user)
    assert result.ok
    p = Project.objects.get(name="本团队项目")
    assert p.team == user.membership.team and p.unit.name == "大塘埠镇"
    assert Project.objects.visible_to(user).filter(pk=p.pk).exists()


def test_read_only_roles_cannot_import(users):
    result = import_projects(xlsx(_good_rows()), user=users["xf-leader"])
    assert not result.ok and "不能导入" in result.errors[0].message


def test_enterprise_held_by_another_unit_is_an_ownership_error(users):
    held = (
        Enterprise.objects.filter(jurisdiction__code=XF)
        .exclude(uscc="")
        .exclude(unit__name="商务局")
        .select_related("unit")
        .first()
    )
    before = _state()
    rows = [
        project_row({"项目名称": "抢来的项目", "企业名称": held.name, "统一社会信用代码": held.uscc}),
        # Same company, written differently: caught by the name rule of first contact.
        project_row({"项目名称": "换个写法", "企业名称": f"{held.name}（信丰）", "统一社会信用代码": ""}),
    ]
    result = import_projects(xlsx(rows), user=users["xf-office"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "统一社会信用代码"), (3, "企业名称")]
    for e in result.errors:
        assert f"已由{held.unit.name}" in e.message and "首报" in e.message
        assert e.message.endswith("请先申请归属裁定")
    assert _state() == before


def test_same_enterprise_with_two_units_in_one_file_is_an_error(users):
    rows = [
        project_row({"项目名称": "甲项目", "企业名称": "同一家有限公司", "引进单位": "商务局"}),
        project_row({"项目名称": "乙项目", "企业名称": "同一家有限公司", "引进单位": "工信局"}),
        project_row({"项目名称": "甲项目", "企业名称": "同一家有限公司", "引进单位": "商务局"}),
    ]
    result = import_projects(xlsx(rows), user=users["xf-office"])
    assert [(e.row, e.column) for e in result.errors] == [(3, "引进单位"), (4, "项目名称")]


def test_title_rows_and_half_width_headers_are_forgiven(users):
    row = project_row({"项目名称": "带标题行的项目", "企业名称": "标题行测试有限公司"})
    row = {h.replace("（", " (").replace("）", ")"): v for h, v in row.items()}
    result = import_projects(xlsx([row], headers=list(row), title_rows=1), user=users["xf-office"])
    assert result.ok and result.created == 1


def test_file_problems_are_clear_messages(users):
    user = users["xf-office"]
    for content, expected in (
        (b"not a workbook", "无法读取该文件"),
        (xlsx([], headers=[]), "是空的"),
        (
            xlsx([{"项目名称": "x"}], headers=["项目名称", "月份", "实际进资（万元）"], sheet="实际进资"),
            "这是“实际进资”表",
        ),
        (xlsx([{"序号": 1}], headers=["序号", "备注"]), "第1行应为表头"),
    ):
        result = import_projects(content, user=user)
        assert len(result.errors) == 1 and expected in str(result.errors[0]), result.errors
    result = import_projects(
        xlsx([{"项目名称": "x"}], headers=["项目名称", "企业名称", "引进单位"]), user=user
    )
    assert {str(e) for e in result.errors} == {
        "第1行【总投资（万元）】缺少必填列",
        "第1行【项目阶段】缺少必填列",
    }
    result = import_projects(xlsx([]), user=user)
    assert "没有数据行" in str(result.errors[0])


def test_holder_index_agrees_with_the_ledger_service(users):
    from zhaoshang.org.models import Jurisdiction

    county = Jurisdiction.objects.get(code=XF)
    enterprises = list(Enterprise.objects.filter(jurisdiction=county).order_by("created", "pk"))
    index = _Holders(enterprises)
    probes = [e.name for e in enterprises[:15]]
    probes += [f"{e.short_name}有限公司" for e in enterprises[:15] if e.short_name]
    probes += [f"江西{e.name}" for e in enterprises[15:25]] + ["完全无关的名字公司", "景旺电子"]
    for name in probes:
        expected = enterprise_find_holder(jurisdiction=county, name=name)
        found = index.find(name)
        assert (found.pk if found else None) == (expected.enterprise.pk if expected else None), name


def test_unit_clerk_and_city_office(users):
    clerk = users["xf-unit"]  # 政法委, in no team
    row = project_row({"项目名称": "政法委引进项目", "企业名称": "政法委测试有限公司", "引进单位": "政法委"})
    assert import_projects(xlsx([row]), user=clerk).ok
    p = Project.objects.get(name="政法委引进项目")
    assert p.team is None and Project.objects.visible_to(clerk).filter(pk=p.pk).exists()
    # A city office files a county's project under the county (the unit's jurisdiction).
    rows = [
        project_row(
            {"项目名称": "甲县项目", "企业名称": "甲县测试有限公司", "引进单位": "甲县/甲县人民政府"}
        ),
        project_row({"项目名称": "市级项目", "企业名称": "市级测试有限公司", "引进单位": "市商务局"}),
        project_row({"项目名称": "别县项目", "企业名称": "别县测试有限公司", "引进单位": "商务局"}),
    ]
    result = import_projects(xlsx(rows), user=users["tl-office"])
    assert [(e.row, e.column) for e in result.errors] == [(4, "引进单位")]  # 信丰's units are not the city's
    result = import_projects(xlsx(rows[:2]), user=users["tl-office"])
    assert result.ok
    assert Project.objects.get(name="甲县项目").jurisdiction.code == "980121"
    assert Project.objects.get(name="市级项目").jurisdiction.code == "980100"


def test_the_log_holds_the_snapshots_of_the_records_written(users):
    """New rows are written and logged from their values (COPY on PostgreSQL), not from model
    instances: what is stored and logged must be what `save()` and `snapshot()` give."""
    from django.utils import timezone

    from zhaoshang.core.changelog import snapshot
    from zhaoshang.core.search import search_key

    user = users["xf-office"]

    def created_since(last: int, start) -> dict[str, int]:
        """Check each record created after log entry `last` (and time `start`) against its
        entry; count them."""
        counts: dict[str, int] = {}
        for change in ObjectChange.objects.filter(id__gt=last, action="create").select_related(
            "content_type"
        ):
            obj = change.content_type.get_object_for_this_type(pk=change.object_id)
            model = type(obj).__name__
            counts[model] = counts.get(model, 0) + 1
            assert change.after == snapshot(obj), model
            assert change.before is None and change.object_repr == str(obj)
            assert change.jurisdiction_path == obj.changelog_jurisdiction_path() != ""
            assert (change.source, change.user_name, change.reason) == ("import", "xf-office", "Excel 导入")
            assert start <= obj.created <= obj.updated <= timezone.now()
            if model == "Project":
                assert obj.search_key == search_key(obj.name) != ""
            if model == "Enterprise":
                assert obj.search_key == search_key(obj.name, obj.short_name, obj.former_names) != ""
        return counts

    existing = Enterprise.objects.filter(jurisdiction__code=XF, unit__name="商务局").exclude(uscc="").first()
    rows = _good_rows() + [
        project_row(
            {"项目名称": "老企业的新项目", "企业名称": existing.name, "统一社会信用代码": existing.uscc}
        )
    ]
    last, start = ObjectChange.objects.order_by("-id").values_list("id", flat=True).first(), timezone.now()
    assert import_projects(xlsx(rows), user=user).ok
    assert created_since(last, start) == {"Enterprise": 3, "Project": 4, "StageChange": 4}
    # A registered project whose stage changes: a step from an updated Project instance.
    rows[2].update({"项目阶段": "签约", "签约日期": date.today(), "签约方式": "意向签约"})
    last, start = ObjectChange.objects.order_by("-id").values_list("id", flat=True).first(), timezone.now()
    result = import_projects(xlsx(rows), user=user)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 1, 3)
    assert created_since(last, start) == {"StageChange": 1}
    step = StageChange.objects.filter(project__name="农产品冷链物流").order_by("id").last()
    assert str(step) == "农产品冷链物流 线索 → 签约" and step.kind == "intent" and step.by == user


def test_rows_written_from_values_are_those_bulk_create_writes(users):
    """`insert_rows` (COPY on PostgreSQL) against `bulk_create` of the same values."""
    from django.utils import timezone

    from zhaoshang.core.bulk import insert_rows
    from zhaoshang.core.changelog import snapshot, snapshot_values

    user = users["xf-office"]
    ent = Enterprise.objects.filter(jurisdiction__code=XF).exclude(team=None).first()
    host = Unit.objects.get(jurisdiction__code=XF, name="工信局")
    enterprise = {
        "jurisdiction_id": ent.jurisdiction_id,
        "name": "值写入测试“引号”\\反斜杠\t制表有限公司",
        "uscc": code("T9000001"),
        "unit_id": ent.unit_id,
        "team_id": ent.team_id,
        "tags": ["专精特新", "上市公司"],
        "former_names": ['旧名"一"', "旧名\n二"],
        "industry": "新能源",
        "search_key": "zxrcs",
    }
    project = {
        "jurisdiction_id": ent.jurisdiction_id,
        "name": "值写入测试项目",
        "enterprise_id": ent.pk,
        "unit_id": ent.unit_id,
        "team_id": None,
        "category": Project.Category.INDUSTRY,
        "total_investment": Decimal("12345.60"),
        "foreign_investment_usd": None,
        "stage": Project.Stage.SIGNED,
        "signing_kind": "formal",
        "signed_on": date(2024, 3, 1),
        "registered_on": date(2024, 2, 1),
        "signed_at_event": True,
        "host_unit_id": host.pk,
        "termination_reason": "",
        "search_key": "zxrcsxm",
    }
    for model, values in ((Enterprise, enterprise), (Project, project)):
        rows = [dict(values)]
        start = timezone.now()
        insert_rows(model, rows)
        [row] = rows
        obj = model(**values)
        if model is Enterprise:
            obj.uscc = code("T9000002")  # the uscc is unique in a jurisdiction
        else:
            obj.name += "（二）"  # so is an enterprise's project's name
        model.objects.bulk_create([obj])
        copied = model.objects.filter(pk=row["id"]).values().get()
        created = model.objects.filter(pk=obj.pk).values().get()
        assert row["id"] != obj.pk and start <= row["created"] <= row["updated"] <= timezone.now()
        assert (copied["created"], copied["updated"]) == (row["created"], row["updated"])
        for key in ("id", "created", "updated", "uscc", "name", "search_key"):
            copied.pop(key, None), created.pop(key, None)
        assert copied == created
        assert snapshot_values(model, row) == snapshot(model.objects.get(pk=row["id"]))
    p = Project.objects.get(pk=rows[0]["id"])
    steps = [
        {"project_id": p.pk, "from_stage": "", "to_stage": "signed", "on": date(2024, 3, 1), "kind": "formal",
         "reason": "导入", "by_id": user.pk},
        {"project_id": p.pk, "from_stage": "signed", "to_stage": "lead", "on": date(2024, 4, 1), "kind": "",
         "reason": "", "by_id": None},
    ]  # fmt: skip
    insert_rows(StageChange, steps)
    assert [s["id"] for s in steps] == sorted(s["id"] for s in steps)
    for step in steps:
        stored = StageChange.objects.get(pk=step["id"])
        assert snapshot_values(StageChange, step) == snapshot(stored)
        assert stored.evidence.name == "" and stored.created == step["created"]


def test_a_code_registered_meanwhile_is_a_conflict_and_nothing_is_saved(users, monkeypatch):
    """The database's unique code stops a write that validation could not foresee (COPY on
    PostgreSQL raises Django's IntegrityError too)."""
    from zhaoshang.exchange import importer

    taken = code("T0000009")
    write = importer._ProjectImport.write

    def meanwhile(job):
        # Another clerk registers the same code between validation and writing.
        other = Enterprise.objects.filter(jurisdiction__code=XF).select_related("unit").first()
        Enterprise.objects.create(
            jurisdiction_id=other.jurisdiction_id, name="抢先登记有限公司", uscc=taken, unit=other.unit
        )
        write(job)

    monkeypatch.setattr(importer._ProjectImport, "write", meanwhile)
    before = _state()
    row = project_row({"项目名称": "晚一步的项目", "企业名称": "晚一步有限公司", "统一社会信用代码": taken})
    result = import_projects(xlsx([row]), user=users["xf-office"])
    assert not result.ok and result.created == result.enterprises_created == 0
    assert result.errors[0].message.startswith(
        "保存时本行政区划内已有相同统一社会信用代码的企业（可能有人同时在导入或登记同一记录），未导入任何数据"
    )
    assert _state() == before and not Enterprise.objects.filter(uscc=taken).exists()


def test_the_facts_rules_read_come_in_by_excel_as_by_the_form(users):
    """Issue 10: 项目类别, 项目属性, 产业链, 招商渠道, 合同约定开工日期 and 用地 — fields of the form and
    the API — are columns of the template, read by their Chinese names, logged and exported back."""
    user = users["xf-office"]
    row = project_row(
        {"项目名称": "文旅综合体", "项目类别": "文旅", "项目属性": "世界500强、产业链项目，世界500强",
         "不计入的派生属性": "上市公司项目", "产业链": "PCB", "招商渠道": "产业链招商", "合同约定开工日期": "2024-09-30", "用地（亩）": 120.5}
    )  # fmt: skip
    result = import_projects(xlsx([row]), user=user)
    assert result.ok, [str(e) for e in result.errors]
    p = Project.objects.get(name="文旅综合体")
    assert (p.category, p.attributes, p.chain, p.channel) == (
        "tourism",
        ["world500", "chain_project"],
        "PCB",
        "chain",
    )
    assert p.contract_start_due == date(2024, 9, 30) and p.land_mu == Decimal("120.50")
    assert p.attributes_excluded == ["listed_company"]
    logged = ObjectChange.objects.get(object_id=str(p.pk), action="create", content_type__model="project")
    assert logged.after["category"] == "tourism" and logged.after["attributes"] == [
        "world500",
        "chain_project",
    ]
    # The same file again changes nothing; a blank 项目类别 keeps what is stored.
    assert import_projects(xlsx([row]), user=user).unchanged == 1
    result = import_projects(xlsx([{**row, "项目类别": ""}]), user=user)
    assert result.ok and Project.objects.get(pk=p.pk).category == "tourism"
    # A new project without a category is 工业, the form's default.
    import_projects(xlsx([project_row({"项目名称": "默认类别项目"})]), user=user)
    assert Project.objects.get(name="默认类别项目").category == "industry"


def test_unknown_attribute_and_category_are_named_by_row_and_column(users):
    before = Project.objects.count()
    rows = [
        project_row({"项目名称": "甲", "项目属性": "世界五百强"}),
        project_row({"项目名称": "乙", "项目类别": "制造业"}),
        project_row({"项目名称": "丙", "用地（亩）": -3}),
    ]
    result = import_projects(xlsx(rows), user=users["xf-office"])
    errors = [str(e) for e in result.errors]
    assert any(e.startswith("第2行【项目属性】未知的项目属性“世界五百强”") for e in errors), errors
    assert any(e.startswith("第3行【项目类别】应为：工业、农业、文旅、城建、服务业") for e in errors), errors
    assert any(e.startswith("第4行【用地（亩）】") and "不能为负数" in e for e in errors), errors
    assert Project.objects.count() == before


def test_blank_zombie_cells_keep_an_enterprise_on_the_zombie_register(users):
    """The projects sheet's 僵尸企业 columns left blank for an enterprise on the zombie register keep
    its class and dates (it leaves the register by deleting its entry there); a class given sets it."""
    from zhaoshang.resources.models import ZombieEnterprise

    entry = ZombieEnterprise.objects.filter(jurisdiction__code=XF, enterprise__unit__name="商务局").first()
    assert entry is not None, "the test world's zombie register"
    ent = entry.enterprise
    before = (ent.zombie_class, ent.zombie_classified_on)
    row = project_row({"项目名称": "名录企业的新项目", "企业名称": ent.name, "统一社会信用代码": ent.uscc})
    result = import_projects(xlsx([row]), user=users["xf-office"])
    assert result.ok, result.errors
    ent.refresh_from_db()
    assert (ent.zombie_class, ent.zombie_classified_on) == before and before[0]
    other = "D" if before[0] != "D" else "C"
    row = project_row(
        {
            "项目名称": "名录企业的新项目",
            "企业名称": ent.name,
            "统一社会信用代码": ent.uscc,
            "僵尸企业类别": other,
            "僵尸企业认定日期": before[1],
        }
    )
    assert import_projects(xlsx([row]), user=users["xf-office"]).ok
    ent.refresh_from_db()
    assert ent.zombie_class == other
