import django_filters
from django.db.models import Q
from django.utils import timezone

from zhaoshang.core.filters import SearchFilterSet

from .models import Instruction


class InstructionFilterSet(SearchFilterSet):
    search_fields = ("content", "leader_name")
    overdue = django_filters.BooleanFilter(label="逾期未回复", method="filter_overdue")
    mine = django_filters.BooleanFilter(label="我的批示", method="filter_mine")

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        q = Q(status=Instruction.Status.OPEN, deadline__lt=timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_mine(self, queryset, name, value):
        if value is None or self.request is None:
            return queryset
        user = self.request.user
        return queryset.filter(by=user) if value else queryset.exclude(by=user)

    class Meta:
        model = Instruction
        fields = ["status", "project", "problem", "addressee_unit", "addressee_team"]
