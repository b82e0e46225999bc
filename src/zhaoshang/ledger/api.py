"""The ledger's endpoints (registered by api/urls.py): enterprises with the first-contact check,
projects with their stage changes, ownership claims, investments and their totals."""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from zhaoshang.api.base import ORDERED_FILTERS, ScopedViewSet, messages, viewset_for
from zhaoshang.core.scoping import membership
from zhaoshang.core.validators import check_date

from . import filters, performance, selectors, services
from . import serializers as s
from .models import (
    ContactPerson,
    ContractObligation,
    Enterprise,
    Investment,
    OwnershipClaim,
    Project,
    ProjectPartner,
    ProjectPhase,
    RewardRelease,
    StageChange,
)


class EnterpriseViewSet(ScopedViewSet):
    """企业（客商库）；登记时按统一社会信用代码或名称查重（首招负责制）；联系人信息按角色脱敏"""

    queryset = Enterprise.objects.all()
    serializer_class = s.EnterpriseSerializer
    filterset_class = filters.EnterpriseFilterSet
    select_related = ("unit", "team")
    prefetch_related = ("contacts",)
    filter_backends = ORDERED_FILTERS
    ordering_fields = ["name", "industry", "created", "unit__name", "team__name"]

    @extend_schema(
        parameters=[OpenApiParameter("name", str), OpenApiParameter("uscc", str)],
        responses={200: s.OwnershipCheckSerializer},
    )
    @action(detail=False, methods=["get"])
    def check(self, request):
        """是否已有其他单位首报该企业"""
        m = membership(request.user)
        match = None
        if m is not None:
            match = services.enterprise_find_holder(
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
    serializer_class = s.ProjectSerializer
    filterset_class = filters.ProjectFilterSet
    # No select_related: the serializer gives related records as ids, read from the row itself;
    # joining them would only widen the query (sorting by their names joins what it needs).
    prefetch_related = ("partners",)
    filter_backends = ORDERED_FILTERS
    # The columns of the project list page, sorted the same way.
    ordering_fields = [
        "name", "enterprise__name", "stage", "total_investment", "unit__name", "team__name", "signed_on",
        "started_on", "registered_on",
    ]  # fmt: skip
    ordering_expressions = {"stage": selectors.stage_rank}

    @extend_schema(request=s.StageChangeInputSerializer, responses={201: s.StageChangeSerializer})
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        """调整项目阶段（回退或终止须填写原因）"""
        project = self.get_object()
        data = s.StageChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            change = services.project_advance_stage(project=project, by=request.user, **data.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        if change.repeated:
            # The same step again (sent twice, or by two at once): nothing written, 200 with a note.
            return Response({**s.StageChangeSerializer(change).data, "note": change.note}, status=200)
        return Response(s.StageChangeSerializer(change).data, status=201)

    @extend_schema(responses={200: s.PerformanceSerializer})
    @action(detail=True, methods=["get"])
    def performance(self, request, pk=None):
        """合同履约情况：各项合同义务的履约状态、四率、是否履约滞后及奖补暂缓原因、收回土地情形"""
        perf = performance.project_performance(project=self.get_object())
        return Response(s.PerformanceSerializer(perf).data)

    @extend_schema(request=s.RewardReleaseInputSerializer, responses={201: s.RewardReleaseSerializer})
    @action(detail=True, methods=["post"], url_path="release-rewards", url_name="release_rewards")
    def release_rewards(self, request, pk=None):
        """招商办解除因合同履约滞后而暂缓兑现的奖补（须填写理由，留档）"""
        project = self.get_object()
        m = membership(request.user)
        if not (request.user.is_superuser or (m is not None and m.role == "office")):
            raise PermissionDenied("只有招商办可以解除暂缓兑现的奖补")
        data = s.RewardReleaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            release = performance.reward_release(project=project, reason=data.validated_data["reason"],
                                                 by=request.user)  # fmt: skip
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(s.RewardReleaseSerializer(release).data, status=201)


class OwnershipClaimViewSet(ScopedViewSet):
    """归属裁定（只读；申请与裁定在 claim / decide 接口）"""

    queryset = OwnershipClaim.objects.all()
    serializer_class = s.OwnershipClaimSerializer
    filterset_class = filters.OwnershipClaimFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        """按企业名称或统一社会信用代码申请归属裁定"""
        m = membership(request.user)
        if m is None or (m.unit_id is None and m.team_id is None):
            raise PermissionDenied("只有单位或团队账号可以申请归属裁定")
        bad = [k for k in ("name", "uscc", "reason") if not isinstance(request.data.get(k, ""), str)]
        if bad:
            raise ValidationError({k: ["应为文字"] for k in bad})
        match = services.enterprise_find_holder(
            jurisdiction=m.jurisdiction,
            name=request.data.get("name", ""),
            uscc=str(request.data.get("uscc", "")).upper(),
        )
        if match is None:
            raise ValidationError({"name": "未找到已登记的该企业"})
        try:
            claim = services.claim_file(
                enterprise=match.enterprise,
                unit=m.unit or m.team.lead_unit,
                team=m.team,
                reason=str(request.data.get("reason", "")),
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(self.get_serializer(claim).data, status=201)

    # Who may rule is the service's to say (services.claim_may_decide): a county's office, or the
    # city for a claim between two of its counties — a role that writes no records otherwise.
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def decide(self, request, pk=None):
        """裁定：upheld=true 改归申请单位，false 维持原首报单位。县内由招商办裁定；跨县（市、区）由市里（市级账号）裁定"""
        claim = self.get_object()
        if not services.claim_may_decide(claim=claim, user=request.user):
            raise PermissionDenied(
                "跨县（市、区）的企业归属由市里裁定"
                if services.claim_across(claim)
                else "只有招商办可以裁定企业归属"
            )
        try:
            services.claim_decide(
                claim=claim,
                upheld=str(request.data.get("upheld", "")).lower() in ("1", "true", "yes"),
                decision=str(request.data.get("decision", "")),
                by=request.user,
            )
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(self.get_serializer(claim).data)


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
        responses={200: s.InvestmentTotalsSerializer},
    )
    def list(self, request):
        from zhaoshang.engine.periods import PeriodParseError

        group = request.query_params.get("group", "unit")
        if group not in ("unit", "team"):
            raise ValidationError({"group": ["应为 unit（按计入单位）或 team（按计入团队）"]})
        period = request.query_params.get("period", "").strip()
        try:
            span = selectors.period_span(period) if period else None
            if span is not None:
                check_date(span.start, "时期起")
                check_date(span.end, "时期止")
        except PeriodParseError as exc:
            raise ValidationError({"period": [str(exc)]}) from None
        except (ValueError, DjangoValidationError):  # year 0000, or outside 2000–2100
            raise ValidationError(
                {"period": [f"时期“{period[:40]}”超出范围：年份应在 2000 至 2100 之间"]}
            ) from None
        rows = selectors.investment_totals(
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
        return Response(s.InvestmentTotalsSerializer(data).data)


ENDPOINTS = {
    "investments": viewset_for(
        Investment,
        s.InvestmentSerializer,
        filterset=filters.InvestmentFilterSet,
        ordering_fields=("month", "amount", "project__name", "unit__name", "team__name"),
    ),
    "enterprises": EnterpriseViewSet,
    "projects": ProjectViewSet,
    "claims": OwnershipClaimViewSet,
    "stage-changes": viewset_for(
        StageChange, s.StageChangeSerializer, writable=False, select_related=("project",)
    ),
    "contacts": viewset_for(
        ContactPerson,
        s.ContactPersonSerializer,
        filterset=filters.ContactPersonFilterSet,
        select_related=("enterprise",),
    ),
    "project-partners": viewset_for(
        ProjectPartner,
        s.ProjectPartnerSerializer,
        filterset=filters.ProjectPartnerFilterSet,
        select_related=("project", "enterprise"),
    ),
    "phases": viewset_for(ProjectPhase, s.ProjectPhaseSerializer),
    "reward-releases": viewset_for(
        RewardRelease, s.RewardReleaseSerializer, writable=False, select_related=("project",)
    ),
    "contract-obligations": viewset_for(
        ContractObligation,
        s.ContractObligationSerializer,
        filterset=filters.ContractObligationFilterSet,
        select_related=("project",),
        ordering_fields=("due_on", "fulfilled_on", "project__name"),
    ),
}
# Endpoints that are not one model's scoped rows: registered by api/urls.py after the models'.
VIEWS = {"investment-totals": InvestmentTotalsViewSet}
