"""Leaders' instructions in the API: read as the pages show them; POST issues one (a leader, or
the office recording one), `reply` and `close` are the services'. No update or delete: an
instruction once issued is answered or closed, not rewritten."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from zhaoshang.api.base import ScopedViewSet, messages, viewset_for
from zhaoshang.api.serializers import ScopedModelSerializer, serializer_for
from zhaoshang.core.permissions import ServiceDecides

from . import instructions as services
from .instructions_filters import InstructionFilterSet
from .models import Instruction, InstructionReply


class InstructionSerializer(ScopedModelSerializer):
    overdue = serializers.SerializerMethodField(help_text="已过办理期限仍未回复")

    class Meta:
        model = Instruction
        fields = [
            "id",
            "jurisdiction",
            "by",
            "leader_name",
            "project",
            "problem",
            "content",
            "issued_on",
            "deadline",
            "addressee_unit",
            "addressee_team",
            "status",
            "overdue",
            "closed_on",
        ]
        read_only_fields = ["jurisdiction", "by", "issued_on"]

    def get_overdue(self, obj) -> bool:
        return obj.overdue

    def validate(self, attrs):
        # The model's own validation runs in the service (instruction_issue), with who issues it.
        return attrs


InstructionReplySerializer = serializer_for(
    InstructionReply, ["instruction", "content", "by", "replied_on"], read_only=["by", "replied_on"]
)


class InstructionViewSet(ScopedViewSet):
    """领导批示：领导作出批示（POST），承办单位回复（reply），领导办结（close）"""

    queryset = Instruction.objects.all()
    serializer_class = InstructionSerializer
    filterset_class = InstructionFilterSet
    select_related = ("project", "problem", "addressee_unit", "addressee_team")
    http_method_names = ["get", "post", "head", "options"]
    permission_classes = [ServiceDecides]

    def perform_create(self, serializer):
        obj = Instruction(**serializer.validated_data)
        try:
            services.instruction_issue(instruction=obj, by=self.request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        serializer.instance = obj

    def create(self, request, *args, **kwargs):
        if not services.may_issue(request.user):
            raise PermissionDenied("只有领导（或招商办代为登记）可以作出批示")
        return super().create(request, *args, **kwargs)

    @extend_schema(request=None, parameters=[OpenApiParameter("content", str, required=True)],
                   responses=InstructionReplySerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """承办单位回复批示"""
        instruction = self.get_object()
        content = request.data.get("content", "")
        if not isinstance(content, str):
            raise ValidationError({"content": ["应为文字"]})
        try:
            reply = services.instruction_reply(instruction=instruction, content=content, by=request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(
            InstructionReplySerializer(reply, context=self.get_serializer_context()).data, status=201
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """领导办结批示"""
        instruction = self.get_object()
        try:
            services.instruction_close(instruction=instruction, by=request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(self.get_serializer(instruction).data)


ENDPOINTS = {
    "instructions": InstructionViewSet,
    "instruction-replies": viewset_for(
        InstructionReply, InstructionReplySerializer, writable=False, select_related=("instruction",)
    ),
}
