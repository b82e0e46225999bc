"""`visible_to(user)`: the one place where what a user may see is decided.

A scoped model names how to reach its jurisdiction (`scope_jurisdiction`, a lookup path to a
Jurisdiction) and, when its records are private to a team or unit, how to reach those
(`scope_team`, `scope_unit`). Every list, page and API endpoint starts from `visible_to`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .roles import ORG_EDITORS, RECORD_EDITORS, WIDE_ROLES


def membership(user):
    """The user's membership (role and place), cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_zs_membership"):
        loaded = getattr(user, "_state", None) and user._state.fields_cache
        if loaded and "membership" in loaded:
            # Read with the user (core.auth.MembershipBackend); None when there is none.
            user._zs_membership = loaded["membership"]
        else:
            from zhaoshang.org.models import Membership

            user._zs_membership = (
                Membership.objects.select_related("jurisdiction", "team", "unit").filter(user=user).first()
            )
    return user._zs_membership


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        m = membership(user)
        if m is None:
            return self.none()
        model = self.model
        # Some records are the office's working papers (decisions, rewards to people): only the
        # roles named may read them at all.
        roles = getattr(model, "scope_roles", None)
        if roles is not None and m.role not in roles:
            return self.none()
        jpath = model.scope_jurisdiction
        lookup = f"{jpath}__path__startswith" if jpath else "path__startswith"
        qs = self.filter(**{lookup: m.jurisdiction.path})
        if not getattr(model, "scope_private", False) or m.role in WIDE_ROLES:
            return qs
        return qs.filter(private_scope_q(model, m))


def private_scope_q(model, m) -> Q:
    """Records of the user's own team or unit. A team clerk also sees what the team's member
    units record outside any team (their own work), since the team answers for it; a record
    filed under another team stays that team's even when one of our units is on it."""
    team_path = getattr(model, "scope_team", None)
    unit_paths = getattr(model, "scope_unit", None) or ()
    if isinstance(unit_paths, str):
        unit_paths = (unit_paths,)
    q = Q(pk__in=[])
    if m.role == "team_clerk" and m.team_id:
        if team_path:
            q |= Q(**{team_path: m.team_id})
        for unit_path in unit_paths:
            cond = {f"{unit_path}__in": m.team.unit_ids()}
            if team_path:
                cond[f"{team_path}__isnull"] = True
            q |= Q(**cond)
    elif m.unit_id:
        for unit_path in unit_paths:
            q |= Q(**{unit_path: m.unit_id})
    return q


def can_change(user, obj_or_model) -> bool:
    """May the user create (given a model) or change (given an object visible to them)?"""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    m = membership(user)
    if m is None:
        return False
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    if getattr(model, "office_only", False):
        return m.role in ORG_EDITORS
    if getattr(model, "scope_private", False):
        return m.role in RECORD_EDITORS
    return m.role in ORG_EDITORS and getattr(model, "office_editable", True)
