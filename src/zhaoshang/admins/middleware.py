"""The three administrators reach their own console and their account pages, nothing else.

Their membership gives them no business scope (core/scoping.py), so lists would be empty; this
says so plainly instead: any other page answers 403 in Chinese (JSON under /api/), and the home
page sends them to their console. The consoles themselves are guarded by the permission classes
(IsSystemAdmin, IsSecurityAdmin, IsAuditAdmin), so one administrator is refused another's.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse

from zhaoshang.core.permissions import is_audit_admin, is_security_admin, is_system_admin

# (predicate, console, what else the role reaches). The system administrator also watches the
# background jobs (jobs/) and the metrics (ops/).
CONSOLES = (
    (is_system_admin, "/system/", ("/jobs/", "/metrics/")),
    (is_security_admin, "/security/", ()),
    (is_audit_admin, "/audit/", ()),
)
# What every login may reach: signing in and out, their own password and second factor, assets,
# the health check. Another administrator's console answers 403 from its permission class.
OPEN = ("/login/", "/logout/", "/account/", "/static/", "/system/", "/security/", "/audit/", "/health/")
REFUSED = "三员账号（系统管理员、安全管理员、审计管理员）不能查看或修改业务数据，请使用本角色的管理页面"


def console_of(user) -> tuple[str, tuple[str, ...]] | None:
    for predicate, console, extra in CONSOLES:
        if predicate(user):
            return console, extra
    return None


class AdminConfinementMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            found = console_of(user)
            if found is not None:
                console, extra = found
                path = request.path_info
                if path == "/":
                    return HttpResponseRedirect(console)
                if not path.startswith(OPEN + extra):
                    if path.startswith("/api/"):
                        return JsonResponse({"detail": REFUSED}, status=403)
                    raise PermissionDenied(REFUSED)
        return self.get_response(request)
