"""Writes to the target library. Forms, the API, the Excel import and the demo all call these;
every write goes through the models (ChangeLoggedModel: each one is in the change log)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zhaoshang.core.scoping import can_change, membership, write_scope_errors
from zhaoshang.fieldwork import services as fieldwork_services
from zhaoshang.fieldwork.models import Lead

from .models import TargetContact, TargetEnterprise


@transaction.atomic
def target_save(*, target: TargetEnterprise) -> TargetEnterprise:
    target.full_clean()
    target.save()
    return target


@transaction.atomic
def contact_save(*, contact: TargetContact) -> TargetContact:
    contact.full_clean()
    contact.save()
    return contact


def lead_unit(target: TargetEnterprise, user):
    """The unit the lead is reported under: the target's responsible unit, else its team's lead
    unit, else the clerk's own unit (or their team's lead unit) when it is in the target's
    jurisdiction; None if there is none."""
    if target.unit_id:
        return target.unit
    if target.team_id and target.team.lead_unit_id:
        return target.team.lead_unit
    m = membership(user)
    if m is not None:
        unit = m.unit if m.unit_id else (m.team.lead_unit if m.team_id and m.team.lead_unit_id else None)
        if unit is not None and unit.jurisdiction_id == target.jurisdiction_id:
            return unit
    return None


def may_move(user, target: TargetEnterprise) -> bool:
    """Whether the user may move this target into the pipeline: they may change the target and
    file a lead (the lead form's rule: `can_change` on Lead)."""
    return (
        TargetEnterprise.objects.visible_to(user).filter(pk=target.pk).exists()
        and can_change(user, target)
        and can_change(user, Lead)
    )


@transaction.atomic
def target_to_lead(*, target: TargetEnterprise, user) -> Lead:
    """Move a target into the pipeline: a fieldwork lead (待甄别, for the office to screen as any
    other) reported today under the target's unit and team, linked on the target. Refused for a
    target already moved or dropped from the library."""
    target = TargetEnterprise.objects.select_for_update().get(pk=target.pk)
    if not may_move(user, target):
        raise PermissionDenied("您不能将此目标企业转入线索")
    if target.lead_id:
        raise ValidationError(f"“{target.name}”已转入线索（{target.lead}），不能重复转入")
    if target.dropped_on:
        raise ValidationError(f"“{target.name}”已于{target.dropped_on:%Y年%m月%d日}移出名录，不能转入线索")
    unit = lead_unit(target, user)
    if unit is None:
        raise ValidationError("请先为目标企业指定责任单位或责任团队（线索须有报送单位）")
    where = target.segment or target.chain
    lines = [f"目标企业库转入：{target.name}"]
    if target.lists:
        lines.append(f"所属榜单：{target.list_labels}")
    if where is not None:
        lines.append(f"产业链：{where}")
    if target.region:
        lines.append(f"所在地区：{target.region}")
    if target.notes:
        lines.append(target.notes)
    lead = Lead(
        jurisdiction_id=unit.jurisdiction_id,
        unit=unit,
        team=target.team if target.team_id else None,
        reported_on=timezone.localdate(),
        title=f"目标企业：{target.name}"[:120],
        enterprise_name=target.name,
        enterprise=target.enterprise,
        industry=(target.segment.name if target.segment_id else target.chain.name if target.chain_id else "")[
            :40
        ],
        content="\n".join(lines),
    )
    # The lead form's own steps: the 客商库 link, the one rule of what the user may name, the model's rules.
    fieldwork_services.enterprise_link(lead, user)
    errors = write_scope_errors(user, lead)
    if errors:
        raise ValidationError(errors)
    lead.full_clean()
    lead.save()
    target.lead = lead
    target.full_clean()
    target.save()
    return lead
