"""What waits for the user on the home page (工作台), each item with the page that deals with it.

Nothing here decides a rule of its own: what is due comes from fieldwork (`selectors.open_reports`,
`quotas.quota_progress`), who may screen, decide, run, publish or send from the same predicates the
pages that do it ask (`permissions.is_office`, `ledger.services.claim_may_decide`), and every list
starts from `visible_to`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.urls import reverse

from .permissions import is_office
from .scoping import can_change

# How many items of one kind the home page lists (the link beside the heading opens them all).
SHOWN = 8


@dataclass
class Item:
    text: str
    url: str
    action: str  # the link's words: 报送, 甄别, 裁定…
    note: str = ""
    warn: bool = False


@dataclass
class Section:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    count: int = 0
    all_url: str = ""
    empty: str = ""


def _week(today: date) -> tuple[date, date]:
    start = today - timedelta(days=today.weekday())
    return start, start + timedelta(days=6)


def _deadline(d: date, today: date) -> str:
    from zhaoshang.holidays.calendar import deadline_text

    days = (d - today).days
    when = "今天截止" if days == 0 else (f"还剩{days}天" if days > 0 else f"已逾期{-days}天")
    return f"截止 {deadline_text(d)}（{when}）"


def reports_sections(user, today: date) -> list[Section]:
    """This week's reports and the overdue ones of running campaigns, each opening its form."""
    from zhaoshang.fieldwork.selectors import reports_to_file

    week_start, week_end = _week(today)
    todo = reports_to_file(user, today, week_start, week_end)
    may_file = can_change(user, _report_model())
    action = "填报" if may_file else "查看"
    route = "fieldwork:report_edit" if may_file else "fieldwork:report_detail"
    calendar = reverse("fieldwork:report_calendar")

    def item(r, warn):
        holder = r.unit or r.team
        return Item(
            text=f"{r.name}（{r.covers_start:%m月%d日}至{r.covers_end:%m月%d日}）· {holder}",
            url=reverse(route, args=[r.pk]),
            action=action,
            note=_deadline(r.due_on, today) + ("，已退回重报" if r.reopened_at else ""),
            warn=warn,
        )

    return [
        Section(
            "due",
            f"本周待报送（{week_start:%m月%d日}—{week_end:%m月%d日}）",
            [item(r, False) for r in todo["due"][:SHOWN]],
            len(todo["due"]),
            calendar,
            "本周没有待报送的事项。",
        ),
        Section(
            "overdue",
            "逾期未报送",
            [item(r, True) for r in todo["overdue"][:SHOWN]],
            len(todo["overdue"]),
            calendar,
            "没有逾期未报送的事项。",
        ),
    ]


def duties_section(user, today: date) -> Section:
    """The user's duties (supervision/duties.py) due by the end of this week and overdue, each
    opening its page (办结 there)."""
    from zhaoshang.supervision.duties import due_this_week

    qs = due_this_week(user, today)
    _, week_end = _week(today)
    return Section(
        "duties",
        f"本周到期和逾期的职责任务（{week_end:%m月%d日}前）",
        [
            Item(
                f"{o.title[:40]} · {o.holder_label}",
                reverse("supervision:dutyobligation_detail", args=[o.pk]),
                "办结" if is_office(user) or can_change(user, type(o)) else "查看",
                _deadline(o.due_on, today),
                warn=o.due_on < today,
            )
            for o in qs[:SHOWN]
        ],
        qs.count(),
        reverse("supervision:duty_mine"),
        "本周没有到期的职责任务。",
    )


def _report_model():
    from zhaoshang.fieldwork.models import Report

    return Report


# Where each field-work metric is recorded: the activity form opened on its kind, or the lead form.
def _record_url(metric: str) -> tuple[str, str] | None:
    from zhaoshang.fieldwork.models import Activity

    K = Activity.Kind
    kinds = {
        "outbound_trips": K.OUTBOUND_TRIP,
        "head_outbound_trips": K.OUTBOUND_TRIP,
        "outbound_days": K.OUTBOUND_TRIP,
        "investment_work_days": K.OUTBOUND_TRIP,
        "enterprise_visits": K.VISIT,
        "merchant_batches_invited": K.RECEPTION,
        "receptions": K.RECEPTION,
        "promotion_events": K.PROMOTION_EVENT,
        "promotion_events_local": K.PROMOTION_EVENT,
        "promotion_events_target_region": K.PROMOTION_EVENT,
        "event_merchants_invited": K.PROMOTION_EVENT,
        "event_signable_projects": K.PROMOTION_EVENT,
        "progress_meetings": K.MEETING,
        "scheduling_meetings": K.MEETING,
        "quarterly_meetings": K.MEETING,
        "weekly_meetings": K.MEETING,
    }
    if metric in kinds:
        return f"{reverse('fieldwork:activity_add')}?kind={kinds[metric].value}", f"登记{kinds[metric].label}"
    if metric in ("valid_leads", "valuable_leads", "lead_points"):
        return reverse("fieldwork:lead_add"), "报送线索"
    return None


def quota_section(user, today: date, m) -> Section:
    """The field-work quotas of the user's own team or unit not yet met in the window running
    today (外出招商、拜访企业、接待客商…), behind pace first, each opening the form that records it."""
    from zhaoshang.fieldwork.models import Activity
    from zhaoshang.fieldwork.quotas import quota_progress
    from zhaoshang.fieldwork.services import policy_for

    section = Section(
        "quotas",
        "本期应开展的招商活动",
        all_url=reverse("fieldwork:quotas"),
        empty="本期各项活动任务均已完成或尚无任务。",
    )
    policy = policy_for(m.jurisdiction, today)
    if policy is None or not (policy.start <= today <= policy.end):
        section.empty = "当前没有生效的政策文件。"
        return section
    may_record = can_change(user, Activity)
    rows = [r for r in quota_progress(policy, today, user) if not r.met and r.start <= today <= r.end]
    rows.sort(key=lambda r: (r.status(today) != "进度落后", r.end, r.title))
    section.count = len(rows)
    for r in rows[:SHOWN]:
        target = _record_url(r.metric) if may_record else None
        behind = r.status(today) == "进度落后"
        left = r.required - r.value
        section.items.append(
            Item(
                text=f"{r.holder} · {r.title}：{r.metric_label}已完成 {r.value:g}{r.uom}，"
                f"还差 {left:g}{r.uom}（{r.window_label}）",
                url=target[0] if target else reverse("fieldwork:quotas"),
                action=target[1] if target else "查看",
                note=f"进度落后（应达 {r.pace(today)}%，实际 {r.percent}%）"
                if behind
                else f"截至 {r.end:%m月%d日}",
                warn=behind,
            )
        )
    return section


def office_sections(user, today: date) -> list[Section]:
    """What waits for the office: leads to screen, ownership claims to arbitrate, assessments to
    run, check and publish, bulletins to send."""
    from zhaoshang.assessment.models import AssessmentRun
    from zhaoshang.bulletins.models import Bulletin
    from zhaoshang.fieldwork.models import Lead
    from zhaoshang.ledger.models import OwnershipClaim
    from zhaoshang.ledger.services import claim_may_decide
    from zhaoshang.org.models import Policy

    out = []
    if is_office(user):
        leads = Lead.objects.visible_to(user).filter(status=Lead.Status.SUBMITTED).select_related("unit")
        out.append(
            Section(
                "screen",
                "待甄别的线索",
                [
                    Item(
                        f"{lead.title} · {lead.unit}",
                        reverse("fieldwork:lead_screen", args=[lead.pk]),
                        "甄别",
                        f"报送于 {lead.reported_on:%Y-%m-%d}",
                    )
                    for lead in leads.order_by("reported_on", "pk")[:SHOWN]
                ],
                leads.count(),
                f"{reverse('fieldwork:lead_list')}?status={Lead.Status.SUBMITTED}",
                "没有待甄别的线索。",
            )
        )
    claims = [
        c
        for c in OwnershipClaim.objects.visible_to(user)
        .filter(status=OwnershipClaim.Status.PENDING)
        .select_related(
            "enterprise", "jurisdiction", "claimant_unit__jurisdiction", "holder_unit__jurisdiction"
        )
        .order_by("created", "pk")[:200]
        if claim_may_decide(claim=c, user=user)
    ]
    if claims or is_office(user):
        out.append(
            Section(
                "arbitrate",
                "待裁定的企业归属（首招负责制）",
                [
                    Item(
                        f"{c.enterprise}：{c.claimant_unit} 申请改归，原首报单位 {c.holder_unit}",
                        reverse("ledger:ownershipclaim_detail", args=[c.pk]),
                        "裁定",
                        f"申请于 {c.created:%Y-%m-%d}",
                    )
                    for c in claims[:SHOWN]
                ],
                len(claims),
                f"{reverse('ledger:ownershipclaim_list')}?status={OwnershipClaim.Status.PENDING}",
                "没有待裁定的归属申请。",
            )
        )
    if not is_office(user):
        return out

    # Assessments: drafts to check and publish, and last month's not yet run.
    runs = AssessmentRun.objects.visible_to(user).select_related("policy")
    drafts = list(runs.filter(status=AssessmentRun.Status.DRAFT).order_by("-created", "pk")[:50])
    items = [
        Item(
            f"{r.policy.title} · {r.period}（第{r.version}版草稿）",
            reverse("assessment:assessmentrun_detail", args=[r.pk]),
            "核对发布",
            f"计算于 {r.created:%Y-%m-%d}",
        )
        for r in drafts
    ]
    last_month_end = today.replace(day=1) - timedelta(days=1)
    period = f"{last_month_end:%Y-%m}"
    in_force = [
        p for p in Policy.objects.visible_to(user).order_by("-start") if p.start <= last_month_end <= p.end
    ]
    done = set(runs.filter(period=period, policy__in=in_force).values_list("policy_id", flat=True))
    for p in in_force:
        if p.pk not in done:
            items.append(
                Item(
                    f"{p.title} · {last_month_end.year}年{last_month_end.month}月尚未计算",
                    f"{reverse('assessment:run_new')}?policy={p.name}&period={period}",
                    "计算",
                    warn=True,
                )
            )
    out.append(
        Section(
            "assess",
            "待计算、核对和发布的考核",
            items[:SHOWN],
            len(items),
            reverse("assessment:assessmentrun_list"),
            "没有待计算或待发布的考核。",
        )
    )
    unsent = (
        Bulletin.objects.visible_to(user)
        .filter(status=Bulletin.Status.DONE, sends__isnull=True)
        .select_related("policy")
        .order_by("-finished_at", "-pk")
    )
    out.append(
        Section(
            "send",
            "已生成待发送的战报简报",
            [
                Item(
                    b.title or f"{b.get_kind_display()} {b.period}",
                    reverse("bulletins:bulletin_detail", args=[b.pk]),
                    "发送",
                    f"生成于 {b.finished_at:%Y-%m-%d}" if b.finished_at else "",
                )
                for b in unsent[:SHOWN]
            ],
            unsent.count(),
            reverse("bulletins:bulletin_list"),
            "没有待发送的战报简报。",
        )
    )
    return out


def supervision_sections(user, today: date) -> list[Section]:
    """The problem list and leaders' instructions (supervision/): problems assigned to the user's
    unit that are due soon (yellow) or overdue (red); resolved problems of theirs awaiting their
    confirmation (销号); instructions awaiting their reply. The office: overdue problems and
    instructions overdue without a reply."""
    from zhaoshang.supervision import instructions as inst
    from zhaoshang.supervision import problems as prob
    from zhaoshang.supervision.models import Instruction, Problem
    from zhaoshang.supervision.problems_views import light_text

    from .scoping import membership

    m = membership(user)
    problems = Problem.objects.visible_to(user).select_related("support_unit", "project", "enterprise")
    instructions = Instruction.objects.visible_to(user)
    list_url = reverse("supervision:problem_list")
    out = []

    def problem_item(p, action):
        return Item(
            f"{p.title} · {p.subject}",
            reverse("supervision:problem_detail", args=[p.pk]),
            action,
            f"{p.support_unit}办理，{light_text(p, today)}，期限 {p.due_on:%Y-%m-%d}",
            warn=p.due_on < today,
        )

    def confirm_section():
        # Resolved problems the user confirms (销号) or sends back: the requester's clerks; the
        # office for its meetings' problems (problems.may_confirm).
        waiting = [
            p
            for p in problems.filter(status=Problem.Status.RESOLVED).order_by("resolved_on", "pk")[:200]
            if prob.may_confirm(user, p)
        ]
        if waiting:
            out.append(
                Section(
                    "problems_confirm",
                    "待确认销号的问题",
                    [problem_item(p, "确认") for p in waiting[:SHOWN]],
                    len(waiting),
                    f"{list_url}?status=resolved",
                    "",
                )
            )

    if is_office(user):
        confirm_section()
        late = problems.filter(prob.light_q(Problem.Light.RED, today)).order_by("due_on", "pk")
        out.append(
            Section(
                "problems_overdue",
                "逾期未办结的问题（已督办）",
                [problem_item(p, "督办") for p in late[:SHOWN]],
                late.count(),
                f"{list_url}?light=red",
                "没有逾期未办结的问题。",
            )
        )
        overdue = instructions.filter(status=Instruction.Status.OPEN, deadline__lt=today).order_by("deadline")
        out.append(
            Section(
                "instructions_overdue",
                "逾期未回复的领导批示",
                [
                    Item(
                        f"{i.leader_name}：{i} → {i.addressee}",
                        reverse("supervision:instruction_detail", args=[i.pk]),
                        "查看",
                        f"期限 {i.deadline:%Y-%m-%d}",
                        warn=True,
                    )
                    for i in overdue.select_related("addressee_unit", "addressee_team")[:SHOWN]
                ],
                overdue.count(),
                f"{reverse('supervision:instruction_list')}?overdue=true",
                "没有逾期未回复的批示。",
            )
        )
        return out
    if m is None or m.role not in ("team_clerk", "unit_clerk", "support_unit"):
        return out
    if m.unit_id:
        mine = problems.filter(support_unit_id=m.unit_id).filter(
            prob.light_q(Problem.Light.RED, today) | prob.light_q(Problem.Light.YELLOW, today)
        )
        mine = mine.order_by("due_on", "pk")
        out.append(
            Section(
                "problems_assigned",
                "本单位承办的临期和逾期问题",
                [problem_item(p, "办理") for p in mine[:SHOWN]],
                mine.count(),
                f"{list_url}?support_unit={m.unit_id}&open=true",
                "本单位没有临期或逾期的问题。",
            )
        )
    confirm_section()
    replies = inst.awaiting_reply(instructions, user).order_by("deadline", "pk")
    out.append(
        Section(
            "instructions_reply",
            "待回复的领导批示",
            [
                Item(
                    f"{i.leader_name}：{i}",
                    reverse("supervision:instruction_detail", args=[i.pk]),
                    "回复",
                    f"期限 {i.deadline:%Y-%m-%d}",
                    warn=i.deadline < today,
                )
                for i in replies[:SHOWN]
            ],
            replies.count(),
            reverse("supervision:instruction_list") + "?status=open",
            "没有待回复的批示。",
        )
    )
    return out
