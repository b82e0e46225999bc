from django import forms
from django.utils import timezone

from zhaoshang.core.fields import REASON
from zhaoshang.core.typeahead import use_typeahead
from zhaoshang.core.uploads import evidence_max_bytes, validate_evidence

from . import uscc as uscc_rules
from .models import (
    PROJECT_ATTRIBUTES,
    ContactPerson,
    ContractObligation,
    Enterprise,
    Investment,
    OwnershipClaim,
    Project,
    ProjectPartner,
    ProjectPhase,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EnterpriseForm(forms.ModelForm):
    former_names = forms.CharField(
        label="曾用名", required=False, max_length=1000, help_text="多个用“、”分隔"
    )

    class Meta:
        model = Enterprise
        fields = [
            # Most used first (issue 11 point 3): who it is, then whose; a clerk's unit and team come
            # prefilled (ObjectEditView.prepare_form).
            "name", "short_name", "uscc", "industry", "unit", "team", "hq_region", "tags", "former_names",
            "listed_exchange", "listed_code", "zombie_class", "zombie_classified_on", "zombie_resumed_on",
        ]  # fmt: skip
        widgets = {
            "tags": forms.CheckboxSelectMultiple,
            "zombie_classified_on": DATE,
            "zombie_resumed_on": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import ENTERPRISE_TAGS

        self.fields["tags"] = forms.MultipleChoiceField(
            label="企业类别",
            required=False,
            choices=[(t, t) for t in ENTERPRISE_TAGS],
            widget=forms.CheckboxSelectMultiple,
        )
        self.initial["former_names"] = "、".join(self.instance.former_names or [])
        self.fields["uscc"].widget.attrs.update(
            {
                "hx-get": "check/",
                "hx-trigger": "change",
                "hx-target": "#ownership",
                "hx-include": "[name=name]",
            }
        )
        self.fields["name"].widget.attrs.update(
            {
                "hx-get": "check/",
                "hx-trigger": "change",
                "hx-target": "#ownership",
                "hx-include": "[name=uscc]",
            }
        )

    def clean_former_names(self):
        return [
            n.strip() for n in self.cleaned_data["former_names"].replace(",", "、").split("、") if n.strip()
        ]

    def clean_uscc(self):
        # The model's normal form (`Enterprise.normalise`), so the ownership check below sees it.
        return uscc_rules.normalise(self.cleaned_data["uscc"])


class ProjectForm(forms.ModelForm):
    attributes = forms.MultipleChoiceField(
        label="项目属性",
        required=False,
        choices=list(PROJECT_ATTRIBUTES.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    attributes_excluded = forms.MultipleChoiceField(
        label="不计入的派生属性",
        required=False,
        choices=list(PROJECT_ATTRIBUTES.items()),
        widget=forms.CheckboxSelectMultiple,
        # The model's words, and the policies' priority industries read on the project's 产业.
        help_text="企业类别（世界500强、上市公司等）、2亿美元以上外资和政策文件的重点产业（按项目或企业的产业）"
        "会自动计为项目属性；招商办认定本项目不应计入的，在此勾选",
    )

    class Meta:
        model = Project
        fields = [
            # Most used first (issue 11 point 3); the enterprise is a type-ahead picker.
            "name", "enterprise", "total_investment", "registered_on", "unit", "team", "industry", "category",
            "channel", "chain", "contract_start_due", "signed_at_event", "responsible_leader", "task_force",
            "foreign_investment_usd", "host_unit", "land_mu", "tax_per_mu", "plan", "attributes",
            "attributes_excluded",
        ]  # fmt: skip
        widgets = {
            "registered_on": DATE,
            "contract_start_due": DATE,
            "plan": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_typeahead(self, "enterprise")
        if not self.instance.pk and not self.initial.get("registered_on"):
            self.initial["registered_on"] = timezone.localdate()  # a new project is registered today


class InvestmentForm(forms.ModelForm):
    month = forms.DateField(
        label="月份",
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    class Meta:
        model = Investment
        fields = ["project", "month", "amount", "unit", "team"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_typeahead(self, "project")


class StageForm(forms.Form):
    stage = forms.ChoiceField(label="新阶段", choices=Project.Stage.choices)
    on = forms.DateField(label="日期", widget=DATE)
    kind = forms.ChoiceField(
        label="方式",
        required=False,
        choices=[("", "—")] + list(Project.SigningKind.choices) + list(Project.StartKind.choices),
        help_text="签约、开工时选择",
    )
    reason = forms.CharField(
        label="原因",
        required=False,
        max_length=REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="回退或终止时必填",
    )
    evidence = forms.FileField(
        label="佐证材料",
        required=False,
        validators=[validate_evidence],
        help_text=f"PDF、图片或 Office 文档，不超过 {evidence_max_bytes() // 1048576} MB",
    )


class PhaseForm(forms.ModelForm):
    class Meta:
        model = ProjectPhase
        fields = [
            "project",
            "number",
            "name",
            "planned_start",
            "planned_end",
            "investment",
            "capacity",
            "output",
            "tax",
            "jobs",
        ]
        widgets = {"planned_start": DATE, "planned_end": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_typeahead(self, "project")


class ContactPersonForm(forms.ModelForm):
    class Meta:
        model = ContactPerson
        fields = ["enterprise", "name", "title", "phone", "primary", "note"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_typeahead(self, "enterprise")


class ProjectPartnerForm(forms.ModelForm):
    class Meta:
        model = ProjectPartner
        fields = ["project", "enterprise", "role", "investment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_typeahead(self, "project", "enterprise")


class ContractObligationForm(forms.ModelForm):
    class Meta:
        model = ContractObligation
        fields = ["project", "kind", "content", "amount", "due_on", "fulfilled_on", "actual_amount", "note"]
        widgets = {"due_on": DATE, "fulfilled_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_typeahead(self, "project")


class ClaimForm(forms.Form):
    name = forms.CharField(label="企业名称", max_length=120)
    uscc = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    reason = forms.CharField(label="申请理由", max_length=REASON, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label="裁定",
        choices=[("1", "改归申请单位"), ("0", "维持原首报单位")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(label="裁定意见", max_length=REASON, widget=forms.Textarea(attrs={"rows": 3}))


__all__ = [
    "ClaimForm",
    "ContactPersonForm",
    "ContractObligationForm",
    "DecisionForm",
    "EnterpriseForm",
    "InvestmentForm",
    "OwnershipClaim",
    "PhaseForm",
    "ProjectForm",
    "ProjectPartnerForm",
    "StageForm",
]
