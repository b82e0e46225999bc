"""Excel in and out in the browser: download the template, upload a sheet (every error listed at
once, with an error workbook to fix them in), and export any filtered ledger or activity list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from zhaoshang.assessment import filters as assessment_filters
from zhaoshang.core.roles import WIDE_ROLES, Role
from zhaoshang.core.scoping import can_change, membership
from zhaoshang.fieldwork.filters import ActivityFilterSet
from zhaoshang.fieldwork.models import Activity
from zhaoshang.ledger.filters import InvestmentFilterSet, ProjectFilterSet
from zhaoshang.ledger.models import Investment, Project
from zhaoshang.org.models import Policy, Unit

from .background import queue_large_import
from .exporter import ENTRY_MODELS, export_file, store_error_workbook, stored_error_workbook, write_template
from .importer import denied_message, import_file
from .layouts import LAYOUTS, Layout
from .models import BUSY_HINT
from .reader import Limits

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_ERRORS = 2000  # the page lists this many; the error workbook has them all
MODELS = {"projects": (Project, ProjectFilterSet, "ledger:project_list"),
          "investments": (Investment, InvestmentFilterSet, "ledger:investment_list"),
          "activities": (Activity, ActivityFilterSet, "fieldwork:activity_list"),
          # What the office enters for assessments: the list page of each in the assessment app.
          **{kind: (model, getattr(assessment_filters, f"{model.__name__}FilterSet"),
                    f"assessment:{model._meta.model_name}_list")
             for kind, (model, _) in ENTRY_MODELS.items()}}  # fmt: skip
# The list pages' sortable columns, so an export comes in the order the list shows.
SORTS = {
    "projects": {"name", "stage", "total_investment", "signed_on", "started_on", "registered_on"},
    "investments": {"month", "amount"},
    "activities": {"date", "kind", "days"},
    "metrics": {"metric", "period"},
    "surveys": {"period", "score"},
    "evaluations": {"year"},
    "taxes": {"month", "amount_wan"},
    "transfers": {"agreed_on"},
}
# The kinds whose rows belong to a policy: the page offers the policy of rows that name none.
POLICY_KINDS = {"metrics", "surveys", "decisions", "awards"}


def _policies(user):
    return list(Policy.objects.visible_to(user).order_by("-start", "name"))


def _chosen_policy(request):
    """The policy named by ?policy= or the form (its name), among those the user sees."""
    name = request.POST.get("policy") or request.GET.get("policy") or ""
    if not name:
        return None
    return Policy.objects.visible_to(request.user).filter(name=name).first()


def _layout(kind: str) -> Layout:
    if kind not in LAYOUTS:
        raise Http404("未知的表格类型")
    return LAYOUTS[kind]


def _require_role(user) -> None:
    if not (user.is_superuser or membership(user) is not None):
        raise PermissionDenied("您的账号尚未分配角色")


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def template(request, kind):
    layout = _layout(kind)
    _require_role(request.user)
    policy = _chosen_policy(request) if kind in POLICY_KINDS else None
    suffix = f"-{policy.name}" if policy is not None else ""
    return _xlsx(write_template(kind, policy=policy), f"{layout.title}导入模板{suffix}.xlsx")


@login_required
def export(request, kind):
    """The list page's filters (its query string) over what the user may see, in the import layout."""
    layout = _layout(kind)
    _require_role(request.user)
    model, filterset_class, _ = MODELS[kind]
    qs = model.objects.visible_to(request.user)
    data = request.GET.copy()
    for key in ("page", "sort"):
        data.pop(key, None)
    filterset = filterset_class(data or None, queryset=qs, request=request)
    if filterset.is_bound:
        if not filterset.is_valid():
            problems = "；".join(f"{k}：{'、'.join(v)}" for k, v in filterset.errors.items())
            return render(
                request,
                "core/error.html",
                {"title": "筛选条件有误", "message": f"未导出。{problems}"},
                status=400,
            )
        qs = filterset.qs
    sort = request.GET.get("sort", "")
    if sort.removeprefix("-") in SORTS.get(kind, ()):
        qs = qs.order_by(sort, "pk")
    content = export_file(kind, qs, user=request.user)
    return _xlsx(content, f"{layout.title}台账-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def import_view(request, kind):
    layout = _layout(kind)
    model, _, list_url = MODELS[kind]
    if not can_change(request.user, model):
        raise PermissionDenied(denied_message(layout))
    context = {
        "layout": layout,
        "title": f"从 Excel 导入{layout.title}",
        "list_url": reverse(list_url),
        "scope_units": _scope_units(request.user),
        "unit_header": next((c.header for c in layout.all_columns if c.key == "unit"), ""),
        "policies": _policies(request.user) if kind in POLICY_KINDS else [],
        "chosen": request.POST.get("policy") or request.GET.get("policy") or "",
    }
    if request.method != "POST":
        return render(request, "exchange/import.html", context)
    # A request far over the file limit is refused before its body is read here.
    limits = Limits.from_settings()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > (limits.max_mb + 1) * 1024 * 1024:
        context["problem"] = (
            f"文件大小 {length / 1024 / 1024:,.1f} MB，超过导入上限 {limits.max_mb:,} MB"
            "（ZHAOSHANG_IMPORT_MAX_MB），请分批导入"
        )
        return render(request, "exchange/import.html", context, status=400)
    upload = request.FILES.get("file")
    if upload is None:
        context["problem"] = "请选择要上传的 Excel 文件（.xlsx）"
        return render(request, "exchange/import.html", context, status=400)
    # The size, format and extent limits are the reader's (ZHAOSHANG_IMPORT_MAX_*), checked before
    # anything is parsed; a file refused as a whole, or an import already running in the county,
    # is told on the form itself.
    policy = None
    if kind in POLICY_KINDS and request.POST.get("policy"):
        policy = _chosen_policy(request)
        if policy is None:
            context["problem"] = "请选择您可见的政策文件"
            return render(request, "exchange/import.html", context, status=400)
    dry_run = bool(request.POST.get("dry_run"))
    # A large sheet, where a worker runs jobs, is imported in the background (exchange/background.py).
    job = queue_large_import(
        kind=kind,
        upload=upload,
        user=request.user,
        policy=policy,
        dry_run=dry_run,
        list_url=reverse(list_url),
    )
    if job is not None:
        messages.info(request, "文件较大，已转入后台导入；本页显示进度，完成后给出结果")
        return HttpResponseRedirect(job.get_absolute_url())
    result = import_file(
        kind, upload, user=request.user, filename=upload.name, dry_run=dry_run, policy=policy
    )
    if result.ok and dry_run:
        # A preview: checked in full and written inside a transaction that was rolled back.
        context["checked"] = (
            f"“{upload.name}”校验通过，共 {result.rows} 行：导入后将{result.summary()}。尚未导入，请确认后再上传导入。"
        )
        return render(request, "exchange/import.html", context)
    if result.ok:
        messages.success(request, f"已导入“{upload.name}”：{result.summary()}")
        return HttpResponseRedirect(reverse(list_url))
    if result.sheet is None and all(e.row is None for e in result.errors):
        context["problem"] = "；".join(str(e) for e in result.errors)
        status = 409 if any(e.message.endswith(BUSY_HINT) for e in result.errors) else 400
        return render(request, "exchange/import.html", context, status=status)
    token = store_error_workbook(result, request.user)
    context.update(
        title=f"导入失败：{upload.name}",
        result=result,
        errors=result.errors[:PAGE_ERRORS],
        more=max(0, len(result.errors) - PAGE_ERRORS),
        token=token,
    )
    return render(request, "exchange/import_errors.html", context, status=400)


def _scope_units(user) -> list[str]:
    """The units a clerk may import for (office and superusers: any they see, so not listed)."""
    m = membership(user)
    if user.is_superuser or m is None or m.role in WIDE_ROLES:
        return []
    if m.role == Role.TEAM_CLERK and m.team_id:
        return list(Unit.objects.filter(pk__in=m.team.unit_ids()).values_list("name", flat=True))
    return [m.unit.name] if m.unit_id else []


@login_required
def error_workbook(request, token):
    found = stored_error_workbook(token, request.user)
    if found is None:
        raise Http404("错误工作簿不存在、已过期，或不是您上传的文件")
    name, meta = found
    stem = (meta.get("filename") or "导入文件").rsplit(".", 1)[0]
    return FileResponse(
        default_storage.open(name, "rb"), as_attachment=True, filename=f"{stem}-错误.xlsx", content_type=XLSX
    )
