"""Assessment results as an Excel workbook and as rows for pages: holder keys become the names
people know, rule ids their titles, and every row keeps its clause."""

from __future__ import annotations

import json
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from zhaoshang.org.models import Jurisdiction, Policy, Team

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


def label(labels, kind, key) -> str:
    return labels.get((kind, key), key)


def _safe(v):
    """Cells never start a formula, whatever a name contains."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return "'" + v
    return v


def _num(v):
    return Decimal(v) if isinstance(v, str) and v.replace(".", "", 1).lstrip("-").isdigit() else v


def result_workbook(result: dict, policy: Policy) -> Workbook:
    labels, titles = holder_labels(policy), rule_titles(policy)
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
                json.dumps(c.get("facts", {}), ensure_ascii=False),
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
                f["kind"],
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
        ["类别", "对象", "项目", "金额（万元）", "条款"],
        [
            [
                AMOUNT_LABELS.get(a["kind"], a["kind"]),
                label(labels, a.get("holder_kind", "unit"), a["holder"]),
                a.get("project") or "",
                a["amount_wan"],
                a["clause"],
            ]
            for a in result.get("amounts", [])
        ],  # fmt: skip
        [14, 30, 30, 14, 14],
    )
    return wb


def _kind_key(entry):
    if isinstance(entry, dict):
        return entry.get("holder_kind", "unit"), entry.get("holder", "")
    return "unit", str(entry)


def present(run) -> dict:
    """A run's stored JSON with names people know: rule titles, team names, grouped by holder
    kind. Shared by the run's page, the dashboards, the rankings page and the bulletins."""
    labels, titles = holder_labels(run.policy), rule_titles(run.policy)
    result = run.result
    groups: dict[str, list] = {}
    for r in sorted(result.get("results", []), key=lambda r: (r.get("rank") is None, r.get("rank") or 0)):
        comps = [
            {**c, "title": titles.get(c["rule"], c["rule"]), "facts_items": list(c.get("facts", {}).items())}
            for c in r.get("components", [])
        ]
        groups.setdefault(r["holder_kind"], []).append(
            {**r, "label": label(labels, r["holder_kind"], r["holder"]), "components": comps}
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
        }
        for f in result.get("flags", [])
    ]
    amounts = [
        {**a, "label": label(labels, a.get("holder_kind", "unit"), a["holder"]),
         "kind_label": AMOUNT_LABELS.get(a["kind"], a["kind"])}
        for a in result.get("amounts", [])
    ]  # fmt: skip
    warnings = [
        {
            **w,
            "label": label(labels, w.get("holder_kind", "unit"), w.get("holder", "")),
            "kind_label": FLAG_LABELS.get(w.get("kind"), w.get("kind")),
        }
        for w in (run.forecast or {}).get("warnings", [])
    ]
    projections = [
        {**p, "label": label(labels, p.get("holder_kind", "unit"), p.get("holder", "")),
         "title": titles.get(p.get("rule"), p.get("rule"))}
        for p in (run.forecast or {}).get("projections", [])
    ]  # fmt: skip
    projections.sort(key=lambda p: Decimal(p.get("projected_completion") or p.get("completion") or 0))
    return {
        "projections": projections,
        "groups": [(KIND_LABELS.get(k, k), rows) for k, rows in groups.items()],
        "lists": lists,
        "flags": flags,
        "amounts": amounts,
        "warnings": warnings,
    }
