"""The target library in and out of Excel (目标企业名录), all or nothing, with a preview.

The export's layout re-imports (its extra columns — 台账企业, 转入线索, 阶段 — are ignored on the
way in). Each row is checked by the model's clean() (the form's and the API's rules); an error
names its row and column in Chinese, and if any row has one nothing is saved.

Each row is deduplicated (dedupe.py) against the library's targets of the office's jurisdiction,
the file's earlier rows and the ledger's enterprises the user sees:
- the same as a target → that target is updated with the row (so the export round-trips);
- the same as an earlier row → the row is skipped (重复行);
- the same as a ledger enterprise → the target is linked to it (`enterprise`);
- 疑似重复 (names alike, not equal) with a target or an earlier row → the preview flags it and the
  clerk decides: `same` (it is that one: update the target / skip the row), `new` (a different
  enterprise: add it) or `skip` (leave the row out). Undecided, a flagged row is skipped.
  A name alike a ledger enterprise's is shown, and linked only on `same`.

Rows are checked one by one but written together at the end (`bulk_create`/`bulk_update`, with
their change-log entries in one go, `record_many`), so a list of 100,000 rows imports in minutes
rather than hours. The checks are the model's full_clean() without its per-row constraint
queries: clean() holds the date rule, and the dedupe above already makes a row with a credit
code already in the library update that target; should the database still refuse a row, the
whole import is refused. A target to update that someone changed after the import read it (its
`updated`, core/concurrency.py) refuses the file too, naming the row: no edit is lost to an import.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook

from zhaoshang.chains.models import ChainSegment, IndustryChain
from zhaoshang.core.changelog import change_context, record_many, snapshot
from zhaoshang.core.roles import ORG_EDITORS
from zhaoshang.core.scoping import membership
from zhaoshang.exchange.layouts import escape_text, is_blank, parse_date, shown, unescape_text
from zhaoshang.exchange.results import ImportResult as BaseImportResult
from zhaoshang.exchange.results import RowError, first_sheet
from zhaoshang.ledger.models import Enterprise
from zhaoshang.org.models import Team, Unit

from . import funnel
from .dedupe import Index, Match
from .models import LIST_BY_LABEL, LISTS, TargetEnterprise


def max_rows() -> int:
    """Rows one upload may hold (settings ZHAOSHANG_TARGET_IMPORT_MAX_ROWS, default 5000): the
    preview and the import run in the request."""
    return int(getattr(settings, "ZHAOSHANG_TARGET_IMPORT_MAX_ROWS", 5000))


SHEET = "目标企业名录"
# (header, field, required on import)
COLUMNS = [
    ("企业名称", "name", True),
    ("统一社会信用代码", "uscc", False),
    ("所属榜单", "lists", False),
    ("产业链", "chain", False),
    ("产业链环节", "segment", False),
    ("所在地区", "region", False),
    ("来源", "source", False),
    ("责任团队", "team", False),
    ("责任单位", "unit", False),
    ("入库日期", "added_on", False),
    ("移出名录日期", "dropped_on", False),
    ("备注", "notes", False),
]
EXPORTED_ONLY = ["台账企业", "转入线索", "阶段"]
LABELS = {f: h for h, f, _ in COLUMNS}
DATES = {"added_on", "dropped_on"}
_SEPARATORS = re.compile(r"[、,，;；/\s]+")
DECISIONS = {
    "same": "确认重复（更新已有记录或跳过此行）",
    "new": "不是同一家，作为新企业导入",
    "skip": "跳过此行",
}


@dataclass
class RowPreview:
    row: int
    name: str
    action: str  # create, update, unchanged, skip
    note: str = ""
    flagged: bool = False  # 疑似重复: the clerk decides
    decision: str = ""

    @property
    def action_label(self) -> str:
        return {"create": "新增", "update": "更新", "unchanged": "无变化", "skip": "跳过"}[self.action]


@dataclass
class ImportResult(BaseImportResult):
    skipped: int = 0
    linked: int = 0
    preview: list[RowPreview] = field(default_factory=list)

    @property
    def flagged(self) -> list[RowPreview]:
        return [p for p in self.preview if p.flagged]


def _text(value) -> str:
    return escape_text(str(value)) if value not in (None, "") else ""


# --- Export --------------------------------------------------------------------------------------


def export_targets(queryset) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    ws.append([h for h, _, _ in COLUMNS] + EXPORTED_ONLY)
    qs = funnel.with_stage(queryset).select_related("chain", "segment", "team", "unit", "enterprise", "lead")
    for t in qs.order_by("name", "id"):
        ws.append(
            [
                _text(t.name),
                t.uscc,
                "、".join(LISTS.get(k, k) for k in t.lists or ()),
                _text(t.chain.name) if t.chain_id else "",
                _text(t.segment.name) if t.segment_id else "",
                _text(t.region),
                _text(t.source),
                _text(t.team.name) if t.team_id else "",
                _text(t.unit.name) if t.unit_id else "",
                t.added_on,
                t.dropped_on,
                _text(t.notes),
                _text(t.enterprise.name) if t.enterprise_id else "",
                _text(t.lead.title) if t.lead_id else "",
                funnel.stage_label(funnel.target_stage(t)),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- Values --------------------------------------------------------------------------------------


def _lists(value) -> list[str]:
    out = []
    for part in _SEPARATORS.split(str(value).strip()):
        if not part:
            continue
        key = LIST_BY_LABEL.get(part) or (part if part in LISTS else None)
        if key is None:
            raise ValueError(f"未知的榜单“{shown(part)[:30]}”，可选：{'、'.join(LISTS.values())}")
        out.append(key)
    return out


class _Lookups:
    """The chains, segments, teams and units a row may name, read once per import."""

    def __init__(self, jurisdiction):
        codes = [c for c in jurisdiction.path.split("/") if c]
        # With what clean() reads of them, so checking a row costs no query.
        chains = list(
            IndustryChain.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        )
        self.chains: dict[str, list] = {}
        for c in chains:
            self.chains.setdefault(c.name, []).append(c)
        self.segments: dict[tuple[int | None, str], list] = {}
        for s in ChainSegment.objects.filter(chain__in=chains).select_related("chain__jurisdiction"):
            self.segments.setdefault((s.chain_id, s.name), []).append(s)
            self.segments.setdefault((None, s.name), []).append(s)
        self.teams: dict[str, list] = {}
        for t in Team.objects.filter(jurisdiction=jurisdiction):
            self.teams.setdefault(t.name, []).append(t)
        self.units: dict[str, list] = {}
        for u in Unit.objects.filter(jurisdiction=jurisdiction):
            self.units.setdefault(u.name, []).append(u)

    @staticmethod
    def one(found: list, what: str, text: str):
        if not found:
            raise ValueError(f"找不到{what}“{shown(text)[:40]}”")
        if len({x.pk for x in found}) > 1:
            raise ValueError(f"有多个名为“{shown(text)[:40]}”的{what}，请在页面上选择")
        return found[0]


# --- Import --------------------------------------------------------------------------------------


def _preflight(user, result: ImportResult):
    m = membership(user)
    if m is None or m.role not in ORG_EDITORS:
        result.errors.append(RowError(None, None, "只有招商办可以导入目标企业名录"))
        return None
    return m.jurisdiction


def _sheet_rows(data: bytes, result: ImportResult, limit: int):
    rows = first_sheet(data, result)
    if rows is None:
        return None
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [h for h, _, required in COLUMNS if required and h not in headers]
    if missing:
        result.errors.append(RowError(1, None, f"缺少必填列：{'、'.join(missing)}"))
        return None
    if len(rows) - 1 > limit:
        result.errors.append(RowError(None, None, f"一次最多导入 {limit} 行，请分批导入"))
        return None
    col = {f: headers.index(h) for h, f, _ in COLUMNS if h in headers}
    return [
        (n, {f: _cell(raw[i]) if i < len(raw) else "" for f, i in col.items()})
        for n, raw in enumerate(rows[1:], start=2)
    ]


def _cell(raw):
    return unescape_text(raw.strip()) if isinstance(raw, str) else raw


def import_targets(
    data: bytes,
    *,
    user,
    dry_run: bool = False,
    decisions: dict[int, str] | None = None,
    limit: int | None = None,
) -> ImportResult:
    """The 目标企业名录 from Excel. `limit`: the rows a file may hold (the upload's `max_rows()`
    unless the caller, the command line, allows more). `dry_run` gives the preview (nothing saved); `decisions` maps a
    flagged row's number to `same`, `new` or `skip`."""
    result = ImportResult()
    jurisdiction = _preflight(user, result)
    if result.errors:
        return result
    rows = _sheet_rows(data, result, limit or max_rows())
    if rows is None:
        return result
    decisions = decisions or {}
    lookups = _Lookups(jurisdiction)
    targets = Index()
    for t in TargetEnterprise.objects.filter(jurisdiction=jurisdiction).only("pk", "name", "uscc"):
        targets.add(t.pk, t.name, t.uscc)
    ledger = Index()
    for e in (
        Enterprise.objects.visible_to(user)
        .filter(jurisdiction__path__startswith=jurisdiction.path)
        .select_related("jurisdiction")
        .only("pk", "name", "uscc", "short_name", "jurisdiction__path")
    ):
        ledger.add(e, e.name, e.uscc)
    in_file = Index()
    writes = _Writes()
    for number, cells in rows:
        if all(is_blank(v) for v in cells.values()):
            continue
        result.rows += 1
        _row(
            number,
            cells,
            jurisdiction,
            lookups,
            targets,
            ledger,
            in_file,
            decisions.get(number, ""),
            result,
            writes,
        )
    if not result.errors and not dry_run:
        try:
            with transaction.atomic(), change_context(user=user, source="import", reason="导入目标企业名录"):
                result.errors += writes.save()
        except IntegrityError:
            result.errors.append(RowError(None, None, "与已有记录冲突（如统一社会信用代码重复），未导入"))
    if result.errors:
        result.created = result.updated = result.unchanged = result.linked = 0
    return result


# The related records a row names, read by the import itself (lookups, indexes).
RELATED = ["jurisdiction", "chain", "segment", "team", "unit", "enterprise", "lead"]
# Every field a row or clean() may change (all but the key and the creation time).
UPDATED_FIELDS = [f.name for f in TargetEnterprise._meta.concrete_fields if f.name not in ("id", "created")]


class _Writes:
    """The rows checked, written together once every row has passed (module docstring)."""

    BATCH = 2000

    def __init__(self):
        self.new: list[TargetEnterprise] = []
        # A target to update: its row, the target, its snapshot and version (`updated`) as read.
        self.changed: list[tuple[int, TargetEnterprise, dict, object]] = []

    def stale_rows(self) -> list[RowError]:
        """The targets to update that someone changed since this import read them (their rows),
        locked where the database can, so none changes between this check and the write."""
        read = {t.pk: (number, t, version) for number, t, _, version in self.changed}
        pks = list(read)
        stale, found = [], set()
        for i in range(0, len(pks), 900):
            qs = TargetEnterprise.objects.filter(pk__in=pks[i : i + 900]).select_for_update(of=("self",))
            for pk, version in qs.values_list("pk", "updated"):
                found.add(pk)
                number, t, seen = read[pk]
                if version != seen:
                    stale.append(
                        RowError(number, None, f"目标企业“{t.name}”在导入期间已被他人修改，请重新导入")
                    )
        for pk in set(pks) - found:
            number, t, _ = read[pk]
            stale.append(RowError(number, None, f"目标企业“{t.name}”在导入期间已被他人删除，请重新导入"))
        return sorted(stale, key=lambda e: e.row)

    def save(self) -> list[RowError]:
        """Write the rows; or, if a target to update changed meanwhile, nothing (the rows that say so)."""
        stale = self.stale_rows() if self.changed else []
        if stale:
            return stale
        TargetEnterprise.objects.bulk_create(self.new, batch_size=self.BATCH)
        record_many(self.new, "create")
        if self.changed:
            objs = [t for _, t, _, _ in self.changed]
            TargetEnterprise.objects.bulk_update(objs, UPDATED_FIELDS, batch_size=self.BATCH)
            record_many(objs, "update", [before for _, _, before, _ in self.changed])
        return []


def _row(number, cells, jurisdiction, lookups, targets, ledger, in_file, decision, result, writes) -> None:
    before = len(result.errors)

    def err(fname, message):
        result.errors.append(RowError(number, LABELS.get(fname, fname), message))

    values: dict = {}
    for _header, fname, required in COLUMNS:
        raw = cells.get(fname)
        if is_blank(raw):
            if required:
                err(fname, "必填")
            elif fname in cells and fname != "added_on":  # a blank 入库日期 keeps today / the stored day
                values[fname] = (
                    None
                    if fname in ("chain", "segment", "team", "unit", "dropped_on")
                    else ([] if fname == "lists" else "")
                )
            continue
        try:
            if fname in DATES:
                values[fname] = parse_date(raw)
            elif fname == "lists":
                values[fname] = _lists(raw)
            elif fname == "chain":
                values[fname] = lookups.one(lookups.chains.get(str(raw).strip(), []), "产业链", str(raw))
            elif fname in ("team", "unit"):
                table = lookups.teams if fname == "team" else lookups.units
                values[fname] = lookups.one(table.get(str(raw).strip(), []), LABELS[fname], str(raw))
            elif fname != "segment":
                text = str(raw).strip()
                if fname == "uscc" and isinstance(raw, float | int):
                    text = shown(raw)
                limit = TargetEnterprise._meta.get_field(fname).max_length
                if limit and len(text) > limit:
                    raise ValueError(f"不能超过 {limit} 个字")
                values[fname] = text
        except ValueError as exc:
            err(fname, str(exc))
    raw = cells.get("segment")
    if not is_blank(raw) and "chain" not in [e.column for e in result.errors[before:]]:
        chain = values.get("chain")
        try:
            found = lookups.segments.get((chain.pk if chain else None, str(raw).strip()), [])
            values["segment"] = lookups.one(
                found, "产业链环节" if chain is None else f"“{chain.name}”的环节", str(raw)
            )
        except ValueError as exc:
            err("segment", str(exc))
    if len(result.errors) > before:
        return
    name, code = values["name"], values.get("uscc", "")
    preview = RowPreview(number, name, "create")
    if decision == "skip":
        preview.action, preview.decision, preview.note = "skip", decision, "按您的选择跳过"
        preview.flagged = True
        result.skipped += 1
        result.preview.append(preview)
        return
    # Within the file, then the library, then the ledger.
    same_row = in_file.find(name, code)
    match: Match | None = targets.find(name, code)
    if same_row is not None and not same_row.certain and match is not None and match.certain:
        same_row = None  # the row is a target already in the library: that decides
    if same_row is not None and (same_row.certain or decision in ("", "same", "skip")):
        preview.action = "skip"
        if same_row.certain:
            preview.note = f"与第{same_row.ref}行为同一企业（{same_row.how_label}），跳过"
        else:
            preview.flagged, preview.decision = True, decision
            preview.note = f"疑似与第{same_row.ref}行重复（{same_row.how_label}，相似度{same_row.score:.0f}）"
        result.skipped += 1
        result.preview.append(preview)
        return
    in_file.add(number, name, code)
    existing = None
    if match is not None:
        if match.certain or decision == "same":
            existing = TargetEnterprise.objects.select_related(
                "jurisdiction",
                "chain__jurisdiction",
                "segment",
                "team",
                "unit",
                "enterprise__jurisdiction",
                "lead",
            ).get(pk=match.ref)
            if not match.certain:
                values.pop("name")  # confirmed the same: the library keeps its name
                preview.flagged, preview.decision = True, decision
            preview.note = f"与目标企业库中的“{existing.name}”为同一企业（{match.how_label}）"
        elif decision == "new":
            preview.flagged, preview.decision = True, decision
            preview.note = (
                f"疑似与目标企业库中的企业重复（{match.how_label}，相似度{match.score:.0f}），按新企业导入"
            )
        else:
            name_there = TargetEnterprise.objects.filter(pk=match.ref).values_list("name", flat=True).first()
            preview.action, preview.flagged, preview.decision = "skip", True, decision
            preview.note = f"疑似与目标企业库中的“{name_there}”重复（相似度{match.score:.0f}）"
            result.skipped += 1
            result.preview.append(preview)
            return
    t = existing or TargetEnterprise(jurisdiction=jurisdiction)
    before, version = (snapshot(existing), existing.updated) if existing is not None else (None, None)
    hit = ledger.find(name, code)
    if hit is not None and (hit.certain or decision == "same") and not (existing and existing.enterprise_id):
        values["enterprise"] = hit.ref
        preview.note = "；".join(
            x for x in (preview.note, f"关联台账企业“{hit.ref.name}”（{hit.how_label}）") if x
        )
        result.linked += 1
    elif hit is not None and not hit.certain:
        preview.flagged = True
        preview.decision = decision
        preview.note = "；".join(
            x
            for x in (preview.note, f"疑似台账企业“{hit.ref.name}”（相似度{hit.score:.0f}），确认后关联")
            if x
        )
    if existing is not None:
        same = all(getattr(existing, k) == v for k, v in values.items())
        if same:
            preview.action = "unchanged"
            result.unchanged += 1
            result.preview.append(preview)
            return
        preview.action = "update"
    for k, v in values.items():
        setattr(t, k, v)
    if "segment" in values and values["segment"] is not None and "chain" not in values:
        t.chain = values["segment"].chain
    try:
        # The constraints' rules hold without their per-row queries (module docstring), and the
        # related records were all read by this import (a per-field existence query each).
        t.full_clean(exclude=RELATED, validate_constraints=False)
    except ValidationError as exc:
        for fname, messages in exc.message_dict.items():
            for message in messages:
                result.errors.append(
                    RowError(number, None if fname == "__all__" else LABELS.get(fname, fname), message)
                )
        return
    if existing is None:
        writes.new.append(t)  # the file's later rows find it among the file's (in_file)
        result.created += 1
    else:
        t.updated = timezone.now()
        writes.changed.append((number, t, before, version))
        result.updated += 1
    result.preview.append(preview)
