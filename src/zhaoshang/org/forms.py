from django import forms

from .models import HolderGroup, Person, Target, Team, Unit


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
