from django import forms

from .models import CalendarDay, CalendarYear


class DayForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    kind = forms.ChoiceField(label="类型", choices=CalendarDay.Kind.choices)
    name = forms.CharField(label="名称", max_length=40, help_text="如：春节、国庆节")
    source = forms.CharField(
        label="来源", max_length=200, required=False, help_text="如：国务院办公厅通知的文号"
    )


class YearForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=CalendarYear.Status.choices)
    source = forms.CharField(label="依据", max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件", help_text="第一张工作表，列：日期、类型（放假 / 调休上班）、名称"
    )
    official = forms.BooleanField(
        label="已按国务院办公厅通知录入（含调休）",
        required=False,
        help_text="不勾选时，新年份标记为“法定节假日（未含调休）”",
    )
    source = forms.CharField(label="依据", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        # safeguards.js refuses a larger file before it is sent (the page and what was typed stay).
        self.fields["file"].widget.attrs["data-max-bytes"] = settings.ZHAOSHANG_IMPORT_MAX_MB * 1024 * 1024
