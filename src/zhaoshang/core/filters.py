import django_filters
from django import forms
from django.db.models import Q

MAX_CHOICES = 300
CHOICE_COUNT_SECONDS = 300


def _is_api(request) -> bool:
    from rest_framework.request import Request

    return isinstance(request, Request)


def _choice_count(qs, user) -> int:
    """How many choices the user has, remembered for a few minutes: every list page asks, and
    the answer (tens of units, or thousands) changes only as an organisation grows."""
    from django.core.cache import cache

    key = f"zs:choices:{qs.model._meta.label_lower}:{getattr(user, 'pk', None)}"
    return cache.get_or_set(key, qs.count, CHOICE_COUNT_SECONDS)


class AnyYesNo(forms.NullBooleanSelect):
    """A yes/no filter's choices as a list page reads them: 全部 (not Django's 未知), 是, 否."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("unknown", "全部"), ("true", "是"), ("false", "否"))


class SearchFilterSet(django_filters.FilterSet):
    """A free-text `q` over the model's `search_fields`."""

    search_fields: tuple[str, ...] = ("name",)
    q = django_filters.CharFilter(label="搜索", method="search")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        q = Q()
        for f in self.search_fields:
            q |= Q(**{f"{f}__icontains": value})
        return queryset.filter(q)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        for f in self.filters.values():
            # The OpenAPI schema generator builds the class's form fields before a model is set,
            # so without their labels (the field's verbose_name); this copy builds them again.
            if getattr(f, "_field", None) is not None and f._field.label is None:
                del f._field
        for f in self.filters.values():
            if isinstance(f, django_filters.BooleanFilter) and "widget" not in f.extra:
                f.extra["widget"] = AnyYesNo
                f.__dict__.pop("_field", None)
        for name, f in list(self.filters.items()):
            qs = getattr(f, "queryset", None)
            if qs is None or not hasattr(qs, "visible_to"):
                continue
            # Related choices only offer what the user may see.
            qs = qs.visible_to(request.user) if request is not None else qs.none()
            f.queryset = qs
            # The API takes ids and draws no drop-down: no need to count the choices there.
            if request is not None and not _is_api(request) and _choice_count(qs, request.user) > MAX_CHOICES:
                # A province sees thousands of units: a drop-down that long is useless and slow,
                # so the filter becomes "name contains".
                label_field = "name" if any(x.name == "name" for x in qs.model._meta.fields) else "label"
                self.filters[name] = django_filters.CharFilter(
                    field_name=f"{f.field_name}__{label_field}",
                    lookup_expr="icontains",
                    label=f"{f.label}（名称包含）",
                )
