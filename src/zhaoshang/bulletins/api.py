"""Bulletins' endpoint (registered by api/urls.py): the office asks for one; a worker or the
request itself generates it."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from zhaoshang.api.base import ScopedViewSet, messages, office_policy
from zhaoshang.org.models import Policy

from . import services
from .models import Bulletin
from .serializers import BulletinSerializer


class BulletinViewSet(ScopedViewSet):
    """战报简报：每月战报、工作简报、通报；POST 生成（policy、kind、period），有后台任务进程时排队，
    status 与 progress 表示进度，docx/xlsx/pdf 为下载地址"""

    queryset = Bulletin.objects.all()
    serializer_class = BulletinSerializer
    select_related = ("policy",)
    http_method_names = ["get", "post", "head", "options"]
    permission_classes = [IsAuthenticated]

    def create(self, request, *args, **kwargs):
        """招商办生成一份战报简报：policy（政策文件名称）、kind（monthly/briefing/notice）、period"""
        policy = office_policy(request, "只有招商办可以生成战报简报", Policy.objects)
        kind, period = request.data.get("kind", ""), request.data.get("period", "")
        if not isinstance(kind, str) or not isinstance(period, str):
            raise ValidationError({"period": "类别与时期应为文字"})
        try:
            bulletin = services.request_bulletin(policy=policy, kind=kind, period=period, user=request.user)
        except DjangoValidationError as exc:
            raise ValidationError(messages(exc)) from None
        return Response(self.get_serializer(bulletin).data, status=201)


ENDPOINTS = {"bulletins": BulletinViewSet}
