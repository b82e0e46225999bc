import django_filters

from zhaoshang.core.filters import SearchFilterSet

from .models import Channel, Delivery


class ChannelFilterSet(SearchFilterSet):
    search_fields = ("name", "unit__name", "team__name", "emails")

    class Meta:
        model = Channel
        fields = ["kind", "unit", "team", "active"]


class DeliveryFilterSet(SearchFilterSet):
    search_fields = ("report__name", "message", "last_error")
    created_from = django_filters.DateFilter(field_name="created_at__date", lookup_expr="gte", label="日期起")
    created_to = django_filters.DateFilter(field_name="created_at__date", lookup_expr="lte", label="日期止")
    kind = django_filters.ChoiceFilter(field_name="channel__kind", choices=Channel.Kind.choices, label="方式")

    class Meta:
        model = Delivery
        fields = ["status", "reason", "channel"]
