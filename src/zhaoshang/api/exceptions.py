"""The API's exception handler: what DRF answers itself, plus the errors a client can cause that
reach it from Django or the database, as 4xx answers in Chinese instead of a 500.

- deleting a record still in use (ProtectedError, RestrictedError): 409, naming what uses it,
  counted by kind (“该单位仍被 12 个项目、3 条实际进资使用，不能删除”);
- a Django ValidationError raised by a model or service outside a serializer: 400 with its
  messages under the fields they name.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from zhaoshang.core.validators import in_use_message


def _model_of(context):
    view = (context or {}).get("view")
    queryset = getattr(view, "queryset", None)
    return getattr(queryset, "model", None)


def exception_handler(exc, context):
    if isinstance(exc, ProtectedError | RestrictedError):
        return Response({"detail": in_use_message(exc, _model_of(context))}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        data = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
