"""Field work as the API gives and takes it (`fieldwork/api.py`)."""

from rest_framework import serializers

from zhaoshang.api.serializers import ScopedModelSerializer, serializer_for

from .models import Activity, Decision, Lead, Report


class _ActivityBase(ScopedModelSerializer):
    def validate(self, attrs):
        attrs = super().validate(attrs)  # the model's clean(): fields of other kinds are refused
        # …and its many-to-many one, which the model cannot see before it is saved.
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        if "projects_signed" in attrs:
            signed = attrs["projects_signed"]
        else:
            signed = self.instance.projects_signed.all() if self.instance is not None else []
        if kind and signed and "projects_signed" in Activity(kind=kind).other_kinds_fields():
            label = Activity._meta.get_field("projects_signed").verbose_name
            raise serializers.ValidationError(
                {"projects_signed": [f"{Activity.Kind(kind).label}不填写“{label}”，请留空"]}
            )
        return attrs


ActivitySerializer = serializer_for(
    Activity,
    ["jurisdiction", "kind", "unit", "team", "date", "days", "leader", "head_led", "members", "region", "place",
     "trip", "enterprise", "enterprise_name", "counterpart", "merchant", "merchants_invited", "projects_signed",
     "meeting_kind", "on_site", "cost_yuan", "summary", "minutes"],
    base=_ActivityBase,
)  # fmt: skip
DecisionSerializer = serializer_for(Decision, ["activity", "text", "owner", "due_on", "done_on"])
ReportSerializer = serializer_for(
    Report,
    ["jurisdiction", "calendar_key", "name", "unit", "team", "covers_start", "covers_end", "due_on",
     "submitted_at", "content", "reopened_at", "reopen_reason"],
    ["jurisdiction", "calendar_key", "name", "unit", "team", "covers_start", "covers_end", "due_on",
     "submitted_at", "reopened_at", "reopen_reason"],
)  # fmt: skip
LeadSerializer = serializer_for(
    Lead,
    ["jurisdiction", "unit", "team", "reported_on", "title", "enterprise_name", "enterprise", "industry",
     "planned_investment", "content", "activity", "status", "valuable", "grade", "points",
     "screened_at", "screened_by", "screening_note", "project"],
    ["status", "valuable", "grade", "points", "screened_at", "screened_by", "screening_note"],
)  # fmt: skip
