"""`visible_to(user)`: the one place where what a user may see is decided.

A scoped model names how to reach its jurisdiction (`scope_jurisdiction`, a lookup path to a
Jurisdiction) and, when its records are private to a team or unit, how to reach those
(`scope_team`, `scope_unit`). Every list, page and API endpoint starts from `visible_to`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from .roles import ADMIN_ROLES, ORG_EDITORS, RECORD_EDITORS, WIDE_ROLES


def role_membership(user):
    """The user's membership row whatever its role (an administrator's included), cached on the
    user object."""
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


def membership(user):
    """The user's business membership (role and place): None for a login without one and for
    the three administrators (三员), who therefore fall into no scope — every list, page, API
    and export that starts from `visible_to` or asks for a membership gives them nothing."""
    m = role_membership(user)
    if m is None or m.role in ADMIN_ROLES:
        return None
    return m


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
        if not role_reads(m, model):
            return self.none()
        jpath = model.scope_jurisdiction
        lookup = f"{jpath}__path__startswith" if jpath else "path__startswith"
        qs = self.filter(**{lookup: m.jurisdiction.path})
        if not getattr(model, "scope_private", False) or m.role in WIDE_ROLES:
            return qs
        return qs.filter(private_scope_q(model, m))


def role_reads(m, model) -> bool:
    """Whether a business membership's role reads records of `model` at all. Some records are the
    office's working papers (decisions, rewards to people, bulletins): only the roles the model
    names (`scope_roles`) may read them."""
    roles = getattr(model, "scope_roles", None)
    return roles is None or m.role in roles


def may_read(user, model) -> bool:
    """Whether `visible_to(user)` can give the user any record of `model`: a list page of it
    is worth a menu entry (core/menu.py)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    m = membership(user)
    return m is not None and role_reads(m, model)


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
        if m.role not in RECORD_EDITORS:
            return False
        # A record seen by more parties than write it (a problem: the requester writes it, the
        # support unit it is assigned to acts on it through its services) says who of them may.
        narrower = getattr(model, "changeable_by", None)
        obj = None if isinstance(obj_or_model, type) else obj_or_model
        return narrower is None or narrower(m, obj)
    return m.role in ORG_EDITORS and getattr(model, "office_editable", True)


# --- Writing: what a clerk may name -------------------------------------------------------------
#
# Seeing a record is not the same as being allowed to file one: a unit clerk sees their unit's
# records whatever team they name, and a team clerk sees their team's whatever unit they name,
# so "is the saved record still visible" lets a unit clerk book a project under another team
# and a team clerk credit investment to a unit outside the team. The rule below is the one
# every write path asks (web forms, API, Excel import and the command line):
#
# - a unit clerk or support unit names their own unit, and a team their unit belongs to (lead
#   or member unit, under any policy) or none;
# - a team clerk names their own team or none, and one of the team's units (lead or member);
# - a record that hangs on another (a project's phase, an enterprise's contact, a meeting's
#   decision) hangs on one the writer may see;
# - office, leaders, inspectors, the city and superusers are limited by jurisdiction only (the
#   choices they are offered and `visible_to` see to that).
#
# On an update only a record whose holder changes is checked (then its whole holder, unit and
# team together): a clerk may still save their own record that the office filed under a team
# of an older policy.


@dataclass(frozen=True)
class WriteFields:
    """The fields a writer fills that decide whose a private record is."""

    units: tuple[str, ...] = ()
    team: str | None = None
    parents: tuple[str, ...] = ()  # the record it belongs to (project, enterprise, activity…)

    @property
    def holder(self) -> tuple[str, ...]:
        return (*self.units, self.team) if self.team else self.units


# Where the scope paths say more than the writer names. An ownership claim is seen by both
# parties, but its writer names only the claimant: the holder is the enterprise's unit.
WRITE_FIELDS = {
    "ledger.ownershipclaim": WriteFields(units=("claimant_unit",), team="claimant_team"),
    # A problem is seen by the unit (or team) that raised it and by the support unit it is
    # assigned to; its writer names only the requester.
    "supervision.problem": WriteFields(
        units=("requester_unit",), team="requester_team", parents=("project", "enterprise", "decision")
    ),
}


def write_fields(model) -> WriteFields:
    """The unit, team and parent fields of a private record, read from its `scope_unit` and
    `scope_team` paths (a path through another record names that record as the parent)."""
    if not getattr(model, "scope_private", False):
        return WriteFields()
    declared = WRITE_FIELDS.get(model._meta.label_lower)
    if declared is not None:
        return declared
    unit_paths = getattr(model, "scope_unit", None) or ()
    if isinstance(unit_paths, str):
        unit_paths = (unit_paths,)
    team_path = getattr(model, "scope_team", None)
    paths = [*unit_paths, *([team_path] if team_path else [])]
    return WriteFields(
        units=tuple(p for p in unit_paths if "__" not in p),
        team=team_path if team_path and "__" not in team_path else None,
        parents=tuple(dict.fromkeys(p.split("__", 1)[0] for p in paths if "__" in p)),
    )


def _pk(value):
    return value.pk if isinstance(value, models.Model) else value


class WriteScope:
    """One user's answer to "may I name this unit, this team, this parent record?", with what it
    needs read once (an import asks it for every row)."""

    def __init__(self, user):
        from .roles import Role

        self.user = user
        self.m = membership(user) if getattr(user, "is_authenticated", False) else None
        self.unrestricted = bool(getattr(user, "is_superuser", False)) or (
            self.m is not None and self.m.role in WIDE_ROLES
        )
        m = self.m
        self.by_team = m is not None and m.role == Role.TEAM_CLERK and m.team_id is not None
        self._units: set[int] | None = None
        self._teams: set[int] | None = None
        self._names: dict[tuple[type, int], str] = {}

    # What may be named.
    def unit_ids(self) -> set[int]:
        if self._units is None:
            m = self.m
            if m is None:
                self._units = set()
            elif self.by_team:
                self._units = set(m.team.unit_ids())
            else:
                self._units = {m.unit_id} if m.unit_id else set()
        return self._units

    def team_ids(self) -> set[int]:
        if self._teams is None:
            m = self.m
            if m is None:
                self._teams = set()
            elif self.by_team:
                self._teams = {m.team_id}
            elif m.unit_id:
                from zhaoshang.org.models import Team

                self._teams = set(
                    Team.objects.filter(Q(lead_unit_id=m.unit_id) | Q(member_units=m.unit_id))
                    .values_list("pk", flat=True)
                    .distinct()
                )
            else:
                self._teams = set()
        return self._teams

    def units(self, qs=None):
        """The units a clerk may name (all of `qs` for the wide roles)."""
        from zhaoshang.org.models import Unit

        qs = Unit.objects.all() if qs is None else qs
        return qs if self.unrestricted else qs.filter(pk__in=self.unit_ids())

    def teams(self, qs=None):
        from zhaoshang.org.models import Team

        qs = Team.objects.all() if qs is None else qs
        return qs if self.unrestricted else qs.filter(pk__in=self.team_ids())

    def choice_message(self, kind: str, label: str) -> str:
        """A picker's answer to a unit (kind "unit") or team it does not offer."""
        if kind == "unit":
            if self.by_team:
                return f"{label}只能选择本团队（{self.m.team}）的牵头单位或成员单位"
            return f"{label}只能选择本单位（{self._own_unit()}）"
        if self.by_team:
            return f"{label}只能选择本团队（{self.m.team}）或留空"
        return f"{label}只能选择本单位（{self._own_unit()}）所在的团队或留空"

    # Problems, in Chinese, each starting with the field's label (empty when the caller names the
    # field itself, as an import's column header does).
    def _name(self, model_name: str, value) -> str:
        if isinstance(value, models.Model):
            return str(value)
        from django.apps import apps

        model = apps.get_model("org", model_name)
        key = (model, value)
        if key not in self._names:
            obj = model.objects.filter(pk=value).first()
            self._names[key] = str(obj) if obj is not None else f"#{value}"
        return self._names[key]

    def _own_unit(self) -> str:
        return str(self.m.unit) if self.m is not None and self.m.unit_id else "（账号未指定单位）"

    def unit_problem(self, unit, label: str = "") -> str | None:
        """May the user file a record under `unit` (an instance, a pk or None)? A team clerk may
        leave it empty (a record of the team itself); a unit clerk may not."""
        if self.unrestricted:
            return None
        pk = _pk(unit)
        if self.by_team:
            if pk is None or pk in self.unit_ids():
                return None
            return (
                f"{label}“{self._name('unit', unit)}”不是本团队（{self.m.team}）的牵头单位或成员单位，"
                "不能登记到其名下"
            )
        if pk is not None and pk in self.unit_ids():
            return None
        if pk is None:
            return f"{label}须填写本单位（{self._own_unit()}）"
        return f"{label}只能填写本单位（{self._own_unit()}），不能登记到“{self._name('unit', unit)}”名下"

    def team_problem(self, team, label: str = "") -> str | None:
        """May the user file a record under `team` (an instance, a pk or None: no team)?"""
        if self.unrestricted:
            return None
        pk = _pk(team)
        if pk is None or pk in self.team_ids():
            return None
        if self.by_team:
            return f"{label}只能填写本团队（{self.m.team}）或留空，不能登记到“{self._name('team', team)}”名下"
        return (
            f"{label}“{self._name('team', team)}”不是本单位（{self._own_unit()}）所在的团队，"
            "请留空或选择本单位所在的团队"
        )

    def errors(self, model, values: dict, before: dict | None = None) -> dict[str, str]:
        """Problems with the holder and parent a record of `model` would be written with, by field
        name. `values` maps each field of `write_fields(model)` to an instance, a pk or None
        (a field left out keeps its stored value); `before` holds the stored pks of an update
        (None for a new record)."""
        if self.unrestricted:
            return {}
        spec = write_fields(model)
        if not (spec.holder or spec.parents):
            return {}
        before = before or {}
        new = not before

        def changed(name):
            return new or (name in values and _pk(values[name]) != before.get(name))

        def value(name):
            return values[name] if name in values else before.get(name)

        out: dict[str, str] = {}
        label = {f.name: str(f.verbose_name) for f in model._meta.fields}
        if any(changed(name) for name in spec.holder):
            team = value(spec.team) if spec.team else None
            for name in spec.units:
                problem = self.unit_problem(value(name), label[name])
                if problem:
                    out[name] = problem
            if spec.team:
                problem = self.team_problem(team, label[spec.team])
                if problem:
                    out[spec.team] = problem
            if (
                self.by_team
                and not out
                and _pk(team) is None
                and all(_pk(value(name)) is None for name in spec.units)
            ):
                name = spec.team or spec.units[0]
                out[name] = f"{label[name]}须填写本团队（{self.m.team}）"
        for name in spec.parents:
            pk = _pk(value(name))
            if not changed(name) or pk is None:
                continue
            related = model._meta.get_field(name).related_model
            if not related.objects.visible_to(self.user).filter(pk=pk).exists():
                out[name] = f"{label[name]}不在您的权限范围内"
        return out


def write_scope_errors(user, obj, *, before=None) -> dict[str, str]:
    """The one rule of what a user may write (see above), for `obj` as it is about to be saved:
    {field name: message in Chinese}, empty when it may be saved. `before` is the stored record
    of an update when the caller still holds it unchanged; otherwise it is read by primary key."""
    model = type(obj)
    spec = write_fields(model)
    names = (*spec.holder, *spec.parents)
    if not names:
        return {}
    scope = WriteScope(user)
    if scope.unrestricted:
        return {}
    attnames = {name: model._meta.get_field(name).attname for name in names}
    values = {name: getattr(obj, attnames[name]) for name in names}
    # The instances the record already holds give their names to a message without a query.
    for name in names:
        cached = obj._state.fields_cache.get(name)
        if cached is not None and cached.pk == values[name]:
            values[name] = cached
    stored = None
    if before is not None:
        stored = {name: getattr(before, attnames[name]) for name in names}
    elif obj.pk is not None:
        row = model._default_manager.filter(pk=obj.pk).values(*attnames.values()).first()
        if row is not None:
            stored = {name: row[attnames[name]] for name in names}
    return scope.errors(model, values, stored)
