import django_filters
from django.db.models import Q
from django.utils import timezone

from zhaoshang.core.filters import SearchFilterSet
from zhaoshang.core.search import matches

from . import problems as services
from .models import Problem


class ProblemFilterSet(SearchFilterSet):
    light = django_filters.ChoiceFilter(label="亮灯", choices=Problem.Light.choices, method="filter_light")
    open = django_filters.BooleanFilter(label="未办结", method="filter_open")
    escalated = django_filters.BooleanFilter(label="已逾期督办", method="filter_escalated")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | matches(value, ("name",), prefix="project__")
            | matches(value, ("name",), prefix="enterprise__")
        )

    def filter_light(self, queryset, name, value):
        return queryset.filter(services.light_q(value, timezone.localdate())) if value else queryset

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        q = Q(status__in=[Problem.Status.OPEN, Problem.Status.IN_PROGRESS])
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_escalated(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(escalated_at__isnull=not value)

    class Meta:
        model = Problem
        fields = ["status", "source", "support_unit", "requester_unit", "project", "enterprise"]
