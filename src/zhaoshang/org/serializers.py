"""The organisation as the API gives and takes it (`org/api.py`)."""

from zhaoshang.api.serializers import ScopedModelSerializer, serializer_for

from .models import HolderGroup, Jurisdiction, Period, Person, Policy, Target, Team, Unit

JurisdictionSerializer = serializer_for(Jurisdiction, ["code", "name", "level", "parent", "path"])
PolicySerializer = serializer_for(
    Policy,
    ["name", "title", "document_number", "issuer", "source", "office", "jurisdiction", "start", "end",
     "content", "loaded_at"],
)  # fmt: skip
UnitSerializer = serializer_for(Unit, ["jurisdiction", "name", "full_name", "kind", "aliases", "placeholder"])
PersonSerializer = serializer_for(Person, ["jurisdiction", "name", "title", "kind", "unit", "placeholder"])
TeamSerializer = serializer_for(
    Team,
    ["policy", "jurisdiction", "key", "number", "name", "kind", "focus_industries", "channels",
     "resident_regions", "chain_leaders", "head", "deputies", "lead_unit", "member_units", "target_text",
     "clause", "placeholder"],
    ["policy", "jurisdiction", "key", "kind", "clause"],
)  # fmt: skip
HolderGroupSerializer = serializer_for(
    HolderGroup,
    ["policy", "jurisdiction", "key", "label", "holder", "target_text", "clause", "teams", "units", "people",
     "jurisdictions"],
    ["policy", "jurisdiction", "key", "holder", "clause"],
)  # fmt: skip
TargetSerializer = serializer_for(
    Target,
    ["policy", "period", "holder_kind", "holder_jurisdiction", "team", "unit", "person", "group_key", "metric",
     "metric_label", "value", "uom", "clause", "text"],
    ["policy", "period", "holder_kind", "holder_jurisdiction", "team", "unit", "person", "group_key", "metric",
     "metric_label", "uom", "clause"],
)  # fmt: skip


class _OfPolicy(ScopedModelSerializer):
    """A period lives where its policy applies."""

    def validate(self, attrs):
        if "policy" in attrs:
            attrs["jurisdiction"] = attrs["policy"].jurisdiction
        return super().validate(attrs)


PeriodSerializer = serializer_for(
    Period,
    ["policy", "jurisdiction", "key", "label", "kind", "start", "end", "weight"],
    ["jurisdiction"],
    base=_OfPolicy,
)
