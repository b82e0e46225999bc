from django import forms

from zhaoshang.core.typeahead import use_typeahead

from .models import KIND_FIELDS, Activity, Decision, Lead, Report

K = Activity.Kind
# Which fields each kind of activity has: the form shows only those (see activity_edit.html) and
# the model refuses the others (`Activity.clean`).
COMMON_FIELDS = list(Activity.COMMON_FIELDS)
LABELS_BY_KIND = {
    K.RECEPTION: {"leader": "陪同领导", "enterprise_name": "客商所在企业"},
    K.MEETING: {"leader": "主持领导"},
    K.PROMOTION_EVENT: {"place": "举办地点"},
    K.OUTBOUND_TRIP: {"place": "目的地", "counterpart": "主要对接人及职务"},
}


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        # Most used first (issue 11 point 3): what, when, who led, where, whom; the unit and team,
        # prefilled for a clerk (ObjectEditView.prepare_form), last.
        fields = [
            "kind",
            "date",
            "leader",
            "head_led",
            "place",
            "region",
            "enterprise_name",
            "counterpart",
            "merchant",
            "days",
            "members",
            "merchants_invited",
            "projects_signed",
            "meeting_kind",
            "on_site",
            "cost_yuan",
            "summary",
            "minutes",
            "unit",
            "team",
        ]
        widgets = {
            "date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 4}),
            "days": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
            "merchants_invited": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "cost_yuan": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            kinds = [k for k, names in KIND_FIELDS.items() if name in names]
            field.widget.attrs["data-kinds"] = " ".join(kinds) if name not in COMMON_FIELDS else "all"
        # Hidden for most kinds; left empty they take their default.
        for name in ("days", "merchants_invited"):
            self.fields[name].required = False
        # The projects signed at an event: looked up as typed, not a list of every project.
        use_typeahead(self, "projects_signed")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        wanted = set(COMMON_FIELDS) | set(KIND_FIELDS.get(kind, []))
        # The form shows only the kind's fields: what a phone still posts of the others (hidden
        # when the kind changed) is dropped here, so the model's refusal of another kind's fields
        # (`Activity.clean`) meets only what the clerk can see.
        for name in self.Meta.fields:
            if name == "projects_signed":
                continue
            if name not in wanted or (name in ("days", "merchants_invited") and data.get(name) is None):
                data[name] = self.instance._meta.get_field(name).get_default()
        if kind != K.PROMOTION_EVENT:
            data["projects_signed"] = []
        # A visit names its enterprise, a reception its merchant or their enterprise: the model's
        # rule (`Activity.record_errors`), on the API and the import too.
        return data


class VisitForm(forms.ModelForm):
    """One enterprise visited on a trip."""

    class Meta:
        model = Activity
        fields = ["date", "enterprise_name", "counterpart"]
        widgets = {"date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}
        labels = {"enterprise_name": "拜访企业", "counterpart": "对接人及职务"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.kind = Activity.Kind.VISIT
        self.fields["enterprise_name"].required = True
        self.fields["date"].required = False
        self.fields["date"].help_text = "不填则为出发当天"


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["text", "owner", "due_on", "done_on"]
        widgets = {
            "due_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "done_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }


VisitFormSet = forms.inlineformset_factory(
    Activity, Activity, form=VisitForm, fk_name="trip", extra=1, can_delete=True, max_num=50
)
DecisionFormSet = forms.inlineformset_factory(
    Activity, Decision, form=DecisionForm, extra=1, can_delete=True, max_num=50
)


class ReportForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ["content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["content"].required = True


class ReportReopenForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=200)
    due_on = forms.DateField(
        label="新的截止日期", required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text="不填则仍按原截止日期计算是否按时",
    )  # fmt: skip


class LeadForm(forms.ModelForm):
    class Meta:
        model = Lead
        # Most used first (issue 11 point 3); the activity it came from is a type-ahead picker.
        fields = [
            "title",
            "enterprise_name",
            "reported_on",
            "planned_investment",
            "industry",
            "content",
            "activity",
            "unit",
            "team",
        ]
        widgets = {
            "reported_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "content": forms.Textarea(attrs={"rows": 4}),
            "planned_investment": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_typeahead(self, "activity")


class LeadScreenForm(forms.Form):
    status = forms.ChoiceField(label="甄别结果", choices=[("valid", "有效"), ("invalid", "无效")])
    grade = forms.ChoiceField(label="线索等级", required=False, choices=[])
    valuable = forms.BooleanField(label="有价值信息", required=False)
    note = forms.CharField(label="甄别意见", max_length=200, required=False)

    def __init__(self, *args, grades=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [("", "—")] + [(g, g) for g in grades]
        if not grades:
            del self.fields["grade"]
