from zhaoshang.core.filters import SearchFilterSet

from .models import IndustryChain


class ChainFilterSet(SearchFilterSet):
    search_fields = ("name", "key", "clause")

    class Meta:
        model = IndustryChain
        fields = ["policy", "lead_team"]
