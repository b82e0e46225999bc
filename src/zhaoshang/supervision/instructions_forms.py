"""Leaders' instructions: the form a leader issues one with, and the reply."""

from django import forms
from django.utils import timezone

from zhaoshang.core.fields import LONG_TEXT
from zhaoshang.core.typeahead import use_typeahead

from .models import Instruction

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InstructionForm(forms.ModelForm):
    class Meta:
        model = Instruction
        fields = [
            "project",
            "problem",
            "content",
            "deadline",
            "addressee_unit",
            "addressee_team",
            "leader_name",
        ]
        widgets = {"deadline": DATE, "content": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"leader_name": "不填则为当前账号的姓名；招商办代领导登记时填写领导姓名"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_typeahead(self, "project", "problem")
        if not self.is_bound:
            self.initial.setdefault("deadline", timezone.localdate() + timezone.timedelta(days=7))


class ReplyForm(forms.Form):
    content = forms.CharField(
        label="回复内容", max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )
