from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from .models import Channel

# Where the server may post: the two robot services. Clerks type these URLs, so any other host
# would let them make the server send requests into the intranet and read the answers in the
# log. An intranet relay can be allowed with the NOTIFY_WEBHOOK_HOSTS setting.
DEFAULT_WEBHOOK_HOSTS = ("qyapi.weixin.qq.com", "oapi.dingtalk.com")


def webhook_hosts() -> tuple[str, ...]:
    return tuple(getattr(settings, "NOTIFY_WEBHOOK_HOSTS", DEFAULT_WEBHOOK_HOSTS))


class ChannelForm(forms.ModelForm):
    webhook_url = forms.URLField(
        label=Channel._meta.get_field("webhook_url").verbose_name,
        help_text=Channel._meta.get_field("webhook_url").help_text,
        max_length=500,
        required=False,
        assume_scheme="https",
    )
    clear_secret = forms.BooleanField(label="清除加签密钥", required=False)

    class Meta:
        model = Channel
        fields = [
            "kind",
            "unit",
            "team",
            "name",
            "webhook_url",
            "secret",
            "clear_secret",
            "emails",
            "remind_days_before",
            "active",
        ]
        widgets = {
            # The secret is never sent back to the browser; leaving it empty keeps the old one.
            "secret": forms.PasswordInput(render_value=False),
            "emails": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.secret:
            self.fields["secret"].help_text = "已设置；留空则保持不变"
        else:
            del self.fields["clear_secret"]

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"]
        if url and urlsplit(url).hostname not in webhook_hosts():
            raise forms.ValidationError(
                "Webhook 地址须为企业微信或钉钉群机器人的地址（" + "、".join(webhook_hosts()) + "）"
            )
        return url

    def clean(self):
        data = super().clean()
        if data.get("clear_secret"):
            data["secret"] = ""
        elif "secret" in data:
            data["secret"] = data["secret"].strip() or self.instance.secret
        return data
