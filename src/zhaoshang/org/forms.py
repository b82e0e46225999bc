from django import forms

from .models import HolderGroup, Period, Person, Target, Team, Unit


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["jurisdiction", "name", "full_name", "kind", "placeholder"]


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["jurisdiction", "name", "title", "kind", "unit", "placeholder"]


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "head", "deputies", "lead_unit", "member_units", "target_text", "placeholder"]


class HolderGroupForm(forms.ModelForm):
    class Meta:
        model = HolderGroup
        fields = ["label", "target_text", "units", "people", "teams"]


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["value", "text"]


class PeriodForm(forms.ModelForm):
    """A further period of a policy (the next year of a rule that runs over several years)."""

    copy_targets_from = forms.ModelChoiceField(
        label="目标任务复制自",
        queryset=Period.objects.none(),
        required=False,
        help_text="新时期的目标任务先按所选时期复制一份，再逐项修改；不选则不设目标",
    )

    class Meta:
        model = Period
        fields = ["key", "label", "kind", "start", "end", "weight"]
        help_texts = {"key": "如 2025；考核时按此代号或日历写法（2025、2025-06）选择"}
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.instance.policy = policy
        self.instance.jurisdiction = policy.jurisdiction
        self.fields["copy_targets_from"].queryset = policy.periods.all()
        latest = policy.periods.order_by("-end").first()
        if latest is not None and not self.is_bound:
            self.initial.setdefault("copy_targets_from", latest.pk)
