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
    """A unit by name or alias within a queryset of units (already scoped to the user)."""
    name = name.strip()
    if not name:
        return None
    hit = within.filter(name=name).first()
    if hit is not None:
        return hit
    for unit in within.filter(aliases__icontains=name):
        if name in unit.aliases:
            return unit
    return None
