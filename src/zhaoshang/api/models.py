"""API tokens: what a script sends as `Authorization: Token <secret>`.

Only a SHA-256 digest of the secret is stored (the secret is 256 random bits, so a fast hash is
enough: there is nothing to guess); the secret is shown once, when the token is made. A token has
a name saying what it is for, expires (ZHAOSHANG_TOKEN_DAYS, 90 days unless set), remembers when
it was last used, and may be revoked. Creating and revoking are in the change log; the digest and
the time of last use are not.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from zhaoshang.core.models import ChangeLoggedModel


class ApiToken(ChangeLoggedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("用途", max_length=100, help_text="如“统计局数据对接”")
    digest = models.CharField("令牌摘要（SHA-256）", max_length=64, unique=True, editable=False)
    expires = models.DateTimeField("到期时间")
    last_used = models.DateTimeField("最近使用", null=True, blank=True, editable=False)
    revoked = models.DateTimeField("吊销时间", null=True, blank=True)

    # The digest stands for the secret: it is not logged either. Use is not a change.
    changelog_exclude = ("created", "updated", "digest", "last_used")

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["user", "-created"]

    def __str__(self):
        return f"{self.user.get_username()} · {self.name}"

    @property
    def status(self) -> str:
        if self.revoked:
            return "已吊销"
        if self.expires <= timezone.now():
            return "已过期"
        return "有效"
