"""Scoping on every page and every endpoint, for every role, against an independent statement
of who may see what (DESIGN.md): a county never sees another county; a city sees its
counties; a team clerk sees their team's private records, a unit clerk their unit's."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.urls import reverse

from zhaoshang.api.views import ENDPOINTS
from zhaoshang.core.roles import ADMIN_ROLES

PRIVATE_MODELS = {
    "ledger.enterprise",
    "ledger.project",
    "ledger.investment",
    "fieldwork.activity",
    "fieldwork.report",
    "fieldwork.lead",
    "fieldwork.decision",
    "ledger.stagechange",
    "ledger.projectphase",
    "ledger.projectpartner",
    "ledger.contractobligation",
    "ledger.rewardrelease",
    "ledger.contactperson",
    "ledger.ownershipclaim",
    "assessment.projectevaluation",
    "assessment.projecttransfer",
    "assessment.projecttax",
    "supervision.dutyobligation",
    "supervision.problem",
    "supervision.instruction",
    "supervision.instructionreply",
    "resources.carrierassignment",
    "targets.targetenterprise",
    "targets.targetcontact",
    "packages.projectpackage",
}
# Records that belong to their project's team and unit.
VIA_PROJECT = {
    "ledger.stagechange",
    "ledger.projectphase",
    "ledger.projectpartner",
    "ledger.contractobligation",
    "ledger.rewardrelease",
    "assessment.projectevaluation",
    "assessment.projecttransfer",
    "assessment.projecttax",
    "resources.carrierassignment",
}
# Records that belong to their activity's team and unit.
VIA_ACTIVITY = {"fieldwork.decision"}
# Records that belong to their enterprise's team and unit.
VIA_ENTERPRISE = {"ledger.contactperson"}
# Replies that belong to their instruction's addressee.
VIA_INSTRUCTION = {"supervision.instructionreply"}
# The parts of an industry chain: seen by whoever sees the chain, shown on its map.
VIA_CHAIN = {"chains.chainsegment", "chains.chainedge", "chains.chainleader", "chains.segmentplacement"}
# Contacts with a target of the target library: seen by whoever sees the target.
VIA_TARGET = {"targets.targetcontact"}
CLERKS = {"team_clerk", "unit_clerk", "support_unit"}
# The office's working papers for assessments: never shown to clerks.
OFFICE_PAPERS = {
    "assessment.metricvalue",
    "assessment.surveyscore",
    "assessment.officedecision",
    "assessment.awarddecision",
    "assessment.personreward",
    "bulletins.bulletin",  # for the office, leaders, inspectors and the city
}
# Written by the office only, though they belong to a project.
OFFICE_ONLY = {
    "assessment.projectevaluation", "assessment.projecttransfer", "assessment.projecttax", "ledger.rewardrelease",
}  # fmt: skip


def jurisdiction_path(obj) -> str:
    if obj._meta.label_lower == "org.jurisdiction":
        return obj.path
    if obj._meta.label_lower in VIA_PROJECT:
        return obj.project.jurisdiction.path
    if obj._meta.label_lower in VIA_ACTIVITY:
        return obj.activity.jurisdiction.path
    if obj._meta.label_lower in VIA_ENTERPRISE:
        return obj.enterprise.jurisdiction.path
    if obj._meta.label_lower in VIA_INSTRUCTION:
        return obj.instruction.jurisdiction.path
    if obj._meta.label_lower in VIA_CHAIN:
        return obj.chain.jurisdiction.path
    if obj._meta.label_lower in VIA_TARGET:
        return obj.target.jurisdiction.path
    return obj.jurisdiction.path


def owners(obj) -> tuple[int | None, set[int]]:
    """(team id, unit ids) a private record belongs to."""
    label = obj._meta.label_lower
    if label in VIA_PROJECT:
        return obj.project.team_id, {obj.project.unit_id}
    if label in VIA_ACTIVITY:
        return obj.activity.team_id, {obj.activity.unit_id}
    if label in VIA_ENTERPRISE:
        return obj.enterprise.team_id, {obj.enterprise.unit_id}
    if label == "ledger.ownershipclaim":
        return None, {obj.claimant_unit_id, obj.holder_unit_id}  # both parties
    if label == "supervision.problem":  # the requester and the support unit it is assigned to
        return obj.requester_team_id, {obj.requester_unit_id, obj.support_unit_id}
    if label == "supervision.instruction":  # the addressee
        return obj.addressee_team_id, {obj.addressee_unit_id}
    if label in VIA_INSTRUCTION:
        return obj.instruction.addressee_team_id, {obj.instruction.addressee_unit_id}
    if label in VIA_TARGET:
        return obj.target.team_id, {obj.target.unit_id}
    return getattr(obj, "team_id", None), {getattr(obj, "unit_id", None)}


def is_admin(user) -> bool:
    """One of the three administrators (三员): refused every business page and endpoint (403)."""
    m = getattr(user, "membership", None)
    return m is not None and m.role in ADMIN_ROLES


def expected_visible(user, obj) -> bool:
    if user.is_superuser:
        return True
    m = user.membership
    if m.role in ADMIN_ROLES:
        return False  # the administrators read nothing of the ledger
    if not jurisdiction_path(obj).startswith(m.jurisdiction.path):
        return False
    label = obj._meta.label_lower
    if label in OFFICE_PAPERS and m.role in CLERKS:
        return False
    if label == "assessment.assessmentrun" and obj.status == "draft" and m.role in CLERKS:
        return False
    if obj._meta.label_lower in PRIVATE_MODELS and m.role in CLERKS:
        team_id, unit_ids = owners(obj)
        if m.role == "team_clerk":
            team_units = {m.team.lead_unit_id, *m.team.member_units.values_list("pk", flat=True)}
            return team_id == m.team_id or (team_id is None and bool(unit_ids & team_units))
        return m.unit_id in unit_ids
    return True


def expected_ids(user, model) -> set[int]:
    return {
        o.pk for o in model.objects.select_related(*_jurisdiction_select(model)) if expected_visible(user, o)
    }


def _jurisdiction_select(model):
    label = model._meta.label_lower
    if label == "org.jurisdiction":
        return ()
    if label in VIA_PROJECT:
        return ("project__jurisdiction",)
    if label in VIA_ACTIVITY:
        return ("activity__jurisdiction",)
    if label in VIA_ENTERPRISE:
        return ("enterprise__jurisdiction",)
    if label in VIA_INSTRUCTION:
        return ("instruction__jurisdiction",)
    if label in VIA_CHAIN:
        return ("chain__jurisdiction",)
    if label in VIA_TARGET:
        return ("target__jurisdiction",)
    return ("jurisdiction",)


def _list_routes():
    from zhaoshang.assessment import urls as assessment
    from zhaoshang.bulletins import urls as bulletins
    from zhaoshang.chains import urls as chains
    from zhaoshang.fieldwork import urls as fw
    from zhaoshang.ledger import urls as ledger
    from zhaoshang.org import urls as org
    from zhaoshang.packages import urls as packages
    from zhaoshang.resources import urls as resources
    from zhaoshang.supervision import urls as supervision
    from zhaoshang.targets import urls as targets

    routes = []
    for module in (org, ledger, fw, assessment, bulletins, supervision, chains, resources, targets, packages):
        for p in module.urlpatterns:
            if p.name and p.name.endswith("_list"):
                model = apps.get_model(module.app_name, p.name[: -len("_list")])
                routes.append((f"{module.app_name}:{p.name}", model))
    return routes


LIST_ROUTES = _list_routes()
DETAIL_ROUTES = [(name.replace("_list", "_detail"), model) for name, model in LIST_ROUTES]


def test_every_model_has_a_list_page_and_an_endpoint():
    models = {m for _, m in LIST_ROUTES}
    endpoint_models = {vs.queryset.model for vs in ENDPOINTS.values()}
    # Periods are shown on their policy's page (the office adds one there); their endpoint,
    # /api/periods/, is in the API matrix below.
    # A reply to an instruction is shown on its instruction's page; its endpoint,
    # /api/instruction-replies/, is in the API matrix below.
    replies = apps.get_model("supervision", "instructionreply")
    # A chain's segments, edges, leaders and placements are shown on its map (chains:
    # industrychain_detail); their endpoints are in the API matrix below.
    chain_parts = {apps.get_model(*label.split(".")) for label in VIA_CHAIN}
    assert models == endpoint_models - {apps.get_model("org", "period"), replies} - chain_parts
    # Every scoped model of the domain apps, so that a new one cannot be forgotten.
    domain = (
        "org",
        "ledger",
        "fieldwork",
        "assessment",
        "bulletins",
        "supervision",
        "chains",
        "resources",
        "targets",
        "packages",
    )
    scoped = {
        m for m in apps.get_models() if m._meta.app_label in domain and hasattr(m.objects, "visible_to")
    }
    # Memberships are managed in the admin; periods are shown on their policy's page; a bulletin
    # template has one page per policy and kind (bulletins:template_edit, office only).
    assert models == scoped - {
        apps.get_model("org", "membership"),
        apps.get_model("org", "period"),
        apps.get_model("bulletins", "bulletintemplate"),
        # The log of duty reminders sent (like notify's deliveries): no page of its own.
        apps.get_model("supervision", "dutyreminder"),
        replies,
        *chain_parts,
    }


@pytest.mark.parametrize("route,model", LIST_ROUTES, ids=[r for r, _ in LIST_ROUTES])
def test_list_pages_show_exactly_what_each_role_may_see(client, personas, route, model):
    for name, user in personas.items():
        client.force_login(user)
        response = client.get(reverse(route))
        if is_admin(user):
            assert response.status_code == 403 and "三员账号" in response.content.decode(), (name, route)
            continue
        assert response.status_code == 200, (name, route)
        shown = int(re.search(r"共 (\d+) 条", response.content.decode()).group(1))
        assert shown == len(expected_ids(user, model)), (name, route)


@pytest.mark.parametrize("route,model", LIST_ROUTES, ids=[r for r, _ in LIST_ROUTES])
def test_pages_need_login(client, db, route, model):
    response = client.get(reverse(route))
    assert response.status_code == 302 and "/login/" in response["Location"]
    obj = model.objects.first()
    response = client.get(reverse(route.replace("_list", "_detail"), args=[obj.pk]))
    assert response.status_code == 302


def _samples(model):
    """Objects from each jurisdiction and, for private records, from several units."""
    seen, out = set(), []
    for obj in model.objects.select_related(*_jurisdiction_select(model)).order_by("pk"):
        team_id, unit_ids = owners(obj) if obj._meta.label_lower in PRIVATE_MODELS else (None, set())
        key = (jurisdiction_path(obj), team_id, tuple(sorted(u for u in unit_ids if u)))
        if key not in seen:
            seen.add(key)
            out.append(obj)
    return out[:40]


@pytest.mark.parametrize("route,model", DETAIL_ROUTES, ids=[r for r, _ in DETAIL_ROUTES])
def test_detail_pages_404_outside_scope(client, personas, route, model):
    samples = _samples(model)
    assert samples
    for name, user in personas.items():
        client.force_login(user)
        for obj in samples:
            status = client.get(reverse(route, args=[obj.pk])).status_code
            if is_admin(user):
                assert status == 403, (name, route, obj.pk)
                continue
            assert status == (200 if expected_visible(user, obj) else 404), (name, route, obj.pk)


@pytest.mark.parametrize("prefix", list(ENDPOINTS), ids=list(ENDPOINTS))
def test_api_lists_exactly_what_each_role_may_see(client, personas, prefix):
    model = ENDPOINTS[prefix].queryset.model
    for name, user in personas.items():
        client.force_login(user)
        response = client.get(f"/api/{prefix}/", {"limit": 100000})
        if is_admin(user):
            assert response.status_code == 403 and expected_ids(user, model) == set(), (name, prefix)
            continue
        assert response.status_code == 200, (name, prefix)
        ids = {row["id"] for row in response.json()["results"]}
        assert ids == expected_ids(user, model), (name, prefix)


@pytest.mark.parametrize("prefix", list(ENDPOINTS), ids=list(ENDPOINTS))
def test_api_detail_404_outside_scope_and_needs_login(client, personas, prefix):
    model = ENDPOINTS[prefix].queryset.model
    samples = _samples(model)
    assert client.get(f"/api/{prefix}/").status_code in (401, 403)
    for name, user in personas.items():
        client.force_login(user)
        for obj in samples:
            status = client.get(f"/api/{prefix}/{obj.pk}/").status_code
            if is_admin(user):
                assert status == 403, (name, prefix, obj.pk)
                continue
            assert status == (200 if expected_visible(user, obj) else 404), (name, prefix, obj.pk)


def test_user_without_role_sees_nothing(client, db):
    from django.contrib.auth import get_user_model

    from zhaoshang.ledger.models import Project

    user = get_user_model().objects.create_user("nobody", password="x")
    client.force_login(user)
    assert "尚未分配角色" in client.get("/").content.decode()
    assert client.get(reverse("ledger:project_list")).content.decode().count("共 0 条") == 1
    assert client.get("/api/projects/").status_code == 403
    assert Project.objects.visible_to(user).count() == 0


def test_long_choice_lists_become_name_filters(client, users, monkeypatch):
    from zhaoshang.core import filters

    monkeypatch.setattr(filters, "MAX_CHOICES", 5)
    client.force_login(users["xf-office"])
    response = client.get(reverse("ledger:project_list"), {"unit": "商务"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "引进单位（名称包含）" in html
    shown = int(re.search(r"共 (\d+) 条", html).group(1))
    from zhaoshang.ledger.models import Project

    expected = Project.objects.visible_to(users["xf-office"]).filter(unit__name__icontains="商务").count()
    assert shown == expected > 0
    # The API keeps taking ids, whatever the number of choices.
    project = Project.objects.visible_to(users["xf-office"]).first()
    rows = client.get("/api/projects/", {"unit": project.unit_id, "limit": 1000}).json()["results"]
    assert rows and {r["unit"] for r in rows} == {project.unit_id}


def _edit_routes():
    from zhaoshang.assessment import urls as assessment
    from zhaoshang.chains import urls as chains
    from zhaoshang.fieldwork import urls as fw
    from zhaoshang.ledger import urls as ledger
    from zhaoshang.org import urls as org
    from zhaoshang.packages import urls as packages
    from zhaoshang.resources import urls as resources
    from zhaoshang.supervision import urls as supervision
    from zhaoshang.targets import urls as targets

    routes = []
    for module in (org, ledger, fw, assessment, supervision, chains, resources, targets, packages):
        for p in module.urlpatterns:
            if p.name and (p.name.endswith("_edit") or p.name.endswith("_delete")):
                action = "_edit" if p.name.endswith("_edit") else "_delete"
                model = apps.get_model(module.app_name, p.name[: -len(action)])
                routes.append((f"{module.app_name}:{p.name}", model))
    return routes


EDIT_ROUTES = _edit_routes()


def may_change(user, obj) -> bool:
    if user.is_superuser:
        return True
    role = user.membership.role
    if obj._meta.label_lower in OFFICE_ONLY:
        return role == "office"
    if obj._meta.label_lower == "fieldwork.lead" and obj.status != "submitted":
        return role == "office"  # screened leads are the office's
    if obj._meta.label_lower == "supervision.problem":
        # The requester's clerks (and the office) edit a problem until it is closed; the support
        # unit works it through its transitions only (docs/supervision.md).
        if role == "office":
            return True
        if role not in {"team_clerk", "unit_clerk"} or obj.status == "closed":
            return False
        m = user.membership
        if role == "team_clerk":
            return obj.requester_team_id is not None and obj.requester_team_id == m.team_id
        return obj.requester_unit_id == m.unit_id
    if obj._meta.label_lower in PRIVATE_MODELS:
        return role in {"office", "team_clerk", "unit_clerk", "support_unit"}
    return role == "office"


@pytest.mark.parametrize("route,model", EDIT_ROUTES, ids=[r for r, _ in EDIT_ROUTES])
def test_edit_and_delete_pages_404_outside_scope_403_without_right(client, personas, route, model):
    samples = _samples(model)[:12]
    for name, user in personas.items():
        client.force_login(user)
        for obj in samples:
            status = client.get(reverse(route, args=[obj.pk])).status_code
            if is_admin(user):
                assert status == 403, (name, route, obj.pk)
                continue
            if not expected_visible(user, obj):
                assert status == 404, (name, route, obj.pk)
            else:
                assert status == (200 if may_change(user, obj) else 403), (name, route, obj.pk)


def test_filter_form_loads_on_demand_and_keeps_values(client, users):
    client.force_login(users["xf-office"])
    # The schema built first (it builds the filters' fields too) must not cost them their labels.
    assert client.get("/api/schema/").status_code == 200
    html = client.get(reverse("ledger:project_list")).content.decode()
    assert "_filters=1" in html and 'name="stage"' not in html
    partial = client.get(reverse("ledger:project_list"), {"_filters": "1"}).content.decode()
    assert 'name="stage"' in partial and "<html" not in partial and "项目阶段" in partial
    html = client.get(
        reverse("ledger:project_list"), {"stage": "signed", "min_investment": "1000"}
    ).content.decode()
    # Filters in use show as chips, each removable, and stay in the form for the next change.
    assert (
        "项目阶段：签约" in html
        and "总投资不低于（万元）：1000" in html
        and 'name="stage"' not in html.split("<details")[0]
    )
    assert '<input type="hidden" name="stage" value="signed">' in html
    assert 'href="?min_investment=1000"' in html  # the 阶段 chip removes only itself
    partial = client.get(
        reverse("ledger:project_list"), {"_filters": "1", "stage": "signed"}
    ).content.decode()
    assert '<option value="signed" selected>' in partial
    # A filter with an error shows the whole form, naming it.
    html = client.get(reverse("ledger:project_list"), {"min_investment": "很多"}).content.decode()
    assert 'name="min_investment"' in html and "总投资不低于（万元）：" in html


def test_the_browsable_apis_forms_offer_only_what_the_user_may_choose(client, users):
    """Reads skip the scoped choices (core of the API's speed); the HTML forms, built under
    the form's own method, must still offer only the user's own units."""
    from zhaoshang.org.models import Unit

    user = users["xf-team"]
    client.force_login(user)
    html = client.get("/api/projects/", HTTP_ACCEPT="text/html").content.decode()
    own = set(Unit.objects.visible_to(user).values_list("name", flat=True))
    foreign = set(
        Unit.objects.exclude(jurisdiction=user.membership.jurisdiction).values_list("name", flat=True)
    )
    assert any(f">{name}</option>" in html for name in own)
    leaked = [name for name in foreign - own if f">{name}</option>" in html]
    assert not leaked


def test_the_three_administrators_are_in_the_matrix_and_read_nothing(personas):
    admins = [u for u in personas.values() if is_admin(u)]
    assert {u.membership.role for u in admins} == set(ADMIN_ROLES)
    for user in admins:
        for model in {vs.queryset.model for vs in ENDPOINTS.values()}:
            assert not model.objects.visible_to(user).exists(), (user.username, model._meta.label)
