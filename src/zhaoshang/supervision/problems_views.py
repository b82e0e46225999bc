"""The problem list's pages: list (with lights), detail with the transitions the user may make,
the generic add/edit/delete, Excel out and in, and the support units' ranking."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhaoshang.core.permissions import has_business_role
from zhaoshang.core.scoping import can_change, membership
from zhaoshang.core.views import Col, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView

from . import problems as services
from . import problems_forms as forms
from .models import Problem
from .problems_filters import ProblemFilterSet


def light_text(p: Problem, today: date | None = None) -> str:
    """红灯（逾期3个工作日）, 黄灯（剩2个工作日）, 绿灯（剩8个工作日）, or the status once resolved."""
    today = today or timezone.localdate()
    value = services.light(p, today)
    if not value:
        return "—"
    if value == Problem.Light.RED:
        return f"红灯（逾期{services.workdays_between(p.due_on, today)}个工作日）"
    left = services.workdays_between(today, p.due_on)
    label = Problem.Light(value).label
    return f"{label}（今天到期）" if left == 0 else f"{label}（剩{left}个工作日）"


def subject_text(p: Problem) -> str:
    return f"项目：{p.project}" if p.project_id else f"企业：{p.enterprise}"


class ProblemListView(ObjectListView):
    model = Problem
    template_name = "supervision/problem_list.html"
    filterset_class = ProblemFilterSet
    select_related = ("project", "enterprise", "support_unit", "requester_unit", "requester_team")
    title = "问题清单"
    default_ordering = ("due_on", "id")
    columns = [
        Col("问题", "title", link=True, sort="title"),
        Col("项目或企业", subject_text),
        Col("要素保障单位", "support_unit", sort="support_unit__name"),
        Col("提出单位", lambda p: p.requester_team or p.requester_unit),
        Col("状态", "status", sort="status"),
        Col("亮灯", light_text),
        Col("办结期限", "due_on", sort="due_on"),
        Col("提出日期", "raised_on", sort="raised_on"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["extra_links"] = [
            ("导出 Excel", f"{reverse('supervision:problem_export')}?{self.request.GET.urlencode()}"),
            ("要素保障单位排名", reverse("supervision:problem_ranking")),
        ]
        if can_change(self.request.user, Problem):
            ctx["extra_links"].append(("Excel 导入", reverse("supervision:problem_import")))
        return ctx


class ProblemDetailView(ObjectDetailView):
    model = Problem
    select_related = (
        "project",
        "enterprise",
        "support_unit",
        "requester_unit",
        "requester_team",
        "responsible_leader",
        "decision__activity",
        "raised_by",
        "confirmed_by",
    )
    fields = [
        Col("项目", "project"),
        Col("企业", "enterprise"),
        Col("问题描述", "description"),
        Col("问题来源", "source"),
        Col("会议议定事项", "decision"),
        Col("提出单位", "requester_unit"),
        Col("提出团队", "requester_team"),
        Col("要素保障单位", "support_unit"),
        Col("责任领导", "responsible_leader"),
        Col("提出日期", "raised_on"),
        Col("办理时限（工作日）", "deadline_workdays"),
        Col("办结期限", "due_on"),
        Col("状态", "status"),
        Col("亮灯", light_text),
        Col("开始办理日期", "started_on"),
        Col("办理结果", "resolution"),
        Col("办结日期", "resolved_on"),
        Col("退回次数", "rejections"),
        Col("最近一次退回理由", "rejection_reason"),
        Col("销号日期", "closed_on"),
        Col("确认销号人", "confirmed_by"),
        Col("逾期督办时间", "escalated_at"),
        Col("登记人", "raised_by"),
    ]

    def get_context_data(self, **kwargs):
        from . import instructions

        ctx = super().get_context_data(**kwargs)
        p = self.object
        user = self.request.user
        ctx.update(
            actions=services.actions_for(user, p),
            resolve_form=forms.ResolveForm(),
            reject_form=forms.RejectForm(),
            instructions=p.instructions.visible_to(user).order_by("-issued_on", "-id"),
            may_instruct=instructions.may_issue(user),
            closed=p.status == Problem.Status.CLOSED,
        )
        if p.status == Problem.Status.CLOSED:
            ctx["can_edit"] = False
        return ctx


class ProblemEditView(ObjectEditView):
    model = Problem
    form_class = forms.ProblemForm

    def prepare_form(self, form):
        super().prepare_form(form)
        m = membership(self.request.user)
        if self.object.pk or form.is_bound or m is None:
            return
        unit_id = m.unit_id or (m.team.lead_unit_id if m.team_id else None)
        if unit_id:
            form.initial.setdefault("requester_unit", unit_id)
        if m.team_id:
            form.initial.setdefault("requester_team", m.team_id)

    def before_save(self, obj):
        services.problem_prepare(problem=obj, by=self.request.user)


class ProblemDeleteView(ObjectDeleteView):
    model = Problem


def _visible_problem(request, pk) -> Problem:
    return get_object_or_404(Problem.objects.visible_to(request.user), pk=pk)


@require_POST
@login_required
def problem_action(request, pk, action):
    """start, resolve, confirm or reject: each the service's, with its own rule of who may."""
    problem = _visible_problem(request, pk)
    user = request.user
    try:
        if action == "start":
            services.problem_start(problem=problem, by=user)
            done = "已开始办理"
        elif action == "resolve":
            form = forms.ResolveForm(request.POST)
            if not form.is_valid():
                raise ValidationError({"resolution": "办结须填写办理结果"})
            services.problem_resolve(problem=problem, resolution=form.cleaned_data["resolution"], by=user)
            done = "已办结，待提出单位确认销号"
        elif action == "confirm":
            services.problem_confirm(problem=problem, by=user)
            done = "已确认销号"
        elif action == "reject":
            form = forms.RejectForm(request.POST)
            if not form.is_valid():
                raise ValidationError({"reason": "退回须填写理由"})
            services.problem_reject(problem=problem, reason=form.cleaned_data["reason"], by=user)
            done = "已退回要素保障单位继续办理"
        else:
            raise Http404
    except PermissionDenied:
        raise
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(reverse("supervision:problem_detail", args=[problem.pk]))
    messages.success(request, f"{problem.title}：{done}")
    return HttpResponseRedirect(reverse("supervision:problem_detail", args=[problem.pk]))


@login_required
def problem_export(request):
    """The list as filtered, as an Excel workbook (the import's layout)."""
    from .problems_excel import export_problems

    if not has_business_role(request.user):
        raise PermissionDenied("您的账号不能导出问题清单")
    qs = Problem.objects.visible_to(request.user)
    filterset = ProblemFilterSet(request.GET or None, queryset=qs, request=request)
    if filterset.is_bound and filterset.is_valid():
        qs = filterset.qs
    data = export_problems(qs)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"问题清单-{timezone.localdate():%Y%m%d}.xlsx"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def problem_import(request):
    """Upload a workbook: all rows saved, or none, with each error naming its row and column."""
    from .problems_excel import IMPORTED, import_problems

    if not can_change(request.user, Problem):
        raise PermissionDenied("您的角色不能导入问题清单")
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = import_problems(
            form.cleaned_data["file"].read(), user=request.user, dry_run=form.cleaned_data["dry_run"]
        )
        if result.ok and not form.cleaned_data["dry_run"]:
            messages.success(request, f"已导入 {result.created} 条问题")
            return HttpResponseRedirect(reverse("supervision:problem_list"))
    return render(
        request,
        "supervision/problem_import.html",
        {"form": form, "result": result, "title": "导入问题清单", "headers": [h for h, _ in IMPORTED]},
        status=400 if result is not None and not result.ok else 200,
    )


@login_required
def problem_ranking(request):
    """要素保障单位 ranked by the average working days from raising to resolving their problems."""
    if not has_business_role(request.user):
        raise PermissionDenied("您的账号不能查看此页")
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    start, end = date(year, 1, 1), date(year, 12, 31)
    rows = services.support_unit_ranking(
        Problem.objects.visible_to(request.user), today=today, start=start, end=end
    )
    return render(
        request,
        "supervision/problem_ranking.html",
        {"rows": rows, "year": year, "title": f"要素保障单位问题办结排名（{year}年）"},
    )
