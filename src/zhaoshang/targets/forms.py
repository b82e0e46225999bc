"""The target library's forms; the rules are the model's (clean())."""

from django import forms

from zhaoshang.core.typeahead import use_typeahead

from .models import LISTS, TargetContact, TargetEnterprise

DATE = {"type": "date"}


class TargetForm(forms.ModelForm):
    lists = forms.MultipleChoiceField(
        label="所属榜单", choices=list(LISTS.items()), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = TargetEnterprise
        fields = [
            "name", "uscc", "lists", "chain", "segment", "region", "source", "team", "unit", "enterprise",
            "added_on", "dropped_on", "notes", "jurisdiction",
        ]  # fmt: skip
        widgets = {
            "added_on": forms.DateInput(format="%Y-%m-%d", attrs=DATE),
            "dropped_on": forms.DateInput(format="%Y-%m-%d", attrs=DATE),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "unit": "线索须有报送单位：转入线索时用责任单位，未填时用责任团队的牵头单位",
            "jurisdiction": "填写责任单位时以其所在行政区划为准",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_typeahead(self, "enterprise")


class ContactForm(forms.ModelForm):
    class Meta:
        model = TargetContact
        fields = ["target", "contacted_on", "kind", "person", "summary"]
        widgets = {
            "contacted_on": forms.DateInput(format="%Y-%m-%d", attrs=DATE),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")
