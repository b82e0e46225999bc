"""Per request, for a user signed in with a session: one live session per user, the idle timeout
and the password's expiry. One query (the user's `Account` row); the session is written at most
once a minute for the idle clock, not on every request."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from . import services
from .models import Account

# The idle clock in the session is refreshed when it is older than this (seconds).
REFRESH_EVERY = 60


def _wants_json(request) -> bool:
    return request.path_info.startswith("/api/")


def _redirect(request, url: str):
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class AccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            refused = self.check(request, user)
            if refused is not None:
                return refused
        return self.get_response(request)

    def check(self, request, user):
        account = Account.objects.filter(user=user).only("login_id", "password_changed").first()
        session = request.session
        # One live session per user: a later login elsewhere wrote another marker.
        if account is not None and account.login_id and session.get(services.LOGIN_KEY) != account.login_id:
            return self.end(request, services.REPLACED_MESSAGE)
        now = int(timezone.now().timestamp())
        seen = session.get(services.SEEN_KEY)
        if isinstance(seen, int) and now - seen > services.idle_limit():
            return self.end(request, services.IDLE_MESSAGE)
        if not isinstance(seen, int) or now - seen >= REFRESH_EVERY:
            session[services.SEEN_KEY] = now
        if services.password_expired(user, account) and not self.exempt(request):
            if _wants_json(request):
                return JsonResponse({"detail": services.expiry_message()}, status=403)
            return _redirect(request, reverse("accounts:password_change"))
        return None

    def exempt(self, request) -> bool:
        """Where a user whose password expired may still go: changing it, the second factor
        (both under /account/), logging in and out, static files."""
        if request.path_info.startswith(("/account/", settings.STATIC_URL)):
            return True
        return request.path in (resolve_url(settings.LOGIN_URL), reverse("logout"))

    def end(self, request, message: str):
        """End this session and send the browser to the login page saying why."""
        path = request.get_full_path()
        logout(request)
        if _wants_json(request):
            return JsonResponse({"detail": message + "，请重新登录。"}, status=403)
        messages.warning(request, message)
        login = resolve_url(settings.LOGIN_URL)
        if request.method == "GET" and not getattr(request, "htmx", False):
            login += "?" + urlencode({"next": path})
        return _redirect(request, login)
