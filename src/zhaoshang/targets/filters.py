import django_filters

from zhaoshang.core.filters import SearchFilterSet

from .funnel import STAGES, stage_expression
from .models import LISTS, TargetContact, TargetEnterprise

LIST_CHOICES = list(LISTS.items())
STAGE_CHOICES = list(STAGES.items())


class TargetFilterSet(SearchFilterSet):
    search_fields = ("name", "uscc", "region", "source")
    rank = django_filters.ChoiceFilter(label="所属榜单", choices=LIST_CHOICES, method="filter_list")
    stage = django_filters.ChoiceFilter(label="阶段", choices=STAGE_CHOICES, method="filter_stage")
    in_library = django_filters.BooleanFilter(label="在库", method="filter_in_library")

    class Meta:
        model = TargetEnterprise
        fields = ["chain", "segment", "team", "unit"]

    def filter_list(self, queryset, name, value):
        # Named `rank`, not `lists`: a list page's template reads request.GET.lists (QueryDict.lists).
        # JSON containment is not on SQLite: the key quoted inside the stored list is the same test
        # (keys are fixed ASCII words, none a part of another once quoted).
        return queryset.filter(lists__icontains=f'"{value}"') if value else queryset

    def filter_stage(self, queryset, name, value):
        if not value:
            return queryset
        qs = queryset.annotate(funnel_stage=stage_expression())
        if value == "lead":
            return qs.filter(funnel_stage__in=["lead"])
        return qs.filter(funnel_stage=value)

    def filter_in_library(self, queryset, name, value):
        from django.utils import timezone

        if value is None:
            return queryset
        inside = queryset.in_library_on(timezone.localdate())
        return inside if value else queryset.exclude(pk__in=inside.values("pk"))


class TargetContactFilterSet(SearchFilterSet):
    search_fields = ("person", "summary")

    class Meta:
        model = TargetContact
        fields = ["target", "kind"]
