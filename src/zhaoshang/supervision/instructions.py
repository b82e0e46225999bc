"""Leaders' instructions (领导批示): issued by a leader (or the office recording one) on a project
or a problem to a unit or team; the addressee replies, the leader closes it. Called alike by the
pages and the API.

    待回复 --reply--> 已回复 --close--> 已办结   (a further reply keeps it 已回复)

An instruction is overdue when its deadline has passed without a reply.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhaoshang.core.roles import Role
from zhaoshang.core.scoping import WriteScope, membership

from .models import Instruction, InstructionReply

S = Instruction.Status


def may_issue(user) -> bool:
    """Leaders issue instructions; the office records one on a leader's behalf."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    m = membership(user)
    return m is not None and m.role in (Role.LEADER, Role.OFFICE)


def may_reply(user, instruction: Instruction) -> bool:
    """The addressee's clerks reply (the office too, recording a reply it was given)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    m = membership(user)
    if m is None:
        return False
    if m.role == Role.OFFICE:
        return True
    if m.role not in (Role.TEAM_CLERK, Role.UNIT_CLERK, Role.SUPPORT_UNIT):
        return False
    scope = WriteScope(user)
    if instruction.addressee_team_id:
        return instruction.addressee_team_id in scope.team_ids() if scope.by_team else False
    return instruction.addressee_unit_id in scope.unit_ids()


def may_close(user, instruction: Instruction) -> bool:
    """The leader who issued it, or the office."""
    if not getattr(user, "is_authenticated", False):
        return False
    m = membership(user)
    return user.is_superuser or instruction.by_id == user.pk or (m is not None and m.role == Role.OFFICE)


def mine(queryset, user):
    """The instructions the user issued (我的批示)."""
    return queryset.filter(by=user)


def awaiting_reply(queryset, user):
    """Open instructions addressed to the user's unit or team."""
    m = membership(user)
    if m is None:
        return queryset.none()
    q = Q(pk__in=[])
    if m.team_id:
        q |= Q(addressee_team_id=m.team_id)
    if m.unit_id:
        q |= Q(addressee_unit_id=m.unit_id, addressee_team__isnull=True)
    return queryset.filter(q, status=S.OPEN)


def instruction_issue(*, instruction: Instruction, by) -> Instruction:
    """Save a new instruction by `by` (validated by the model; the jurisdiction is its subject's)."""
    if not may_issue(by):
        raise PermissionDenied("只有领导（或招商办代为登记）可以作出批示")
    if instruction.pk is None:
        instruction.by = by
        if not instruction.leader_name:
            instruction.leader_name = (by.get_full_name() or by.username)[:30]
    if instruction.issued_on is None:
        instruction.issued_on = timezone.localdate()
    subject = instruction.subject
    if subject is not None:
        instruction.jurisdiction_id = subject.jurisdiction_id
    instruction.full_clean()
    subject_model = type(subject)
    if not subject_model.objects.visible_to(by).filter(pk=subject.pk).exists():
        raise ValidationError({"project": "批示对象不在您的权限范围内"})
    for name in ("addressee_unit", "addressee_team"):
        value = getattr(instruction, name)
        if (
            value is not None
            and value.jurisdiction_id != instruction.jurisdiction_id
            and not (instruction.jurisdiction.path.startswith(value.jurisdiction.path))
        ):
            raise ValidationError({name: "承办单位（团队）须在批示对象所在行政区划"})
    instruction.save()
    return instruction


def instruction_reply(
    *, instruction: Instruction, content: str, by, on: date | None = None
) -> InstructionReply:
    content = (content or "").strip()
    if not may_reply(by, instruction):
        raise PermissionDenied(f"只有承办单位（{instruction.addressee}）可以回复此批示")
    if not content:
        raise ValidationError({"content": "回复内容不能为空"})
    with transaction.atomic():
        locked = Instruction.objects.select_for_update().get(pk=instruction.pk)
        if locked.status == S.CLOSED:
            raise ValidationError("批示已办结，不能再回复")
        reply = InstructionReply(
            instruction=locked, content=content, by=by, replied_on=on or timezone.localdate()
        )
        reply.full_clean()
        reply.save()
        if locked.status == S.OPEN:
            locked.status = S.REPLIED
            locked.save()
    instruction.status = locked.status
    return reply


def instruction_close(*, instruction: Instruction, by, on: date | None = None) -> Instruction:
    if not may_close(by, instruction):
        raise PermissionDenied("只有作出批示的领导或招商办可以办结批示")
    with transaction.atomic():
        locked = Instruction.objects.select_for_update().get(pk=instruction.pk)
        if locked.status == S.CLOSED:
            raise ValidationError("批示已办结")
        locked.status, locked.closed_on = S.CLOSED, on or timezone.localdate()
        locked.save()
    instruction.status, instruction.closed_on = locked.status, locked.closed_on
    return instruction
