"""Field work's endpoints (registered by api/urls.py): activities and the decisions of meetings,
leads and their screening, periodic reports, and the progress of activity quotas."""

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from zhaoshang.api.base import ScopedViewSet, messages, require_office, viewset_for
from zhaoshang.core.validators import check_date
from zhaoshang.org.models import Policy

from . import filters, services
from . import serializers as s
from .models import Activity, Decision, Lead, Report
from .quotas import quota_progress


class EnterpriseLinkingViewSet(ScopedViewSet):
    """Activities and leads: a record that names an enterprise, and points at none, is linked to
    the 客商库 enterprise of that name the user can see, as the web form does
    (`services.enterprise_link`)."""

    def _save_in_scope(self, serializer, **extra):
        data, stored = serializer.validated_data, serializer.instance
        if "enterprise" not in data and not (stored is not None and stored.enterprise_id):
            ent = services.enterprise_named(
                name=data.get("enterprise_name", getattr(stored, "enterprise_name", "")),
                jurisdiction_id=_pk(data.get("jurisdiction")) or getattr(stored, "jurisdiction_id", None),
                user=self.request.user,
            )
            if ent is not None:
                extra["enterprise"] = ent
        return super()._save_in_scope(serializer, **extra)


def _pk(value):
    return getattr(value, "pk", value)


class ReportViewSet(ScopedViewSet):
    """信息报送：由报送日历生成；单位提交报送内容，提交时间由服务器记录（按当前用户权限范围）"""

    queryset = Report.objects.all()
    serializer_class = s.ReportSerializer
    filterset_class = filters.ReportFilterSet
    select_related = ("unit", "team")
    http_method_names = ["get", "put", "patch", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        # Reports come from the policy's calendar (zhaoshang schedule_reports), never by hand.
        raise MethodNotAllowed("POST", detail="信息报送由报送日历生成，不能直接新建")

    def perform_update(self, serializer):
        content = str(serializer.validated_data.get("content", serializer.instance.content) or "").strip()
        if not content:
            raise ValidationError({"content": "报送内容不能为空"})
        extra = {"content": content}
        if not serializer.instance.submitted_at:
            extra["submitted_at"] = timezone.now()
        self._save_in_scope(serializer, **extra)

    @extend_schema(
        request=None, parameters=[OpenApiParameter("reason", str), OpenApiParameter("due_on", str)]
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """招商办退回已提交的报送（须填写理由，可给出新的截止日期）"""
        require_office(request.user, "只有招商办可以退回报送")
        report = self.get_object()
        due_on = request.data.get("due_on") or None
        try:
            due = date.fromisoformat(due_on) if due_on else None
        except (TypeError, ValueError):
            raise ValidationError({"due_on": "日期格式应为 YYYY-MM-DD"}) from None
        try:
            check_date(due, "新的截止日期")
        except DjangoValidationError as exc:
            raise ValidationError({"due_on": exc.messages}) from None
        try:
            services.report_reopen(report, request.data.get("reason", ""), due)
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(self.get_serializer(report).data)


class LeadViewSet(EnterpriseLinkingViewSet):
    """线索信息：单位报送，招商办甄别（有效/无效、等级、有价值），积分按政策文件的线索积分制计算"""

    queryset = Lead.objects.all()
    serializer_class = s.LeadSerializer
    filterset_class = filters.LeadFilterSet
    select_related = ("unit", "team")

    def perform_update(self, serializer):
        lead = serializer.instance
        if lead.status != Lead.Status.SUBMITTED:
            require_office(self.request.user, "该线索已甄别，如需修改请联系招商办")
        self._save_in_scope(serializer)

    def perform_destroy(self, instance):
        if instance.status != Lead.Status.SUBMITTED:
            require_office(self.request.user, "该线索已甄别，只有招商办可以删除")
        super().perform_destroy(instance)

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter("status", str, enum=["valid", "invalid"]),
            OpenApiParameter("grade", str),
            OpenApiParameter("valuable", bool),
            OpenApiParameter("note", str),
        ],
    )
    @action(detail=True, methods=["post"])
    def screen(self, request, pk=None):
        """招商办甄别线索"""
        require_office(request.user, "只有招商办可以甄别线索")
        lead = self.get_object()
        data = {k: request.data.get(k, "") for k in ("status", "grade", "valuable", "note")}
        bad = [k for k, v in data.items() if not isinstance(v, str | bool | int)]
        if bad:
            raise ValidationError({k: "应为文字" for k in bad})
        data = {k: str(v) for k, v in data.items()}
        valuable = data["valuable"].lower() in ("1", "true", "yes", "是")
        try:
            services.lead_screen(
                lead, request.user, data["status"], grade=data["grade"], valuable=valuable, note=data["note"][:200],
            )  # fmt: skip
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(self.get_serializer(lead).data)


class QuotaProgressViewSet(viewsets.ViewSet):
    """任务进度：政策文件中由招商活动统计的任务（配额与目标），按对象给出完成值、要求值与时间进度"""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("policy", str, required=True, description="政策文件名称，如 xinfeng-2024"),
            OpenApiParameter("on", str, description="截至日期 YYYY-MM-DD，默认今天"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request):
        policy = (
            Policy.objects.visible_to(request.user).filter(name=request.query_params.get("policy")).first()
        )
        if policy is None:
            raise ValidationError({"policy": "请给出您可查看的政策文件名称"})
        try:
            on = date.fromisoformat(request.query_params["on"]) if request.query_params.get("on") else None
            check_date(on, "截至日期")
        except ValueError:
            raise ValidationError({"on": "日期格式应为 YYYY-MM-DD"}) from None
        except DjangoValidationError as exc:
            raise ValidationError({"on": exc.messages}) from None
        on = min(max(on or timezone.localdate(), policy.start), policy.end)
        rows = quota_progress(policy, on, request.user)
        return Response(
            {
                "policy": policy.name,
                "on": on.isoformat(),
                "results": [
                    {
                        "rule": r.rule,
                        "clause": r.clause,
                        "title": r.title,
                        "metric": r.metric,
                        "metric_label": r.metric_label,
                        "uom": r.uom,
                        "holder_kind": r.holder_kind,
                        "holder": str(r.holder),
                        "holder_id": r.holder.pk,
                        "start": r.start.isoformat(),
                        "end": r.end.isoformat(),
                        "window": r.window_label,
                        "required": str(r.required),
                        "value": str(r.value),
                        "percent": r.percent,
                        "pace": r.pace(on),
                        "status": r.status(on),
                    }  # fmt: skip
                    for r in rows
                ],
            }
        )


ENDPOINTS = {
    "activities": viewset_for(
        Activity,
        s.ActivitySerializer,
        filterset=filters.ActivityFilterSet,
        prefetch=("projects_signed",),
        base=EnterpriseLinkingViewSet,
    ),
    "decisions": viewset_for(
        Decision, s.DecisionSerializer, filterset=filters.DecisionFilterSet, select_related=("activity",)
    ),
    "reports": ReportViewSet,
    "leads": LeadViewSet,
}
# Endpoints that are not one model's scoped rows: registered by api/urls.py after the models'.
VIEWS = {"quota-progress": QuotaProgressViewSet}
