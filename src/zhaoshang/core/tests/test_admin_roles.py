"""The three administrators (三员): one role per account, no business scope, one predicate each."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from zhaoshang.core import permissions
from zhaoshang.core.roles import ADMIN_ROLES, BUSINESS_ROLES, Role
from zhaoshang.core.scoping import membership
from zhaoshang.core.testing import make_admin

pytestmark = pytest.mark.django_db

PREDICATES = {
    Role.SYSTEM_ADMIN: permissions.is_system_admin,
    Role.SECURITY_ADMIN: permissions.is_security_admin,
    Role.AUDIT_ADMIN: permissions.is_audit_admin,
}


def test_roles_are_separate_sets():
    assert ADMIN_ROLES == {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
    assert not ADMIN_ROLES & BUSINESS_ROLES
    assert Role.OFFICE in BUSINESS_ROLES


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_each_admin_answers_only_its_own_predicate(role):
    user = make_admin(role, f"u-{role}")
    for other, predicate in PREDICATES.items():
        assert predicate(user) is (other == role)
    assert permissions.is_admin(user)
    assert not permissions.is_office(user)
    assert membership(user) is None  # no business scope


def test_inactive_admin_holds_no_role():
    user = make_admin(Role.AUDIT_ADMIN, "gone")
    user.is_active = False
    assert not permissions.is_audit_admin(user)


def test_admin_role_cannot_name_a_unit_or_team():
    from zhaoshang.org.models import Membership, Unit

    user = make_admin(Role.SYSTEM_ADMIN, "sys")
    m = Membership.objects.get(user=user)
    unit = Unit.objects.create(jurisdiction=m.jurisdiction, name="测试单位", kind="department")
    m.unit = unit
    with pytest.raises(ValidationError) as e:
        m.full_clean()
    assert "系统管理员、安全管理员和审计管理员不属于任何团队或单位" in str(e.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        m.save()


def test_one_role_per_account():
    from zhaoshang.org.models import Membership

    user = make_admin(Role.SECURITY_ADMIN, "sec")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=user, role=Role.OFFICE, jurisdiction=Membership.objects.get(user=user).jurisdiction
        )


def test_make_admin_refuses_business_roles():
    with pytest.raises(ValueError):
        make_admin(Role.OFFICE, "office")
