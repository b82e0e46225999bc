"""The problem list's endpoint: the problems (scoped like the pages) and their transitions, each the
service's (supervision/problems.py), so the API cannot close a problem the page could not."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from zhaoshang.api.base import ORDERED_FILTERS, ScopedViewSet, messages
from zhaoshang.api.serializers import ScopedModelSerializer
from zhaoshang.core.permissions import ServiceDecides

from . import problems as services
from .models import Problem
from .problems_filters import ProblemFilterSet


class ProblemSerializer(ScopedModelSerializer):
    light = serializers.SerializerMethodField(help_text="亮灯：green 绿灯、yellow 黄灯、red 红灯；已办结为空")

    class Meta:
        model = Problem
        fields = [
            "id",
            "jurisdiction",
            "project",
            "enterprise",
            "title",
            "description",
            "source",
            "decision",
            "requester_unit",
            "requester_team",
            "support_unit",
            "responsible_leader",
            "raised_on",
            "deadline_workdays",
            "due_on",
            "status",
            "light",
            "started_on",
            "resolution",
            "resolved_on",
            "closed_on",
            "confirmed_by",
            "rejection_reason",
            "rejections",
            "escalated_at",
            "raised_by",
        ]
        read_only_fields = ["jurisdiction"]

    def get_light(self, obj) -> str:
        return obj.light

    def validate(self, attrs):
        # Where the problem lives, its leader and due date follow from what is sent (the model's
        # derive(), as on the form), before the model's own validation.
        probe = (
            Problem(**{f.attname: getattr(self.instance, f.attname) for f in Problem._meta.concrete_fields})
            if (self.instance is not None)
            else Problem()
        )
        for key, value in attrs.items():
            setattr(probe, key, value)
        probe.derive()
        attrs["jurisdiction"] = probe.jurisdiction if probe.jurisdiction_id else None
        if probe.due_on is not None:
            attrs["due_on"] = probe.due_on
        if "responsible_leader" not in attrs and probe.responsible_leader_id:
            attrs["responsible_leader"] = probe.responsible_leader
        if attrs["jurisdiction"] is None:
            raise ValidationError({"project": ["项目和企业须填写其中一个"]})
        return super().validate(attrs)


class ProblemViewSet(ScopedViewSet):
    """问题清单：提出、要素保障单位办理（start、resolve）、提出单位确认销号或退回（confirm、reject）"""

    queryset = Problem.objects.all()
    serializer_class = ProblemSerializer
    filterset_class = ProblemFilterSet
    select_related = ("project", "enterprise", "support_unit", "requester_unit")
    filter_backends = ORDERED_FILTERS
    ordering_fields = ["due_on", "raised_on", "status", "support_unit__name"]

    # Filing and editing a problem is the requester's (Problem.changeable_by, through RolePermission);
    # each transition is its service's rule, which names who may (the support unit starts it).
    TRANSITIONS = ("start", "resolve", "confirm", "reject")

    def get_permissions(self):
        if self.action in self.TRANSITIONS:
            return [ServiceDecides()]
        return super().get_permissions()

    def perform_create(self, serializer):
        self._save_in_scope(serializer, raised_by=self.request.user)

    def _transition(self, fn, **kwargs):
        problem = self.get_object()
        try:
            fn(problem=problem, by=self.request.user, **kwargs)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(self.get_serializer(problem).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """要素保障单位开始办理（待办 → 办理中）"""
        return self._transition(services.problem_start)

    @extend_schema(request=None, parameters=[OpenApiParameter("resolution", str, required=True)])
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """要素保障单位办结，须填写办理结果（→ 已办结（待确认））"""
        resolution = request.data.get("resolution", "")
        if not isinstance(resolution, str):
            raise ValidationError({"resolution": ["应为文字"]})
        return self._transition(services.problem_resolve, resolution=resolution)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """提出单位确认办理结果，销号（→ 已销号）"""
        return self._transition(services.problem_confirm)

    @extend_schema(request=None, parameters=[OpenApiParameter("reason", str, required=True)])
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """提出单位不同意办理结果，退回继续办理，须填写理由（→ 办理中）"""
        reason = request.data.get("reason", "")
        if not isinstance(reason, str):
            raise ValidationError({"reason": ["应为文字"]})
        return self._transition(services.problem_reject, reason=reason)


ENDPOINTS = {"problems": ProblemViewSet}
