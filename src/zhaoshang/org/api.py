"""The organisation's endpoints (registered by api/urls.py): jurisdictions and policies are read
only; teams, groups and targets come from loading a policy file and the office edits them."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from zhaoshang.api.base import ScopedViewSet, messages, require_office, viewset_for

from . import filters, services
from . import serializers as s
from .models import HolderGroup, Jurisdiction, Period, Person, Policy, Target, Team, Unit


class PeriodViewSet(ScopedViewSet):
    """时期：政策文件载入的时期，及办公室增加的时期（如多年滚动评价的下一年）。新增时可给
    copy_targets_from（另一时期的 id），其目标任务复制到新时期，再逐项修改"""

    queryset = Period.objects.all()
    serializer_class = s.PeriodSerializer
    filterset_fields = ["policy", "kind"]
    select_related = ("policy",)
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        require_office(request.user, "只有招商办可以增加时期")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        policy = Policy.objects.visible_to(request.user).filter(pk=data["policy"].pk).first()
        if policy is None:
            raise ValidationError({"policy": "请给出您可查看的政策文件"})
        source = request.data.get("copy_targets_from")
        copy_from = None
        if source not in (None, ""):
            found = Period.objects.visible_to(request.user).filter(policy=policy)
            copy_from = found.filter(pk=source).first() if str(source).isdigit() else None
            if copy_from is None:
                raise ValidationError({"copy_targets_from": "请给出本政策文件的一个时期的 id"})
        try:
            period = services.add_period(
                policy=policy, key=data["key"], label=data["label"], kind=data["kind"], start=data["start"],
                end=data["end"], weight=data.get("weight"), copy_targets_from=copy_from,
            )  # fmt: skip
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(self.get_serializer(period).data, status=201)


ENDPOINTS = {
    "jurisdictions": viewset_for(
        Jurisdiction, s.JurisdictionSerializer, filterset=filters.JurisdictionFilterSet, writable=False
    ),
    "policies": viewset_for(Policy, s.PolicySerializer, filterset=filters.PolicyFilterSet, writable=False),
    "units": viewset_for(Unit, s.UnitSerializer, filterset=filters.UnitFilterSet),
    "people": viewset_for(Person, s.PersonSerializer, filterset=filters.PersonFilterSet),
    "teams": viewset_for(
        Team,
        s.TeamSerializer,
        creatable=False,
        filterset=filters.TeamFilterSet,
        prefetch=("deputies", "member_units"),
    ),
    "groups": viewset_for(
        HolderGroup,
        s.HolderGroupSerializer,
        creatable=False,
        filterset=filters.HolderGroupFilterSet,
        prefetch=("teams", "units", "people", "jurisdictions"),
    ),
    "targets": viewset_for(Target, s.TargetSerializer, creatable=False, filterset=filters.TargetFilterSet),
    "periods": PeriodViewSet,
}
