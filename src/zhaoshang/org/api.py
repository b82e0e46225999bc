"""The organisation's endpoints (registered by api/urls.py): jurisdictions and policies are read
only; teams, groups and targets come from loading a policy file and the office edits them."""

from zhaoshang.api.base import viewset_for

from . import filters
from . import serializers as s
from .models import HolderGroup, Jurisdiction, Person, Policy, Target, Team, Unit

ENDPOINTS = {
    "jurisdictions": viewset_for(
        Jurisdiction, s.JurisdictionSerializer, filterset=filters.JurisdictionFilterSet, writable=False
    ),
    "policies": viewset_for(Policy, s.PolicySerializer, filterset=filters.PolicyFilterSet, writable=False),
    "units": viewset_for(Unit, s.UnitSerializer, filterset=filters.UnitFilterSet),
    "people": viewset_for(Person, s.PersonSerializer, filterset=filters.PersonFilterSet),
    "teams": viewset_for(
        Team,
        s.TeamSerializer,
        creatable=False,
        filterset=filters.TeamFilterSet,
        prefetch=("deputies", "member_units"),
    ),
    "groups": viewset_for(
        HolderGroup,
        s.HolderGroupSerializer,
        creatable=False,
        filterset=filters.HolderGroupFilterSet,
        prefetch=("teams", "units", "people", "jurisdictions"),
    ),
    "targets": viewset_for(Target, s.TargetSerializer, creatable=False, filterset=filters.TargetFilterSet),
}
