"""Importing what the office enters for assessments: statistics, survey scores, decisions, award
amounts (each for a policy and a holder), and project taxes, evaluations and transfers.

The machinery is the importer's (`importer._run`: limits, the jurisdiction's ImportClaim, all or
nothing in one transaction, `change_context(source="import")`, dry runs); this module reads the
cells that depend on the row's policy and writes the records:

- the policy: the 政策文件 cell (name or title of a policy the user sees), else the one chosen on
  the import page or with `--policy`;
- the holder (对象): a unit by name or alias, a team by name, a person by name or a county by
  name or code, within the policy's jurisdiction; 对象类型 says which when a name is several;
- a statistic's metric by its Chinese label among those the policy declares
  (`assessment.models.policy_metrics`), a decision by its label or key among those the policy's
  rules read, an award by its rule's id or title;
- a period as the office writes it (2024年6月, 2024年第二季度…), stored as the engine's token.

Each record is then checked by the model's own `clean()` (the rule the form and the API apply)
and the one write-scope rule (`core.scoping.write_scope_errors`). A row is matched on its natural
key, so importing a file twice changes nothing: a statistic by policy, holder, metric and
period; a survey score by policy, holder and period; a decision by policy, key, holder and
period; an award amount by policy, rule, grade, holder and project; a tax by project and month;
an evaluation by project and year; a transfer by project.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q

from zhaoshang.assessment.models import (
    AwardDecision,
    HolderRef,
    MetricValue,
    OfficeDecision,
    ProjectEvaluation,
    ProjectTax,
    ProjectTransfer,
    SurveyScore,
    policy_award_rules,
    policy_decisions,
    policy_metrics,
)
from zhaoshang.core.changelog import record_many, snapshot
from zhaoshang.core.scoping import write_scope_errors
from zhaoshang.org.models import Jurisdiction, Person, Policy, Team, Unit

from .importer import (
    OUT_OF_SCOPE,
    ImportError,
    _fetch,
    _Import,
    _ProjectLookup,
    _Row,
    _stamp,
    _visible_ids,
    find_unit,
)
from .layouts import (
    AWARDS,
    DECISIONS,
    EVALUATIONS,
    METRICS,
    SURVEYS,
    TAXES,
    TRANSFERS,
    CellError,
    office_period,
)

HOLDER_FIELDS = ("team", "unit", "person", "holder_jurisdiction")


def policy_by_text(text: str, user) -> Policy:
    """A policy the user sees, by its name (xinfeng-2024) or its title."""
    visible = Policy.objects.visible_to(user).select_related("jurisdiction")
    hits = list(visible.filter(Q(name=text) | Q(title=text))[:2])
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise CellError(f"有多个政策文件名为“{text}”，请填写政策文件名称（如 {hits[0].name}）")
    names = "、".join(visible.order_by("-start").values_list("name", flat=True)[:10])
    raise CellError(f"未找到政策文件“{text}”（应为您可见的政策文件名称或标题：{names or '无'}）")


class _EntryImport(_Import):
    """One kind of entry: `build(row)` gives the record's values (or None after an error),
    `key(values)` its natural key, `load(rows)` the stored records those keys may match."""

    model: type
    fields: tuple[str, ...]  # what a row sets besides its key
    key_headers: tuple[str, ...]  # where a duplicate row is reported

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._policies: dict[str, Policy | CellError] = {}

    # --- the run ---------------------------------------------------------------------------------

    def validate(self) -> None:
        self.parse_cells()
        planned: list[tuple[_Row, dict]] = []
        for row in self.rows:
            if row.bad:
                continue
            values = self.build(row)
            if values is not None and not row.bad:
                planned.append((row, values))
        self.existing = self.load([values for _, values in planned])
        self.new: list = []
        self.changed: list[tuple[Any, dict]] = []
        seen: dict[tuple, int] = {}
        for row, values in planned:
            key = self.key(values)
            if key in seen:
                self.error(row, self.key_headers[-1], f"与第{seen[key]}行重复：{self.duplicate_text}")
                continue
            seen[key] = row.number
            self.plan(row, values, self.existing.get(key))

    def plan(self, row: _Row, values: dict, stored) -> None:
        if stored is None:
            obj = self.model(**values)
            before = None
        else:
            if all(getattr(stored, f) == values[f] for f in self.fields):
                return
            before = snapshot(stored)
            obj = stored
            for f in self.fields:
                setattr(obj, f, values[f])
        if not self.check(row, obj, stored):
            return
        if stored is None:
            self.new.append(obj)
            row.outcome = "created"
        else:
            self.changed.append((obj, before))
            row.outcome = "updated"

    def check(self, row: _Row, obj, stored) -> bool:
        """The model's own rules (`clean()`, field validators) and the write scope, by column."""
        relations = [f.name for f in self.model._meta.concrete_fields if f.is_relation]
        try:
            obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.error(row, self.header_of(name), message)
            return False
        problems = write_scope_errors(self.actor.user, obj, before=stored)
        for name, message in problems.items():
            self.error(row, self.header_of(name), message)
        return not problems

    def header_of(self, field_name: str) -> str:
        if field_name in (*HOLDER_FIELDS, "holder_kind"):
            field_name = "holder"
        for c in self.layout.all_columns:
            if c.field == field_name or c.key == field_name:
                return c.header
        return self.key_headers[0] if field_name == NON_FIELD_ERRORS else self.layout.required[0]

    def write(self) -> None:
        model = self.model
        for obj in self.new:
            self.before_write(obj)
        model.objects.bulk_create(self.new, batch_size=1000)
        record_many(self.new, "create")
        if self.changed:
            whole = _fetch(model, [obj.pk for obj, _ in self.changed])
            objs = []
            for obj, _ in self.changed:
                fresh = whole[obj.pk]
                for f in self.fields:
                    setattr(fresh, f, getattr(obj, f))
                self.before_write(fresh)
                objs.append(fresh)
            _stamp(objs)
            model.objects.bulk_update(objs, [*self.fields, "updated"], batch_size=500)
            record_many(objs, "update", [before for _, before in self.changed])
        self.count()

    def before_write(self, obj) -> None:
        """What `save()` would do that bulk writes skip."""

    def check_scope(self) -> list[ImportError]:
        """Every record written must be one the user can see (as `save_in_scope` asks)."""
        objs = self.new + [obj for obj, _ in self.changed]
        seen = _visible_ids(self.model, self.actor.user, [o.pk for o in objs])
        return [
            ImportError(None, self.key_headers[0], f"“{o}”{OUT_OF_SCOPE}，未导入任何数据")
            for o in objs
            if o.pk not in seen
        ]

    # --- cells read against the policy -----------------------------------------------------------

    def policy(self, row: _Row) -> Policy | None:
        text = row.values.get("policy", "")
        if not text:
            if self.chosen_policy is None:
                self.error(row, "政策文件", "须填写政策文件（或在导入时选择政策文件）")
                return None
            text = self.chosen_policy
        key = text.name if isinstance(text, Policy) else text
        if key not in self._policies:
            try:
                self._policies[key] = policy_by_text(key, self.actor.user)
            except CellError as exc:
                self._policies[key] = exc
        hit = self._policies[key]
        if isinstance(hit, CellError):
            self.error(row, "政策文件", str(hit))
            return None
        return hit

    def period(self, row: _Row, policy: Policy, header: str, key: str = "period") -> str | None:
        try:
            return office_period(row.values.get(key, ""), policy.spec())
        except CellError as exc:
            self.error(row, header, str(exc))
            return None

    def choose(
        self,
        row: _Row,
        header: str,
        text: str,
        known: dict[str, str],
        what: str,
        policy,
        *,
        by_key: bool = True,
    ) -> str | None:
        """A key of `known` ({key: label}) by its label (or, `by_key`, the key itself)."""
        for key, label in known.items():
            if text == label:
                return key
        if by_key and text in known:
            return text
        choices = "、".join(known.values()) or "无"
        self.error(row, header, f"“{text}”不是政策文件“{policy.title}”的{what}，可选：{choices}")
        return None


class _HolderEntry(_EntryImport):
    """Entries for a policy and a holder (assessment.models.HolderRef)."""

    holder_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._holders: dict[tuple, dict | CellError] = {}

    def base(self, row: _Row) -> dict | None:
        """The policy, jurisdiction and holder of a row."""
        policy = self.policy(row)
        if policy is None:
            return None
        values = {"policy": policy, "jurisdiction": policy.jurisdiction, "holder_kind": ""}
        values.update(dict.fromkeys(HOLDER_FIELDS))
        text = row.values.get("holder", "")
        if not text:
            if self.holder_required:
                self.error(row, "对象", "不能为空")
                return None
            if row.values.get("holder_kind"):
                self.error(row, "对象", "填写了对象类型，须填写对象")
                return None
            return values
        key = (policy.pk, row.values.get("holder_kind", ""), text)
        if key not in self._holders:
            try:
                self._holders[key] = self.holder(policy, key[1], text)
            except CellError as exc:
                self._holders[key] = exc
        hit = self._holders[key]
        if isinstance(hit, CellError):
            self.error(row, "对象", str(hit))
            return None
        values.update(hit)
        return values

    def holder(self, policy: Policy, kind: str, text: str) -> dict:
        """{holder_kind, <field>: instance} of the holder named `text` within the policy."""
        user = self.actor.user
        path = policy.jurisdiction.path
        finders = {
            "team": lambda: (
                Team.objects.visible_to(user).filter(policy=policy).filter(Q(name=text) | Q(key=text)).first()
            ),
            "unit": lambda: self._unit(policy, text),
            "person": lambda: (
                Person.objects.visible_to(user).filter(jurisdiction__path__startswith=path, name=text).first()
            ),
            "holder_jurisdiction": lambda: (
                Jurisdiction.objects.visible_to(user)
                .filter(path__startswith=path)
                .filter(Q(name=text) | Q(code=text))
                .first()
            ),
        }
        field_of = {"team": "team", "unit": "unit", "person": "person", "jurisdiction": "holder_jurisdiction"}
        kinds = [kind] if kind else list(field_of)
        found = {}
        for k in kinds:
            hit = finders[field_of[k]]()
            if hit is not None:
                found[k] = hit
        labels = dict(HolderRef.Holder.choices)
        if not found:
            what = labels[kind] if kind else "对象"
            raise CellError(f"在政策文件“{policy.title}”中未找到{what}“{text}”（应为{_HOLDER_HELP}）")
        if len(found) > 1:
            both = "、".join(labels[k] for k in found)
            raise CellError(f"“{text}”既可能是{both}，请在“对象类型”列注明")
        (k, obj), *_ = found.items()
        return {"holder_kind": k, field_of[k]: obj}

    def _unit(self, policy: Policy, text: str) -> Unit | None:
        within = Unit.objects.visible_to(self.actor.user).filter(
            jurisdiction__path__startswith=policy.jurisdiction.path
        )
        try:
            return find_unit(text, within.select_related("jurisdiction"), policy.jurisdiction_id)
        except CellError as exc:
            if "多个行政区划" in str(exc):
                raise
            return None

    def holder_key(self, v: dict) -> tuple:
        return (v["policy"].pk, v["holder_kind"], *(getattr(v[f], "pk", None) for f in HOLDER_FIELDS))

    def stored_key(self, obj) -> tuple:
        return (
            obj.policy_id,
            obj.holder_kind,
            obj.team_id,
            obj.unit_id,
            obj.person_id,
            obj.holder_jurisdiction_id,
        )

    def load(self, planned: list[dict]) -> dict[tuple, Any]:
        policies = {v["policy"].pk for v in planned}
        out = {}
        for obj in self.model.objects.filter(policy_id__in=policies).order_by("pk"):
            out.setdefault(self.key_of(obj), obj)
        return out

    def key(self, v: dict) -> tuple:
        raise NotImplementedError

    def key_of(self, obj) -> tuple:
        raise NotImplementedError


_HOLDER_HELP = "单位名称或别名、团队名称、人员姓名或县（市、区）名称"


class _MetricImport(_HolderEntry):
    model = MetricValue
    fields = ("value", "source")
    key_headers = ("对象", "指标", "期间")
    duplicate_text = "同一政策文件、对象、指标和期间只能有一行"

    def build(self, row: _Row) -> dict | None:
        v = self.base(row)
        if v is None:
            return None
        policy = v["policy"]
        metric = self.choose(
            row, "指标", row.values["metric"], policy_metrics(policy), "统计指标", policy, by_key=False
        )
        period = self.period(row, policy, "期间")
        if metric is None or period is None:
            return None
        return {**v, "metric": metric, "period": period, "value": row.values["value"],
                "source": row.values.get("source", "")}  # fmt: skip

    def key(self, v):
        return (*self.holder_key(v), v["metric"], v["period"])

    def key_of(self, obj):
        return (*self.stored_key(obj), obj.metric, obj.period)


class _SurveyImport(_HolderEntry):
    model = SurveyScore
    fields = ("score",)
    key_headers = ("对象", "测评期")
    duplicate_text = "同一政策文件、对象和测评期只能有一行"

    def build(self, row):
        v = self.base(row)
        if v is None:
            return None
        period = self.period(row, v["policy"], "测评期")
        if period is None:
            return None
        return {**v, "period": period, "score": row.values["score"]}

    def key(self, v):
        return (*self.holder_key(v), v["period"])

    def key_of(self, obj):
        return (*self.stored_key(obj), obj.period)


class _DecisionImport(_HolderEntry):
    model = OfficeDecision
    fields = ("reason",)
    key_headers = ("认定事项", "对象", "期间")
    duplicate_text = "同一政策文件、认定事项、对象和期间只能有一行"

    def build(self, row):
        v = self.base(row)
        if v is None:
            return None
        policy = v["policy"]
        key = self.choose(row, "认定事项", row.values["key"], policy_decisions(policy), "认定事项", policy)
        period = self.period(row, policy, "期间") if row.values.get("period") else ""
        if key is None or period is None:
            return None
        return {**v, "key": key, "period": period, "reason": row.values.get("reason", "")}

    def key(self, v):
        return (*self.holder_key(v), v["key"], v["period"])

    def key_of(self, obj):
        return (*self.stored_key(obj), obj.key, obj.period)


class _AwardImport(_ProjectLookup, _HolderEntry):
    model = AwardDecision
    fields = ("amount_wan",)
    key_headers = ("对象", "规则")
    duplicate_text = "同一政策文件、规则、等次、对象和项目只能有一行"
    holder_required = False

    def parse_cells(self) -> None:
        super().parse_cells()
        self.load_projects(key="project_name")

    def build(self, row):
        v = self.base(row)
        if v is None:
            return None
        policy = v["policy"]
        text = row.values["rule"]
        known = policy_award_rules(policy)
        rule = text if text in known else next((k for k, title in known.items() if title == text), None)
        if rule is None:
            choices = "、".join(f"{title}（{k}）" for k, title in known.items()) or "无"
            self.error(row, "规则", f"“{text}”不是政策文件“{policy.title}”的奖励规则，可选：{choices}")
            return None
        project = None
        if row.values.get("project_name"):
            project = self.project_of(row, key="project_name", header="项目")
            if project is None:
                return None
        return {**v, "rule": rule, "grade": row.values.get("grade", ""), "project": project,
                "amount_wan": row.values["amount_wan"]}  # fmt: skip

    def key(self, v):
        return (*self.holder_key(v), v["rule"], v["grade"], getattr(v["project"], "pk", None))

    def key_of(self, obj):
        return (*self.stored_key(obj), obj.rule, obj.grade, obj.project_id)


# --- Project entries -------------------------------------------------------------------------------


class _ProjectEntry(_ProjectLookup, _EntryImport):
    """Entries for a registered project, named by 项目名称 (and 统一社会信用代码)."""

    def parse_cells(self) -> None:
        super().parse_cells()
        self.load_projects()

    def build(self, row: _Row) -> dict | None:
        project = self.project_of(row)
        return self.values(row, project) if project is not None else None

    def load(self, planned: list[dict]) -> dict[tuple, Any]:
        projects = {v["project"].pk for v in planned}
        records = self.model.objects.filter(project_id__in=projects).select_related("project")
        return {self.key_of(obj): obj for obj in records}


class _TaxImport(_ProjectEntry):
    model = ProjectTax
    fields = ("amount_wan",)
    key_headers = ("项目名称", "月份")
    duplicate_text = "同一项目、月份只能有一行"

    def values(self, row, project):
        return {"project": project, "month": row.values["month"], "amount_wan": row.values["amount_wan"]}

    def key(self, v):
        return (v["project"].pk, v["month"])

    def key_of(self, obj):
        return (obj.project_id, obj.month)

    def before_write(self, obj):
        obj.month = obj.month.replace(day=1)


class _EvaluationImport(_ProjectEntry):
    model = ProjectEvaluation
    fields = ("in_statistics", "tax_paid", "investment_verified", "note")
    key_headers = ("项目名称", "年度")
    duplicate_text = "同一项目、年度只能有一行"

    def values(self, row, project):
        v = row.values
        return {"project": project, "year": v["year"], **{f: v.get(f, None) for f in self.fields[:3]},
                "note": v.get("note", "")}  # fmt: skip

    def key(self, v):
        return (v["project"].pk, v["year"])

    def key_of(self, obj):
        return (obj.project_id, obj.year)


class _TransferImport(_ProjectEntry):
    model = ProjectTransfer
    fields = ("hosting", "introducing_share", "agreed_on")
    key_headers = ("项目名称",)
    duplicate_text = "一个项目只能流转一次"

    def values(self, row, project):
        text = row.values["hosting"]
        hosting = (
            Jurisdiction.objects.visible_to(self.actor.user)
            .filter(Q(name=text) | Q(code=text))
            .exclude(level=Jurisdiction.Level.PROVINCE)
            .first()
        )
        if hosting is None:
            self.error(row, "落地县", f"未找到县（市、区）“{text}”（应为您可见的行政区划名称）")
            return None
        return {"project": project, "hosting": hosting, "introducing_share": row.values.get("introducing_share"),
                "agreed_on": row.values["agreed_on"]}  # fmt: skip

    def key(self, v):
        return (v["project"].pk,)

    def key_of(self, obj):
        return (obj.project_id,)


# Each kind: the model whose change permission it needs, and the job that imports it.
ENTRY_JOBS = {
    METRICS.kind: (MetricValue, _MetricImport),
    SURVEYS.kind: (SurveyScore, _SurveyImport),
    DECISIONS.kind: (OfficeDecision, _DecisionImport),
    AWARDS.kind: (AwardDecision, _AwardImport),
    TAXES.kind: (ProjectTax, _TaxImport),
    EVALUATIONS.kind: (ProjectEvaluation, _EvaluationImport),
    TRANSFERS.kind: (ProjectTransfer, _TransferImport),
}
