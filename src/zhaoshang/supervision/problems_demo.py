"""Demo problems (问题清单) and leaders' instructions (领导批示) for a policy's jurisdiction: a
problem on some of its projects in every state and light — green, yellow, red and escalated, in
progress, resolved awaiting confirmation, rejected once, closed — assigned to the policy's support
units (要素保障单位 group where it names one, else government departments), one from a meeting's
decision when the demo holds one, and the demo leader's instructions with a reply or two.

`seed(*, policy, today)`: safe to call again (a jurisdiction that already has problems gets none)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from zhaoshang.core.changelog import change_context
from zhaoshang.fieldwork.models import Decision
from zhaoshang.holidays.calendar import add_workdays
from zhaoshang.ledger.models import Project
from zhaoshang.org.models import HolderGroup, Membership, Unit

from . import instructions as inst
from . import problems as prob
from .models import Instruction, Problem

# (title, description, kind of support): the requests the documents name (000 §三 2, 003 §三(三)).
TOPICS = [
    ("用地指标未落实", "项目二期用地指标尚未落实，需提前做好土地收储、征收工作，做到土地跟着项目走。"),
    ("环评审批进度慢", "项目环评报告已提交，请协调加快审批，争取重点项目环评指标。"),
    ("融资难", "企业流动资金紧张，需对接银行拓宽投融资渠道。"),
    ("用电增容", "厂房投产需增容至 2000 千伏安，请协调供电部门。"),
    ("招工缺口", "投产需技术工人 150 名，请协助开展职业技能培训和招聘。"),
    ("施工许可办理", "施工许可材料已齐，请行政审批局开辟绿色通道。"),
    ("厂房腾空", "标准厂房原租户尚未腾空，影响设备进场。"),
    ("道路配套", "园区道路和排水配套未完工，影响开工。"),
]
# How each demo problem stands: (status, working days ago raised, deadline in working days,
# rejected once first). Those past their due date unresolved are escalated by the service.
PLAN = [
    ("open", 1, 10, False),  # green
    ("in_progress", 8, 10, False),  # yellow
    ("in_progress", 15, 10, False),  # red, escalated
    ("open", 12, 5, False),  # red, escalated
    ("resolved", 9, 10, False),  # awaiting confirmation
    ("in_progress", 6, 15, True),  # rejected once, back in progress
    ("closed", 25, 10, False),
    ("closed", 30, 15, True),
]


def _support_units(policy):
    group = HolderGroup.objects.filter(policy=policy, holder="unit", key__icontains="support").first()
    units = list(group.units.order_by("name")) if group is not None else []
    if not units:
        units = list(
            Unit.objects.filter(jurisdiction=policy.jurisdiction, kind=Unit.Kind.DEPARTMENT).order_by("name")[
                :10
            ]
        )
    return units


def _login(policy, role):
    m = (
        Membership.objects.filter(jurisdiction=policy.jurisdiction, role=role)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return m.user if m is not None else None


@transaction.atomic
def seed(*, policy, today: date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    jurisdiction = policy.jurisdiction
    if Problem.objects.filter(jurisdiction=jurisdiction).exists():
        return {}
    support = _support_units(policy)
    projects = list(
        Project.objects.filter(jurisdiction=jurisdiction, team__policy=policy)
        .exclude(stage__in=["lead", "terminated"])
        .select_related("unit", "team", "responsible_leader")
        .order_by("pk")[:200]
    )
    if not support or not projects:
        return {}
    office = _login(policy, "office")
    leader = _login(policy, "leader") or office
    if office is None:
        return {}
    # The requester's clerk confirms or rejects: the demo's team and unit clerks, whose projects
    # come first so that every state can be reached through the services.
    clerks = {}
    for m in Membership.objects.filter(
        jurisdiction=jurisdiction, role__in=["team_clerk", "unit_clerk"]
    ).select_related("user"):
        clerks.setdefault(("team", m.team_id) if m.role == "team_clerk" else ("unit", m.unit_id), m.user)

    def clerk_of(project):
        return clerks.get(("team", project.team_id)) or (
            clerks.get(("unit", project.unit_id)) if project.team_id is None else None
        )

    projects = sorted(projects, key=lambda x: clerk_of(x) is None)[: len(PLAN)]
    # What needs the requester's login (a rejection, a confirmation) goes to the projects with one.
    plan = sorted(PLAN, key=lambda e: not (e[3] or e[0] == "closed"))
    workers = {
        m.unit_id: m.user
        for m in Membership.objects.filter(jurisdiction=jurisdiction, role="support_unit").select_related(
            "user"
        )
    }
    # The demo support unit's login gets the first problems.
    support.sort(key=lambda u: u.pk not in workers)
    decision = Decision.objects.filter(activity__jurisdiction=jurisdiction).select_related("activity").first()
    made: list[Problem] = []
    with change_context(source="system", reason="演示数据"):
        for i, (project, (status, ago, workdays, rejected)) in enumerate(zip(projects, plan, strict=False)):
            requester = clerk_of(project)
            if requester is None and (rejected or status == "closed"):
                status, rejected = "resolved", False  # no login to confirm or reject with
            title, description = TOPICS[i % len(TOPICS)]
            candidates = [u for u in support if u.pk not in (project.unit_id,)]
            if not candidates:
                continue  # the only support unit is the project's own
            unit = candidates[i % len(candidates)]
            raised = add_workdays(today, -ago)
            p = Problem(
                project=project,
                title=f"{project.name}：{title}",
                description=description,
                source=Problem.Source.LIAISON if i % 3 == 1 else Problem.Source.CLERK,
                requester_unit=project.unit,
                requester_team=project.team,
                support_unit=unit,
                raised_on=raised,
                deadline_workdays=workdays,
            )
            prob.problem_prepare(problem=p, by=requester or office)
            p.full_clean()
            p.save()
            made.append(p)
            # The transitions through their services, dated as they would have happened.
            worker = workers.get(unit.pk, office)
            if status in ("in_progress", "resolved", "closed"):
                prob.problem_start(problem=p, by=worker, on=add_workdays(raised, 1))
            if rejected:
                prob.problem_resolve(
                    problem=p, resolution="已协调，待落实。", by=worker, on=add_workdays(raised, 2)
                )
                prob.problem_reject(problem=p, reason="仅口头协调，未见书面结果，请继续落实。", by=requester,
                                    on=add_workdays(raised, 3))  # fmt: skip
            if status in ("resolved", "closed"):
                prob.problem_resolve(
                    problem=p,
                    resolution=f"{unit}已办理：{description[:20]}……已落实，详见书面答复。",
                    by=worker,
                    on=min(today, add_workdays(raised, max(1, min(workdays, ago) - 1))),
                )
            if status == "closed":
                prob.problem_confirm(problem=p, by=requester, on=min(today, add_workdays(p.resolved_on, 1)))
        if decision is not None:
            # One from a meeting's decision (调度会议议定), raised by the office, whose meeting it was.
            d_unit = next((u for u in support if u.pk != decision.activity.unit_id), None)
            p = Problem(
                enterprise=None,
                project=Project.objects.filter(
                    jurisdiction=jurisdiction, unit_id=decision.activity.unit_id
                ).first(),
                title=f"会议议定：{decision.text[:60]}",
                source=Problem.Source.MEETING,
                decision=decision,
                requester_unit=decision.activity.unit,
                requester_team=decision.activity.team,
                support_unit=d_unit,
                raised_on=decision.activity.date,
                deadline_workdays=10,
            )
            if p.project is not None and d_unit is not None:
                prob.problem_prepare(problem=p, by=office)
                p.full_clean()
                p.save()
                made.append(p)
        escalated = prob.escalate_overdue(today=today)
        instructions = 0
        if leader is not None and made:
            targets = [("project", projects[0]), ("problem", made[2] if len(made) > 2 else made[0])]
            if len(projects) > 3:
                targets.append(("project", projects[3]))
            for n, (kind, subject) in enumerate(targets):
                addressee = subject.support_unit if kind == "problem" else subject.unit
                i = Instruction(
                    **{kind: subject},
                    content=(
                        "请抓紧协调解决，按期办结并报送办理结果。"
                        if kind == "problem"
                        else "该项目是全县重点项目，请专班倒排工期，确保按期开工。"
                    ),
                    deadline=today + timedelta(days=(-3 if n == 2 else 7)),
                    addressee_unit=addressee,
                    issued_on=today - timedelta(days=10 if n == 2 else 2),
                )
                inst.instruction_issue(instruction=i, by=leader)
                instructions += 1
                if n == 0:
                    inst.instruction_reply(
                        instruction=i,
                        content="已召开专班会议，倒排工期，计划下月开工。",
                        by=_replier(jurisdiction, addressee) or office,
                        on=today - timedelta(days=1),
                    )
    return {"问题清单": len(made), "逾期督办": len(escalated), "领导批示": instructions}


def _replier(jurisdiction, unit):
    """The demo login of the addressee unit (a unit clerk or the support unit's), if any."""
    m = (
        Membership.objects.filter(
            jurisdiction=jurisdiction, unit=unit, role__in=["unit_clerk", "support_unit"]
        )
        .select_related("user")
        .first()
    )
    return m.user if m is not None else None
