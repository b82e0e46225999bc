"""The duty pages' forms: complete with evidence, 不适用 with a reason, reopen."""

from django import forms

from zhaoshang.core.fields import REASON
from zhaoshang.core.uploads import evidence_max_bytes, validate_evidence


class DutyCompleteForm(forms.Form):
    note = forms.CharField(
        label="完成情况",
        required=False,
        max_length=REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="简要说明如何完成；与佐证材料、佐证链接至少填一项",
    )
    evidence = forms.FileField(
        label="佐证材料",
        required=False,
        validators=[validate_evidence],
        help_text=f"PDF、图片或 Office 文档，不超过 {evidence_max_bytes() // 1048576} MB",
    )
    links = forms.CharField(
        label="佐证链接",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="平台内的会议、报送等记录，每行一条：说明 地址，如“3月调度会 /fieldwork/activity/12/”",
    )

    def clean_links(self):
        out = []
        for i, line in enumerate((self.cleaned_data.get("links") or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            text, _, url = line.rpartition(" ")
            if not (url.startswith("/") or url.startswith("http://") or url.startswith("https://")):
                text, url = line, ""
            if not text.strip():
                raise forms.ValidationError(f"第{i}行缺少说明文字")
            out.append({"text": text.strip(), "url": url})
        return out


class DutyNotApplicableForm(forms.Form):
    reason = forms.CharField(label="不适用理由", max_length=REASON, widget=forms.Textarea(attrs={"rows": 3}))


class DutyReopenForm(forms.Form):
    """Nothing to fill: the button's POST (the change log keeps what it undoes)."""
