from django import forms

from zhaoshang.assessment.forms import named_periods, policy_years
from zhaoshang.core.period_widget import PeriodWidget

from .document import KINDS
from .models import BulletinTemplate


class BulletinForm(forms.Form):
    policy = forms.ChoiceField(label="政策文件")
    kind = forms.ChoiceField(label="类别", choices=list(KINDS.items()))
    period = forms.CharField(
        label="时期",
        max_length=40,
        help_text="选择年度，再选全年、半年、季度或月份；或选政策文件中的时期",
    )

    def __init__(self, *args, policies=(), **kwargs):
        super().__init__(*args, **kwargs)
        policies = list(policies)
        self.fields["policy"].choices = [(p.name, f"{p.title}（{p.jurisdiction.name}）") for p in policies]
        # The same picker as the assessment's run form; the value posted is the period key.
        self.fields["period"].widget = PeriodWidget(
            years=policy_years(policies), named=named_periods(policies)
        )


class TemplateForm(forms.ModelForm):
    class Meta:
        model = BulletinTemplate
        fields = [
            "masthead",
            "number_pattern",
            "abbreviation",
            "title",
            "recipients",
            "body",
            "signature",
            "copy_to",
        ]
        # Fields a placeholder may be inserted into (static/bulletins/template_editor.js).
        widgets = {
            "body": forms.Textarea(attrs={"rows": 20, "spellcheck": "false", "data-placeholders": "1"}),
            **{
                f: forms.TextInput(attrs={"data-placeholders": "1"})
                for f in ("masthead", "title", "recipients", "signature", "copy_to")
            },
        }
        help_texts = {
            "masthead": "如“招商引资工作简报”或“【发文机关】文件”",
            "body": "每行一段。“# ”开头为一级标题（黑体），“## ”二级标题（楷体），“### ”三级标题；"
            "【占位符】从“可用的占位符”列表中点选插入，生成时换成本期数据；"
            "【表格 表名】单独一行插入表格；"
            "【如果 占位符】……【否则】……【结束】按数据有无写不同的话（“否则”部分可省略）。",
        }


class SendForm(forms.Form):
    """Several channels in one send (a group chat, a mailbox, in-app messages): one delivery
    each, each recorded."""

    channel = forms.MultipleChoiceField(
        label="发送到",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择至少一个发送渠道"},
    )

    def __init__(self, *args, channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(c.pk, str(c)) for c in channels]
