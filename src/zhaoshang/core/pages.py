"""The home page and the change log."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from zhaoshang.holidays.calendar import warnings as holiday_warnings

from .models import ObjectChange
from .permissions import is_leader, is_office, may_read_log
from .scoping import can_change, membership
from .views import Col, ObjectListView


@login_required
def home(request):
    """工作台: what waits for the user, by what they may do. A leader lands on the dashboard."""
    from zhaoshang.fieldwork.models import Report
    from zhaoshang.fieldwork.selectors import open_reports
    from zhaoshang.ledger.models import Investment, Project
    from zhaoshang.org.models import Policy, Team

    from . import worklist

    user = request.user
    if is_leader(user):
        return redirect("dashboards:dashboard")
    m = membership(user)
    today = timezone.localdate()
    projects = Project.objects.visible_to(user)
    stages = dict(projects.values_list("stage").annotate(n=Count("pk")))
    reports = Report.objects.visible_to(user)
    sections = []
    if m is not None or user.is_superuser:
        if can_change(user, Report) and not is_office(user):
            # A clerk: their reports this week and overdue, and the quotas their work still owes.
            sections = worklist.reports_sections(user, today)
            sections.append(worklist.duties_section(user, today))
            if m is not None:
                sections.append(worklist.quota_section(user, today, m))
        else:
            sections = worklist.office_sections(user, today)
            if is_office(user):
                sections.append(worklist.duties_section(user, today))
        sections += worklist.supervision_sections(user, today)
    ctx = {
        "membership": m,
        "sections": sections,
        "policies": Policy.objects.visible_to(user).select_related("jurisdiction")[:10],
        "team_count": Team.objects.visible_to(user).count(),
        "stage_counts": [(label, stages.get(value, 0)) for value, label in Project.Stage.choices],
        "project_count": sum(stages.values()),
        "investment_total_yi": (
            (Investment.objects.visible_to(user).aggregate(s=Sum("amount"))["s"] or 0) / 10000
        ),
        # 未报送: past the deadline, not submitted, of a campaign still running (fieldwork/selectors.py).
        "due_count": open_reports(reports, user, today).filter(due_on__lt=today).count(),
        # The office is told when this year's or (from ZHAOSHANG_CALENDAR_WARN_MONTH) next year's
        # holidays are missing or lack their 调休: deadlines then fall Monday–Friday.
        "calendar_warnings": holiday_warnings() if is_office(user) or user.is_superuser else [],
    }
    return render(request, "core/home.html", ctx)


def _log_queryset(user):
    if not user.is_authenticated:
        return ObjectChange.objects.none()
    if user.is_superuser:
        return ObjectChange.objects.all()
    if not may_read_log(user):
        raise PermissionDenied("只有招商办、督查考评和市级账号可以查看变更记录")
    return ObjectChange.objects.filter(jurisdiction_path__startswith=membership(user).jurisdiction.path)


class ChangeLogView(ObjectListView):
    model = ObjectChange
    title = "变更记录"
    template_name = "core/changelog_list.html"
    columns = [
        Col("时间", "time", sort="time"),
        Col("操作人", lambda c: c.user_name or "（系统）"),
        Col("来源", "source"),
        Col("操作", "action"),
        Col("对象类型", lambda c: c.content_type.name),
        Col("对象", "object_repr"),
    ]
    default_ordering = ("-time", "-id")

    def get_queryset(self):
        self.filterset = None
        qs = _log_queryset(self.request.user).select_related("user", "content_type")
        action = self.request.GET.get("action")
        if action in ObjectChange.Action.values:
            qs = qs.filter(action=action)
        return qs.order_by(*self.default_ordering)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["changes"] = ctx["object_list"]
        return ctx


@login_required
def change_detail(request, pk):
    from .changelog import shown_changed_fields

    change = get_object_or_404(_log_queryset(request.user).select_related("user", "content_type"), pk=pk)
    return render(
        request,
        "core/change_detail.html",
        {
            "change": change,
            "changed_fields": shown_changed_fields(change, request.user),
            "title": f"变更记录 #{change.pk}",
        },
    )
