from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from zhaoshang.core import zhformat as zh
from zhaoshang.core.concurrency import VERSION_FIELD, StaleWrite, claim
from zhaoshang.core.roles import Role
from zhaoshang.core.scoping import can_change, membership
from zhaoshang.core.validators import check_date
from zhaoshang.core.views import (
    Col,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    add_form_errors,
    conflict_context,
    save_in_scope,
)
from zhaoshang.holidays.calendar import deadline_text
from zhaoshang.org.models import Policy

from . import filters, forms, services
from .models import Activity, Decision, Lead, Report, report_status
from .quotas import quota_progress
from .selectors import open_reports


def _is_office(user) -> bool:
    m = membership(user)
    return user.is_superuser or (m is not None and m.role == Role.OFFICE)


def _link_enterprise(activity_or_lead, user):
    """Point at the 客商库 enterprise the clerk named, if they can see one that matches."""
    services.enterprise_link(activity_or_lead, user)


# --- Activities -----------------------------------------------------------------------------


class ActivityListView(ObjectListView):
    model = Activity
    template_name = "fieldwork/activity_list.html"
    filterset_class = filters.ActivityFilterSet
    select_related = ("unit", "team", "enterprise")
    columns = [
        Col("日期", "date", link=True, sort="date"),
        Col("类型", "kind", sort="kind"),
        Col("单位", "unit"),
        Col("带队领导", "leader"),
        Col("主要负责人带队", lambda a: "是" if a.head_led else ""),
        Col("天数", "days", sort="days"),
        Col("地点", "place"),
        Col("企业", lambda a: a.enterprise or a.enterprise_name),
    ]


class ActivityDetailView(ObjectDetailView):
    model = Activity
    select_related = ("unit", "team", "enterprise", "trip")
    fields = [
        Col("类型", "kind"),
        Col("单位", "unit"),
        Col("团队", "team"),
        Col("日期", "date"),
        Col("天数", "days"),
        Col("带队领导", "leader"),
        Col("主要负责人带队", lambda a: "是" if a.head_led else "否"),
        Col("随行人员", "members"),
        Col("区域", "region"),
        Col("地点", "place"),
        Col("所属外出招商", "trip"),
        Col("企业", lambda a: a.enterprise or a.enterprise_name),
        # A reception is weighed by who came: the enterprise's rank lists (世界500强、上市公司…).
        Col(
            "企业类别", lambda a: "、".join(a.enterprise.tags) if a.enterprise and a.enterprise.tags else None
        ),
        Col("对接人及职务", "counterpart"),
        Col("客商", "merchant"),
        Col(
            "邀请客商（批次）",
            lambda a: a.merchants_invited if a.kind == Activity.Kind.PROMOTION_EVENT else None,
        ),
        Col("会议类别", "meeting_kind"),
        Col("现场会议", lambda a: ("是" if a.on_site else "否") if a.kind == Activity.Kind.MEETING else None),
        Col("费用（元）", "cost_yuan"),
        Col("内容", "summary"),
        Col("会议纪要", "minutes"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        a = self.object
        ctx.update(
            visits=a.visits.visible_to(user).select_related("enterprise"),
            decisions=Decision.objects.visible_to(user).filter(activity=a),
            leads=Lead.objects.visible_to(user).filter(activity=a),
            projects_signed=a.projects_signed.visible_to(user),
            today=timezone.localdate(),
        )
        return ctx


class ActivityEditView(ObjectEditView):
    """One form for every kind of activity, on a phone: the fields of the chosen kind show, a
    trip lists the enterprises visited, a meeting its decisions."""

    model = Activity
    form_class = forms.ActivityForm
    template_name = "fieldwork/activity_edit.html"

    def prepare_form(self, form):
        super().prepare_form(form)
        if not self.object.pk and not form.is_bound:
            form.initial["kind"] = self.request.GET.get("kind") or Activity.Kind.OUTBOUND_TRIP
            form.initial["date"] = timezone.localdate()
        form.kind_fields = {k: v for k, v in forms.KIND_FIELDS.items()}

    def _formsets(self, data=None):
        prefix_visits, prefix_decisions = "visits", "decisions"
        visits = forms.VisitFormSet(
            data, instance=self.object, prefix=prefix_visits, queryset=Activity.objects.filter(trip=self.object)
            if self.object.pk else Activity.objects.none(),
        )  # fmt: skip
        decisions = forms.DecisionFormSet(data, instance=self.object, prefix=prefix_decisions)
        return visits, decisions

    def before_save(self, obj):
        if obj.unit_id:
            obj.jurisdiction_id = obj.unit.jurisdiction_id
        _link_enterprise(obj, self.request.user)

    def get(self, request, *args, **kwargs):
        visits, decisions = self._formsets()
        return self.render(self.get_form(), visits=visits, decisions=decisions)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        visits, decisions = self._formsets(request.POST)
        kind = request.POST.get("kind")
        children = {Activity.Kind.OUTBOUND_TRIP: visits, Activity.Kind.MEETING: decisions}.get(kind)
        ok = form.is_valid() and (children is None or children.is_valid())
        if not ok:
            return self.render(form, status=400, visits=visits, decisions=decisions)
        obj = form.save(commit=False)
        self.before_save(obj)

        # The visits below are each checked against the trip, naming their row.
        obj.visits_checked_by_caller = children is visits

        def write():
            obj.full_clean()  # a trip or meeting with visits or decisions keeps its kind (Activity.clean)
            obj.save()  # the trip's visits follow it (Activity.save)
            form.save_m2m()
            if children is visits:
                visits.instance = obj
                visits.save(commit=False)
                for v in visits.deleted_objects:
                    v.delete()
                # Every visit, edited in this form or not, is checked against its trip; each takes
                # the trip's unit, team, leader and head-led flag (Activity.follow_trip).
                gone = {v.pk for v in visits.deleted_objects}
                kept = [f.instance for f in visits.forms if f.has_changed() and f.instance.pk not in gone]
                kept += [v for v in Activity.objects.filter(trip=obj).exclude(pk__in=gone)
                         if v.pk not in {k.pk for k in kept}]  # fmt: skip
                for i, v in enumerate(kept, start=1):
                    v.kind, v.trip = Activity.Kind.VISIT, obj
                    v.follow_trip()
                    _link_enterprise(v, self.request.user)
                    try:
                        v.full_clean()
                    except ValidationError as exc:
                        raise ValidationError(
                            f"第{i}家拜访企业（{v.enterprise_name}）：{'；'.join(exc.messages)}"
                        ) from None
                    v.save()
            elif children is decisions:
                decisions.instance = obj
                for d in decisions.save(commit=False):
                    d.activity = obj
                    d.full_clean()
                    d.save()
                for d in decisions.deleted_objects:
                    d.delete()

        version = form.cleaned_data.get(VERSION_FIELD)
        try:
            save_in_scope(request.user, obj, lambda: (claim(obj, version), write()))
        except StaleWrite as exc:
            conflict = conflict_context(form, obj, exc)
            return self.render(form, status=409, visits=visits, decisions=decisions, conflict=conflict)
        except ValidationError as exc:
            add_form_errors(form, exc)
            return self.render(form, status=400, visits=visits, decisions=decisions)
        except IntegrityError:
            form.add_error(None, "与已有记录重复，或关联数据不完整，未保存。")
            return self.render(form, status=400, visits=visits, decisions=decisions)
        messages.success(request, f"已保存：{obj}")
        return HttpResponseRedirect(reverse("fieldwork:activity_detail", args=[obj.pk]))

    def render(self, form, status=200, visits=None, decisions=None, conflict=None):
        self._extra = {"visits": visits, "decisions": decisions, "kind_fields": forms.KIND_FIELDS}
        return super().render(form, status=status, conflict=conflict)

    def extra_context(self):
        return getattr(self, "_extra", {})


class ActivityDeleteView(ObjectDeleteView):
    model = Activity


class DecisionListView(ObjectListView):
    """Decisions of every scheduling meeting, to follow up until done (督办)."""

    model = Decision
    filterset_class = filters.DecisionFilterSet
    select_related = ("activity",)
    columns = [
        Col("议定事项", "text", link=True),
        Col("责任单位/责任人", "owner"),
        Col("会议", "activity"),
        Col("完成时限", "due_on", sort="due_on"),
        Col("办结日期", "done_on", sort="done_on"),
    ]


class DecisionDetailView(ObjectDetailView):
    model = Decision
    select_related = ("activity",)
    fields = [
        Col("议定事项", "text"),
        Col("责任单位/责任人", "owner"),
        Col("会议", "activity"),
        Col("完成时限", "due_on"),
        Col("办结日期", "done_on"),
    ]


class DecisionEditView(ObjectEditView):
    model = Decision
    form_class = forms.DecisionForm


# --- Leads ------------------------------------------------------------------------------------


class LeadListView(ObjectListView):
    model = Lead
    filterset_class = filters.LeadFilterSet
    select_related = ("unit", "team")
    columns = [
        Col("报送日期", "reported_on", sort="reported_on"),
        Col("信息标题", "title", link=True),
        Col("报送单位", "unit"),
        Col("企业名称", "enterprise_name"),
        Col("拟投资额（万元）", lambda x: zh.amount_cell(x.planned_investment), sort="planned_investment"),
        Col("甄别结果", "status", sort="status"),
        Col("有价值", lambda x: "是" if x.valuable else ""),
        Col("等级", "grade"),
        Col("积分", "points"),
    ]


class LeadDetailView(ObjectDetailView):
    model = Lead
    select_related = ("unit", "team", "enterprise", "activity", "screened_by", "project")
    template_name = "fieldwork/lead_detail.html"
    fields = [
        Col("报送单位", "unit"),
        Col("团队", "team"),
        Col("报送日期", "reported_on"),
        Col("企业", lambda x: x.enterprise or x.enterprise_name),
        Col("产业", "industry"),
        Col("拟投资额（万元）", lambda x: zh.amount_cell(x.planned_investment)),
        Col("信息内容", "content"),
        Col("来源活动", "activity"),
        Col("甄别结果", "status"),
        Col("有价值信息", lambda x: "是" if x.valuable else "否"),
        Col("线索等级", "grade"),
        Col("线索积分", "points"),
        Col("甄别意见", "screening_note"),
        Col("甄别人", "screened_by"),
        Col("甄别时间", "screened_at"),
        Col("转化项目", "project"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_screen"] = _is_office(self.request.user)
        return ctx


class ScreenedLeadsAreTheOffices:
    """Once the office has screened a lead, a clerk's edit or delete would undo its judgement."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and "pk" in kwargs and not _is_office(request.user):
            lead = Lead.objects.visible_to(request.user).filter(pk=kwargs["pk"]).first()
            if lead is not None and lead.status != Lead.Status.SUBMITTED:
                raise PermissionDenied("该线索已甄别，如需修改或删除请联系招商办")
        return super().dispatch(request, *args, **kwargs)


class LeadEditView(ScreenedLeadsAreTheOffices, ObjectEditView):
    model = Lead
    form_class = forms.LeadForm

    def prepare_form(self, form):
        super().prepare_form(form)
        if not self.object.pk and not form.is_bound:
            form.initial["reported_on"] = timezone.localdate()
            if self.request.GET.get("activity"):
                form.initial["activity"] = self.request.GET["activity"]

    def before_save(self, obj):
        if obj.unit_id:
            obj.jurisdiction_id = obj.unit.jurisdiction_id
        _link_enterprise(obj, self.request.user)


class LeadDeleteView(ScreenedLeadsAreTheOffices, ObjectDeleteView):
    model = Lead


@login_required
def lead_screen(request, pk):
    lead = get_object_or_404(Lead.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    if not _is_office(request.user):
        raise PermissionDenied("只有招商办可以甄别线索")
    grades = list(services.lead_grades(services.policy_for(lead.jurisdiction, lead.reported_on)))
    initial = {"status": lead.status if lead.status != "submitted" else "valid", "grade": lead.grade}
    form = forms.LeadScreenForm(request.POST or None, grades=grades, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.lead_screen(
                    lead, request.user, d["status"], grade=d.get("grade", ""), valuable=d["valuable"],
                    note=d["note"],
                )  # fmt: skip
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"已甄别：{lead}（{lead.get_status_display()}）")
                return HttpResponseRedirect(reverse("fieldwork:lead_detail", args=[lead.pk]))
        status = 400
    return render(
        request,
        "core/object_edit.html",
        {"form": form, "object": lead, "title": f"甄别线索：{lead}", "cancel_url": reverse(
            "fieldwork:lead_detail", args=[lead.pk])},
        status=status,
    )  # fmt: skip


# --- Reports ----------------------------------------------------------------------------------


class ReportListView(ObjectListView):
    model = Report
    filterset_class = filters.ReportFilterSet
    select_related = ("unit", "team")
    columns = [
        Col("名称", "name", link=True),
        Col("单位", lambda r: r.unit or r.team),
        Col("所报期间", lambda r: f"{r.covers_start:%Y-%m-%d} 至 {r.covers_end:%Y-%m-%d}"),
        Col("截止日期", lambda r: deadline_text(r.due_on), sort="due_on"),
        Col("报送时间", "submitted_at", sort="submitted_at"),
        Col("状态", "status_label"),
    ]


class ReportDetailView(ObjectDetailView):
    model = Report
    select_related = ("unit", "team")
    template_name = "fieldwork/report_detail.html"
    fields = [
        Col("报送事项", "name"),
        Col("单位", "unit"),
        Col("团队", "team"),
        Col("所报期间起", "covers_start"),
        Col("所报期间止", "covers_end"),
        Col("截止日期", lambda r: deadline_text(r.due_on)),
        Col("报送时间", "submitted_at"),
        Col("状态", "status_label"),
        Col("报送内容", "content"),
        Col("退回时间", "reopened_at"),
        Col("退回理由", "reopen_reason"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_reopen"] = _is_office(self.request.user) and self.object.submitted_at is not None
        return ctx


class ReportEditView(ObjectEditView):
    """Submitting a report: the first save stamps the submission time."""

    model = Report
    form_class = forms.ReportForm

    def before_save(self, obj):
        if obj.submitted_at is None:
            obj.submitted_at = timezone.now()


@login_required
def report_reopen(request, pk):
    report = get_object_or_404(Report.objects.visible_to(request.user), pk=pk)
    if not _is_office(request.user):
        raise PermissionDenied("只有招商办可以退回报送")
    form = forms.ReportReopenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.report_reopen(report, form.cleaned_data["reason"], form.cleaned_data["due_on"])
            except ValidationError as exc:
                for field, errors in (
                    exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                ).items():
                    form.add_error(
                        {"reopen_reason": "reason"}.get(field, field) if field in (None, "reopen_reason", "due_on")
                        else None, errors)  # fmt: skip
            else:
                messages.success(request, f"已退回：{report}")
                return HttpResponseRedirect(reverse("fieldwork:report_detail", args=[report.pk]))
        status = 400
    return render(
        request,
        "core/object_edit.html",
        {"form": form, "object": report, "title": f"退回报送：{report}",
         "cancel_url": reverse("fieldwork:report_detail", args=[report.pk])},
        status=status,
    )  # fmt: skip


@login_required
def report_calendar(request):
    """What is due: this week's deadlines and anything still missing, with who is late. A clerk
    sees their own; the office sees every holder before the deadline passes."""
    today = timezone.localdate()
    try:
        on = date.fromisoformat(request.GET.get("on", "")) if request.GET.get("on") else today
    except ValueError:
        on = today
    try:
        check_date(on, "日期")
    except ValidationError as exc:
        # The weeks either side would fall outside what a date can hold (9999-12-31).
        return render(
            request, "core/error.html", {"title": "日期有误", "message": exc.messages[0]}, status=400
        )
    week_start = on - timedelta(days=on.weekday())
    week_end = week_start + timedelta(days=6)
    qs = Report.objects.visible_to(request.user).select_related("unit", "team")
    this_week = list(qs.filter(due_on__range=(week_start, week_end)).order_by("due_on", "name", "id"))
    # A report of a campaign that has ended is not chased any more (selectors.open_reports).
    overdue = list(
        open_reports(qs, request.user, today)
        .filter(due_on__lt=min(week_start, today))
        .order_by("-due_on", "id")[:200]
    )
    groups: dict[tuple, dict] = {}
    for r in this_week:
        g = groups.setdefault(
            (r.due_on, r.name), {"due_on": r.due_on, "name": r.name, "rows": [], "counts": {}}
        )
        st = report_status(r.due_on, r.submitted_at, today)
        g["rows"].append((r, st))
        g["counts"][st] = g["counts"].get(st, 0) + 1
    return render(
        request,
        "fieldwork/report_calendar.html",
        {
            "title": "报送日历",
            "on": on,
            "week_start": week_start,
            "week_end": week_end,
            "prev_week": week_start - timedelta(days=7),
            "next_week": week_start + timedelta(days=7),
            "groups": list(groups.values()),
            "overdue": overdue,
            "labels": Report.STATUS_LABELS,
            "can_submit": can_change(request.user, Report),
        },
    )


# --- Quotas -----------------------------------------------------------------------------------


def _policies_for(user):
    return Policy.objects.visible_to(user).select_related("jurisdiction").order_by("-start")


@login_required
def quota_list(request):
    """Progress toward every field-work quota of a policy, per holder, as bars against the share
    of the period gone."""
    policies = list(_policies_for(request.user))
    today = timezone.localdate()
    policy = next((p for p in policies if p.name == request.GET.get("policy")), None)
    if policy is None:
        in_force = [p for p in policies if p.start <= today <= p.end]
        policy = (in_force or policies or [None])[0]
    on = today
    if request.GET.get("on"):
        try:
            on = date.fromisoformat(request.GET["on"])
        except ValueError:
            messages.error(request, "日期格式应为 YYYY-MM-DD，已按今天显示")
    rows = []
    if policy is not None:
        on_in_policy = min(max(on, policy.start), policy.end)
        rows = [
            (r, r.pace(on_in_policy), r.status(on_in_policy))
            for r in quota_progress(policy, on_in_policy, request.user)
        ]
        on = on_in_policy
    sections: dict[str, dict] = {}
    for r, pace, st in rows:
        s = sections.setdefault(r.rule, {"title": r.title, "clause": r.clause, "window": r.window_label,
                                         "metric": r.metric_label, "rows": []})  # fmt: skip
        s["rows"].append((r, pace, st))
    return render(
        request,
        "fieldwork/quota_list.html",
        {
            "title": "任务进度",
            "policies": policies,
            "policy": policy,
            "on": on,
            "sections": list(sections.values()),
        },
    )
