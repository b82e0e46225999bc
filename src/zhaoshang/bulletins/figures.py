"""What a bulletin says, gathered from the ledger and the assessment: the period's signings,
starts, production and funds in place, the pipeline, each team's work, and the ranking, lists,
flags, amounts and warnings of the period's assessment. Aggregates are done in SQL; the few
project rows listed are the period's own signings and starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from zhaoshang.assessment.export import FLAG_LABELS, present
from zhaoshang.assessment.models import AssessmentRun
from zhaoshang.engine.periods import Span, parse_period
from zhaoshang.ledger.models import Investment, Project
from zhaoshang.org.models import Policy, Team, Unit

from .context import run_values
from .document import Table

WAN_PER_YI = Decimal(10000)


def yi(wan) -> Decimal:
    """万元 to 亿元, two places, as the documents state totals."""
    return (Decimal(wan or 0) / WAN_PER_YI).quantize(Decimal("0.01"))


def period_label(span: Span) -> str:
    if span.kind == "month":
        return f"{span.start.year}年{span.start.month}月"
    if span.kind == "quarter":
        return f"{span.start.year}年第{(span.start.month - 1) // 3 + 1}季度"
    if span.kind == "half_year":
        return f"{span.start.year}年{'上' if span.start.month == 1 else '下'}半年"
    if span.kind == "year":
        return f"{span.start.year}年"
    if span.kind == "week":
        return f"{span.start.month}月{span.start.day}日至{span.end.month}月{span.end.day}日"
    return f"{span.start.year}年{span.start.month}月{span.start.day}日至{span.end.year}年{span.end.month}月{span.end.day}日"


@dataclass
class Figures:
    """The bulletin's template context (plain values only: text, numbers, dates, lists and
    dictionaries of them; see context.py), its tables, and the run it reports (for the
    bulletin's record, never for the template)."""

    context: dict
    tables: dict[str, Table]
    run: AssessmentRun | None


def choose_run(policy: Policy, period_key: str, *, include_drafts: bool) -> AssessmentRun | None:
    """The published result of the period; a draft only where the caller may see drafts."""
    runs = AssessmentRun.objects.filter(policy=policy, period=period_key).select_related(
        "run_by", "published_by"
    )
    published = runs.filter(status=AssessmentRun.Status.PUBLISHED).order_by("-version").first()
    if published is not None or not include_drafts:
        return published
    return runs.filter(status=AssessmentRun.Status.DRAFT).order_by("-version").first()


def gather(policy: Policy, period: str, *, include_drafts: bool = True, today: date | None = None) -> Figures:
    spec = policy.spec()
    span = parse_period(period, spec)
    run = choose_run(policy, span.key or period, include_drafts=include_drafts)
    projects = Project.objects.filter(jurisdiction__path__startswith=policy.jurisdiction.path)
    investments = Investment.objects.filter(jurisdiction__path__startswith=policy.jurisdiction.path)
    in_span = {"start": span.start, "end": span.end}

    def stage_total(field: str):
        qs = projects.filter(**{f"{field}__range": (in_span["start"], in_span["end"])})
        agg = qs.aggregate(n=Count("pk"), amount=Sum("total_investment"))
        return qs, agg["n"], yi(agg["amount"])

    signed_qs, signed_n, signed_yi = stage_total("signed_on")
    started_qs, started_n, started_yi = stage_total("started_on")
    _, production_n, production_yi = stage_total("production_on")
    funds = investments.filter(month__range=(span.start, span.end)).aggregate(s=Sum("amount"))["s"]
    year_funds = investments.filter(month__range=(date(span.end.year, 1, 1), span.end)).aggregate(
        s=Sum("amount")
    )["s"]

    stages = dict(projects.values_list("stage").annotate(n=Count("pk")))
    pipeline_rows = [[lbl, stages.get(value, 0)] for value, lbl in Project.Stage.choices]
    tables: dict[str, Table] = {
        "pipeline": Table("pipeline", "项目推进情况（按阶段）", ["阶段", "项目数"], pipeline_rows),
        "signed": _project_table(
            "signed", f"{period_label(span)}签约项目", signed_qs, "signed_on", "签约日期"
        ),
        "started": _project_table(
            "started", f"{period_label(span)}开工项目", started_qs, "started_on", "开工日期"
        ),
        "teams": _team_table(policy, projects, investments, span),
    }
    duties, tables["duties"] = _duties(policy, span, today or date.today())
    problems, tables["problems"] = _problems(policy, span)
    chains, tables["chains"] = _chains(policy)
    ranking = _ranking(policy, run)
    tables.update(ranking["tables"])
    context = {
        "jurisdiction": policy.jurisdiction.name,
        "office": spec.office,
        "policy_title": policy.title,
        "period": period_label(span),
        "period_key": span.key or period,
        "year": span.end.year,
        "start": span.start,
        "end": span.end,
        "today": today or date.today(),
        "signed_count": signed_n,
        "signed_yi": signed_yi,
        "started_count": started_n,
        "started_yi": started_yi,
        "production_count": production_n,
        "production_yi": production_yi,
        "funds_yi": yi(funds),
        "year_funds_yi": yi(year_funds),
        "project_count": sum(stages.values()),
        "pipeline": pipeline_rows,
        "duties": duties,
        "problems": problems,
        "chains": chains,
        "run": run_values(run),
        "run_status": run.get_status_display() if run else "",
        "run_published": bool(run and run.status == AssessmentRun.Status.PUBLISHED),
        **{k: v for k, v in ranking.items() if k != "tables"},
    }
    return Figures(context=context, tables=tables, run=run)


def _project_table(key, title, qs, date_field, date_header) -> Table:
    rows = [
        [
            p.name,
            p.enterprise.name,
            p.unit.name,
            p.team.name if p.team else "",
            p.total_investment,
            getattr(p, date_field),
        ]
        for p in qs.select_related("enterprise", "unit", "team").order_by(date_field, "name")[:200]
    ]
    return Table(
        key, title, ["项目名称", "企业名称", "引进单位", "招商团队", "总投资（万元）", date_header], rows
    )


def _duties(policy: Policy, span: Span, today: date) -> tuple[dict, Table]:
    """The policy's duty obligations due within the span (supervision/duties.py), as of `today`:
    counts per status, and a table of them by holder."""
    from zhaoshang.supervision.duties import duty_counts, holder_names
    from zhaoshang.supervision.models import DUTY_STATUSES, DutyObligation

    qs = DutyObligation.objects.filter(policy=policy, due_on__range=(span.start, span.end))
    holders, _, _, totals = duty_counts(qs, today)
    names = holder_names(holders)
    summary = {k: sum(t[k] for t in totals.values()) for k in DUTY_STATUSES}
    summary["due"] = sum(summary.values())
    rows = [
        [names[h], totals[h]["done"], totals[h]["overdue"], totals[h]["pending"], totals[h]["not_applicable"]]
        for h in sorted(holders, key=lambda h: (-totals[h]["overdue"], names[h]))
    ]
    table = Table(
        "duties",
        f"{period_label(span)}职责任务完成情况",
        ["承担对象", "已完成", "逾期", "待办", "不适用"],
        rows,
        note="截止日期在本期内的职责任务，状态截至生成之日。",
    )
    return summary, table


def _problems(policy: Policy, span: Span) -> tuple[dict, Table]:
    """The problem list in the period (supervision/problems.py): raised and closed in it,
    unresolved and overdue at its end, and a table of those overdue at its end."""
    from zhaoshang.supervision.problems import bulletin_figures, overdue_at

    rows = [
        [p.title, str(p.subject), str(p.support_unit), f"{p.due_on:%Y-%m-%d}", days]
        for p, days in overdue_at(policy.jurisdiction, span.end)
    ]
    table = Table(
        "problems",
        f"{period_label(span)}末逾期未办结问题",
        ["问题", "项目（企业）", "要素保障单位", "办结期限", "逾期工作日"],
        rows,
        note="截至本期末超过办结期限仍未办结的问题，按逾期时间排列。",
    )
    return bulletin_figures(policy.jurisdiction, span.start, span.end), table


def _chains(policy: Policy) -> tuple[dict, Table]:
    """The policy's industry chains as the chain map computes them (chains/gaps.py), as of the
    day the bulletin is made: segments, gaps, local enterprises and live projects per chain, and
    the gap to promote first. A gap is a fact of the county, not of the period."""
    from zhaoshang.chains.gaps import chain_gaps
    from zhaoshang.chains.models import IndustryChain

    rows, summary = [], {"count": 0, "segments": 0, "gaps": 0, "enterprises": 0, "live_projects": 0}
    chains = IndustryChain.objects.filter(policy=policy).select_related(
        "jurisdiction", "lead_team", "lead_unit"
    )
    for chain in chains.order_by("id"):
        g = chain_gaps(chain)
        lead = chain.lead_team or chain.lead_unit
        first = g.promote_next[0].segment.name if g.promote_next else ""
        rows.append(
            [
                chain.name,
                str(lead) if lead else "",
                len(g.segments),
                len(g.gaps),
                "、".join(s.segment.name for s in g.gaps),
                g.enterprises,
                g.live_projects,
                first,
            ]
        )
        summary["count"] += 1
        summary["segments"] += len(g.segments)
        summary["gaps"] += len(g.gaps)
        summary["enterprises"] += g.enterprises
        summary["live_projects"] += g.live_projects
    table = Table(
        "chains",
        "产业链招商图谱",
        ["产业链", "牵头", "环节数", "缺失环节数", "缺失环节", "本地企业", "在建在谈项目", "建议优先招引"],
        rows,
        note="缺失环节：既无本地企业也无在建在谈项目的环节；截至生成之日。",
    )
    return summary, table


def _team_table(policy: Policy, projects, investments, span: Span) -> Table:
    teams = list(Team.objects.filter(policy=policy).order_by("key"))
    ids = [t.pk for t in teams]
    r = (span.start, span.end)
    counts = {
        row["team"]: row
        for row in projects.filter(team__in=ids)
        .values("team")
        .annotate(
            signed=Count("pk", filter=Q(signed_on__range=r)),
            signed_amount=Sum("total_investment", filter=Q(signed_on__range=r)),
            started=Count("pk", filter=Q(started_on__range=r)),
        )
    }
    funds = dict(
        investments.filter(team__in=ids, month__range=r)
        .values("team")
        .annotate(s=Sum("amount"))
        .values_list("team", "s")
    )
    rows = []
    for t in teams:
        c = counts.get(t.pk, {})
        rows.append(
            [
                t.name,
                c.get("signed", 0),
                Decimal(c.get("signed_amount") or 0),
                c.get("started", 0),
                Decimal(funds.get(t.pk) or 0),
            ]
        )
    return Table(
        "teams",
        "各招商团队工作情况",
        ["团队", "签约项目（个）", "签约总投资（万元）", "开工项目（个）", "实际进资（万元）"],
        rows,
    )


def _ranking(policy: Policy, run: AssessmentRun | None) -> dict:
    """Ranking tables by holder kind (and, for units, by unit kind: departments and towns are
    ranked apart), the two lists, flags, amounts and warnings, with names people know."""
    empty = {
        "tables": {},
        "front_runners": [],
        "catch_up": [],
        "flags": [],
        "amounts": [],
        "warnings": [],
        "rank_groups": [],
    }
    if run is None:
        empty["tables"] = {
            "ranking": Table("ranking", "考核排名", ["名次", "对象", "得分"], [], note="本期尚无考核结果。")
        }
        return empty
    shown = present(run)
    unit_kinds = dict(
        Unit.objects.filter(jurisdiction__path__startswith=policy.jurisdiction.path).values_list(
            "name", "kind"
        )
    )
    kind_names = dict(Unit.Kind.choices)
    groups: dict[str, list] = {}
    for kind_label, rows in shown["groups"]:
        for r in rows:
            if r.get("score") is None:
                continue
            group = kind_label
            if r["holder_kind"] == "unit" and r["holder"] in unit_kinds:
                group = kind_names.get(unit_kinds[r["holder"]], group)
            groups.setdefault(group, []).append([r.get("rank"), r["label"], _dec(r["score"])])
    tables = {}
    all_rows = []
    for i, (group, rows) in enumerate(groups.items(), start=1):
        tables[f"ranking_{i}"] = Table(f"ranking_{i}", f"考核排名（{group}）", ["名次", "对象", "得分"], rows)
        all_rows += [[group, *row] for row in rows]
    status = "" if run.status == AssessmentRun.Status.PUBLISHED else "（未发布，仅供审核）"
    tables["ranking"] = Table(
        "ranking",
        f"考核排名{status}",
        ["类别", "名次", "对象", "得分"],
        all_rows,
        note=f"数据截至{run.as_of:%Y年%m月%d日}，第{run.version}版。",
    )
    front, catch = shown["lists"]["front_runners"], shown["lists"]["catch_up"]
    flags = [
        [FLAG_LABELS.get(f["kind"], f["kind"]), f["label"], f.get("reason", ""), f["clause"]]
        for f in shown["flags"]
    ]
    # A reward on a project behind on its contract is held (暂缓兑现, ledger/performance.py): listed
    # with its reason, left out of the total paid.
    amounts = [
        [
            a["kind_label"],
            a["label"],
            a.get("project") or "",
            _dec(a["amount_wan"]),
            f"暂缓兑现：{a['held']}" if a.get("held") else "兑现",
            a["clause"],
        ]
        for a in shown["amounts"]
    ]
    warnings = [
        [w["label"], w["kind_label"], w.get("reason", "") or w.get("message", "")] for w in shown["warnings"]
    ]
    tables["lists"] = Table(
        "lists",
        "一马当先榜、奋起直追榜",
        ["榜单", "对象"],
        [["一马当先榜", n] for n in front] + [["奋起直追榜", n] for n in catch],
    )
    tables["flags"] = Table("flags", "预警与问责", ["类别", "对象", "原因", "条款"], flags)
    tables["amounts"] = Table(
        "amounts", "经费与奖励", ["类别", "对象", "项目", "金额（万元）", "兑现", "条款"], amounts
    )
    tables["warnings"] = Table(
        "warnings", "风险预警（按当前进度预测）", ["对象", "可能情形", "说明"], warnings
    )
    return {
        "tables": tables,
        "front_runners": front,
        "catch_up": catch,
        "flags": flags,
        "amounts": amounts,
        "amount_total": sum((row[3] for row in amounts if row[4] == "兑现"), Decimal(0)),
        "amount_held": sum((row[3] for row in amounts if row[4] != "兑现"), Decimal(0)),
        "warnings": warnings,
        "rank_groups": list(groups),
    }


def _dec(v):
    try:
        return Decimal(str(v)) if v is not None else None
    except ArithmeticError:
        return v
