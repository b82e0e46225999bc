import django_filters

from zhaoshang.core.filters import SearchFilterSet

from .models import Merchant, ProjectPackage


class PackageFilterSet(SearchFilterSet):
    search_fields = ("name", "needs", "notes")
    packaged_after = django_filters.DateFilter("packaged_on", lookup_expr="gte", label="包装日期自")
    packaged_before = django_filters.DateFilter("packaged_on", lookup_expr="lte", label="包装日期至")

    class Meta:
        model = ProjectPackage
        fields = ["chain", "segment", "status", "major", "team", "unit"]


class MerchantFilterSet(SearchFilterSet):
    search_fields = ("name", "company", "region", "source")

    class Meta:
        model = Merchant
        fields = ["chain", "region", "source"]
