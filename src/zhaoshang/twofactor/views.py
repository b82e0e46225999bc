"""The second-factor pages under /account/2fa/: binding an authenticator app (enrol), giving a
code after the password (verify), and the user's own overview with new recovery codes."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from . import services
from .forms import CodeForm, EnrolForm
from .middleware import NOT_NEEDED_KEY

FAILURES_KEY = "twofactor_failures"


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request) -> str:
    from urllib.parse import urlencode

    return reverse(name) + "?" + urlencode({"next": _next(request)})


def _passed(request, device) -> None:
    """The session has given its second factor with `device`."""
    otp_login(request, device)
    request.session.cycle_key()  # a new session id for the stronger login
    request.session.pop(FAILURES_KEY, None)
    request.session.pop(NOT_NEEDED_KEY, None)


@never_cache
@login_required
def verify(request):
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if services.totp_device(user) is None and not services.recovery_codes_left(user):
        return redirect(_with_next("twofactor:enrol", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = services.verify(user, form.cleaned_data["code"])
        if outcome.device is not None:
            _passed(request, outcome.device)
            if isinstance(outcome.device, StaticDevice):
                left = services.recovery_codes_left(user)
                note = f"已用掉一个恢复码，还剩 {left} 个。"
                if left <= 3:
                    note += "请尽快在“二次验证”页重新生成恢复码。"
                messages.warning(request, note)
            return redirect(_next(request))
        return _failed(request, form, outcome)
    return render(request, "twofactor/verify.html", {"form": form, "next": _next(request)}, status=200)


def _failed(request, form, outcome):
    """A wrong code counts as a failed login (django-axes, when installed, counts it towards the
    same lockout as a wrong password); `ZHAOSHANG_2FA_MAX_FAILURES` in a row end the session."""
    user = request.user
    username = user.get_username()
    failures = request.session.get(FAILURES_KEY, 0) + 1
    request.session[FAILURES_KEY] = failures
    user_login_failed.send(
        sender=__name__, credentials={"username": username}, request=request, second_factor=True
    )
    limit = settings.ZHAOSHANG_2FA_MAX_FAILURES
    if failures >= limit or getattr(request, "axes_locked_out", False):
        auth.logout(request)
        messages.error(
            request,
            f"动态口令连续 {failures} 次不正确，已退出登录。请重新登录；如手机丢失，请联系安全管理员重置二次验证。",
        )
        return redirect("login")
    if outcome.wait:
        message = f"尝试过于频繁，请 {outcome.wait} 秒后再输入。"
    else:
        message = "动态口令或恢复码不正确。"
    form.add_error("code", f"{message}（已错 {failures} 次，连续 {limit} 次错误将退出登录）")
    return render(request, "twofactor/verify.html", {"form": form, "next": _next(request)}, status=400)


@never_cache
@login_required
def enrol(request):
    user = request.user
    if services.totp_device(user) is not None and not user.is_verified():
        return redirect(_with_next("twofactor:verify", request))  # a new phone only after the old one
    device = services.start_enrolment(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.confirm_enrolment(user, device, form.cleaned_data["code"])
        if codes is not None:
            _passed(request, device)
            return render(
                request,
                "twofactor/recovery_codes.html",
                {"codes": codes, "next": _next(request), "new": True},
            )
        device.refresh_from_db()
        form.add_error(
            "code", "动态口令不正确：请确认手机时间准确，输入应用中当前显示的 6 位数字（数字每 30 秒更新）"
        )
    return render(
        request,
        "twofactor/enrol.html",
        {
            "form": form,
            "next": _next(request),
            "qr": services.qr_svg(device),
            "secret": services.secret(device),
            "required": services.must_use_second_factor(user),
            "rebinding": services.totp_device(user) is not None,
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def overview(request):
    user = request.user
    device = services.totp_device(user)
    return render(
        request,
        "twofactor/overview.html",
        {
            "device": device,
            "codes_left": services.recovery_codes_left(user),
            "required": services.must_use_second_factor(user),
        },
    )


@never_cache
@login_required
@require_POST
def recovery(request):
    user = request.user
    if services.totp_device(user) is None:
        messages.error(request, "尚未绑定身份验证器，不能生成恢复码。请先绑定。")
        return redirect("twofactor:overview")
    codes = services.regenerate_recovery_codes(user)
    return render(
        request,
        "twofactor/recovery_codes.html",
        {"codes": codes, "next": reverse("twofactor:overview"), "new": False},
    )
