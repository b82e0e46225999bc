"""The duty pages: the office's table of every duty by holder (filters, Excel), the holder × duty
grid with counts per status, one obligation with its clause, evidence and history, the holder's
own list (due this week, overdue), and the actions (完成, 不适用, 重新打开)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from zhaoshang.core.views import Col, ObjectDetailView, ObjectListView, add_form_errors
from zhaoshang.holidays.calendar import deadline_text
from zhaoshang.org.models import Policy

from . import duties
from .duties_filters import DutyObligationFilterSet
from .duties_forms import DutyCompleteForm, DutyNotApplicableForm, DutyReopenForm
from .models import DUTY_STATUSES, DutyObligation


class DutyObligationListView(ObjectListView):
    model = DutyObligation
    template_name = "supervision/duty_list.html"
    filterset_class = DutyObligationFilterSet
    select_related = ("unit", "team", "policy")
    title = "职责任务"
    columns = [
        Col("职责", lambda o: o.title, link=True),
        Col("条款", "clause", sort="clause"),
        Col("承担对象", lambda o: o.holder_label),
        Col("期间", lambda o: o.period_label, sort="period_start"),
        Col("截止日期", lambda o: deadline_text(o.due_on), sort="due_on"),
        Col("状态", "status_label"),
    ]
    default_ordering = ("due_on", "rule", "pk")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["is_office"] = duties.is_office(self.request.user)
        return ctx


class DutyObligationDetailView(ObjectDetailView):
    model = DutyObligation
    select_related = ("unit", "team", "policy", "completed_by", "not_applicable_by")
    fields = [
        Col("职责", "title"),
        Col("条款", "clause"),
        Col("政策文件", "policy"),
        Col("承担对象", lambda o: o.holder_label),
        Col("期间", lambda o: o.period_label),
        Col("截止日期", lambda o: deadline_text(o.due_on)),
        Col("状态", "status_label"),
        Col("完成时间", "completed_at"),
        Col("完成人", lambda o: o.completed_by or ("平台记录自动销号" if o.proved_by else None)),
        Col("完成情况", "completion_note"),
        Col("不适用理由", "not_applicable_reason"),
        Col("认定不适用人", "not_applicable_by"),
    ]

    def get_context_data(self, **kwargs):
        from zhaoshang.assessment.clauses import clause_text

        ctx = super().get_context_data(**kwargs)
        ob, user = self.object, self.request.user
        st = ob.status
        try:
            source = ob.policy.spec().document.source
        except Exception:  # noqa: BLE001 - a policy whose file no longer validates: no text
            source = ""
        ctx.update(
            clause_text=clause_text(source, ob.clause),
            can_complete=st in ("pending", "overdue") and duties.may_complete(user, ob),
            can_not_applicable=st in ("pending", "overdue") and duties.is_office(user),
            can_reopen=st in ("done", "not_applicable") and duties.is_office(user),
            evidence_url=reverse("supervision:duty_evidence", args=[ob.pk]) if ob.evidence else "",
            # An obligation comes from its policy and is never edited or deleted by hand.
            can_edit=False,
            can_delete=False,
        )
        return ctx


def _obligation(request, pk) -> DutyObligation:
    return get_object_or_404(
        DutyObligation.objects.visible_to(request.user).select_related("unit", "team", "policy"), pk=pk
    )


def _form_page(request, ob, form, title, status=200, multipart=False):
    return render(
        request,
        "supervision/duty_action.html",
        {
            "form": form,
            "object": ob,
            "title": title,
            "multipart": multipart,
            "cancel_url": reverse("supervision:dutyobligation_detail", args=[ob.pk]),
        },
        status=status,
    )


def _done(request, ob, text):
    messages.success(request, f"{text}：{ob.title[:40]}")
    return HttpResponseRedirect(reverse("supervision:dutyobligation_detail", args=[ob.pk]))


@login_required
def duty_complete(request, pk):
    ob = _obligation(request, pk)
    if not duties.may_complete(request.user, ob):
        raise PermissionDenied("只有该职责的承担单位（团队）或招商办可以办结")
    form = DutyCompleteForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                duties.duty_complete(
                    obligation=ob,
                    by=request.user,
                    note=form.cleaned_data["note"],
                    evidence=form.cleaned_data["evidence"],
                    links=form.cleaned_data["links"],
                )
            except ValidationError as exc:
                _map_errors(form, exc, {"completion_note": "note", "evidence_links": "links"})
            else:
                return _done(request, ob, "已办结")
        return _form_page(request, ob, form, f"办结：{ob}", status=400, multipart=True)
    return _form_page(request, ob, form, f"办结：{ob}", multipart=True)


@login_required
def duty_not_applicable(request, pk):
    ob = _obligation(request, pk)
    if not duties.is_office(request.user):
        raise PermissionDenied("只有招商办可以认定职责任务不适用")
    form = DutyNotApplicableForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                duties.duty_not_applicable(obligation=ob, reason=form.cleaned_data["reason"], by=request.user)
            except ValidationError as exc:
                _map_errors(form, exc, {"not_applicable_reason": "reason"})
            else:
                return _done(request, ob, "已认定不适用")
        return _form_page(request, ob, form, f"认定不适用：{ob}", status=400)
    return _form_page(request, ob, form, f"认定不适用：{ob}")


@login_required
def duty_reopen(request, pk):
    ob = _obligation(request, pk)
    if not duties.is_office(request.user):
        raise PermissionDenied("只有招商办可以重新打开职责任务")
    form = DutyReopenForm(request.POST or None)
    if request.method == "POST":
        try:
            duties.duty_reopen(obligation=ob, by=request.user)
        except ValidationError as exc:
            add_form_errors(form, exc)
            return _form_page(request, ob, form, f"重新打开：{ob}", status=400)
        return _done(request, ob, "已重新打开")
    return _form_page(request, ob, form, f"重新打开：{ob}")


def _map_errors(form, exc: ValidationError, names: dict[str, str]) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            name = names.get(field, field)
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


@login_required
def duty_evidence(request, pk):
    """The evidence file of an obligation, to those who may see it."""
    ob = _obligation(request, pk)
    if not ob.evidence:
        raise Http404("该职责任务没有佐证材料")
    return FileResponse(
        ob.evidence.open("rb"), as_attachment=True, filename=ob.evidence.name.rsplit("/", 1)[-1]
    )


def _policies(user):
    return list(Policy.objects.visible_to(user).order_by("-start", "name"))


def _chosen(request, policies):
    today = timezone.localdate()
    chosen = next((p for p in policies if p.name == request.GET.get("policy")), None)
    if chosen is None:
        in_force = [p for p in policies if p.start <= today <= p.end]
        chosen = (in_force or policies or [None])[0]
    return chosen


@login_required
def duty_grid(request):
    """Holder × duty: for each holder, each duty's counts of 已完成 / 逾期 / 待办 / 不适用."""
    policies = _policies(request.user)
    policy = _chosen(request, policies)
    today = timezone.localdate()
    table, rule_cols = [], []
    if policy is not None:
        qs = DutyObligation.objects.visible_to(request.user).filter(policy=policy)
        holders, rules, cells, totals = duties.duty_counts(qs, today)
        titles = dict(qs.order_by("rule").values_list("rule", "title").distinct())
        order = [r.id for r in duties.duty_rules(policy) if r.id in rules] + sorted(
            rules - {r.id for r in duties.duty_rules(policy)}
        )
        rule_cols = [(r, titles.get(r, r)) for r in order]
        names = duties.holder_names(holders)

        def label(h):
            return names[h]

        for h in sorted(holders, key=lambda h: (h == (None, None), label(h))):
            query = {"policy": policy.pk}
            if h[1]:
                query["team"] = h[1]
            elif h[0]:
                query["unit"] = h[0]
            else:
                query["office_own"] = "true"
            table.append(
                {
                    "holder": label(h),
                    "query": "&".join(f"{k}={v}" for k, v in query.items()),
                    "cells": [(title, cells.get((h, r))) for r, title in rule_cols],
                    "total": totals[h],
                }
            )
    return render(
        request,
        "supervision/duty_grid.html",
        {
            "title": "职责任务汇总",
            "policies": policies,
            "policy": policy,
            "rules": rule_cols,
            "table": table,
            "labels": DUTY_STATUSES,
        },
    )


@login_required
def duty_mine(request):
    """The holder's own duties: overdue, due this week, and what comes later."""
    today = timezone.localdate()
    week_end = today + timedelta(days=6 - today.weekday())
    qs = (
        DutyObligation.objects.visible_to(request.user)
        .filter(completed_at__isnull=True, not_applicable_reason="")
        .select_related("unit", "team")
        .order_by("due_on", "pk")
    )
    overdue = list(qs.filter(due_on__lt=today)[:200])
    this_week = list(qs.filter(due_on__range=(today, week_end))[:200])
    later = list(qs.filter(due_on__gt=week_end)[:50])
    return render(
        request,
        "supervision/duty_mine.html",
        {
            "title": "我的职责任务",
            "overdue": overdue,
            "this_week": this_week,
            "later": later,
            "week_end": week_end,
        },
    )
