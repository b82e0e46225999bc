from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from zhaoshang.core.scoping import can_change
from zhaoshang.core.views import Col, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from zhaoshang.engine import PolicyError, find_policy, load_policy
from zhaoshang.engine.organisation import all_group_members
from zhaoshang.engine.schema import RULE_TYPE_LABELS

from . import filters, forms, services
from .effective import effective
from .models import HolderGroup, Jurisdiction, Period, Person, Policy, Target, Team, Unit


# --- Jurisdictions
class JurisdictionListView(ObjectListView):
    model = Jurisdiction
    filterset_class = filters.JurisdictionFilterSet
    select_related = ("parent",)
    columns = [
        Col("名称", "name", link=True, sort="name"),
        Col("代码", "code", sort="code"),
        Col("层级", "level"),
        Col("上级", "parent"),
    ]
    default_ordering = ("path",)


class JurisdictionDetailView(ObjectDetailView):
    model = Jurisdiction
    fields = [Col("代码", "code"), Col("层级", "level"), Col("上级", "parent")]


# --- Policies
class PolicyListView(ObjectListView):
    model = Policy
    filterset_class = filters.PolicyFilterSet
    select_related = ("jurisdiction",)
    columns = [
        Col("名称", "name", link=True, sort="name"),
        Col("文件", "title"),
        Col("文号", "document_number"),
        Col("行政区划", "jurisdiction"),
        Col("起", "start", sort="start"),
        Col("止", "end"),
    ]


class PolicyDetailView(ObjectDetailView):
    model = Policy
    select_related = ("jurisdiction",)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # The organisation as the office keeps it: renamed units, teams' members, added periods.
        spec = effective(self.object).spec
        members = all_group_members(spec)
        rules = [
            {
                "rule": r,
                "type_label": RULE_TYPE_LABELS[r.type],
                "params": [
                    (k, v)
                    for k, v in r.model_dump(mode="json").items()
                    if k not in {"id", "type", "title", "clause", "note"} and v not in (None, "", [], {})
                ],
            }
            for r in spec.rules
        ]
        ctx.update(
            spec=spec,
            rules=rules,
            groups=[(g, members[g.key]) for g in spec.groups],
            metric_label=lambda key: spec.metric(key).label if spec.metric(key) else key,
            county_targets=self.object.targets.filter(holder_kind="jurisdiction").select_related("period"),
            teams=self.object.teams.select_related("head", "lead_unit").prefetch_related(
                "deputies", "member_units", "targets"
            ),
            holder_groups={g.key: g for g in self.object.groups.all()},
            can_edit=can_change(self.request.user, self.object),
            added_periods={p.key for p in spec.periods} - {p.key for p in self.object.spec().periods},
        )
        return ctx


def _policy_for_office(request, pk) -> Policy:
    policy = get_object_or_404(Policy.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    if not can_change(request.user, policy):
        raise PermissionDenied("只有招商办可以修改政策文件的组织和时期")
    return policy


@login_required
def policy_reload(request, pk):
    """What loading the policy file again would change, the office's own edits it would
    override marked; the office confirms, and only then is it written."""
    policy = _policy_for_office(request, pk)
    context = {"policy": policy, "title": f"载入政策文件更新：{policy.title}"}
    try:
        spec = load_policy(find_policy(policy.name))
    except PolicyError as exc:
        context["issues"] = [str(i) for i in exc.issues]
        return render(request, "org/policy_reload.html", context, status=200)
    plan = services.policy_load(spec=spec, dry_run=True)
    seen = request.POST.get("plan", "")
    if request.method == "POST":
        if seen != plan.fingerprint():
            messages.warning(request, "政策文件或系统中的组织在您查看后有变化，请核对新的变更清单后再确认。")
        else:
            report = services.policy_load(spec=spec)
            messages.success(request, f"已载入政策文件更新（{report.summary()}）")
            return HttpResponseRedirect(reverse("org:policy_detail", args=[policy.pk]))
    context.update(plan=plan, changes=plan.changes, overrides=plan.overrides)
    return render(request, "org/policy_reload.html", context)


@login_required
def period_add(request, pk):
    """A further period of the policy, its targets copied from another for the office to adjust."""
    policy = _policy_for_office(request, pk)
    if not can_change(request.user, Period):
        raise PermissionDenied("只有招商办可以增加时期")
    form = forms.PeriodForm(request.POST or None, policy=policy)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                period = services.add_period(
                    policy=policy,
                    key=data["key"],
                    label=data["label"],
                    kind=data["kind"],
                    start=data["start"],
                    end=data["end"],
                    weight=data.get("weight"),
                    copy_targets_from=data.get("copy_targets_from"),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                copied = period.targets.count()
                messages.success(request, f"已增加时期“{period.label}”，复制目标任务 {copied} 项")
                return HttpResponseRedirect(reverse("org:policy_detail", args=[policy.pk]) + "#periods")
        status = 400
    return render(
        request,
        "core/object_edit.html",
        {
            "form": form,
            "title": f"增加时期：{policy.title}",
            "cancel_url": reverse("org:policy_detail", args=[policy.pk]),
        },
        status=status,
    )


# --- Units
class UnitListView(ObjectListView):
    model = Unit
    filterset_class = filters.UnitFilterSet
    select_related = ("jurisdiction",)
    columns = [
        Col("名称", "name", link=True, sort="name"),
        Col("类别", "kind", sort="kind"),
        Col("行政区划", "jurisdiction"),
        Col("待确认", lambda u: "是" if u.placeholder else ""),
    ]
    default_ordering = ("jurisdiction__code", "kind", "name")


class UnitDetailView(ObjectDetailView):
    model = Unit
    fields = [
        Col("全称", "full_name"),
        Col("类别", "kind"),
        Col("行政区划", "jurisdiction"),
        Col("别名", "aliases"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        u = self.object
        ctx.update(
            teams_led=u.teams_led.all(),
            teams_member=u.teams_member.all(),
            groups=u.holder_groups.all(),
            targets=u.targets.select_related("period", "policy"),
        )
        return ctx


class UnitEditView(ObjectEditView):
    model = Unit
    form_class = forms.UnitForm


class UnitDeleteView(ObjectDeleteView):
    model = Unit


# --- People
class PersonListView(ObjectListView):
    model = Person
    filterset_class = filters.PersonFilterSet
    select_related = ("jurisdiction", "unit")
    columns = [
        Col("姓名", "name", link=True, sort="name"),
        Col("职务", "title"),
        Col("类别", "kind"),
        Col("行政区划", "jurisdiction"),
        Col("待补姓名", lambda p: "是" if p.placeholder else ""),
    ]


class PersonDetailView(ObjectDetailView):
    model = Person
    fields = [
        Col("职务", "title"),
        Col("类别", "kind"),
        Col("所在单位", "unit"),
        Col("行政区划", "jurisdiction"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p = self.object
        ctx.update(
            teams_headed=p.teams_headed.all(),
            teams_deputy=p.teams_deputy.all(),
            groups=p.holder_groups.all(),
            targets=p.targets.select_related("period", "policy"),
        )
        return ctx


class PersonEditView(ObjectEditView):
    model = Person
    form_class = forms.PersonForm


class PersonDeleteView(ObjectDeleteView):
    model = Person


# --- Teams
def _team_targets(t):
    return "；".join(f"{x.metric_label} {x.value_display}" for x in t.targets.all())


class TeamListView(ObjectListView):
    model = Team
    filterset_class = filters.TeamFilterSet
    select_related = ("head", "lead_unit", "policy")
    prefetch_related = ("deputies", "member_units", "targets")
    columns = [
        Col("序号", "number", sort="number"),
        Col("名称", "name", link=True, sort="name"),
        Col("主攻方向", "focus_industries"),
        Col("团长", "head"),
        Col("副团长", "deputies"),
        Col("牵头单位", "lead_unit"),
        Col("其他成员单位", "member_units"),
        Col("任务", _team_targets),
    ]
    default_ordering = ("policy", "number", "key")


class TeamDetailView(ObjectDetailView):
    model = Team
    select_related = ("head", "lead_unit", "policy")
    prefetch_related = ("deputies", "member_units")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["targets"] = self.object.targets.select_related("period")
        return ctx


class TeamEditView(ObjectEditView):
    model = Team
    form_class = forms.TeamForm


# --- Groups (责任单位, 要素保障单位, 责任县领导…)
class HolderGroupListView(ObjectListView):
    model = HolderGroup
    filterset_class = filters.HolderGroupFilterSet
    select_related = ("policy",)
    columns = [
        Col("名称", "label", link=True, sort="label"),
        Col("对象", "holder"),
        Col("政策文件", "policy"),
        Col("成员数", lambda g: g.members().count()),
        Col("条款", "clause"),
    ]


class HolderGroupDetailView(ObjectDetailView):
    model = HolderGroup
    select_related = ("policy",)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        g = self.object
        targets = (
            Target.objects.visible_to(self.request.user)
            .filter(policy=g.policy, group_key=g.key)
            .select_related("unit", "person", "team", "period")
        )
        by_holder: dict = {}
        for t in targets:
            by_holder.setdefault(t.holder.pk, []).append(t)
        ctx.update(members=[(m, by_holder.get(m.pk, [])) for m in g.members()])
        return ctx


class HolderGroupEditView(ObjectEditView):
    model = HolderGroup
    form_class = forms.HolderGroupForm


# --- Targets
class TargetListView(ObjectListView):
    model = Target
    filterset_class = filters.TargetFilterSet
    select_related = ("period", "holder_jurisdiction", "team", "unit", "person", "policy")
    columns = [
        Col("对象", "holder", link=True),
        Col("指标", "metric_label", sort="metric"),
        Col("目标值", "value_display", sort="value"),
        Col("时期", "period"),
        Col("条款", "clause", sort="clause"),
        Col("原文表述", "text"),
    ]
    default_ordering = ("policy", "holder_kind", "id")


class TargetDetailView(ObjectDetailView):
    model = Target
    select_related = ("period", "holder_jurisdiction", "team", "unit", "person", "policy")
    fields = [
        Col("对象", "holder"),
        Col("指标", "metric_label"),
        Col("目标值", "value_display"),
        Col("时期", "period"),
        Col("政策文件", "policy"),
        Col("条款", "clause"),
        Col("原文表述", "text"),
    ]


class TargetEditView(ObjectEditView):
    model = Target
    form_class = forms.TargetForm
