"""合同义务 (contract obligations) in Excel: what a project's contract promised and by when, and
when it was kept, for 合同履约率 (003 §二(三)). One row per obligation, identified by 项目 +
义务类别 + 约定期限; a row that names a stored obligation updates what it says of it.

The same model checks as the form and the API (`ContractObligation.full_clean`: the dates within
2000–2100, an amount for 投资额、产值、税收); a 履行日期 later than today is refused. The
layout, the import job and the export are registered with the other sheets when the app loads
(`apps.Config.ready`).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from zhaoshang.core.changelog import record_many, snapshot
from zhaoshang.ledger.models import ContractObligation

from .layouts import (
    PROJECT_NAME_COLUMN,
    PROJECT_USCC_COLUMN,
    Column,
    Layout,
    choice_parser,
    parse_date,
    parse_decimal,
    text_parser,
)

OBLIGATIONS = Layout(
    kind="obligations",
    title="合同义务",
    sheet="合同义务",
    columns=(
        PROJECT_NAME_COLUMN,
        PROJECT_USCC_COLUMN,
        Column(
            "义务类别",
            "kind",
            "kind",
            choice_parser(ContractObligation.Kind),
            lambda o, c: o.get_kind_display(),
            required=True,
            note="、".join(ContractObligation.Kind.labels),
        ),
        Column("约定内容", "content", "content", text_parser(200), lambda o, c: o.content, width=30),
        Column(
            "约定金额（万元）",
            "amount",
            "amount",
            parse_decimal,
            lambda o, c: o.amount,
            kind="decimal",
            note="投资额、产值、税收、亩均投资、亩均税收（万元/亩）、就业人数（人）义务必填",
        ),
        Column(
            "约定期限",
            "due_on",
            "due_on",
            parse_date,
            lambda o, c: o.due_on,
            required=True,
            kind="date",
            note="合同约定的履行期限，如 2024-06-30",
        ),
        Column(
            "履行日期",
            "fulfilled_on",
            "fulfilled_on",
            parse_date,
            lambda o, c: o.fulfilled_on,
            kind="date",
            note="实际履行之日；未履行不填。不晚于约定期限为按期履约",
        ),
        Column(
            "实际完成数",
            "actual_amount",
            "actual_amount",
            parse_decimal,
            lambda o, c: o.actual_amount,
            kind="decimal",
            note="产值、就业人数等台账不记录的义务由招商办填写；投资、开工、投产、税收按台账计算",
        ),
        Column("备注", "note", "note", text_parser(200), lambda o, c: o.note, width=20),
    ),
)
NOTES = [
    "一行为一个项目的一项合同义务；项目须已登记且您可见（先导入项目表），项目名称重复时填写统一社会信用代码区分。",
    "以“项目 + 义务类别 + 约定期限”识别：重复导入同一文件不会重复登记，只更新有变化的行。",
    "投资额、产值、税收义务须填写约定金额（万元），亩均投资、亩均税收以万元/亩计，就业人数以人计；履行日期不能晚于今天，未履行不填。",
    "投资额、亩均投资按台账实际进资累计，开工、投产按项目阶段日期，税收、亩均税收按近12个月项目税收判断履约；产值、就业人数等按招商办填写的实际完成数和履行日期。",
    "合同履约率 = 按约定期限履行的义务 ÷ 截至考核日已到期的义务；未到期的不计，逾期履行的不计为按期履约。",
    "整表校验：有任何一处错误则全部不导入，并列出每处错误的行号、列名和原因。",
]
# What a row sets besides its key; a column missing from the sheet leaves the stored value.
_FIELDS = {"content": "", "amount": None, "fulfilled_on": None, "actual_amount": None, "note": ""}
_HEADERS = {c.key: c.header for c in OBLIGATIONS.columns}


def obligation_queryset(qs):
    qs = qs.select_related("project__enterprise")
    return qs if qs.query.order_by else qs.order_by("project__name", "due_on", "id")


def export_obligations(queryset=None, *, user=None, out=None) -> bytes | None:
    from .exporter import export_records

    if queryset is None:
        queryset = (
            ContractObligation.objects.visible_to(user)
            if user is not None
            else ContractObligation.objects.all()
        )
    return export_records(
        OBLIGATIONS, obligation_queryset(queryset).iterator(chunk_size=2000), user=user, out=out
    )


def _job():
    from .importer import OUT_OF_SCOPE, ImportError, _Import, _ProjectLookup, _stamp, _visible_ids

    class _ObligationImport(_ProjectLookup, _Import):
        def validate(self) -> None:
            self.parse_cells()
            self.load_projects()
            projects = {p.pk for ps in self.by_name.values() for p in ps}
            self.existing: dict[tuple[int, str, date], ContractObligation] = {
                (o.project_id, o.kind, o.due_on): o
                for o in ContractObligation.objects.filter(project_id__in=projects).select_related("project")
            }
            self.new: list[ContractObligation] = []
            self.changed: list[tuple[ContractObligation, dict]] = []
            seen: dict[tuple, int] = {}
            for row in self.rows:
                if row.bad:
                    continue
                v = row.values
                project = self.project_of(row)
                if project is None:
                    continue
                if not self.actor.in_scope(project.unit):
                    self.error(
                        row,
                        "项目名称",
                        f"“{project.name}”{OUT_OF_SCOPE}（联络员只能导入本单位或本团队的项目）",
                    )
                    continue
                done = v.get("fulfilled_on")
                if done is not None and done > self.today:
                    self.error(
                        row, "履行日期", f"不能晚于今天（{self.today:%Y-%m-%d}），实为“{done:%Y-%m-%d}”"
                    )
                    continue
                key = (project.pk, v["kind"], v["due_on"])
                if key in seen:
                    self.error(
                        row, "约定期限", f"与第{seen[key]}行重复：同一项目、义务类别和约定期限只能有一行"
                    )
                    continue
                seen[key] = row.number
                obj = self.existing.get(key)
                given = {f: v.get(f, default) for f, default in _FIELDS.items() if f in self.has}
                if obj is None:
                    obj = ContractObligation(project=project, kind=v["kind"], due_on=v["due_on"], **given)
                    if self.checked(row, obj):
                        self.new.append(obj)
                        row.outcome = "created"
                    continue
                changes = {f: x for f, x in given.items() if getattr(obj, f) != x}
                if not changes:
                    continue
                before = snapshot(obj)
                for f, x in changes.items():
                    setattr(obj, f, x)
                if self.checked(row, obj):
                    self.changed.append((obj, before))
                    row.outcome = "updated"

        def checked(self, row, obj: ContractObligation) -> bool:
            """The model's own validation, each message on its column."""
            try:
                obj.full_clean(exclude=["project"])
            except ValidationError as e:
                for f, messages in e.message_dict.items():
                    self.error(row, _HEADERS.get(f), "；".join(messages))
                return False
            return True

        def write(self) -> None:
            ContractObligation.objects.bulk_create(self.new, batch_size=1000)
            record_many(self.new, "create")
            if self.changed:
                objs = [o for o, _ in self.changed]
                _stamp(objs)
                ContractObligation.objects.bulk_update(objs, [*_FIELDS, "updated"], batch_size=500)
                record_many(objs, "update", [b for _, b in self.changed])
            self.count()

        def check_scope(self) -> list:
            if not self.actor.clerk:
                return []
            objs = self.new + [o for o, _ in self.changed]
            seen = _visible_ids(ContractObligation, self.actor.user, [o.pk for o in objs])
            return [
                ImportError(None, "项目名称", f"“{o}”{OUT_OF_SCOPE}，未导入任何数据")
                for o in objs
                if o.pk not in seen
            ]

    return _ObligationImport


def register() -> None:
    """Add the sheet to the import, export and template registries (called once, at app load)."""
    from zhaoshang.ledger.filters import ContractObligationFilterSet

    from . import exporter, importer, layouts, views

    if OBLIGATIONS.kind in layouts.LAYOUTS:
        return
    layouts.LAYOUTS[OBLIGATIONS.kind] = OBLIGATIONS
    importer._JOBS[OBLIGATIONS.kind] = (ContractObligation, _job())
    exporter._EXPORTS[OBLIGATIONS.kind] = export_obligations
    views.MODELS[OBLIGATIONS.kind] = (
        ContractObligation,
        ContractObligationFilterSet,
        "ledger:contractobligation_list",
    )
    views.SORTS[OBLIGATIONS.kind] = {"due_on", "fulfilled_on", "amount"}
    exporter._GENERAL_NOTES[OBLIGATIONS.kind] = NOTES
    exporter._CHOICES.setdefault("义务类别", list(ContractObligation.Kind.labels))
