"""Assessment results as an Excel workbook and as rows for pages: holder keys become the names
people know, rule ids their titles, and every row keeps its clause."""

from __future__ import annotations

from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from zhaoshang.core import zhformat
from zhaoshang.core.zhformat import amounts_in_text
from zhaoshang.engine.metrics import COMMON_METRICS
from zhaoshang.org.models import Jurisdiction, Policy, Team

from .clauses import badge, clause_badges
from .explain import Explainer, number

KIND_LABELS = {"team": "团队", "unit": "单位", "person": "人员", "jurisdiction": "行政区划"}
FLAG_LABELS = {
    "admonishment": "诫勉谈话",
    "reassignment": "岗位调整",
    "accountability": "问责",
    "criticism": "通报批评",
    "named": "排名亮相",
    "statement": "表态发言",
    "yellow_card": "黄牌",
    "not_excellent": "取消评优资格",
    "interview": "约谈",
    "commendation": "表彰",
    "land_recovery": "收回土地",
    "award": "获奖",
    "supervision": "专项督导",
    "cap_exceeded": "超过个人奖励上限",
    "evaluation_failed": "滚动考评未通过",
    "attribution_conflict": "引进单位与首招单位不一致",
    "overdue": "逾期未办结",
}
AMOUNT_LABELS = {
    "work_fund": "工作经费",
    "outbound_fund": "外出招商经费",
    "reception_fund": "接待经费",
    "special_fund": "专项经费",
    "project_subsidy": "项目补助",
    "instant_reward": "即时奖励",
    "award": "奖励",
    "completion_award": "完成任务奖",
    "investment_award": "项目进资奖",
    "tax_award": "税收贡献奖",
    "person_reward": "个人奖励",
    "cap_exceeded": "超出个人上限部分",
    "tax_share": "税收分成",
}


def holder_labels(policy: Policy) -> dict[tuple[str, str], str]:
    labels = {("team", t.key): t.name for t in Team.objects.filter(policy=policy)}
    for j in Jurisdiction.objects.filter(path__startswith=policy.jurisdiction.path):
        labels[("jurisdiction", j.code)] = j.name
    return labels


def rule_titles(policy: Policy) -> dict[str, str]:
    return {r.id: r.title for r in policy.spec().rules}


def explainer_for(policy: Policy, result: dict | None = None, *, user=None) -> Explainer:
    """The names a run of this policy speaks of. Projects a rule names are looked up among those
    `user` may see (all of the policy's jurisdiction when no user is given: an office's bulletin);
    one the user may not see reads as its number."""
    spec = policy.spec()
    metrics = {m.key: m for m in COMMON_METRICS.values()}
    for m in spec.metrics:
        metrics[m.key] = spec.metric(m.key)
    dimensions, items = {}, {}
    for rule in spec.rules:
        for d in getattr(rule, "dimensions", None) or []:
            dimensions[d.key] = d.label
            for i in d.items:
                items[i.key] = i.label
    return Explainer(
        holders=holder_labels(policy),
        metrics={k: m.label for k, m in metrics.items()},
        metric_units={k: m.uom for k, m in metrics.items()},
        metric_kinds={k: m.kind for k, m in metrics.items()},
        groups={g.key: g.label for g in spec.groups},
        rules=rule_titles(policy),
        dimensions=dimensions,
        items=items,
        flags=FLAG_LABELS,
        amounts=AMOUNT_LABELS,
        projects=_project_names(policy, result or {}, user),
        ratio_rules={r.id for r in spec.rules if r.type == "target_completion"},
        periods={p.key: p.label for p in spec.periods},
    )


def _project_names(policy: Policy, result: dict, user) -> dict[str, str]:
    from zhaoshang.ledger.models import Project

    ids: set[int] = set()

    def collect(v):
        if isinstance(v, str | int) and not isinstance(v, bool) and str(v).isdigit():
            ids.add(int(v))

    for r in result.get("results", []):
        for c in r.get("components", []):
            collect(c.get("facts", {}).get("project"))
    for a in result.get("amounts", []):
        collect(a.get("project"))
    if not ids:
        return {}
    qs = Project.objects.visible_to(user) if user is not None else Project.objects.all()
    qs = qs.filter(pk__in=ids, jurisdiction__path__startswith=policy.jurisdiction.path)
    return {str(pk): name for pk, name in qs.values_list("pk", "name")}


def label(labels, kind, key) -> str:
    """A holder by the name people know. A record that does not say its holder's kind (a flag
    on a team) is looked up under each kind, so a key (corps-01) never shows for a name."""
    found = labels.get((kind, key))
    if found is None:
        found = next((labels[(k, key)] for k in KIND_LABELS if (k, key) in labels), None)
    return key if found is None else found


def flag_label(kind, rule_title: str = "") -> str:
    """A flag's kind in Chinese; one the table does not know reads as its rule's title, never empty."""
    return FLAG_LABELS.get(kind) or rule_title or "其他处理"


def tie_blocks(rows: list[dict], *, run_at: int = 4) -> list[dict]:
    """Ranked rows as a page lists them: each row's place as an office writes it (第3名, 并列第5名,
    未排名), and a run of at least `run_at` rows sharing one place (seventeen units all at 0) as one
    block {"tie": True, "rank_text", "score_text", "rows", "names"} that the page shows as one line."""
    counts: dict = {}
    for r in rows:
        if r.get("rank") is not None:
            counts[r["rank"]] = counts.get(r["rank"], 0) + 1
    blocks: list[dict] = []
    for r in rows:
        rank = r.get("rank")
        if rank is None:
            r["rank_text"] = "未排名"
        else:
            r["rank_text"] = f"{'并列' if counts[rank] > 1 else ''}第{rank}名"
        last = blocks[-1] if blocks else None
        if last and rank is not None and last["rows"][0].get("rank") == rank:
            last["rows"].append(r)
        else:
            blocks.append({"rows": [r]})
    for b in blocks:
        first = b["rows"][0]
        b.update(
            tie=len(b["rows"]) >= run_at,
            rank_text=first["rank_text"],
            score_text=first.get("score_text", ""),
            names="、".join(r["label"] for r in b["rows"]),
        )
    return blocks


def _safe(v):
    """Cells never start a formula, whatever a name contains."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return "'" + v
    return v


def _num(v):
    return Decimal(v) if isinstance(v, str) and v.replace(".", "", 1).lstrip("-").isdigit() else v


def result_workbook(result: dict, policy: Policy, *, user=None) -> Workbook:
    ex = explainer_for(policy, result, user=user)
    labels, titles = ex.holders, ex.rules  # read once, by the explainer
    wb = Workbook()
    bold = Font(bold=True)

    def sheet(ws, headers, rows, widths):
        ws.append(headers)
        for c in ws[1]:
            c.font = bold
            c.alignment = Alignment(horizontal="center")
        for row in rows:
            ws.append([_safe(_num(v)) if isinstance(v, str) else v for v in row])
        for i, w in enumerate(widths):
            ws.column_dimensions[chr(65 + i)].width = w
        ws.freeze_panes = "A2"

    ws = wb.active
    ws.title = "排名"
    results = sorted(result.get("results", []), key=lambda r: (r.get("rank") is None, r.get("rank") or 0))
    sheet(
        ws,
        ["名次", "对象", "类型", "得分"],
        [
            [
                r.get("rank"),
                label(labels, r["holder_kind"], r["holder"]),
                KIND_LABELS.get(r["holder_kind"], ""),
                r.get("score"),
            ]
            for r in results
        ],  # fmt: skip
        [8, 30, 10, 12],
    )
    sheet(
        wb.create_sheet("得分明细"),
        ["对象", "规则", "条款", "得分", "满分", "依据数据"],
        [
            [
                label(labels, r["holder_kind"], r["holder"]),
                titles.get(c["rule"], c["rule"]),
                c["clause"],
                c.get("points"),
                c.get("max"),
                ex.sentence(c.get("facts", {})),
            ]
            for r in results
            for c in r.get("components", [])
        ],  # fmt: skip
        [28, 40, 14, 10, 10, 60],
    )
    lists = result.get("lists", {})
    sheet(
        wb.create_sheet("榜单"),
        ["榜单", "对象"],
        [["一马当先榜", label(labels, *_kind_key(x))] for x in lists.get("front_runners", [])]
        + [["奋起直追榜", label(labels, *_kind_key(x))] for x in lists.get("catch_up", [])],
        [14, 30],
    )
    sheet(
        wb.create_sheet("预警标记"),
        ["类别", "对象", "条款", "原因"],
        [
            [
                FLAG_LABELS.get(f["kind"], f["kind"]),
                label(labels, f.get("holder_kind", "unit"), f["holder"]),
                f["clause"],
                f.get("reason", ""),
            ]
            for f in result.get("flags", [])
        ],  # fmt: skip
        [16, 30, 14, 60],
    )
    sheet(
        wb.create_sheet("资金与奖励"),
        ["类别", "对象", "项目", "金额（万元）", "条款", "暂缓兑现原因"],
        [
            [
                AMOUNT_LABELS.get(a["kind"], a["kind"]),
                label(labels, a.get("holder_kind", "unit"), a["holder"]),
                ex.project(a["project"]) if a.get("project") else "",
                a["amount_wan"],
                a["clause"],
                a.get("held", ""),
            ]
            for a in result.get("amounts", [])
        ],  # fmt: skip
        [14, 30, 30, 14, 14, 40],
    )
    return wb


def _kind_key(entry):
    if isinstance(entry, dict):
        return entry.get("holder_kind", "unit"), entry.get("holder", "")
    return "unit", str(entry)


def present_cached(run, *, user=None) -> dict:
    """`present(run, user=user)` through the page cache (core/pagecache.py): keyed on the run, its
    last change, the viewer's membership and the data version (names and projects it shows)."""
    from zhaoshang.core.pagecache import cached

    stamp = run.updated.isoformat() if getattr(run, "updated", None) else ""
    return cached("assessment.present", user, (run.pk, stamp), lambda: present(run, user=user))


def present(run, *, user=None) -> dict:
    """A run's stored JSON with names people know: rule titles, team names, grouped by holder
    kind, every component's facts as a Chinese explanation (`explain`), flags and amounts with
    their kinds' names. Shared by the run's page, the dashboards, the rankings page and the
    bulletins; `user` limits the project names shown to those the user may see."""
    result = run.result
    ex = explainer_for(run.policy, result, user=user)
    labels, titles = ex.holders, ex.rules  # read once, by the explainer
    badges = clause_badges(run.policy)
    source = run.policy.spec().document.source

    def clause_of(c: dict) -> dict:
        return badge(badges, source, c.get("clause") or "")

    groups: dict[str, list] = {}
    for r in sorted(result.get("results", []), key=lambda r: (r.get("rank") is None, r.get("rank") or 0)):
        comps = [
            {
                **c,
                "title": titles.get(c["rule"], c["rule"]),
                "badge": clause_of(c),
                "facts_items": ex.facts(c.get("facts", {})),
                "explanation": ex.sentence(c.get("facts", {})),
            }
            for c in r.get("components", [])
        ]
        score_by = next((c["facts"]["score_by"] for c in comps if "score_by" in c.get("facts", {})), None)
        for c in comps:
            if "score_by" in c.get("facts", {}):
                c["points_text"] = ex.score(c.get("points"), c["facts"]["score_by"])
            elif c.get("points") is not None:
                c["points_text"] = number(c["points"])
            c["max_text"] = number(c["max"]) if c.get("max") is not None else "—"
        groups.setdefault(r["holder_kind"], []).append(
            {
                **r,
                "label": label(labels, r["holder_kind"], r["holder"]),
                "components": comps,
                "score_text": ex.score(r.get("score"), score_by),
            }
        )
    lists = {
        name: [label(labels, *_kind_key(x)) for x in result.get("lists", {}).get(name, [])]
        for name in ("front_runners", "catch_up")
    }
    flags = [
        {
            **f,
            "label": label(labels, f.get("holder_kind", "unit"), f["holder"]),
            "title": titles.get(f.get("rule"), ""),
            "kind_label": flag_label(f.get("kind"), titles.get(f.get("rule"), "")),
            "reason_text": amounts_in_text(f.get("reason", "")),
            "badge": clause_of(f),
        }
        for f in result.get("flags", [])
    ]
    amounts = [
        {**a, "label": label(labels, a.get("holder_kind", "unit"), a["holder"]),
         "kind_label": AMOUNT_LABELS.get(a["kind"], a["kind"]),
         "project_label": ex.project(a["project"]) if a.get("project") else "",
         "amount_text": zhformat.wan(a["amount_wan"]),
         "badge": clause_of(a)}
        for a in result.get("amounts", [])
    ]  # fmt: skip
    warnings = [
        {
            **w,
            "label": label(labels, w.get("holder_kind", "unit"), w.get("holder", "")),
            "kind_label": flag_label(w.get("kind"), titles.get(w.get("rule"), "")),
            "reason_text": amounts_in_text(w.get("reason", "")),
            "badge": clause_of(w),
        }
        for w in (run.forecast or {}).get("warnings", [])
    ]
    projections = [
        {**p, "label": label(labels, p.get("holder_kind", "unit"), p.get("holder", "")),
         "title": titles.get(p.get("rule"), p.get("rule")),
         "badge": clause_of(p)}
        for p in (run.forecast or {}).get("projections", [])
    ]  # fmt: skip
    projections.sort(key=lambda p: Decimal(p.get("projected_completion") or p.get("completion") or 0))
    return {
        "document_title": run.policy.spec().document.title,
        "clauses": [b for b in badges.values() if b["label"]],
        "projections": projections,
        "groups": [(KIND_LABELS.get(k, k), rows) for k, rows in groups.items()],
        # The same rows with each one's place in words and long runs of ties as one line.
        "blocks": [(KIND_LABELS.get(k, k), tie_blocks(rows)) for k, rows in groups.items()],
        "lists": lists,
        "flags": flags,
        "amounts": amounts,
        "warnings": warnings,
    }
