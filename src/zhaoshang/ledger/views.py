from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zhaoshang.core import zhformat as zh
from zhaoshang.core.scoping import can_change, membership
from zhaoshang.core.uploads import evidence_max_bytes
from zhaoshang.core.views import (
    Col,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    mask_personal,
    mask_private,
)
from zhaoshang.org.models import Unit

from . import filters, forms, services
from .models import (
    PROJECT_ATTRIBUTES,
    ContactPerson,
    ContractObligation,
    Enterprise,
    Investment,
    OwnershipClaim,
    Project,
    ProjectPartner,
    ProjectPhase,
    StageChange,
)
from .performance import project_performance, states_today
from .selectors import project_admission, stage_rank


def _set_jurisdiction_from_unit(obj):
    # A record lives where its unit is: a county unit's project belongs to that county.
    if getattr(obj, "unit_id", None):
        obj.jurisdiction_id = Unit.objects.values_list("jurisdiction_id", flat=True).get(pk=obj.unit_id)


def _supervision(user, *, project=None, enterprise=None) -> dict:
    """The problems and leaders' instructions on a project's or enterprise's page (supervision/)."""
    from zhaoshang.supervision.instructions import may_issue
    from zhaoshang.supervision.models import Problem
    from zhaoshang.supervision.problems import timeline

    return {
        "supervision_timeline": timeline(user, project=project, enterprise=enterprise),
        "may_raise_problem": can_change(user, Problem),
        "may_instruct": may_issue(user),
        "subject_param": "project" if project is not None else "enterprise",
    }


# --- Enterprises -------------------------------------------------------------------------------


class EnterpriseListView(ObjectListView):
    model = Enterprise
    filterset_class = filters.EnterpriseFilterSet
    select_related = ("unit", "team")
    columns = [
        Col("企业名称", "name", link=True, sort="name"),
        Col("简称", "short_name"),
        Col("统一社会信用代码", "uscc"),
        Col("企业类别", "tags"),
        Col("产业", "industry", sort="industry"),
        Col("首报单位", "unit"),
        Col("首报时间", lambda e: f"{e.created:%Y-%m-%d}", sort="created"),
    ]


class EnterpriseDetailView(ObjectDetailView):
    model = Enterprise
    select_related = ("unit", "team")
    fields = [
        Col("简称", "short_name"),
        Col("曾用名", "former_names"),
        Col("统一社会信用代码", "uscc"),
        Col("产业", "industry"),
        Col("总部所在地", "hq_region"),
        Col("企业类别", "tags"),
        Col("上市", lambda e: f"{e.listed_exchange} {e.listed_code}".strip()),
        Col("僵尸企业类别", "zombie_class"),
        Col("僵尸企业认定日期", "zombie_classified_on"),
        Col("复工复产日期", "zombie_resumed_on"),
        Col("首报单位", "unit"),
        Col("首报团队", "team"),
        Col("首报时间", lambda e: f"{e.created:%Y-%m-%d %H:%M}"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        contacts = list(self.object.contacts.all())
        cols = ContactPersonListView.columns[1:]
        cells = mask_personal(ContactPerson, cols, [c.value(p) for p in contacts for c in cols], user)
        width = len(cols)
        ctx["contact_columns"] = [c.header for c in cols]
        ctx["contacts"] = [(p, cells[i * width : (i + 1) * width]) for i, p in enumerate(contacts)]
        ctx["can_add_contact"] = can_change(user, self.object)
        ctx["projects"] = Project.objects.visible_to(user).filter(enterprise=self.object)
        ctx["partnerships"] = (
            ProjectPartner.objects.visible_to(user).filter(enterprise=self.object).select_related("project")
        )
        ctx["claims"] = OwnershipClaim.objects.visible_to(self.request.user).filter(enterprise=self.object)
        ctx.update(_supervision(user, enterprise=self.object))
        return ctx


class EnterpriseEditView(ObjectEditView):
    model = Enterprise
    form_class = forms.EnterpriseForm
    template_name = "ledger/enterprise_edit.html"

    def before_save(self, obj):
        _set_jurisdiction_from_unit(obj)

    def check(self, obj):
        return services.enterprise_ownership_problem(
            jurisdiction=obj.jurisdiction, name=obj.name, uscc=obj.uscc, unit=obj.unit_id, exclude_pk=obj.pk
        )


@login_required
def enterprise_check(request, pk=None):
    """As a clerk types a name or code: does another unit already hold this enterprise?"""
    m = membership(request.user)
    if m is None and not request.user.is_superuser:
        raise PermissionDenied
    jurisdiction = m.jurisdiction if m else None
    name, code = request.GET.get("name", "").strip(), request.GET.get("uscc", "").strip().upper()
    match = None
    if jurisdiction is not None and (name or code):
        # Units of a city see their county's registrations under the county itself.
        match = services.enterprise_find_holder(
            jurisdiction=jurisdiction, name=name, uscc=code, exclude_pk=pk
        )
    own = match is not None and m is not None and m.unit_id and match.enterprise.unit_id == m.unit_id
    return render(request, "ledger/_ownership.html", {"match": match, "own": own, "name": name, "uscc": code})


class EnterpriseDeleteView(ObjectDeleteView):
    model = Enterprise


class ContactPersonListView(ObjectListView):
    model = ContactPerson
    filterset_class = filters.ContactPersonFilterSet
    select_related = ("enterprise",)
    columns = [
        Col("企业", "enterprise", sort="enterprise__name"),
        Col("联系人", "name", link=True, sort="name"),
        Col("职务", "title"),
        Col("联系电话", "phone"),
        Col("主要联系人", lambda c: "是" if c.primary else ""),
        Col("备注", "note"),
    ]
    default_ordering = ("enterprise__name", "-primary", "id")


class ContactPersonDetailView(ObjectDetailView):
    model = ContactPerson
    select_related = ("enterprise",)
    fields = ContactPersonListView.columns


class ContactPersonEditView(ObjectEditView):
    model = ContactPerson
    form_class = forms.ContactPersonForm


class ContactPersonDeleteView(ObjectDeleteView):
    model = ContactPerson


# --- Projects ----------------------------------------------------------------------------------


class ProjectListView(ObjectListView):
    model = Project
    filterset_class = filters.ProjectFilterSet
    select_related = ("enterprise", "unit", "team")
    template_name = "ledger/project_list.html"
    columns = [
        Col("项目名称", "name", link=True, sort="name"),
        Col("企业", "enterprise", sort="enterprise__name"),
        Col("阶段", "stage", sort="stage"),
        Col("总投资（万元）", lambda x: zh.amount_cell(x.total_investment), sort="total_investment"),
        Col("引进单位", "unit", sort="unit__name"),
        Col("引进团队", "team", sort="team__name"),
        Col("签约日期", "signed_on", sort="signed_on"),
        Col("开工日期", "started_on", sort="started_on"),
        Col("登记日期", "registered_on", sort="registered_on"),
    ]

    def get_queryset(self):
        # Only what the columns show: a province's list sorts and pages over many rows, and
        # every unread column widens each of them.
        qs = super().get_queryset().only(
            "name", "stage", "total_investment", "signed_on", "started_on", "registered_on",
            "jurisdiction_id", "enterprise__name", "enterprise__jurisdiction_id", "unit__name", "team__name",
        )  # fmt: skip
        sort = self.request.GET.get("sort", "")
        if sort.removeprefix("-") == "stage":
            # Pipeline order (线索 → … → 达产, 终止), not the alphabetical order of the codes.
            rank = stage_rank()
            qs = qs.order_by(rank.desc() if sort.startswith("-") else rank.asc(), "pk")
        return qs


class ProjectDetailView(ObjectDetailView):
    model = Project
    select_related = ("enterprise", "unit", "team", "host_unit", "responsible_leader")
    fields = [
        Col("企业", "enterprise"),
        Col("产业", "industry"),
        Col("产业链", "chain"),
        Col("类别", "category"),
        Col("招商渠道", "channel"),
        Col("总投资（万元）", lambda x: zh.amount_cell(x.total_investment)),
        Col("外资（万美元）", "foreign_investment_usd"),
        Col("项目属性", lambda p: "、".join(p.attribute_labels())),
        Col("另按企业类别、外资或产业计入", lambda p: "、".join(p.derived_attribute_labels()) or "—"),
        Col("属政策重点产业", lambda p: "；".join(p.priority_industry_labels()) or "—"),
        Col(
            "不计入的派生属性",
            lambda p: "、".join(PROJECT_ATTRIBUTES.get(a, a) for a in p.attributes_excluded or []) or "—",
        ),
        Col("引进单位", "unit"),
        Col("引进团队", "team"),
        Col("落户单位", "host_unit"),
        Col("推介会签约", lambda p: "是" if p.signed_at_event else "否"),
        Col("责任领导", "responsible_leader"),
        Col("工作专班", "task_force"),
        Col("推进方案", "plan"),
        Col("用地（亩）", "land_mu"),
        Col("亩均投资（万元/亩）", lambda x: zh.amount_cell(x.investment_per_mu)),
        Col("预计亩均税收（万元/亩）", lambda x: zh.amount_cell(x.tax_per_mu)),
        Col("合同约定开工日期", "contract_start_due"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p = self.object
        investments = list(p.investments.select_related("unit").order_by("month", "unit__name"))
        # A partner another unit registered shows that it exists, not what it is.
        partners = list(p.partners.select_related("enterprise"))
        by_month: dict = defaultdict(list)
        for inv in investments:
            by_month[inv.month].append(inv)
        ctx.update(
            stage_changes=p.stage_changes.select_related("by").order_by("on", "id"),
            phases=p.phases.all(),
            partners=list(
                zip(partners, mask_private([x.enterprise for x in partners], self.request.user), strict=True)
            ),
            investment_months=sorted(by_month.items()),
            investment_total=sum((i.amount for i in investments), Decimal(0)),
            can_advance=can_change(self.request.user, p),
            admission=project_admission(p),
            performance=project_performance(project=p),
            stage_url=reverse("ledger:project_stage", args=[p.pk]),
            **_supervision(self.request.user, project=p),
        )
        return ctx


class ProjectEditView(ObjectEditView):
    model = Project
    form_class = forms.ProjectForm

    def before_save(self, obj):
        _set_jurisdiction_from_unit(obj)


class ProjectDeleteView(ObjectDeleteView):
    model = Project


@login_required
def project_stage(request, pk):
    """Move a project along its pipeline (or back, with a reason)."""
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
    if not can_change(request.user, project):
        raise PermissionDenied("您的角色不能修改项目阶段")
    form = forms.StageForm(request.POST or None, request.FILES or None)
    # safeguards.js refuses a larger file before it is sent (the page and what was typed stay).
    form.fields["evidence"].widget.attrs["data-max-bytes"] = evidence_max_bytes()
    status = 200
    if request.method == "POST":
        from zhaoshang.core.confirm import ask, confirmed

        asking = services.stage_confirmation(project, form.cleaned_data["stage"]) if form.is_valid() else None
        if asking is not None and form.cleaned_data["reason"].strip() and not confirmed(request):
            # Going back or ending: said and confirmed before anything is written.
            return ask(
                request,
                asking,
                cancel_url=reverse("ledger:project_detail", args=[project.pk]),
                status=200,
                files={"evidence": str(form.fields["evidence"].label)},
            )
        if form.is_valid():
            try:
                change = services.project_advance_stage(
                    project=project,
                    stage=form.cleaned_data["stage"],
                    on=form.cleaned_data["on"],
                    by=request.user,
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                    evidence=form.cleaned_data["evidence"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if change.repeated:  # someone (or this page, sent twice) made the step already
                    messages.info(request, f"“{project}”：{change.note}")
                else:
                    messages.success(request, f"已将“{project}”调整为“{project.get_stage_display()}”")
                return HttpResponseRedirect(reverse("ledger:project_detail", args=[project.pk]))
        status = 400
    return render(
        request,
        "ledger/project_stage.html",
        {"form": form, "project": project, "title": f"调整阶段：{project}"},
        status=status,
    )


# --- Actual investment -------------------------------------------------------------------------


class InvestmentListView(ObjectListView):
    model = Investment
    filterset_class = filters.InvestmentFilterSet
    select_related = ("project", "unit", "team")
    template_name = "ledger/investment_list.html"
    columns = [
        Col("项目", "project", link=True),
        Col("月份", lambda i: zh.period(f"{i.month:%Y-%m}"), sort="month"),
        Col("实际进资（万元）", lambda x: zh.amount_cell(x.amount), sort="amount"),
        Col("计入单位", "unit"),
        Col("计入团队", "team"),
    ]

    def get_context_data(self, **kwargs):
        from .selectors import investment_totals

        ctx = super().get_context_data(**kwargs)
        qs = self.object_list
        ctx["totals_by_unit"] = investment_totals(qs, by="unit")[:20]
        ctx["totals_by_team"] = investment_totals(qs, by="team")[:20]
        return ctx


class InvestmentDetailView(ObjectDetailView):
    model = Investment
    select_related = ("project", "unit", "team")
    fields = [
        Col("项目", "project"),
        Col("月份", lambda i: zh.period(f"{i.month:%Y-%m}")),
        Col("实际进资（万元）", lambda x: zh.amount_cell(x.amount)),
        Col("计入单位", "unit"),
        Col("计入团队", "team"),
    ]


class InvestmentEditView(ObjectEditView):
    model = Investment
    form_class = forms.InvestmentForm

    def before_save(self, obj):
        _set_jurisdiction_from_unit(obj)


class InvestmentDeleteView(ObjectDeleteView):
    model = Investment


# --- Stage history and phases ------------------------------------------------------------------


class StageChangeListView(ObjectListView):
    model = StageChange
    select_related = ("project", "by")
    title = "阶段变更记录"
    columns = [
        Col("日期", "on", link=True, sort="on"),
        Col("项目", "project"),
        Col("原阶段", "from_stage"),
        Col("新阶段", "to_stage"),
        Col("方式", "kind"),
        Col("原因", "reason"),
        Col("操作人", "by"),
    ]
    default_ordering = ("-on", "-id")


class StageChangeDetailView(ObjectDetailView):
    model = StageChange
    select_related = ("project", "by")
    fields = [
        Col("项目", "project"),
        Col("原阶段", "from_stage"),
        Col("新阶段", "to_stage"),
        Col("日期", "on"),
        Col("方式", "kind"),
        Col("原因", "reason"),
        Col("佐证材料", lambda c: c.evidence.name if c.evidence else ""),
        Col("操作人", "by"),
    ]


class ProjectPartnerListView(ObjectListView):
    model = ProjectPartner
    filterset_class = filters.ProjectPartnerFilterSet
    select_related = ("project", "enterprise")
    title = "项目合作企业"
    columns = [
        Col("项目", "project", sort="project__name"),
        Col("合作企业", "enterprise", link=True, sort="enterprise__name"),
        Col("合作方式", "role", sort="role"),
        Col("出资（万元）", lambda x: zh.amount_cell(x.investment), sort="investment"),
    ]


class ProjectPartnerDetailView(ObjectDetailView):
    model = ProjectPartner
    select_related = ("project", "enterprise")
    fields = ProjectPartnerListView.columns


class ProjectPartnerEditView(ObjectEditView):
    model = ProjectPartner
    form_class = forms.ProjectPartnerForm


class ProjectPartnerDeleteView(ObjectDeleteView):
    model = ProjectPartner


class ContractObligationListView(ObjectListView):
    model = ContractObligation
    filterset_class = filters.ContractObligationFilterSet
    select_related = ("project",)
    title = "合同义务（履约台账）"
    columns = [
        Col("项目", "project", sort="project__name"),
        Col("义务类别", "kind", link=True, sort="kind"),
        Col("约定内容", "content"),
        Col("约定金额（万元）", lambda x: zh.amount_cell(x.amount), sort="amount"),
        Col("约定期限", "due_on", sort="due_on"),
        Col("履行日期", lambda x: x.state.fulfilled_on, sort="fulfilled_on"),
        Col("实际完成数", lambda x: zh.amount_cell(x.state.actual)),
        Col("依据", lambda x: x.state.source),
        Col("履约情况", lambda x: x.state.status),
    ]

    def paginate_queryset(self, queryset, page_size):
        # Each row's 履行日期, 实际完成数 and 履约情况 as the ledger records them (ledger/performance.py).
        paginator, page, objects, paged = super().paginate_queryset(queryset, page_size)
        page.object_list = states_today(objects)
        return paginator, page, page.object_list, paged


class ContractObligationDetailView(ObjectDetailView):
    model = ContractObligation
    select_related = ("project",)
    fields = [*ContractObligationListView.columns, Col("说明", lambda x: x.state.note), Col("备注", "note")]

    def get_object(self, queryset=None):
        return states_today([super().get_object(queryset)])[0]


class ContractObligationEditView(ObjectEditView):
    model = ContractObligation
    form_class = forms.ContractObligationForm


class ContractObligationDeleteView(ObjectDeleteView):
    model = ContractObligation


class ProjectPhaseListView(ObjectListView):
    model = ProjectPhase
    select_related = ("project",)
    columns = [
        Col("项目", "project"),
        Col("期次", "number", sort="number"),
        Col("名称", "name", link=True),
        Col("计划开工", "planned_start"),
        Col("计划建成", "planned_end"),
        Col("投资（万元）", lambda x: zh.amount_cell(x.investment)),
        Col("产能", "capacity"),
    ]


class ProjectPhaseDetailView(ObjectDetailView):
    model = ProjectPhase
    select_related = ("project",)
    fields = [
        Col("项目", "project"),
        Col("期次", "number"),
        Col("计划开工", "planned_start"),
        Col("计划建成", "planned_end"),
        Col("投资（万元）", lambda x: zh.amount_cell(x.investment)),
        Col("产能", "capacity"),
        Col("达产产值（万元）", lambda x: zh.amount_cell(x.output)),
        Col("达产税收（万元）", lambda x: zh.amount_cell(x.tax)),
        Col("就业人数", "jobs"),
    ]


class ProjectPhaseEditView(ObjectEditView):
    model = ProjectPhase
    form_class = forms.PhaseForm


class ProjectPhaseDeleteView(ObjectDeleteView):
    model = ProjectPhase


# --- Ownership claims --------------------------------------------------------------------------


class OwnershipClaimListView(ObjectListView):
    model = OwnershipClaim
    filterset_class = filters.OwnershipClaimFilterSet
    select_related = ("enterprise", "holder_unit", "claimant_unit")
    template_name = "ledger/ownershipclaim_list.html"
    columns = [
        Col("企业", lambda c: c.enterprise.name, link=True),
        Col("原首报单位", "holder_unit"),
        Col("申请单位", "claimant_unit"),
        Col("状态", "status", sort="status"),
        Col("申请时间", lambda c: f"{c.created:%Y-%m-%d}", sort="created"),
    ]


class OwnershipClaimDetailView(ObjectDetailView):
    model = OwnershipClaim
    select_related = ("enterprise", "holder_unit", "claimant_unit", "claimant_team", "decided_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # Within a county its office rules; between two counties of a city, the city.
        ctx["can_decide"] = self.object.status == OwnershipClaim.Status.PENDING and services.claim_may_decide(
            claim=self.object, user=self.request.user
        )
        ctx["across"] = services.claim_across(self.object)
        ctx["decision_form"] = forms.DecisionForm()
        return ctx


@login_required
def claim_add(request):
    """A unit that finds an enterprise already held by another asks the office to arbitrate."""
    m = membership(request.user)
    if m is None or m.unit_id is None and m.team_id is None:
        raise PermissionDenied("只有单位或团队账号可以申请归属裁定")
    unit = m.unit or (m.team.lead_unit if m.team_id else None)
    form = forms.ClaimForm(
        request.POST or None,
        initial={"name": request.GET.get("name", ""), "uscc": request.GET.get("uscc", "")},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            match = services.enterprise_find_holder(
                jurisdiction=m.jurisdiction,
                name=form.cleaned_data["name"],
                uscc=form.cleaned_data["uscc"].upper(),
            )
            if match is None:
                form.add_error("name", "未找到已登记的该企业，可直接登记为本单位的企业")
            else:
                try:
                    claim = services.claim_file(
                        enterprise=match.enterprise,
                        unit=unit,
                        team=m.team,
                        reason=form.cleaned_data["reason"],
                    )
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    who = "市里" if services.claim_across(claim) else "招商办"
                    messages.success(request, f"已提交归属裁定申请，等待{who}裁定")
                    return HttpResponseRedirect(reverse("ledger:ownershipclaim_detail", args=[claim.pk]))
    return render(request, "ledger/claim_add.html", {"form": form, "title": "申请归属裁定"}, status=status)


@login_required
@require_POST
def claim_decide(request, pk):
    claim = get_object_or_404(OwnershipClaim.objects.visible_to(request.user), pk=pk)
    if not services.claim_may_decide(claim=claim, user=request.user):
        raise PermissionDenied(
            "跨县（市、区）的企业归属由市里裁定"
            if services.claim_across(claim)
            else "只有招商办可以裁定企业归属"
        )
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.claim_decide(
                claim=claim,
                upheld=form.cleaned_data["upheld"],
                decision=form.cleaned_data["decision"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已裁定：{claim.get_status_display()}")
    else:
        messages.error(request, "请选择裁定结果并填写裁定意见")
    return HttpResponseRedirect(reverse("ledger:ownershipclaim_detail", args=[claim.pk]))


@login_required
def stage_evidence(request, pk):
    """The evidence file of a stage change, to those who may see the project."""
    from django.http import FileResponse, Http404

    change = get_object_or_404(StageChange.objects.visible_to(request.user), pk=pk)
    if not change.evidence:
        raise Http404
    return FileResponse(
        change.evidence.open("rb"), as_attachment=True, filename=change.evidence.name.rsplit("/", 1)[-1]
    )
