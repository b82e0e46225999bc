"""Holds a login that owes its second factor at /account/2fa/ until it gives it.

After Django's LoginView has checked the password, a user who must use a second factor
(`services.must_verify`: their role requires it, or they bound a device) and has not given one in
this session (`request.user.is_verified()`, from django-otp's OTPMiddleware, which must come
before this one) reaches only the verification page — or the binding page when they have no
device yet —, the login page and logout. Any other page redirects there, keeping where they were
going; a session-authenticated API call is refused 403 with the reason in Chinese. An API call
with `Authorization: Token …` is not a session login and passes untouched (tokens are issued by
the office: api/authentication.py).

A user who needs no second factor is remembered as such in the session, so their requests cost
no extra query.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import services

# The session remembers the user (by id) who needs no second factor.
NOT_NEEDED_KEY = "twofactor_not_needed"
API_REFUSAL = "请先完成二次验证：在网页上输入手机身份验证器中的动态口令后，再使用数据接口"


def passed(request, user) -> bool:
    """Has this login given its second factor, or does it owe none?"""
    if user.is_verified():
        return True
    if request.session.get(NOT_NEEDED_KEY) == user.pk:
        return True
    if services.must_verify(user):
        return False
    request.session[NOT_NEEDED_KEY] = user.pk
    return True


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open: set[str] | None = None

    def open_paths(self) -> set[str]:
        if self._open is None:
            self._open = {
                reverse(name) for name in ("twofactor:verify", "twofactor:enrol", "login", "logout")
            }
        return self._open

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/api/") and request.headers.get("Authorization", "").lower().startswith("token"):
            return self.get_response(request)  # token login: api/authentication.py
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or passed(request, user):
            return self.get_response(request)
        request.twofactor_pending = True
        if path in self.open_paths() or path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        if path.startswith("/api/"):
            return JsonResponse({"detail": API_REFUSAL}, status=403)
        target = reverse("twofactor:verify")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
