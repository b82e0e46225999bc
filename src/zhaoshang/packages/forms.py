"""Forms for packaged projects and merchants: the fields only; the rules are the models' clean()
(shared with the API and the Excel import)."""

from django import forms

from .models import Merchant, ProjectPackage


class PackageForm(forms.ModelForm):
    class Meta:
        model = ProjectPackage
        fields = [
            "name", "chain", "segment", "major", "investment", "needs", "team", "unit", "packaged_on",
            "status", "project", "notes",
        ]  # fmt: skip
        widgets = {
            "packaged_on": forms.DateInput(attrs={"type": "date"}),
            "needs": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"team": "留空则为产业链的牵头团队和牵头单位"}


class MerchantForm(forms.ModelForm):
    class Meta:
        model = Merchant
        fields = [
            "jurisdiction",
            "name",
            "company",
            "title",
            "phone",
            "chain",
            "region",
            "source",
            "enterprise",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
