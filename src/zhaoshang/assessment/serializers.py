"""The assessment as the API gives and takes it (`assessment/api.py`): runs are read only (the
engine writes them); the office's inputs are written like any scoped record."""

from zhaoshang.api.serializers import ScopedModelSerializer, serializer_for

from .models import (
    AssessmentRun,
    AwardDecision,
    MetricValue,
    OfficeDecision,
    PersonReward,
    ProjectEvaluation,
    ProjectTax,
    ProjectTransfer,
    SurveyScore,
    validate_token,
)


class _OfficePeriodSerializer(ScopedModelSerializer):
    """`period` as the office writes it (2024年6月, 2024年第二季度, the policy's own period by
    name), as on the form and in the Excel import: the model reads it (`assessment.periods.
    OfficePeriod`, run by `full_clean` in `validate`) and the token it keeps is what is saved and
    answered. The field's token validator, which would refuse those words first, is left to the
    model, which runs it on the token."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_name == "period":
            kwargs["validators"] = [v for v in kwargs.get("validators", []) if v is not validate_token]
            kwargs["max_length"] = 100  # a policy's period by its label; the token is short
        return field_class, kwargs


_RUN = ["jurisdiction", "policy", "period", "version", "status", "as_of", "reason", "result", "forecast", "notes",
        "run_by", "published_at", "published_by"]  # fmt: skip
AssessmentRunSerializer = serializer_for(AssessmentRun, _RUN, _RUN)

_HOLDER = ["policy", "holder_kind", "team", "unit", "person", "holder_jurisdiction"]
MetricValueSerializer = serializer_for(
    MetricValue,
    ["jurisdiction", *_HOLDER, "metric", "period", "value", "source"],
    ["jurisdiction"],
    base=_OfficePeriodSerializer,
)
SurveyScoreSerializer = serializer_for(
    SurveyScore, ["jurisdiction", *_HOLDER, "period", "score"], ["jurisdiction"], base=_OfficePeriodSerializer
)
OfficeDecisionSerializer = serializer_for(
    OfficeDecision,
    ["jurisdiction", "key", *_HOLDER, "period", "reason"],
    ["jurisdiction"],
    base=_OfficePeriodSerializer,
)
AwardDecisionSerializer = serializer_for(
    AwardDecision, ["jurisdiction", "rule", "grade", *_HOLDER, "project", "amount_wan"], ["jurisdiction"]
)
PersonRewardSerializer = serializer_for(
    PersonReward,
    ["jurisdiction", "policy", "person", "unit", "amount_yuan", "on", "reason"],
    ["jurisdiction"],
)
ProjectTaxSerializer = serializer_for(ProjectTax, ["project", "month", "amount_wan"])
ProjectEvaluationSerializer = serializer_for(
    ProjectEvaluation,
    ["project", "year", "in_statistics", "tax_paid", "investment_verified", "note", "proposed", "confirmed_by",
     "confirmed_at"],
    ["proposed", "confirmed_by", "confirmed_at"],
)  # fmt: skip
ProjectTransferSerializer = serializer_for(
    ProjectTransfer, ["project", "hosting", "introducing_share", "agreed_on"]
)
