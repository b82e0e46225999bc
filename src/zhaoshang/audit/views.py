"""The audit administrator's console (/audit/): read, search and export the trail; nothing here
changes a record. Guarded by IsAuditAdmin; every export is itself an audit event."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from zhaoshang.core.permissions import IsAuditAdmin, require

from . import chain, events, search

PAGE = 50
EXPORT_CAP = 100_000


class SearchForm(forms.Form):
    user = forms.CharField(label="操作人账号", max_length=150, required=False)
    action = forms.ChoiceField(label="操作", choices=[("", "全部"), *search.ACTIONS], required=False)
    start = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    address = forms.CharField(label="IP 地址", max_length=45, required=False)
    object = forms.CharField(label="对象（名称或编号）", max_length=200, required=False)

    def clean_address(self):
        value = (self.cleaned_data.get("address") or "").strip()
        if value and not search._is_ip(value):
            raise forms.ValidationError(f"IP 地址“{value}”格式不正确，如 10.1.2.3")
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "截止日期不能早于起始日期")
        return data

    def criteria(self) -> search.Criteria:
        d = self.cleaned_data
        return search.Criteria(
            user=(d.get("user") or "").strip(),
            action=d.get("action") or "",
            start=d.get("start"),
            end=d.get("end"),
            address=d.get("address") or "",
            object=(d.get("object") or "").strip(),
        )


def _page(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), 10_000))
    except ValueError:
        return 1


@require(IsAuditAdmin)
def index(request):
    form = SearchForm(request.GET or None)
    rows, more, page = [], False, _page(request)
    status = 200
    if request.GET and not form.is_valid():
        status = 400
    else:
        criteria = form.criteria() if request.GET else search.Criteria()
        rows, more = search.rows(criteria, offset=(page - 1) * PAGE, limit=PAGE, user=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/index.html",
        {
            "title": "安全审计",
            "form": form,
            "rows": rows,
            "page": page,
            "more": more,
            "query": query.urlencode(),
        },
        status=status,
    )


@require(IsAuditAdmin)
def verify(request):
    count, broken = chain.verify()
    return render(request, "audit/verify.html", {"title": "审计链校验", "count": count, "broken": broken})


HEADERS = [
    "序号",
    "时间",
    "操作人",
    "来源",
    "操作",
    "对象类型",
    "对象",
    "对象编号",
    "IP 地址",
    "详情",
    "校验值",
]


@require(IsAuditAdmin)
def export(request):
    from openpyxl import Workbook

    form = SearchForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(
            request,
            "audit/index.html",
            {"title": "安全审计", "form": form, "rows": [], "page": 1, "more": False, "query": ""},
            status=400,
        )
    criteria = form.criteria() if request.GET else search.Criteria()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计记录")
    ws.append(HEADERS)
    n = 0
    import json

    for r in search.all_rows(criteria, cap=EXPORT_CAP, user=request.user):
        ws.append(
            [
                r.seq,
                timezone.localtime(r.time).strftime("%Y-%m-%d %H:%M:%S"),
                r.user_name,
                r.source,
                r.action,
                r.object_type,
                r.object_repr,
                r.object_id,
                r.address,
                json.dumps(r.detail, ensure_ascii=False)[:30000] if r.detail else "",
                r.hash,
            ]
        )
        n += 1
    out = BytesIO()
    wb.save(out)
    events.record(
        "audit_export",
        object_repr="审计记录",
        detail={"rows": n, "criteria": {k: str(v) for k, v in vars(criteria).items() if v}},
    )
    name = f"audit-{date.today():%Y%m%d}.xlsx"
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
