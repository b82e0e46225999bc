"""Pages of packaged projects (招商项目包) and the merchant library (客商库): lists with HTMX
filters, detail, the generic create/edit/delete (who may: core/scoping.py can_change and the
write-scope rule, as for the ledger), Excel in (check first, then import) and out, and each
policy's chain progress against the document's quotas (progress.py)."""

from __future__ import annotations

from urllib.parse import quote

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from zhaoshang.chains.models import IndustryChain
from zhaoshang.core.permissions import has_business_role
from zhaoshang.core.scoping import can_change
from zhaoshang.core.views import Col, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from zhaoshang.org.models import Policy

from . import exchange
from . import forms as f
from .filters import MerchantFilterSet, PackageFilterSet
from .models import Merchant, ProjectPackage
from .progress import chain_progress

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _money(v):
    return f"{v.normalize():f}" if v is not None else ""


class PackageListView(ObjectListView):
    model = ProjectPackage
    template_name = "packages/list.html"
    filterset_class = PackageFilterSet
    select_related = ("jurisdiction", "chain", "segment", "team", "unit")
    default_ordering = ("chain_id", "-packaged_on", "pk")
    title = "招商项目包"
    columns = [
        Col("项目名称", "name", link=True, sort="name"),
        Col("产业链", "chain"),
        Col("环节", "segment"),
        Col("重大", lambda p: "是" if p.major else ""),
        Col("拟投资（万元）", lambda p: _money(p.investment), sort="investment"),
        Col("责任", lambda p: p.team or p.unit),
        Col("包装日期", "packaged_on", sort="packaged_on"),
        Col("状态", lambda p: p.get_status_display(), sort="status"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["extra_links"] = _links(self.request, "projectpackage")
        return ctx


class PackageDetailView(ObjectDetailView):
    model = ProjectPackage
    select_related = ("jurisdiction", "chain", "segment", "team", "unit", "project")
    fields = [
        Col("产业链", "chain"),
        Col("产业链环节", "segment"),
        Col("重大招商项目", lambda p: "是" if p.major else "否"),
        Col("拟投资额（万元）", lambda p: _money(p.investment)),
        Col("招商需求/合作方式", "needs"),
        Col("责任团队", "team"),
        Col("责任单位", "unit"),
        Col("包装日期", "packaged_on"),
        Col("状态", lambda p: p.get_status_display()),
        Col("落地项目", "project"),
        Col("备注", "notes"),
    ]


class PackageEditView(ObjectEditView):
    model = ProjectPackage
    form_class = f.PackageForm


class PackageDeleteView(ObjectDeleteView):
    model = ProjectPackage


class MerchantListView(ObjectListView):
    model = Merchant
    template_name = "packages/list.html"
    filterset_class = MerchantFilterSet
    select_related = ("jurisdiction", "chain", "enterprise")
    title = "客商库"
    columns = [
        Col("客商姓名", "name", link=True, sort="name"),
        Col("所在企业", "company", sort="company"),
        Col("职务", "title"),
        Col("联系电话", "phone"),
        Col("产业链", "chain"),
        Col("所在地区", "region", sort="region"),
        Col("来源", "source"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["extra_links"] = _links(self.request, "merchant")
        return ctx


class MerchantDetailView(ObjectDetailView):
    model = Merchant
    select_related = ("jurisdiction", "chain", "enterprise")
    fields = [
        Col("所在企业", "company"),
        Col("职务", "title"),
        Col("联系电话", "phone"),
        Col("产业链", "chain"),
        Col("所在地区", "region"),
        Col("来源", "source"),
        Col("台账企业", "enterprise"),
        Col("备注", "notes"),
    ]


class MerchantEditView(ObjectEditView):
    model = Merchant
    form_class = f.MerchantForm


class MerchantDeleteView(ObjectDeleteView):
    model = Merchant


def _links(request, name: str) -> list[tuple[str, str]]:
    model = ProjectPackage if name == "projectpackage" else Merchant
    links = [("导出 Excel", reverse(f"packages:{name}_export") + _query(request))]
    if can_change(request.user, model):
        links.append(("从 Excel 导入", reverse(f"packages:{name}_import")))
    links.append(("产业链进度", reverse("packages:progress")))
    return links


def _query(request) -> str:
    q = request.GET.urlencode()
    return f"?{q}" if q else ""


# --- Excel ------------------------------------------------------------------------------------------


def _exported(request, model, filterset_class):
    """What the user sees of `model`, narrowed by the list's filters."""
    if not has_business_role(request.user):
        raise PermissionDenied("您的账号不能导出")
    qs = model.objects.visible_to(request.user)
    fs = filterset_class(request.GET or None, queryset=qs, request=request)
    if fs.is_bound and fs.is_valid():
        qs = fs.qs
    return qs


def _attachment(stem: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(f'{stem}-{timezone.localdate():%Y%m%d}.xlsx')}"


@login_required
def package_export(request):
    qs = _exported(request, ProjectPackage, PackageFilterSet)
    response = HttpResponse(exchange.export_packages(qs), content_type=XLSX)
    response["Content-Disposition"] = _attachment("招商项目包")
    return response


@login_required
def merchant_export(request):
    qs = _exported(request, Merchant, MerchantFilterSet)
    response = HttpResponse(exchange.export_merchants(qs, user=request.user), content_type=XLSX)
    response["Content-Disposition"] = _attachment("客商库")
    return response


class ImportForm(djforms.Form):
    file = djforms.FileField(label="Excel 文件（.xlsx）")
    dry_run = djforms.BooleanField(
        label="仅校验（预览），不导入", required=False, initial=True,
        help_text="先勾选校验，无误后取消勾选再上传导入",
    )  # fmt: skip


def _import(request, model, run, columns, list_name, export_name, what):
    if not can_change(request.user, model):
        raise PermissionDenied(f"您的角色不能导入{what}")
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        dry = form.cleaned_data["dry_run"]
        result = run(form.cleaned_data["file"].read(), user=request.user, dry_run=dry)
        if result.ok and not dry:
            messages.success(request, f"已导入{what}：{result.summary()}")
            return HttpResponseRedirect(reverse(list_name))
    return render(
        request,
        "packages/import.html",
        {
            "form": form,
            "result": result,
            "title": f"导入{what}",
            "headers": [c.header for c in columns],
            "required": [c.header for c in columns if c.required],
            "back": reverse(list_name),
            "template_url": reverse(export_name),
        },
        status=400 if result is not None and not result.ok else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def package_import(request):
    return _import(
        request, ProjectPackage, exchange.import_packages, exchange.PACKAGE_COLUMNS,
        "packages:projectpackage_list", "packages:projectpackage_export", "招商项目包",
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def merchant_import(request):
    return _import(
        request, Merchant, exchange.import_merchants, exchange.MERCHANT_COLUMNS,
        "packages:merchant_list", "packages:merchant_export", "客商库",
    )  # fmt: skip


# --- Chain progress -----------------------------------------------------------------------------------


@login_required
def progress(request):
    """Per chain of a policy: packaged projects, up/downstream firms and the target library against
    the document's quotas (progress.py). ?policy= picks the policy (default: the first with chains)."""
    if not has_business_role(request.user):
        raise PermissionDenied("您的账号不能查看产业链进度")
    chains = IndustryChain.objects.visible_to(request.user)
    policies = (
        Policy.objects.visible_to(request.user)
        .filter(pk__in=chains.exclude(policy=None).values("policy_id"))
        .order_by("-start", "pk")
    )
    raw = request.GET.get("policy", "")
    policy = None
    if raw.isdigit():
        policy = get_object_or_404(policies, pk=raw)
    elif policies:
        policy = policies.first()
    rows = []
    if policy is not None:
        today = timezone.localdate()
        rows = chain_progress(policy, chains.filter(policy=policy).select_related("jurisdiction"), today)
    return render(
        request,
        "packages/progress.html",
        {"title": "产业链招商进度", "policy": policy, "policies": policies, "rows": rows,
         "quotas": rows[0] if rows else None},
    )  # fmt: skip
