"""Who may do what: one predicate and one permission class per role check.

The predicates (`is_office`, `is_system_admin`…) take a user and answer yes or no; the
permission classes wrap them for DRF views and, through `require`, for Django views, so a
page, an API endpoint and an action ask the same question in the same place. No view body
compares role names itself.

The three administrators (三员分立) hold a `Membership` with one of `ADMIN_ROLES`; a user has
one membership with one role, so no account holds two administrator roles, nor an
administrator role and a business role (`org.models.Membership`). `scoping.membership` gives
them no business membership: they see no projects, enterprises, activities or assessments.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied

from .roles import LOG_READERS, Role
from .scoping import can_change, membership, role_membership

# Models and services ask the predicates below, and may not depend on the API (.importlinter):
# the permission classes therefore speak DRF's protocol (has_permission, has_object_permission,
# message) without importing it.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class BasePermission:
    message = "您的角色无权执行此操作"

    def has_permission(self, request, view):
        return True

    def has_object_permission(self, request, view, obj):
        return True


def role_of(user) -> str | None:
    """The role the user holds (a business or an administrator role), None without one."""
    m = role_membership(user)
    return m.role if m is not None else None


def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_system_admin(user) -> bool:
    """系统管理员: accounts (create, deactivate, assign a business role and place) and settings."""
    return _active(user) and role_of(user) == Role.SYSTEM_ADMIN


def is_security_admin(user) -> bool:
    """安全管理员: users' business roles and permissions, lockouts, password policy, second factor."""
    return _active(user) and role_of(user) == Role.SECURITY_ADMIN


def is_audit_admin(user) -> bool:
    """审计管理员: reads, searches and exports the audit trail; changes nothing."""
    return _active(user) and role_of(user) == Role.AUDIT_ADMIN


def is_admin(user) -> bool:
    """Any of the three administrators."""
    return is_system_admin(user) or is_security_admin(user) or is_audit_admin(user)


def is_office(user) -> bool:
    """招商办（调度）: the office that sets up the organisation and publishes results."""
    m = membership(user)
    return _active(user) and m is not None and m.role == Role.OFFICE


def has_business_role(user) -> bool:
    """A business role (any but the three administrators), or a superuser: the business pages
    (ledger, field work, organisation, dashboards) answer them; a login without one is refused."""
    return _active(user) and (user.is_superuser or membership(user) is not None)


def is_leader(user) -> bool:
    """领导: reads dashboards, rankings and bulletins, changes nothing; lands on the dashboard."""
    m = membership(user)
    return _active(user) and m is not None and m.role == Role.LEADER


def may_read_log(user) -> bool:
    """The change log (变更记录): the office, inspectors, the city and superusers."""
    if not _active(user):
        return False
    m = membership(user)
    return user.is_superuser or (m is not None and m.role in LOG_READERS)


def must_use_second_factor(user) -> bool:
    """动态口令 at every login, whether or not the user has bound a device yet: Django superusers
    always, and the roles named in ZHAOSHANG_2FA_REQUIRED_ROLES (by default the office and the
    three administrators). Anyone else may bind one and is then asked for it too (twofactor/)."""
    if not _active(user):
        return False
    return user.is_superuser or role_of(user) in settings.ZHAOSHANG_2FA_REQUIRED_ROLES


class _Predicate(BasePermission):
    predicate = staticmethod(lambda user: False)
    message = "您的角色无权访问此页面"

    def has_permission(self, request, view):
        return self.predicate(request.user)


class IsSystemAdmin(_Predicate):
    predicate = staticmethod(is_system_admin)
    message = "只有系统管理员可以访问此页面"


class IsSecurityAdmin(_Predicate):
    predicate = staticmethod(is_security_admin)
    message = "只有安全管理员可以访问此页面"


class IsAuditAdmin(_Predicate):
    predicate = staticmethod(is_audit_admin)
    message = "只有审计管理员可以访问此页面"


class IsOffice(_Predicate):
    predicate = staticmethod(is_office)
    message = "只有招商办可以执行此操作"


def may_edit_calendar(user) -> bool:
    """The national holiday calendar (holidays/) is kept by the office of the top jurisdiction on
    the platform — an office no office above it oversees (a county's on a county platform, the
    city's where the city's office is on it too) — and by superusers. Everyone with a role reads."""
    if _active(user) and user.is_superuser:
        return True
    if not is_office(user):
        return False
    from zhaoshang.org.models import Membership

    m = membership(user)
    above = [c for c in m.jurisdiction.path.split("/") if c and c != m.jurisdiction.code]
    return not Membership.objects.filter(role=Role.OFFICE, jurisdiction__code__in=above).exists()


class MayEditCalendar(_Predicate):
    predicate = staticmethod(may_edit_calendar)
    message = "只有最上级招商办可以修改节假日日历"


def require(*permission_classes):
    """A Django view decorator: each class's `has_permission` must hold, or 403 with its Chinese
    message (an anonymous user is sent to the login page first)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            for cls in permission_classes:
                perm = cls()
                if not perm.has_permission(request, view):
                    raise PermissionDenied(perm.message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


class RolePermission(BasePermission):
    """Reading needs a role; writing needs a role that may change that kind of data."""

    message = "您的角色无权执行此操作"

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not user.is_superuser and membership(user) is None:
            return False
        if request.method in SAFE_METHODS:
            return True
        model = getattr(getattr(view, "queryset", None), "model", None)
        return model is not None and can_change(user, model)

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or can_change(request.user, obj)


class ServiceDecides(BasePermission):
    """Reading and writing need a business role; who may make each write is the endpoint's
    services' rule (they raise PermissionDenied naming why), because it is not "may change
    this kind of data": a leader issues and closes instructions, the addressee replies
    (supervision/instructions.py)."""

    message = "您的角色无权执行此操作"

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        return user.is_superuser or membership(user) is not None

    def has_object_permission(self, request, view, obj):
        return True
