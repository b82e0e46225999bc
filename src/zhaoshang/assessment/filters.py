import django_filters

from zhaoshang.core.filters import SearchFilterSet

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


class AssessmentRunFilterSet(SearchFilterSet):
    search_fields = ("period", "reason")

    class Meta:
        model = AssessmentRun
        fields = ["policy", "status"]


class MetricValueFilterSet(SearchFilterSet):
    search_fields = ("metric", "period", "source")

    class Meta:
        model = MetricValue
        fields = ["policy", "holder_kind", "unit", "team"]


class SurveyScoreFilterSet(SearchFilterSet):
    search_fields = ("period",)

    class Meta:
        model = SurveyScore
        fields = ["policy", "holder_kind"]


class OfficeDecisionFilterSet(SearchFilterSet):
    search_fields = ("key", "reason")

    class Meta:
        model = OfficeDecision
        fields = ["policy", "holder_kind"]


class AwardDecisionFilterSet(SearchFilterSet):
    search_fields = ("rule", "grade")

    class Meta:
        model = AwardDecision
        fields = ["policy"]


class PersonRewardFilterSet(SearchFilterSet):
    search_fields = ("person", "reason")
    on_from = django_filters.DateFilter(field_name="on", lookup_expr="gte", label="日期起")

    class Meta:
        model = PersonReward
        fields = ["policy", "unit"]


class ProjectEvaluationFilterSet(SearchFilterSet):
    search_fields = ("project__name",)

    class Meta:
        model = ProjectEvaluation
        fields = ["year"]


class ProjectTaxFilterSet(SearchFilterSet):
    search_fields = ("project__name",)

    class Meta:
        model = ProjectTax
        fields = ["month"]


class ProjectTransferFilterSet(SearchFilterSet):
    search_fields = ("project__name",)

    class Meta:
        model = ProjectTransfer
        fields = ["hosting"]
