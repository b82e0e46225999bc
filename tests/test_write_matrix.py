"""The write matrix (issue 15 point 6, beside the read matrix in tests/test_scoping.py): every API
endpoint that writes and every page that takes a POST, for every role of the demo world, creating,
changing and deleting (a) in the role's scope, (b) a record outside it — another team's, unit's or
county's — and (c) in scope but naming a record outside it. Allowed: the status, one row more,
changed or fewer, and exactly one change-log entry of that user and action for it. Refused: a 4xx
(never a 500), the row count unchanged, no change-log entry, and nothing of the other record in
the answer. Every file download is probed anonymously, by another county and by its owner.

The endpoints and pages come from the router and the URL resolver: a new one that no table below
classifies fails `test_every_*_is_classified`, naming it (docs/roles.md, 写入权限矩阵).
"""

from __future__ import annotations

from datetime import date

import pytest
import write_matrix_support as wm
from django.test import RequestFactory
from django.urls import reverse

from zhaoshang.api.urls import ENDPOINTS, VIEWS
from zhaoshang.core.views import ObjectDeleteView, ObjectEditView

# --- The cast ------------------------------------------------------------------------------------


@pytest.fixture
def cast(users):
    """Role name → user (None for anonymous): the writers, the readers, the three administrators."""
    from django.contrib.auth import get_user_model

    from zhaoshang.core.testing import make_admin
    from zhaoshang.org.models import Jurisdiction

    county = Jurisdiction.objects.get(code="360722")
    out = {name: users[name] for name in wm.WRITERS + wm.READERS if name in users}
    if "admin" not in out:  # the demo keeps no superuser (三员分立); the platform still has them
        out["admin"] = get_user_model().objects.create_superuser("wm-superuser", password=None)
    for role in wm.ADMINS:
        out[role] = make_admin(role, f"wm-{role}", jurisdiction=county)
    out[wm.ANONYMOUS] = None
    return out


def _login(client, user):
    """A finished login (both factors, where the role owes a second one)."""
    import contextlib

    from django.test.client import ClientMixin

    client.logout()
    if user is None:
        return
    try:
        from zhaoshang.twofactor.testing import force_login_with_second_factor
    except ImportError:  # pragma: no cover - without the second factor
        force_login_with_second_factor = contextlib.nullcontext
    patched = hasattr(ClientMixin.force_login, "__wrapped__")
    with contextlib.nullcontext() if patched else force_login_with_second_factor():
        client.force_login(user)


def _refused_by_role(user, api=True) -> set[int]:
    if user is None:
        return {401, 403} if api else {302}
    return {403}


def _gist(body: str) -> str:
    """The messages of an answer: a page's alerts, else its start."""
    import re

    alerts = re.findall(r'role="alert"[^>]*>(.*?)</', body, re.S)
    return " | ".join(a.strip() for a in alerts)[:400] if alerts else body[:300]


def _check_refused(outcome, expected: set[int], user, others=(), problems=None):
    ok = (
        outcome.status in expected
        and outcome.count_delta == 0
        and not outcome.changes
        and not wm.leaked(outcome, user, others)
    )
    if not ok:
        problems.append(
            f"{outcome.label}: expected refusal {sorted(expected)}, got {outcome.status}, "
            f"rows {outcome.count_delta:+d}, {len(outcome.changes)} change(s), "
            f"leaked {wm.leaked(outcome, user, others)}: {_gist(outcome.body)}"
        )


def _check_allowed(outcome, status, user, model, pk, action, delta, touch=None, problems=None):
    mine = wm.changes_of(outcome, model, pk) if pk is not None else []
    entries = [c for c in mine if c.action == action]
    if action == "delete":  # what hangs on it goes with it (a trip's visits), each logged
        ct = (model._meta.app_label, model._meta.model_name)
        delta = -sum(
            1
            for c in outcome.changes
            if c.action == "delete" and (c.content_type.app_label, c.content_type.model) == ct
        )
    good = (
        outcome.status == status
        and outcome.count_delta == delta
        and len(entries) == 1
        and all(c.user_id == user.pk for c in outcome.changes)
    )
    if good and action == "update" and touch is not None:
        before, after = entries[0].before or {}, entries[0].after or {}
        good = before.get(touch) != after.get(touch)
    if good and action == "create":
        good = entries[0].before is None and entries[0].after
    if good and action == "delete":
        good = entries[0].before and entries[0].after is None
    if not good:
        problems.append(
            f"{outcome.label}: expected {status} and one {action} logged for #{pk}, got {outcome.status}, "
            f"rows {outcome.count_delta:+d}, entries {[(c.action, c.object_id, c.user_id) for c in outcome.changes]}"
            f": {_gist(outcome.body)}"
        )


# --- Per-model data (NetBox's create_data / update_data) -------------------------------------------

# A field each update changes, and its new value.
TOUCH = {
    "org.unit": ("full_name", "矩阵测试全称"),
    "org.person": ("title", "矩阵测试职务"),
    "org.team": ("target_text", "矩阵测试任务"),
    "org.holdergroup": ("target_text", "矩阵测试任务"),
    "org.target": ("text", "矩阵测试目标"),
    "ledger.enterprise": ("industry", "矩阵测试产业"),
    "ledger.project": ("plan", "矩阵测试计划"),
    "ledger.investment": ("amount", "12.34"),
    "ledger.contactperson": ("note", "矩阵测试备注"),
    "ledger.projectpartner": ("investment", "12.34"),
    "ledger.projectphase": ("name", "矩阵测试期"),
    "ledger.contractobligation": ("note", "矩阵测试备注"),
    "fieldwork.activity": ("summary", "矩阵测试内容"),
    "fieldwork.decision": ("text", "矩阵测试事项"),
    "fieldwork.report": ("content", "矩阵测试报送"),
    "fieldwork.lead": ("content", "矩阵测试线索"),
    "notify.channel": ("name", "矩阵测试渠道"),
    "assessment.metricvalue": ("source", "矩阵测试来源"),
    "assessment.surveyscore": ("score", "88.00"),
    "assessment.officedecision": ("reason", "矩阵测试依据"),
    "assessment.awarddecision": ("grade", "矩阵测试等次"),
    "assessment.personreward": ("reason", "矩阵测试事由"),
    "assessment.projecttax": ("amount_wan", "12.34"),
    "assessment.projectevaluation": ("note", "矩阵测试说明"),
    "assessment.projecttransfer": ("agreed_on", "2024-07-01"),
    "supervision.problem": ("description", "矩阵测试描述"),
    "chains.industrychain": ("notes", "矩阵测试说明"),
    "chains.chainsegment": ("name", "矩阵测试环节"),
    "chains.chainedge": ("note", "矩阵测试说明"),
    "chains.chainleader": ("name", "矩阵测试链主"),
    "chains.segmentplacement": ("note", "矩阵测试依据"),
    "resources.carrier": ("notes", "矩阵测试备注"),
    "resources.zombieenterprise": ("plan", "矩阵测试方案"),
    "targets.targetenterprise": ("notes", "矩阵测试备注"),
    "targets.targetcontact": ("summary", "矩阵测试内容"),
    "packages.projectpackage": ("notes", "矩阵测试备注"),
    "packages.merchant": ("notes", "矩阵测试备注"),
}


def _fresh(user, obj, data: dict) -> dict:
    """The record's own data made into a new record: what must differ (unique keys, names)."""
    label = obj._meta.label_lower
    new = dict(data)
    if label == "org.unit":
        new.update(name="矩阵测试单位", aliases=[] if isinstance(data.get("aliases"), list) else "[]")
    elif label == "org.person":
        new["name"] = "矩阵测试人"
    elif label == "ledger.enterprise":
        new.update(name="矩阵测试新企业有限公司", short_name="", uscc="")
        if "former_names" in new:
            new["former_names"] = [] if isinstance(data.get("former_names"), list) else "[]"
    elif label == "ledger.project":
        new["name"] = "矩阵测试新项目"
    elif label in ("ledger.investment", "assessment.projecttax"):
        new["month"] = "2099-12-01" if label == "ledger.investment" else "2099-12"
        if "month" in data and len(str(data["month"])) == 10:
            new["month"] = "2099-12-01"
    elif label == "ledger.projectphase":
        new["number"] = 99
    elif label == "assessment.projectevaluation":
        new["year"] = 2099
    elif label in ("chains.industrychain", "chains.chainsegment"):
        new["key"] = "matrix-test"
    elif label == "chains.chainleader":
        new["name"] = "矩阵测试新链主"
    elif label in ("chains.chainedge", "chains.segmentplacement"):
        from zhaoshang.chains.models import ChainEdge, ChainSegment, IndustryChain, SegmentPlacement

        # A segment of a new chain of the same jurisdiction: no edge or placement there yet.
        chain = IndustryChain.objects.create(
            jurisdiction_id=obj.chain.jurisdiction_id, key="matrix-fresh", name="矩阵测试产业链"
        )
        a = ChainSegment.objects.create(chain=chain, key="a", name="矩阵甲")
        b = ChainSegment.objects.create(chain=chain, key="b", name="矩阵乙")
        new["chain"] = chain.pk
        if label == "chains.chainedge":
            new.update(source=a.pk, target=b.pk)
        else:
            new["segment"] = a.pk
        assert not ChainEdge.objects.filter(chain=chain).exists()
        assert not SegmentPlacement.objects.filter(chain=chain).exists()
    elif label == "assessment.projecttransfer":
        from zhaoshang.ledger.models import Project

        free = Project.objects.filter(jurisdiction_id=obj.project.jurisdiction_id, transfer__isnull=True)
        new["project"] = free.order_by("pk").values_list("pk", flat=True).first()
    elif label == "ledger.projectpartner":
        from zhaoshang.ledger.models import Enterprise

        taken = set(obj.project.partners.values_list("enterprise_id", flat=True)) | {
            obj.project.enterprise_id
        }
        pool = Enterprise.objects.visible_to(user) if user is not None else Enterprise.objects.all()
        other = pool.filter(jurisdiction_id=obj.project.jurisdiction_id).exclude(pk__in=taken).first()
        if other is None:  # a clerk with one enterprise: a second one of theirs
            other = wm.copy_of(user, Enterprise, Enterprise.objects.get(pk=obj.project.enterprise_id))
        new["enterprise"] = other.pk
    elif label == "resources.carrier":
        new["name"] = "矩阵测试新载体"
    elif label == "targets.targetenterprise":
        new.update(name="矩阵测试新目标企业有限公司", uscc="")
    elif label == "packages.projectpackage":
        new["name"] = "矩阵测试新专案"
    elif label == "resources.zombieenterprise":
        from zhaoshang.ledger.models import Enterprise

        pool = Enterprise.objects.visible_to(user) if user is not None else Enterprise.objects.all()
        free = Enterprise.objects.filter(jurisdiction_id=obj.jurisdiction_id, zombie_records=None).order_by(
            "pk"
        )
        other = pool.filter(pk__in=free).order_by("pk").first() or free.first()  # a refused role: any
        new["enterprise"] = other.pk
    return new


# --- Web pages that take a POST ----------------------------------------------------------------------

# The generic edit and delete pages (core/views.py ObjectEditView, ObjectDeleteView) share the API's
# rules (save_in_scope, can_change, visible_to); `test_web_edit_pages_refuse_out_of_scope` probes
# every one of them. Every other page that takes a POST is listed here with where it is covered.
WEB_ACTIONS = {
    "login": "authentication (accounts/, axes): writes no record of the ledger",
    "logout": "authentication: writes no record",
    "org:policy_reload": "office only (org/views.py _policy_for_office); org/tests",
    "org:period_add": "office only (org/views.py _policy_for_office); org/tests",
    "ledger:project_stage": "project_advance_stage on a project the user sees (404 otherwise); ledger/tests",
    "ledger:ownershipclaim_add": "a unit or team files a claim on its own behalf; ledger/tests",
    "ledger:ownershipclaim_decide": "services.claim_may_decide; ledger/tests",
    "ledger:project_performance": "office only releases a project's held rewards (performance.reward_release) on a "
    "project it sees; ledger/tests/test_performance.py",
    "fieldwork:lead_screen": "office only; fieldwork/tests",
    "fieldwork:report_reopen": "office only; fieldwork/tests",
    "supervision:duty_complete": "the holder's clerk or the office (duties.may_complete); supervision/tests",
    "supervision:duty_not_applicable": "office only (duties.is_office); supervision/tests",
    "supervision:duty_reopen": "office only (duties.is_office); supervision/tests",
    "exchange:import": "can_change and the import's WriteScope per row; tests/test_write_scope.py",
    "notify:notice_read": "marks the user's own notice read (visible_to); notify/tests",
    "notify:notice_read_all": "marks the user's own notices read; notify/tests",
    "assessment:run_new": "office only; assessment/tests",
    "assessment:run_publish": "office only, a run it sees; assessment/tests",
    "bulletins:bulletin_new": "office only; bulletins/tests",
    "bulletins:bulletin_send": "office only, a bulletin it sees; bulletins/tests",
    "bulletins:template_edit": "office only, its own policy's template; bulletins/tests",
    "bulletins:template_reset": "office only, its own policy's template; bulletins/tests",
    # The accounts, the second factor, the administrators' consoles and the holiday calendar:
    # each app's own tests hold who may post them (accounts/, twofactor/, admins/, holidays/).
    "accounts:password_change": "the user's own password; accounts/tests",
    "twofactor:enrol": "the user's own device; twofactor/tests",
    "twofactor:verify": "the user's own login; twofactor/tests",
    "twofactor:recovery": "the user's own recovery codes; twofactor/tests",
    "admins:account_add": "system administrator only; admins' tests",
    "admins:account_active": "system administrator only; admins' tests",
    "admins:account_role": "security administrator only; admins' tests",
    "admins:reset_2fa": "security administrator only; admins' tests",
    "admins:unlock": "security administrator only; admins' tests",
    "holidays:day_add": "office only (the calendar the office keeps); holidays/tests",
    "holidays:day_edit": "office only; holidays/tests",
    "holidays:day_delete": "office only; holidays/tests",
    "holidays:import": "office only; holidays/tests",
    "holidays:year_statutory": "office only; holidays/tests",
    "holidays:year_update": "office only; holidays/tests",
    # The problem list and leaders' instructions (supervision/): each transition is its service's
    # (problems.py, instructions.py), which names who may; out of scope 404 (visible_to).
    "supervision:problem_action": "start/resolve by the support unit, confirm/reject by the requester; "
    "supervision/tests/test_problems.py",
    "supervision:problem_import": "can_change and the write-scope rule per row; supervision/tests/test_problems.py",
    "supervision:instruction_new": "leaders (and the office) only; supervision/tests/test_instructions.py",
    "supervision:instruction_reply": "the addressee only; supervision/tests/test_instructions.py",
    "supervision:instruction_close": "the issuing leader or the office; supervision/tests/test_instructions.py",
    # The factor-resource library (resources/): imports are the office's (can_change), assignments
    # the office's or the project's team clerk's (services.may_assign); out of scope 404 (visible_to).
    "resources:carrier_import": "office only (can_change); resources/tests/test_resources.py",
    "resources:carrier_import_geo": "office only (can_change); resources/tests/test_resources.py",
    "resources:zombieenterprise_import": "office only (can_change); resources/tests/test_resources.py",
    "resources:zombie_to_carrier": "office only (can_change on Carrier); resources/tests/test_resources.py",
    "resources:project_assign": "the office or the project's team clerk (services.may_assign) on a project and "
    "carrier the user sees; resources/tests/test_resources.py",
    "resources:assignment_action": "land/release by the office or the project's team clerk; "
    "resources/tests/test_resources.py",
    # The target library (targets/): the import is the office's; 转入线索 is services.may_move on a
    # target the user sees (404 otherwise), the same rule as /api/target-enterprises/{id}/to-lead/.
    "targets:targetenterprise_import": "office only; targets/tests/test_views.py",
    "targets:targetenterprise_to_lead": "services.target_to_lead (may_move) on a target the user sees; "
    "targets/tests/test_views.py and the API action below",
    # Packaged projects and merchants (packages/): imports ask can_change, and per row the model's
    # clean() and the write-scope rule; out of scope records are not found by name.
    "packages:projectpackage_import": "can_change and the write-scope rule per row; "
    "packages/tests/test_packages.py",
    "packages:merchant_import": "office only (can_change); packages/tests/test_packages.py",
}
# Pages that take a POST and write nothing (a view reading POST to filter or preview, say).
NOT_A_WRITE: dict[str, str] = {
    "bulletins:template_preview": "the template editor's preview of unsaved text (office only, its own "
    "policy's template); saves nothing; bulletins/tests/test_placeholders.py",
}


def _generic_web_routes():
    out = {}
    for name, route in wm.web_post_views().items():
        cls = route.view_class
        if cls is not None and issubclass(cls, ObjectEditView | ObjectDeleteView):
            out[name] = route
    return out


def test_every_web_post_is_classified():
    posts = wm.web_post_views()
    generic = _generic_web_routes()
    missing = sorted(set(posts) - set(generic) - set(WEB_ACTIONS) - set(NOT_A_WRITE))
    assert not missing, (
        f"pages taking a POST that tests/test_write_matrix.py does not classify: {missing} "
        "(add them to WEB_ACTIONS with their case, or NOT_A_WRITE with a reason)"
    )
    # Entries of the apps this matrix owns must still exist; those of the security apps
    # (accounts, twofactor, admins, holidays) are theirs to keep.
    own = {
        "org",
        "ledger",
        "fieldwork",
        "exchange",
        "notify",
        "assessment",
        "dashboards",
        "bulletins",
        "supervision",
        "chains",
        "resources",
        "targets",
        "packages",
    }
    stale = sorted(
        n
        for n in (set(WEB_ACTIONS) | set(NOT_A_WRITE)) - set(posts)
        if ":" not in n or n.split(":")[0] in own
    )
    assert not stale, f"classified pages that no longer take a POST: {stale}"


def _edit_form_data(route, obj, user) -> dict:
    """What the edit page of `obj` would post back unchanged (the view's own form)."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.base import SessionBase

    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionBase()
    request._messages = FallbackStorage(request)
    view = route.view_class()
    view.setup(request, pk=obj.pk)
    view.object = obj
    forms = [view.get_form()]
    for formset in view._formsets() if hasattr(view, "_formsets") else ():  # a trip's visits…
        forms += [formset.management_form, *formset.forms]
    data = {}
    for form in forms:
        for bf in form:
            value = bf.value()
            if value is None or value is False:
                continue
            data[bf.html_name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    return data


@pytest.mark.parametrize("name", sorted(_generic_web_routes()))
def test_web_edit_pages_refuse_out_of_scope(client, cast, name):
    """Every generic add, edit and delete page: anonymous → the login page; a reader and an
    administrator → refused; a writer on another county's (or team's, unit's) record → 404, with
    nothing written, nothing logged, nothing of it shown; the office on its own record → saved
    and logged once."""
    route = _generic_web_routes()[name]
    model = route.view_class.model
    action = name.rsplit("_", 1)[1]
    problems: list[str] = []
    office = cast["xf-office"]
    for role in (wm.ANONYMOUS, "xf-leader", "system_admin", "xf-office", "xf-unit", "tl-county-clerk"):
        user = cast[role]
        _login(client, user)
        if action == "add":
            out = wm.probe(client, f"{role} POST {name}", "post", reverse(name), model, data={})
            expected = {302} if user is None else ({400} if wm.may_write(user, model) else {403})
            _check_refused(out, expected, user, problems=problems)
            continue
        if role == wm.ANONYMOUS or not wm.may_write(user, model):
            obj = wm.in_scope(office, model)
            if obj is None:
                continue  # none in the demo world (notification channels)
            out = wm.probe(client, f"{role} POST {name} #{obj.pk}", "post", reverse(name, args=[obj.pk]), model,
                           data={})  # fmt: skip
            # Not theirs to see: 404, or 403 where the role reaches no business page at all (三员).
            expected = {302} if user is None else ({403, 404} if not wm.theirs(user, obj) else {403})
            _check_refused(out, expected, user, [obj], problems=problems)
            continue
        other = wm.out_of_scope(user, model)
        if other is None:
            continue
        data = _edit_form_data(route, other, office) if action == "edit" else {}
        out = wm.probe(client, f"{role} POST {name} other #{other.pk}", "post",
                       reverse(name, args=[other.pk]), model, data=data)  # fmt: skip
        _check_refused(out, {404}, user, [other], problems=problems)
    if action == "edit" and model._meta.label_lower in TOUCH:
        obj = wm.in_scope(office, model)
        if wm.theirs(office, obj):
            _login(client, office)
            field, value = TOUCH[model._meta.label_lower]
            data = {**_edit_form_data(route, obj, office), field: value}
            out = wm.probe(client, f"xf-office POST {name} #{obj.pk}", "post", reverse(name, args=[obj.pk]),
                           model, data=data)  # fmt: skip
            _check_allowed(out, 302, office, model, obj.pk, "update", 0, field, problems=problems)
    assert not problems, "\n".join(problems)


# --- The API ---------------------------------------------------------------------------------------

GENERIC = {"create", "update", "partial_update", "destroy"}
# Writes that are not a model's generic create/update/delete, each with a case below.
API_ACTIONS = {
    ("periods", "create"): "the office adds a period to its policy (org/services.py add_period)",
    ("claims", "create"): "a unit or team files an ownership claim (ledger/services.py claim_file)",
    ("claims", "decide"): "the office (or the city across counties) rules on a claim",
    ("projects", "advance"): "a project's stage change (ledger/services.py project_advance_stage)",
    ("projects", "release_rewards"): "the office releases a project's held rewards (ledger/performance.py)",
    (
        "project-evaluations",
        "confirm",
    ): "the office confirms a generated rolling evaluation (ledger/performance.py)",
    ("reports", "create"): "refused for everyone: reports come from the calendar (405)",
    ("reports", "reopen"): "the office sends a submitted report back",
    ("leads", "screen"): "the office screens a lead",
    ("duties", "create"): "refused for everyone: duty obligations come from the policy (405)",
    ("duties", "complete"): "the holder's clerk or the office completes a duty obligation",
    ("duties", "not_applicable"): "the office marks a duty obligation 不适用",
    ("duties", "reopen"): "the office reopens a duty obligation",
    ("assessments", "create"): "the office runs an assessment",
    ("assessments", "publish"): "the office publishes a run",
    ("bulletins", "create"): "the office asks for a bulletin",
    ("problems", "start"): "the support unit takes a problem up (supervision/problems.py problem_start)",
    ("problems", "resolve"): "the support unit resolves it, with the resolution (problem_resolve)",
    ("problems", "confirm"): "the requester confirms: closed (problem_confirm)",
    ("problems", "reject"): "the requester rejects the resolution, with a reason (problem_reject)",
    (
        "instructions",
        "create",
    ): "a leader (or the office) issues an instruction (instructions.py instruction_issue)",
    ("instructions", "reply"): "the addressee replies (instruction_reply)",
    ("instructions", "close"): "the issuing leader or the office closes it (instruction_close)",
    ("carrier-assignments", "create"): "the office or the project's team clerk assigns a carrier "
    "(resources/services.py assignment_create)",
    (
        "carrier-assignments",
        "land",
    ): "the office or the project's team clerk confirms it landed (assignment_land)",
    ("carrier-assignments", "release"): "the office or the project's team clerk releases it, with a reason "
    "(assignment_release)",
    ("target-enterprises", "to_lead"): "the office or the target's clerk moves a target into the pipeline "
    "as a lead (targets/services.py target_to_lead)",
}
MODEL_ENDPOINTS = {
    prefix: vs
    for prefix, vs in ENDPOINTS.items()
    if not {"create", "update", "partial_update", "destroy"}.isdisjoint(
        a for (p, a) in wm.api_writes() if p == prefix
    )
    and any((prefix, a) not in API_ACTIONS for a in GENERIC if (prefix, a) in wm.api_writes())
}


# The demo world holds no record of these that its policy accepts (the test city's award rules and
# office decisions are none): only the refusals are probed here; assessment/tests write them.
NO_ALLOWED_CASE = {"award-decisions", "office-decisions"}


def test_every_api_write_is_classified():
    writes = wm.api_writes()
    covered = {(p, a) for (p, a) in writes if p in MODEL_ENDPOINTS and a in GENERIC} | set(API_ACTIONS)
    missing = sorted(writes - covered)
    assert not missing, f"API writes without a case in tests/test_write_matrix.py: {missing}"
    stale = sorted(set(API_ACTIONS) - writes)
    assert not stale, f"cases of API writes that no longer exist: {stale}"
    # The non-model endpoints answer reads only.
    assert not {p for p, _ in writes} & set(VIEWS)
    for prefix, vs in MODEL_ENDPOINTS.items():
        assert vs.queryset.model._meta.label_lower in TOUCH, f"/api/{prefix}/ has no TOUCH entry"


def _api_payload(vs, obj) -> dict:
    ser = vs.serializer_class(instance=obj)
    data = ser.data
    return {n: data[n] for n, f in ser.fields.items() if not f.read_only and n in data}


def _is_many(vs, name) -> bool:
    return hasattr(vs.serializer_class().fields[name], "child_relation")


@pytest.mark.parametrize("prefix", sorted(MODEL_ENDPOINTS))
def test_api_writes_by_role_and_scope(client, cast, prefix):
    vs = MODEL_ENDPOINTS[prefix]
    model = vs.queryset.model
    label = model._meta.label_lower
    actions = {a for (p, a) in wm.api_writes() if p == prefix} - {a for (p, a) in API_ACTIONS if p == prefix}
    touch_field, touch_value = TOUCH[label]
    writable = [n for n, f in vs.serializer_class().fields.items() if not f.read_only]
    relations = wm.scoped_relations(model, writable)
    problems: list[str] = []
    allowed_probes: set[str] = set()  # each write allowed at least once, or the case is hollow
    base = f"/api/{prefix}/"
    for name, user in cast.items():
        _login(client, user)
        writer = name in wm.WRITERS and wm.may_write(user, model)
        refused = _refused_by_role(user)

        def tag(what, name=name):
            return f"{name} {what} /api/{prefix}/"

        if writer and not wm.theirs(user, wm.in_scope(user, model)):
            continue  # nothing of this kind in their scope
        if name in wm.ADMINS and name != wm.ADMINS[0]:
            # The administrators hold no business membership: refused before the record or the
            # method is looked at, as the first one's probes show; one write each suffices.
            actions_here = set(sorted(actions)[:1])
        else:
            actions_here = actions
        if "create" in actions_here and not (writer and prefix in NO_ALLOWED_CASE):
            obj = wm.in_scope(user, model)
            data = _fresh(user, obj, _api_payload(vs, obj))
            out = wm.probe(client, tag("create"), "post", base, model, data=data, as_json=True)
            if writer:
                pk = _json_id(out)
                allowed_probes.add("create")
                _check_allowed(out, 201, user, model, pk, "create", 1, problems=problems)
            else:
                _check_refused(out, refused, user, problems=problems)
            if writer and name in wm.FULL:
                for variant in (wm.related_out(user, model, relations), wm.holder_out(user, model, writable)):
                    if variant is None:
                        continue
                    field, other = variant
                    bad = {**data, field: [other.pk] if _is_many(vs, field) else other.pk}
                    out = wm.probe(client, tag(f"create naming {field}={other.pk}"), "post", base, model,
                                   data=bad, as_json=True)  # fmt: skip
                    _check_refused(out, {400}, user, [other], problems=problems)
        if ("update" in actions_here or "partial_update" in actions_here) and not (
            writer and prefix in NO_ALLOWED_CASE
        ):
            obj = wm.in_scope(user, model)
            ok = writer and wm.may_write(user, model, obj)
            url = f"{base}{obj.pk}/"
            if "update" in actions_here:
                data = {**_api_payload(vs, obj), touch_field: touch_value}
                out = wm.probe(client, tag(f"put #{obj.pk}"), "put", url, model, data=data, as_json=True)
            else:
                out = wm.probe(client, tag(f"patch #{obj.pk}"), "patch", url, model,
                               data={touch_field: touch_value}, as_json=True)  # fmt: skip
            if ok:
                allowed_probes.add("update")
                _check_allowed(out, 200, user, model, obj.pk, "update", 0, touch_field, problems=problems)
            else:
                _check_refused(out, refused, user, problems=problems)
            if writer and name in wm.FULL:
                other = wm.out_of_scope(user, model)
                if other is not None:
                    out = wm.probe(client, tag(f"patch other #{other.pk}"), "patch", f"{base}{other.pk}/",
                                   model, data={touch_field: touch_value}, as_json=True)  # fmt: skip
                    _check_refused(out, {404}, user, [other], problems=problems)
                if ok and name in wm.FULL:
                    for variant in (
                        wm.related_out(user, model, relations),
                        wm.holder_out(user, model, writable),
                    ):
                        if variant is None:
                            continue
                        field, rec = variant
                        value = [rec.pk] if _is_many(vs, field) else rec.pk
                        out = wm.probe(client, tag(f"patch #{obj.pk} naming {field}={rec.pk}"), "patch", url,
                                       model, data={field: value}, as_json=True)  # fmt: skip
                        _check_refused(out, {400}, user, [rec], problems=problems)
        if "destroy" in actions_here:
            obj = wm.in_scope(user, model, deletable=True) if writer else wm.in_scope(user, model)
            if obj is not None:
                ok = writer and wm.may_write(user, model, obj)
                out = wm.probe(client, tag(f"delete #{obj.pk}"), "delete", f"{base}{obj.pk}/", model)
                if ok:
                    allowed_probes.add("delete")
                    _check_allowed(out, 204, user, model, obj.pk, "delete", -1, problems=problems)
                else:
                    _check_refused(out, refused, user, problems=problems)
            if writer and name in wm.FULL:
                other = wm.out_of_scope(user, model)
                if other is not None:
                    out = wm.probe(client, tag(f"delete other #{other.pk}"), "delete", f"{base}{other.pk}/",
                                   model)  # fmt: skip
                    _check_refused(out, {404}, user, [other], problems=problems)
    expected = {"create": "create" in actions, "update": bool(actions & {"update", "partial_update"}),
                "delete": "destroy" in actions}  # fmt: skip
    hollow = [op for op, asked in expected.items() if asked and op not in allowed_probes]
    if prefix in NO_ALLOWED_CASE:
        hollow = []
    assert not hollow, f"/api/{prefix}/: no role was allowed to {hollow}: the matrix has no in-scope case"
    assert not problems, "\n".join(problems)


def _json_id(outcome):
    import json

    try:
        return json.loads(outcome.body).get("id")
    except (ValueError, AttributeError):
        return None


# --- Downloads ---------------------------------------------------------------------------------------

# Every page that hands out a file, found by what its view returns (an attachment), each with a
# case in `test_downloads_reach_their_owner_only`.
DOWNLOADS = {
    "exchange:template": "an empty import template (a policy's template only for a policy the user sees)",
    "exchange:export": "a ledger export of what the user sees",
    "exchange:error_workbook": "the error workbook of a failed upload, for its uploader only",
    "assessment:run_export": "an assessment run's workbook (and JSON)",
    "bulletins:bulletin_download": "a bulletin's .docx, .xlsx or .pdf",
    "ledger:stagechange_evidence": "the evidence file of a stage change",
    "supervision:duty_evidence": "the evidence file of a duty obligation",
    "dashboards:dashboard": "a dashboard chart as Excel (?export=)",
    "ledger:performance_behind": "the projects behind on their contracts as Excel (?format=xlsx): the user's own",
    "supervision:problem_export": "the problem list as the user sees it",
    "chains:industrychain_export": "one chain's segments with counts and gaps, for users who see the chain",
    "resources:carrier_export": "the carriers as the user sees them",
    "resources:carrierassignment_export": "the carrier assignments of the projects the user sees",
    "resources:zombieenterprise_export": "the zombie register as the user sees it",
    "targets:targetenterprise_export": "the target library as the user sees it",
    "packages:projectpackage_export": "the packaged projects as the user sees them",
    "packages:merchant_export": "the merchant library as the user sees it (contacts masked by role)",
}
# Attachments of the security and operations apps: theirs to probe (audit/, ops/, accounts/…).
FOREIGN_DOWNLOADS = {"audit", "ops", "jobs", "admins", "accounts", "twofactor", "holidays"}
FILE_MARKS = ("FileResponse", "Content-Disposition", "as_attachment", "_xlsx(")


def _download_views() -> set[str]:
    import inspect

    found = set()
    for r in wm.routes():
        if r.pattern.startswith("api/"):
            continue
        fn = r.view_class or r.callback
        while hasattr(fn, "__wrapped__"):
            fn = fn.__wrapped__
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            continue
        if any(mark in source for mark in FILE_MARKS):
            found.add(r.name)
    return found


def test_every_download_is_classified():
    found = {n for n in _download_views() if n.split(":", 1)[0] not in FOREIGN_DOWNLOADS}
    missing = sorted(found - set(DOWNLOADS))
    assert not missing, f"pages handing out files that tests/test_write_matrix.py does not probe: {missing}"
    assert not set(DOWNLOADS) - found, f"probed downloads no longer found: {set(DOWNLOADS) - found}"


def _file_bytes(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _xlsx_text(data: bytes) -> str:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        str(v)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    )


def test_downloads_reach_their_owner_only(client, cast, users, settings, tmp_path):
    """Anonymous: the login page, no bytes. Another county: 403/404 (or, for a list export, a file
    without a row of the other county). The owner: 200 and the file."""
    from django.core.files.base import ContentFile

    from zhaoshang.assessment.models import AssessmentRun
    from zhaoshang.bulletins.models import Bulletin
    from zhaoshang.exchange.exporter import store_error_workbook
    from zhaoshang.exchange.importer import import_activities
    from zhaoshang.exchange.tests.helpers import ACTIVITY_HEADERS, xlsx
    from zhaoshang.ledger.models import Project, StageChange
    from zhaoshang.supervision.models import DutyObligation

    settings.MEDIA_ROOT = str(tmp_path)
    xf, tl = cast["xf-office"], users["tl-office"]
    neighbour = cast["tl-county-clerk"]
    run = AssessmentRun.objects.filter(policy__name="testland-2024").order_by("pk").first()
    bulletin = Bulletin.objects.filter(status="done").order_by("pk").first()
    project = Project.objects.visible_to(xf).order_by("pk").first()
    change = StageChange.objects.filter(project=project).first() or StageChange.objects.create(
        project=project, from_stage="", to_stage=project.stage, on=project.registered_on
    )
    change.evidence.save("矩阵测试凭证.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
    duty = DutyObligation.objects.filter(team=cast["xf-team"].membership.team).order_by("pk").first()
    duty.evidence.save("矩阵测试职责佐证.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
    bad = import_activities(
        xlsx([{"类型": "不存在的类型"}], headers=ACTIVITY_HEADERS, sheet="招商活动"), user=xf
    )
    token = store_error_workbook(bad, xf)
    assert token, "the failed import left no error workbook to probe"
    # (url, owner, outsiders): outsiders get 403/404 and no bytes.
    cases = [
        (reverse("assessment:run_export", args=[run.pk]), tl, [xf]),
        (reverse("assessment:run_export", args=[run.pk]) + "?format=json", tl, [xf]),
        (reverse("ledger:stagechange_evidence", args=[change.pk]), xf, [tl, neighbour, cast["xf-unit"]]),
        (reverse("exchange:error_workbook", args=[token]), xf, [tl, cast["xf-team"], cast["xf-leader"]]),
        (
            reverse("supervision:duty_evidence", args=[duty.pk]),
            cast["xf-team"],
            [tl, neighbour, users["xf-team2"]],
        ),
        (reverse("dashboards:dashboard") + "?export=month&county=360722", xf, [neighbour]),
    ]
    for fmt in ("docx", "xlsx", "pdf"):
        if getattr(bulletin, fmt):
            cases.append(
                (reverse("bulletins:bulletin_download", args=[bulletin.pk, fmt]), tl, [xf, neighbour])
            )
    problems = []
    for url, owner, outsiders in cases:
        _login(client, None)
        response = client.get(url)
        if (
            response.status_code != 302
            or "/login/" not in response.get("Location", "")
            or _file_bytes(response)
        ):
            problems.append(f"anonymous {url}: {response.status_code}")
        for user in outsiders:
            _login(client, user)
            response = client.get(url)
            body = _file_bytes(response)
            if response.status_code not in (403, 404) or response.get("Content-Disposition"):
                problems.append(
                    f"{user.username} {url}: {response.status_code} {response.get('Content-Disposition')}"
                )
            elif b"%PDF-1.4 matrix" in body or body.startswith(b"PK"):
                problems.append(f"{user.username} {url}: the file's bytes in a refusal")
        _login(client, owner)
        response = client.get(url)
        if response.status_code != 200 or not _file_bytes(response):
            problems.append(f"owner {owner.username} {url}: {response.status_code}")
    # Templates hold no data; a policy's own template only for a policy the user sees.
    for kind in ("activities", "metrics"):
        url = reverse("exchange:template", args=[kind]) + "?policy=xinfeng-2024"
        _login(client, None)
        if client.get(url).status_code != 302:
            problems.append(f"anonymous {url}")
        _login(client, neighbour)
        response = client.get(url)
        if response.status_code != 200 or "xinfeng-2024" in response.get("Content-Disposition", ""):
            problems.append(
                f"tl-county-clerk {url}: {response.status_code} {response.get('Content-Disposition')}"
            )
    # A ledger export is the user's own rows: another county's names are not in it.
    xf_project = Project.objects.filter(jurisdiction__code="360722").order_by("pk").first()
    url = reverse("exchange:export", args=["projects"])
    _login(client, None)
    if client.get(url).status_code != 302:
        problems.append(f"anonymous {url}")
    _login(client, neighbour)
    response = client.get(url)
    if response.status_code != 200 or xf_project.name in _xlsx_text(_file_bytes(response)):
        problems.append(f"tl-county-clerk {url}: {response.status_code}, or 信丰's project in it")
    _login(client, xf)
    response = client.get(url)
    if response.status_code != 200 or xf_project.name not in _xlsx_text(_file_bytes(response)):
        problems.append(f"xf-office {url}: {response.status_code}, or its own project missing")
    # The projects behind on their contracts, and the problem list's export: the same, of the
    # user's own records.
    from zhaoshang.supervision.models import Problem

    behind = _held(xf)
    xf_problem = Problem.objects.filter(jurisdiction__code="360722").order_by("pk").first()
    from zhaoshang.resources.models import Carrier, ZombieEnterprise

    xf_carrier = Carrier.objects.filter(jurisdiction__code="360722").order_by("pk").first()
    xf_zombie = ZombieEnterprise.objects.filter(jurisdiction__code="360722").order_by("pk").first()
    from zhaoshang.resources.models import CarrierAssignment

    xf_assignment = (
        CarrierAssignment.objects.filter(project__jurisdiction__code="360722").order_by("pk").first()
    )
    from zhaoshang.packages.models import Merchant, ProjectPackage

    xf_package = ProjectPackage.objects.filter(jurisdiction__code="360722").order_by("pk").first()
    xf_merchant = (
        Merchant.objects.filter(jurisdiction__code="360722").exclude(company="").order_by("pk").first()
    )
    for url, own in (
        (reverse("ledger:performance_behind") + "?format=xlsx", behind.name),
        (reverse("supervision:problem_export"), xf_problem.title),
        (reverse("resources:carrier_export"), xf_carrier.name),
        (reverse("resources:zombieenterprise_export"), xf_zombie.enterprise.name),
        (reverse("resources:carrierassignment_export"), xf_assignment.project.name),
        (reverse("targets:targetenterprise_export"), _xf_target_name()),
        (reverse("packages:projectpackage_export"), xf_package.name),
        (reverse("packages:merchant_export"), xf_merchant.company),
    ):
        _login(client, None)
        if client.get(url).status_code != 302:
            problems.append(f"anonymous {url}")
        _login(client, neighbour)
        response = client.get(url)
        if response.status_code != 200 or own in _xlsx_text(_file_bytes(response)):
            problems.append(f"tl-county-clerk {url}: {response.status_code}, or 信丰's record in it")
        _login(client, xf)
        response = client.get(url)
        if response.status_code != 200 or own not in _xlsx_text(_file_bytes(response)):
            problems.append(f"xf-office {url}: {response.status_code}, or its own record missing")
    # A chain's workbook: for users who see the chain only (another county gets 404).
    from zhaoshang.chains.models import IndustryChain

    chain = IndustryChain.objects.filter(jurisdiction__code="360722").order_by("pk").first()
    url = reverse("chains:industrychain_export", args=[chain.pk])
    _login(client, None)
    if client.get(url).status_code != 302:
        problems.append(f"anonymous {url}")
    _login(client, neighbour)
    if client.get(url).status_code != 404:
        problems.append(f"tl-county-clerk {url}: not 404")
    _login(client, xf)
    response = client.get(url)
    if response.status_code != 200 or chain.name not in _xlsx_text(_file_bytes(response)):
        problems.append(f"xf-office {url}: {response.status_code}, or the chain missing")
    assert not problems, "\n".join(problems)


# --- The API's actions -------------------------------------------------------------------------------


def _action_cases(cast, users):
    """(key of API_ACTIONS, url, data, model, object or None for a new row, action logged, who may,
    the allowed status, an outsider's url and data — another county's record or policy)."""
    from django.utils import timezone

    from zhaoshang.assessment.models import AssessmentRun, ProjectEvaluation
    from zhaoshang.fieldwork.models import Lead, Report
    from zhaoshang.ledger.models import Enterprise, OwnershipClaim, Project, RewardRelease
    from zhaoshang.ledger.services import enterprise_find_holder
    from zhaoshang.org.models import Period, Policy
    from zhaoshang.supervision.models import DutyObligation

    xf, office_only = cast["xf-office"], {"admin", "xf-office"}
    team_duties = DutyObligation.objects.filter(team=cast["xf-team"].membership.team).order_by("pk")
    open_duty = team_duties.filter(completed_at__isnull=True, not_applicable_reason="").first()
    done_duty = (
        DutyObligation.objects.visible_to(xf).filter(completed_at__isnull=False).order_by("pk").first()
    )
    project = Project.objects.visible_to(xf).filter(stage="negotiating").order_by("pk").first()
    report = Report.objects.visible_to(xf).filter(submitted_at__isnull=False).order_by("pk").first()
    lead = Lead.objects.visible_to(xf).filter(status="submitted").order_by("pk").first()
    claim = OwnershipClaim.objects.visible_to(xf).filter(status="pending").order_by("pk").first()
    tl_project = Project.objects.filter(jurisdiction__path__startswith="980").order_by("pk").first()
    tl_report = Report.objects.filter(
        jurisdiction__path__startswith="980", submitted_at__isnull=False
    ).first()
    tl_lead = Lead.objects.filter(jurisdiction__path__startswith="980").order_by("pk").first()
    tl_claim = OwnershipClaim.objects.filter(jurisdiction__path__startswith="980").order_by("pk").first()
    xf_policy, tl_policy = Policy.objects.get(name="xinfeng-2024"), Policy.objects.get(name="testland-2024")
    draft = AssessmentRun.objects.filter(policy=tl_policy, status="draft").order_by("pk").first()
    unit = cast["xf-unit"].membership.unit
    held = Enterprise.objects.filter(jurisdiction=unit.jurisdiction).exclude(unit=unit).order_by("pk").first()
    tl_held = next(  # a name of the other county's that matches none of 信丰's
        e
        for e in Enterprise.objects.filter(jurisdiction__path__startswith="980").order_by("pk")
        if enterprise_find_holder(jurisdiction=unit.jurisdiction, name=e.name, uscc="") is None
    )
    period = {"key": "2099", "label": "2099年", "kind": "year", "start": "2099-01-01", "end": "2099-12-31"}
    held_project, tl_held_project = _held(xf), _held(None, "980")
    proposal = ProjectEvaluation.objects.create(project=project, year=2099, proposed=True, tax_paid=True)
    tl_evaluation = ProjectEvaluation.objects.filter(project__jurisdiction__path__startswith="980").first()
    problem_cases, instruction_cases = _problem_cases(cast), _instruction_cases(cast, project)
    return [
        *_assignment_cases(cast),
        *_target_cases(cast),
        *problem_cases,
        *instruction_cases,
        ("project-evaluations", "confirm", f"/api/project-evaluations/{proposal.pk}/confirm/", {},
         ProjectEvaluation, proposal, "update", office_only, 200,
         f"/api/project-evaluations/{tl_evaluation.pk}/confirm/", None),
        ("projects", "release_rewards", f"/api/projects/{held_project.pk}/release-rewards/", {"reason": "矩阵测试：已整改"},
         RewardRelease, None, "create", office_only, 201, f"/api/projects/{tl_held_project.pk}/release-rewards/",
         None),
        ("projects", "advance", f"/api/projects/{project.pk}/advance/",
         {"stage": "substantive", "on": timezone.localdate().isoformat()}, Project, project, "update",
         office_only | {"xf-team", "xf-unit", "xf-support"}, 201, f"/api/projects/{tl_project.pk}/advance/", None),
        ("reports", "reopen", f"/api/reports/{report.pk}/reopen/", {"reason": "矩阵测试：请补充"}, Report, report,
         "update", office_only, 200, f"/api/reports/{tl_report.pk}/reopen/", None),
        ("leads", "screen", f"/api/leads/{lead.pk}/screen/", {"status": "invalid", "note": "矩阵测试"}, Lead, lead,
         "update", office_only, 200, f"/api/leads/{tl_lead.pk}/screen/", None),
        ("claims", "decide", f"/api/claims/{claim.pk}/decide/", {"upheld": "false", "decision": "矩阵测试：维持"},
         OwnershipClaim, claim, "update", office_only, 200, f"/api/claims/{tl_claim.pk}/decide/", None),
        ("claims", "create", "/api/claims/", {"name": held.name, "reason": "矩阵测试：我单位先接触"}, OwnershipClaim,
         None, "create", {"xf-unit"}, 201, "/api/claims/",
         {"name": tl_held.name, "reason": "矩阵测试"}),
        ("periods", "create", "/api/periods/", {"policy": xf_policy.pk, **period}, Period, None, "create",
         office_only, 201, "/api/periods/", {"policy": tl_policy.pk, **period}),
        ("assessments", "publish", f"/api/assessments/{draft.pk}/publish/", {}, AssessmentRun, draft, "update",
         set(), 200, f"/api/assessments/{draft.pk}/publish/", None),
        ("assessments", "create", "/api/assessments/", {"policy": tl_policy.name, "period": "2024-06"},
         AssessmentRun, None, "create", set(), 201, "/api/assessments/",
         {"policy": tl_policy.name, "period": "2024-06"}),
        ("bulletins", "create", "/api/bulletins/", {"policy": tl_policy.name, "kind": "notice", "period": "2024-05"},
         None, None, "create", set(), 201, "/api/bulletins/",
         {"policy": tl_policy.name, "kind": "notice", "period": "2024-05"}),
        ("reports", "create", "/api/reports/", {"content": "矩阵测试"}, Report, None, "create", set(), 0,
         None, None),
        ("duties", "create", "/api/duties/", {"rule": "矩阵测试"}, DutyObligation, None, "create", set(), 0,
         None, None),
        ("duties", "complete", f"/api/duties/{open_duty.pk}/complete/", {"note": "矩阵测试：已完成"}, DutyObligation,
         open_duty, "update", office_only | {"xf-team", "xf-unit", "xf-support"}, 200, None, None),
        ("duties", "not_applicable", f"/api/duties/{open_duty.pk}/not-applicable/", {"reason": "矩阵测试：不适用"},
         DutyObligation, open_duty, "update", office_only, 200, None, None),
        ("duties", "reopen", f"/api/duties/{done_duty.pk}/reopen/", {}, DutyObligation, done_duty, "update",
         office_only, 200, None, None),
    ]  # fmt: skip


def _problem_cases(cast):
    """The problem list's transitions: the support unit (and the office) start and resolve a
    problem assigned to it; the requester's clerk confirms or rejects a resolved one (the office
    only for a meeting's problem); the outsiders probe another county's. The two problems are
    raised here through the services, on a demo problem's project: xf-team's team raised them,
    xf-support's unit works them."""
    from zhaoshang.supervision import problems as services
    from zhaoshang.supervision.models import Problem

    xf, support = cast["xf-office"], cast["xf-support"].membership
    team, unit = cast["xf-team"].membership, cast["xf-unit"].membership
    tl = Problem.objects.filter(jurisdiction__path__startswith="980").order_by("pk").first()
    base = (
        Problem.objects.visible_to(xf)
        .filter(requester_team=team.team, project__isnull=False)
        .exclude(requester_unit=support.unit)
        .exclude(requester_unit=unit.unit)
        .order_by("pk")
        .first()
    )
    assert base is not None and tl is not None, "the demo's problems changed"

    def raise_one(title):
        p = Problem(project=base.project, title=title, requester_unit=base.requester_unit, requester_team=team.team,
                    support_unit=support.unit, raised_on=base.raised_on, deadline_workdays=10)  # fmt: skip
        services.problem_prepare(problem=p, by=xf)
        p.full_clean()
        p.save()
        return p

    open_ = raise_one("矩阵测试：用地指标待协调")
    resolved = raise_one("矩阵测试：电力接入待协调")
    services.problem_resolve(problem=resolved, resolution="已协调落实", by=xf)
    workers = {"admin", "xf-office", "xf-support"}
    requesters = {"admin", "xf-team"}
    url = "/api/problems/{}/{}/"
    return [
        ("problems", "start", url.format(open_.pk, "start"), {}, Problem, open_, "update", workers, 200,
         url.format(tl.pk, "start"), None),
        ("problems", "resolve", url.format(open_.pk, "resolve"), {"resolution": "矩阵测试：已协调落实"}, Problem,
         open_, "update", workers, 200, url.format(tl.pk, "resolve"), {"resolution": "矩阵测试"}),
        ("problems", "confirm", url.format(resolved.pk, "confirm"), {}, Problem, resolved, "update", requesters,
         200, url.format(tl.pk, "confirm"), None),
        ("problems", "reject", url.format(resolved.pk, "reject"), {"reason": "矩阵测试：未见书面结果"}, Problem,
         resolved, "update", requesters, 200, url.format(tl.pk, "reject"), {"reason": "矩阵测试"}),
    ]  # fmt: skip


def _assignment_cases(cast):
    """Carrier assignments: the office or the clerk of the project's team (xf-team) assigns an
    available carrier to a project of that team, lands and releases the assignment; the outsiders
    probe another county's."""
    from zhaoshang.ledger.models import Project
    from zhaoshang.resources.models import Carrier, CarrierAssignment

    xf, team = cast["xf-office"], cast["xf-team"].membership.team
    project = Project.objects.filter(team=team).order_by("pk").first()
    # Two free carriers: one to assign through the API, one held by the assignment landed and
    # released here (a carrier takes one live assignment: CarrierAssignment.clean).
    carrier, held = Carrier.objects.filter(jurisdiction=team.jurisdiction, status="available").order_by("pk")[
        :2
    ]
    tl = (
        CarrierAssignment.objects.filter(project__jurisdiction__path__startswith="980").order_by("pk").first()
    )
    assert project is not None and carrier is not None and tl is not None, "the demo's carriers changed"
    a = CarrierAssignment.objects.create(
        carrier=held, project=project, assigned_on=date(2024, 11, 1), assigned_by=xf
    )
    Carrier.objects.filter(pk=held.pk).update(status="negotiating")
    may = {"admin", "xf-office", "xf-team"}
    url = "/api/carrier-assignments/{}/{}/"
    tl_carrier = tl.carrier_id
    return [
        ("carrier-assignments", "create", "/api/carrier-assignments/", {"carrier": carrier.pk, "project": project.pk},
         CarrierAssignment, None, "create", may, 201, "/api/carrier-assignments/",
         {"carrier": tl_carrier, "project": tl.project_id}),
        ("carrier-assignments", "land", url.format(a.pk, "land"), {}, CarrierAssignment, a, "update", may, 200,
         url.format(tl.pk, "land"), None),
        ("carrier-assignments", "release", url.format(a.pk, "release"), {"reason": "矩阵测试：项目终止"},
         CarrierAssignment, a, "update", may, 200, url.format(tl.pk, "release"), {"reason": "矩阵测试"}),
    ]  # fmt: skip


def _target_cases(cast):
    """转入线索: a target of xf-team's team (its lead unit responsible) is moved by the office or
    the team's clerk (whoever sees it of the record editors); the outsiders probe another county's."""
    from zhaoshang.targets.models import TargetEnterprise

    team = cast["xf-team"].membership.team
    target = (
        TargetEnterprise.objects.filter(
            jurisdiction=team.jurisdiction, lead__isnull=True, dropped_on__isnull=True
        )
        .order_by("pk")
        .first()
    )
    tl = TargetEnterprise.objects.filter(jurisdiction__path__startswith="980", lead__isnull=True).first()
    assert target is not None and tl is not None, "the demo's targets changed"
    target.team, target.unit = team, team.lead_unit
    target.save()
    may = {"admin", "xf-office", "xf-team", "xf-unit", "xf-support"}  # of them, those who see it
    url = "/api/target-enterprises/{}/to-lead/"
    return [
        ("target-enterprises", "to_lead", url.format(target.pk), {}, TargetEnterprise, target, "update", may,
         201, url.format(tl.pk), None),
    ]  # fmt: skip


def _instruction_cases(cast, project):
    """Leaders' instructions: a leader (or the office recording one) issues, the addressee's clerk
    (or the office) replies, the issuing leader (or the office) closes. The instruction replied to
    and closed is issued here by the demo leader to xf-support's unit."""
    from zhaoshang.supervision import instructions as services
    from zhaoshang.supervision.models import Instruction, InstructionReply

    leader, support = cast["xf-leader"], cast["xf-support"].membership
    issuers = {"admin", "xf-office", "xf-leader"}
    tl = Instruction.objects.filter(jurisdiction__path__startswith="980", project__isnull=False).first()
    assert tl is not None, "the demo's instructions changed"
    open_ = Instruction(project=project, content="矩阵测试：请协调解决", issued_on=date(2024, 11, 1),
                        deadline=date(2099, 12, 31), addressee_unit=support.unit)  # fmt: skip
    services.instruction_issue(instruction=open_, by=leader)
    url = "/api/instructions/{}/{}/"
    issue = {"project": project.pk, "content": "矩阵测试：请加快推进", "deadline": "2099-12-31",
             "addressee_unit": project.unit_id}  # fmt: skip
    return [
        ("instructions", "create", "/api/instructions/", issue, Instruction, None, "create", issuers, 201,
         "/api/instructions/", {**issue, "project": tl.project_id, "addressee_unit": tl.addressee_unit_id}),
        ("instructions", "reply", url.format(open_.pk, "reply"), {"content": "矩阵测试：已按批示办理"},
         InstructionReply, None, "create", {"admin", "xf-office", "xf-support"}, 201, url.format(tl.pk, "reply"),
         {"content": "矩阵测试"}),
        ("instructions", "close", url.format(open_.pk, "close"), {}, Instruction, open_, "update", issuers, 200,
         url.format(tl.pk, "close"), None),
    ]  # fmt: skip


def _xf_target_name() -> str:
    """A name of 信丰's target library that no other county's target bears."""
    from zhaoshang.targets.models import TargetEnterprise

    others = set(TargetEnterprise.objects.exclude(jurisdiction__code="360722").values_list("name", flat=True))
    return next(
        n for n in TargetEnterprise.objects.filter(jurisdiction__code="360722").order_by("pk").values_list(
            "name", flat=True
        ) if n not in others
    )  # fmt: skip


def _held(user, path=None):
    """A project whose rewards are held (behind on its contract): made so with an overdue obligation."""
    from datetime import timedelta

    from django.utils import timezone

    from zhaoshang.ledger.models import ContractObligation, Project

    qs = Project.objects.visible_to(user) if user is not None else Project.objects.all()
    if path:
        qs = qs.filter(jurisdiction__path__startswith=path)
    project = qs.filter(stage="signed").order_by("pk").first() or qs.order_by("pk").first()
    ContractObligation.objects.create(
        project=project, kind="output", amount=100, due_on=timezone.localdate() - timedelta(days=3)
    )
    return project


def test_api_actions_by_role_and_scope(client, cast, users):
    """Each action of API_ACTIONS: the roles that may, in scope → done and logged once; every other
    role → refused with nothing written; the writers on another county's record or policy → 4xx
    (404 or 400), nothing written, nothing of it shown. The testland office runs and publishes
    testland's assessments and bulletins (an outsider there: 信丰's office)."""
    from zhaoshang.bulletins.models import Bulletin

    cases = _action_cases(cast, users)
    assert {(p, a) for p, a, *_ in cases} == set(API_ACTIONS)
    problems: list[str] = []
    tl_office = users["tl-office"]
    for prefix, act, url, data, model, obj, logged, may, status, out_url, out_data in cases:
        model = model or Bulletin
        testland = prefix in ("assessments", "bulletins")
        for name, user in [*cast.items(), *((("tl-office", tl_office),) if testland else ())]:
            if name in wm.ADMINS[1:] or name in ("xf-inspector", "xf-support") and not may:
                continue  # the same refusal as the first administrator's, the leader's
            _login(client, user)
            label = f"{name} POST {url}"
            allowed = (name in may and (obj is None or wm.theirs(user, obj))) or (
                testland and name in ("tl-office", "admin")
            )
            if prefix == "claims" and act == "create" and name in ("xf-team", "xf-support", "admin"):
                continue  # their own unit holds the enterprise, or they are no unit: not a claimant
            out = wm.probe(client, label, "post", url, model, data=data, as_json=True, obj=obj)
            if allowed:
                pk = obj.pk if obj is not None else _json_id(out)
                _check_allowed(
                    out, status, user, model, pk, logged, 1 if obj is None else 0, problems=problems
                )
            elif name == "tl-office" or name == "xf-office" and testland:
                pass  # the outsider's probe below
            else:
                expected = {401, 403} if user is None else {400, 403, 404, 405}
                _check_refused(out, expected, user, [obj] if obj is not None else [], problems=problems)
            outsider = (
                name in ("xf-office", "xf-unit", "tl-county-clerk") if not testland else name == "xf-office"
            )
            if out_url and outsider and (allowed or testland):
                out = wm.probe(client, f"{name} POST {out_url} (another county's)", "post", out_url, model,
                               data=out_data if out_data is not None else data, as_json=True)  # fmt: skip
                _check_refused(out, {400, 403, 404}, user, problems=problems)
    assert not problems, "\n".join(problems)
