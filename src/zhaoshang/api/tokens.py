"""Making, checking and revoking API tokens (models.ApiToken). The secret exists only in the
answer to `create`; the database keeps its SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import ApiToken

PREFIX = "zs_"  # recognisable in a leaked file or a log line, and by secret scanners
DEFAULT_DAYS = 90


def lifetime_days() -> int:
    return int(getattr(settings, "ZHAOSHANG_TOKEN_DAYS", DEFAULT_DAYS) or DEFAULT_DAYS)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(user, name: str, *, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`, valid for `days` (the configured lifetime unless given), and its
    secret: show it once; it cannot be read back."""
    days = lifetime_days() if days is None else days
    if days < 1:
        raise ValueError("有效期至少为 1 天")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "接口令牌",
        digest=digest(secret),
        expires=timezone.now() + timedelta(days=days),
    )
    return token, secret


def revoke(token: ApiToken) -> ApiToken:
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked", "updated"])
    return token
