import functools

from django import forms

from zhaoshang.core.period_widget import PeriodWidget, is_calendar_token, years_around

from .models import (
    AwardDecision,
    MetricValue,
    OfficeDecision,
    PersonReward,
    ProjectEvaluation,
    ProjectTax,
    ProjectTransfer,
    SurveyScore,
    policy_award_rules,
    policy_decisions,
    policy_metrics,
)

HOLDER_FIELDS = ["holder_kind", "team", "unit", "person", "holder_jurisdiction"]


class RunForm(forms.Form):
    policy = forms.ChoiceField(label="政策文件")
    period = forms.CharField(
        label="考核期",
        max_length=40,
        help_text="选择年度，再选全年、半年、季度或月份",
    )
    reason = forms.CharField(
        label="更正理由", max_length=300, required=False, help_text="更正已发布的结果时必填"
    )
    current_organisation = forms.BooleanField(
        label="按现行组织和目标重算",
        required=False,
        help_text="更正已发布的考核期时，默认沿用发布时的团队、成员单位和目标任务；勾选则按现在的组织和目标计算",
    )

    def __init__(self, *args, policies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = [(p.name, f"{p.title}（{p.name}）") for p in policies]
        self.fields["period"].widget = PeriodWidget(
            years=policy_years(policies), named=named_periods(policies)
        )


def policy_years(policies) -> list[int]:
    """The years the policies run over (newest first), or the years around today."""
    years: set[int] = set()
    for p in policies:
        for period in p.spec().periods:
            years.update(range(period.start.year, period.end.year + 1))
    return sorted(years, reverse=True) or years_around()


def named_periods(policies) -> list:
    """The policies' own periods that are no year, half, quarter or month (百日攻坚, a campaign), by
    policy: what the third drop-down of the run form's period offers."""
    groups = []
    for p in policies:
        options = [(x.key, x.label) for x in p.spec().periods if not is_calendar_token(x.key)]
        if options:
            groups.append((p.title, options))
    return groups


class _PolicyChoices:
    """A field chosen from what the policy declares (a metric, a decision key, an award rule),
    offered by its Chinese name, grouped by the policies the policy field offers. The choices are
    read when the form is shown or checked, after the view has narrowed the policy field to
    what the user may see; the model's clean() checks the pair (policy, value) on every path."""

    policy_field_choices: dict[str, callable] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, declared in self.policy_field_choices.items():
            field = self.fields[name]
            self.fields[name] = forms.ChoiceField(
                label=field.label,
                help_text=field.help_text,
                required=field.required,
                choices=functools.partial(self._grouped, declared),
            )

    def _grouped(self, declared):
        groups = [("", "---------")]
        for policy in self.fields["policy"].queryset:
            options = [(key, label) for key, label in declared(policy).items()]
            if options:
                groups.append((f"{policy.title}（{policy.name}）", options))
        return groups


class _OfficePeriod:
    """The period as the office writes it (2024年6月, 2024年第二季度, 2024年上半年, or the policy's
    own period by name), kept as the engine's token (2024-06, 2024-Q2, 2024-H1): read by the
    model's own reader (`assessment.periods.read_office_period`, which `full_clean` runs for the
    API and the admin too, and the Excel import reads its cells with); shown cleaned here so the
    form redisplays the token. The model checks it lies in the policy."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Picked as year and part (2024年 · 第二季度); posts the token the model reads as before.
        field = self.fields["period"]
        field.widget = PeriodWidget()
        field.help_text = "选择年度，再选全年、半年、季度或月份"

    def clean_period(self):
        from .periods import read_office_period

        policy = self.cleaned_data.get("policy")
        return read_office_period(
            self.cleaned_data.get("period") or "", policy.spec() if policy is not None else None
        )


class MetricValueForm(_OfficePeriod, _PolicyChoices, forms.ModelForm):
    policy_field_choices = {"metric": policy_metrics}

    class Meta:
        model = MetricValue
        fields = ["policy", *HOLDER_FIELDS, "metric", "period", "value", "source"]


class SurveyScoreForm(_OfficePeriod, forms.ModelForm):
    class Meta:
        model = SurveyScore
        fields = ["policy", *HOLDER_FIELDS, "period", "score"]


class OfficeDecisionForm(_OfficePeriod, _PolicyChoices, forms.ModelForm):
    policy_field_choices = {"key": policy_decisions}

    class Meta:
        model = OfficeDecision
        fields = ["policy", "key", *HOLDER_FIELDS, "period", "reason"]


class AwardDecisionForm(_PolicyChoices, forms.ModelForm):
    policy_field_choices = {"rule": policy_award_rules}

    class Meta:
        model = AwardDecision
        fields = ["policy", "rule", "grade", *HOLDER_FIELDS, "project", "amount_wan"]


class PersonRewardForm(forms.ModelForm):
    class Meta:
        model = PersonReward
        fields = ["policy", "person", "unit", "amount_yuan", "on", "reason"]
        widgets = {"on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}


class ProjectEvaluationForm(forms.ModelForm):
    class Meta:
        model = ProjectEvaluation
        fields = ["project", "year", "in_statistics", "tax_paid", "investment_verified", "note"]


class ProjectTaxForm(forms.ModelForm):
    class Meta:
        model = ProjectTax
        fields = ["project", "month", "amount_wan"]
        widgets = {"month": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}


class ProjectTransferForm(forms.ModelForm):
    class Meta:
        model = ProjectTransfer
        fields = ["project", "hosting", "introducing_share", "agreed_on"]
        widgets = {"agreed_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}
