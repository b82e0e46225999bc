"""The assessment as the API gives and takes it (`assessment/api.py`): runs are read only (the
engine writes them); the office's inputs are written like any scoped record."""

from zhaoshang.api.serializers import serializer_for

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
)

_RUN = ["jurisdiction", "policy", "period", "version", "status", "as_of", "reason", "result", "forecast", "notes",
        "run_by", "published_at", "published_by"]  # fmt: skip
AssessmentRunSerializer = serializer_for(AssessmentRun, _RUN, _RUN)

_HOLDER = ["policy", "holder_kind", "team", "unit", "person", "holder_jurisdiction"]
MetricValueSerializer = serializer_for(
    MetricValue, ["jurisdiction", *_HOLDER, "metric", "period", "value", "source"], ["jurisdiction"]
)
SurveyScoreSerializer = serializer_for(
    SurveyScore, ["jurisdiction", *_HOLDER, "period", "score"], ["jurisdiction"]
)
OfficeDecisionSerializer = serializer_for(
    OfficeDecision, ["jurisdiction", "key", *_HOLDER, "period", "reason"], ["jurisdiction"]
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
    ProjectEvaluation, ["project", "year", "in_statistics", "tax_paid", "investment_verified", "note"]
)
ProjectTransferSerializer = serializer_for(
    ProjectTransfer, ["project", "hosting", "introducing_share", "agreed_on"]
)
