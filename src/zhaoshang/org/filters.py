import django_filters

from zhaoshang.core.filters import SearchFilterSet

from .models import HolderGroup, Jurisdiction, Person, Policy, Target, Team, Unit


class JurisdictionFilterSet(SearchFilterSet):
    search_fields = ("name", "code")

    class Meta:
        model = Jurisdiction
        fields = ["level"]


class PolicyFilterSet(SearchFilterSet):
    search_fields = ("name", "title", "document_number")

    class Meta:
        model = Policy
        fields = ["jurisdiction"]


class UnitFilterSet(SearchFilterSet):
    search_fields = ("name", "full_name")

    class Meta:
        model = Unit
        fields = ["jurisdiction", "kind", "placeholder"]


class PersonFilterSet(SearchFilterSet):
    search_fields = ("name", "title")

    class Meta:
        model = Person
        fields = ["jurisdiction", "kind"]


class TeamFilterSet(SearchFilterSet):
    search_fields = ("name", "key")
    focus = django_filters.CharFilter(label="主攻方向", method="filter_focus")

    class Meta:
        model = Team
        fields = ["policy", "kind", "placeholder"]

    def filter_focus(self, queryset, name, value):
        # JSON list containment is not portable between SQLite and PostgreSQL; text match is.
        return queryset.filter(focus_industries__icontains=value) if value else queryset


class HolderGroupFilterSet(SearchFilterSet):
    search_fields = ("label", "key")

    class Meta:
        model = HolderGroup
        fields = ["policy", "holder"]


class TargetFilterSet(SearchFilterSet):
    search_fields = ("metric_label", "text", "clause", "unit__name", "team__name", "person__name")

    class Meta:
        model = Target
        fields = ["policy", "period", "holder_kind", "metric", "team", "unit", "person"]
