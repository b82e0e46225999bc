"""What every app's endpoints are built from: the scoped viewset (its writes go through the one
write-scope rule, `_save_in_scope`), the table-driven `viewset_for`, the stable ordering filter,
and the office's role checks. Each app declares its endpoints beside its views, in `<app>/api.py`;
`api/urls.py` registers them. Nothing here imports an app (import-linter keeps it so)."""

import copy

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from zhaoshang.core.concurrency import StaleWrite, claim, etag, if_match_versions, version_of, versioned
from zhaoshang.core.scoping import membership, write_fields, write_scope_errors


class StableOrderingFilter(OrderingFilter):
    """`?ordering=a,-b` over the fields a view lists in `ordering_fields` only (an open list would
    let a client sort by, and so probe, columns it is not shown). Ties are broken by id so that
    pages neither repeat nor skip rows; without the parameter the view's default ordering stays.
    A view's `ordering_expressions` sort a field by an expression (stages in pipeline order)."""

    ordering_description = "排序字段，多个用逗号分隔，字段前加 - 为倒序"

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        expressions = getattr(view, "ordering_expressions", {})
        terms = []
        for term in ordering:
            name = term.removeprefix("-")
            if name in expressions:
                expr = expressions[name]()
                terms.append(expr.desc() if term.startswith("-") else expr.asc())
            else:
                terms.append(term)
        return queryset.order_by(*terms, "pk")

    def get_schema_operation_parameters(self, view):
        fields = [f for f in getattr(view, "ordering_fields", None) or [] if isinstance(f, str)]
        values = [v for f in fields for v in (f, f"-{f}")]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"{self.ordering_description}；可选：{'、'.join(fields)}",
                "schema": {"type": "array", "items": {"type": "string", "enum": values}},
                "style": "form",
                "explode": False,
            }
        ]


ORDERED_FILTERS = [DjangoFilterBackend, StableOrderingFilter]


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = "修改或删除须在 If-Match 请求头中带上读取时的 ETag（记录版本），以免覆盖他人的修改"
    default_code = "precondition_required"


class ScopedViewSet(viewsets.ModelViewSet):
    """A model's scoped endpoint. No lost update (core/concurrency.py): a read of one record
    answers its version as `ETag`; a PUT, PATCH or DELETE with `If-Match` is applied only if the
    record is still at that version — checked and taken in the write's own transaction — else
    412 with the message naming who changed it when and the record as it now stands. Without
    If-Match the write goes through (older clients), unless ZHAOSHANG_API_REQUIRE_IF_MATCH=1: 428."""

    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    _if_match: str | None = None

    def get_queryset(self):
        qs = self.queryset.model.objects.visible_to(self.request.user)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs.order_by(*(self.queryset.model._meta.ordering or ["pk"]), "pk")

    def _save_in_scope(self, serializer, **extra):
        # The one rule of what a writer may name (core/scoping.py), before anything is written:
        # a 400 naming the field. The record as it would be saved: the stored one (unchanged
        # until save) with what was sent.
        model = serializer.Meta.model
        stored = serializer.instance
        spec = write_fields(model)
        if spec.holder or spec.parents:
            record = copy.copy(stored) if stored is not None else model()
            for key, value in {**serializer.validated_data, **extra}.items():
                if key in spec.holder or key in spec.parents:
                    setattr(record, key, value)
            errors = write_scope_errors(self.request.user, record, before=stored)
            if errors:
                raise ValidationError({name: [message] for name, message in errors.items()})
        try:
            with transaction.atomic():
                if stored is not None:
                    claim(stored, self._if_match)
                obj = serializer.save(**extra)
                if not type(obj).objects.visible_to(self.request.user).filter(pk=obj.pk).exists():
                    raise DjangoPermissionDenied
        except DjangoPermissionDenied:
            raise PermissionDenied("不能将记录登记到您权限范围以外的单位或团队") from None
        return obj

    def perform_create(self, serializer):
        self._save_in_scope(serializer)

    def perform_update(self, serializer):
        self._save_in_scope(serializer)

    def perform_destroy(self, instance):
        with transaction.atomic():
            claim(instance, self._if_match)
            instance.delete()

    # --- Versions (ETag / If-Match) ---------------------------------------------------------------

    def _precondition(self, request) -> None:
        """The version an update or delete read, from If-Match (None: not given or "*")."""
        self._if_match = None
        if not versioned(self.queryset.model):
            return
        header = request.headers.get("If-Match")
        if header is None:
            if getattr(settings, "ZHAOSHANG_API_REQUIRE_IF_MATCH", False):
                raise PreconditionRequired
            return
        versions = if_match_versions(header)
        if versions is None:
            return
        # Several ETags: the write goes through if the record is at any of them; one is enough
        # to check atomically, so a list is narrowed to the stored one (or the first, refused).
        current = version_of(self.get_object())
        self._if_match = current if current in versions else (versions[0] if versions else "-")

    def _stale(self, exc: StaleWrite) -> Response:
        if exc.current is None:
            return Response({"detail": exc.message}, status=status.HTTP_412_PRECONDITION_FAILED)
        current = self.get_queryset().filter(pk=exc.current.pk).first() or exc.current
        detail = f"{exc.message}请以最新内容为准重新提交（If-Match 用新的 ETag）。"
        response = Response(
            {"detail": detail, "current": self.get_serializer(current).data},
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
        response["ETag"] = etag(current)
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if versioned(self.queryset.model):
            response["ETag"] = etag(self._retrieved)
        return response

    def get_object(self):
        obj = super().get_object()
        self._retrieved = obj
        return obj

    def update(self, request, *args, **kwargs):
        self._precondition(request)
        try:
            response = super().update(request, *args, **kwargs)
        except StaleWrite as exc:
            return self._stale(exc)
        if versioned(self.queryset.model) and response.status_code == 200:
            response["ETag"] = etag(self._retrieved)
        return response

    def destroy(self, request, *args, **kwargs):
        self._precondition(request)
        try:
            return super().destroy(request, *args, **kwargs)
        except StaleWrite as exc:
            return self._stale(exc)


def viewset_for(
    model,
    serializer,
    *,
    filterset=None,
    writable=True,
    creatable=True,
    select_related=(),
    prefetch=(),
    ordering_fields=(),
    base=ScopedViewSet,
):
    """One model's endpoint from a table row: scoped reads, scoped writes, the app's filterset."""
    attrs = {
        "queryset": model.objects.all(),
        "serializer_class": serializer,
        "filterset_class": filterset,
        "select_related": tuple(select_related),
        "prefetch_related": tuple(prefetch),
        "__doc__": f"{model._meta.verbose_name_plural}（按当前用户权限范围）",
    }
    if ordering_fields:
        attrs["filter_backends"] = ORDERED_FILTERS
        attrs["ordering_fields"] = list(ordering_fields)
    if not writable:
        attrs["http_method_names"] = ["get", "head", "options"]
    elif not creatable:
        # Created by loading a policy file; the office edits them afterwards.
        attrs["http_method_names"] = ["get", "put", "patch", "head", "options"]
    return type(f"{model.__name__}ViewSet", (base,), attrs)


def require_office(user, message):
    m = membership(user)
    if not (user.is_superuser or (m is not None and m.role == "office")):
        raise PermissionDenied(message)


def office_policy(request, message, policies):
    """For the office's own actions: the role check, then the named policy (of `policies`, the
    Policy model's manager) within reach."""
    require_office(request.user, message)
    policy = policies.visible_to(request.user).filter(name=request.data.get("policy")).first()
    if policy is None:
        raise ValidationError({"policy": "请给出您可查看的政策文件名称"})
    return policy


def messages(exc: DjangoValidationError):
    """A Django ValidationError's messages under the fields they name (`detail` if none)."""
    return exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
