"""The change log's endpoint, /api/changes/: read-only, for the roles that may read the log."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import mixins, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated

from .pages import _log_queryset
from .serializers import ObjectChangeSerializer


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


# Endpoints that are not one model's scoped rows: registered by api/urls.py after the models'.
VIEWS = {"changes": ObjectChangeViewSet}
