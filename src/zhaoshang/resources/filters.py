import django_filters
from django.db.models import Q
from django.utils import timezone

from zhaoshang.core.filters import SearchFilterSet
from zhaoshang.core.search import matches

from .models import Carrier, CarrierAssignment, ZombieEnterprise


class CarrierFilterSet(SearchFilterSet):
    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(town__icontains=value) | Q(address__icontains=value)
        )

    class Meta:
        model = Carrier
        fields = ["kind", "status", "land_use", "town"]


class CarrierAssignmentFilterSet(SearchFilterSet):
    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(carrier__name__icontains=value) | matches(value, ("name",), prefix="project__")
        )

    class Meta:
        model = CarrierAssignment
        fields = ["status", "carrier", "project"]


class ZombieFilterSet(SearchFilterSet):
    # The class is the enterprise's (ZombieEnterprise docstring).
    zombie_class = django_filters.ChoiceFilter(
        label="类别", field_name="enterprise__zombie_class", choices=ZombieEnterprise.Class.choices
    )
    overdue = django_filters.BooleanFilter(label="逾期未复工复产", method="filter_overdue")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(matches(value, ("name",), prefix="enterprise__"))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        from . import services

        today = timezone.localdate()
        ids = [
            z.pk
            for z in queryset.select_related("jurisdiction", "enterprise")
            if services.zombie_is_overdue(z, today)
        ]
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)

    class Meta:
        model = ZombieEnterprise
        fields = ["status", "owner_unit"]
