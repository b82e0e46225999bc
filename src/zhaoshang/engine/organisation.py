"""Who belongs to which group of a policy, worked out from the file alone."""

from __future__ import annotations

from .schema import GroupSpec, Policy


def group_members(policy: Policy, group: GroupSpec, _seen: frozenset[str] = frozenset()) -> list[str]:
    """The members of a group as the file names them: team keys, unit names, person names or
    division codes, in the document's order and without duplicates."""
    out: list[str] = []
    units = policy.unit_names()
    if group.members:
        out += [units[m].name if group.holder == "unit" and m in units else m for m in group.members]
    teams = [t for t in policy.teams if not group.team_kinds or t.kind in group.team_kinds]
    if group.holder == "team" and group.team_kinds:
        out += [t.key for t in teams]
    if group.holder == "unit":
        if group.team_role:
            for t in teams:
                if group.team_role in ("lead_unit", "any_member") and t.lead_unit:
                    out.append(units[t.lead_unit].name)
                if group.team_role in ("member_unit", "any_member"):
                    out += [units[m].name for m in t.member_units]
        elif group.team_kinds:
            for t in teams:
                out += [units[m].name for m in ([t.lead_unit] if t.lead_unit else []) + t.member_units]
        if group.unit_kinds:
            out += [u.name for u in policy.units if u.kind in group.unit_kinds]
    for key in group.include:
        other = policy.group(key)
        if other is not None and key not in _seen:
            out += group_members(policy, other, _seen | {group.key})
    return list(dict.fromkeys(out))


def all_group_members(policy: Policy) -> dict[str, list[str]]:
    return {g.key: group_members(policy, g) for g in policy.groups}
