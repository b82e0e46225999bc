"""Demo data: a county (or a province of counties) run under a policy, reproducible from a seed.

Everything is made from the policy's own organisation: its teams and units file the
enterprises, projects, investments, trips and reports, so every page and every rule has
something realistic to show. Company and person names come from Faker's zh_CN locale;
unified social credit codes carry valid check characters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from faker import Faker

from zhaoshang.core.roles import Role
from zhaoshang.engine.calendar import deadlines
from zhaoshang.engine.evaluators import evaluation_year
from zhaoshang.engine.organisation import all_group_members
from zhaoshang.engine.schema import Policy as PolicySpec
from zhaoshang.fieldwork.models import MEETING_KINDS, REGIONS, Activity, Decision, Lead, Report
from zhaoshang.fieldwork.services import is_working_day, lead_grades
from zhaoshang.ledger import uscc
from zhaoshang.ledger.models import (
    ContactPerson,
    ContractObligation,
    Enterprise,
    Investment,
    Project,
    ProjectPartner,
    ProjectPhase,
    StageChange,
)
from zhaoshang.org.models import HolderGroup, Jurisdiction, Membership, Period, Person, Policy, Team, Unit
from zhaoshang.org.services import policy_load

ADMIN_LOGINS = (
    ("sysadmin", "system_admin", "账号与系统设置（不含业务数据）"),
    ("secadmin", "security_admin", "角色权限、登录锁定、二次验证（不含业务数据）"),
    ("auditadmin", "audit_admin", "审计记录（只读，不含业务数据）"),
)
DEMO_PASSWORD = "Demo@2024zs"  # meets the password policy (accounts/validators.py)

# Where investors come from: real division codes of the regions the documents court.
HQ_REGIONS = [
    ("440300", "广东深圳"),
    ("440100", "广东广州"),
    ("441900", "广东东莞"),
    ("440600", "广东佛山"),
    ("310000", "上海"),
    ("330100", "浙江杭州"),
    ("330200", "浙江宁波"),
    ("320500", "江苏苏州"),
    ("320100", "江苏南京"),
    ("110000", "北京"),
    ("350200", "福建厦门"),
    ("350100", "福建福州"),
    ("510100", "四川成都"),
    ("420100", "湖北武汉"),
    ("810000", "香港"),
    ("360100", "江西南昌"),
]
INDUSTRIES = [
    "电子信息",
    "高端装备制造",
    "新能源",
    "新材料",
    "农特产品精深加工",
    "大健康",
    "文旅",
    "现代服务业",
    "纺织服装",
    "生物医药",
]
CONTACT_TITLES = ["董事长", "总经理", "副总经理", "投资总监", "董事会秘书"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
TAGS = [
    "世界500强",
    "中国500强",
    "民营500强",
    "上市公司",
    "头部企业",
    "专精特新",
    "独角兽",
    "瞪羚",
    "央企",
    "外资",
]
PROJECT_WORDS = [
    "生产基地",
    "智能制造项目",
    "产业园",
    "研发中心",
    "扩产项目",
    "生产线建设项目",
    "总部基地",
    "精深加工项目",
]
MEETING_KIND_KEYS = [k for k, _ in MEETING_KINDS]
DECISIONS = [
    ("协调解决项目用地报批问题", "县自然资源局"),
    ("加快推进厂房交付，确保按期入驻", "县工业园区管委会"),
    ("落实项目水电气接入", "县发展改革委"),
    ("跟进企业投资协议修改意见", "牵头单位"),
    ("组织赴企业总部开展二次对接", "兵团团长"),
]
PLACES = [
    "深圳",
    "广州",
    "东莞",
    "上海",
    "杭州",
    "宁波",
    "苏州",
    "北京",
    "厦门",
    "成都",
    "武汉",
    "香港",
    "南昌",
    "长沙",
]
STAGE_WEIGHTS = [
    (Project.Stage.LEAD, 18),
    (Project.Stage.NEGOTIATING, 18),
    (Project.Stage.SUBSTANTIVE, 12),
    (Project.Stage.SIGNED, 16),
    (Project.Stage.STARTED, 14),
    (Project.Stage.PRODUCTION, 12),
    (Project.Stage.FULL_PRODUCTION, 5),
    (Project.Stage.TERMINATED, 5),
]
ADVANCED = {
    Project.Stage.SIGNED,
    Project.Stage.STARTED,
    Project.Stage.PRODUCTION,
    Project.Stage.FULL_PRODUCTION,
}


@dataclass
class DemoLogin:
    username: str
    role: str
    place: str
    # The base32 key of the login's demo authenticator (演示设备), when its role must use a
    # second factor: add it to any authenticator app, or run `zhaoshang twofactor code NAME`.
    secret: str = ""


@dataclass
class DemoResult:
    policy: str
    counties: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)


class _Maker:
    def __init__(self, seed: int | str):
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.serial = 0
        # Draws added later (second contacts, partners) come from their own stream, so the rest
        # of the demo data stays what it was for a given seed.
        self.extra = random.Random(f"{seed}-extra")
        self.seed = seed

    def uscc(self, division: str) -> str:
        self.serial += 1
        body = f"{self.rng.choice('MNPQ')}{self.rng.randrange(10**6):06d}{self.serial % 10}"
        return uscc.make(division, body)

    def amount(self, low: float, high: float) -> Decimal:
        # Log-uniform: most projects are modest, a few are very large, as in real ledgers.
        import math

        v = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        return Decimal(str(round(v, 2)))

    def day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange(max(1, (end - start).days + 1)))


def _clip_today(d: date) -> date:
    return min(d, timezone.localdate())


def _holders(policy: Policy) -> list[tuple[Unit, Team | None]]:
    """Every unit that introduces projects, with the team it works in (if any)."""
    pairs: list[tuple[Unit, Team | None]] = []
    seen: set[int] = set()
    for team in policy.teams.select_related("lead_unit").prefetch_related("member_units"):
        for unit in ([team.lead_unit] if team.lead_unit else []) + list(team.member_units.all()):
            if unit.pk not in seen:
                seen.add(unit.pk)
                pairs.append((unit, team))
    for group in policy.groups.filter(holder="unit").prefetch_related("units"):
        for unit in group.units.all():
            if unit.pk not in seen:
                seen.add(unit.pk)
                pairs.append((unit, None))
    if not pairs:
        pairs = [
            (u, None) for u in Unit.objects.filter(jurisdiction__path__startswith=policy.jurisdiction.path)
        ]
    return pairs


def _unitless_teams(policy: Policy, holders: list[tuple[Unit, Team | None]]) -> list[tuple[Unit, Team]]:
    """Teams the policy declares without any unit (jinxi's eight teams are counted, not staffed,
    in the document): each files its own projects and trips, entered by a unit of its
    jurisdiction standing in for its clerk, so that the team's quotas have something to count."""
    units = [u for u, _ in holders]
    out = []
    teams = (
        policy.teams.filter(lead_unit__isnull=True, member_units__isnull=True)
        .order_by(F("number").asc(nulls_last=True), "key")
        .distinct()
    )
    for i, team in enumerate(teams):
        local = [u for u in units if u.jurisdiction_id == team.jurisdiction_id] or units
        if local:
            out.append((local[i % len(local)], team))
    return out


def _county_records(
    mk: _Maker,
    policy: Policy,
    spec: PolicySpec,
    *,
    projects_per_holder: float,
    activity_scale: float,
    report_months: int | None = None,
):
    """Unsaved records for one county, in dependency order."""
    start, end = policy.start, _clip_today(policy.end)
    holders = _holders(policy)
    team_holders = _unitless_teams(policy, holders)
    filers = holders + team_holders
    enterprises, projects, investments, activities = [], [], [], []
    contacts, partners = [], []
    visits, leads, decisions = [], [], []
    grades = lead_grades(policy)
    stage_changes, phases = [], []
    n_projects = max(len(filers), int(len(filers) * projects_per_holder))
    for i in range(n_projects):
        unit, team = filers[i % len(filers)]
        region, region_name = mk.rng.choice(HQ_REGIONS)
        brand = mk.fake.company_prefix()
        tags = mk.rng.sample(TAGS, k=mk.rng.choice([0, 0, 1, 1, 2]))
        ent = Enterprise(
            jurisdiction_id=unit.jurisdiction_id,
            name=f"{region_name[2:] or region_name}{brand}{mk.fake.company_suffix()}",
            short_name=brand,
            uscc=mk.uscc(region),
            industry=mk.rng.choice(INDUSTRIES),
            hq_region=region_name,
            tags=tags,
            unit=unit,
            team=team,
        )
        enterprises.append(ent)
        contacts.append(
            ContactPerson(
                enterprise=ent,
                name=mk.fake.name(),
                title=mk.rng.choice(CONTACT_TITLES),
                phone=mk.fake.phone_number(),
                primary=True,
            )
        )
        if mk.extra.random() < 0.3:
            contacts.append(
                ContactPerson(
                    enterprise=ent,
                    name=mk.extra.choice(SURNAMES) + mk.extra.choice(["经理", "主任", "秘书"]),
                    title=mk.extra.choice(["项目经理", "行政主管", "办公室主任"]),
                    phone=f"1{mk.extra.choice('3589')}{mk.extra.randrange(10**9):09d}",
                )
            )
        stage = mk.rng.choices([s for s, _ in STAGE_WEIGHTS], weights=[w for _, w in STAGE_WEIGHTS])[0]
        registered = mk.day(start - timedelta(days=120), end)
        signed = mk.day(registered, end) if stage in ADVANCED else None
        started = mk.day(signed, end) if signed and stage in ADVANCED - {Project.Stage.SIGNED} else None
        production = (
            mk.day(started, end)
            if started and stage in (Project.Stage.PRODUCTION, Project.Stage.FULL_PRODUCTION)
            else None
        )
        total = mk.amount(800, 600000)
        attrs = []
        if "世界500强" in tags:
            attrs.append("world500")
        if "中国500强" in tags:
            attrs.append("china500")
        if "上市公司" in tags:
            attrs.append("listed_manufacturing")
        project = Project(
            jurisdiction_id=unit.jurisdiction_id,
            name=f"{ent.short_name}{mk.rng.choice(PROJECT_WORDS)}",
            enterprise=ent,
            industry=ent.industry,
            category=mk.rng.choices(list(Project.Category.values), weights=[70, 10, 8, 4, 8])[0],
            total_investment=total,
            foreign_investment_usd=mk.amount(200, 30000) if "外资" in tags else None,
            attributes=attrs,
            stage=stage,
            unit=unit,
            team=team,
            registered_on=registered,
            signed_on=signed,
            started_on=started,
            production_on=production,
        )
        project.signing_kind = mk.rng.choice(list(Project.SigningKind.values)) if signed else ""
        project.start_kind = mk.rng.choice(list(Project.StartKind.values)) if started else ""
        project.channel = mk.rng.choice(list(Project.Channel.values))
        project.chain = ent.industry
        project.signed_at_event = bool(signed) and mk.rng.random() < 0.15
        if stage == Project.Stage.SIGNED:
            # Some signed projects are late to start: the land-recovery flag has cases to show.
            project.contract_start_due = signed + timedelta(days=mk.rng.randint(60, 400))
        if stage == Project.Stage.FULL_PRODUCTION:
            project.full_production_on = production
        if stage == Project.Stage.TERMINATED:
            project.terminated_on = mk.day(registered, end)
            project.termination_reason = mk.rng.choice(
                ["企业投资计划调整", "用地条件不具备", "资金链问题，企业放弃"]
            )
        if total >= 100000 and mk.rng.random() < 0.3:
            for n in (1, 2):
                phases.append(
                    ProjectPhase(
                        project=project,
                        number=n,
                        name=f"{'一二'[n - 1]}期",
                        investment=(total / 2).quantize(Decimal("0.01")),
                        capacity=f"{mk.rng.randint(2, 20)}万件/年",
                        jobs=mk.rng.randint(50, 800),
                    )
                )
        project.search_key = Project.make_search_key(project.name)
        ent.search_key = Enterprise.make_search_key(ent.name, ent.short_name, ent.former_names)
        projects.append(project)
        if total >= 100000 and mk.extra.random() < 0.2:
            # A large project often has a second investor: an enterprise the same unit registered.
            same_unit = [e for e in enterprises[:-1] if e.unit is unit]
            if same_unit:
                partners.append(
                    ProjectPartner(
                        project=project,
                        enterprise=mk.extra.choice(same_unit),
                        role=mk.extra.choice(list(ProjectPartner.Role.values)),
                        investment=(total * Decimal("0.3")).quantize(Decimal("0.01")),
                    )
                )
        # The stage history, from the lead to where the project is now.
        path = [Project.Stage.LEAD]
        if stage != Project.Stage.LEAD:
            order = [Project.Stage.NEGOTIATING, Project.Stage.SUBSTANTIVE, Project.Stage.SIGNED, Project.Stage.STARTED,
                     Project.Stage.PRODUCTION, Project.Stage.FULL_PRODUCTION]  # fmt: skip
            upto = order.index(stage) + 1 if stage in order else mk.rng.randint(1, 3)
            path += order[:upto]
            if stage == Project.Stage.TERMINATED:
                path.append(Project.Stage.TERMINATED)
        dates = {
            Project.Stage.SIGNED: signed,
            Project.Stage.STARTED: started,
            Project.Stage.PRODUCTION: production,
            Project.Stage.FULL_PRODUCTION: project.full_production_on,
            Project.Stage.TERMINATED: project.terminated_on,
        }
        previous, on = "", registered
        for n, step in enumerate(path):
            if dates.get(step):
                on = max(on, dates[step])
            elif n:
                # Steps with no date of their own (在谈, 实质性谈判) fall between their neighbours.
                later = [dates[x] for x in path[n + 1 :] if dates.get(x)]
                cap = min(later) if later else max(on, end)
                on = max(on, min(on + timedelta(days=mk.rng.randint(5, 45)), cap))
            kind = (
                project.signing_kind
                if step == Project.Stage.SIGNED
                else project.start_kind
                if step == Project.Stage.STARTED
                else ""
            )
            stage_changes.append(
                StageChange(
                    project=project,
                    from_stage=previous,
                    to_stage=step,
                    on=on,
                    kind=kind,
                    reason=project.termination_reason if step == Project.Stage.TERMINATED else "",
                )  # fmt: skip
            )
            previous = step
        if started:
            month = date(started.year, started.month, 1)
            remaining = total
            while month <= end and remaining > 0:
                amt = min(remaining, (total * Decimal(mk.rng.uniform(0.03, 0.15))).quantize(Decimal("0.01")))
                share_unit, share_team = unit, team
                if mk.rng.random() < 0.08:  # investment may be shared with another unit (附件3 §三(三))
                    share_unit, share_team = mk.rng.choice(holders)
                investments.append(
                    Investment(
                        jurisdiction_id=unit.jurisdiction_id,
                        project=project,
                        month=month,
                        amount=amt,
                        unit=share_unit,
                        team=share_team,
                    )
                )
                remaining -= amt
                month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)

    kinds = [
        (Activity.Kind.OUTBOUND_TRIP, 4.5),
        (Activity.Kind.VISIT, 6),
        (Activity.Kind.RECEPTION, 2),
        (Activity.Kind.PROMOTION_EVENT, 0.2),
        (Activity.Kind.MEETING, 1),
    ]
    months = []
    m = date(start.year, start.month, 1)
    while m <= end:
        months.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    teams = list(policy.teams.select_related("lead_unit"))
    actors = [(t.lead_unit, t) for t in teams if t.lead_unit] or [(u, t) for u, t in holders[:10]]
    # A team standing alone files its head's trips (with the visits made on them) and events, at
    # a smaller scale (its other work is its members' once the office staffs it).
    actors = [(u, t, activity_scale) for u, t in actors]
    actors += [(u, t, activity_scale * 0.4) for u, t in team_holders]
    for unit, team, scale in actors:
        for month in months:
            month_end = min(
                date(month.year + (month.month == 12), month.month % 12 + 1, 1) - timedelta(days=1), end
            )
            for kind, mean in kinds:
                if scale < activity_scale and kind not in (
                    Activity.Kind.OUTBOUND_TRIP,
                    Activity.Kind.PROMOTION_EVENT,
                ):
                    continue
                for _ in range(int(mk.rng.uniform(0, 2 * mean * scale) + 0.5)):
                    ent = mk.rng.choice(enterprises) if kind != Activity.Kind.MEETING else None
                    days = mk.rng.randint(2, 5) if kind == Activity.Kind.OUTBOUND_TRIP else 1
                    place = mk.rng.choice(PLACES) if kind == Activity.Kind.OUTBOUND_TRIP else "本地"
                    region = ""
                    if kind in (Activity.Kind.OUTBOUND_TRIP, Activity.Kind.PROMOTION_EVENT):
                        region = mk.rng.choice(REGIONS)[0] if kind == Activity.Kind.OUTBOUND_TRIP else "local"
                        if kind == Activity.Kind.PROMOTION_EVENT and mk.rng.random() < 0.5:
                            region, place = (
                                mk.rng.choice(["yangtze_delta", "pearl_delta", "jingjinji"]),
                                "深圳",
                            )
                    act = Activity(
                        jurisdiction_id=unit.jurisdiction_id,
                        kind=kind,
                        unit=unit,
                        team=team,
                        date=mk.day(month, month_end),
                        days=days,
                        leader=(team.head.name if team and team.head_id else mk.fake.name()),
                        head_led=mk.rng.random() < 0.6,
                        region=region,
                        place=place,
                        enterprise=ent if kind != Activity.Kind.OUTBOUND_TRIP else None,
                        enterprise_name=ent.name if ent and kind != Activity.Kind.OUTBOUND_TRIP else "",
                        counterpart=f"{mk.fake.name()} 总经理" if ent else "",
                        merchant=mk.fake.name() if kind == Activity.Kind.RECEPTION else "",
                        merchants_invited=mk.rng.randint(3, 12)
                        if kind == Activity.Kind.PROMOTION_EVENT
                        else 0,
                        on_site=kind == Activity.Kind.MEETING and mk.rng.random() < 0.4,
                        meeting_kind=mk.rng.choice(MEETING_KIND_KEYS)
                        if kind == Activity.Kind.MEETING
                        else "",
                        cost_yuan=Decimal(mk.rng.randint(20, 120) * 100)
                        if kind == Activity.Kind.OUTBOUND_TRIP
                        else None,
                        summary={
                            Activity.Kind.OUTBOUND_TRIP: f"赴{place}开展产业链招商，对接在谈项目",
                            Activity.Kind.VISIT: f"拜访{ent.name if ent else ''}，了解投资意向",
                            Activity.Kind.RECEPTION: f"接待{ent.name if ent else ''}来县考察",
                            Activity.Kind.PROMOTION_EVENT: "举办专题招商推介会",
                            Activity.Kind.MEETING: "召开兵团月度调度会，研究在谈项目推进",
                        }[kind],
                    )
                    _own_fields_only(act)
                    activities.append(act)
                    if kind == Activity.Kind.MEETING:
                        for text, owner in mk.rng.sample(DECISIONS, k=2):
                            decisions.append(
                                Decision(
                                    activity=act,
                                    text=text,
                                    owner=owner,
                                    due_on=act.date + timedelta(days=mk.rng.choice([7, 15, 30])),
                                    done_on=act.date + timedelta(days=mk.rng.randint(3, 20))
                                    if mk.rng.random() < 0.6
                                    else None,
                                )
                            )
                    # Most trips list the enterprises visited on the way, as visits of their own.
                    if kind == Activity.Kind.OUTBOUND_TRIP and enterprises:
                        for ent in mk.rng.sample(enterprises, k=min(len(enterprises), mk.rng.randint(0, 3))):
                            visits.append(
                                Activity(
                                    jurisdiction_id=unit.jurisdiction_id,
                                    kind=Activity.Kind.VISIT,
                                    unit=unit,
                                    team=team,
                                    trip=act,
                                    date=act.date,
                                    days=1,
                                    leader=act.leader,
                                    head_led=act.head_led,
                                    place=place,
                                    enterprise=ent,
                                    enterprise_name=ent.name,
                                    counterpart=f"{mk.fake.name()} 副总经理",
                                    summary=f"拜访{ent.name}",
                                )
                            )
            for _ in range(int(mk.rng.uniform(0, 4 * scale) + 0.5)):
                leads.append(_demo_lead(mk, unit, team, mk.day(month, month_end), grades))

    reports = []
    members = all_group_members(spec)
    units_by_name = {
        u.name: u for u in Unit.objects.filter(jurisdiction__path__startswith=policy.jurisdiction.path)
    }
    teams_by_key = {t.key: t for t in teams}
    group_holder = {g.key: g.holder for g in spec.groups}
    activities += _quota_events(mk, spec, members, group_holder, units_by_name, teams_by_key, team_holders,
                                start, end)  # fmt: skip
    now = timezone.now()
    scheduled = set()  # a holder in two groups of one entry reports once
    for entry in spec.calendar:
        span_start, span_end = start, end
        if report_months is not None:
            span_start = max(start, end - timedelta(days=31 * report_months))
        if entry.period:
            p = spec.period(entry.period)
            span_start, span_end = max(start, p.start), min(end, p.end)
        for dl in deadlines(entry, span_start, span_end, is_working_day):
            for gkey in entry.groups:
                for name in members.get(gkey, []):
                    unit = units_by_name.get(name) if group_holder[gkey] == "unit" else None
                    team = teams_by_key.get(name) if group_holder[gkey] == "team" else None
                    key = (entry.key, unit and unit.pk, team and team.pk, dl.covers_start, dl.covers_end)
                    if (unit is None and team is None) or key in scheduled:
                        continue
                    scheduled.add(key)
                    roll = mk.rng.random()
                    due_dt = timezone.make_aware(datetime.combine(dl.due, time(17, 0)))
                    submitted = None
                    if roll < 0.8:
                        submitted = due_dt - timedelta(hours=mk.rng.randint(1, 72))
                    elif roll < 0.9:
                        submitted = due_dt + timedelta(days=mk.rng.randint(1, 4))
                    if submitted is not None and submitted > now:
                        submitted = None
                    reports.append(
                        Report(
                            jurisdiction_id=(unit or team).jurisdiction_id,
                            calendar_key=entry.key,
                            name=entry.name,
                            unit=unit,
                            team=team,
                            covers_start=dl.covers_start,
                            covers_end=dl.covers_end,
                            due_on=dl.due,
                            submitted_at=submitted,
                            content=f"{entry.content}（{dl.covers_start:%m月%d日}至{dl.covers_end:%m月%d日}）"
                            if submitted
                            else "",
                        )
                    )
    zombies, obligations = _zombies_and_obligations(mk, policy, spec, projects, start, end)
    return (
        enterprises, projects, stage_changes, phases, investments, activities, visits, decisions, leads, reports,
        contacts, partners, zombies, obligations,
    )  # fmt: skip


def _zombies_and_obligations(mk, policy, spec, projects, start: date, end: date):
    """Zombie enterprises of the units a deadline rule over enterprises names (xiayi's 高新区: A–D,
    some back in production within the year, some late, some not yet), and the contract
    obligations of signed projects (合同履约率): from their own random stream, so the rest of the
    demo data stays what it was for a given seed."""
    rng = random.Random(f"{mk.seed}-zombies-obligations")
    zombies: list[Enterprise] = []
    obligations: list[ContractObligation] = []
    today = timezone.localdate()
    names = {
        name
        for r in spec.rules
        if r.type == "deadline" and r.items == "enterprises" and r.group
        for name in (spec.group(r.group).members if spec.group(r.group) else [])
    }
    units = list(Unit.objects.filter(jurisdiction=policy.jurisdiction, name__in=names).order_by("pk"))
    for unit in units:
        for i, cls in enumerate("AABBCCD"):
            classified = start + timedelta(days=rng.randint(0, max(1, (end - start).days // 2)))
            due = date(classified.year + 1, classified.month, min(classified.day, 28))
            outcome = rng.choice(["on_time", "late", "open"])
            resumed = None
            if cls != "D" and outcome == "on_time":
                resumed = classified + timedelta(days=rng.randint(60, (due - classified).days))
            elif cls != "D" and outcome == "late":
                resumed = due + timedelta(days=rng.randint(1, 90))
            if resumed is not None and resumed > min(end, today):
                resumed = None
            zombies.append(
                Enterprise(
                    jurisdiction_id=unit.jurisdiction_id,
                    name=f"{unit.name}停产企业{i + 1}号有限公司",
                    short_name=f"停产企业{i + 1}号",
                    uscc=mk_uscc(rng, unit),
                    industry=rng.choice(INDUSTRIES),
                    unit=unit,
                    zombie_class=cls,
                    zombie_classified_on=classified,
                    zombie_resumed_on=resumed,
                    search_key=Enterprise.make_search_key(
                        f"{unit.name}停产企业{i + 1}号有限公司", f"停产企业{i + 1}号"
                    ),
                )
            )
    # Every county records its contracts; xiayi's 合同履约率 reads them.
    K = ContractObligation.Kind
    for p in projects:
        if p.signed_on is None:
            continue
        for kind, days in ((K.INVESTMENT, 180), (K.CONSTRUCTION_START, 90), (K.PRODUCTION, 540)):
            due = p.signed_on + timedelta(days=days + rng.randint(-30, 30))
            roll = rng.random()
            fulfilled = (
                due - timedelta(days=rng.randint(0, 30)) if roll < 0.6
                else due + timedelta(days=rng.randint(1, 60)) if roll < 0.8
                else None
            )  # fmt: skip
            if fulfilled is not None and fulfilled > min(end, today):
                fulfilled = None
            obligations.append(
                ContractObligation(
                    project=p,
                    kind=kind,
                    content={
                        "investment": "按合同约定投资到位",
                        "construction_start": "按合同约定开工",
                        "production": "按合同约定建成投产",
                    }[kind],  # fmt: skip
                    amount=(p.total_investment * Decimal("0.5")).quantize(Decimal("0.01"))
                    if kind == K.INVESTMENT
                    else None,
                    due_on=due,
                    fulfilled_on=fulfilled,
                )
            )
    return zombies, obligations


def mk_uscc(rng, unit) -> str:
    """A valid USCC in the unit's county, from the given stream."""
    division = unit.jurisdiction.code
    return uscc.make(division, f"{rng.choice('MNPQ')}{rng.randrange(10**6):06d}9")


# The promotion-event metrics of fieldwork.quotas.FIELD_METRICS and the regions each counts.
_EVENT_REGIONS = {
    "promotion_events": ["jingjinji", "yangtze_delta", "pearl_delta", "southeast_fujian"],
    "promotion_events_target_region": ["jingjinji", "yangtze_delta", "pearl_delta", "southeast_fujian"],
    "promotion_events_local": ["local"],
}


def _quota_events(mk, spec, members, group_holder, units_by_name, teams_by_key, team_holders, start, end):
    """Promotion events for the quotas that count them (xiayi's groups hold ≥4 a year in the
    target regions, ≥2 locally…): around the quota each year, some short of it."""
    stand_in = {t.pk: u for u, t in team_holders}
    events = []
    for rule in spec.rules:
        regions = _EVENT_REGIONS.get(getattr(rule, "metric", None) or "")
        if rule.type != "quota" or regions is None or rule.per != "year" or not rule.group:
            continue
        for name in members.get(rule.group, []):
            if group_holder.get(rule.group) == "team":
                team = teams_by_key.get(name)
                unit = team and (team.lead_unit or stand_in.get(team.pk))
            else:
                team, unit = None, units_by_name.get(name)
            if unit is None:
                continue
            for year in range(start.year, end.year + 1):
                first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
                if first > last:
                    continue
                for _ in range(max(0, int(rule.min) + mk.rng.choice([-1, 0, 0, 1, 2]))):
                    region = mk.rng.choice(regions)
                    events.append(
                        Activity(
                            jurisdiction_id=unit.jurisdiction_id, kind=Activity.Kind.PROMOTION_EVENT,
                            unit=unit, team=team, date=mk.day(first, last), days=1,
                            leader=mk.fake.name(), head_led=mk.rng.random() < 0.6, region=region,
                            place="本地" if region == "local" else mk.rng.choice(PLACES),
                            merchants_invited=mk.rng.randint(3, 12), summary="举办专题招商推介会",
                        )
                    )  # fmt: skip
    return events


def _own_fields_only(act: Activity) -> None:
    """An activity as a clerk could have entered it: the fields of another kind at their defaults
    (a reception has no 主要负责人带队 or 地点; `Activity.record_errors` refuses them). The random
    draws are made all the same, so the rest of a seed's data does not move."""
    for name in act.other_kinds_fields():
        field = Activity._meta.get_field(name)
        if not field.many_to_many:  # an unsaved activity has no links yet
            setattr(act, name, field.get_default())


def _office_inputs(mk: _Maker, policy: Policy, spec: PolicySpec, projects: list[Project]) -> list[list]:
    """What the office enters where a rule reads it (unsaved, in dependency order): survey
    scores, the yearly evaluations of landed projects, a few projects handed to another county,
    and statistics (`MetricValue`) for the metrics neither the ledger nor field work gives."""
    from zhaoshang.assessment.facts import ledger_metrics, metrics_read
    from zhaoshang.assessment.models import ProjectEvaluation, ProjectTax, ProjectTransfer, SurveyScore
    from zhaoshang.engine.periods import main_span, units_in

    today = timezone.localdate()
    start, end = policy.start, _clip_today(policy.end)
    main = main_span(spec)
    members = all_group_members(spec)
    group_holder = {g.key: g.holder for g in spec.groups}
    units = {u.name: u for u in Unit.objects.filter(jurisdiction__path__startswith=policy.jurisdiction.path)}
    for alias, declared in spec.unit_names().items():
        if declared.name in units:
            units.setdefault(alias, units[declared.name])
    teams = {t.key: t for t in policy.teams.all()}
    people = {
        p.name: p for p in Person.objects.filter(jurisdiction__path__startswith=policy.jurisdiction.path)
    }
    common = {"jurisdiction": policy.jurisdiction, "policy": policy}

    def ref(kind: str, name: str) -> dict | None:
        if kind == "unit" and name in units:
            return {"holder_kind": "unit", "unit": units[name]}
        if kind == "team" and name in teams:
            return {"holder_kind": "team", "team": teams[name]}
        if kind == "person" and name in people:
            return {"holder_kind": "person", "person": people[name]}
        return None

    surveys, evaluations, transfers, taxes, values = [], [], [], [], []
    for rule in spec.rules:
        if rule.type == "survey":  # 满意度测评 (jinxi §三7): every member, every survey period
            for unit_span in units_in(main, rule.per, spec):
                if unit_span.end > today:
                    continue
                for name in members.get(rule.group, []):
                    holder = ref(group_holder[rule.group], name)
                    if holder:
                        score = Decimal(str(round(mk.rng.uniform(72, 98), 1)))
                        surveys.append(SurveyScore(**common, **holder, period=unit_span.key, score=score))
        elif rule.type == "rolling_evaluation":  # sanming §19: each of the N years it is evaluated in
            for p in projects:
                if p.started_on is None:
                    continue
                years = range(p.started_on.year, p.started_on.year + rule.years + 1)
                for year in [y for y in years if y <= today.year and evaluation_year(rule, p.started_on, y)]:
                    evaluations.append(
                        ProjectEvaluation(
                            project=p, year=year, in_statistics=mk.rng.random() < 0.9,
                            tax_paid=mk.rng.random() < 0.8 if year > p.started_on.year else None,
                            investment_verified=mk.rng.random() < 0.9,
                        )
                    )  # fmt: skip
        elif rule.type == "transfer_split":  # sanming §11: a few projects hosted by another county
            counties = list(
                Jurisdiction.objects.filter(path__startswith=policy.jurisdiction.path, level="county")
            )
            started = [p for p in projects if p.started_on and p.jurisdiction_id in {c.pk for c in counties}]
            mk.rng.shuffle(started)
            for i, p in enumerate(started[:3]):
                hosts = [c for c in counties if c.pk != p.jurisdiction_id]
                if not hosts:
                    continue
                transfers.append(
                    ProjectTransfer(
                        project=p, hosting=mk.rng.choice(hosts), agreed_on=p.signed_on or p.started_on,
                        # one ratio negotiated per project (可由双方根据实际贡献度具体商定), the others 3:7
                        introducing_share=Decimal("0.4") if i == 2 else None,
                    )
                )  # fmt: skip
    # The tax office's monthly figures for the transferred projects, from one to four months
    # after construction started: the 3:7 tax split reads them.
    for t in transfers:
        month = min(t.project.started_on + timedelta(days=mk.rng.randint(30, 120)), end).replace(day=1)
        while month <= end:
            taxes.append(ProjectTax(project=t.project, month=month, amount_wan=mk.amount(20, 400)))
            month = (month + timedelta(days=32)).replace(day=1)
    values = _entered_statistics(mk, spec, common, ref, members, group_holder,
                                 metrics_read(spec) - ledger_metrics(spec), start, end)  # fmt: skip
    return [surveys, evaluations, transfers, taxes, values]


def _entered_statistics(mk, spec, common, ref, members, group_holder, metrics, start, end) -> list:
    """Monthly statistics around each target (or a rule's minimum) of the metrics no ledger
    source gives: exports, foreign capital in cash, output… Stocks and ratios (`aggregate:
    last`) hover around their target; flows add up to 40–130 % of it over its period."""
    from zhaoshang.assessment.models import MetricValue
    from zhaoshang.engine.periods import policy_period_span

    if not metrics:
        return []
    months = []
    m = date(start.year, start.month, 1)
    while m <= end:
        months.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    per_months = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}

    def span_months(key: str | None) -> int:
        s = policy_period_span(spec, key or spec.main_period)
        return max(1, (s.end.year - s.start.year) * 12 + s.end.month - s.start.month + 1)

    # (holder kind, name) → metric → (scale, months it is spread over)
    wanted: dict[tuple[str, str], dict[str, tuple[Decimal, int]]] = {}
    home = ("jurisdiction", spec.jurisdiction.code)
    for t in spec.targets:
        if t.metric in metrics:
            wanted.setdefault(home, {})[t.metric] = (Decimal(t.value), span_months(t.period))
    for team in spec.teams:
        for t in team.targets:
            if t.metric in metrics:
                wanted.setdefault(("team", team.key), {})[t.metric] = (
                    Decimal(t.value),
                    span_months(t.period),
                )
    for g in spec.groups:
        for t in g.targets:
            if t.metric in metrics:
                for name in members.get(g.key, []):
                    wanted.setdefault((g.holder, name), {})[t.metric] = (
                        Decimal(t.value),
                        span_months(t.period),
                    )
    for rule in spec.rules:
        group = getattr(rule, "group", None)
        read = [getattr(rule, "metric", None)]
        read += [i.metric for d in getattr(rule, "dimensions", ()) for i in d.items]  # scorecard items
        for metric in read:
            if metric not in metrics:
                continue
            minimum = getattr(rule, "min", None)
            scale = (
                (Decimal(str(minimum)), per_months.get(getattr(rule, "per", None), 12)) if minimum else None
            )
            for h in [(group_holder[group], n) for n in members.get(group, [])] if group else [home]:
                if metric not in wanted.get(h, {}):
                    wanted.setdefault(h, {})[metric] = scale or (Decimal(mk.rng.choice([2, 4, 8])), 12)
    for metric in sorted(metrics):
        if not any(metric in w for w in wanted.values()):
            wanted.setdefault(home, {})[metric] = (Decimal(mk.rng.choice([2, 4, 8])), 12)
    rows = []
    jurisdiction = common["jurisdiction"]
    for (kind, name), by_metric in wanted.items():
        holder = (
            {"holder_kind": "jurisdiction", "holder_jurisdiction": jurisdiction}
            if (kind, name) == home
            else ref(kind, name)
        )
        if holder is None:
            continue
        for metric, (value, spread) in sorted(by_metric.items()):
            mdef = spec.metric(metric)
            last = mdef is not None and (mdef.aggregate == "last" or mdef.kind == "ratio")
            whole = mdef is None or mdef.uom in ("个", "家", "场", "名", "人", "次", "批次", "项", "条")
            before = len(rows)
            for i, month in enumerate(months):
                if last:
                    v = value * Decimal(str(mk.rng.uniform(0.6, 1.15)))
                else:
                    v = value / spread * Decimal(str(mk.rng.uniform(0.4, 1.3)))
                if whole:  # a count: its expected value, the fraction by chance (0.3 → 1 three times in ten)
                    v = int(v) + (mk.rng.random() < v - int(v))
                v = Decimal(v).quantize(Decimal(1) if whole else Decimal("0.01"))
                # A rare count may come out 0 every month: the office still entered it, as 0.
                if v or (i == len(months) - 1 and len(rows) == before):
                    rows.append(
                        MetricValue(
                            **common,
                            **holder,
                            metric=metric,
                            period=f"{month:%Y-%m}",
                            value=v,
                            source="演示数据",
                        )  # fmt: skip
                    )
    return rows


def _demo_lead(mk: _Maker, unit: Unit, team, on: date, grades: dict) -> Lead:
    """A lead as units report them; most are screened, a few still wait for the office."""
    industry = mk.rng.choice(INDUSTRIES)
    company = f"{mk.fake.company_prefix()}{industry[:2]}"
    amount = Decimal(mk.rng.choice([3000, 5000, 8000, 12000, 20000, 50000, 120000]))
    roll = mk.rng.random()
    status = (
        Lead.Status.SUBMITTED if roll < 0.15 else Lead.Status.INVALID if roll < 0.35 else Lead.Status.VALID
    )
    grade = mk.rng.choice(list(grades)) if grades and status == Lead.Status.VALID else ""
    return Lead(
        jurisdiction_id=unit.jurisdiction_id,
        unit=unit,
        team=team,
        reported_on=on,
        title=f"{company}拟投资{industry}项目",
        enterprise_name=f"{company}有限公司",
        industry=industry,
        planned_investment=amount,
        content=f"获悉{company}有意在中部地区布局{industry}产能，计划投资约{amount}万元，已初步接洽。",
        status=status,
        valuable=status == Lead.Status.VALID and mk.rng.random() < 0.5,
        grade=grade,
        points=Decimal(grades.get(grade, 0)),
        screening_note=""
        if status == Lead.Status.SUBMITTED
        else ("信息属实，建议跟进" if status == "valid" else "信息重复或无投资意向"),
    )


def _demo_claims(mk: _Maker, policy: Policy, enterprises: list[Enterprise]) -> None:
    """Two pending ownership disputes for the office to arbitrate."""
    from zhaoshang.ledger.services import claim_file

    holders = _holders(policy)
    for ent in mk.rng.sample(enterprises, k=min(2, len(enterprises))):
        others = [(u, t) for u, t in holders if u.pk != ent.unit_id]
        if others:
            unit, team = mk.rng.choice(others)
            claim_file(
                enterprise=ent,
                unit=unit,
                team=team,
                reason="我单位早于首报单位与该企业接洽，有往来函件为证。",
            )


def _save_all(records, *, bulk: bool) -> dict[str, int]:
    counts = {}
    for objs in records:
        if not objs:
            continue
        model = type(objs[0])
        if bulk:
            # Foreign keys to objects created earlier in this run: refresh their ids first.
            for obj in objs:
                for f in model._meta.concrete_fields:
                    if f.is_relation and f.name in obj.__dict__.get("_state").fields_cache:
                        related = obj.__dict__["_state"].fields_cache[f.name]
                        if related is not None:
                            setattr(obj, f.attname, related.pk)
            model.objects.bulk_create(objs, batch_size=2000)
        else:
            for obj in objs:
                for f in model._meta.concrete_fields:
                    if f.is_relation and f.name in obj._state.fields_cache:
                        related = obj._state.fields_cache[f.name]
                        if related is not None:
                            setattr(obj, f.attname, related.pk)
                obj.save()
        counts[model._meta.verbose_name] = counts.get(model._meta.verbose_name, 0) + len(objs)
    return counts


def _user(username: str, *, role: str, jurisdiction: Jurisdiction, team=None, unit=None, superuser=False):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, is_staff=superuser, is_superuser=superuser)
        user.set_password(DEMO_PASSWORD)
        user.save()
    if not superuser:
        Membership.objects.update_or_create(
            user=user, defaults={"role": role, "jurisdiction": jurisdiction, "team": team, "unit": unit}
        )
    return user


def _demo_secret(user) -> str:
    """A login whose role must use a second factor gets a confirmed demo authenticator whose key
    follows from the user name (twofactor.services.ensure_demo_device); its key in base32."""
    from zhaoshang.twofactor import services as twofactor

    user = get_user_model().objects.get(pk=user.pk)  # its membership as just saved
    if not twofactor.must_use_second_factor(user):
        return ""
    twofactor.ensure_demo_device(user)
    device = twofactor.demo_device(user)  # not one the user bound themselves: never print that
    return twofactor.secret(device) if device is not None else ""


def _demo_logins(policy: Policy, prefix: str) -> list[DemoLogin]:
    j = policy.jurisdiction
    logins = []

    def add(name, role, place, **kw):
        user = _user(f"{prefix}{name}", role=role, jurisdiction=kw.pop("jurisdiction", j), **kw)
        logins.append(
            DemoLogin(
                f"{prefix}{name}",
                dict(Membership._meta.get_field("role").choices)[role],
                place,
                _demo_secret(user),
            )
        )

    add("office", "office", policy.office)
    add("leader", "leader", f"{j.name}领导")
    add("inspector", "inspector", f"{j.name}督查室")
    teams = policy.teams.select_related("lead_unit").order_by(F("number").asc(nulls_last=True), "key")
    # A team with units has records to show; a placeholder team without any has none yet.
    team = teams.filter(lead_unit__isnull=False).first() or teams.first()
    if team is not None:
        add("team", "team_clerk", team.name, team=team)
    groups = HolderGroup.objects.filter(policy=policy, holder="unit", units__isnull=False).exclude(
        key__icontains="support"
    )
    group = groups.filter(key__icontains="responsible").first() or groups.first()
    unit = group.units.order_by("pk").first() if group else Unit.objects.filter(jurisdiction=j).first()
    if unit is not None:
        add("unit", "unit_clerk", unit.name, unit=unit)
    support = HolderGroup.objects.filter(policy=policy, key__icontains="support").first()
    if support is not None and support.units.exists():
        su = support.units.order_by("pk").first()
        add("support", "support_unit", su.name, unit=su)
    if j.level == "city":
        add("city", "city", f"{j.name}（统筹各县）")
    return logins


@transaction.atomic
def generate_county(
    *,
    spec: PolicySpec,
    seed: int,
    prefix: str = "",
    projects_per_holder: float = 2.5,
    activity_scale: float = 1.0,
    report_months: int | None = None,
    reminders: bool = True,
    duties: bool = True,
    aftercare: bool = False,
) -> DemoResult:
    from zhaoshang.core.changelog import change_context

    with change_context(source="cli", reason="生成演示数据"):
        policy = policy_load(spec=spec).policy
        result = DemoResult(policy=spec.name, counties=1)
        mk = _Maker(f"{seed}:{spec.name}")
        records = _county_records(
            mk,
            policy,
            spec,
            projects_per_holder=projects_per_holder,
            activity_scale=activity_scale,
            report_months=report_months,
        )
        # Demo data is generated once per policy; run again, it only (re)creates the logins.
        # Two policies may share a county and its ledger (Xinfeng's), and a policy's teams may
        # hold nothing (the 100-days squads): then the first enterprise its seed makes tells.
        first = records[0][0] if records[0] else None
        done = (
            Project.objects.filter(team__policy=policy).exists()
            or Activity.objects.filter(team__policy=policy).exists()
            or (
                first is not None
                and Enterprise.objects.filter(jurisdiction_id=first.jurisdiction_id, uscc=first.uscc).exists()
            )
        )
        if not done:
            result.counts = _save_all(records, bulk=False)
            _demo_claims(mk, policy, records[0])
            result.counts.update(_save_all(_office_inputs(mk, policy, spec, records[1]), bulk=False))
        result.logins = _demo_logins(policy, prefix)
        if reminders and not done:
            from zhaoshang.notify.demo import seed as seed_reminders

            result.counts.update(seed_reminders(policy=policy))
        if duties and not done:
            # The policy's duties as obligations per holder and period (supervision/duties_demo.py).
            from zhaoshang.supervision.duties_demo import seed as seed_duties

            result.counts.update(seed_duties(policy=policy))
        # Some placements on each chain's segments (chains/demo.py), once per chain: a county two
        # policies share gets them for the second policy's chains too.
        from zhaoshang.chains.demo import seed as seed_chains

        result.counts.update(seed_chains(policy=policy))
        # Each chain's target enterprises (目标企业库, targets/demo.py), once per chain.
        from zhaoshang.targets.demo import seed as seed_targets

        result.counts.update(seed_targets(policy=policy))
        # Packaged projects and merchants per chain (packages/demo.py), once per chain.
        from zhaoshang.packages.demo import seed as seed_packages

        result.counts.update(seed_packages(policy=policy))
        if aftercare and not done:
            # The problem list and leaders' instructions (supervision/problems_demo.py), and a few
            # projects behind on their contracts with their rewards held (ledger/performance_demo.py).
            # `make demo` asks for them; the test worlds seed their own on fixed dates.
            from zhaoshang.ledger.performance_demo import seed_performance_demo
            from zhaoshang.supervision.problems_demo import seed as seed_problems

            result.counts.update(seed_problems(policy=policy))
            # Carriers, the zombie register and an assignment (resources/demo.py).
            from zhaoshang.resources.demo import seed as seed_resources

            result.counts.update(seed_resources(jurisdiction=policy.jurisdiction))
            from zhaoshang.engine.periods import parse_period

            behind = seed_performance_demo(
                jurisdiction=policy.jurisdiction, as_of=parse_period(spec.main_period, spec).end
            )
            if behind:
                result.counts["履约滞后项目"] = len(behind)
        # 三员分立: three administrators, one role each, no business data; no demo superuser (a
        # superuser is a break-glass account made on the server: docs/roles.md).
        for i, (name, role, place) in enumerate(ADMIN_LOGINS):
            admin = _user(name, role=role, jurisdiction=policy.jurisdiction)
            result.logins.insert(i, DemoLogin(name, Role(role).label, place, _demo_secret(admin)))
    return result


@transaction.atomic
def generate_province(
    *,
    spec: PolicySpec,
    seed: int,
    counties: int = 100,
    projects_per_holder: float = 2.5,
    activity_scale: float = 1.0,
) -> DemoResult:
    """A synthetic province (示范省, code 990000) of `counties` counties in cities of ten, each run
    under a copy of `spec`'s organisation. Written with bulk inserts, for benchmarks."""
    mk = _Maker(f"{seed}:{spec.name}:province")
    province, _ = Jurisdiction.objects.get_or_create(
        code="990000", defaults={"name": "示范省", "level": "province"}
    )
    result = DemoResult(policy=spec.name)
    content = spec.model_dump(mode="json")
    for i in range(counties):
        city_no, county_no = divmod(i, 10)
        city, _ = Jurisdiction.objects.get_or_create(
            code=f"99{city_no + 1:02d}00",
            defaults={"name": f"示范{city_no + 1}市", "level": "city", "parent": province},
        )
        code = f"99{city_no + 1:02d}{county_no + 21:02d}"
        if Jurisdiction.objects.filter(code=code).exists():
            continue
        county_spec = PolicySpec.model_validate(
            {
                **content,
                "name": f"{spec.name}-{code}",
                "jurisdiction": {
                    "code": code,
                    "name": f"{mk.fake.city_name()}{county_no + 1}县",
                    "level": "county",
                },
                "parents": [
                    {"code": province.code, "name": province.name, "level": "province"},
                    {"code": city.code, "name": city.name, "level": "city"},
                ],
                "subdivisions": [],
                "units": [{**u, "jurisdiction": None} for u in content["units"]],
            }
        )
        policy = policy_load(spec=county_spec).policy
        records = _county_records(
            mk, policy, county_spec, projects_per_holder=projects_per_holder, activity_scale=activity_scale
        )
        for k, v in _save_all(records, bulk=True).items():
            result.counts[k] = result.counts.get(k, 0) + v
        result.counties += 1
    from zhaoshang.core.changelog import change_context

    office = _user("province-office", role="office", jurisdiction=province)
    with change_context(source="cli", reason="生成演示数据"):
        secret = _demo_secret(office)
    result.logins.append(DemoLogin("province-office", "招商办（调度）", province.name, secret))
    return result


__all__ = ["DEMO_PASSWORD", "generate_county", "generate_province", "Period"]
