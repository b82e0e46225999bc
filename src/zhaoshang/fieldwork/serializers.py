"""Field work as the API gives and takes it (`fieldwork/api.py`)."""

from zhaoshang.api.serializers import serializer_for

from .models import Activity, Decision, Lead, Report


ActivitySerializer = serializer_for(
    Activity,
    ["jurisdiction", "kind", "unit", "team", "date", "days", "leader", "head_led", "members", "region", "place",
     "trip", "enterprise", "enterprise_name", "counterpart", "merchant", "merchants_invited", "projects_signed",
     "meeting_kind", "on_site", "cost_yuan", "summary", "minutes"],
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
