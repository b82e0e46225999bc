"""Who belongs to which group of a policy, worked out from the file alone."""

from __future__ import annotations

from .schema import GroupSpec, Policy


def group_members(policy: Policy, group: GroupSpec, _seen: frozenset[str] = frozenset()) -> list[str]:
    """The members of a group as the file names them: team keys, unit names, person names or
    division codes, in the document's order and without duplicates."""
    out: list[str] = []
    units = policy.unit_names()

    def unit_name(name: str) -> str:
        # A unit the office recorded on a team is named as the policy names it (an alias is its
        # name); one the policy does not list is taken as recorded.
        return units[name].name if name in units else name

    if group.members:
        out += [unit_name(m) if group.holder == "unit" else m for m in group.members]
    teams = [t for t in policy.teams if not group.team_kinds or t.kind in group.team_kinds]
    if group.holder == "team" and group.team_kinds:
        out += [t.key for t in teams]
    if group.holder == "unit":
        # Every unit of every team of the kinds, as recorded (the office fills in the teams the
        # file leaves empty): its lead unit, its other member units, or both (`team_role`).
        if group.team_role:
            for t in teams:
                if group.team_role in ("lead_unit", "any_member") and t.lead_unit:
                    out.append(unit_name(t.lead_unit))
                if group.team_role in ("member_unit", "any_member"):
                    out += [unit_name(m) for m in t.member_units]
        elif group.team_kinds:
            for t in teams:
                out += [unit_name(m) for m in ([t.lead_unit] if t.lead_unit else []) + t.member_units]
        if group.unit_kinds:
            out += [u.name for u in policy.units if u.kind in group.unit_kinds]
    for key in group.include:
        other = policy.group(key)
        if other is not None and key not in _seen:
            out += group_members(policy, other, _seen | {group.key})
    return list(dict.fromkeys(out))


def all_group_members(policy: Policy) -> dict[str, list[str]]:
    return {g.key: group_members(policy, g) for g in policy.groups}
