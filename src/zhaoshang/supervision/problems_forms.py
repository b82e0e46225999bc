"""The problem list's forms: the problem itself (generic edit page) and the transitions."""

from django import forms
from django.utils import timezone

from zhaoshang.core.fields import LONG_TEXT, REASON
from zhaoshang.core.typeahead import use_typeahead

from . import problems as services
from .models import Problem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProblemForm(forms.ModelForm):
    class Meta:
        model = Problem
        fields = [
            "project",
            "enterprise",
            "title",
            "description",
            "source",
            "decision",
            "requester_unit",
            "requester_team",
            "support_unit",
            "responsible_leader",
            "raised_on",
            "deadline_workdays",
        ]
        widgets = {"raised_on": DATE, "description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "project": "项目的问题填项目；尚无项目的企业问题填企业",
            "deadline_workdays": "按节假日日历的工作日计算办结期限",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_typeahead(self, "project", "enterprise", "decision")
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("raised_on", timezone.localdate())
            self.initial.setdefault("deadline_workdays", services.default_workdays())


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label="办理结果", max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=REASON, widget=forms.Textarea(attrs={"rows": 3}))


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")
    dry_run = forms.BooleanField(label="仅校验，不导入", required=False)
