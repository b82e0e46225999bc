"""The target library's API: `/api/target-enterprises/` (and `/{id}/to-lead/`, the move into the
pipeline, targets/services.py `target_to_lead`) and `/api/target-contacts/`, scoped like the
ledger's records (the office sees and writes its jurisdiction's; a clerk their own)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from zhaoshang.api.base import ScopedViewSet, messages, viewset_for
from zhaoshang.api.serializers import ScopedModelSerializer, serializer_for

from . import funnel, services
from .filters import TargetContactFilterSet, TargetFilterSet
from .models import LISTS, TargetContact, TargetEnterprise


class TargetEnterpriseSerializer(ScopedModelSerializer):
    lists = serializers.ListField(
        child=serializers.ChoiceField(choices=list(LISTS.items())),
        required=False,
        label="所属榜单",
        help_text=f"榜单代码：{'、'.join(f'{k}（{v}）' for k, v in LISTS.items())}",
    )
    stage = serializers.SerializerMethodField(help_text="招商阶段（由接触、线索及项目阶段得出）")

    class Meta:
        model = TargetEnterprise
        fields = [
            "id", "jurisdiction", "name", "uscc", "lists", "chain", "segment", "region", "source", "team", "unit",
            "enterprise", "lead", "added_on", "dropped_on", "notes", "stage",
        ]  # fmt: skip
        read_only_fields = ["lead"]
        extra_kwargs = {
            "jurisdiction": {"required": False, "help_text": "填写责任单位时以其所在行政区划为准"}
        }

    def get_stage(self, obj) -> str:
        return funnel.target_stage(obj)


ContactSerializer = serializer_for(TargetContact, ["target", "contacted_on", "kind", "person", "summary"])


class TargetLeadSerializer(serializers.Serializer):
    lead = serializers.IntegerField(help_text="新建线索的编号")
    title = serializers.CharField()


class TargetViewSet(ScopedViewSet):
    """目标企业库（按当前用户权限范围）；to-lead 将目标企业转入线索"""

    queryset = TargetEnterprise.objects.all()
    serializer_class = TargetEnterpriseSerializer
    filterset_class = TargetFilterSet
    select_related = ("jurisdiction", "lead__project")

    def get_queryset(self):
        return funnel.with_stage(super().get_queryset())

    @extend_schema(request=None, responses={201: TargetLeadSerializer})
    @action(detail=True, methods=["post"], url_path="to-lead", url_name="to_lead")
    def to_lead(self, request, pk=None):
        target = self.get_object()
        try:
            lead = services.target_to_lead(target=target, user=request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(TargetLeadSerializer({"lead": lead.pk, "title": lead.title}).data, status=201)


ENDPOINTS: dict = {
    "target-enterprises": TargetViewSet,
    "target-contacts": viewset_for(
        TargetContact, ContactSerializer, filterset=TargetContactFilterSet, select_related=("target",)
    ),
}
VIEWS: dict = {}
