from django import forms


class CodeForm(forms.Form):
    """A 6-digit code from the authenticator app, or a recovery code (the templates draw the input)."""

    code = forms.CharField(
        label="动态口令",
        max_length=64,
        error_messages={"required": "请填写动态口令", "max_length": "动态口令过长，请核对后重新输入"},
    )


class EnrolForm(CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "输入身份验证器应用中当前显示的 6 位数字"
