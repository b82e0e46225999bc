"""The factor-resource library's endpoints: carriers and the zombie register (read by every role
of the jurisdiction, written by the office: RolePermission), and carrier assignments (read by who
sees the project; recorded, landed and released through resources/services.py, whose rule names
who may: the office or the project's team clerk)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from zhaoshang.api.base import ORDERED_FILTERS, ScopedViewSet, messages
from zhaoshang.api.serializers import ScopedModelSerializer
from zhaoshang.core.permissions import ServiceDecides

from . import services
from .filters import CarrierAssignmentFilterSet, CarrierFilterSet, ZombieFilterSet
from .models import Carrier, CarrierAssignment, ZombieEnterprise


class CarrierSerializer(ScopedModelSerializer):
    class Meta:
        model = Carrier
        fields = [
            "id", "jurisdiction", "name", "kind", "status", "town", "address", "geometry", "lon", "lat",
            "land_mu", "floor_area_m2", "owner_name", "owner_enterprise", "land_use", "price_wan_per_mu",
            "rent_yuan_per_m2_month", "available_from", "notes", "source", "zombie",
        ]  # fmt: skip
        read_only_fields = ["lon", "lat", "zombie"]


class CarrierViewSet(ScopedViewSet):
    """载体（要素资源库）：可招商的闲置土地、闲置厂房、标准厂房、批而未供土地"""

    queryset = Carrier.objects.all()
    serializer_class = CarrierSerializer
    filterset_class = CarrierFilterSet
    select_related = ("jurisdiction",)
    filter_backends = ORDERED_FILTERS
    ordering_fields = ["name", "kind", "status", "land_mu", "available_from"]


class CarrierAssignmentSerializer(ScopedModelSerializer):
    class Meta:
        model = CarrierAssignment
        fields = [
            "id", "carrier", "project", "status", "land_mu", "floor_area_m2", "assigned_on", "assigned_by",
            "released_on", "release_reason", "notes",
        ]  # fmt: skip
        read_only_fields = ["status", "assigned_on", "assigned_by", "released_on", "release_reason"]

    def validate(self, attrs):
        # Created only through services.assignment_create, which checks who may and runs the
        # model's validation with what it fills in (date, by whom); the choices above are scoped.
        return attrs


class CarrierAssignmentViewSet(ScopedViewSet):
    """载体安排：招商办或项目所属团队的联络员将载体安排给项目（意向），确认落地（land），释放（release）"""

    queryset = CarrierAssignment.objects.all()
    serializer_class = CarrierAssignmentSerializer
    filterset_class = CarrierAssignmentFilterSet
    select_related = ("carrier", "project")
    http_method_names = ["get", "post", "head", "options"]

    def get_permissions(self):
        return [ServiceDecides()]

    def _call(self, fn, **kwargs):
        try:
            return fn(by=self.request.user, **kwargs)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        a = self._call(
            services.assignment_create,
            carrier=data["carrier"],
            project=data["project"],
            land_mu=data.get("land_mu"),
            floor_area_m2=data.get("floor_area_m2"),
            notes=data.get("notes", ""),
        )
        return Response(self.get_serializer(a).data, status=201)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def land(self, request, pk=None):
        """确认落地（意向 → 已落地）"""
        a = self._call(services.assignment_land, assignment=self.get_object())
        return Response(self.get_serializer(a).data)

    @extend_schema(request=None, parameters=[OpenApiParameter("reason", str, required=True)])
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """释放载体，须填写原因"""
        reason = request.data.get("reason", "")
        if not isinstance(reason, str):
            raise ValidationError({"reason": ["应为文字"]})
        a = self._call(services.assignment_release, assignment=self.get_object(), reason=reason)
        return Response(self.get_serializer(a).data)


class ZombieSerializer(ScopedModelSerializer):
    # The enterprise's (Enterprise.zombie_*): written onto it with the entry (ZombieEnterprise.save).
    zombie_class = serializers.ChoiceField(
        ZombieEnterprise.Class.choices, help_text="类别（即企业的僵尸企业类别）"
    )
    classified_on = serializers.DateField(help_text="认定日期（即企业的僵尸企业认定日期）")
    resumed_on = serializers.DateField(required=False, allow_null=True, help_text="复工复产日期（即企业的）")
    deadline = serializers.SerializerMethodField(help_text="复工复产期限（A–C类，含当日）；D类为空")
    overdue = serializers.SerializerMethodField(help_text="是否逾期未复工复产")

    class Meta:
        model = ZombieEnterprise
        fields = [
            "id", "jurisdiction", "enterprise", "zombie_class", "classified_on", "deadline", "overdue", "plan",
            "owner_unit", "resumed_on", "status", "land_mu", "floor_area_m2", "address", "geometry", "notes",
        ]  # fmt: skip
        read_only_fields = ["jurisdiction"]

    def validate(self, attrs):
        enterprise = attrs.get("enterprise") or getattr(self.instance, "enterprise", None)
        if enterprise is not None:
            attrs["jurisdiction"] = enterprise.jurisdiction
        return super().validate(attrs)

    def get_deadline(self, obj) -> str | None:
        d = services.zombie_deadline(obj)
        return d.isoformat() if d else None

    def get_overdue(self, obj) -> bool:
        return services.zombie_is_overdue(obj)


class ZombieViewSet(ScopedViewSet):
    """僵尸企业名录（A 企业自救、B 二次招商、C 并购入伙、D 政府平台收购）"""

    queryset = ZombieEnterprise.objects.all()
    serializer_class = ZombieSerializer
    filterset_class = ZombieFilterSet
    select_related = ("enterprise", "jurisdiction", "owner_unit")

    # The entry and the enterprise's class and dates in one transaction: nothing half-saved.
    def perform_create(self, serializer):
        with transaction.atomic():
            self._save_in_scope(serializer)
            services.zombie_save(zombie=serializer.instance, by=self.request.user)

    def perform_update(self, serializer):
        with transaction.atomic():
            self._save_in_scope(serializer)
            services.zombie_save(zombie=serializer.instance, by=self.request.user)


ENDPOINTS = {
    "carriers": CarrierViewSet,
    "carrier-assignments": CarrierAssignmentViewSet,
    "zombie-enterprises": ZombieViewSet,
}
VIEWS: dict = {}
