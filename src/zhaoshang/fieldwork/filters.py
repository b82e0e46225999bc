import django_filters

from zhaoshang.core.filters import SearchFilterSet

from .models import REGIONS, Activity, Decision, Lead, Report


class ActivityFilterSet(SearchFilterSet):
    search_fields = ("place", "summary", "leader", "enterprise_name", "merchant")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="日期起")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="日期止")
    region = django_filters.ChoiceFilter(choices=REGIONS, label="区域")

    class Meta:
        model = Activity
        fields = ["kind", "unit", "team", "head_led"]


class LeadFilterSet(SearchFilterSet):
    search_fields = ("title", "enterprise_name", "content")
    date_from = django_filters.DateFilter(field_name="reported_on", lookup_expr="gte", label="报送日期起")
    date_to = django_filters.DateFilter(field_name="reported_on", lookup_expr="lte", label="报送日期止")

    class Meta:
        model = Lead
        fields = ["status", "valuable", "unit", "team"]


class ReportFilterSet(SearchFilterSet):
    search_fields = ("name", "content")
    submitted = django_filters.BooleanFilter(
        field_name="submitted_at", lookup_expr="isnull", exclude=True, label="已报送"
    )
    due_from = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label="截止日期起")
    due_to = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label="截止日期止")

    class Meta:
        model = Report
        fields = ["calendar_key", "unit", "team"]


class DecisionFilterSet(SearchFilterSet):
    search_fields = ("text", "owner")
    open = django_filters.BooleanFilter(field_name="done_on", lookup_expr="isnull", label="未办结")
    due_to = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label="完成时限至")

    class Meta:
        model = Decision
        fields = []
