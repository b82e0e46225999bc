from django import forms

from zhaoshang.core.roles import BUSINESS_ROLES, Role

BUSINESS_CHOICES = [(r.value, r.label) for r in Role if r in BUSINESS_ROLES]


class PlaceForm(forms.Form):
    """A business role and its place. The administrators serve the whole platform: every place
    is offered."""

    role = forms.ChoiceField(label="角色", choices=BUSINESS_CHOICES)
    jurisdiction = forms.ModelChoiceField(label="行政区划", queryset=None)
    team = forms.ModelChoiceField(label="团队（团队联络员填写）", queryset=None, required=False)
    unit = forms.ModelChoiceField(label="单位（单位联络员、要素保障单位填写）", queryset=None, required=False)

    def __init__(self, *args, admin=None, **kwargs):
        super().__init__(*args, **kwargs)
        from zhaoshang.org.models import Jurisdiction, Team, Unit

        self.fields["jurisdiction"].queryset = Jurisdiction.objects.all()
        self.fields["team"].queryset = Team.objects.select_related("policy", "jurisdiction")
        self.fields["unit"].queryset = Unit.objects.select_related("jurisdiction")


class AccountForm(PlaceForm):
    username = forms.CharField(label="账号", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=150, required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, max_length=128)

    field_order = ["username", "full_name", "password", "role", "jurisdiction", "team", "unit"]
