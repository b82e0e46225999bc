from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form: the old password, the new one twice, AUTH_PASSWORD_VALIDATORS on the new
    one (their errors on 再次输入新密码; the rules are listed above the form)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"old_password": "原密码", "new_password1": "新密码", "new_password2": "再次输入新密码"}
        for name, label in labels.items():
            self.fields[name].label = label
        self.fields["new_password1"].help_text = ""
