"""Accounts and roles, as the system and security administrators change them (and the command
line does): one place for the rules, each refusal in Chinese naming the account.

- The system administrator creates accounts (with a business role and place) and deactivates or
  reactivates them.
- The security administrator changes an account's business role and place (its permissions),
  unlocks logins and resets second factors (accounts/, twofactor/).
- The three administrator roles are granted on the command line only (`zhaoshang admins grant`),
  to an account that has no business role; no web page hands them out.
- No account holds two roles: a membership is one row with one role (org.models.Membership), and
  an account never moves between an administrator role and a business role (Membership.clean).

Every change is in the change log (the User and Membership rows) and, as a role change or an
account event, in the audit trail with its address.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from zhaoshang.audit import events
from zhaoshang.core.permissions import is_security_admin, is_system_admin, role_of
from zhaoshang.core.roles import ADMIN_ROLES, BUSINESS_ROLES, Role


def _label(role) -> str:
    return Role(role).label if role in Role.values else str(role)


def manageable(by):
    """The accounts an administrator may manage: every business account and every account without
    a role (the three administrators serve the whole platform), never an administrator's or a
    superuser's."""
    from django.db.models import Q

    User = get_user_model()
    if not (is_system_admin(by) or is_security_admin(by)):
        return User.objects.none()
    return (
        User.objects.filter(
            Q(membership__isnull=True) | Q(membership__role__in=[r.value for r in BUSINESS_ROLES])
        )
        .filter(is_superuser=False)
        .select_related("membership__jurisdiction", "membership__team", "membership__unit")
        .order_by("username")
    )


def _check_target(user, by):
    if by is None:
        return
    if role_of(user) in ADMIN_ROLES or user.is_superuser:
        raise PermissionDenied(
            f"账号“{user.get_username()}”是三员或超级管理员账号，只能在服务器上用命令行管理"
        )
    if not manageable(by).filter(pk=user.pk).exists():
        raise PermissionDenied(f"账号“{user.get_username()}”不在您管理的范围内")


def _set_role(user, *, role, jurisdiction, team=None, unit=None, by=None, allow_admin=False):
    from zhaoshang.org.models import Membership

    role = str(role)
    if role not in Role.values:
        raise ValidationError({"role": f"角色“{role}”不存在"})
    if role in ADMIN_ROLES and not allow_admin:
        raise ValidationError({"role": f"{_label(role)}只能在服务器上用命令行（zhaoshang admins grant）授予"})
    if role in ADMIN_ROLES:
        team = unit = None
    m = Membership.objects.filter(user=user).first()
    before = (
        {
            "role": m.role,
            "jurisdiction": str(m.jurisdiction),
            "team": str(m.team or ""),
            "unit": str(m.unit or ""),
        }
        if m
        else None
    )
    if m is None:
        m = Membership(user=user)
    m.role, m.jurisdiction, m.team, m.unit = role, jurisdiction, team, unit
    m.full_clean()
    m.save()
    after = {
        "role": m.role,
        "jurisdiction": str(m.jurisdiction),
        "team": str(m.team or ""),
        "unit": str(m.unit or ""),
    }
    if before != after:
        events.record(
            "role_change",
            obj=user,
            detail={"before": before, "after": after, "by": by.get_username() if by else ""},
        )
    user._zs_membership = m
    return m


def create_account(*, by, username, password, role, jurisdiction, team=None, unit=None, full_name=""):
    """A new business account with its role and place (the system administrator's console)."""
    if by is not None and not is_system_admin(by):
        raise PermissionDenied("只有系统管理员可以新建账号")
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "账号须填写"})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"账号“{username}”已存在"})
    user = User(username=username, first_name=(full_name or "")[:150])
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise ValidationError({"password": e.messages}) from None
    with transaction.atomic():
        user.set_password(password)
        user.save()
        _set_role(user, role=role, jurisdiction=jurisdiction, team=team, unit=unit, by=by)
        events.record("account", obj=user, detail={"action": "create", "role": str(role)})
    return user


def set_active(user, active: bool, *, by):
    """Deactivate (never delete: the logs name the account) or reactivate an account."""
    if by is not None and not is_system_admin(by):
        raise PermissionDenied("只有系统管理员可以停用或启用账号")
    _check_target(user, by)
    if by is not None and user.pk == by.pk:
        raise PermissionDenied("不能停用自己的账号")
    if user.is_active == active:
        return user
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        events.record("account", obj=user, detail={"action": "activate" if active else "deactivate"})
    return user


def assign_role(user, *, by, role, jurisdiction, team=None, unit=None):
    """Change an account's business role and place (the security administrator's console)."""
    if by is not None and not is_security_admin(by):
        raise PermissionDenied("只有安全管理员可以调整账号的角色和权限")
    _check_target(user, by)
    with transaction.atomic():
        return _set_role(user, role=role, jurisdiction=jurisdiction, team=team, unit=unit, by=by)


def grant_admin(user, role, *, jurisdiction):
    """The command line's grant of an administrator role to an account with no business role."""
    if str(role) not in ADMIN_ROLES:
        raise ValidationError({"role": f"“{role}”不是三员角色（system_admin、security_admin、audit_admin）"})
    if user.is_superuser:
        raise ValidationError(
            {"role": f"账号“{user.get_username()}”是超级管理员，不能同时担任{_label(role)}"}
        )
    with transaction.atomic():
        return _set_role(user, role=role, jurisdiction=jurisdiction, allow_admin=True)
