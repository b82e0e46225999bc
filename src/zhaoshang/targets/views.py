"""The target library's pages: the list (filters by chain, segment, list, stage, team; HTMX like
the other lists), a target's page (its funnel stage, contacts and change log, and 转入线索), the
forms, the contacts, and the Excel import (preview, then commit) and export."""

from __future__ import annotations

import base64
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhaoshang.core.permissions import has_business_role
from zhaoshang.core.roles import ORG_EDITORS
from zhaoshang.core.scoping import can_change, membership
from zhaoshang.core.views import Col, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView

from . import exchange, funnel, services
from . import forms as f
from .filters import TargetContactFilterSet, TargetFilterSet
from .models import TargetContact, TargetEnterprise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_SESSION = "targets_import_upload"


def _stage(t) -> str:
    return funnel.stage_label(funnel.target_stage(t))


def _chain(t) -> str:
    if t.segment_id:
        return f"{t.chain.name}·{t.segment.name}" if t.chain_id else t.segment.name
    return t.chain.name if t.chain_id else ""


def _holder(t) -> str:
    return " / ".join(str(x) for x in (t.team, t.unit) if x is not None)


def _may_import(user) -> bool:
    m = membership(user)
    return m is not None and m.role in ORG_EDITORS


class TargetListView(ObjectListView):
    model = TargetEnterprise
    filterset_class = TargetFilterSet
    title = "目标企业库"
    select_related = ("chain", "segment", "team", "unit")
    default_ordering = ("name", "id")
    columns = [
        Col("企业名称", "name", link=True, sort="name"),
        Col("所属榜单", lambda t: t.list_labels),
        Col("产业链·环节", _chain),
        Col("所在地区", "region", sort="region"),
        Col("阶段", _stage),
        Col("责任团队/单位", _holder),
        Col("入库日期", "added_on", sort="added_on"),
    ]

    def get_queryset(self):
        return funnel.with_stage(super().get_queryset())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["extra_links"] = [
            ("导出 Excel", f"{reverse('targets:targetenterprise_export')}?{self.request.GET.urlencode()}")
        ]
        if _may_import(self.request.user):
            ctx["extra_links"].append(("Excel 导入", reverse("targets:targetenterprise_import")))
        return ctx


class TargetDetailView(ObjectDetailView):
    model = TargetEnterprise
    select_related = ("jurisdiction", "chain", "segment", "team", "unit", "enterprise", "lead__project")
    fields = [
        Col("统一社会信用代码", "uscc"),
        Col("所属榜单", lambda t: t.list_labels),
        Col("产业链", "chain"),
        Col("产业链环节", lambda t: t.segment.name if t.segment_id else ""),
        Col("所在地区", "region"),
        Col("来源", "source"),
        Col("责任团队", "team"),
        Col("责任单位", "unit"),
        Col("台账企业", "enterprise"),
        Col("转入线索", "lead"),
        Col("入库日期", "added_on"),
        Col("移出名录日期", "dropped_on"),
        Col("备注", "notes"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        t = self.object
        user = self.request.user
        ctx["stage"] = _stage(t)
        ctx["stages"] = list(funnel.STAGES.values())
        ctx["contacts"] = (
            TargetContact.objects.visible_to(user).filter(target=t).order_by("-contacted_on", "-pk")
        )
        ctx["may_contact"] = can_change(user, t)
        ctx["may_move"] = not t.lead_id and not t.dropped_on and services.may_move(user, t)
        return ctx


class TargetEditView(ObjectEditView):
    model = TargetEnterprise
    form_class = f.TargetForm

    def before_save(self, obj):
        if obj.unit_id:
            obj.jurisdiction_id = obj.unit.jurisdiction_id


class TargetDeleteView(ObjectDeleteView):
    model = TargetEnterprise


@login_required
@require_POST
def target_to_lead(request, pk):
    t = get_object_or_404(TargetEnterprise.objects.visible_to(request.user), pk=pk)
    try:
        lead = services.target_to_lead(target=t, user=request.user)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return HttpResponseRedirect(reverse("targets:targetenterprise_detail", args=[t.pk]))
    messages.success(request, f"已将“{t.name}”转入线索，待招商办甄别")
    return HttpResponseRedirect(reverse("fieldwork:lead_detail", args=[lead.pk]))


@login_required
def target_export(request):
    if not has_business_role(request.user):
        raise PermissionDenied("您的账号不能导出目标企业")
    qs = TargetEnterprise.objects.visible_to(request.user)
    fs = TargetFilterSet(request.GET or None, queryset=qs, request=request)
    if fs.is_bound and fs.is_valid():
        qs = fs.qs
    response = HttpResponse(exchange.export_targets(qs), content_type=XLSX)
    name = f"目标企业名录-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def target_import(request):
    """Step 1: upload, and the preview (nothing saved; flagged rows offer a choice); step 2: the
    import with the choices made (the file is kept in the session between the two)."""
    if not _may_import(request.user):
        raise PermissionDenied("只有招商办可以导入目标企业名录")
    form = f.ImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and "file" in request.FILES:
        if form.is_valid():
            data = form.cleaned_data["file"].read()
            result = exchange.import_targets(data, user=request.user, dry_run=True)
            if result.ok:
                request.session[IMPORT_SESSION] = base64.b64encode(data).decode("ascii")
            else:
                status = 400
        else:
            status = 400
    elif request.method == "POST" and request.session.get(IMPORT_SESSION):
        data = base64.b64decode(request.session[IMPORT_SESSION])
        decisions = {}
        for key, value in request.POST.items():
            number = key.removeprefix("decision_")
            if key.startswith("decision_") and number.isdigit() and value in exchange.DECISIONS:
                decisions[int(number)] = value
        result = exchange.import_targets(data, user=request.user, decisions=decisions)
        if result.ok:
            request.session.pop(IMPORT_SESSION, None)
            messages.success(
                request,
                f"已导入目标企业：新增 {result.created} 家，更新 {result.updated} 家，跳过 {result.skipped} 行，"
                f"关联台账企业 {result.linked} 家",
            )
            return HttpResponseRedirect(reverse("targets:targetenterprise_list"))
        status = 400
    else:
        request.session.pop(IMPORT_SESSION, None)
    return render(
        request,
        "targets/import.html",
        {
            "form": form,
            "result": result,
            "decisions": list(exchange.DECISIONS.items()),
            "title": "导入目标企业名录",
            "headers": [h for h, _, _ in exchange.COLUMNS],
            "back": reverse("targets:targetenterprise_list"),
            "template_url": reverse("targets:targetenterprise_export"),
        },
        status=status,
    )


# --- Contacts --------------------------------------------------------------------------------------


class ContactListView(ObjectListView):
    model = TargetContact
    filterset_class = TargetContactFilterSet
    title = "目标企业接触记录"
    select_related = ("target",)
    columns = [
        Col("接触日期", "contacted_on", sort="contacted_on", link=True),
        Col("目标企业", "target"),
        Col("方式", "kind", sort="kind"),
        Col("对接人", "person"),
        Col("内容", "summary"),
    ]


class ContactDetailView(ObjectDetailView):
    model = TargetContact
    select_related = ("target",)
    fields = [
        Col("目标企业", "target"),
        Col("接触日期", "contacted_on"),
        Col("方式", "kind"),
        Col("对接人", "person"),
        Col("内容", "summary"),
    ]


class ContactEditView(ObjectEditView):
    model = TargetContact
    form_class = f.ContactForm

    def check(self, obj):
        if obj.target_id and not can_change(self.request.user, obj.target):
            return "您不能为此目标企业登记接触"
        return None


class ContactDeleteView(ObjectDeleteView):
    model = TargetContact
