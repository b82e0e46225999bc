"""Pages of contract performance (履约, ledger/performance.py): a project's performance with its
held rewards and the office's release, the list of projects behind on their contracts (and its
Excel export), and the record of releases."""

from __future__ import annotations

from io import BytesIO

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from zhaoshang.core import zhformat as zh
from zhaoshang.core.fields import REASON
from zhaoshang.core.permissions import is_office
from zhaoshang.core.views import Col, ObjectDetailView, ObjectListView

from . import performance
from .models import Project, RewardRelease

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RATE_KEYS = ("合同履约率", "开工率", "资金到位率", "投产率")


class ReleaseForm(forms.Form):
    reason = forms.CharField(label="解除理由", max_length=REASON, widget=forms.Textarea(attrs={"rows": 3}))


def _rates(rates: dict) -> list[tuple[str, str]]:
    return [(k, zh.percent(rates[k]) if rates[k] is not None else "—") for k in RATE_KEYS]


@login_required
def project_performance(request, pk):
    """合同履约 of one project: obligations, the four rates, held rewards and their release."""
    project = get_object_or_404(
        Project.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk
    )
    office = request.user.is_superuser or is_office(request.user)
    form = ReleaseForm(request.POST or None)
    status = 200
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, project, office)
    if request.method == "POST":
        if not office:
            raise PermissionDenied("只有招商办可以解除暂缓兑现的奖补")
        if form.is_valid():
            try:
                performance.reward_release(
                    project=project, reason=form.cleaned_data["reason"], by=request.user
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, f"已解除“{project}”暂缓兑现的奖补")
                return HttpResponseRedirect(reverse("ledger:project_performance", args=[project.pk]))
        status = 400
    perf = performance.project_performance(project=project)
    return render(
        request,
        "ledger/project_performance.html",
        {
            "title": f"合同履约：{project}",
            "project": project,
            "perf": perf,
            "rates": _rates(perf.rates()),
            "amounts": performance.project_amounts(project=project, user=request.user),
            "releases": project.reward_releases.select_related("by").order_by("-released_on", "-id"),
            "form": form,
            "can_release": office and perf.held,
            "office": office,
            "evaluations": project.evaluations.select_related("confirmed_by").order_by("year"),
            "min_overdue": performance.min_overdue(),
        },
        status=status,
    )


def _confirm(request, project, office):
    """The office confirms a generated rolling evaluation of this project (recorded)."""
    if not office:
        raise PermissionDenied("只有招商办可以确认落地项目评估")
    evaluation = get_object_or_404(project.evaluations.all(), pk=request.POST.get("confirm") or 0)
    try:
        performance.evaluation_confirm(evaluation=evaluation, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已确认{evaluation.year}年落地项目评估")
    return HttpResponseRedirect(reverse("ledger:project_performance", args=[project.pk]))


def _behind(request):
    projects = (
        Project.objects.visible_to(request.user)
        .filter(obligations__due_on__lt=timezone.localdate())
        .distinct()
        .select_related("jurisdiction", "unit", "team", "enterprise")
        .order_by("unit__name", "name", "pk")
    )
    perfs = performance.performances(projects, lands=True)
    return perfs, [p for p in perfs if p.behind]


@login_required
def behind_list(request):
    """Projects behind on their contracts (履约滞后), with the four rates of all those with obligations
    due; `?format=xlsx` gives the same as an Excel sheet."""
    perfs, behind = _behind(request)
    if request.GET.get("format") == "xlsx":
        return _behind_xlsx(behind)
    return render(
        request,
        "ledger/performance_behind.html",
        {
            "title": "履约滞后项目",
            "behind": behind,
            "rates": _rates(performance.rates(perfs)),
            "count": len(perfs),
        },
    )


HEADERS = [
    "项目",
    "企业",
    "引进单位",
    "引进团队",
    "逾期未履约的合同义务",
    "奖补暂缓兑现",
    "暂缓原因",
    "收回土地情形",
    "依据条款",
]


def _behind_xlsx(behind) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("履约滞后项目")
    ws.append(HEADERS)
    for perf in behind:
        p = perf.project
        ws.append(
            [
                p.name,
                p.enterprise.name,
                str(p.unit),
                str(p.team or ""),
                perf.behind_reason,
                "是" if perf.held else "否（招商办已解除）",
                perf.reason,
                "；".join(f"{g}：{why}" for g, _, why in perf.lands),
                "；".join(dict.fromkeys(c for _, c, _ in perf.lands)),
            ]
        )
    out = BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    name = f"履约滞后项目-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


class RewardReleaseListView(ObjectListView):
    model = RewardRelease
    select_related = ("project", "by")
    title = "奖补暂缓解除记录"
    columns = [
        Col("项目", "project", sort="project__name"),
        Col("解除日期", "released_on", link=True, sort="released_on"),
        Col("解除理由", "reason"),
        Col("暂缓原因（解除时）", "held_reason"),
        Col("解除人", "by"),
    ]


class RewardReleaseDetailView(ObjectDetailView):
    model = RewardRelease
    select_related = ("project", "by")
    fields = RewardReleaseListView.columns
