"""Importing the ledger and field work from Excel: all or nothing.

Every row is validated first, and every problem is collected as an `ImportError(row, column,
message)` with Excel's row number and the column's header, so the user fixes the whole sheet at
once. Only when there is none is anything written: in one transaction, inside
`change_context(user=..., source="import")`, with bulk inserts and updates and one change-log
row per record written (`record_many`). New projects, their enterprises and stage changes are
held as plain values, not model instances, and written from them (`core.bulk.insert_rows`: COPY
on PostgreSQL; `record_rows` for the log): at 100,000 rows, instances cost most of the import.
Rows whose values equal what is stored are not written at all, so importing the same file twice
changes nothing, not even `updated` or the log.

The rules are the ledger's own: first-contact ownership (an enterprise another unit registered
first is an error quoting who and when, never a shared project), dated stages (a stage needs its
date; a new project starts its timeline with one StageChange, a changed stage adds one), and
clerks only import for their own unit or team. Activities and leads (信息报送 rows) are matched
by a natural key, described at `_ActivityImport`.
"""

from __future__ import annotations

import copy
import difflib
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from zhaoshang.core.bulk import insert_rows
from zhaoshang.core.changelog import change_context, record_many, record_rows, snapshot
from zhaoshang.core.roles import Role
from zhaoshang.core.scoping import WriteScope, can_change, membership
from zhaoshang.fieldwork.models import Activity, Lead
from zhaoshang.ledger.models import STAGE_ORDER, Enterprise, Investment, Project, StageChange
from zhaoshang.ledger.services import (
    OwnershipMatch,
    name_core,
    ownership_area,
    ownership_enterprises,
    ownership_problem_message,
)
from zhaoshang.org.models import Jurisdiction, Team, Unit
from zhaoshang.org.selectors import team_for_unit, unit_by_name

from .layouts import (
    ACTIVITIES,
    INVESTMENTS,
    LEAD_KIND,
    PROJECTS,
    CellError,
    Column,
    Layout,
    is_blank,
    layout_for,
)
from .models import ImportBusy, ImportClaim
from .reader import ReadError, Sheet, read_sheet

CLERK_ROLES = {Role.TEAM_CLERK, Role.UNIT_CLERK, Role.SUPPORT_UNIT}
IMPORT_REASON = "导入"
OUT_OF_SCOPE = "不在您的权限范围内"


@dataclass(frozen=True)
class ImportError:
    """One problem, with Excel's row number (header = row 1) and the column's header."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row and self.column:
            return f"第{self.row}行【{self.column}】{self.message}"
        if self.row:
            return f"第{self.row}行：{self.message}"
        if self.column:
            return f"【{self.column}】{self.message}"
        return self.message


@dataclass
class ImportResult:
    kind: str
    filename: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    enterprises_created: int = 0
    enterprises_updated: int = 0
    stage_changes: int = 0
    leads_created: int = 0
    leads_updated: int = 0
    errors: list[ImportError] = field(default_factory=list)
    sheet: Sheet | None = field(default=None, repr=False)  # what was read, for the error workbook
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        text = f"新建 {self.created} 条，更新 {self.updated} 条，未变 {self.unchanged} 条"
        extra = []
        if self.enterprises_created:
            extra.append(f"新建企业 {self.enterprises_created} 家")
        if self.enterprises_updated:
            extra.append(f"更新企业 {self.enterprises_updated} 家")
        if self.stage_changes:
            extra.append(f"阶段变更 {self.stage_changes} 条")
        if self.leads_created or self.leads_updated:
            extra.append(f"其中线索信息新建 {self.leads_created} 条、更新 {self.leads_updated} 条")
        return text + (f"（{'，'.join(extra)}）" if extra else "")


class _Rollback(Exception):
    pass


def import_projects(source, *, user, filename: str = "", dry_run: bool = False) -> ImportResult:
    """Import the projects sheet (a path, bytes or an open binary file) as `user`."""
    return _run(PROJECTS, source, user=user, filename=filename, dry_run=dry_run)


def import_investments(source, *, user, filename: str = "", dry_run: bool = False) -> ImportResult:
    """Import the actual-investment sheet as `user`; the projects must already be registered."""
    return _run(INVESTMENTS, source, user=user, filename=filename, dry_run=dry_run)


def import_activities(source, *, user, filename: str = "", dry_run: bool = False) -> ImportResult:
    """Import the field-work sheet as `user`: activities, and leads for rows of 类型 信息报送."""
    return _run(ACTIVITIES, source, user=user, filename=filename, dry_run=dry_run)


def import_file(
    kind: str, source, *, user, filename: str = "", dry_run: bool = False, policy=None
) -> ImportResult:
    """Import a sheet of any kind. `policy` (a Policy or its name): the policy of the office's
    entries (statistics, decisions…) whose rows leave 政策文件 blank."""
    return _run(layout_for(kind), source, user=user, filename=filename, dry_run=dry_run, policy=policy)


def _run(layout: Layout, source, *, user, filename: str, dry_run: bool, policy=None) -> ImportResult:
    if not filename and isinstance(source, str | Path):
        filename = Path(source).name
    result = ImportResult(kind=layout.kind, filename=filename, dry_run=dry_run)
    model, job_class = _JOBS[layout.kind]
    if user is None or not can_change(user, model):
        result.errors.append(ImportError(None, None, denied_message(layout)))
        return result
    try:
        # Refused before parsing when over a limit (reader.check_workbook), then read row by row.
        sheet = read_sheet(source, layout)
    except ReadError as exc:
        result.errors = [ImportError(r, c, m) for r, c, m in exc.problems]
        return result
    # One import per jurisdiction at a time, validation included (it reads what the write relies
    # on): the claim is committed before and released after, whatever happens in between.
    place = membership(user)
    try:
        claim = ImportClaim.take(
            jurisdiction=place.jurisdiction if place is not None else None,
            user=user,
            kind=layout.kind,
            title=layout.title,
            filename=filename,
        )
    except ImportBusy as exc:
        result.errors.append(ImportError(None, None, str(exc)))
        return result
    try:
        result.sheet = sheet
        result.rows = len(sheet.rows)
        actor = _Actor(user)
        job = job_class(layout, sheet, actor, result, policy=policy)
        job.validate()
        if result.errors:
            result.errors.sort(key=lambda e: (e.row or 0, _column_order(layout, e.column)))
            return result
        reason = f"Excel 导入：{filename}" if filename else "Excel 导入"
        try:
            with transaction.atomic(), change_context(user=user, source="import", reason=reason):
                job.write()
                problems = job.check_scope()
                if problems:
                    result.errors.extend(problems)
                    raise _Rollback
                if dry_run:
                    transaction.set_rollback(True)
        except _Rollback:
            pass
        except IntegrityError as exc:
            # A natural key the database holds (one enterprise per code, one project per
            # enterprise and name…) was taken meanwhile by another writer: nothing is imported.
            result.errors.extend(job.conflict_errors(exc))
    finally:
        claim.release()
    if result.errors:
        result.created = result.updated = result.unchanged = 0
        result.enterprises_created = result.enterprises_updated = result.stage_changes = 0
        result.leads_created = result.leads_updated = 0
    return result


# The database's unique keys an import may run into, in the clerk's words: by the constraint's
# name (PostgreSQL says it) or its columns (SQLite says those).
_KEYS = [
    (("project_unique_name_per_enterprise", "ledger_project.enterprise_id, ledger_project.name"),
     "该企业在本行政区划内已有同名项目"),
    (("enterprise_unique_uscc", "ledger_enterprise.jurisdiction_id, ledger_enterprise.uscc"),
     "本行政区划内已有相同统一社会信用代码的企业"),
    (("enterprise_unique_name_without_uscc", "ledger_enterprise.jurisdiction_id, ledger_enterprise.name"),
     "本行政区划内已有同名且未填统一社会信用代码的企业"),
    (("investment_unique_share", "ledger_investment."), "同一项目、月份和计入单位的实际进资已登记"),
]  # fmt: skip


def conflict_message(exc: IntegrityError) -> str:
    text = str(exc)
    what = next((words for keys, words in _KEYS if any(k in text for k in keys)), "与已有记录重复")
    return f"保存时{what}（可能有人同时在导入或登记同一记录），未导入任何数据。请稍候重新导入：已登记的记录将按表格更新，不会重复登记。"


def denied_message(layout: Layout) -> str:
    if layout.kind in ENTRY_JOBS:
        return f"您的角色不能导入{layout.title}数据（需招商办账号）"
    return f"您的角色不能导入{layout.title}数据（需招商办或联络员账号）"


def _column_order(layout: Layout, header: str | None) -> int:
    for i, c in enumerate(layout.all_columns):
        if c.header == header:
            return i
    return -1


# --- Who imports -----------------------------------------------------------------------------------


class _Actor:
    """The importing user: which units they may name, and which units and teams they may import
    for (`scope`: the one rule of core/scoping.py that every write path asks)."""

    def __init__(self, user):
        self.user = user
        self.m = membership(user)
        self.units = Unit.objects.visible_to(user).select_related("jurisdiction")
        self.clerk = not user.is_superuser and self.m is not None and self.m.role in CLERK_ROLES
        self.scope = WriteScope(user)
        self.scope_units: set[int] | None = None if self.scope.unrestricted else self.scope.unit_ids()
        self._units: dict[str, Unit | CellError] = {}
        self._teams: dict[int, Team | None] = {}

    def unit(self, text: str) -> Unit:
        """A unit by name or alias among those the user may see ("县/单位" when a name repeats)."""
        hit = self._units.get(text)
        if hit is None:
            try:
                hit = self._resolve(text)
            except CellError as exc:
                hit = exc
            self._units[text] = hit
        if isinstance(hit, CellError):
            raise hit
        return hit

    def _resolve(self, text: str) -> Unit:
        return find_unit(text, self.units, self.m.jurisdiction_id if self.m is not None else None)

    def in_scope(self, unit: Unit) -> bool:
        return self.scope.unit_problem(unit) is None

    def team_problem(self, team, label: str = "") -> str | None:
        """Why the user may not file a record under this team (an instance, a pk or None), if so."""
        return self.scope.team_problem(team, label)

    def team(self, unit: Unit) -> Team | None:
        """The team a new record of this unit is filed under."""
        if self.clerk and self.m.role == Role.TEAM_CLERK and unit.pk in (self.scope_units or ()):
            return self.m.team
        if unit.pk not in self._teams:
            self._teams[unit.pk] = team_for_unit(unit)
        return self._teams[unit.pk]


def find_unit(text: str, within, own_jurisdiction_id: int | None = None) -> Unit:
    """A unit by name or alias among `within` ("县/单位" when a name repeats; the user's own
    jurisdiction's first), or a CellError saying why not."""
    name = text
    for sep in ("/", "／"):
        if sep in text:
            place, name = (s.strip() for s in text.split(sep, 1))
            within = within.filter(jurisdiction__name=place)
            break
    hits = list(within.filter(name=name)[:20])
    if len(hits) > 1 and own_jurisdiction_id is not None:
        own = [u for u in hits if u.jurisdiction_id == own_jurisdiction_id]
        hits = own or hits
    if len(hits) > 1:
        places = "、".join(u.jurisdiction.name for u in hits[:5])
        raise CellError(
            f"单位“{name}”在多个行政区划都有（{places}），请写成“行政区划/单位”，如“{hits[0].jurisdiction.name}/{name}”"
        )
    unit = hits[0] if hits else unit_by_name(name, within=within)
    if unit is None:
        raise CellError(f"未找到单位“{text}”（应为您可见的单位名称或别名）")
    return unit


# --- Shared row machinery --------------------------------------------------------------------------


class _Row:
    __slots__ = ("number", "values", "bad", "unit", "ent", "outcome")

    def __init__(self, number: int):
        self.number = number
        self.values: dict[str, Any] = {}
        self.bad = False
        self.unit: Unit | None = None
        self.ent = None
        self.outcome = "unchanged"  # or "created", "updated"


class _Import:
    def __init__(self, layout: Layout, sheet: Sheet, actor: _Actor, result: ImportResult, *, policy=None):
        self.layout = layout
        self.chosen_policy = policy  # the policy of rows that name none (exchange/entries.py)
        self.sheet = sheet
        self.actor = actor
        self.result = result
        self.today = timezone.localdate()
        self.present: list[tuple[Column, int]] = [
            (c, sheet.index[c.header]) for c in layout.all_columns if c.header in sheet.index
        ]
        self.has = {c.key for c, _ in self.present}
        self.rows: list[_Row] = []

    def error(self, row: _Row | int | None, column: str | None, message: str) -> None:
        number = row.number if isinstance(row, _Row) else row
        if isinstance(row, _Row):
            row.bad = True
        self.result.errors.append(ImportError(number, column, message))

    def parse_cells(self) -> None:
        """Every cell of every row through its column's reader; required cells must be filled."""
        present = self.present
        for number, cells in self.sheet.rows:
            row = _Row(number)
            width = len(cells)
            values = row.values
            for col, i in present:
                raw = cells[i] if i < width else None
                if col.required and is_blank(raw):
                    self.error(row, col.header, "不能为空")
                    continue
                try:
                    values[col.key] = col.parse(raw)
                except CellError as exc:
                    self.error(row, col.header, str(exc))
            self.rows.append(row)

    def resolve_unit(self, row: _Row, key: str, header: str) -> Unit | None:
        text = row.values.get(key) or ""
        if not text:
            return None
        try:
            return self.actor.unit(text)
        except CellError as exc:
            self.error(row, header, str(exc))
            return None

    def check_scope(self) -> list[ImportError]:
        return []

    def conflict_errors(self, exc: IntegrityError) -> list[ImportError]:
        """What to tell the importer when the write broke a unique key of the database: another
        user registered the same record while this import ran. Nothing was imported."""
        return [ImportError(None, None, conflict_message(exc))]

    def count(self) -> None:
        for row in self.rows:
            if row.outcome == "created":
                self.result.created += 1
            elif row.outcome == "updated":
                self.result.updated += 1
            else:
                self.result.unchanged += 1


def _visible_ids(model, user, pks: list[int]) -> set[int]:
    seen: set[int] = set()
    for i in range(0, len(pks), 900):
        chunk = pks[i : i + 900]
        seen.update(model.objects.visible_to(user).filter(pk__in=chunk).values_list("pk", flat=True))
    return seen


def _fetch(model, pks: list[int]) -> dict:
    """Whole records by primary key, locked for the rest of the transaction where the database can."""
    out = {}
    for i in range(0, len(pks), 900):
        qs = model.objects.filter(pk__in=pks[i : i + 900])
        out.update((o.pk, o) for o in qs.select_for_update(of=("self",)))
    return out


def _stamp(objs) -> None:
    now = timezone.now()
    for obj in objs:
        obj.updated = now


# --- First-contact holders, in memory --------------------------------------------------------------


class _Holders:
    """`ledger.services.enterprise_find_holder` by name, over enterprises loaded once: the same
    candidates (any two characters of the name's core, oldest first, at most 200 and 50) and the
    same test (`names_match`), without a query per row."""

    def __init__(self, enterprises):
        """`enterprises` in the order they were registered (created, pk)."""
        ordered = list(enterprises)
        self.all = ordered
        self.by_name: dict[str, list[Enterprise]] = defaultdict(list)
        self.by_short: dict[str, list[Enterprise]] = defaultdict(list)
        for e in ordered:
            for gram in _bigrams(e.name):
                self.by_name[gram].append(e)
            for gram in _bigrams(e.short_name):
                self.by_short[gram].append(e)
        self._cores: dict[str, str] = {}

    def core(self, name: str) -> str:
        c = self._cores.get(name)
        if c is None:
            c = self._cores[name] = name_core(name)
        return c

    def _candidates(self, index, field_name: str, probe: str, limit: int):
        probe = probe.lower()
        if len(probe) == 2:
            return index.get(probe, [])[:limit]
        return [e for e in self.all if probe in getattr(e, field_name).lower()][:limit]

    def find(self, name: str) -> Enterprise | None:
        core = self.core(name)
        probe = core[:2] if len(core) >= 2 else core
        for cand in self._candidates(self.by_name, "name", probe, 200):
            if any(self.match(core, n) for n in [cand.name, cand.short_name, *cand.former_names] if n):
                return cand
        for cand in self._candidates(self.by_short, "short_name", probe, 50):
            if cand.short_name and self.match(core, cand.short_name):
                return cand
        return None

    def match(self, core_a: str, name_b: str) -> bool:
        """`names_match` with the first name's core already taken."""
        cb = self.core(name_b)
        if not core_a or not cb:
            return False
        if core_a == cb:
            return True
        short, long = sorted((core_a, cb), key=len)
        if len(short) >= 4 and short in long:
            return True
        sm = difflib.SequenceMatcher(None, core_a, cb)
        return sm.real_quick_ratio() >= 0.85 and sm.quick_ratio() >= 0.85 and sm.ratio() >= 0.85


def _bigrams(text: str) -> set[str]:
    text = text.lower()
    return {text[i : i + 2] for i in range(len(text) - 1)}


# --- Projects --------------------------------------------------------------------------------------

# Stages in pipeline order, with the date (and kind) each one sets on the project.
_DATED = (
    (Project.Stage.SIGNED, "signed_on", "签约日期", "signing_kind", "签约方式"),
    (Project.Stage.STARTED, "started_on", "开工日期", "start_kind", "开工方式"),
    (Project.Stage.PRODUCTION, "production_on", "投产日期", None, None),
    (Project.Stage.FULL_PRODUCTION, "full_production_on", "达产日期", None, None),
)
_DATE_HEADERS = {f: h for _, f, h, _, _ in _DATED} | {"terminated_on": "终止日期"}
# What a stage needs: 达产 needs 投产日期 (the standard layout has no 达产日期 column).
_NEEDS = {
    Project.Stage.SIGNED: "signed_on",
    Project.Stage.STARTED: "started_on",
    Project.Stage.PRODUCTION: "production_on",
    Project.Stage.FULL_PRODUCTION: "production_on",
}
_STAGE_DATE = {stage: f for stage, f, _, _, _ in _DATED} | {Project.Stage.TERMINATED: "terminated_on"}
PROJECT_FIELDS = (
    "total_investment", "foreign_investment_usd", "industry", "stage", "signed_on", "signing_kind",
    "started_on", "start_kind", "production_on", "full_production_on", "terminated_on",
    "termination_reason", "signed_at_event", "host_unit_id", "category", "attributes", "attributes_excluded",
    "chain", "channel",
    "contract_start_due", "land_mu",
)  # fmt: skip
# What is loaded of registered records to match and compare rows: tuples, not model instances;
# the few records that change are fetched whole when they are written.
_KnownEnterprise = namedtuple(
    "_KnownEnterprise",
    "pk jurisdiction_id name short_name former_names uscc unit_id team_id tags zombie_class zombie_classified_on"
    " zombie_resumed_on",
)
# The enterprise's 僵尸企业 columns: field → header.
ZOMBIE_COLUMNS = {
    "zombie_class": "僵尸企业类别",
    "zombie_classified_on": "僵尸企业认定日期",
    "zombie_resumed_on": "复工复产日期",
}
_KnownProject = namedtuple(
    "_KnownProject",
    ["pk", "jurisdiction_id", "name", "enterprise_id", "unit_id", "registered_on", *PROJECT_FIELDS],
)
# A project to create: its values by attname (`core.bulk.insert_rows`; the enterprise's id is set
# when the enterprise is written), its enterprise, and the date of its first stage.
_NewProject = namedtuple("_NewProject", "values ent stage_on")
_STAGE_LABELS = dict(Project.Stage.choices)


class _Ent:
    """An enterprise as the file names it: an existing row (obj) or one to create."""

    __slots__ = (
        "obj",
        "by",
        "name",
        "uscc",
        "unit",
        "team",
        "jurisdiction",
        "row",
        "tags",
        "tags_row",
        "zombie",
        "zombie_row",
        "new",
    )

    def __init__(self, *, obj, by, name, uscc, unit, team, jurisdiction, row):
        self.obj: _KnownEnterprise | None = obj
        self.by = by
        self.name = name
        self.uscc = uscc
        self.unit = unit
        self.team = team
        self.jurisdiction = jurisdiction
        self.row = row
        self.tags: list[str] | None = None
        self.tags_row = 0
        self.zombie: dict[str, Any] | None = None  # the 僵尸企业 columns the file has
        self.zombie_row = 0
        self.new: dict | None = None  # the new enterprise's values (`insert_rows`)


class _ProjectImport(_Import):
    def validate(self) -> None:
        self.parse_cells()
        for row in self.rows:
            self.check_row(row)
        jurisdictions = {row.unit.jurisdiction_id for row in self.rows if row.unit is not None}
        self.load(jurisdictions)
        # Keyed by ownership area (`ownership_area`), as first contact is: a county, or a city.
        self.ents_by_uscc: dict[tuple[int, str], _Ent] = {}
        self.ents_by_name: dict[tuple[int, str], _Ent] = {}
        self.file_projects: dict[tuple[int, str, int], int] = {}
        self.new_projects: list[_NewProject] = []
        # Registered projects that change: (known, changes, stage change date or None).
        self.changed_projects: list[tuple[_KnownProject, dict, date | None]] = []
        for row in self.rows:
            if row.unit is None or "enterprise_name" not in row.values or "name" not in row.values:
                continue
            ent = self.enterprise(row)
            if ent is None or row.bad:
                continue
            self.project(row, ent)
        self.plan_enterprises()

    # Cells that only need the row itself.
    def check_row(self, row: _Row) -> None:
        v = row.values
        row.unit = self.resolve_unit(row, "unit", "引进单位")
        if row.unit is not None and not self.actor.in_scope(row.unit):
            self.error(
                row, "引进单位", f"“{row.unit.name}”{OUT_OF_SCOPE}（联络员只能导入本单位或本团队的项目）"
            )
            row.unit = None
        if "host_unit" in v:
            host = self.resolve_unit(row, "host_unit", "落户单位")
            v["host_unit_id"] = host.pk if host else None
        staged = v.pop("stage", None)
        if staged is None:
            return
        stage, kind = staged
        v["stage"] = stage
        need = _NEEDS.get(stage)
        if need is not None and need in self.has and v.get(need) is None and need in v:
            header = _DATE_HEADERS[need]
            self.error(row, header, f"项目阶段为“{Project.Stage(stage).label}”，须填写{header}")
        if kind:
            field_name, header = (
                ("signing_kind", "签约方式") if stage == Project.Stage.SIGNED else ("start_kind", "开工方式")
            )
            if v.get(field_name) and v[field_name] != kind:
                label = Project.SigningKind if field_name == "signing_kind" else Project.StartKind
                self.error(row, header, f"与项目阶段“{label(kind).label}”不一致")
            v[field_name] = kind
        for f, header in _DATE_HEADERS.items():
            d = v.get(f)
            if d is not None and d > self.today:
                self.error(row, header, f"不能晚于今天（{self.today:%Y-%m-%d}），实为“{d:%Y-%m-%d}”")
        if stage != Project.Stage.TERMINATED:
            order = STAGE_ORDER[stage]
            label = Project.Stage(stage).label
            for later, date_field, date_header, kind_field, kind_header in _DATED:
                if STAGE_ORDER[later] <= order:
                    continue
                if v.get(date_field) is not None:
                    self.error(row, date_header, f"项目阶段为“{label}”，不应填写{date_header}")
                if kind_field and v.get(kind_field):
                    self.error(row, kind_header, f"项目阶段为“{label}”，不应填写{kind_header}")
            if v.get("terminated_on") is not None:
                self.error(row, "终止日期", f"项目阶段为“{label}”，不应填写终止日期")
            if v.get("termination_reason"):
                self.error(row, "终止原因", f"项目阶段为“{label}”，不应填写终止原因")
        previous = None
        for _, date_field, date_header, _, _ in _DATED:
            d = v.get(date_field)
            if d is None:
                continue
            if previous is not None and d < previous[0]:
                self.error(row, date_header, f"不能早于{previous[1]}（{previous[0]:%Y-%m-%d}）")
            previous = (d, date_header)

    def load(self, jurisdictions: set[int]) -> None:
        self.jurisdictions = {j.pk: j for j in Jurisdiction.objects.filter(pk__in=jurisdictions)}
        # First contact holds over each county's ownership area (ledger.services.ownership_area):
        # the county, or all the counties of a city whose policy has a first_contact rule. The
        # enterprises of every area are loaded, as `enterprise_find_holder` searches them.
        self.areas: dict[int, Jurisdiction] = {}
        self.area_of: dict[int, int] = {}
        for j in self.jurisdictions.values():
            area = ownership_area(j)
            self.areas.setdefault(area.pk, area)
            self.area_of[j.pk] = area.pk
        in_area = Enterprise.objects.none()
        for area in self.areas.values():
            in_area |= ownership_enterprises(area)
        rows = in_area.order_by("created", "pk")
        enterprises = [_KnownEnterprise._make(r) for r in rows.values_list(*_KnownEnterprise._fields)]
        self.enterprises = enterprises
        if any(
            area.pk not in self.jurisdictions or area.level != Jurisdiction.Level.COUNTY
            for area in self.areas.values()
        ):
            paths = dict(
                Jurisdiction.objects.filter(pk__in={e.jurisdiction_id for e in enterprises}).values_list(
                    "pk", "path"
                )
            )
        else:
            paths = {pk: j.path for pk, j in self.jurisdictions.items()}
        # Each enterprise counts in the areas it lies in.
        self.area_ents: dict[int, list[_KnownEnterprise]] = defaultdict(list)
        for area in self.areas.values():
            if area.level == Jurisdiction.Level.COUNTY:
                self.area_ents[area.pk] = [e for e in enterprises if e.jurisdiction_id == area.pk]
            else:
                self.area_ents[area.pk] = [
                    e for e in enterprises if paths[e.jurisdiction_id].startswith(area.path)
                ]
        self.db_by_uscc: dict[tuple[int, str], _KnownEnterprise] = {}
        for area_id, ents in self.area_ents.items():
            for e in ents:
                if e.uscc:
                    self.db_by_uscc.setdefault((area_id, e.uscc), e)
        self.db_by_name: dict[tuple[int, str], list[_KnownEnterprise]] = defaultdict(list)
        for e in enterprises:
            self.db_by_name[(e.jurisdiction_id, e.name)].append(e)
        rows = Project.objects.filter(jurisdiction_id__in=jurisdictions).order_by()
        self.db_projects: dict[tuple[int, str, int], _KnownProject] = {
            (p.jurisdiction_id, p.name, p.enterprise_id): p
            for p in map(_KnownProject._make, rows.values_list(*_KnownProject._fields))
        }
        self._holders: dict[int, _Holders] = {}
        self._visible_ents: set[int] | None = None
        self._visible_projects: set[int] | None = None
        if self.actor.clerk:
            user = self.actor.user
            self._visible_ents = set(
                Enterprise.objects.visible_to(user)
                .filter(jurisdiction_id__in=jurisdictions)
                .values_list("pk", flat=True)
            )
            self._visible_projects = set(
                Project.objects.visible_to(user)
                .filter(jurisdiction_id__in=jurisdictions)
                .values_list("pk", flat=True)
            )

    def holders(self, jurisdiction_id: int) -> _Holders:
        """The first-contact holders by name over the jurisdiction's ownership area."""
        area_id = self.area_of[jurisdiction_id]
        if area_id not in self._holders:
            self._holders[area_id] = _Holders(self.area_ents[area_id])
        return self._holders[area_id]

    def conflict(self, row: _Row, enterprise: Enterprise, by: str) -> None:
        held = Enterprise.objects.select_related("unit", "team", "jurisdiction").get(pk=enterprise.pk)
        column = "统一社会信用代码" if by == "uscc" else "企业名称"
        jurisdiction = row.unit.jurisdiction
        if held.jurisdiction_id != jurisdiction.pk:
            # Another county of the city registered it first: the form's words, the city rules.
            match = OwnershipMatch(held, by, elsewhere=True)
            self.error(row, column, ownership_problem_message(match, jurisdiction=jurisdiction))
            return
        self.error(row, column, f"{OwnershipMatch(held, by).message}，请先申请归属裁定")

    def enterprise(self, row: _Row) -> _Ent | None:
        v = row.values
        unit = row.unit
        jid = unit.jurisdiction_id
        area = self.area_of[jid]
        name, code = v["enterprise_name"], v.get("uscc", "")
        ent = self.ents_by_uscc.get((area, code)) if code else None
        if ent is not None and ent.name != name:
            self.error(
                row, "企业名称", f"与第{ent.row}行统一社会信用代码相同，企业名称却不同（“{ent.name}”）"
            )
            return None
        if ent is None:
            ent = self.ents_by_name.get((area, name))
            if ent is not None and code:
                if ent.uscc and ent.uscc != code:
                    self.error(
                        row,
                        "统一社会信用代码",
                        f"与第{ent.row}行企业名称相同，统一社会信用代码却不同（{ent.uscc}）",
                    )
                    return None
                other = self.db_by_uscc.get((area, code))
                if other is not None and other is not ent.obj:
                    self.error(row, "统一社会信用代码", f"该代码已属于企业“{other.name}”，与企业名称不符")
                    return None
                ent.uscc = code
                self.ents_by_uscc[(area, code)] = ent
        if ent is None:
            ent = self.match(row, jid, name, code)
            if ent is None:
                return None
            self.ents_by_name.setdefault((area, name), ent)
            if ent.uscc:
                self.ents_by_uscc.setdefault((area, ent.uscc), ent)
        if ent.unit.pk != unit.pk:
            if ent.obj is not None:
                self.conflict(row, ent.obj, ent.by)
            else:
                self.error(
                    row,
                    "引进单位",
                    f"与第{ent.row}行是同一企业，引进单位却不同（{ent.unit.name}）：项目不在单位之间共享",
                )
            return None
        if "tags" in v:
            if ent.tags is None:
                ent.tags, ent.tags_row = v["tags"], row.number
            elif ent.tags != v["tags"]:
                self.error(row, "企业类别", f"与第{ent.tags_row}行同一企业的企业类别不同")
                return None
        zombie = {f: v[f] for f in ZOMBIE_COLUMNS if f in v}
        if zombie:
            if ent.zombie is None:
                ent.zombie, ent.zombie_row = zombie, row.number
            elif ent.zombie != zombie:
                f = next(f for f in ZOMBIE_COLUMNS if zombie.get(f) != ent.zombie.get(f))
                self.error(row, ZOMBIE_COLUMNS[f], f"与第{ent.zombie_row}行同一企业的{ZOMBIE_COLUMNS[f]}不同")
                return None
        return ent

    def zombie_problem(self, ent: _Ent, values: dict) -> bool:
        """The enterprise model's own check of its 僵尸企业 fields (`Enterprise.clean_zombie`), as
        the form, the API and the admin run it; an error on the row that gave them."""
        # With the enterprise's id: one on the zombie register keeps its class (clean_zombie).
        probe = Enterprise(pk=ent.obj.pk if ent.obj is not None else None, **values)
        try:
            probe.clean_zombie()
        except ValidationError as e:
            for f, messages in e.message_dict.items():
                self.error(ent.zombie_row, ZOMBIE_COLUMNS.get(f), "；".join(messages))
            return True
        return False

    def match(self, row: _Row, jid: int, name: str, code: str) -> _Ent | None:
        """The registered enterprise this row names (by code, else by exact name), or a new one;
        an enterprise that another unit holds is an error: first contact owns it."""
        unit = row.unit
        obj, by = (self.db_by_uscc.get((self.area_of[jid], code)), "uscc") if code else (None, "")
        if obj is None:
            same = self.db_by_name.get((jid, name), [])
            obj = next((e for e in same if e.unit_id == unit.pk), same[0] if same else None)
            by = "name"
            if obj is not None and code and obj.uscc and obj.uscc != code:
                self.error(
                    row, "统一社会信用代码", f"企业“{name}”已登记的统一社会信用代码为{obj.uscc}，与本行不同"
                )
                return None
        if obj is not None:
            if obj.unit_id != unit.pk:
                self.conflict(row, obj, by)
                return None
            if self._visible_ents is not None and obj.pk not in self._visible_ents:
                self.error(row, "企业名称", f"企业“{obj.name}”{OUT_OF_SCOPE}")
                return None
            return _Ent(
                obj=obj,
                by=by,
                name=name,
                uscc=code or obj.uscc,
                unit=unit,
                team=None,
                jurisdiction=self.jurisdictions[jid],
                row=row.number,
            )
        holder = self.holders(jid).find(name)
        if holder is not None and holder.unit_id != unit.pk:
            self.conflict(row, holder, "name")
            return None
        return _Ent(
            obj=None,
            by="",
            name=name,
            uscc=code,
            unit=unit,
            team=self.actor.team(unit),
            jurisdiction=self.jurisdictions[jid],
            row=row.number,
        )

    def project(self, row: _Row, ent: _Ent) -> None:
        v = row.values
        unit = row.unit
        jid = unit.jurisdiction_id
        key = (jid, v["name"], id(ent))
        if key in self.file_projects:
            self.error(row, "项目名称", f"与第{self.file_projects[key]}行重复：同一企业的同名项目只能有一行")
            return
        self.file_projects[key] = row.number
        existing = self.db_projects.get((jid, v["name"], ent.obj.pk)) if ent.obj is not None else None
        if existing is not None:
            if self._visible_projects is not None and existing.pk not in self._visible_projects:
                self.error(row, "项目名称", f"项目“{existing.name}”{OUT_OF_SCOPE}")
                return
            if existing.unit_id != unit.pk:
                self.error(row, "引进单位", "该项目登记在其他单位名下")
                return
        planned = self.planned(row, existing)
        if row.bad:
            return
        row.ent = ent
        if existing is None:
            if ent.obj is not None and ent.obj.team_id:
                team_id = ent.obj.team_id  # the project follows its enterprise's first-contact team
            else:
                team = ent.team or self.actor.team(unit)
                team_id = team.pk if team else None
            problem = self.actor.team_problem(team_id, "引进团队")
            if problem:
                # The project follows its enterprise's team: one the importer may not file under.
                self.error(row, "引进单位", f"{problem}（项目随企业“{ent.name}”计入该团队，请联系招商办）")
                return
            # Values, not a Project: what `Project(...)` and `save()` would hold (search_key).
            stage_on = planned.pop("_stage_on")
            values = {
                "jurisdiction_id": jid,
                "name": v["name"],
                "unit_id": unit.pk,
                "team_id": team_id,
                "search_key": Project.make_search_key(v["name"]),
                **planned,
            }
            self.new_projects.append(_NewProject(values, ent, stage_on))
            row.outcome = "created"
            return
        on = planned.pop("_stage_on")
        planned.pop("registered_on", None)
        changes = {f: val for f, val in planned.items() if getattr(existing, f) != val}
        if not changes:
            return  # unchanged, unless its enterprise changes (see plan_enterprises)
        self.changed_projects.append((existing, changes, on if "stage" in changes else None))
        row.outcome = "updated"

    def planned(self, row: _Row, existing: _KnownProject | None) -> dict:
        """The project's values after this row: cells of columns in the sheet, the stored values
        of columns that are not, and stage dates made consistent as `project_advance_stage` does."""
        v = row.values
        has = self.has

        def value(f, default):
            if f in has or (f == "host_unit_id" and "host_unit" in has):
                return v.get(f, default)
            return getattr(existing, f) if existing is not None else default

        out = {
            "total_investment": value("total_investment", None),
            "foreign_investment_usd": value("foreign_investment_usd", None),
            "industry": value("industry", ""),
            "signed_at_event": value("signed_at_event", False),
            "host_unit_id": value("host_unit_id", None),
            "stage": v["stage"],
            # A blank 项目类别 keeps what is stored (工业 for a new project, the model's default).
            "category": v.get("category")
            or (existing.category if existing is not None else Project.Category.INDUSTRY),
            "attributes": value("attributes", []),
            "attributes_excluded": value("attributes_excluded", []),
            "chain": value("chain", ""),
            "channel": value("channel", ""),
            "contract_start_due": value("contract_start_due", None),
            "land_mu": value("land_mu", None),
        }
        stage = v["stage"]
        for _, date_field, _, kind_field, _ in _DATED:
            out[date_field] = value(date_field, None)
            if kind_field:
                out[kind_field] = value(kind_field, "")
        # Kinds given in the stage cell (正式签约) count even when the kind column is absent.
        for kind_field in ("signing_kind", "start_kind"):
            if v.get(kind_field):
                out[kind_field] = v[kind_field]
        out["terminated_on"] = value("terminated_on", None)
        out["termination_reason"] = value("termination_reason", "")
        need = _NEEDS.get(stage)
        if need is not None and out[need] is None:
            header = _DATE_HEADERS[need]
            self.error(row, header, f"项目阶段为“{Project.Stage(stage).label}”，须填写{header}")
            return out
        given = [v[f] for f in _DATE_HEADERS if v.get(f) is not None]
        if existing is None:
            registered = min(given) if given else self.today
            fallback = max(given) if given else registered
        else:
            registered = existing.registered_on
            fallback = self.today
            for f, header in _DATE_HEADERS.items():
                d = v.get(f)
                if d is not None and d < registered and d != getattr(existing, f):
                    self.error(row, header, f"不能早于项目登记日期（{registered:%Y-%m-%d}）")
        was = existing.stage if existing is not None else None
        if stage == Project.Stage.TERMINATED:
            kept = existing if was == stage else None
            out["terminated_on"] = v.get("terminated_on") or (kept and kept.terminated_on) or fallback
            out["termination_reason"] = (
                v.get("termination_reason") or (kept and kept.termination_reason) or IMPORT_REASON
            )
        else:
            out["terminated_on"] = None
            out["termination_reason"] = ""
            order = STAGE_ORDER[stage]
            for later, date_field, _, kind_field, _ in _DATED:
                if STAGE_ORDER[later] > order:
                    out[date_field] = None
                    if kind_field:
                        out[kind_field] = ""
            if stage == Project.Stage.FULL_PRODUCTION and out["full_production_on"] is None:
                kept = existing.full_production_on if was == stage else None
                out["full_production_on"] = kept or max(fallback, out["production_on"])
        stage_date = _STAGE_DATE.get(stage)
        on = out.get(stage_date) if stage_date else None
        if on is None:
            on = registered if existing is None else self.today
        out["_stage_on"] = on
        out["registered_on"] = registered
        return out

    def plan_enterprises(self) -> None:
        """New enterprises to create and registered ones whose name, code or categories change."""
        self.new_ents: list[dict] = []  # values of the enterprises to create (`insert_rows`)
        self.changed_ents: list[tuple[_KnownEnterprise, dict, Jurisdiction]] = []
        seen: set[int] = set()
        changed_ids: set[int] = set()
        for ent in {id(e): e for e in (*self.ents_by_name.values(), *self.ents_by_uscc.values())}.values():
            if id(ent) in seen:
                continue
            seen.add(id(ent))
            if ent.obj is None:
                ent.new = {
                    "jurisdiction_id": ent.jurisdiction.pk,
                    "name": ent.name,
                    "uscc": ent.uscc,
                    "unit_id": ent.unit.pk,
                    "team_id": ent.team.pk if ent.team is not None else None,
                    "tags": ent.tags or [],
                    "industry": "",
                    **{
                        f: (ent.zombie or {}).get(f) or ("" if f == "zombie_class" else None)
                        for f in ZOMBIE_COLUMNS
                    },
                }
                if ent.zombie:
                    self.zombie_problem(ent, {f: ent.new[f] for f in ZOMBIE_COLUMNS})
                self.new_ents.append(ent.new)
                continue
            obj = ent.obj
            changes: dict[str, Any] = {}
            if ent.name != obj.name:
                changes["name"] = ent.name
                if obj.name not in obj.former_names:
                    changes["former_names"] = [*obj.former_names, obj.name]
            if ent.uscc and ent.uscc != obj.uscc:
                changes["uscc"] = ent.uscc
            if ent.tags is not None and ent.tags != list(obj.tags or []):
                changes["tags"] = ent.tags
            blank_on_register = (
                ent.zombie is not None
                and not any(ent.zombie.values())
                and obj.zombie_class
                and Enterprise.objects.filter(pk=obj.pk, zombie_records__isnull=False).exists()
            )
            if ent.zombie and not blank_on_register:
                # A column the file has sets the field (blank clears it); one it lacks keeps it.
                # Blank cells do not take an enterprise off the zombie register (its entry there
                # is deleted to do that): they keep the register's class and dates.
                merged = {f: ent.zombie.get(f, getattr(obj, f)) for f in ZOMBIE_COLUMNS}
                merged["zombie_class"] = merged["zombie_class"] or ""
                if not self.zombie_problem(ent, merged):
                    changes.update({f: x for f, x in merged.items() if x != getattr(obj, f)})
            if changes:
                self.changed_ents.append((obj, changes, ent.jurisdiction))
                changed_ids.add(id(ent))
        # Industry of a new enterprise: its first project's.
        for p in self.new_projects:
            new = p.ent.new
            if new is not None and not new["industry"] and p.values["industry"]:
                new["industry"] = p.values["industry"]
        for e in self.new_ents:
            e["search_key"] = Enterprise.make_search_key(e["name"])
        for row in self.rows:
            if row.outcome == "unchanged" and row.ent is not None and id(row.ent) in changed_ids:
                row.outcome = "updated"

    def write(self) -> None:
        result = self.result
        # New records are written from their values (insert_rows: COPY on PostgreSQL) and logged
        # from them (record_rows): model instances for thousands of rows cost most of the import.
        insert_rows(Enterprise, self.new_ents)
        record_rows(Enterprise, self.new_ents, lambda e: (e["name"], self.path(e["jurisdiction_id"])))
        if self.changed_ents:
            whole = _fetch(Enterprise, [known.pk for known, _, _ in self.changed_ents])
            objs, befores = [], []
            for known, changes, jurisdiction in self.changed_ents:
                obj = whole[known.pk]
                befores.append(snapshot(obj))
                for f, val in changes.items():
                    setattr(obj, f, val)
                obj.jurisdiction = jurisdiction
                obj.search_key = Enterprise.make_search_key(obj.name, obj.short_name, obj.former_names)
                objs.append(obj)
            _stamp(objs)
            Enterprise.objects.bulk_update(
                objs,
                ["name", "former_names", "uscc", "tags", *ZOMBIE_COLUMNS, "search_key", "updated"],
                batch_size=500,
            )
            record_many(objs, "update", befores)
        for p in self.new_projects:
            p.values["enterprise_id"] = p.ent.obj.pk if p.ent.obj is not None else p.ent.new["id"]
        new_projects = [p.values for p in self.new_projects]
        insert_rows(Project, new_projects)
        record_rows(Project, new_projects, lambda p: (p["name"], self.path(p["jurisdiction_id"])))
        # A new project starts its timeline with one step; a registered one whose stage changes
        # adds one. The log names a step by its project: id → (name, jurisdiction path).
        steps = []
        step_projects = {p["id"]: (p["name"], self.path(p["jurisdiction_id"])) for p in new_projects}
        for p in self.new_projects:
            v = p.values
            kind = _kind_of(v["stage"], v["signing_kind"], v["start_kind"])
            steps.append(self.step(v["id"], "", v["stage"], p.stage_on, kind))
        self.changed = []
        if self.changed_projects:
            whole = _fetch(Project, [known.pk for known, _, _ in self.changed_projects])
            objs, befores = [], []
            for known, changes, on in self.changed_projects:
                obj = whole[known.pk]
                befores.append(snapshot(obj))
                from_stage = obj.stage
                for f, val in changes.items():
                    setattr(obj, f, val)
                obj.jurisdiction = self.jurisdictions[obj.jurisdiction_id]
                objs.append(obj)
                if on is not None and obj.stage != from_stage:
                    # Not if the project reached the stage meanwhile (locked now): one step per move.
                    kind = _kind_of(obj.stage, obj.signing_kind, obj.start_kind)
                    steps.append(self.step(obj.pk, from_stage, obj.stage, on, kind))
                    step_projects[obj.pk] = (obj.name, obj.jurisdiction.path)
            _stamp(objs)
            Project.objects.bulk_update(objs, [*PROJECT_FIELDS, "updated"], batch_size=500)
            record_many(objs, "update", befores)
            self.changed = objs
        insert_rows(StageChange, steps)
        record_rows(StageChange, steps, lambda s: _describe_step(s, *step_projects[s["project_id"]]))
        result.enterprises_created = len(self.new_ents)
        result.enterprises_updated = len(self.changed_ents)
        result.stage_changes = len(steps)
        self.count()

    def path(self, jurisdiction_id: int) -> str:
        return self.jurisdictions[jurisdiction_id].path

    def step(self, project_id: int, from_stage: str, to_stage: str, on: date, kind: str) -> dict:
        """A StageChange's values (`insert_rows`)."""
        return {
            "project_id": project_id,
            "from_stage": from_stage,
            "to_stage": to_stage,
            "on": on,
            "kind": kind,
            "reason": IMPORT_REASON,
            "by_id": self.actor.user.pk,
        }

    def conflict_errors(self, exc: IntegrityError) -> list[ImportError]:
        """The rows whose enterprise or project another user registered while this import ran,
        found by the keys the database holds; the general message if none can be named."""
        problems = []
        for ent in {id(e): e for e in (*self.ents_by_name.values(), *self.ents_by_uscc.values())}.values():
            if ent.obj is not None:
                continue
            same = Enterprise.objects.filter(jurisdiction=ent.jurisdiction)
            same = same.filter(uscc=ent.uscc) if ent.uscc else same.filter(uscc="", name=ent.name)
            if same.exists():
                column = "统一社会信用代码" if ent.uscc else "企业名称"
                problems.append(
                    ImportError(
                        ent.row, column, f"企业“{ent.name}”已由他人同时登记，未导入任何数据，请重新导入"
                    )
                )
        for p in self.new_projects:
            if p.ent.obj is None:
                continue
            v = p.values
            if Project.objects.filter(
                jurisdiction_id=v["jurisdiction_id"], enterprise_id=p.ent.obj.pk, name=v["name"]
            ).exists():
                row = self.file_projects.get((v["jurisdiction_id"], v["name"], id(p.ent)))
                problems.append(
                    ImportError(
                        row, "项目名称", f"项目“{v['name']}”已由他人同时登记，未导入任何数据，请重新导入"
                    )
                )
        return sorted(problems, key=lambda e: e.row or 0) or super().conflict_errors(exc)

    def check_scope(self) -> list[ImportError]:
        """A clerk's import must leave every record it wrote visible to them (as `save_in_scope`)."""
        if not self.actor.clerk:
            return []
        problems = []
        user = self.actor.user
        projects = [(p.values["id"], p.values["name"]) for p in self.new_projects]
        projects += [(p.pk, p.name) for p in self.changed]
        seen = _visible_ids(Project, user, [pk for pk, _ in projects])
        for pk, name in projects:
            if pk not in seen:
                problems.append(ImportError(None, "项目名称", f"项目“{name}”{OUT_OF_SCOPE}，未导入任何数据"))
        return problems


def _kind_of(stage: str, signing_kind: str, start_kind: str) -> str:
    """The kind a step to `stage` records: the project's signing or start kind."""
    if stage == Project.Stage.SIGNED:
        return signing_kind
    if stage == Project.Stage.STARTED:
        return start_kind
    return ""


def _describe_step(step: dict, project_name: str, path: str) -> tuple[str, str]:
    """What the log holds for a StageChange: its `str()` and its project's jurisdiction path."""
    was = _STAGE_LABELS.get(step["from_stage"], step["from_stage"]) or "—"
    now = _STAGE_LABELS.get(step["to_stage"], step["to_stage"])
    return f"{project_name} {was} → {now}", path


# --- Actual investment -----------------------------------------------------------------------------


class _ProjectLookup:
    """Rows that name a registered project by 项目名称 (and 统一社会信用代码 when names repeat),
    among the projects the user can see: investment, and the project facts the office enters."""

    def load_projects(self, key: str = "project_name") -> None:
        names = {row.values.get(key) for row in self.rows} - {None, ""}
        visible = Project.objects.visible_to(self.actor.user).select_related(
            "enterprise", "unit__jurisdiction", "jurisdiction"
        )
        if len(names) <= 500:
            visible = visible.filter(name__in=names)
        self.by_name: dict[str, list[Project]] = defaultdict(list)
        for p in visible:
            if p.name in names:
                self.by_name[p.name].append(p)

    def project_of(self, row: _Row, key: str = "project_name", header: str = "项目名称") -> Project | None:
        name = row.values.get(key, "")
        code = row.values.get("uscc", "")
        candidates = self.by_name.get(name, [])
        if code:
            candidates = [p for p in candidates if p.enterprise.uscc == code]
        if not candidates:
            what = f"“{name}”" + (f"（统一社会信用代码 {code}）" if code else "")
            self.error(row, header, f"未找到项目{what}：须为已登记且您可见的项目，请先导入项目表")
            return None
        if len(candidates) > 1:
            hint = "请填写统一社会信用代码区分" if not code else "请联系招商办核对"
            self.error(row, header, f"项目名称“{name}”对应{len(candidates)}个项目，{hint}")
            return None
        return candidates[0]


class _InvestmentImport(_ProjectLookup, _Import):
    def validate(self) -> None:
        self.parse_cells()
        month_now = self.today.replace(day=1)
        for row in self.rows:
            month = row.values.get("month")
            if month is not None and month > month_now:
                self.error(row, "月份", f"不能晚于本月（{month_now:%Y-%m}），实为“{month:%Y-%m}”")
        self.load()
        self.file_keys: dict[tuple[int, date, int], int] = {}
        self.new: list[Investment] = []
        self.changed: list[tuple[Investment, dict]] = []
        for row in self.rows:
            self.check_row(row)

    def load(self) -> None:
        self.load_projects()
        project_ids = {p.pk for ps in self.by_name.values() for p in ps}
        months = [row.values["month"] for row in self.rows if row.values.get("month")]
        self.existing: dict[tuple[int, date, int], Investment] = {}
        if project_ids and months:
            jurisdictions = {p.jurisdiction_id for ps in self.by_name.values() for p in ps}
            for inv in Investment.objects.filter(
                project__jurisdiction_id__in=jurisdictions, month__gte=min(months), month__lte=max(months)
            ):
                if inv.project_id in project_ids:
                    self.existing[(inv.project_id, inv.month, inv.unit_id)] = inv
        self.jurisdictions = {p.jurisdiction_id: p.jurisdiction for ps in self.by_name.values() for p in ps}

    def jurisdiction(self, pk: int) -> Jurisdiction:
        if pk not in self.jurisdictions:
            self.jurisdictions[pk] = Jurisdiction.objects.get(pk=pk)
        return self.jurisdictions[pk]

    def check_row(self, row: _Row) -> None:
        v = row.values
        project = self.project_of(row) if v.get("project_name") else None
        unit = self.resolve_unit(row, "unit", "计入单位") if v.get("unit") else None
        if project is None or (v.get("unit") and unit is None):
            return
        if unit is None:
            unit = project.unit
            team = project.team
        else:
            team = project.team if unit.pk == project.unit_id else self.actor.team(unit)
        if not self.actor.in_scope(unit):
            self.error(
                row, "计入单位", f"“{unit.name}”{OUT_OF_SCOPE}（联络员只能导入本单位或本团队的实际进资）"
            )
            return
        if row.bad:
            return
        key = (project.pk, v["month"], unit.pk)
        if key in self.file_keys:
            self.error(row, "月份", f"与第{self.file_keys[key]}行重复：同一项目、月份和计入单位只能有一行")
            return
        self.file_keys[key] = row.number
        existing = self.existing.get(key)
        if existing is None:
            # A new share is credited to the project's team (its own unit's) or the unit's team.
            problem = self.actor.team_problem(team, "计入团队")
            if problem:
                self.error(row, "计入单位", problem)
                return
            self.new.append(
                Investment(
                    jurisdiction=self.jurisdiction(unit.jurisdiction_id),
                    project=project,
                    month=v["month"],
                    amount=v["amount"],
                    unit=unit,
                    team=team,
                )
            )
            row.outcome = "created"
        elif existing.amount != v["amount"]:
            before = snapshot(existing)
            existing.amount = v["amount"]
            existing.project = project
            existing.jurisdiction = self.jurisdiction(existing.jurisdiction_id)
            self.changed.append((existing, before))
            row.outcome = "updated"

    def write(self) -> None:
        Investment.objects.bulk_create(self.new, batch_size=1000)
        record_many(self.new, "create")
        if self.changed:
            objs = [i for i, _ in self.changed]
            _stamp(objs)
            Investment.objects.bulk_update(objs, ["amount", "updated"], batch_size=500)
            record_many(objs, "update", [b for _, b in self.changed])
        self.count()

    def check_scope(self) -> list[ImportError]:
        if not self.actor.clerk:
            return []
        objs = self.new + [i for i, _ in self.changed]
        seen = _visible_ids(Investment, self.actor.user, [i.pk for i in objs])
        return [
            ImportError(
                None, "计入单位", f"“{i.project.name}”{i.month:%Y-%m}的实际进资{OUT_OF_SCOPE}，未导入任何数据"
            )
            for i in objs
            if i.pk not in seen
        ]


# --- Activities and leads --------------------------------------------------------------------------

LEAD_TITLE_LENGTH = 60
# What an activity row sets besides its key, with the value a new record takes when the cell is
# blank. A column missing from the sheet leaves the stored value as it is.
_ACTIVITY_FIELDS = {
    "head_led": False, "summary": "", "days": 1, "region": "", "members": "", "counterpart": "",
    "merchant": "", "merchants_invited": 0, "cost_yuan": None,
}  # fmt: skip


# What a visit on a trip takes from it (`Activity.FROM_TRIP`), by attribute name.
_FROM_TRIP_ATTNAMES = {Activity._meta.get_field(n).attname: n for n in Activity.FROM_TRIP}


def lead_title(content: str, enterprise_name: str) -> str:
    """A lead's 信息标题 from a 信息报送 row: the first 60 characters of 内容, else 企业名称."""
    return " ".join(content.split())[:LEAD_TITLE_LENGTH] or enterprise_name


def activity_key(a: Activity) -> tuple:
    return (a.kind, a.unit_id, a.date, a.place, a.enterprise_name or _name_of(a.enterprise), a.leader)


def lead_key(lead: Lead) -> tuple:
    return (LEAD_KIND, lead.unit_id, lead.reported_on, lead.title, lead.enterprise_name)


def _name_of(enterprise) -> str:
    return enterprise.name if enterprise is not None else ""


class _ActivityImport(_Import):
    """Activities, and leads for rows of 类型 信息报送.

    A row is matched to a record the user can see by its natural key, so that importing a file
    again changes nothing:
      - an activity by 类型, 单位, 日期, 地点, 企业名称 and 带队领导;
      - a lead by 单位, 日期 (报送日期), 信息标题 (the first 60 characters of 内容, else 企业名称)
        and 企业名称.
    A row whose other cells (主要负责人带队, 内容, 天数, 团队…) differ updates the record. Rows of
    one file with the same key stand for as many records (two receptions on one day): each is
    paired with a record whose values are the same first, then with the others in the order
    they were registered; what is left over is created.

    The model's rules hold as on every other channel (`check_activities`, before the bulk write):
    each activity as its row leaves it is asked `Activity.trip_errors` and `record_errors` (its
    kind's fields only, a visit's enterprise, a reception's merchant, one day for a visit or a
    meeting), a trip whose 天数 change leaves one of its visits outside is refused
    (`visits_outside`), and a visit on a trip follows it (`follow_trip`): a row that gives it
    another 团队 or 主要负责人带队 than its trip is refused with the model's message. The sheet has
    no trip column: a visit it creates stands alone; one already on a trip keeps it. A trip whose
    team or head-led flag the import changes brings its visits along (`follow_trips`), each
    change logged as `Activity.save` logs it.
    """

    def validate(self) -> None:
        self.parse_cells()
        self._teams: dict[tuple[int, str], int | CellError] = {}
        for row in self.rows:
            self.check_row(row)
        good = [row for row in self.rows if not row.bad]
        self.load(good)
        self.new_activities: list[Activity] = []
        self.changed_activities: list[tuple[Activity, dict]] = []
        # Each activity row with the record it creates or updates and its changes (`check_activities`).
        self.to_check: list[tuple[_Row, Activity, dict]] = []
        self.new_leads: list[Lead] = []
        self.changed_leads: list[tuple[Lead, dict]] = []
        groups: dict[tuple, list[_Row]] = defaultdict(list)
        for row in good:
            groups[row.values["_key"]].append(row)
        for key, rows in groups.items():
            self.pair(rows, self.existing.get(key, []))
        self.check_activities()

    def check_row(self, row: _Row) -> None:
        v = row.values
        unit = self.resolve_unit(row, "unit", "单位")
        if unit is not None and not self.actor.in_scope(unit):
            self.error(row, "单位", f"“{unit.name}”{OUT_OF_SCOPE}（联络员只能导入本单位或本团队的招商活动）")
            unit = None
        row.unit = unit
        if unit is not None and v.get("team"):
            v["team_id"] = self.resolve_team(row, unit, v["team"])
        kind = v.get("kind")
        name = v.get("enterprise_name", "")
        # A visit's enterprise and a reception's merchant are the model's rules (`check_activities`).
        if kind == LEAD_KIND and not (v.get("summary") or name):
            self.error(row, "内容", "信息报送须填写内容或企业名称")
        if row.bad and kind in Activity.Kind.values:
            self.check_cells(row)
        if row.bad or unit is None:
            return
        if kind == LEAD_KIND:
            v["title"] = lead_title(v.get("summary", ""), name)
            v["_key"] = (LEAD_KIND, unit.pk, v["date"], v["title"], name)
        else:
            v["_key"] = (kind, unit.pk, v["date"], v.get("place", ""), name, v.get("leader", ""))

    def resolve_team(self, row: _Row, unit: Unit, name: str) -> int | None:
        key = (unit.pk, name)
        if key not in self._teams:
            try:
                self._teams[key] = self._team(unit, name)
            except CellError as exc:
                self._teams[key] = exc
        hit = self._teams[key]
        if isinstance(hit, CellError):
            self.error(row, "团队", str(hit))
            return None
        return hit

    def _team(self, unit: Unit, name: str) -> int:
        """A team by name: one the unit works in (the newest policy's when names repeat), else
        one of the unit's jurisdiction that the user can see."""
        teams = (
            Team.objects.visible_to(self.actor.user).filter(name=name).order_by("-policy__start", "number")
        )
        team = teams.filter(Q(lead_unit=unit) | Q(member_units=unit)).first()
        team = team or teams.filter(jurisdiction_id=unit.jurisdiction_id).first()
        if team is None:
            raise CellError(f"未找到团队“{name}”（应为单位“{unit.name}”所在的团队）")
        problem = self.actor.team_problem(team)
        if problem:
            raise CellError(f"{problem}（联络员只能导入本单位或本团队的记录）")
        return team.pk

    def load(self, rows: list[_Row]) -> None:
        """The records the rows may be: those the user sees, of the rows' units, kinds and dates."""
        self.existing: dict[tuple, list] = defaultdict(list)
        self.jurisdictions: dict[int, Jurisdiction] = {}
        self._holders: dict[int, _Holders] = {}
        for row in rows:
            self.jurisdictions[row.unit.jurisdiction_id] = row.unit.jurisdiction
        leads = [row for row in rows if row.values["kind"] == LEAD_KIND]
        activities = [row for row in rows if row.values["kind"] != LEAD_KIND]
        user = self.actor.user
        if activities:
            dates = [row.values["date"] for row in activities]
            qs = (
                Activity.objects.visible_to(user)
                .filter(
                    unit_id__in={row.unit.pk for row in activities},
                    kind__in={row.values["kind"] for row in activities},
                    date__range=(min(dates), max(dates)),
                )
                .select_related("enterprise", "team", "trip")
                .order_by("pk")
            )
            for a in qs:
                self.existing[activity_key(a)].append(a)
        if leads:
            dates = [row.values["date"] for row in leads]
            qs = (
                Lead.objects.visible_to(user)
                .filter(
                    unit_id__in={row.unit.pk for row in leads}, reported_on__range=(min(dates), max(dates))
                )
                .select_related("team")
                .order_by("pk")
            )
            for lead in qs:
                self.existing[lead_key(lead)].append(lead)

    def pair(self, rows: list[_Row], records: list) -> None:
        """Rows of one key with the records of that key: equal ones first, then in order."""
        left = list(records)
        pending = []
        for row in rows:
            same = next((r for r in left if not self.changes(row, r)), None)
            if same is None:
                pending.append(row)
            else:
                left.remove(same)
        for row in pending:
            if left:
                self.update(row, left.pop(0))
            else:
                self.create(row)

    def planned(self, row: _Row, existing) -> dict[str, Any]:
        """The record's values after this row, besides its key."""
        v = row.values
        if v["kind"] == LEAD_KIND:
            out = {"content": v.get("summary") or v["title"]}
        else:
            out = {}
            for f, default in _ACTIVITY_FIELDS.items():
                if f in self.has:
                    out[f] = default if v.get(f) is None else v[f]
                else:
                    out[f] = getattr(existing, f) if existing is not None else default
        if v.get("team_id"):
            # The record's own team when it bears that name (a team of an older policy may share it).
            same = existing is not None and existing.team_id and existing.team.name == v["team"]
            out["team_id"] = existing.team_id if same else v["team_id"]
        elif existing is None:
            team = self.actor.team(row.unit)
            out["team_id"] = team.pk if team is not None else None
        return out

    def changes(self, row: _Row, record) -> dict[str, Any]:
        return {f: val for f, val in self.planned(row, record).items() if getattr(record, f) != val}

    def create(self, row: _Row) -> None:
        v = row.values
        unit = row.unit
        name = v.get("enterprise_name", "")
        common = {
            "jurisdiction": self.jurisdictions[unit.jurisdiction_id],
            "unit": unit,
            "enterprise_name": name,
            "enterprise_id": self.enterprise_for(unit.jurisdiction_id, name),
            **self.planned(row, None),
        }
        if v["kind"] == LEAD_KIND:
            self.new_leads.append(
                Lead(reported_on=v["date"], title=v["title"], status=Lead.Status.SUBMITTED, **common)
            )
        else:
            activity = Activity(
                kind=v["kind"],
                date=v["date"],
                place=v.get("place", ""),
                leader=v.get("leader", ""),
                **common,
            )
            self.new_activities.append(activity)
            self.to_check.append((row, activity, {}))
        row.outcome = "created"

    def update(self, row: _Row, record) -> None:
        changes = self.changes(row, record)
        if isinstance(record, Lead):
            if record.status != Lead.Status.SUBMITTED and self.actor.clerk:
                self.error(
                    row,
                    "内容",
                    f"线索“{record.title}”已甄别（{record.get_status_display()}），如需修改请联系招商办",
                )
                return
            self.changed_leads.append((record, changes))
        else:
            self.changed_activities.append((record, changes))
            self.to_check.append((row, record, changes))
        row.outcome = "updated"

    def check_activities(self) -> None:
        """The model's rules on each activity as its row leaves it, unsaved, before the bulk write:
        what `Activity.full_clean` asks of one record (`follow_trip`, `trip_errors`,
        `record_errors`) and, for trips whose 天数 change, `visits_outside` over their visits
        (one query). Field validators and cell checks are the layout's (`exchange/layouts.py`);
        the kind cannot change here (类型 is part of the key), so neither can its visits'."""
        planned: list[tuple[_Row, Activity, dict]] = []
        trips: dict[int, Activity] = {}
        longer: list[int] = []  # trips whose 天数 change
        for row, record, changes in self.to_check:
            obj = record
            if record.pk is not None:
                obj = copy.copy(record)
                for f, val in changes.items():
                    setattr(obj, f, val)
                if obj.kind == Activity.Kind.OUTBOUND_TRIP:
                    trips[obj.pk] = obj
                    if "days" in changes:
                        longer.append(obj.pk)
            planned.append((row, obj, changes))
        visits: dict[int, list[Activity]] = defaultdict(list)
        if longer:
            for i in range(0, len(longer), 900):
                qs = Activity.objects.filter(trip_id__in=longer[i : i + 900], kind=Activity.Kind.VISIT)
                for visit in qs.only("trip_id", "date", "enterprise_name").order_by("date", "pk"):
                    visits[visit.trip_id].append(visit)
        for row, obj, changes in planned:
            errors = {}
            if obj.trip_id and obj.kind == Activity.Kind.VISIT:
                # The trip as this import leaves it; what the row sets of the trip's fields must be
                # the trip's, as the API refuses another value (`derived_message`).
                obj.trip = trips.get(obj.trip_id, obj.trip)
                sent = {f: changes[f] for f in changes if f in _FROM_TRIP_ATTNAMES}
                obj.follow_trip()
                for attname, value in sent.items():
                    if getattr(obj, attname) != value:
                        name = _FROM_TRIP_ATTNAMES[attname]
                        errors[name] = obj.derived_message(name)
            errors = {**obj.trip_errors(), **obj.record_errors(), **errors}
            if obj.pk in visits:
                outside = obj.visits_outside(visits[obj.pk])
                if outside:
                    errors.setdefault("days", outside["date"])
            for name, message in errors.items():
                self.error(row, self.column_of(name), message)

    def check_cells(self, row: _Row) -> None:
        """A row already in error is not matched to a record; the model's own rules
        (`Activity.record_errors`) are still asked of its cells, so every error shows at once."""
        v = row.values
        cells = {
            f: v[f] for f in (*_ACTIVITY_FIELDS, "place", "leader", "enterprise_name") if v.get(f) is not None
        }
        named = {e.column for e in self.result.errors if e.row == row.number}
        for name, message in Activity(kind=v["kind"], **cells).record_errors().items():
            column = self.column_of(name)
            if column not in named:
                self.error(row, column, message)

    def column_of(self, name: str) -> str:
        """The sheet's header for an activity's field: a reception's merchant is 企业名称 when the
        sheet has no 客商; a field without a column by its own name."""
        if name == "merchant" and "merchant" not in self.has:
            name = "enterprise_name"
        column = next((c for c in self.layout.all_columns if c.key == name), None)
        return column.header if column is not None else str(Activity._meta.get_field(name).verbose_name)

    def follow_trips(self, trips: list[Activity]) -> None:
        """The visits of the trips the import updated follow them, as `Activity.save` brings them
        along: each visit whose jurisdiction, unit, team, leader or head-led flag changes is
        updated in bulk and logged with its before and after, as its own save would log it."""
        if not trips:
            return
        by_pk = {trip.pk: trip for trip in trips}
        visits = []
        pks = list(by_pk)
        for i in range(0, len(pks), 900):
            qs = Activity.objects.filter(trip_id__in=pks[i : i + 900], kind=Activity.Kind.VISIT)
            visits += qs.select_for_update(of=("self",)).order_by("pk")
        objs, befores = [], []
        for visit in visits:
            trip = by_pk[visit.trip_id]
            if all(getattr(visit, a) == getattr(trip, a) for a in _FROM_TRIP_ATTNAMES):
                continue
            befores.append(snapshot(visit))
            visit.trip = trip
            visit.follow_trip()
            visit.jurisdiction = trip.jurisdiction
            objs.append(visit)
        if not objs:
            return
        _stamp(objs)
        Activity.objects.bulk_update(objs, [*Activity.FROM_TRIP, "place", "date", "updated"], batch_size=500)
        record_many(objs, "update", befores)

    def enterprise_for(self, jurisdiction_id: int, name: str) -> int | None:
        """The 客商库 enterprise the user can see whose name matches (`names_match`), if any."""
        if not name:
            return None
        holders = self._holders.get(jurisdiction_id)
        if holders is None:
            visible = Enterprise.objects.visible_to(self.actor.user).filter(jurisdiction_id=jurisdiction_id)
            holders = self._holders[jurisdiction_id] = _Holders(
                visible.order_by("created", "pk").only("name", "short_name", "former_names")
            )
        hit = holders.find(name)
        return hit.pk if hit is not None else None

    def write(self) -> None:
        for model, new, changed in (
            (Activity, self.new_activities, self.changed_activities),
            (Lead, self.new_leads, self.changed_leads),
        ):
            model.objects.bulk_create(new, batch_size=1000)
            record_many(new, "create")
            if not changed:
                continue
            whole = _fetch(model, [record.pk for record, _ in changed])
            objs, befores, fields = [], [], {"updated"}
            for record, changes in changed:
                obj = whole[record.pk]
                befores.append(snapshot(obj))
                for f, val in changes.items():
                    setattr(obj, f, val)
                fields.update(changes)
                obj.jurisdiction = self.jurisdictions.get(obj.jurisdiction_id) or obj.jurisdiction
                objs.append(obj)
            _stamp(objs)
            model.objects.bulk_update(objs, sorted(fields), batch_size=500)
            record_many(objs, "update", befores)
            if model is Activity:
                self.follow_trips([o for o in objs if o.kind == Activity.Kind.OUTBOUND_TRIP])
        self.result.leads_created = len(self.new_leads)
        self.result.leads_updated = len(self.changed_leads)
        self.count()

    def check_scope(self) -> list[ImportError]:
        if not self.actor.clerk:
            return []
        problems = []
        for model, objs in (
            (Activity, self.new_activities + [a for a, _ in self.changed_activities]),
            (Lead, self.new_leads + [lead for lead, _ in self.changed_leads]),
        ):
            seen = _visible_ids(model, self.actor.user, [o.pk for o in objs])
            problems += [
                ImportError(None, "单位", f"“{o}”{OUT_OF_SCOPE}，未导入任何数据")
                for o in objs
                if o.pk not in seen
            ]
        return problems


# Each kind of sheet: the model whose change permission it needs, and the job that imports it.
_JOBS = {
    PROJECTS.kind: (Project, _ProjectImport),
    INVESTMENTS.kind: (Investment, _InvestmentImport),
    ACTIVITIES.kind: (Activity, _ActivityImport),
}

# What the office enters for assessments (statistics, decisions, project taxes…): exchange/entries.py.
from .entries import ENTRY_JOBS  # noqa: E402

_JOBS.update(ENTRY_JOBS)
