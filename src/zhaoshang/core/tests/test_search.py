"""Search by name, full pinyin and initials (core/search.py), the key on every entry path, the
pickers' lookup endpoint and its scoping, the type-ahead field without JavaScript, and the
clerk's prefilled unit and team (issue 11 points 1–3)."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from zhaoshang.core.search import matches, pinyin_parts, search, search_key, words
from zhaoshang.ledger.models import Enterprise, Project

# --- The key and the query, without the database ----------------------------------------------------


def test_pinyin_parts_full_and_initials():
    assert pinyin_parts("赣州稀土") == ("ganzhouxitu", "gzxt")
    # Letters and digits kept (lower-case), signs dropped; phrases read as phrases (重庆 chongqing).
    assert pinyin_parts("重庆ABC（2号）科技") == ("chongqingabc2haokeji", "cqabc2hkj")
    assert pinyin_parts("") == ("", "")


def test_search_key_joins_each_name_once():
    key = search_key("赣州稀土有限公司", "赣州稀土", ["赣州稀土", "旧名"], "")
    assert key == "ganzhouxituyouxiangongsi gzxtyxgs ganzhouxitu gzxt jiuming jm"


def test_cached_conversion_equals_pypinyin():
    from pypinyin import lazy_pinyin

    for name in ("银行行长", "音乐乐器", "长沙重工（集团）", "单县单先生的单位", "年产5000吨长丝项目"):
        for _ in range(2):  # the second time from the caches
            han = "".join(c for c in name if "\u4e00" <= c <= "\u9fff")
            assert pinyin_parts(han)[0] == "".join(lazy_pinyin(han)), name


def test_query_words_split_at_spaces_and_where_chinese_meets_latin():
    assert words(" gz稀土  有限 ") == ["gz", "稀土", "有限"]
    assert words("") == [] and words("   ") == []


def test_match_filter_shape():
    q = str(matches("gz稀土", ("name",)))
    assert "search_key__contains', 'gz'" in q and "name__icontains', '稀土'" in q
    assert "search_key" not in str(matches("稀土", ("name",)))  # Chinese words: the names only


# --- Against the database -----------------------------------------------------------------------------


@pytest.fixture
def world(users):
    team = users["xf-team"].membership.team
    ent = Enterprise.objects.create(
        jurisdiction=team.jurisdiction,
        name="赣州稀土集团有限公司",
        short_name="赣州稀土",
        unit=team.lead_unit,
        team=team,
    )
    other = Enterprise.objects.create(
        jurisdiction=team.jurisdiction, name="信丰电子科技有限公司", unit=team.lead_unit, team=team
    )
    project = Project.objects.create(
        jurisdiction=team.jurisdiction, name="稀土新材料深加工项目", enterprise=ent, total_investment="5000",
        unit=team.lead_unit, team=team, registered_on="2024-02-01",
    )  # fmt: skip
    return {"team": team, "ent": ent, "other": other, "project": project}


def test_search_by_name_short_name_pinyin_initials_and_mixed(world):
    qs = Enterprise.objects.filter(pk__in=[world["ent"].pk, world["other"].pk])
    for q in (
        "赣州稀土",
        "稀土",
        "ganzhou",
        "GanZhou",
        "gzxt",
        "gzxtjt",
        "xitu",
        "gz 稀土",
        "gz稀土",
        "ganzhou xt",
    ):
        assert list(search(qs, q)) == [world["ent"]], q
    for q in ("gzxtx", "稀土 dianzi", "ganzhoudianzi"):
        assert list(search(qs, q)) == [], q
    assert set(search(qs, "")) == {world["ent"], world["other"]}
    assert list(search(qs, "xfdz")) == [world["other"]]


def test_list_pages_and_api_search_by_pinyin(client, users, world):
    client.force_login(users["xf-team"])
    for url in (reverse("ledger:enterprise_list"), "/api/enterprises/"):
        for q in ("ganzhou", "gzxt", "稀土"):
            body = client.get(url, {"q": q}).content.decode()
            assert world["ent"].name in body and world["other"].name not in body, (url, q)
    for url in (reverse("ledger:project_list"), "/api/projects/"):
        # By its own name's pinyin, and by its enterprise's.
        for q in ("xitu", "xtxcl", "gzxt", "ganzhou"):
            assert world["project"].name in client.get(url, {"q": q}).content.decode(), (url, q)
        assert world["project"].name not in client.get(url, {"q": "xfdz"}).content.decode()


def test_lists_of_a_projects_records_find_the_project_by_pinyin(client, users, world):
    from datetime import date

    from zhaoshang.ledger.models import ContractObligation, Investment

    team = world["team"]
    Investment.objects.create(project=world["project"], jurisdiction=team.jurisdiction, month=date(2024, 5, 1),
                              amount="100", unit=team.lead_unit, team=team)  # fmt: skip
    ContractObligation.objects.create(project=world["project"], content="按期投产",
                                      kind=ContractObligation._meta.get_field("kind").choices[0][0],
                                      due_on=date(2025, 6, 30))  # fmt: skip
    client.force_login(users["xf-team"])
    for route in ("ledger:investment_list", "ledger:contractobligation_list"):
        url = reverse(route)
        found = client.get(url, {"q": "xtxcl"}).content.decode()
        assert world["project"].name in found and "共 0 条" not in found, route
        assert "共 0 条" in client.get(url, {"q": "xfdzkj"}).content.decode(), route


def test_every_entry_path_sets_the_key(client, users, world):
    # Model save, and again on a rename.
    ent = world["ent"]
    assert ent.search_key == search_key(ent.name, ent.short_name)
    ent.name = "赣州稀土控股有限公司"
    ent.former_names = ["虔州稀土"]
    ent.save()
    ent.refresh_from_db()
    assert "ganzhouxitukonggu" in ent.search_key and "qzxt" in ent.search_key
    assert world["project"].search_key == "xitu" + "xincailiaoshenjiagongxiangmu xtxclsjgxm"
    # The API.
    clerk = users["xf-team"]
    client.force_login(clerk)
    r = client.post(
        "/api/enterprises/",
        {"name": "龙南稀土应用有限公司", "unit": world["team"].lead_unit_id, "team": world["team"].pk},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert Enterprise.objects.get(pk=r.json()["id"]).search_key.startswith("longnanxituyingyong")
    # The web form.
    r = client.post(
        reverse("ledger:enterprise_add"),
        {"name": "定南稀土有限公司", "unit": world["team"].lead_unit_id, "team": world["team"].pk},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert "dnxtyxgs" in Enterprise.objects.get(name="定南稀土有限公司").search_key
    # The demo data (the session's world was generated by it, in bulk).
    demo = Enterprise.objects.exclude(pk__in=[ent.pk]).filter(jurisdiction=ent.jurisdiction).first()
    assert demo.search_key == Enterprise.make_search_key(demo.name, demo.short_name, demo.former_names) != ""
    demo_project = (
        Project.objects.filter(jurisdiction=ent.jurisdiction).exclude(pk=world["project"].pk).first()
    )
    assert demo_project.search_key == search_key(demo_project.name) != ""


def test_command_line_import_sets_the_key(users, tmp_path):
    """The `import` command (the Excel import's bulk inserts, as the screen's)."""
    from zhaoshang.exchange.tests.helpers import code, project_row, xlsx

    path = tmp_path / "项目.xlsx"
    path.write_bytes(
        xlsx(
            [
                project_row(
                    {
                        "项目名称": "全南稀土回收项目",
                        "企业名称": "全南稀土回收有限公司",
                        "统一社会信用代码": code("T7700001"),
                    }
                )
            ]
        )
    )
    call_command("import", "projects", str(path), "--user", "xf-office", stdout=io.StringIO())
    p = Project.objects.select_related("enterprise").get(name="全南稀土回收项目")
    assert p.search_key == "quannanxituhuishouxiangmu qnxthsxm"
    assert p.enterprise.search_key == "quannanxituhuishouyouxiangongsi qnxthsyxgs"


def test_migration_fills_existing_rows(world):
    from importlib import import_module

    from django.apps import apps

    Enterprise.objects.filter(pk=world["ent"].pk).update(search_key="")
    Project.objects.filter(pk=world["project"].pk).update(search_key="")
    import_module("zhaoshang.ledger.migrations.0010_search_key").fill(apps, None)
    world["ent"].refresh_from_db()
    world["project"].refresh_from_db()
    assert "ganzhouxitu gzxt" in world["ent"].search_key
    assert world["project"].search_key.startswith("xituxincailiao")


# --- The lookup endpoint ------------------------------------------------------------------------------


def _lookup(client, label, q=""):
    r = client.get(reverse("lookup", args=[label]), {"q": q})
    assert r.status_code == 200, r.content
    return r.json()


def test_lookup_finds_by_pinyin_and_shows_unit_and_stage(client, users, world):
    client.force_login(users["xf-team"])
    data = _lookup(client, "ledger.project", "gz")
    row = next(x for x in data["results"] if x["id"] == world["project"].pk)
    assert row["label"] == world["project"].name
    assert (
        str(world["team"].lead_unit) in row["detail"]
        and world["project"].get_stage_display() in row["detail"]
    )
    ents = _lookup(client, "ledger.enterprise", "gzxt")["results"]
    assert [x["id"] for x in ents] == [world["ent"].pk]
    # At most 20, with word that there are more.
    everything = _lookup(client, "fieldwork.activity")
    assert len(everything["results"]) <= 20


def test_lookup_is_scoped(client, users, world):
    """Another team's clerk, another county's clerk and an administrator never see them."""
    for login in ("xf-team2", "tl-county-clerk", "tl-team"):
        if login not in users:
            continue
        client.force_login(users[login])
        for label, q in (("ledger.enterprise", "gzxt"), ("ledger.project", "xitu")):
            ids = [x["id"] for x in _lookup(client, label, q)["results"]]
            assert world["ent"].pk not in ids and world["project"].pk not in ids, (login, label)
    client.force_login(users["xf-team2"])
    visible = set(Project.objects.visible_to(users["xf-team2"]).values_list("pk", flat=True))
    assert {x["id"] for x in _lookup(client, "ledger.project")["results"]} <= visible
    assert client.get(reverse("lookup", args=["org.unit"])).status_code == 404
    assert client.get(reverse("lookup", args=["auth.user"])).status_code == 404
    client.logout()
    assert client.get(reverse("lookup", args=["ledger.project"])).status_code in (302, 401)


# --- The form: the picker, the text typed without JavaScript, the prefill, the order ----------------


def test_project_form_picker_prefill_and_order(client, users, world):
    clerk = users["xf-team"]
    client.force_login(clerk)
    html = client.get(reverse("ledger:project_add")).content.decode()
    assert "data-typeahead" in html and "typeahead.js" in html
    assert html.count("<option") < 200  # no drop-down of every enterprise
    # The team clerk's unit (the team's lead unit) and team are chosen already.
    team = world["team"]
    assert f'<option value="{team.lead_unit_id}" selected>' in html
    assert f'<option value="{team.pk}" selected>' in html
    # Most used first: name, enterprise, amount, date before the rarer fields.
    order = [
        html.index(f'name="{n}"') for n in ("name", "enterprise", "total_investment", "registered_on", "plan")
    ]
    assert order == sorted(order)


def test_picker_takes_a_pk_or_a_full_name_typed_without_javascript(client, users, world):
    client.force_login(users["xf-team"])
    team = world["team"]
    base = {"total_investment": "100", "registered_on": "2024-03-01", "unit": team.lead_unit_id, "team": team.pk,
            "category": Project.Category.INDUSTRY}  # fmt: skip
    r = client.post(reverse("ledger:project_add"), {**base, "name": "按编号", "enterprise": world["ent"].pk})
    assert r.status_code == 302, r.content.decode()[:3000]
    r = client.post(reverse("ledger:project_add"), {**base, "name": "按简称", "enterprise": "赣州稀土"})
    assert r.status_code == 302 and Project.objects.get(name="按简称").enterprise == world["ent"]
    n = Project.objects.count()
    r = client.post(
        reverse("ledger:project_add"), {**base, "name": "查无此企业", "enterprise": "不存在的公司"}
    )
    assert r.status_code == 400 and "未找到名为“不存在的公司”的企业（客商）" in r.content.decode()
    # Another county's enterprise, by pk, is refused by the form's scoped choices.
    foreign = Enterprise.objects.exclude(jurisdiction=team.jurisdiction).first()
    r = client.post(reverse("ledger:project_add"), {**base, "name": "他县企业", "enterprise": foreign.pk})
    assert r.status_code == 400 and Project.objects.count() == n
    # A form shown again keeps the choice, by name.
    r = client.post(reverse("ledger:project_add"), {**base, "name": "", "enterprise": world["ent"].pk})
    assert (
        r.status_code == 400
        and f'value="{world["ent"].name}" data-pk="{world["ent"].pk}"' in r.content.decode()
    )


def test_lookup_ranks_names_starting_with_the_query_first(client, users, world):
    team = world["team"]
    star = Enterprise.objects.create(
        jurisdiction=team.jurisdiction, name="稀土之星有限公司", unit=team.lead_unit, team=team
    )
    client.force_login(users["xf-team"])
    for q in ("xitu", "稀土"):
        ids = [x["id"] for x in _lookup(client, "ledger.enterprise", q)["results"]]
        assert ids[0] == star.pk and world["ent"].pk in ids, q


def test_code_matches_only_by_six_characters_or_more(world):
    from zhaoshang.ledger import uscc

    ent = world["ent"]
    ent.uscc = uscc.make("360722", "T7700002")
    ent.save()
    qs = Enterprise.objects.filter(pk__in=[ent.pk, world["other"].pk])
    assert list(search(qs, ent.uscc[2:10])) == [ent]
    assert list(search(qs, "xfdz")) == [world["other"]]  # not by a code's letters
    assert list(search(qs, ent.uscc[8:10].lower())) in ([], [ent])  # two characters: by names and pinyin only
    assert str(matches("91", Enterprise.search_fields)).count("uscc") == 0


@pytest.mark.parametrize(
    "url",
    ["ledger:enterprise_add", "ledger:project_add", "ledger:investment_add", "fieldwork:activity_add",
     "fieldwork:lead_add"],
)  # fmt: skip
def test_a_team_clerks_unit_and_team_are_prefilled(client, users, url):
    clerk = users["xf-team"]
    team = clerk.membership.team
    client.force_login(clerk)
    html = client.get(reverse(url)).content.decode()
    assert f'<option value="{team.lead_unit_id}" selected>' in html, url
    assert f'<option value="{team.pk}" selected>' in html, url


def test_a_unit_clerks_team_is_prefilled_when_their_unit_has_one(client, users):
    from django.contrib.auth import get_user_model

    from zhaoshang.core.scoping import WriteScope
    from zhaoshang.org.models import Membership, Team

    team = users["xf-team"].membership.team
    clerk = get_user_model().objects.create_user("xf-lead-unit-clerk", password="x")
    Membership.objects.create(
        user=clerk, role="unit_clerk", jurisdiction=team.jurisdiction, unit=team.lead_unit
    )
    clerk = get_user_model().objects.get(pk=clerk.pk)
    assert list(WriteScope(clerk).teams(Team.objects.visible_to(clerk))) == [team]
    client.force_login(clerk)
    html = client.get(reverse("ledger:project_add")).content.decode()
    assert f'<option value="{team.lead_unit_id}" selected>' in html
    assert f'<option value="{team.pk}" selected>' in html
    # A unit in no team (政法委): no team guessed; and none for the office, which chooses.
    for login in ("xf-unit", "xf-office"):
        client.force_login(users[login])
        html = client.get(reverse("ledger:project_add")).content.decode()
        assert re.findall(r'value="(\d*)" selected', html.split('name="team"')[1].split("</select>")[0]) == [
            ""
        ]


def test_projects_signed_at_an_event_picked_by_pk_or_typed_name(client, users, world):
    from zhaoshang.fieldwork.models import Activity

    team = world["team"]
    client.force_login(users["xf-team"])
    html = client.get(reverse("fieldwork:activity_add") + "?kind=promotion_event").content.decode()
    assert "data-multiple" in html and 'data-kinds="promotion_event"' in html and "typeahead.js" in html
    other = Project.objects.visible_to(users["xf-team"]).exclude(pk=world["project"].pk).first()
    base = {"kind": "promotion_event", "date": "2024-06-12", "unit": team.lead_unit_id, "team": team.pk,
            "leader": "袁炎", "region": "pearl_delta", "place": "深圳", "summary": "推介会"}  # fmt: skip
    r = client.post(
        reverse("fieldwork:activity_add"), {**base, "projects_signed": [world["project"].pk, other.pk]}
    )
    assert r.status_code == 302, r.content.decode()[-3000:]
    event = Activity.objects.order_by("-pk").first()
    assert set(event.projects_signed.all()) == {world["project"], other}
    r = client.post(reverse("fieldwork:activity_add"), {**base, "projects_signed": "稀土新材料深加工项目"})
    assert r.status_code == 302
    assert list(Activity.objects.order_by("-pk").first().projects_signed.all()) == [world["project"]]
    n = Activity.objects.count()
    r = client.post(reverse("fieldwork:activity_add"), {**base, "projects_signed": "没有这个项目"})
    assert r.status_code == 400 and "未找到名为“没有这个项目”的项目" in r.content.decode()
    assert Activity.objects.count() == n
    # Shown again, the chosen stay ticked.
    r = client.post(
        reverse("fieldwork:activity_add"), {**base, "date": "", "projects_signed": [world["project"].pk]}
    )
    assert r.status_code == 400
    assert f'name="projects_signed" value="{world["project"].pk}" checked' in r.content.decode()


def test_the_stored_key_keeps_within_its_column_bound():
    from zhaoshang.core.search import KEY_MAX_LENGTH, search_key

    names = [f"第{i}号赣州稀土新材料有限公司" for i in range(2000)]
    key = search_key("赣州稀土", names)
    assert len(key) <= KEY_MAX_LENGTH
    assert key.startswith("ganzhouxitu gzxt")


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 30, "赣州\x00稀土"])
def test_a_picker_refuses_odd_input_without_failing(client, users, world, value):
    """Digits that are not ASCII (² and ١٢ pass str.isdigit), a number no database integer holds
    and a NUL are refused in Chinese, and the form is shown again — never a 500."""
    from zhaoshang.fieldwork.models import Activity

    team = world["team"]
    client.force_login(users["xf-team"])
    base = {"total_investment": "100", "registered_on": "2024-03-01", "unit": team.lead_unit_id, "team": team.pk,
            "category": Project.Category.INDUSTRY, "name": "怪输入"}  # fmt: skip
    n = Project.objects.count()
    r = client.post(reverse("ledger:project_add"), {**base, "enterprise": value})
    assert r.status_code == 400 and Project.objects.count() == n
    event = {"kind": "promotion_event", "date": "2024-06-12", "unit": team.lead_unit_id, "team": team.pk,
             "leader": "袁炎", "region": "pearl_delta", "place": "深圳", "summary": "推介会"}  # fmt: skip
    n = Activity.objects.count()
    r = client.post(reverse("fieldwork:activity_add"), {**event, "projects_signed": [value]})
    assert r.status_code == 400 and Activity.objects.count() == n
    assert _lookup(client, "ledger.enterprise", value)["results"] is not None
