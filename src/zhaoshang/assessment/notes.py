"""The run's data notes: a fact a rule reads that nobody has entered, where it is filled, and
which rules read it (issue 10 point 2).

`data_notes` is the one place the notes are written: `services.compute` stores them on the run,
so the run page, `/api/assessments/` and `zhaoshang assess` all show the same plain text. The run
page links the screen each note names (`linked`), by the screen's name in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import reverse

from zhaoshang.core import zhformat
from zhaoshang.engine import facts as ef


@dataclass(frozen=True)
class Source:
    screen: str  # the screen's title, as the menus and list pages show it
    how: str  # what to do there, after “请在“screen””
    url_name: str  # its list page


# Where each kind of fact is filled.
SOURCES: dict[str, Source] = {
    "statistics": Source("统计数据", "中录入或 Excel 导入", "assessment:metricvalue_list"),
    "surveys": Source("满意度测评", "中录入各期测评得分，或 Excel 导入", "assessment:surveyscore_list"),
    "decisions": Source("认定事项", "中录入办公室的认定，或 Excel 导入", "assessment:officedecision_list"),
    "awards": Source("奖励金额", "中录入领导小组确定的金额，或 Excel 导入", "assessment:awarddecision_list"),
    "evaluations": Source(
        "落地项目评估", "中录入各年度的评估，或 Excel 导入", "assessment:projectevaluation_list"
    ),
    "transfers": Source(
        "项目流转", "中录入流转项目与分成比例，或 Excel 导入", "assessment:projecttransfer_list"
    ),
    "taxes": Source("项目税收", "中录入流转项目各月的地方税收，或 Excel 导入", "assessment:projecttax_list"),
    "projects": Source("项目", "的表单或项目导入表的相应列中填写", "ledger:project_list"),
    "enterprises": Source(
        "企业（客商）",
        "的表单或项目导入表中填写僵尸企业类别、认定日期和复工复产日期",
        "ledger:enterprise_list",
    ),
    "obligations": Source(
        "合同义务",
        "中逐项登记（或在项目页“添加合同义务”、用合同义务导入表）",
        "ledger:contractobligation_list",
    ),
}


@dataclass(frozen=True)
class Missing:
    """A fact no source gave: what it is, where it is filled, and the rules that read it."""

    what: str  # the whole lead: 缺少指标“…”的数据, 台账中尚无…
    source: str  # a key of SOURCES
    rules: tuple[str, ...]  # “title（clause）”

    def text(self) -> str:
        src = SOURCES[self.source]
        out = f"{self.what}：请在“{src.screen}”{src.how}"
        if self.rules:
            out += f"。读取它的规则：{'；'.join(self.rules)}"
        return out


def _cite(rule) -> str:
    return f"{rule.title}（{zhformat.clause(rule.clause)}）"


def _reads(obj, key: str, value: str) -> bool:
    return re.search(rf'"{key}":\s*"{re.escape(value)}"', obj.model_dump_json()) is not None


def _metric_readers(spec, metric: str) -> tuple[str, ...]:
    rules = [_cite(r) for r in spec.rules if _reads(r, "metric", metric)]
    targets = [t for t in spec.targets if t.metric == metric]
    targets += [t for x in (*spec.teams, *spec.groups) for t in x.targets if t.metric == metric]
    name = spec.metric(metric).label if spec.metric(metric) else metric
    rules += sorted({f"目标：{t.text or name}（{zhformat.clause(t.clause)}）" for t in targets})
    return tuple(rules)


def _values(data, key: str):
    """Every value of `key` in nested data (a rule's conditions…)."""
    if isinstance(data, dict):
        for k, v in data.items():
            if k == key and v:
                yield v
            yield from _values(v, key)
    elif isinstance(data, list):
        for v in data:
            yield from _values(v, key)


def missing_facts(spec, facts: ef.Facts, missing_metrics, attribute_present=None) -> list[Missing]:
    """The facts the policy's rules read that nobody has entered. `missing_metrics`: the metrics
    no source provided (assessment/facts.py); `attribute_present(attribute) -> bool`: whether
    any project of the jurisdiction has that project attribute (None: not checked)."""
    out: list[Missing] = []
    for m in missing_metrics:
        metric = spec.metric(m)
        label = f"缺少指标“{metric.label}”的数据" if metric else f"缺少指标“{m}”的数据"
        out.append(Missing(label, "statistics", _metric_readers(spec, m)))

    def rules_of(*types):
        return [r for r in spec.rules if r.type in types]

    if (surveys := rules_of("survey")) and not facts.surveys:
        out.append(Missing("缺少满意度测评得分", "surveys", tuple(_cite(r) for r in surveys)))
    decided = {d.key for d in facts.decisions}
    prior_rules = {p.rule for p in facts.prior}
    keys: dict[str, list[str]] = {}
    for r in spec.rules:
        data = r.model_dump()
        for key in _values(data.get("conditions", []), "office_named"):
            keys.setdefault(key, []).append(_cite(r))
        previous = data.get("previous_office_named")
        # Last period's list is needed only where no published result of it gives it.
        if previous and r.id not in prior_rules:
            keys.setdefault(previous, []).append(_cite(r))
    for key, rules in keys.items():
        if key not in decided:
            from .models import DECISION_LABELS

            what = DECISION_LABELS.get(key) or key
            out.append(Missing(f"缺少办公室的认定事项“{what}”", "decisions", tuple(dict.fromkeys(rules))))
    for r in rules_of("award_quota"):
        if any(g.amount_wan is None for g in r.grades) and not any(
            a.rule == r.id for a in facts.award_amounts
        ):
            out.append(Missing("缺少各等次奖励金额", "awards", (_cite(r),)))
    for r in rules_of("project_award"):
        if not any(a.rule == r.id for a in facts.award_decisions):
            out.append(Missing("缺少项目奖励金额", "awards", (_cite(r),)))
    if (rolling := rules_of("rolling_evaluation")) and not any(p.evaluations for p in facts.projects):
        out.append(Missing("缺少落地项目的年度评估", "evaluations", tuple(_cite(r) for r in rolling)))
    if split := rules_of("transfer_split"):
        moved = [p for p in facts.projects if p.transfer is not None]
        if not moved:
            out.append(
                Missing("尚无流转项目记录（如有流转项目）", "transfers", tuple(_cite(r) for r in split))
            )
        elif not any(p.tax_wan for p in moved):
            out.append(Missing("缺少流转项目的地方税收", "taxes", tuple(_cite(r) for r in split)))
    kpis = [r for r in rules_of("project_kpi") if "contract_fulfilment" in r.rates]
    if kpis and not any(p.obligations for p in facts.projects):
        out.append(Missing("缺少项目的合同义务（合同履约率）", "obligations", tuple(_cite(r) for r in kpis)))
    zombies = [r for r in rules_of("deadline") if r.items == "enterprises"]
    if zombies and not facts.enterprises:
        out.append(Missing("缺少僵尸企业的类别与认定日期", "enterprises", tuple(_cite(r) for r in zombies)))
    if attribute_present is not None:
        from zhaoshang.ledger.models import PROJECT_ATTRIBUTES

        wanted: dict[str, list[str]] = {}
        for r in rules_of("instant_reward"):
            for item in r.items:
                wanted.setdefault(item.attribute, []).append(_cite(r))
        for r in rules_of("land_recovery"):
            if "not_started_on_time" in r.grounds:
                wanted.setdefault("contract_start_due", []).append(_cite(r))
        for attr, rules in wanted.items():
            if not attribute_present(attr):
                what = (
                    "台账中尚无项目填写合同约定开工日期"
                    if attr == "contract_start_due"
                    else f"台账中尚无“{PROJECT_ATTRIBUTES.get(attr, attr)}”的项目（项目属性，或企业类别、外资、产业）"
                )
                out.append(Missing(what, "projects", tuple(dict.fromkeys(rules))))
    return out


def data_notes(spec, facts: ef.Facts, missing_metrics, attribute_present=None) -> list[str]:
    """The notes a run stores: one per missing fact, in plain text."""
    return [m.text() for m in missing_facts(spec, facts, missing_metrics, attribute_present)]


def linked(note: str) -> list[tuple[str, str | None]]:
    """A note in parts, each screen it names (“统计数据”) with the URL of its list page: for the
    run page. Notes of older runs, or without a screen, come back whole."""
    screens = {f"“{s.screen}”": s.url_name for s in SOURCES.values()}
    pattern = "|".join(re.escape(s) for s in sorted(screens, key=len, reverse=True))
    parts: list[tuple[str, str | None]] = []
    pos = 0
    for m in re.finditer(pattern, note):
        if m.start() > pos:
            parts.append((note[pos : m.start()], None))
        parts.append((m.group(0), reverse(screens[m.group(0)])))
        pos = m.end()
    if pos < len(note):
        parts.append((note[pos:], None))
    return parts


def ledger_has(policy, spec):
    """`attribute_present` for `missing_facts`: whether any project of the policy's jurisdiction
    (and those under it) has the attribute, as the assessment counts it (its own, or derived from
    its enterprise, 外资 or the policy's priority industries), or a contract start date. One
    EXISTS query per attribute asked."""
    from zhaoshang.ledger.models import Project

    from .facts import _has, _industry_has

    base = Project.objects.filter(jurisdiction__path__startswith=policy.jurisdiction.path)
    priority = getattr(spec, "priority_industries", None)

    def present(attr: str) -> bool:
        if attr == "contract_start_due":
            return base.filter(contract_start_due__isnull=False).exists()
        return base.filter(_has(attr) | _industry_has(priority, (attr,))).exists()

    return present


_DECISION_KEY = re.compile(r"“([a-z][a-z0-9_]*)”")
_METRIC_KEY = re.compile(r"”（[a-z][a-z0-9_]*）")


def readable(text: str) -> str:
    """A note as the run page shows it, also one a run stored before notes named their decisions,
    metrics and clauses in Chinese: “bottom_three” → “上年度后三名”, (§三(三)) → （第三条（三））."""
    from .models import DECISION_LABELS

    text = _DECISION_KEY.sub(lambda m: f"“{DECISION_LABELS.get(m[1], m[1])}”", str(text))
    return zhformat.clause(_METRIC_KEY.sub("”", text))
