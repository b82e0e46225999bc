"""The system administrator's console (/system/) and the security administrator's (/security/).
Server-rendered pages; each guarded by its permission class (core/permissions.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from zhaoshang.core.permissions import IsSecurityAdmin, IsSystemAdmin, require

from . import services
from .forms import AccountForm, PlaceForm


def _form_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            for e in errs:
                text = " ".join(e.messages)
                form.add_error(field if field in form.fields else None, text)
    else:
        form.add_error(None, " ".join(error.messages))


def _accounts(request):
    qs = services.manageable(request.user)
    q = (request.GET.get("q") or "").strip()[:150]
    if q:
        qs = qs.filter(username__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return q, page


# --- 系统管理员 -----------------------------------------------------------------------------------


@require(IsSystemAdmin)
def system_index(request):
    q, page = _accounts(request)
    return render(request, "admins/system_index.html", {"title": "系统管理", "q": q, "page": page})


@require(IsSystemAdmin)
def account_add(request):
    form = AccountForm(request.POST or None, admin=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                user = services.create_account(
                    by=request.user,
                    username=d["username"],
                    password=d["password"],
                    full_name=d["full_name"],
                    role=d["role"],
                    jurisdiction=d["jurisdiction"],
                    team=d["team"],
                    unit=d["unit"],
                )
            except ValidationError as e:
                _form_errors(form, e)
            else:
                messages.success(request, f"已新建账号“{user.username}”")
                return redirect("admins:system")
        status = 400
    return render(
        request,
        "admins/form.html",
        {"title": "新建账号", "form": form, "back_url": "/system/"},
        status=status,
    )


@require(IsSystemAdmin)
@require_POST
def account_active(request, pk):
    user = get_object_or_404(services.manageable(request.user), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(user, active, by=request.user)
    except PermissionDenied as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"账号“{user.username}”已{'启用' if active else '停用'}")
    return redirect("admins:system")


@require(IsSystemAdmin)
def system_settings(request):
    """What the platform runs with, read from the environment (settings.py's docstring)."""
    secret = ("KEY", "TOKEN", "SECRET", "PASSWORD", "URL")  # a Redis or broker URL may hold a password
    names = sorted(n for n in dir(settings) if n.startswith("ZHAOSHANG_") and not any(w in n for w in secret))
    rows = [(n, getattr(settings, n)) for n in names]
    return render(request, "admins/system_settings.html", {"title": "系统设置", "rows": rows})


# --- 安全管理员 -----------------------------------------------------------------------------------


@require(IsSecurityAdmin)
def security_index(request):
    q, page = _accounts(request)
    lockouts = []
    try:
        from zhaoshang.accounts.services import lockouts as current_lockouts

        lockouts = current_lockouts()
    except ImportError:  # pragma: no cover - accounts/ ships with the platform
        pass
    policy = [
        ("密码最少字符数", getattr(settings, "ZHAOSHANG_PASSWORD_MIN_LENGTH", "")),
        ("不得重复最近几次密码", getattr(settings, "ZHAOSHANG_PASSWORD_HISTORY", "")),
        ("密码有效期（天）", getattr(settings, "ZHAOSHANG_PASSWORD_MAX_AGE_DAYS", "")),
        ("连续登录失败锁定次数", getattr(settings, "ZHAOSHANG_LOGIN_FAILURE_LIMIT", "")),
        ("锁定时长（分钟）", getattr(settings, "ZHAOSHANG_LOCKOUT_MINUTES", "")),
        ("空闲自动退出（分钟）", getattr(settings, "ZHAOSHANG_SESSION_IDLE_MINUTES", "")),
        ("须二次验证的角色", "、".join(getattr(settings, "ZHAOSHANG_2FA_REQUIRED_ROLES", []) or [])),
    ]
    return render(
        request,
        "admins/security_index.html",
        {"title": "安全管理", "q": q, "page": page, "lockouts": lockouts, "policy": policy},
    )


@require(IsSecurityAdmin)
def account_role(request, pk):
    user = get_object_or_404(services.manageable(request.user), pk=pk)
    m = getattr(user, "membership", None)
    initial = {"role": m.role, "jurisdiction": m.jurisdiction, "team": m.team, "unit": m.unit} if m else {}
    form = PlaceForm(request.POST or None, admin=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.assign_role(
                    user,
                    by=request.user,
                    role=d["role"],
                    jurisdiction=d["jurisdiction"],
                    team=d["team"],
                    unit=d["unit"],
                )
            except ValidationError as e:
                _form_errors(form, e)
            else:
                messages.success(request, f"已调整账号“{user.username}”的角色")
                return redirect("admins:security")
        status = 400
    return render(
        request,
        "admins/form.html",
        {"title": f"调整角色：{user.username}", "form": form, "back_url": "/security/"},
        status=status,
    )


@require(IsSecurityAdmin)
@require_POST
def unlock(request):
    from zhaoshang.accounts.services import unlock as release

    username = (request.POST.get("username") or "").strip()[:150] or None
    ip = (request.POST.get("ip") or "").strip()[:45] or None
    try:
        release(username=username, ip=ip, by=request.user)
    except (ValueError, PermissionDenied) as e:
        messages.error(request, str(e))
    else:
        messages.success(
            request, f"已解除{'账号“' + username + '”' if username else '地址 ' + str(ip)}的登录锁定"
        )
    return redirect("admins:security")


@require(IsSecurityAdmin)
@require_POST
def reset_second_factor(request, pk):
    from zhaoshang.twofactor.services import reset

    user = get_object_or_404(services.manageable(request.user), pk=pk)
    removed = reset(user, by=request.user)
    messages.success(request, f"已重置账号“{user.username}”的二次验证（移除 {removed} 个设备）")
    return redirect("admins:security")
