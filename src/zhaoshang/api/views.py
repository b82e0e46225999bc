"""The REST API: one scoped viewset per model, generated from a single table so that every
model gets the same scoping, permissions, filtering and change log."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, PermissionDenied, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from zhaoshang.assessment import filters as assessment_filters
from zhaoshang.assessment import services as assessment_services
from zhaoshang.assessment.models import (
    AssessmentRun,
    AwardDecision,
    MetricValue,
    OfficeDecision,
    PersonReward,
    ProjectEvaluation,
    ProjectTax,
    ProjectTransfer,
    SurveyScore,
)
from zhaoshang.bulletins import services as bulletin_services
from zhaoshang.bulletins.models import Bulletin
from zhaoshang.core.pages import _log_queryset
from zhaoshang.core.scoping import membership
from zhaoshang.core.validators import check_date
from zhaoshang.fieldwork import filters as fieldwork_filters
from zhaoshang.fieldwork import services as fieldwork_services
from zhaoshang.fieldwork.models import Activity, Decision, Lead, Report
from zhaoshang.fieldwork.quotas import quota_progress
from zhaoshang.ledger import filters as ledger_filters
from zhaoshang.ledger import selectors as ledger_selectors
from zhaoshang.ledger import services as ledger_services
from zhaoshang.ledger.models import (
    ContactPerson,
    Enterprise,
    Investment,
    OwnershipClaim,
    Project,
    ProjectPartner,
    ProjectPhase,
    StageChange,
)
from zhaoshang.org import filters as org_filters
from zhaoshang.org.models import HolderGroup, Jurisdiction, Person, Policy, Target, Team, Unit

from .serializers import (
    ContactPersonSerializer,
    EnterpriseSerializer,
    InvestmentTotalsSerializer,
    ObjectChangeSerializer,
    OwnershipCheckSerializer,
    ProjectPartnerSerializer,
    ProjectSerializer,
    StageChangeInputSerializer,
    StageChangeSerializer,
    serializer_for,
)


class StableOrderingFilter(OrderingFilter):
    """`?ordering=a,-b` over the fields a view lists in `ordering_fields` only (an open list would
    let a client sort by, and so probe, columns it is not shown). Ties are broken by id so that
    pages neither repeat nor skip rows; without the parameter the view's default ordering stays.
    A view's `ordering_expressions` sort a field by an expression (stages in pipeline order)."""

    ordering_description = "排序字段，多个用逗号分隔，字段前加 - 为倒序"

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        expressions = getattr(view, "ordering_expressions", {})
        terms = []
        for term in ordering:
            name = term.removeprefix("-")
            if name in expressions:
                expr = expressions[name]()
                terms.append(expr.desc() if term.startswith("-") else expr.asc())
            else:
                terms.append(term)
        return queryset.order_by(*terms, "pk")

    def get_schema_operation_parameters(self, view):
        fields = [f for f in getattr(view, "ordering_fields", None) or [] if isinstance(f, str)]
        values = [v for f in fields for v in (f, f"-{f}")]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"{self.ordering_description}；可选：{'、'.join(fields)}",
                "schema": {"type": "array", "items": {"type": "string", "enum": values}},
                "style": "form",
                "explode": False,
            }
        ]


ORDERED_FILTERS = [DjangoFilterBackend, StableOrderingFilter]


class ScopedViewSet(viewsets.ModelViewSet):
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def get_queryset(self):
        qs = self.queryset.model.objects.visible_to(self.request.user)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs.order_by(*(self.queryset.model._meta.ordering or ["pk"]), "pk")

    def _save_in_scope(self, serializer, **extra):
        # The one rule of what a writer may name (core/scoping.py), before anything is written:
        # a 400 naming the field. The record as it would be saved: the stored one (unchanged
        # until save) with what was sent.
        import copy

        from zhaoshang.core.scoping import write_fields, write_scope_errors

        model = serializer.Meta.model
        stored = serializer.instance
        spec = write_fields(model)
        if spec.holder or spec.parents:
            record = copy.copy(stored) if stored is not None else model()
            for key, value in {**serializer.validated_data, **extra}.items():
                if key in spec.holder or key in spec.parents:
                    setattr(record, key, value)
            errors = write_scope_errors(self.request.user, record, before=stored)
            if errors:
                raise ValidationError({name: [message] for name, message in errors.items()})
        try:
            with transaction.atomic():
                obj = serializer.save(**extra)
                if not type(obj).objects.visible_to(self.request.user).filter(pk=obj.pk).exists():
                    raise DjangoPermissionDenied
        except DjangoPermissionDenied:
            raise PermissionDenied("不能将记录登记到您权限范围以外的单位或团队") from None

    def perform_create(self, serializer):
        self._save_in_scope(serializer)

    def perform_update(self, serializer):
        self._save_in_scope(serializer)


def viewset_for(
    model,
    fields,
    *,
    filterset=None,
    read_only_fields=(),
    writable=True,
    creatable=True,
    select_related=(),
    prefetch=(),
    ordering_fields=(),
):
    attrs = {
        "queryset": model.objects.all(),
        "serializer_class": serializer_for(model, fields, read_only_fields),
        "filterset_class": filterset,
        "select_related": tuple(select_related),
        "prefetch_related": tuple(prefetch),
        "__doc__": f"{model._meta.verbose_name_plural}（按当前用户权限范围）",
    }
    if ordering_fields:
        attrs["filter_backends"] = ORDERED_FILTERS
        attrs["ordering_fields"] = list(ordering_fields)
    if not writable:
        attrs["http_method_names"] = ["get", "head", "options"]
    elif not creatable:
        # Created by loading a policy file; the office edits them afterwards.
        attrs["http_method_names"] = ["get", "put", "patch", "head", "options"]
    return type(f"{model.__name__}ViewSet", (ScopedViewSet,), attrs)


ENDPOINTS = {
    "jurisdictions": viewset_for(
        Jurisdiction,
        ["code", "name", "level", "parent", "path"],
        filterset=org_filters.JurisdictionFilterSet,
        writable=False,
    ),
    "policies": viewset_for(
        Policy,
        [
            "name",
            "title",
            "document_number",
            "issuer",
            "source",
            "office",
            "jurisdiction",
            "start",
            "end",
            "content",
            "loaded_at",
        ],
        filterset=org_filters.PolicyFilterSet,
        writable=False,
    ),
    "units": viewset_for(
        Unit,
        ["jurisdiction", "name", "full_name", "kind", "aliases", "placeholder"],
        filterset=org_filters.UnitFilterSet,
    ),
    "people": viewset_for(
        Person,
        ["jurisdiction", "name", "title", "kind", "unit", "placeholder"],
        filterset=org_filters.PersonFilterSet,
    ),
    "teams": viewset_for(
        Team,
        [
            "policy",
            "jurisdiction",
            "key",
            "number",
            "name",
            "kind",
            "focus_industries",
            "channels",
            "resident_regions",
            "chain_leaders",
            "head",
            "deputies",
            "lead_unit",
            "member_units",
            "target_text",
            "clause",
            "placeholder",
        ],
        creatable=False,
        filterset=org_filters.TeamFilterSet,
        read_only_fields=("policy", "jurisdiction", "key", "kind", "clause"),
        prefetch=("deputies", "member_units"),
    ),
    "groups": viewset_for(
        HolderGroup,
        [
            "policy",
            "jurisdiction",
            "key",
            "label",
            "holder",
            "target_text",
            "clause",
            "teams",
            "units",
            "people",
            "jurisdictions",
        ],
        creatable=False,
        filterset=org_filters.HolderGroupFilterSet,
        read_only_fields=("policy", "jurisdiction", "key", "holder", "clause"),
        prefetch=("teams", "units", "people", "jurisdictions"),
    ),
    "targets": viewset_for(
        Target,
        [
            "policy",
            "period",
            "holder_kind",
            "holder_jurisdiction",
            "team",
            "unit",
            "person",
            "group_key",
            "metric",
            "metric_label",
            "value",
            "uom",
            "clause",
            "text",
        ],
        creatable=False,
        filterset=org_filters.TargetFilterSet,
        read_only_fields=(
            "policy",
            "period",
            "holder_kind",
            "holder_jurisdiction",
            "team",
            "unit",
            "person",
            "group_key",
            "metric",
            "metric_label",
            "uom",
            "clause",
        ),
    ),
    "investments": viewset_for(
        Investment,
        ["jurisdiction", "project", "month", "amount", "unit", "team"],
        filterset=ledger_filters.InvestmentFilterSet,
        ordering_fields=("month", "amount", "project__name", "unit__name", "team__name"),
    ),
    "activities": viewset_for(
        Activity,
        [
            "jurisdiction",
            "kind",
            "unit",
            "team",
            "date",
            "days",
            "leader",
            "head_led",
            "members",
            "region",
            "place",
            "trip",
            "enterprise",
            "enterprise_name",
            "counterpart",
            "merchant",
            "merchants_invited",
            "projects_signed",
            "meeting_kind",
            "on_site",
            "cost_yuan",
            "summary",
            "minutes",
        ],
        filterset=fieldwork_filters.ActivityFilterSet,
        prefetch=("projects_signed",),
    ),
    "decisions": viewset_for(
        Decision,
        ["activity", "text", "owner", "due_on", "done_on"],
        filterset=fieldwork_filters.DecisionFilterSet,
        select_related=("activity",),
    ),
}


class EnterpriseViewSet(ScopedViewSet):
    """企业（客商库）；登记时按统一社会信用代码或名称查重（首招负责制）；联系人信息按角色脱敏"""

    queryset = Enterprise.objects.all()
    serializer_class = EnterpriseSerializer
    filterset_class = ledger_filters.EnterpriseFilterSet
    select_related = ("unit", "team")
    prefetch_related = ("contacts",)
    filter_backends = ORDERED_FILTERS
    ordering_fields = ["name", "industry", "created", "unit__name", "team__name"]

    @extend_schema(
        parameters=[OpenApiParameter("name", str), OpenApiParameter("uscc", str)],
        responses={200: OwnershipCheckSerializer},
    )
    @action(detail=False, methods=["get"])
    def check(self, request):
        """是否已有其他单位首报该企业"""
        m = membership(request.user)
        match = None
        if m is not None:
            match = ledger_services.enterprise_find_holder(
                jurisdiction=m.jurisdiction,
                name=request.query_params.get("name", ""),
                uscc=request.query_params.get("uscc", "").upper(),
            )
        return Response(
            {
                "held": match is not None,
                "holder_unit": match.enterprise.unit.name if match else None,
                "since": match.enterprise.created if match else None,
                "matched_by": match.by if match else None,
                "message": match.message if match else "",
            }
        )


class ProjectViewSet(ScopedViewSet):
    """项目台账；阶段变更经 advance 接口，留档可查"""

    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ledger_filters.ProjectFilterSet
    # No select_related: the serializer gives related records as ids, read from the row itself;
    # joining them would only widen the query (sorting by their names joins what it needs).
    prefetch_related = ("partners",)
    filter_backends = ORDERED_FILTERS
    # The columns of the project list page, sorted the same way.
    ordering_fields = [
        "name", "enterprise__name", "stage", "total_investment", "unit__name", "team__name", "signed_on",
        "started_on", "registered_on",
    ]  # fmt: skip
    ordering_expressions = {"stage": ledger_selectors.stage_rank}

    @extend_schema(request=StageChangeInputSerializer, responses={201: StageChangeSerializer})
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        """调整项目阶段（回退或终止须填写原因）"""
        project = self.get_object()
        data = StageChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            change = ledger_services.project_advance_stage(
                project=project, by=request.user, **data.validated_data
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(StageChangeSerializer(change).data, status=201)


class OwnershipClaimViewSet(ScopedViewSet):
    """归属裁定（只读；申请与裁定在 claim / decide 接口）"""

    queryset = OwnershipClaim.objects.all()
    serializer_class = serializer_for(
        OwnershipClaim,
        ["jurisdiction", "enterprise", "holder_unit", "claimant_unit", "claimant_team", "reason", "status", "decision",
         "decided_at", "created"],
        ["jurisdiction", "enterprise", "holder_unit", "claimant_unit", "claimant_team", "reason", "status", "decision",
         "decided_at", "created"],
    )  # fmt: skip
    filterset_class = ledger_filters.OwnershipClaimFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        """按企业名称或统一社会信用代码申请归属裁定"""
        m = membership(request.user)
        if m is None or (m.unit_id is None and m.team_id is None):
            raise PermissionDenied("只有单位或团队账号可以申请归属裁定")
        bad = [k for k in ("name", "uscc", "reason") if not isinstance(request.data.get(k, ""), str)]
        if bad:
            raise ValidationError({k: ["应为文字"] for k in bad})
        match = ledger_services.enterprise_find_holder(
            jurisdiction=m.jurisdiction,
            name=request.data.get("name", ""),
            uscc=str(request.data.get("uscc", "")).upper(),
        )
        if match is None:
            raise ValidationError({"name": "未找到已登记的该企业"})
        try:
            claim = ledger_services.claim_file(
                enterprise=match.enterprise,
                unit=m.unit or m.team.lead_unit,
                team=m.team,
                reason=str(request.data.get("reason", "")),
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(self.get_serializer(claim).data, status=201)

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """招商办裁定：upheld=true 改归申请单位，false 维持原首报单位"""
        claim = self.get_object()
        m = membership(request.user)
        if not (request.user.is_superuser or (m is not None and m.role == "office")):
            raise PermissionDenied("只有招商办可以裁定企业归属")
        try:
            ledger_services.claim_decide(
                claim=claim,
                upheld=str(request.data.get("upheld", "")).lower() in ("1", "true", "yes"),
                decision=str(request.data.get("decision", "")),
                by=request.user,
            )
        except DjangoValidationError as exc:
            raise ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            ) from None
        return Response(self.get_serializer(claim).data)


class ReportViewSet(ScopedViewSet):
    """信息报送：由报送日历生成；单位提交报送内容，提交时间由服务器记录（按当前用户权限范围）"""

    queryset = Report.objects.all()
    serializer_class = serializer_for(
        Report,
        [
            "jurisdiction",
            "calendar_key",
            "name",
            "unit",
            "team",
            "covers_start",
            "covers_end",
            "due_on",
            "submitted_at",
            "content",
            "reopened_at",
            "reopen_reason",
        ],
        [
            "jurisdiction",
            "calendar_key",
            "name",
            "unit",
            "team",
            "covers_start",
            "covers_end",
            "due_on",
            "submitted_at",
            "reopened_at",
            "reopen_reason",
        ],
    )
    filterset_class = fieldwork_filters.ReportFilterSet
    select_related = ("unit", "team")
    http_method_names = ["get", "put", "patch", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        # Reports come from the policy's calendar (zhaoshang schedule_reports), never by hand.
        raise MethodNotAllowed("POST", detail="信息报送由报送日历生成，不能直接新建")

    def perform_update(self, serializer):
        from django.utils import timezone

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
        _require_office(request.user, "只有招商办可以退回报送")
        report = self.get_object()
        due_on = request.data.get("due_on") or None
        try:
            from datetime import date

            due = date.fromisoformat(due_on) if due_on else None
        except (TypeError, ValueError):
            raise ValidationError({"due_on": "日期格式应为 YYYY-MM-DD"}) from None
        try:
            check_date(due, "新的截止日期")
        except DjangoValidationError as exc:
            raise ValidationError({"due_on": exc.messages}) from None
        try:
            fieldwork_services.report_reopen(report, request.data.get("reason", ""), due)
        except DjangoValidationError as exc:
            raise ValidationError(_messages(exc)) from None
        return Response(self.get_serializer(report).data)


def _require_office(user, message):
    m = membership(user)
    if not (user.is_superuser or (m is not None and m.role == "office")):
        raise PermissionDenied(message)


def _office_policy(request, message) -> Policy:
    """For the office's own actions: the role check, then the named policy within reach."""
    _require_office(request.user, message)
    policy = Policy.objects.visible_to(request.user).filter(name=request.data.get("policy")).first()
    if policy is None:
        raise ValidationError({"policy": "请给出您可查看的政策文件名称"})
    return policy


def _messages(exc: DjangoValidationError):
    return exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}


class LeadViewSet(ScopedViewSet):
    """线索信息：单位报送，招商办甄别（有效/无效、等级、有价值），积分按政策文件的线索积分制计算"""

    queryset = Lead.objects.all()
    serializer_class = serializer_for(
        Lead,
        [
            "jurisdiction", "unit", "team", "reported_on", "title", "enterprise_name", "enterprise", "industry",
            "planned_investment", "content", "activity", "status", "valuable", "grade", "points",
            "screened_at", "screened_by", "screening_note", "project",
        ],
        ["status", "valuable", "grade", "points", "screened_at", "screened_by", "screening_note"],
    )  # fmt: skip
    filterset_class = fieldwork_filters.LeadFilterSet
    select_related = ("unit", "team")

    def perform_update(self, serializer):
        lead = serializer.instance
        if lead.status != Lead.Status.SUBMITTED:
            _require_office(self.request.user, "该线索已甄别，如需修改请联系招商办")
        self._save_in_scope(serializer)

    def perform_destroy(self, instance):
        if instance.status != Lead.Status.SUBMITTED:
            _require_office(self.request.user, "该线索已甄别，只有招商办可以删除")
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
        _require_office(request.user, "只有招商办可以甄别线索")
        lead = self.get_object()
        data = {k: request.data.get(k, "") for k in ("status", "grade", "valuable", "note")}
        bad = [k for k, v in data.items() if not isinstance(v, str | bool | int)]
        if bad:
            raise ValidationError({k: "应为文字" for k in bad})
        data = {k: str(v) for k, v in data.items()}
        valuable = data["valuable"].lower() in ("1", "true", "yes", "是")
        try:
            fieldwork_services.lead_screen(
                lead, request.user, data["status"], grade=data["grade"], valuable=valuable, note=data["note"][:200],
            )  # fmt: skip
        except DjangoValidationError as exc:
            raise ValidationError(_messages(exc)) from None
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
        from datetime import date

        from django.utils import timezone

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


class InvestmentTotalsViewSet(viewsets.ViewSet):
    """实际进资汇总：按计入单位或计入团队合计某一时期的实际进资（各份额计入各自单位；按当前用户权限范围）"""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "group", str, enum=["unit", "team"], description="unit 按计入单位，team 按计入团队"
            ),
            OpenApiParameter(
                "period",
                str,
                description="时期：2024、2024-06、2024-Q2、2024-H1 或 2024-01..2024-05；不填为全部月份",
            ),
        ],
        responses={200: InvestmentTotalsSerializer},
    )
    def list(self, request):
        from decimal import Decimal

        from zhaoshang.engine.periods import PeriodParseError

        group = request.query_params.get("group", "unit")
        if group not in ("unit", "team"):
            raise ValidationError({"group": ["应为 unit（按计入单位）或 team（按计入团队）"]})
        period = request.query_params.get("period", "").strip()
        try:
            span = ledger_selectors.period_span(period) if period else None
            if span is not None:
                check_date(span.start, "时期起")
                check_date(span.end, "时期止")
        except PeriodParseError as exc:
            raise ValidationError({"period": [str(exc)]}) from None
        except (ValueError, DjangoValidationError):  # year 0000, or outside 2000–2100
            raise ValidationError(
                {"period": [f"时期“{period[:40]}”超出范围：年份应在 2000 至 2100 之间"]}
            ) from None
        rows = ledger_selectors.investment_totals(
            Investment.objects.visible_to(request.user), by=group, period=period or None
        )
        data = {
            "group": group,
            "period": period,
            "start": span.start if span else None,
            "end": span.end if span else None,
            "total": sum((r["total"] for r in rows), Decimal(0)),
            "results": [
                {"id": r["key"], "name": r["name"], "total": r["total"], "months": r["months"]} for r in rows
            ],
        }
        return Response(InvestmentTotalsSerializer(data).data)


class AssessmentRunViewSet(ScopedViewSet):
    """考核结果：每个考核期的各版本；结果 JSON 含得分、排名、每项得分的规则与条款、榜单、预警、资金与奖励"""

    queryset = AssessmentRun.objects.all()
    serializer_class = serializer_for(
        AssessmentRun,
        ["jurisdiction", "policy", "period", "version", "status", "as_of", "reason", "result", "forecast", "notes",
         "run_by", "published_at", "published_by"],
        ["jurisdiction", "policy", "period", "version", "status", "as_of", "reason", "result", "forecast", "notes",
         "run_by", "published_at", "published_by"],
    )  # fmt: skip
    filterset_class = assessment_filters.AssessmentRunFilterSet
    select_related = ("policy",)
    http_method_names = ["get", "post", "head", "options"]
    # Results are never written directly: creating runs the engine, and both actions check the role.
    permission_classes = [IsAuthenticated]

    def create(self, request, *args, **kwargs):
        """招商办计算（或重新计算）一个考核期：policy、period，更正已发布结果时须给 reason"""
        policy = _office_policy(request, "只有招商办可以计算考核结果")
        period, reason = request.data.get("period", ""), request.data.get("reason", "")
        if not isinstance(period, str) or not isinstance(reason, str):
            raise ValidationError({"period": "考核期与理由应为文字"})
        try:
            run = assessment_services.run(policy, period.strip(), user=request.user, reason=reason)  # fmt: skip
        except DjangoValidationError as exc:
            raise ValidationError(_messages(exc)) from None
        return Response(self.get_serializer(run).data, status=201)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """发布并锁定该版本"""
        _require_office(request.user, "只有招商办可以发布考核结果")
        run = self.get_object()
        try:
            run = assessment_services.publish(run, user=request.user)
        except DjangoValidationError as exc:
            raise ValidationError(_messages(exc)) from None
        return Response(self.get_serializer(run).data)


_HOLDER = ["policy", "holder_kind", "team", "unit", "person", "holder_jurisdiction"]
ENDPOINTS["assessments"] = AssessmentRunViewSet
ENDPOINTS["metric-values"] = viewset_for(
    MetricValue, ["jurisdiction", *_HOLDER, "metric", "period", "value", "source"],
    filterset=assessment_filters.MetricValueFilterSet, read_only_fields=("jurisdiction",),
)  # fmt: skip
ENDPOINTS["survey-scores"] = viewset_for(
    SurveyScore,
    ["jurisdiction", *_HOLDER, "period", "score"],
    filterset=assessment_filters.SurveyScoreFilterSet,
    read_only_fields=("jurisdiction",),
)
ENDPOINTS["office-decisions"] = viewset_for(
    OfficeDecision, ["jurisdiction", "key", *_HOLDER, "period", "reason"],
    filterset=assessment_filters.OfficeDecisionFilterSet, read_only_fields=("jurisdiction",),
)  # fmt: skip
ENDPOINTS["award-decisions"] = viewset_for(
    AwardDecision, ["jurisdiction", "rule", "grade", *_HOLDER, "project", "amount_wan"],
    filterset=assessment_filters.AwardDecisionFilterSet, read_only_fields=("jurisdiction",),
)  # fmt: skip
ENDPOINTS["person-rewards"] = viewset_for(
    PersonReward, ["jurisdiction", "policy", "person", "unit", "amount_yuan", "on", "reason"],
    filterset=assessment_filters.PersonRewardFilterSet, read_only_fields=("jurisdiction",),
)  # fmt: skip
ENDPOINTS["project-taxes"] = viewset_for(
    ProjectTax, ["project", "month", "amount_wan"],
    filterset=assessment_filters.ProjectTaxFilterSet, select_related=("project",),
)  # fmt: skip
ENDPOINTS["project-evaluations"] = viewset_for(
    ProjectEvaluation, ["project", "year", "in_statistics", "tax_paid", "investment_verified", "note"],
    filterset=assessment_filters.ProjectEvaluationFilterSet, select_related=("project",),
)  # fmt: skip
ENDPOINTS["project-transfers"] = viewset_for(
    ProjectTransfer, ["project", "hosting", "introducing_share", "agreed_on"],
    filterset=assessment_filters.ProjectTransferFilterSet, select_related=("project",),
)  # fmt: skip
ENDPOINTS["reports"] = ReportViewSet
ENDPOINTS["leads"] = LeadViewSet
ENDPOINTS["enterprises"] = EnterpriseViewSet
ENDPOINTS["projects"] = ProjectViewSet
ENDPOINTS["claims"] = OwnershipClaimViewSet
ENDPOINTS["stage-changes"] = viewset_for(
    StageChange,
    ["project", "from_stage", "to_stage", "on", "kind", "reason", "evidence", "by", "created"],
    writable=False,
    select_related=("project",),
)
# The same serializer as the `advance` action's answer: one StageChange in the schema.
ENDPOINTS["stage-changes"].serializer_class = StageChangeSerializer
ENDPOINTS["contacts"] = viewset_for(
    ContactPerson, ["enterprise", "name", "title", "phone", "primary", "note"],
    filterset=ledger_filters.ContactPersonFilterSet, select_related=("enterprise",),
)  # fmt: skip
ENDPOINTS["contacts"].serializer_class = ContactPersonSerializer
ENDPOINTS["project-partners"] = viewset_for(
    ProjectPartner, ["project", "enterprise", "role", "investment"],
    filterset=ledger_filters.ProjectPartnerFilterSet, select_related=("project", "enterprise"),
)  # fmt: skip
ENDPOINTS["project-partners"].serializer_class = ProjectPartnerSerializer
ENDPOINTS["phases"] = viewset_for(
    ProjectPhase,
    [
        "project",
        "number",
        "name",
        "planned_start",
        "planned_end",
        "investment",
        "capacity",
        "output",
        "tax",
        "jobs",
    ],
)


class BulletinViewSet(ScopedViewSet):
    """战报简报：每月战报、工作简报、通报；POST 生成（policy、kind、period），有后台任务进程时排队，
    status 与 progress 表示进度，docx/xlsx/pdf 为下载地址"""

    queryset = Bulletin.objects.all()
    serializer_class = serializer_for(
        Bulletin,
        ["jurisdiction", "policy", "kind", "period", "year", "sequence", "number", "title", "run", "status",
         "progress", "message", "requested_by", "finished_at", "downloads"],
        ["jurisdiction", "policy", "kind", "period", "year", "sequence", "number", "title", "run", "status",
         "progress", "message", "requested_by", "finished_at"],
    )  # fmt: skip
    select_related = ("policy",)
    http_method_names = ["get", "post", "head", "options"]
    permission_classes = [IsAuthenticated]

    def create(self, request, *args, **kwargs):
        """招商办生成一份战报简报：policy（政策文件名称）、kind（monthly/briefing/notice）、period"""
        policy = _office_policy(request, "只有招商办可以生成战报简报")
        kind, period = request.data.get("kind", ""), request.data.get("period", "")
        if not isinstance(kind, str) or not isinstance(period, str):
            raise ValidationError({"period": "类别与时期应为文字"})
        try:
            bulletin = bulletin_services.request_bulletin(
                policy=policy, kind=kind, period=period, user=request.user
            )
        except DjangoValidationError as exc:
            raise ValidationError(_messages(exc)) from None
        return Response(self.get_serializer(bulletin).data, status=201)


ENDPOINTS["bulletins"] = BulletinViewSet


class ObjectChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """变更记录（只读；招商办、督查考评、市级账号可见）"""

    serializer_class = ObjectChangeSerializer
    # Who may read the log is decided in get_queryset; writes do not exist (405).
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        try:
            return _log_queryset(self.request.user).select_related("content_type")
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
