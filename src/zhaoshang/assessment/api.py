"""The assessment's endpoints (registered by api/urls.py): runs (computing and publishing are the
office's actions) and the inputs the office enters for the engine."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from zhaoshang.api.base import ScopedViewSet, messages, office_policy, require_office, viewset_for
from zhaoshang.org.models import Policy

from . import filters, services
from . import serializers as s
from .models import (
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


class AssessmentRunViewSet(ScopedViewSet):
    """考核结果：每个考核期的各版本；结果 JSON 含得分、排名、每项得分的规则与条款、榜单、预警、资金与奖励"""

    queryset = AssessmentRun.objects.all()
    serializer_class = s.AssessmentRunSerializer
    filterset_class = filters.AssessmentRunFilterSet
    select_related = ("policy",)
    http_method_names = ["get", "post", "head", "options"]
    # Results are never written directly: creating runs the engine, and both actions check the role.
    permission_classes = [IsAuthenticated]

    def create(self, request, *args, **kwargs):
        """招商办计算（或重新计算）一个考核期：policy、period，更正已发布结果时须给 reason；
        已发布的考核期默认沿用发布时的组织和目标，current_organisation 为 true 时按现行的计算"""
        policy = office_policy(request, "只有招商办可以计算考核结果", Policy.objects)
        period, reason = request.data.get("period", ""), request.data.get("reason", "")
        if not isinstance(period, str) or not isinstance(reason, str):
            raise ValidationError({"period": "考核期与理由应为文字"})
        current = request.data.get("current_organisation", False)
        if not isinstance(current, bool):
            raise ValidationError({"current_organisation": "应为 true 或 false"})
        try:
            run = services.run(
                policy, period.strip(), user=request.user, reason=reason, current_organisation=current
            )
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(self.get_serializer(run).data, status=201)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """发布并锁定该版本"""
        require_office(request.user, "只有招商办可以发布考核结果")
        run = self.get_object()
        try:
            run = services.publish(run, user=request.user)
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(self.get_serializer(run).data)


class ProjectEvaluationViewSet(
    viewset_for(
        ProjectEvaluation,
        s.ProjectEvaluationSerializer,
        filterset=filters.ProjectEvaluationFilterSet,
        select_related=("project",),
    )
):
    """落地项目评估（三年滚动评价）；系统按台账每年生成的评估经招商办确认（confirm 接口）后计入考核"""

    @extend_schema(request=None, responses={200: s.ProjectEvaluationSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """招商办确认系统生成的落地项目评估（留档）"""
        evaluation = self.get_object()
        require_office(request.user, "只有招商办可以确认落地项目评估")
        from zhaoshang.ledger.performance import evaluation_confirm

        try:
            evaluation_confirm(evaluation=evaluation, by=request.user)
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(s.ProjectEvaluationSerializer(evaluation).data)


ENDPOINTS = {
    "assessments": AssessmentRunViewSet,
    "metric-values": viewset_for(
        MetricValue, s.MetricValueSerializer, filterset=filters.MetricValueFilterSet
    ),
    "survey-scores": viewset_for(
        SurveyScore, s.SurveyScoreSerializer, filterset=filters.SurveyScoreFilterSet
    ),
    "office-decisions": viewset_for(
        OfficeDecision, s.OfficeDecisionSerializer, filterset=filters.OfficeDecisionFilterSet
    ),
    "award-decisions": viewset_for(
        AwardDecision, s.AwardDecisionSerializer, filterset=filters.AwardDecisionFilterSet
    ),
    "person-rewards": viewset_for(
        PersonReward, s.PersonRewardSerializer, filterset=filters.PersonRewardFilterSet
    ),
    "project-taxes": viewset_for(
        ProjectTax, s.ProjectTaxSerializer, filterset=filters.ProjectTaxFilterSet, select_related=("project",)
    ),
    "project-evaluations": ProjectEvaluationViewSet,
    "project-transfers": viewset_for(
        ProjectTransfer,
        s.ProjectTransferSerializer,
        filterset=filters.ProjectTransferFilterSet,
        select_related=("project",),
    ),
}
