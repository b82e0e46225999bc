"""Request-level controls (等保三级, docs/hardening.md): whom to believe about the client's address
and scheme, how large a request may be, and how often a login, the API and the downloads may be
asked for. Every refusal is a page (or, for the API, JSON) in Chinese saying what to do."""

import hashlib
import ipaddress
import math
from functools import lru_cache

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

# Views that hand out files: exports, templates, error workbooks, bulletins, evidence, the
# assessment's and the dashboards' workbooks (the dashboard only when ?export= asks for one).
EXPORT_VIEWS = frozenset(
    {
        "exchange:export",
        "exchange:template",
        "exchange:error_workbook",
        "assessment:run_export",
        "bulletins:bulletin_download",
        "ledger:stagechange_evidence",
        "holidays:export",
        "audit:export",
        "supervision:problem_export",
        "supervision:duty_evidence",
        "chains:industrychain_export",
        "resources:carrier_export",
        "resources:carrierassignment_export",
        "resources:zombieenterprise_export",
        "targets:targetenterprise_export",
        "packages:projectpackage_export",
        "packages:merchant_export",
    }
)
EXPORT_WHEN_ASKED = {"dashboards:dashboard": "export", "ledger:performance_behind": "format"}
THIRD_PARTY_PAGES = ("/admin/", "/api/")


# --- the client's address ---------------------------------------------------------------------


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def is_trusted_proxy(address: str) -> bool:
    proxies = tuple(getattr(settings, "ZHAOSHANG_TRUSTED_PROXIES", ()) or ())
    if not proxies or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(proxies))


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind a trusted proxy the last address in X-Forwarded-For that is not one
    of the proxies (the one the proxy itself saw; what a client writes before it is not believed)."""
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    if not is_trusted_proxy(remote):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote
        if not is_trusted_proxy(hop):
            return hop
    return remote


# --- request guard: proxy headers and body size ----------------------------------------------

_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_REAL_IP")


def _wants_json(request) -> bool:
    return request.path_info.startswith("/api/") or "application/json" in request.META.get("HTTP_ACCEPT", "")


def _mb(n_bytes: int) -> str:
    mb = n_bytes / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 1 else f"{n_bytes // 1024} KB"


def too_large(request, limit_bytes: int, what: str):
    message = (
        f"提交的{what}超过了上限 {_mb(limit_bytes)}，未保存任何内容。"
        "请缩短填写的文字或减小文件后重新提交（返回上一页可找回已填写的内容）。"
    )
    if _wants_json(request):
        return JsonResponse({"detail": message, "limit_bytes": limit_bytes}, status=413)
    if not hasattr(request, "user"):  # refused before the session was read
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
    return render(
        request,
        "core/refused.html",
        {"title": "提交的内容过大", "message": message, "back_to": _back(request)},
        status=413,
    )


class RequestGuardMiddleware:
    """First in the chain. Drops the X-Forwarded-* headers unless the request comes from a proxy
    in ZHAOSHANG_TRUSTED_PROXIES (so SECURE_PROXY_SSL_HEADER and the rate limits' address cannot
    be forged from outside), and answers 413 in Chinese — before a byte of the body is read — to
    a body over ZHAOSHANG_UPLOAD_MAX_MB, and to form data over DATA_UPLOAD_MAX_MEMORY_SIZE or
    DATA_UPLOAD_MAX_NUMBER_FIELDS when Django finds it while parsing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            for header in _PROXY_HEADERS:
                request.META.pop(header, None)
        limit = settings.ZHAOSHANG_UPLOAD_MAX_MB * 1024 * 1024
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return too_large(request, limit, "内容")
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Parse the form here, where its refusal can still be a 413 page (Django's own answer,
        # from whichever middleware reads request.POST first, is a bare 400).
        from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent

        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        try:
            if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
                request.POST  # noqa: B018 - parsing is the point
            else:
                request.body  # noqa: B018 - a JSON body (the API): read once, kept for the view
        except RequestDataTooBig:
            return too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "表单内容（不含文件）")
        except TooManyFieldsSent:
            return _too_many(request, settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, "个字段")
        except TooManyFilesSent:
            return _too_many(request, settings.DATA_UPLOAD_MAX_NUMBER_FILES, "个文件")
        return None


def _back(request) -> str:
    """The page the user came from, when it is one of ours (to return to the form)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    referer = request.META.get("HTTP_REFERER", "")
    ok = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if referer and ok else ""


def _too_many(request, limit: int, unit: str):
    message = f"一次提交的内容超过了上限 {limit} {unit}，未保存任何内容。请分批提交。"
    return render(
        request,
        "core/refused.html",
        {"title": "提交的内容过多", "message": message, "back_to": _back(request)},
        status=413,
    )


# --- rate limits ------------------------------------------------------------------------------


def _api_key(request) -> str:
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if auth[:6].lower() == "token ":
        return "token:" + hashlib.sha256(auth[6:].strip().encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "ip:" + client_ip(request)


def _user_key(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "ip:" + client_ip(request)


def _checks(request, view_name: str):
    """(group, key, rate) of every limit that applies to this request."""
    if view_name == "login":
        if request.method != "POST":
            return []
        name = (request.POST.get("username") or "").strip().lower()[:150]
        rate = settings.ZHAOSHANG_LOGIN_RATE
        checks = [("login-ip", "ip:" + client_ip(request), rate)]
        if name:
            checks.append(("login-user", "name:" + name, rate))
        return checks
    if request.path_info.startswith("/api/"):
        return [("api", _api_key(request), settings.ZHAOSHANG_API_RATE)]
    param = EXPORT_WHEN_ASKED.get(view_name)
    if view_name in EXPORT_VIEWS or (param and request.GET.get(param)):
        return [("export", _user_key(request), settings.ZHAOSHANG_EXPORT_RATE)]
    return []


WHAT = {
    "login-ip": "登录尝试",
    "login-user": "该账号的登录尝试",
    "api": "数据接口请求",
    "export": "导出和下载",
}


def too_many_requests(request, group: str, rate: str, retry_after: int):
    retry_after = max(1, int(math.ceil(retry_after)))
    message = f"{WHAT[group]}过于频繁（上限 {rate_text(rate)}），请 {retry_after} 秒后再试。"
    if _wants_json(request):
        response = JsonResponse({"detail": message, "retry_after": retry_after}, status=429)
    else:
        response = render(
            request,
            "core/refused.html",
            {"title": "请求过于频繁", "message": message, "back_to": _back(request)},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


def rate_text(rate: str) -> str:
    """ "20/m" → "每分钟 20 次", "100/5m" → "每 5 分钟 100 次"."""
    count, _, period = rate.partition("/")
    digits = "".join(c for c in period if c.isdigit())
    unit = {"s": "秒", "m": "分钟", "h": "小时", "d": "天"}.get(
        period[len(digits) :][:1].lower() or "s", "秒"
    )
    return f"每 {digits} {unit} {count} 次" if digits else f"每{unit} {count} 次"


class RateLimitMiddleware:
    """Counts logins (per address and per user name), API calls (per token, else user, else
    address) and exports and downloads (per user) in the shared cache; over a limit, 429 with
    Retry-After and a Chinese page or JSON saying when to try again. Runs after authentication
    so a signed-in user is counted as themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(THIRD_PARTY_PAGES):
            # Django's admin and DRF's browsable API (superusers and developers) write style=""
            # attributes of their own; those pages alone may keep inline styles (never scripts).
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(settings, "RATELIMIT_ENABLE", True):
            return None
        match = getattr(request, "resolver_match", None)
        view_name = match.view_name if match else ""
        for group, key, rate in _checks(request, view_name):
            usage = get_usage(request, group=group, key=lambda g, r, k=key: k, rate=rate, increment=True)
            if usage and usage["should_limit"]:
                return too_many_requests(request, group, rate, usage["time_left"])
        return None
