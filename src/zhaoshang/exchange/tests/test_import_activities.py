"""Importing the activity sheet: activities and leads (信息报送), all or nothing, every error at
once with its row and column, idempotent by natural key, and only within the clerk's units."""

from datetime import date
from decimal import Decimal

from zhaoshang.core.models import ObjectChange
from zhaoshang.exchange.exporter import export_activities
from zhaoshang.exchange.importer import import_activities, lead_title
from zhaoshang.fieldwork.models import Activity, Lead
from zhaoshang.ledger.models import Enterprise
from zhaoshang.org.models import Team, Unit
from zhaoshang.org.selectors import team_for_unit

from .helpers import activities_xlsx, activity_row

XF = "360722"
LONG = "拟投资10亿元建设高端印制电路板生产基地，" * 5


def _state():
    return (
        ObjectChange.objects.count(),
        dict(Activity.objects.values_list("pk", "updated")),
        dict(Lead.objects.values_list("pk", "updated")),
    )


def _known_enterprise():
    """An enterprise of 商务局 in 信丰, to be linked by name."""
    return Enterprise.objects.filter(jurisdiction__code=XF, unit__name="商务局").order_by("pk").first()


def _good_rows():
    ent = _known_enterprise()
    return [
        activity_row(),
        activity_row(
            {"类型": "拜访企业", "日期": "2024/5/9", "企业名称": ent.name, "内容": "了解扩产计划", "主要负责人带队": "否"}
        ),
        activity_row(
            {"类型": "接待客商", "单位": "县委办", "日期": date(2024, 5, 10), "地点": "", "主要负责人带队": "否", "企业名称": "深圳测试接待电子有限公司"}
        ),
        activity_row({"类型": "推介活动", "日期": "2024年5月20日", "地点": "东莞", "内容": "电子信息专题推介会"}),
        activity_row(
            {"类型": "信息报送", "日期": "2024-05-21", "带队领导": "", "主要负责人带队": "", "地点": "", "企业名称": "赣州测试线索科技有限公司", "内容": LONG}
        ),
    ]  # fmt: skip


def test_good_import_creates_activities_and_a_lead(users):
    user = users["xf-office"]
    ent = _known_enterprise()
    result = import_activities(activities_xlsx(_good_rows()), user=user, filename="活动.xlsx")
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    assert (result.leads_created, result.leads_updated) == (1, 0)
    assert "其中线索信息新建 1 条" in result.summary()

    shangwu = Unit.objects.get(jurisdiction__code=XF, name="商务局")
    trip = Activity.objects.get(unit=shangwu, kind="outbound_trip", date=date(2024, 5, 8), place="深圳")
    assert (
        trip.jurisdiction.code == XF and trip.team == team_for_unit(shangwu) and trip.team.key == "corps-01"
    )
    assert (trip.leader, trip.head_led, trip.days, trip.summary) == (
        "袁炎",
        True,
        1,
        "赴深圳开展电子信息产业链招商",
    )
    visit = Activity.objects.get(unit=shangwu, kind="visit", date=date(2024, 5, 9))
    assert visit.enterprise == ent and visit.enterprise_name == ent.name and not visit.head_led
    reception = Activity.objects.get(kind="reception", unit__name="县委办", date=date(2024, 5, 10))
    assert reception.enterprise is None and reception.enterprise_name == "深圳测试接待电子有限公司"
    assert Activity.objects.filter(kind="promotion_event", date=date(2024, 5, 20), place="东莞").exists()

    lead = Lead.objects.get(unit=shangwu, reported_on=date(2024, 5, 21))
    assert lead.title == LONG[:60] and len(lead.title) == 60 and lead.content == LONG
    assert (lead.status, lead.enterprise_name, lead.team.key) == (
        "submitted",
        "赣州测试线索科技有限公司",
        "corps-01",
    )

    log = ObjectChange.objects.filter(request_id=ObjectChange.objects.latest("id").request_id)
    assert log.count() == 5
    assert set(log.values_list("source", "user_name", "action")) == {("import", "xf-office", "create")}
    assert set(log.values_list("reason", flat=True)) == {"Excel 导入：活动.xlsx"}
    assert log.get(object_id=str(lead.pk), content_type__model="lead").jurisdiction_path.endswith(f"{XF}/")


def test_one_bad_row_saves_nothing_and_every_error_is_named_by_row_and_column(users):
    before = _state()
    rows = _good_rows() + [
        activity_row({"类型": "参观", "日期": "2024-02-30", "单位": "不存在局"}),
        activity_row({"类型": "拜访企业", "企业名称": "", "主要负责人带队": "也许"}),
        activity_row({"类型": "接待客商", "企业名称": "", "地点": "", "主要负责人带队": "否"}),
        activity_row({"类型": "信息报送", "企业名称": "", "内容": ""}),
        activity_row({"天数": "三天", "区域": "火星", "费用（元）": "0.5万", "团队": "不存在兵团"}),
    ]
    result = import_activities(activities_xlsx(rows, extra=True), user=users["xf-office"])
    assert not result.ok and result.created == 0
    assert _state() == before
    messages = [str(e) for e in result.errors]
    assert messages == [
        "第7行【类型】应为：外出招商、拜访企业、接待客商、推介活动、调度会议、信息报送，实为“参观”",
        "第7行【单位】未找到单位“不存在局”（应为您可见的单位名称或别名）",
        "第7行【日期】不是有效的日期：“2024-02-30”",
        "第8行【主要负责人带队】应为“是”或“否”，实为“也许”",
        "第8行【企业名称】拜访企业须填写企业名称",
        "第9行【客商】接待客商须填写客商或其所在企业",
        "第10行【内容】信息报送须填写内容或企业名称",
        "第11行【天数】应为整数，实为“三天”",
        "第11行【区域】应为：本地、京津冀、长三角、珠三角、闽东南、成渝、国内其他地区、境外，实为“火星”",
        "第11行【团队】未找到团队“不存在兵团”（应为单位“商务局”所在的团队）",
        "第11行【费用（元）】应为数字，实为“0.5万”",
    ]


def test_importing_the_same_file_twice_changes_nothing(users):
    content = activities_xlsx(_good_rows())
    assert import_activities(content, user=users["xf-office"]).ok
    before = _state()
    again = import_activities(content, user=users["xf-office"])
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert _state() == before
    # The same rows by the team's clerk are the same records, not new ones.
    again = import_activities(content, user=users["xf-team"])
    assert again.ok and again.unchanged == 5 and _state() == before


def test_a_changed_cell_updates_the_record_and_logs_it(users):
    user = users["xf-office"]
    row = activity_row()
    assert import_activities(activities_xlsx([row]), user=user).ok
    trip = Activity.objects.get(
        kind="outbound_trip", place="深圳", date=date(2024, 5, 8), unit__name="商务局"
    )
    row.update(
        {"主要负责人带队": "否", "内容": "改了内容", "天数": 3, "区域": "珠三角", "费用（元）": "3,200元"}
    )
    result = import_activities(activities_xlsx([row], extra=True), user=user)
    assert result.ok and (result.created, result.updated) == (0, 1)
    trip.refresh_from_db()
    assert (trip.head_led, trip.summary, trip.days, trip.region, trip.cost_yuan) == (
        False, "改了内容", 3, "pearl_delta", Decimal("3200.00"),
    )  # fmt: skip
    change = ObjectChange.objects.get(object_id=str(trip.pk), content_type__model="activity", action="update")
    assert change.source == "import" and change.before["head_led"] is True and change.after["days"] == 3
    # Columns left out of the sheet keep what is stored.
    assert import_activities(activities_xlsx([row]), user=user).unchanged == 1
    trip.refresh_from_db()
    assert trip.days == 3 and trip.region == "pearl_delta"


def test_rows_with_the_same_key_are_as_many_records(users):
    user = users["xf-office"]
    rows = [
        activity_row(
            {
                "类型": "接待客商",
                "地点": "",
                "主要负责人带队": "否",
                "企业名称": "同日接待有限公司",
                "内容": c,
            }
        )
        for c in "甲乙"
    ]
    result = import_activities(activities_xlsx(rows), user=user)
    assert result.ok and result.created == 2
    before = _state()
    again = import_activities(activities_xlsx(rows[::-1]), user=user)
    assert again.ok and again.unchanged == 2 and _state() == before
    rows.append(
        activity_row(
            {
                "类型": "接待客商",
                "地点": "",
                "主要负责人带队": "否",
                "企业名称": "同日接待有限公司",
                "内容": "丙",
            }
        )
    )
    rows[0]["内容"] = "甲改"
    result = import_activities(activities_xlsx(rows), user=user)
    assert result.ok and (result.created, result.updated, result.unchanged) == (1, 1, 1)
    summaries = Activity.objects.filter(enterprise_name="同日接待有限公司").values_list("summary", flat=True)
    assert sorted(summaries) == ["丙", "乙", "甲改"]


def test_a_team_clerk_imports_only_for_the_teams_units(users):
    user = users["xf-team"]  # corps-01: 商务局, 县委办, 大塘埠镇
    before = _state()
    rows = [
        activity_row({"单位": "大塘埠镇"}),
        activity_row({"单位": "工信局"}),  # corps-02's
        activity_row({"单位": "政法委", "类型": "信息报送", "内容": "一条线索"}),  # no team of ours
    ]
    result = import_activities(activities_xlsx(rows), user=user)
    assert [(e.row, e.column) for e in result.errors] == [(3, "单位"), (4, "单位")]
    assert all("不在您的权限范围内" in e.message for e in result.errors)
    assert _state() == before
    # Naming another team is out of scope too, even for one of the team's units.
    other = Team.objects.get(policy__name="xinfeng-2024", key="corps-02")
    result = import_activities(activities_xlsx([activity_row({"团队": other.name})], extra=True), user=user)
    assert [(e.row, e.column) for e in result.errors] == [(2, "团队")]
    assert _state() == before
    result = import_activities(activities_xlsx(rows[:1]), user=user)
    assert result.ok and result.created == 1
    a = Activity.objects.get(unit__name="大塘埠镇", date=date(2024, 5, 8), place="深圳")
    assert a.team == user.membership.team and Activity.objects.visible_to(user).filter(pk=a.pk).exists()


def test_a_unit_clerk_cannot_import_another_units_rows(users):
    clerk = users["xf-unit"]  # 政法委, in no team
    rows = [activity_row({"单位": "政法委"}), activity_row({"单位": "商务局"})]
    result = import_activities(activities_xlsx(rows), user=clerk)
    assert [str(e) for e in result.errors] == [
        "第3行【单位】“商务局”不在您的权限范围内（联络员只能导入本单位或本团队的招商活动）"
    ]
    assert import_activities(activities_xlsx(rows[:1]), user=clerk).ok
    a = Activity.objects.get(unit__name="政法委", date=date(2024, 5, 8), place="深圳")
    assert a.team is None and Activity.objects.visible_to(clerk).filter(pk=a.pk).exists()
    # Another county's office does not even see 信丰's units.
    result = import_activities(activities_xlsx(rows[:1]), user=users["tl-office"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "单位")]


def test_read_only_roles_cannot_import(users):
    result = import_activities(activities_xlsx([activity_row()]), user=users["xf-leader"])
    assert [str(e) for e in result.errors] == ["您的角色不能导入招商活动数据（需招商办或联络员账号）"]


def test_lead_rows(users):
    office, clerk = users["xf-office"], users["xf-team"]
    rows = [
        activity_row({"类型": "信息报送", "地点": "", "企业名称": "只有企业名称的线索有限公司", "内容": ""}),
        activity_row(
            {"类型": "信息报送", "地点": "", "企业名称": "", "内容": "  某电子企业\n拟来信丰投资  "}
        ),
    ]
    result = import_activities(activities_xlsx(rows), user=clerk)
    assert result.ok and result.leads_created == 2
    by_name = Lead.objects.get(enterprise_name="只有企业名称的线索有限公司")
    assert by_name.title == by_name.content == "只有企业名称的线索有限公司"
    by_text = Lead.objects.get(title="某电子企业 拟来信丰投资")
    assert by_text.content == "某电子企业\n拟来信丰投资" and by_text.team == clerk.membership.team
    assert lead_title("", "企业") == "企业"
    # Once the office has screened a lead, a clerk's sheet may not change it; the office's may.
    Lead.objects.filter(pk=by_name.pk).update(status="valid")
    rows[0]["团队"] = ""
    rows[0]["对接人及职务"] = "不读取"  # a lead reads 单位, 日期, 企业名称 and 内容 only
    assert import_activities(activities_xlsx(rows, extra=True), user=clerk).unchanged == 2
    # A screened lead whose text changes: the title (and so the key) is the same when only the
    # text after its first 60 characters changes.
    long_rows = [activity_row({"类型": "信息报送", "地点": "", "企业名称": "", "内容": LONG})]
    assert import_activities(activities_xlsx(long_rows), user=clerk).ok
    lead = Lead.objects.get(content=LONG)
    Lead.objects.filter(pk=lead.pk).update(status="valid")
    long_rows[0]["内容"] = LONG + "补充"
    before = _state()
    result = import_activities(activities_xlsx(long_rows), user=clerk)
    assert [(e.row, e.column) for e in result.errors] == [(2, "内容")]
    assert "已甄别（有效），如需修改请联系招商办" in result.errors[0].message
    assert _state() == before
    result = import_activities(activities_xlsx(long_rows), user=office)
    assert result.ok and result.leads_updated == 1
    lead.refresh_from_db()
    assert lead.content == LONG + "补充" and lead.status == "valid"


def test_leads_and_activities_of_a_city_office_go_to_the_units_county(users):
    rows = [
        activity_row({"单位": "甲县/甲县人民政府", "带队领导": "王测试"}),
        activity_row({"单位": "市商务局", "类型": "信息报送", "内容": "市级线索"}),
    ]
    result = import_activities(activities_xlsx(rows), user=users["tl-office"])
    assert result.ok, [str(e) for e in result.errors]
    assert (
        Activity.objects.get(leader="王测试", place="深圳", date=date(2024, 5, 8)).jurisdiction.code
        == "980121"
    )
    assert Lead.objects.get(title="市级线索").jurisdiction.code == "980100"


def test_a_team_name_that_repeats_keeps_the_records_own_team(users):
    user = users["xf-office"]
    a = (
        Activity.objects.filter(jurisdiction__code=XF, team__isnull=False)
        .select_related("team", "unit")
        .first()
    )
    twin = Team.objects.create(
        jurisdiction=a.team.jurisdiction, policy=a.team.policy, key="twin", number=0, name=a.team.name,
        kind=a.team.kind, clause="测试",
    )  # fmt: skip
    twin.member_units.add(a.unit)
    content = export_activities(Activity.objects.filter(pk=a.pk), user=user)
    result = import_activities(content, user=user)
    assert result.ok and result.unchanged == 1
    # A new record by that name goes to the team listed first (here the twin).
    row = activity_row({"单位": a.unit.name, "团队": a.team.name, "地点": "同名团队测试地"})
    assert import_activities(activities_xlsx([row], extra=True), user=user).ok
    assert Activity.objects.get(place="同名团队测试地").team == twin
