"""The leaders' dashboards (county, team, unit, and a city over its counties) and the rankings page.

Each chart is built once as a `Chart`: its table (typed cells, each figure linking to the ledger
list that holds exactly the records behind it), the ECharts spec the page's script draws from
(passed with `json_script`, no inline code), and the same table as an Excel download
(`?export=<key>`). So the chart, the table and the download cannot disagree.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from openpyxl import Workbook
from openpyxl.styles import Font

from zhaoshang.assessment.export import KIND_LABELS, present_cached, tie_blocks
from zhaoshang.assessment.models import AssessmentRun
from zhaoshang.core import zhformat
from zhaoshang.core.pagecache import cached
from zhaoshang.core.roles import WIDE_ROLES
from zhaoshang.core.scoping import membership
from zhaoshang.core.zhformat import period as period_label
from zhaoshang.engine.transfers import shares as transfer_shares
from zhaoshang.engine.transfers import split_rule
from zhaoshang.exchange.layouts import escape_text
from zhaoshang.org.models import HolderGroup, Policy, Team, Unit
from zhaoshang.supervision.instructions import may_issue
from zhaoshang.supervision.problems import panel as problems_panel

from . import selectors as s
from .regions import OTHER

WAN_PER_YI = Decimal(10000)
CENT = Decimal("0.01")


def yi(wan) -> Decimal:
    """万元 → 亿元, two decimals."""
    return (Decimal(wan or 0) / WAN_PER_YI).quantize(CENT)


@dataclass
class Cell:
    value: Any  # typed, as written to Excel
    href: str | None = None
    text: str | None = None  # as shown, when not str(value)

    def __str__(self):
        if self.text is not None:
            return self.text
        if self.value is None:
            return "—"
        # A figure with separators and two decimals where it has any (core/zhformat.py).
        return zhformat.amount(self.value) if isinstance(self.value, Decimal | int) else str(self.value)


@dataclass
class Chart:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    spec: dict | None = None  # what dashboards.js draws; None: a table only
    note: str = ""
    cards: list[Cell] = field(default_factory=list)  # big figures above the chart (label in text)
    lists: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class Ctx:
    user: Any
    scope: s.Scope
    when: s.When
    _run: Any = None
    _run_read: bool = False

    def href(self, route: str, **params) -> str | None:
        """The ledger list filtered to exactly these records, or None when its filters cannot say
        so (a county seen from its city: the lists have no jurisdiction filter)."""
        if not self.scope.exact_lists:
            return None
        query = {**self.scope.list_params(), **params}
        return f"{reverse(route)}?{urlencode({k: _param(v) for k, v in query.items()})}"

    @property
    def run(self) -> AssessmentRun | None:
        if not self._run_read:
            self._run, self._run_read = s.latest_run(self.user, self.scope.policy, self.when), True
        return self._run

    @property
    def presented(self) -> dict:
        if not hasattr(self, "_presented"):
            self._presented = present_cached(self.run, user=self.user) if self.run is not None else {}
        return self._presented


def _param(v):
    return v.isoformat() if isinstance(v, date) else v


def _num(v) -> float:
    return float(v or 0)


# --- charts -------------------------------------------------------------------------------------


def chart_month(ctx: Ctx) -> Chart:
    tallies = s.month_tallies(ctx.user, ctx.scope, ctx.when)
    w = ctx.when
    links = {
        "signed": ctx.href("ledger:project_list", signed_from=w.month_start, signed_to=w.month_end),
        "started": ctx.href("ledger:project_list", started_from=w.month_start, started_to=w.month_end),
    }
    names = {"signed": "签约", "started": "开工"}
    rows = [
        [Cell(names[k]), Cell(t.count, links[k]), Cell(yi(t.investment), links[k])]
        for k, t in tallies.items()
    ]
    cards = []
    for k, t in tallies.items():
        cards.append(Cell(t.count, links[k], f"本月{names[k]}项目（个）"))
        cards.append(Cell(yi(t.investment), links[k], f"{names[k]}项目总投资（亿元）"))
    return Chart(
        "month",
        f"{w.on.year}年{w.on.month}月签约与开工",
        ["事项", "项目数", "总投资（亿元）"],
        rows,
        note="按签约日期、开工日期在本月统计；总投资为项目计划总投资。",
        cards=cards,
    )


def chart_targets(ctx: Ctx) -> Chart:
    rows, names, done, pace, links = [], [], [], [], []
    for r in s.targets(ctx.user, ctx.scope, ctx.when):
        t = r.target
        href = ctx.href(r.link[0], **r.link[1]) if r.link else None
        if r.actual is None:
            status = "须由招商办录入"
        elif r.completion >= 100:
            status = "已完成"
        elif r.completion < r.time_gone:
            status = "落后于时间进度"
        else:
            status = "正常"
        rows.append(
            [
                Cell(t.metric_label),
                Cell(t.clause, text=zhformat.clause(t.clause)),
                Cell(t.period.label),
                Cell(t.value.normalize(), text=t.value_display),
                Cell(r.actual, href),
                Cell(r.completion),
                Cell(r.time_gone),
                Cell(status),
            ]
        )
        names.append(f"{t.metric_label}（{t.period.label}）")
        done.append(_num(r.completion) if r.completion is not None else None)
        pace.append(_num(r.time_gone))
        links.append(href)
    return Chart(
        "targets",
        "目标任务完成进度",
        ["目标", "条款", "时期", "目标值", "已完成", "完成率（%）", "时间进度（%）", "状态"],
        rows,
        spec={
            "type": "bar",
            "horizontal": True,
            "categories": names,
            "unit": "%",
            "series": [
                {"name": "完成率（%）", "data": done, "links": links},
                {"name": "时间进度（%）", "data": pace},
            ],
        }
        if rows
        else None,
        note=f"完成数从台账计算至{zhformat.cn_date(ctx.when.on)}；出口、统计等台账以外的指标由招商办在考核评比中录入，此处不计算。",
    )


def chart_funnel(ctx: Ctx) -> Chart:
    stages, terminated = s.funnel(ctx.user, ctx.scope)
    rows, links = [], []
    for r in [*stages, terminated]:
        href = ctx.href("ledger:project_list", stage=r.stage)
        rows.append([Cell(r.label), Cell(r.count, href), Cell(yi(r.investment), href)])
        links.append(href)
    return Chart(
        "funnel",
        "项目推进漏斗（当前阶段）",
        ["阶段", "项目数", "总投资（亿元）"],
        rows,
        spec={
            "type": "funnel",
            "data": [{"name": r.label, "value": r.count} for r in stages],
            "links": links[: len(stages)],
        },
        note=f"全部在库项目按当前所处阶段统计；已终止 {terminated.count} 个，不计入漏斗。",
    )


def chart_trend(ctx: Ctx) -> Chart:
    year = ctx.when.year
    rows, cats, signed, started, money = [], [], [], [], []
    links = {"signed": [], "started": [], "money": []}
    for r in s.trend(ctx.user, ctx.scope, year):
        start = date(year, r.month, 1)
        end = s.When(year, start).month_end
        ls = ctx.href("ledger:project_list", signed_from=start, signed_to=end)
        # A month a transfer moved a share into or out of: no list holds exactly those figures.
        lt = None if r.shifted else ctx.href("ledger:project_list", started_from=start, started_to=end)
        lm = None if r.shifted else ctx.href("ledger:investment_list", month_from=start, month_to=end)
        rows.append(
            [Cell(f"{r.month}月"), Cell(r.signed, ls), Cell(r.started, lt), Cell(yi(r.investment), lm)]
        )
        cats.append(f"{r.month}月")
        signed.append(r.signed)
        started.append(_num(r.started))
        money.append(_num(yi(r.investment)))
        links["signed"].append(ls)
        links["started"].append(lt)
        links["money"].append(lm)
    return Chart(
        "trend",
        f"{year}年逐月趋势",
        ["月份", "签约项目数", "开工项目数", "实际进资（亿元）"],
        rows,
        spec={
            "type": "bar",
            "categories": cats,
            "axes": ["个", "亿元"],
            "series": [
                {"name": "签约项目数", "data": signed, "links": links["signed"]},
                {"name": "开工项目数", "data": started, "links": links["started"]},
                {
                    "name": "实际进资（亿元）",
                    "type": "line",
                    "axis": 1,
                    "data": money,
                    "links": links["money"],
                },
            ],
        },
    )


RANKED_NOUNS = {"team": "团队", "unit": "单位", "jurisdiction": "县（市、区）", "person": "责任领导"}


def chart_ranking(ctx: Ctx) -> Chart | None:
    run = ctx.run
    if run is None:
        return None
    href = reverse("assessment:assessmentrun_detail", args=[run.pk])
    scored = [r for _, rows in ctx.presented["groups"] for r in rows if r.get("score") not in (None, "")]
    # The corps where the document scores them; otherwise whom it does score (Xinfeng 2024 ranks
    # its responsible units, Sanming its counties).
    kinds = [r["holder_kind"] for r in scored]
    kind = "team" if "team" in kinds else max(set(kinds), key=kinds.count, default="team")
    noun = RANKED_NOUNS.get(kind, "对象")
    mine = ctx.scope.holder_key
    rows, names, scores = [], [], []
    for r in (r for r in scored if r["holder_kind"] == kind):
        score = Decimal(r["score"])
        star = f"（本{noun}）" if (kind, r["holder"]) == mine else ""
        rows.append(
            [
                Cell(r.get("rank"), text=r.get("rank_text")),
                Cell(r["label"] + star),
                Cell(score, href, r.get("score_text") or None),
            ]
        )
        names.append(r["label"])
        scores.append(_num(score))
    lists = ctx.presented["lists"]
    draft = "（草稿，未发布）" if run.status == AssessmentRun.Status.DRAFT else ""
    return Chart(
        "ranking",
        f"{noun}排名 · {period_label(run.period)} 第{run.version}版{draft}",
        ["名次", noun, "得分"],
        rows,
        spec={
            "type": "bar",
            "horizontal": True,
            "categories": names[::-1],  # the first place on top
            "series": [{"name": "得分", "data": scores[::-1], "links": [href] * len(scores)}],
        }
        if rows
        else None,
        note="点击得分查看每一分来自哪条规则、哪一条款。",
        lists=[("一马当先榜", lists.get("front_runners", [])), ("奋起直追榜", lists.get("catch_up", []))],
    )


def chart_warnings(ctx: Ctx) -> Chart | None:
    if ctx.run is None:
        return None
    kind, key = ctx.scope.holder_key
    policy_home = (
        ctx.scope.policy is not None and ctx.scope.policy.jurisdiction_id == ctx.scope.jurisdiction.pk
    )
    href = reverse("assessment:assessmentrun_detail", args=[ctx.run.pk])
    rows = []
    for w in ctx.presented["warnings"]:
        mine = (w.get("holder_kind", "unit"), w.get("holder")) == (kind, key)
        if not mine and not (ctx.scope.kind == "jurisdiction" and policy_home):
            continue  # a team or unit sees its own; the policy's jurisdiction sees all
        rows.append(
            [
                Cell(w["label"]),
                Cell(w["kind_label"], href),
                Cell(w.get("clause", ""), text=zhformat.clause(w.get("clause", ""))),
                Cell(w.get("due", ""), text=period_label(w.get("due", ""))),
                Cell(w.get("months_ahead")),
                Cell(w.get("reason", ""), text=w.get("reason_text") or w.get("reason", "")),
            ]
        )
    return Chart(
        "warnings",
        f"进度预警（{period_label(ctx.run.period)} 第{ctx.run.version}版推算）",
        ["对象", "将触及", "条款", "到期", "提前（月）", "依据"],
        rows,
        note="按目前进度推算，到期时将触及的处理。",
    )


def chart_duties(ctx: Ctx) -> Chart | None:
    """职责任务 of the policy in force by holder: done, overdue, pending, 不适用 (supervision/duties.py),
    on the jurisdiction's dashboard; as of today (a status is today's)."""
    from zhaoshang.supervision.duties import duty_counts, holder_names
    from zhaoshang.supervision.models import DutyObligation

    policy = ctx.scope.policy
    if policy is None or ctx.scope.kind != "jurisdiction":
        return None
    qs = DutyObligation.objects.visible_to(ctx.user).filter(policy=policy)
    holders, _, _, totals = duty_counts(qs, timezone.localdate())
    if not holders:
        return None
    names = holder_names(holders)
    base = reverse("supervision:dutyobligation_list")

    def href(h, status):
        holder = {"team": h[1]} if h[1] else ({"unit": h[0]} if h[0] else {"office_own": "true"})
        return f"{base}?{urlencode({'policy': policy.pk, **holder, 'status': status})}"

    order = sorted(holders, key=lambda h: (-totals[h]["overdue"], names[h]))
    rows = [
        [
            Cell(names[h], href(h, "")),
            Cell(totals[h]["done"], href(h, "done")),
            Cell(totals[h]["overdue"], href(h, "overdue")),
            Cell(totals[h]["pending"], href(h, "pending")),
            Cell(totals[h]["not_applicable"], href(h, "not_applicable")),
        ]
        for h in order
    ]
    overdue = sum(t["overdue"] for t in totals.values())
    done = sum(t["done"] for t in totals.values())
    return Chart(
        "duties",
        "职责任务（按承担对象）",
        ["承担对象", "已完成", "逾期", "待办", "不适用"],
        rows,
        note="政策文件所列职责，按对象和期间生成；逾期为过截止日期未办结。",
        cards=[Cell(done, text="已完成"), Cell(overdue, text="逾期")],
    )


def chart_provinces(ctx: Ctx) -> Chart:
    data = s.provinces(ctx.user, ctx.scope)
    rows = [[Cell(r.name), Cell(r.count), Cell(yi(r.investment))] for r in data]
    return Chart(
        "provinces",
        "项目来源地（企业总部所在省份）",
        ["省份", "项目数", "总投资（亿元）"],
        rows,
        spec={
            "type": "map",
            "data": [{"name": r.name, "value": r.count} for r in data if r.name != OTHER],
        },
        note="按企业“总部所在地”归入省份，无法识别的计入“其他”；台账暂无按来源地筛选，故不可点开。",
    )


def chart_counties(ctx: Ctx) -> Chart | None:
    data = s.counties(ctx.user, ctx.scope, ctx.when)
    if not data:
        return None
    year = ctx.when.year
    rows = []
    for r in data:
        href = None
        if r.jurisdiction.pk != ctx.scope.jurisdiction.pk:
            href = f"{reverse('dashboards:dashboard')}?{urlencode({'county': r.jurisdiction.code, 'year': year})}"
        rows.append(
            [
                Cell(r.label, href),
                Cell(r.projects),
                Cell(r.signed),
                Cell(yi(r.signed_investment)),
                Cell(r.started),
                Cell(yi(r.investment)),
            ]
        )
    links = [row[0].href for row in rows]
    return Chart(
        "counties",
        f"{year}年各县（市、区）对比",
        ["县（市、区）", "在库项目", "年内签约", "签约总投资（亿元）", "年内开工", "实际进资（亿元）"],
        rows,
        spec={
            "type": "bar",
            "categories": [r.label for r in data],
            "axes": ["个", "亿元"],
            "series": [
                {"name": "年内签约", "data": [r.signed for r in data], "links": links},
                {"name": "年内开工", "data": [_num(r.started) for r in data], "links": links},
                {
                    "name": "实际进资（亿元）",
                    "type": "line",
                    "axis": 1,
                    "data": [_num(yi(r.investment)) for r in data],
                    "links": links,
                },
            ],
        },
        note="点击县名查看该县驾驶舱。" + _transfer_note(ctx),
    )


def _transfer_note(ctx: Ctx) -> str:
    """How the county figures read transferred projects, when the policy splits them."""
    policy = ctx.scope.policy
    rule = split_rule(policy.spec().rules) if policy is not None else None
    if rule is None:
        return ""
    intro, host = (f"{x * 100:.0f}%" for x in transfer_shares(rule))
    return (
        f"异地落户项目（项目流转，{rule.clause}）的开工项目数和实际进资，自项目开工当月起按招商方{intro}、"
        f"落户方{host}（或双方商定的比例）分别计入两县，与考核排名一致。"
    )


CHARTS: dict[str, Callable[[Ctx], Chart | None]] = {
    "month": chart_month,
    "counties": chart_counties,
    "targets": chart_targets,
    "funnel": chart_funnel,
    "trend": chart_trend,
    "ranking": chart_ranking,
    "warnings": chart_warnings,
    "provinces": chart_provinces,
    "duties": chart_duties,
}


# --- Excel --------------------------------------------------------------------------------------


def _cell_value(v):
    if isinstance(v, str):
        return escape_text(v)  # never a formula, whatever a name contains
    return v


def workbook(chart: Chart, caption: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append([escape_text(caption)])
    ws.append(chart.headers)
    for c in ws[2]:
        c.font = Font(bold=True)
    for row in chart.rows:
        ws.append([_cell_value(c.value) for c in row])
    for col, width in zip("ABCDEFGH", (24, 14, 14, 16, 14, 14, 14, 40), strict=False):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx(chart: Chart, ctx: Ctx) -> HttpResponse:
    caption = f"{ctx.scope.label} · {chart.title}（数据截至 {ctx.when.on:%Y-%m-%d}）"
    response = HttpResponse(
        workbook(chart, caption),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="dashboard-{chart.key}-{ctx.when.year}.xlsx"'
    return response


# --- pages --------------------------------------------------------------------------------------


def _years(user, today: date) -> list[int]:
    years = {today.year}
    for start, end in Policy.objects.visible_to(user).values_list("start", "end"):
        years.update(range(start.year, end.year + 1))
    return sorted(years, reverse=True)


@login_required
def dashboard(request):
    today = timezone.localdate()
    when, problems = s.parse_when(request.GET, today)
    g = request.GET
    scope = s.resolve_scope(
        request.user, team=g.get("team"), unit=g.get("unit"), county=g.get("county"), on=when.on
    )
    policy = scope.policy
    if not (g.get("year") or g.get("on")) and policy is not None and not policy.start <= today <= policy.end:
        # Outside the period of the document in force (a 2024 plan read in 2026), open on the
        # document's own period rather than on an empty year.
        on = min(max(today, policy.start), policy.end)
        when = s.When(on.year, on)
        scope = s.resolve_scope(
            request.user, team=g.get("team"), unit=g.get("unit"), county=g.get("county"), on=when.on
        )
    ctx = Ctx(request.user, scope, when)

    key = g.get("export")
    if key:
        build = CHARTS.get(key)
        chart = build(ctx) if build else None
        if chart is None:
            raise Http404("没有这张图表的数据")
        return _xlsx(chart, ctx)

    for p in problems:
        messages.warning(request, p)
    # The charts read only the ledger as this membership sees it on these parameters today: built
    # once per data version and shared by the membership's users (core/pagecache.py).
    params = tuple(sorted((k, tuple(g.getlist(k))) for k in g))
    charts = cached(
        "dashboards.charts",
        request.user,
        (params, today.isoformat()),
        lambda: [c for c in (build(ctx) for build in CHARTS.values()) if c is not None],
    )
    query = {**scope.query(), "year": when.year}
    if g.get("on"):
        query["on"] = when.on.isoformat()
    wide_charts = ("trend", "counties", "warnings")
    charts_html = cached(
        "dashboards.charts_html",
        request.user,
        (params, today.isoformat()),
        lambda: render_to_string(
            "dashboards/_charts.html", {"charts": charts, "wide": wide_charts, "query": urlencode(query)}
        ),
    )
    m = membership(request.user)
    wide = request.user.is_superuser or (m is not None and m.role in WIDE_ROLES)
    picker = {}
    if wide:
        picker = {
            "teams": Team.objects.visible_to(request.user)
            .filter(policy=scope.policy)
            .order_by("number", "key")
            if scope.policy
            else Team.objects.none(),
            "units": Unit.objects.visible_to(request.user).filter(jurisdiction=scope.jurisdiction),
            "counties": scope.counties,
        }
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "title": f"{scope.label}驾驶舱",
            "scope": scope,
            "when": when,
            "charts": charts,
            "specs": [{"key": c.key, **c.spec} for c in charts if c.spec],
            "wide": wide_charts,
            "charts_html": mark_safe(str(charts_html)),  # noqa: S308 - our own template's output
            "query": urlencode(query),
            "years": _years(request.user, today),
            "picker": picker,
            "home_url": reverse("dashboards:dashboard") + f"?year={when.year}",
            # The problem list's lights and the leader's own instructions (supervision/).
            "panel": problems_panel(request.user, today) if wide else None,
            "show_instructions": may_issue(request.user),
        },
    )


# --- rankings -----------------------------------------------------------------------------------


def _partition(row: dict) -> str:
    """The rank group a result row was ranked in (the ranking rule's `partition` fact)."""
    for c in row.get("components", []):
        p = (c.get("facts") or {}).get("partition")
        if p:
            return str(p)
    return ""


@login_required
def rankings(request):
    user = request.user
    office = s.is_office(user)
    m = membership(user)
    policies = list(Policy.objects.visible_to(user).select_related("jurisdiction").order_by("-start", "name"))
    name = request.GET.get("policy", "").strip()
    if name:
        policy = next((p for p in policies if p.name == name), None)
        if policy is None:
            raise Http404("没有这个政策文件，或不在您的权限范围内")
    else:
        # The user's own jurisdiction's newest policy first.
        own = [p for p in policies if m is not None and p.jurisdiction_id == m.jurisdiction_id]
        policy = (own or policies or [None])[0]

    ctx = {"title": "考核排名", "policies": policies, "policy": policy, "office": office}
    if policy is None:
        return render(request, "dashboards/rankings.html", ctx)

    # Drafts are the office's working papers: everyone else reads published versions only.
    runs = AssessmentRun.objects.visible_to(user).filter(policy=policy).defer("result", "forecast", "notes")
    if not office:
        runs = runs.exclude(status=AssessmentRun.Status.DRAFT)
    runs = list(runs.order_by("-version"))
    spec = policy.spec()
    spans = {r.period: s.run_span(r, spec) for r in runs}
    periods = sorted(spans, key=lambda p: (spans[p].end if spans[p] else date.min, p), reverse=True)
    period = request.GET.get("period", "").strip()
    if period and period not in spans:
        messages.warning(request, f"考核期“{period}”没有可查看的结果，已显示最近一期。")
        period = ""
    period = period or (periods[0] if periods else "")
    versions = [r for r in runs if r.period == period]
    shown = next((r for r in versions if r.status == AssessmentRun.Status.PUBLISHED), None)
    if shown is None:
        shown = next((r for r in versions if r.status == AssessmentRun.Status.DRAFT), None)
    ctx.update(periods=[(p, spans[p]) for p in periods], period=period, versions=versions, run=None)
    if shown is None:
        return render(request, "dashboards/rankings.html", ctx)

    # The stored JSON is read only when the page cache has no presentation of it (deferred).
    run = (
        AssessmentRun.objects.select_related("policy__jurisdiction")
        .defer("result", "forecast")
        .get(pk=shown.pk)
    )
    presented = present_cached(run, user=request.user)
    labels = dict(HolderGroup.objects.filter(policy=policy).values_list("key", "label"))
    groups: dict[str, dict] = {}
    rows = [r for _, kind_rows in presented["groups"] for r in kind_rows]
    parts: dict[str, set] = {}
    for r in rows:
        parts.setdefault(r["holder_kind"], set()).add(_partition(r))
    for r in rows:
        part = _partition(r)
        if not part and len(parts[r["holder_kind"]] - {""}) == 1:
            # Unranked (no score this period) but of the kind's only rank group: listed there, last.
            part = next(iter(parts[r["holder_kind"]] - {""}))
        gkey = f"{r['holder_kind']}:{part}"
        g = groups.setdefault(
            gkey,
            {"key": gkey, "label": labels.get(part) or KIND_LABELS.get(r["holder_kind"], ""), "rows": []},
        )
        g["rows"].append(r)
    order = sorted(
        groups.values(),
        key=lambda g: (not any(r.get("rank") for r in g["rows"]), not g["key"].startswith("team:"), g["key"]),
    )
    for g in groups.values():
        # Each row's place in words (并列第5名), a long run of ties as one line (assessment/export.py).
        g["blocks"] = tie_blocks(g["rows"])
        g["noun"] = KIND_LABELS.get(g["key"].split(":", 1)[0], "对象")
    chosen = request.GET.get("group", "")
    group = groups.get(chosen) or (order[0] if order else None)
    if chosen and chosen not in groups:
        messages.warning(request, "没有这个排名分组，已显示默认分组。")
    detail_url = reverse("assessment:assessmentrun_detail", args=[run.pk])
    # The group's rows (every component explained) are the page's heaviest part: rendered once
    # per run version, group, membership and data version (core/pagecache.py).
    group_html = cached(
        "dashboards.ranking_group",
        user,
        (run.pk, run.updated.isoformat() if run.updated else "", group["key"] if group else ""),
        lambda: render_to_string(
            "dashboards/_ranking_group.html",
            {
                "group": group,
                "detail_url": detail_url,
                "clauses": presented.get("clauses", []),
                "document_title": presented.get("document_title", ""),
            },
        ),
    )
    ctx.update(
        run=run,
        groups=order,
        group=group,
        group_html=mark_safe(str(group_html)),  # noqa: S308 - our own template's output
        lists=presented["lists"],
        detail_url=detail_url,
        title=f"考核排名 · {policy.title} · {period_label(period)}",
    )
    return render(request, "dashboards/rankings.html", ctx)
