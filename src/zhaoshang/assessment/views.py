import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from zhaoshang.core import zhformat as zh
from zhaoshang.core.confirm import Confirmation, ask, confirmed
from zhaoshang.core.pagecache import cached
from zhaoshang.core.roles import Role
from zhaoshang.core.scoping import membership
from zhaoshang.core.views import Col, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from zhaoshang.org.models import Policy

from . import filters, forms, services
from .export import holder_labels, label, present, result_workbook
from .models import (
    AssessmentRun,
    AwardDecision,
    MetricValue,
    OfficeDecision,
    PersonReward,
    ProjectEvaluation,
    ProjectTax,
    ProjectTransfer,
    SurveyScore,
)
from .notes import linked, readable


def _is_office(user) -> bool:
    m = membership(user)
    return user.is_superuser or (m is not None and m.role == Role.OFFICE)


# --- Runs ---------------------------------------------------------------------------------------


class AssessmentRunListView(ObjectListView):
    model = AssessmentRun
    filterset_class = filters.AssessmentRunFilterSet
    select_related = ("policy",)
    template_name = "assessment/run_list.html"
    columns = [
        Col("政策文件", "policy"),
        Col("考核期", lambda r: zh.period(r.period), link=True, sort="period"),
        Col("版本", lambda r: f"第{r.version}版"),
        Col("状态", "status", sort="status"),
        Col("数据截至", "as_of"),
        Col("发布时间", "published_at", sort="published_at"),
        Col("更正理由", "reason"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_run"] = _is_office(self.request.user)
        return ctx


def _run_or_404(request, pk):
    return get_object_or_404(
        AssessmentRun.objects.visible_to(request.user).select_related(
            "policy__jurisdiction", "run_by", "published_by"
        ),
        pk=pk,
    )


def _changes(user, run):
    from zhaoshang.core.models import ObjectChange
    from zhaoshang.core.roles import LOG_READERS

    m = membership(user)
    if not (user.is_superuser or (m is not None and m.role in LOG_READERS)):
        return []
    return ObjectChange.objects.filter(
        content_type__app_label="assessment", content_type__model="assessmentrun", object_id=str(run.pk)
    ).select_related("user")[:10]


@login_required
def run_detail(request, pk):
    # The stored JSON is read only when the page cache has no rendering of it (or to compare).
    run = get_object_or_404(
        AssessmentRun.objects.visible_to(request.user)
        .select_related("policy__jurisdiction", "run_by", "published_by")
        .defer("result", "forecast"),
        pk=pk,
    )
    versions = (
        AssessmentRun.objects.visible_to(request.user)
        .filter(policy=run.policy, period=run.period)
        .order_by("-version")
    )
    compare = None
    other_pk = request.GET.get("compare")
    if other_pk and other_pk.isdigit():
        other = versions.filter(pk=int(other_pk)).first()
        if other is not None:
            labels = holder_labels(run.policy)
            compare = {
                "other": other,
                "rows": [
                    {**d, "label": label(labels, d["holder_kind"], d["holder"])}
                    for d in services.diff(other, run)
                ],
            }
    return render(
        request,
        "assessment/run_detail.html",
        {
            "title": str(run),
            "run": run,
            "object": run,
            "versions": versions,
            "compare": compare,
            # The data notes, with the screens they name linked (notes.py writes them).
            "notes": [linked(readable(n)) for n in run.notes or []],
            "recent_changes": _changes(request.user, run),
            "can_publish": _is_office(request.user) and run.status == AssessmentRun.Status.DRAFT,
            "publish_confirmation": publish_confirmation(run, versions),
            "can_correct": _is_office(request.user) and run.status == AssessmentRun.Status.PUBLISHED,
            "results_html": results_html(run, request.user),
        },
    )


def results_html(run, user) -> str:
    """The results part of the run's page (rankings, every component's explanation, flags,
    amounts, forecast), rendered once per run version, membership and data version and then
    served from the page cache (core/pagecache.py): the page's heaviest part, the same for every
    viewer of one membership."""
    stamp = run.updated.isoformat() if run.updated else ""

    def build() -> str:
        return str(render_to_string("assessment/_run_results.html", present(run, user=user)))

    return mark_safe(cached("assessment.run_results", user, (run.pk, stamp), build))  # noqa: S308 - our template


@login_required
def run_new(request):
    if not _is_office(request.user):
        raise PermissionDenied("只有招商办可以计算考核结果")
    policies = list(Policy.objects.visible_to(request.user).order_by("-start"))
    initial = {"policy": request.GET.get("policy", ""), "period": request.GET.get("period", "")}
    form = forms.RunForm(request.POST or None, policies=policies, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            policy = next(p for p in policies if p.name == form.cleaned_data["policy"])
            try:
                # A city's run over its counties goes to a background job where there is a worker.
                job = services.queue_run(
                    policy,
                    form.cleaned_data["period"].strip(),
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    current_organisation=form.cleaned_data["current_organisation"],
                )
                if job is not None:
                    return HttpResponseRedirect(job.get_absolute_url())
                run = services.run(
                    policy,
                    form.cleaned_data["period"].strip(),
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    current_organisation=form.cleaned_data["current_organisation"],
                )
            except ValidationError as exc:
                for field, errors in (
                    exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                ).items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"已计算：{run}（{run.get_status_display()}）")
                return HttpResponseRedirect(reverse("assessment:assessmentrun_detail", args=[run.pk]))
        status = 400
    return render(
        request,
        "core/object_edit.html",
        {"form": form, "title": "计算考核结果", "cancel_url": reverse("assessment:assessmentrun_list")},
        status=status,
    )


def publish_confirmation(run, versions=None) -> Confirmation:
    """What publishing this version does, said before it is done (the dialog and the page that
    asks when `confirm` was not sent)."""
    if versions is None:
        versions = AssessmentRun.objects.filter(policy=run.policy, period=run.period)
    items = [
        f"本期（{zh.period(run.period)}）的得分和名次以本版为准，之后不能再修改；如需更正，只能另算新版本并填写更正理由"
    ]
    items += [
        f"已发布的第{v.version}版将被取代（保留备查）"
        for v in versions
        if v.status == AssessmentRun.Status.PUBLISHED and v.pk != run.pk
    ]
    items.append("领导驾驶舱、排名和战报简报随即采用本版结果，各团队、单位可以查看本期得分和名次")
    if run.notes:
        items.append(f"本版有 {len(run.notes)} 条数据提示，请确认已核对")
    return Confirmation(
        title=f"发布并锁定：{run.policy.title} {zh.period(run.period)} 第{run.version}版",
        message="发布后本期结果锁定，不能再修改。",
        items=items,
        button="确认发布并锁定",
    )


@login_required
@require_POST
def run_publish(request, pk):
    run = _run_or_404(request, pk)
    if not _is_office(request.user):
        raise PermissionDenied("只有招商办可以发布考核结果")
    if not confirmed(request):
        # A publish nobody confirmed (no JavaScript, a script, a form sent twice) changes nothing.
        return ask(
            request,
            publish_confirmation(run),
            cancel_url=reverse("assessment:assessmentrun_detail", args=[run.pk]),
        )
    try:
        services.publish(run, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已发布并锁定：{run}")
    return HttpResponseRedirect(reverse("assessment:assessmentrun_detail", args=[run.pk]))


@login_required
def run_export(request, pk):
    run = _run_or_404(request, pk)
    if request.GET.get("format") == "json":
        return JsonResponse(run.result, json_dumps_params={"ensure_ascii": False, "indent": 2})
    buf = io.BytesIO()
    result_workbook(run.result, run.policy, user=request.user).save(buf)
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"{run.policy.name}-{run.period}-v{run.version}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- What the office enters ---------------------------------------------------------------------


class _PolicyOwnedEdit(ObjectEditView):
    def before_save(self, obj):
        if getattr(obj, "policy_id", None):
            obj.jurisdiction_id = obj.policy.jurisdiction_id


HOLDER_COL = Col("对象", lambda x: x.holder)
PERIOD_COL = Col("期间", lambda x: zh.period(x.period), sort="period")


# The Excel sheet of each kind of entry (exchange/entries.py): its list page links the import,
# the template and the export.
IMPORT_KINDS = {
    MetricValue: "metrics", SurveyScore: "surveys", OfficeDecision: "decisions", AwardDecision: "awards",
    ProjectTax: "taxes", ProjectEvaluation: "evaluations", ProjectTransfer: "transfers",
}  # fmt: skip


class _EntryListView(ObjectListView):
    template_name = "assessment/entry_list.html"
    import_kind = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["import_kind"] = self.import_kind
        return ctx


def _crud(model, form, columns, fields, filterset):
    related = tuple(
        f.name for f in model._meta.concrete_fields if f.is_relation and f.name not in ("jurisdiction",)
    )
    kind = IMPORT_KINDS.get(model)
    list_view = type(f"{model.__name__}ListView", (_EntryListView if kind else ObjectListView,), {
        "model": model, "columns": columns, "filterset_class": filterset, "select_related": related,
        "import_kind": kind or "",
    })  # fmt: skip
    detail_view = type(
        f"{model.__name__}DetailView",
        (ObjectDetailView,),
        {"model": model, "fields": fields, "select_related": related},
    )
    base = ObjectEditView if not hasattr(model, "policy") else _PolicyOwnedEdit
    edit_view = type(f"{model.__name__}EditView", (base,), {"model": model, "form_class": form})
    delete_view = type(f"{model.__name__}DeleteView", (ObjectDeleteView,), {"model": model})
    return {
        "list_view": list_view,
        "detail_view": detail_view,
        "edit_view": edit_view,
        "delete_view": delete_view,
    }


INPUTS = {
    "metricvalue": _crud(
        MetricValue, forms.MetricValueForm,
        [Col("指标", "metric_label", link=True, sort="metric"), HOLDER_COL, PERIOD_COL,
         Col("数值", lambda x: zh.amount(x.value, 4)), Col("来源", "source")],
        [Col("政策文件", "policy"), Col("对象", lambda x: x.holder), Col("指标", "metric_label"), Col("期间", "period"),
         Col("数值", "value"), Col("来源", "source")],
        filters.MetricValueFilterSet,
    ),
    "surveyscore": _crud(
        SurveyScore, forms.SurveyScoreForm,
        [Col("测评期", lambda x: zh.period(x.period), link=True, sort="period"), HOLDER_COL,
         Col("得分", "score", sort="score")],
        [Col("政策文件", "policy"), Col("对象", lambda x: x.holder), Col("测评期", "period"), Col("得分", "score")],
        filters.SurveyScoreFilterSet,
    ),
    "officedecision": _crud(
        OfficeDecision, forms.OfficeDecisionForm,
        [Col("认定事项", "key", link=True), HOLDER_COL, PERIOD_COL, Col("依据", "reason")],
        [Col("政策文件", "policy"), Col("认定事项", "key"), Col("对象", lambda x: x.holder), Col("期间", "period"),
         Col("依据", "reason")],
        filters.OfficeDecisionFilterSet,
    ),
    "awarddecision": _crud(
        AwardDecision, forms.AwardDecisionForm,
        [Col("规则", "rule", link=True), Col("等次", "grade"), HOLDER_COL, Col("项目", "project"),
         Col("金额（万元）", lambda x: zh.amount_cell(x.amount_wan))],
        [Col("政策文件", "policy"), Col("规则", "rule"), Col("等次", "grade"), Col("对象", lambda x: x.holder),
         Col("项目", "project"), Col("金额（万元）", "amount_wan")],
        filters.AwardDecisionFilterSet,
    ),
    "personreward": _crud(
        PersonReward, forms.PersonRewardForm,
        [Col("姓名", "person", link=True), Col("单位", "unit"), Col("金额（元）", lambda x: zh.amount_cell(x.amount_yuan)),
         Col("日期", "on")],
        [Col("政策文件", "policy"), Col("姓名", "person"), Col("单位", "unit"), Col("金额（元）", "amount_yuan"),
         Col("日期", "on"), Col("事由", "reason")],
        filters.PersonRewardFilterSet,
    ),
    "projectevaluation": _crud(
        ProjectEvaluation, forms.ProjectEvaluationForm,
        [Col("项目", "project", link=True), Col("年度", "year", sort="year"), Col("已入统", "in_statistics"),
         Col("有税收", "tax_paid"), Col("投资额属实", "investment_verified")],
        [Col("项目", "project"), Col("年度", "year"), Col("已入统", "in_statistics"), Col("有税收", "tax_paid"),
         Col("投资额属实", "investment_verified"), Col("说明", "note")],
        filters.ProjectEvaluationFilterSet,
    ),
    "projecttax": _crud(
        ProjectTax, forms.ProjectTaxForm,
        [Col("项目", "project", link=True), Col("月份", lambda t: f"{t.month.year}年{t.month.month}月", sort="month"),
         Col("地方税收（万元）", lambda t: zh.amount_cell(t.amount_wan), sort="amount_wan")],
        [Col("项目", "project"), Col("月份", lambda t: f"{t.month:%Y-%m}"), Col("地方税收（万元）", "amount_wan")],
        filters.ProjectTaxFilterSet,
    ),
    "projecttransfer": _crud(
        ProjectTransfer, forms.ProjectTransferForm,
        [Col("项目", "project", link=True), Col("落地县", "hosting"), Col("引进方分成比例", "introducing_share"),
         Col("流转日期", "agreed_on", sort="agreed_on")],
        [Col("项目", "project"), Col("落地县", "hosting"), Col("引进方分成比例", "introducing_share"),
         Col("流转日期", "agreed_on")],
        filters.ProjectTransferFilterSet,
    ),
}  # fmt: skip


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
