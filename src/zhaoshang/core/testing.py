"""Helpers for tests that need a small world of their own."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .roles import ADMIN_ROLES, Role


def _jurisdiction():
    from zhaoshang.org.models import Jurisdiction

    top = Jurisdiction.objects.filter(parent__isnull=True).order_by("path").first()
    if top is None:
        top = Jurisdiction.objects.create(code="990000", name="测试省", level=Jurisdiction.Level.PROVINCE)
    return top


def make_admin(role, username: str, *, jurisdiction=None, password: str | None = None):
    """A saved, active user holding one of the three administrator roles (系统管理员,
    安全管理员, 审计管理员) at `jurisdiction` (by default the top of the existing tree, or a test
    province made for it). `role` is a `Role` or its value ("system_admin"…)."""
    from zhaoshang.org.models import Membership

    role = Role(role)
    if role not in ADMIN_ROLES:
        raise ValueError(f"{role} is not an administrator role")
    User = get_user_model()
    user = User(username=username, is_active=True)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, role=role, jurisdiction=jurisdiction or _jurisdiction())
    return User.objects.get(pk=user.pk)
