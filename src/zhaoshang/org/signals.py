"""The organisation follows the office's edits, whichever channel made them (page, API, admin):
a team's new members reach the groups derived from the teams; choosing a group's members by
hand makes the group the office's."""

from django.db.models.signals import m2m_changed, post_save

from .models import HolderGroup, Team
from .services import group_members_chosen, is_syncing, sync_groups


def _group_members(sender, instance, action, reverse, **kwargs):
    if reverse or is_syncing() or action not in ("post_add", "post_remove", "post_clear"):
        return
    group_members_chosen(instance)


def _team_members(sender, instance, action, reverse, **kwargs):
    if reverse or is_syncing() or action not in ("post_add", "post_remove", "post_clear"):
        return
    sync_groups(instance.policy)


def _team_saved(sender, instance, created, raw=False, **kwargs):
    if raw or created or is_syncing():
        return
    sync_groups(instance.policy)


def connect():
    for name in ("teams", "units", "people", "jurisdictions"):
        m2m_changed.connect(
            _group_members, sender=getattr(HolderGroup, name).through, dispatch_uid=f"org-group-{name}"
        )
    m2m_changed.connect(_team_members, sender=Team.member_units.through, dispatch_uid="org-team-members")
    post_save.connect(_team_saved, sender=Team, dispatch_uid="org-team-saved")
