"""`Authorization: Token <secret>` for the API, against hashed, expiring tokens (models.ApiToken).
The header is the one Django REST framework's own tokens used, so clients keep working."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

from zhaoshang.accounts.services import expiry_message, password_expired
from zhaoshang.core.auth import MEMBERSHIP

from . import tokens
from .models import ApiToken

# The time of last use is written at most once a minute per token, not on every request.
TOUCH_EVERY = timedelta(minutes=1)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("令牌格式错误：请求头应为“Authorization: Token 令牌”")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeError:
            raise AuthenticationFailed("令牌格式错误：含有无效字符") from None
        token = (
            ApiToken.objects.select_related(*(f"user__{m}" for m in MEMBERSHIP))
            .filter(digest=tokens.digest(secret))
            .first()
        )
        if token is None:
            raise AuthenticationFailed("令牌无效，请检查或重新申请")
        now = timezone.now()
        if token.revoked is not None:
            raise AuthenticationFailed("令牌已被吊销，请重新申请")
        if token.expires <= now:
            local = timezone.localtime(token.expires)
            raise AuthenticationFailed(f"令牌已于 {local:%Y-%m-%d %H:%M} 过期，请重新申请")
        if not token.user.is_active:
            raise AuthenticationFailed("该账号已停用")
        if password_expired(token.user):  # the same rule as the pages' (accounts/middleware.py)
            raise PermissionDenied(expiry_message())
        if token.last_used is None or now - token.last_used > TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)  # not a change: not logged
            token.last_used = now
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the header (drf-spectacular finds this by import)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
