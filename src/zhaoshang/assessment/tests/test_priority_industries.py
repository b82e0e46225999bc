"""A document's priority industries come from the project's 产业 (issue 10 point 2): a project of
one of them counts with the attributes the policy's `priority_industries` setting gives (xinfeng-2024:
产业链项目; the 100-days plan: 主导产业项目; jinxi: 主导产业项目 and its land rule) unless the office
excludes it on the project. The SQL counts, the projects handed to the engine and the project page
read one definition; the 产业 and the exclusion are entered on the form, the API and the import."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from zhaoshang.assessment.facts import gather
from zhaoshang.core.concurrency import version_of
from zhaoshang.engine import find_policy, load_policy
from zhaoshang.engine.admission import ProjectFacts, review
from zhaoshang.engine.industries import industry_attributes, matching, project_industry
from zhaoshang.engine.periods import parse_period
from zhaoshang.exchange.importer import import_projects
from zhaoshang.exchange.tests.helpers import code, project_row, xlsx
from zhaoshang.ledger.models import Enterprise, Project, effective_attributes, priority_attributes
from zhaoshang.org.models import Policy, Team, Unit
from zhaoshang.org.services import policy_load

pytestmark = pytest.mark.django_db


def test_matching_reads_the_name_within_the_industry_or_exactly():
    setting = load_policy(find_policy("xinfeng-2024")).priority_industries
    assert setting is not None and setting.attributes == ["chain_project"]
    assert matching(setting, "电子信息（PCB）") == ["电子信息"]  # contains, the default
    assert matching(setting, "高端装备制造") == ["装备制造"]
    assert matching(setting, "房地产") == [] and matching(setting, "") == []
    assert industry_attributes(setting, "新能源电池") == {"chain_project"}
    exact = setting.model_copy(update={"match": "exact"})
    assert matching(exact, "电子信息（PCB）") == [] and matching(exact, "电子信息") == ["电子信息"]
    latin = setting.model_copy(
        update={"industries": [setting.industries[0].model_copy(update={"name": "PCB"})]}
    )
    assert matching(latin, "绿色pcb") == ["PCB"]  # Latin letters without case, as SQL icontains
    # The project's own 产业, else its enterprise's.
    assert project_industry("", "新能源") == "新能源" and project_industry("电子信息", "新能源") == "电子信息"
    # The office's exclusion removes it; an attribute entered on the project stays.
    assert effective_attributes([], [], industry_derived={"chain_project"}) == {"chain_project"}
    assert (
        effective_attributes([], [], excluded=["chain_project"], industry_derived={"chain_project"}) == set()
    )
    assert effective_attributes(["chain_project"], [], excluded=["chain_project"]) == {"chain_project"}
    assert priority_attributes(setting, "", "电子信息") == {"chain_project"}


def _project(unit, team, n, *, industry="", enterprise_industry="", own=(), excluded=(), kind="formal"):
    e = Enterprise.objects.create(
        jurisdiction=unit.jurisdiction, name=f"产业派生企业{n}", unit=unit, industry=enterprise_industry
    )
    return Project.objects.create(
        jurisdiction=unit.jurisdiction, name=f"产业派生项目{n}", enterprise=e, unit=unit, team=team,
        industry=industry, total_investment=Decimal(5000), registered_on=date(2024, 1, 5), stage="signed",
        signed_on=date(2024, 5, 10), signing_kind=kind, attributes=list(own), attributes_excluded=list(excluded),
    )  # fmt: skip


def _total(facts, holder, metric, period):
    return sum(
        (m.value for m in facts.metrics
         if m.holder.key == holder and m.metric == metric and m.period == period and not m.head_led),
        Decimal(0),
    )  # fmt: skip


def test_xinfeng_2024_chain_projects_from_the_industry_in_sql_and_in_the_engine():
    policy = Policy.objects.get(name="xinfeng-2024")
    team = Team.objects.get(policy=policy, key="corps-02")
    unit = Unit.objects.get(jurisdiction=policy.jurisdiction, name="工信局")
    span = parse_period("2024-05", policy.spec())
    before, _ = gather(policy, span, date(2024, 5, 31))
    made = [
        _project(unit, team, 1, industry="电子信息（PCB）"),  # counts: 电子信息 within its 产业
        _project(unit, team, 2, enterprise_industry="新能源"),  # counts: its enterprise's 产业
        _project(unit, team, 3, industry="电子信息", excluded=["chain_project"]),  # the office says no
        _project(unit, team, 4, industry="房地产"),  # not a priority industry
        _project(unit, team, 5, industry="房地产", own=["chain_project"]),  # entered on the project
        _project(unit, team, 6, industry="房地产", enterprise_industry="电子信息"),  # its own 产业 decides
    ]
    after, _ = gather(policy, span, date(2024, 5, 31))
    for holder in ("corps-02", "工信局", "360722"):
        assert (
            _total(after, holder, "chain_projects", "2024-05")
            - _total(before, holder, "chain_projects", "2024-05")
            == 3
        )  # projects 1, 2 and 5
    by_id = {p.id: p for p in after.projects}
    setting = policy.spec().priority_industries
    for p in made:
        p.refresh_from_db()
        assert p.effective_attributes() == p.effective_attributes(setting)  # one policy over 信丰 has it
        if str(p.pk) in by_id:  # the engine's copy agrees with the model's reading
            assert by_id[str(p.pk)].attributes == p.effective_attributes(setting)
    counted = [("chain_project" in p.effective_attributes()) for p in made]
    assert counted == [True, True, False, False, True, False]


def test_100days_lead_industry_projects_come_from_the_ledger():
    policy_load(spec=load_policy(find_policy("xinfeng-2023-100days")))
    policy = Policy.objects.get(name="xinfeng-2023-100days")
    unit = Unit.objects.get(jurisdiction=policy.jurisdiction, name="工信局")
    span = parse_period("2023-06", policy.spec())
    before, missing = gather(policy, span, date(2023, 6, 30))
    assert "signed_lead_industry_projects" not in missing  # no longer asked of the office

    def made(n, **kw):
        p = _project(unit, None, 100 + n, **kw)
        p.signed_on = date(2023, 6, 12)
        p.registered_on = date(2023, 6, 1)
        p.save()
        return p

    made(1, industry="新能源")  # counts
    made(2, industry="高端装备制造", kind="contract_review")  # 签约（含正在送签）: counts
    made(3, industry="电子信息", kind="intent")  # an intent is no signing under signing_kinds [formal]
    made(4, industry="电子信息", excluded=["leading_industry"])  # the office says no
    made(5, industry="文旅")  # not one of the three
    after, _ = gather(policy, span, date(2023, 6, 30))
    delta = _total(after, "工信局", "signed_lead_industry_projects", "2023-06") - _total(
        before, "工信局", "signed_lead_industry_projects", "2023-06"
    )
    assert delta == 2
    # Not made chain projects as well: 延链强链补链 is its own item.
    assert _total(after, "工信局", "signed_chain_projects", "2023-06") == _total(
        before, "工信局", "signed_chain_projects", "2023-06"
    )


def test_jinxi_land_rule_reads_the_policy_priority_industries():
    spec = load_policy(find_policy("jinxi-2021"))
    assert [i.name for i in spec.priority_industries.industries] == ["香料香精", "新一代信息技术", "智能仓储"]

    def verdicts(industry):
        return [f.verdict for f in review(spec, ProjectFacts("x", industry, Decimal(5000)))]

    assert "standard_factory" not in verdicts("香料香精（天然香料）")  # 主导产业: land of its own
    assert "standard_factory" in verdicts("食品加工")  # 亿元以下的非主导产业项目


def test_industry_and_exclusion_through_the_api_the_import_and_the_page(client, users):
    policy = Policy.objects.get(name="xinfeng-2024")
    team = Team.objects.get(policy=policy, key="corps-02")
    unit = Unit.objects.get(jurisdiction=policy.jurisdiction, name="工信局")
    p = _project(unit, team, 20, industry="房地产")
    assert "chain_project" not in p.effective_attributes()
    client.force_login(users["xf-office"])
    url = f"/api/projects/{p.pk}/"
    assert client.patch(url, {"industry": "电子信息"}, content_type="application/json").status_code == 200
    p = Project.objects.get(pk=p.pk)
    assert "chain_project" in p.effective_attributes()
    page = client.get(reverse("ledger:project_detail", args=[p.pk])).content.decode()
    assert "产业链项目" in page and "电子信息 → 产业链项目（xinfeng-2024 §一；附件3 §三(二)）" in page
    response = client.patch(url, {"attributes_excluded": ["chain_project"]}, content_type="application/json")
    assert response.status_code == 200
    p = Project.objects.get(pk=p.pk)
    assert "chain_project" not in p.effective_attributes()

    # The import: 产业 and 不计入的派生属性 are columns of the projects sheet.
    rows = [
        project_row({"项目名称": "导入电子信息项目", "企业名称": "赣州产业导入甲有限公司",
                     "统一社会信用代码": code("T0000071"), "产业": "电子信息"}),
        project_row({"项目名称": "导入排除项目", "企业名称": "赣州产业导入乙有限公司",
                     "统一社会信用代码": code("T0000072"), "产业": "新能源", "不计入的派生属性": "产业链项目"}),
    ]  # fmt: skip
    result = import_projects(xlsx(rows), user=users["xf-office"], filename="产业.xlsx")
    assert result.ok, [str(e) for e in result.errors]
    assert "chain_project" in Project.objects.get(name="导入电子信息项目").effective_attributes()
    assert "chain_project" not in Project.objects.get(name="导入排除项目").effective_attributes()


def test_industry_and_exclusion_through_the_form(client, users):
    from zhaoshang.ledger.forms import ProjectForm

    policy = Policy.objects.get(name="xinfeng-2024")
    team = Team.objects.get(policy=policy, key="corps-02")
    unit = Unit.objects.get(jurisdiction=policy.jurisdiction, name="工信局")
    p = _project(unit, team, 30, industry="房地产")
    form = ProjectForm(instance=p)
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if isinstance(value, list):
            data[name] = value
        elif value is not None:
            data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    client.force_login(users["xf-office"])
    url = reverse("ledger:project_edit", args=[p.pk])
    response = client.post(url, data | {"industry": "新能源汽车", "_version": version_of(p)})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "chain_project" in Project.objects.get(pk=p.pk).effective_attributes()  # 新能源 within it
    p.refresh_from_db()
    changed = {"industry": "新能源汽车", "attributes_excluded": ["chain_project"], "_version": version_of(p)}
    response = client.post(url, data | changed)
    assert response.status_code == 302
    assert "chain_project" not in Project.objects.get(pk=p.pk).effective_attributes()
