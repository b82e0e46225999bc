from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters

from . import services
from .forms import PasswordChangeForm


@sensitive_post_parameters()
@login_required
def password_change(request):
    """/account/password/: the user changes their own password. While it has expired, every other
    page leads here (middleware)."""
    expired = services.password_expired(request.user)
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.save()  # set_password: the history and the date follow (signals)
        update_session_auth_hash(request, user)  # this session stays; the user's others end
        messages.success(request, "密码已修改。")
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = "home"
        return redirect(target)
    status = 400 if form.is_bound else 200
    context = {
        "form": form,
        "expired": expired,
        "expiry_message": services.expiry_message() if expired else "",
        "rules": [t for t in password_validators_help_texts() if t],
        "changed": services.password_changed_at(request.user),
        "max_age": services.max_age(),
        "next": request.GET.get("next", request.POST.get("next", "")),
        "title": "修改密码",
    }
    return render(request, "accounts/password_change.html", context, status=status)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login while locked (AXES_LOCKOUT_CALLABLE): when to try again and
    whom to ask, in Chinese."""
    username = (credentials or {}).get("username") or request.POST.get("username") or ""
    ip = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    found = services.lockouts(username=username or None, ip=ip)
    until = max((lock.until for lock in found), default=timezone.now() + services.lockout_period())
    context = {
        "locks": found,
        "until": timezone.localtime(until),
        "minutes": max(1, -(-int((until - timezone.now()).total_seconds()) // 60)),
        "limit": settings.AXES_FAILURE_LIMIT,
        "period": settings.ZHAOSHANG_LOCKOUT_MINUTES,
        "title": "登录已锁定",
    }
    return render(request, "accounts/locked.html", context, status=429)
