"""Reads of the organisation used across apps."""

from __future__ import annotations

from django.db.models import Q

from .models import Team, Unit


def team_for_unit(unit: Unit) -> Team | None:
    """The team a unit works in under its most recent policy (lead or member unit), if any.
    A unit may sit in teams of older policies too (信丰 2023 squads and 2024 corps): the
    newest policy's team is the one that answers for its work now."""
    return (
        Team.objects.filter(Q(lead_unit=unit) | Q(member_units=unit))
        .select_related("policy")
        .order_by("-policy__start", "number")
        .first()
    )


def unit_by_name(name: str, *, within) -> Unit | None:
    """A unit by name or alias within a queryset of units (already scoped to the user).

    An alias is matched in Python over the units that have any, the same on every database: SQLite
    keeps JSON escaped (a text lookup on `aliases` misses a Chinese alias there) and has no JSON
    containment (`aliases__contains` is PostgreSQL's only)."""
    name = name.strip()
    if not name:
        return None
    hit = within.filter(name=name).first()
    if hit is not None:
        return hit
    for pk, aliases in within.exclude(aliases=[]).values_list("pk", "aliases"):
        if isinstance(aliases, list) and name in aliases:
            return within.filter(pk=pk).first()
    return None
