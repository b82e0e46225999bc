"""The duty table's filters: policy, rule or clause, holder, status and due range."""

import django_filters
from django.utils import timezone

from zhaoshang.core.filters import SearchFilterSet

from .models import DUTY_STATUS_CHOICES, DutyObligation


class DutyObligationFilterSet(SearchFilterSet):
    search_fields = ("title", "clause", "rule", "completion_note", "not_applicable_reason")
    rule = django_filters.CharFilter(label="职责规则（代号）", lookup_expr="exact")
    clause = django_filters.CharFilter(label="条款（包含）", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(choices=DUTY_STATUS_CHOICES, label="状态", method="by_status")
    office_own = django_filters.BooleanFilter(label="招商办本级", method="by_office_own")
    due_from = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label="截止日期起")
    due_to = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label="截止日期止")

    class Meta:
        model = DutyObligation
        fields = ["policy", "unit", "team"]

    def by_status(self, queryset, name, value):
        return queryset.status_is(value, timezone.localdate()) if value else queryset

    def by_office_own(self, queryset, name, value):
        if value is None:
            return queryset
        holderless = {"unit__isnull": True, "team__isnull": True}
        return queryset.filter(**holderless) if value else queryset.exclude(**holderless)
