"""The duties' endpoints (merged into the app's `api.py`): obligations as each user may see them,
and the actions 完成 (the holder's clerk or the office, with evidence), 不适用 and 重新打开 (the
office). Obligations come from the policy (`duties.duties_schedule`), never by hand: no create,
update or delete."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from zhaoshang.api.base import ScopedViewSet, messages
from zhaoshang.api.serializers import serializer_for

from . import duties
from .duties_filters import DutyObligationFilterSet
from .models import DutyObligation


class _DutyBase(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True, help_text="pending 待办、done 已完成、overdue 逾期、not_applicable 不适用"
    )
    status_label = serializers.CharField(read_only=True)
    holder = serializers.CharField(source="holder_label", read_only=True)


_FIELDS = [
    "jurisdiction", "policy", "rule", "title", "clause", "group_key", "unit", "team", "holder", "period_start",
    "period_end", "due_on", "status", "status_label", "completed_at", "completed_by", "completion_note",
    "proved_by", "evidence", "evidence_links", "not_applicable_reason", "not_applicable_by", "not_applicable_at",
]  # fmt: skip
DutyObligationSerializer = serializer_for(DutyObligation, _FIELDS, _FIELDS, base=_DutyBase)


class _CompleteRequest(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, help_text="完成情况")
    evidence = serializers.FileField(required=False, help_text="佐证材料（PDF、图片或 Office 文档）")
    links = serializers.JSONField(
        required=False, help_text='佐证链接：[{"text": "说明", "url": "/fieldwork/…"}]'
    )


class _ReasonRequest(serializers.Serializer):
    reason = serializers.CharField(help_text="不适用理由")


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    except DjangoValidationError as exc:
        raise ValidationError(messages(exc)) from None


class DutyObligationViewSet(ScopedViewSet):
    """职责任务：政策文件的职责按对象和期间生成；承担单位（团队）办结并附佐证，招商办认定不适用或重新打开（按当前用户权限范围）"""

    queryset = DutyObligation.objects.all()
    serializer_class = DutyObligationSerializer
    filterset_class = DutyObligationFilterSet
    select_related = ("unit", "team", "policy")
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def create(self, request, *args, **kwargs):
        raise MethodNotAllowed("POST", detail="职责任务由政策文件生成，不能直接新建")

    @extend_schema(request=_CompleteRequest, responses={200: DutyObligationSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """承担单位（团队）联络员或招商办办结职责任务（完成情况、佐证材料、佐证链接至少一项）"""
        ob = self.get_object()
        links = request.data.get("links") or []
        if isinstance(links, str):
            import json

            try:
                links = json.loads(links) if links.strip() else []
            except ValueError:
                raise ValidationError({"links": "佐证链接应为 JSON 数组"}) from None
        if not isinstance(links, list):
            raise ValidationError({"links": "佐证链接应为数组"})
        note = request.data.get("note", "")
        if not isinstance(note, str):
            raise ValidationError({"note": "应为文字"})
        _call(
            duties.duty_complete,
            obligation=ob,
            by=request.user,
            note=note,
            evidence=request.FILES.get("evidence"),
            links=links,
        )
        return Response(self.get_serializer(ob).data)

    @extend_schema(request=_ReasonRequest, responses={200: DutyObligationSerializer})
    @action(detail=True, methods=["post"], url_path="not-applicable", url_name="not_applicable")
    def not_applicable(self, request, pk=None):
        """招商办认定职责任务不适用（须填写理由）"""
        if not duties.is_office(request.user):
            raise PermissionDenied("只有招商办可以认定职责任务不适用")
        ob = self.get_object()
        reason = request.data.get("reason", "")
        if not isinstance(reason, str):
            raise ValidationError({"reason": "应为文字"})
        _call(duties.duty_not_applicable, obligation=ob, reason=reason, by=request.user)
        return Response(self.get_serializer(ob).data)

    @extend_schema(request=None, responses={200: DutyObligationSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """招商办重新打开已办结或不适用的职责任务"""
        if not duties.is_office(request.user):
            raise PermissionDenied("只有招商办可以重新打开职责任务")
        ob = self.get_object()
        _call(duties.duty_reopen, obligation=ob, by=request.user)
        return Response(self.get_serializer(ob).data)


ENDPOINTS = {"duties": DutyObligationViewSet}
