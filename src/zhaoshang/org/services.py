"""Writes to the organisation. Views, the API, imports and commands all call these.

The policy file seeds the organisation; from then on the office's edits are the truth and the
assessment reads them (`effective.py`). Loading the file again merges three ways: a field the
new file changes from the file loaded before takes the new value (and the plan says when that
overrides an office edit); a field the file did not change keeps the office's value. Units and
people are matched by the name the file declared them under, teams, groups and periods by key:
a reload never duplicates them. `policy_load(spec=…, dry_run=True)` returns the plan and writes
nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from zhaoshang.engine.organisation import all_group_members
from zhaoshang.engine.schema import Policy as PolicySpec

from .models import HolderGroup, Jurisdiction, Period, Person, Policy, Target, Team, Unit

MISSING = object()

# Set while the platform itself writes group members (a load, a team's change followed): such
# writes are not the office choosing a group's members.
_syncing: contextvars.ContextVar[bool] = contextvars.ContextVar("org_syncing", default=False)


@contextlib.contextmanager
def syncing():
    token = _syncing.set(True)
    try:
        yield
    finally:
        _syncing.reset(token)


def is_syncing() -> bool:
    return _syncing.get()


KIND_LABELS = {
    "policy": "政策文件",
    "jurisdiction": "行政区划",
    "unit": "单位",
    "person": "人员",
    "team": "团队",
    "group": "任务分组",
    "period": "时期",
    "target": "目标任务",
    "chain": "产业链",
    "segment": "产业链环节",
    "edge": "环节关联",
    "chain_leader": "链主企业",
}


@dataclass(frozen=True)
class Change:
    """One thing a load does: create, update a field, or remove."""

    kind: str
    label: str
    action: str  # create | update | remove
    field: str = ""
    before: object = None
    after: object = None
    overrides: bool = False  # the office had changed this field since the file was loaded

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def action_label(self) -> str:
        return {"create": "新建", "update": "修改", "remove": "删除"}[self.action]

    @property
    def before_shown(self) -> str:
        return _shown(self.before)

    @property
    def after_shown(self) -> str:
        return _shown(self.after)

    def describe(self) -> str:
        where = f"{self.kind_label}“{self.label}”"
        if self.action != "update":
            return f"{self.action_label}{where}"
        text = f"{where}的{self.field}：{_shown(self.before)} → {_shown(self.after)}"
        return text + ("（将覆盖办公室的修改）" if self.overrides else "")


def _shown(value) -> str:
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, (list, tuple, set)):
        return "、".join(_shown(v) for v in value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


@dataclass
class LoadReport:
    policy: Policy
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    dry_run: bool = False

    def count(self, kind: str, created: bool, changed: bool):
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1
        elif changed:
            self.updated[kind] = self.updated.get(kind, 0) + 1

    @property
    def overrides(self) -> list[Change]:
        return [c for c in self.changes if c.overrides]

    def fingerprint(self) -> str:
        """Names this plan: the office confirms the plan it saw, not a later one."""
        text = "\n".join(c.describe() for c in self.changes)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def summary(self) -> str:
        made = "，".join(f"{KIND_LABELS.get(k, k)} {v}" for k, v in self.created.items()) or "无"
        changed = "，".join(f"{KIND_LABELS.get(k, k)} {v}" for k, v in self.updated.items()) or "无"
        return f"新建：{made}；更新：{changed}"


class _DryRun(Exception):
    pass


def _same(a, b) -> bool:
    if isinstance(a, models.Model) or isinstance(b, models.Model):
        return getattr(a, "pk", a) == getattr(b, "pk", b)
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        try:
            return a is not None and b is not None and Decimal(a) == Decimal(b)
        except (TypeError, ArithmeticError):
            return False
    return a == b


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 — a field name without a label is shown as it is
        return name


class _Merge:
    """Create or bring up to date one row at a time, three ways: the row as it is, the file
    loaded before (`old`, None for an object that file did not declare) and the new file."""

    def __init__(self, report: LoadReport):
        self.report = report

    def row(self, model, lookup: dict, new: dict, old: dict | None, *, kind: str, label: str, m2m=None,
            old_m2m=None):  # fmt: skip
        obj = model.objects.filter(**lookup).first()
        created = obj is None
        changed = False
        if created:
            obj = model(**{**lookup, **new})
            obj.save()
            self.report.changes.append(Change(kind, label, "create"))
        else:
            if kind != "target":
                label = str(obj)  # as the office knows it now
            for name, value in new.items():
                was = MISSING if old is None else old.get(name, MISSING)
                if was is not MISSING and _same(value, was):
                    continue  # the file did not change it: the office's value stands
                current = getattr(obj, name)
                if _same(current, value):
                    continue
                overrides = was is not MISSING and not _same(current, was)
                self.report.changes.append(
                    Change(kind, label, "update", _label(model, name), current, value, overrides)
                )
                setattr(obj, name, value)
                changed = True
            if changed:
                obj.save()
        for name, objs in (m2m or {}).items():
            changed |= self.members(obj, name, objs, None if old_m2m is None else old_m2m.get(name),
                                    kind=kind, label=label, created=created)  # fmt: skip
        self.report.count(kind, created, changed)
        return obj, created, changed

    def members(self, obj, name: str, objs, old, *, kind: str, label: str, created: bool = False) -> bool:
        manager = getattr(obj, name)
        wanted = list(dict.fromkeys(objs))
        if not created and old is not None and {o.pk for o in wanted} == {o.pk for o in old}:
            return False
        current = list(manager.all())
        if {o.pk for o in current} == {o.pk for o in wanted}:
            return False
        if not created:
            overrides = old is not None and {o.pk for o in current} != {o.pk for o in old}
            self.report.changes.append(
                Change(
                    kind,
                    label,
                    "update",
                    _label(type(obj), name),
                    [str(o) for o in current],
                    [str(o) for o in wanted],
                    overrides,
                )  # fmt: skip
            )
        manager.set(wanted)
        return True


def _declared(model, jurisdiction, name: str) -> dict:
    """How to find a unit or person the file declares: by the name it had in the file (the
    office may have renamed it since), else by its current name."""
    if model.objects.filter(jurisdiction=jurisdiction, declared_as=name).exists():
        return {"jurisdiction": jurisdiction, "declared_as": name}
    return {"jurisdiction": jurisdiction, "name": name}


def _jurisdiction(spec, parent, merge: _Merge) -> Jurisdiction:
    obj, *_ = merge.row(
        Jurisdiction,
        {"code": spec.code},
        {"name": spec.name, "level": spec.level, "parent": parent},
        None,
        kind="jurisdiction",
        label=spec.name,
    )
    return obj


def policy_load(*, spec: PolicySpec, dry_run: bool = False) -> LoadReport:
    """Create or bring up to date everything a policy file declares. Loading the same file
    twice changes nothing; what the office changed and the file did not is kept. With
    `dry_run`, the report says what it would do and nothing is written."""
    holder: list[LoadReport] = []
    try:
        with transaction.atomic():
            holder.append(_load(spec))
            if dry_run:
                raise _DryRun
    except _DryRun:
        holder[0].dry_run = True
    return holder[0]


def _load(spec: PolicySpec) -> LoadReport:
    with syncing():
        return _load_in_sync(spec)


def _load_in_sync(spec: PolicySpec) -> LoadReport:
    content_json = spec.model_dump_json()
    # Hash of the validated content, not the file text: comments and layout are not changes.
    digest = hashlib.sha256(
        json.dumps(json.loads(content_json), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    existing = Policy.objects.select_for_update().filter(name=spec.name).first()
    old = existing.spec() if existing is not None else None
    report = LoadReport(existing)  # type: ignore[arg-type]
    merge = _Merge(report)

    parent = None
    for p in spec.parents:
        parent = _jurisdiction(p, parent, merge)
    home = _jurisdiction(spec.jurisdiction, parent, merge)
    subs = {s.code: _jurisdiction(s, home, merge) for s in spec.subdivisions}

    main = spec.period(spec.main_period)
    values = {
        "jurisdiction": home,
        "title": spec.document.title,
        "document_number": spec.document.number or "",
        "issuer": spec.document.issuer,
        "source": spec.document.source,
        "office": spec.office,
        "start": main.start,
        "end": main.end,
    }
    policy = existing
    dirty = policy is None
    if policy is None:
        policy = Policy(name=spec.name, **values)
        report.changes.append(Change("policy", spec.document.title, "create"))
        report.count("policy", True, True)
    else:
        for name, value in values.items():
            if not _same(getattr(policy, name), value):
                report.changes.append(
                    Change(
                        "policy",
                        spec.document.title,
                        "update",
                        _label(Policy, name),
                        getattr(policy, name),
                        value,
                    )
                )
                setattr(policy, name, value)
                dirty = True
    if existing is None or existing.content_hash != digest:
        if existing is not None:
            report.count("policy", False, True)
            report.changes.append(
                Change("policy", spec.document.title, "update", "政策内容", "原文件", "新文件")
            )
        policy.content_json, policy.content_hash, policy.loaded_at = content_json, digest, timezone.now()
        dirty = True
    if dirty:
        policy.save()
    report.policy = policy

    # Units and people, matched by the name the file declared them under.
    units: dict[str, Unit] = {}
    old_units = {u.name: u for u in old.units} if old else {}
    for u in spec.units:
        j = subs.get(u.jurisdiction, home) if u.jurisdiction else home
        was = old_units.get(u.name)
        obj, *_ = merge.row(
            Unit,
            _declared(Unit, j, u.name),
            {"name": u.name, "declared_as": u.name, "kind": u.kind, "full_name": u.full_name or "",
             "aliases": list(u.aliases), "placeholder": u.placeholder},
            None if was is None else {"name": was.name, "declared_as": was.name, "kind": was.kind,
                                      "full_name": was.full_name or "", "aliases": list(was.aliases),
                                      "placeholder": was.placeholder},
            kind="unit",
            label=u.name,
        )  # fmt: skip
        units[u.name] = obj
        for a in u.aliases:
            units[a] = obj

    def unit_of(name: str | None):
        if not name:
            return None
        found = units.get(name)
        if found is None:
            found = Unit.objects.filter(jurisdiction__path__startswith=home.path, declared_as=name).first()
        return found if found is not None else MISSING

    people: dict[str, Person] = {}
    old_people = {p.name: p for p in old.people} if old else {}
    for p in spec.people:
        was = old_people.get(p.name)
        obj, *_ = merge.row(
            Person,
            _declared(Person, home, p.name),
            {"name": p.name, "declared_as": p.name, "title": p.title or "", "kind": p.kind,
             "placeholder": p.placeholder},
            None if was is None else {"name": was.name, "declared_as": was.name, "title": was.title or "",
                                      "kind": was.kind, "placeholder": was.placeholder},
            kind="person",
            label=p.name,
        )  # fmt: skip
        people[p.name] = obj

    def person_of(name: str | None):
        if not name:
            return None
        found = people.get(name)
        if found is None:
            found = Person.objects.filter(jurisdiction=home, declared_as=name).first()
        return found if found is not None else MISSING

    def resolved(values: dict) -> dict:
        """Old values whose people or units no longer exist are unknown, not None."""
        return {k: v for k, v in values.items() if v is not MISSING}

    teams: dict[str, Team] = {}
    old_teams = {t.key: t for t in old.teams} if old else {}
    for t in spec.teams:
        was = old_teams.get(t.key)
        old_values = old_m2m = None
        if was is not None:
            old_values = resolved(
                {"number": was.number, "name": was.name, "kind": was.kind,
                 "focus_industries": list(was.focus_industries), "channels": list(was.channels),
                 "resident_regions": list(was.resident_regions), "chain_leaders": list(was.chain_leaders),
                 "head": person_of(was.head), "lead_unit": unit_of(was.lead_unit),
                 "target_text": was.target_text or "", "clause": was.clause, "placeholder": was.placeholder}
            )  # fmt: skip
            old_m2m = {
                "deputies": [x for x in (person_of(d) for d in was.deputies) if x not in (MISSING, None)],
                "member_units": [
                    x for x in (unit_of(m) for m in was.member_units) if x not in (MISSING, None)
                ],
            }
        obj, *_ = merge.row(
            Team,
            {"policy": policy, "key": t.key},
            {"jurisdiction": home, "number": t.number, "name": t.name, "kind": t.kind,
             "focus_industries": list(t.focus_industries), "channels": list(t.channels),
             "resident_regions": list(t.resident_regions), "chain_leaders": list(t.chain_leaders),
             "head": people.get(t.head) if t.head else None,
             "lead_unit": units.get(t.lead_unit) if t.lead_unit else None,
             "target_text": t.target_text or "", "clause": t.clause, "placeholder": t.placeholder},
            old_values,
            kind="team",
            label=t.name,
            m2m={"deputies": [people[d] for d in t.deputies], "member_units": [units[m] for m in t.member_units]},
            old_m2m=old_m2m,
        )  # fmt: skip
        teams[t.key] = obj

    new_members = all_group_members(spec)
    old_members = all_group_members(old) if old else {}
    by_code = {home.code: home, **subs}

    def member_objs(g, names) -> list:
        look = {"team": lambda n: teams.get(n), "unit": unit_of, "person": person_of}.get(
            g.holder, by_code.get
        )
        return [x for x in (look(n) for n in names) if x not in (MISSING, None)]

    old_groups = {g.key: g for g in old.groups} if old else {}
    for g in spec.groups:
        was = old_groups.get(g.key)
        obj, created_group, _ = merge.row(
            HolderGroup,
            {"policy": policy, "key": g.key},
            {"jurisdiction": home, "label": g.label, "holder": g.holder, "target_text": g.target_text or "",
             "clause": g.clause},
            None if was is None else {"label": was.label, "holder": was.holder,
                                      "target_text": was.target_text or "", "clause": was.clause},
            kind="group",
            label=g.label,
        )  # fmt: skip
        if obj.members_edited and was is not None:
            # The office chose this group's members: they stand unless the file changed them.
            before = member_objs(was, old_members.get(g.key, []))
            after = member_objs(g, new_members[g.key])
            if {o.pk for o in before} != {o.pk for o in after}:
                with syncing():
                    merge.members(obj, _m2m_name(g.holder), after, before, kind="group", label=g.label)
                obj.members_edited = False
                obj.save()

    old_periods = {p.key: p for p in old.periods} if old else {}
    for p in spec.periods:
        was = old_periods.get(p.key)
        merge.row(
            Period,
            {"policy": policy, "key": p.key},
            {"jurisdiction": home, "label": p.label, "kind": p.kind, "start": p.start, "end": p.end,
             "weight": p.weight},
            None if was is None else {"label": was.label, "kind": was.kind, "start": was.start,
                                      "end": was.end, "weight": was.weight},
            kind="period",
            label=p.label,
        )  # fmt: skip

    sync_groups(policy, report=report)
    _load_targets(
        policy, spec, old, merge, teams=teams, unit_of=unit_of, person_of=person_of, by_code=by_code
    )
    # The industry chains the file names (chains/services.py): the chains app builds on org.
    from zhaoshang.chains.services import chains_load

    chains_load(policy=policy, spec=spec, old=old, merge=merge, teams=teams, unit_of=unit_of)
    return report


def _m2m_name(holder: str) -> str:
    return {"team": "teams", "unit": "units", "person": "people", "jurisdiction": "jurisdictions"}[holder]


def _target_lookup(policy, period, holder_kind: str, holder, metric: str, group_key: str) -> dict:
    return {
        "policy": policy,
        "period": period,
        "holder_kind": holder_kind,
        "holder_jurisdiction": holder if holder_kind == "jurisdiction" else None,
        "team": holder if holder_kind == "team" else None,
        "unit": holder if holder_kind == "unit" else None,
        "person": holder if holder_kind == "person" else None,
        "metric": metric,
        "group_key": group_key,
    }


def _load_targets(policy, spec, old, merge: _Merge, *, teams, unit_of, person_of, by_code) -> None:
    """Targets of the jurisdiction, the teams and every member of each group as the groups now
    stand; a target the old file declared and the new one does not is removed."""
    from .effective import effective

    periods = {p.key: p for p in policy.periods.all()}
    home = policy.jurisdiction
    current = effective(policy).spec
    members = all_group_members(current)
    names = current.unit_names()

    def holders_of(group, found) -> list:
        out = []
        for n in found:
            if group.holder == "team":
                out.append(teams.get(n) or Team.objects.filter(policy=policy, key=n).first())
            elif group.holder == "unit":
                out.append(Unit.objects.filter(jurisdiction__path__startswith=home.path,
                                               name=names[n].name if n in names else n).first())  # fmt: skip
            elif group.holder == "person":
                out.append(Person.objects.filter(jurisdiction=home, name=n).first())
            else:
                out.append(by_code.get(n) or Jurisdiction.objects.filter(code=n).first())
        return [h for h in out if h is not None]

    def declared(s) -> list[tuple]:
        """(period key, holder kind, holder, target spec, group key) for each target `s` sets."""
        out = [(t.period or s.main_period, "jurisdiction", home, t, "") for t in s.targets]
        for ts in s.teams:
            team = teams.get(ts.key) or Team.objects.filter(policy=policy, key=ts.key).first()
            if team is not None:
                out += [(t.period or s.main_period, "team", team, t, "") for t in ts.targets]
        return out

    def old_group_targets(s) -> list[tuple]:
        out = []
        for g, found in ((g, all_group_members(s)[g.key]) for g in s.groups):
            look = {"team": lambda n: teams.get(n), "unit": unit_of, "person": person_of}.get(
                g.holder, by_code.get
            )
            for n in found:
                h = look(n)
                if h in (MISSING, None):
                    continue
                out += [(t.period or s.main_period, g.holder, h, t, g.key) for t in g.targets]
        return out

    new = declared(spec)
    for g in spec.groups:
        cg = current.group(g.key)
        for h in holders_of(cg or g, members.get(g.key, [])):
            new += [(t.period or spec.main_period, g.holder, h, t, g.key) for t in g.targets]
    old_index = {}
    if old is not None:
        for period_key, kind, h, t, gk in declared(old) + old_group_targets(old):
            old_index[(period_key, kind, h.pk, t.metric, gk)] = t

    kept: set[tuple] = set()
    for period_key, kind, h, t, gk in new:
        metric = spec.metric(t.metric)
        identity = (period_key, kind, h.pk, t.metric, gk)
        kept.add(identity)
        was = old_index.get(identity)
        merge.row(
            Target,
            _target_lookup(policy, periods[period_key], kind, h, t.metric, gk),
            {"jurisdiction": home, "metric_label": metric.label, "value": t.value, "uom": metric.uom,
             "clause": t.clause, "text": t.text or ""},
            None if was is None else {"metric_label": metric.label, "value": was.value, "uom": metric.uom,
                                      "clause": was.clause, "text": was.text or ""},
            kind="target",
            label=f"{h} {metric.label}（{periods[period_key].label}）",
        )  # fmt: skip
    for identity in set(old_index) - kept:
        period_key, kind, pk, metric_key, gk = identity
        if period_key not in periods:
            continue
        lookup = {"policy": policy, "period": periods[period_key], "holder_kind": kind, "metric": metric_key,
                  "group_key": gk, {"jurisdiction": "holder_jurisdiction_id"}.get(kind, f"{kind}_id"): pk}  # fmt: skip
        for stale in Target.objects.filter(**lookup):
            merge.report.changes.append(Change("target", str(stale), "remove"))
            merge.report.count("target_removed", True, True)
            stale.delete()


# --- The organisation after the office's edits -------------------------------------------------


def sync_groups(policy: Policy, report: LoadReport | None = None) -> None:
    """Groups the office has not chosen the members of follow the teams (a group of the teams'
    lead units gains a team's new lead unit); every member of every group has its targets."""
    from .effective import effective

    spec = effective(policy).spec
    members = all_group_members(spec)
    names = spec.unit_names()
    home = policy.jurisdiction
    merge = _Merge(report or LoadReport(policy))
    periods = {p.key: p for p in policy.periods.all()}
    with syncing():
        for group in policy.groups.all():
            g = spec.group(group.key)
            if g is None:
                continue
            found = members.get(g.key, [])
            if g.holder == "team":
                objs = list(Team.objects.filter(policy=policy, key__in=found))
            elif g.holder == "unit":
                wanted = [names[n].name if n in names else n for n in found]
                objs = list(Unit.objects.filter(jurisdiction__path__startswith=home.path, name__in=wanted))
            elif g.holder == "person":
                objs = list(Person.objects.filter(jurisdiction=home, name__in=found))
            else:
                objs = list(Jurisdiction.objects.filter(code__in=found))
            if not group.members_edited:
                merge.members(group, _m2m_name(g.holder), objs, None, kind="group", label=group.label)
            for h in objs:
                for t in g.targets:
                    key = t.period or spec.main_period
                    if key not in periods:
                        continue
                    lookup = _target_lookup(policy, periods[key], g.holder, h, t.metric, g.key)
                    if not Target.objects.filter(**lookup).exists():
                        metric = spec.metric(t.metric)
                        Target.objects.create(**lookup, jurisdiction=home, metric_label=metric.label,
                                              value=t.value, uom=metric.uom, clause=t.clause,
                                              text=t.text or "")  # fmt: skip
                        merge.report.changes.append(Change("target", f"{h} {metric.label}", "create"))


def group_members_chosen(group: HolderGroup) -> None:
    """The office chose a group's members (form, API, admin): the group no longer follows the
    teams, and its new members get the group's targets."""
    if is_syncing():
        return
    if not group.members_edited:
        group.members_edited = True
        group.save(update_fields=["members_edited", "updated"])
    sync_groups(group.policy)


@transaction.atomic
def add_period(*, policy: Policy, key: str, label: str, kind: str, start: date, end: date,
               weight: Decimal | None = None, copy_targets_from: Period | None = None) -> Period:  # fmt: skip
    """A further period of a policy (the next year of a rule that runs over several): its
    targets start as a copy of another period's, for the office to adjust."""
    period = Period(policy=policy, jurisdiction=policy.jurisdiction, key=key, label=label, kind=kind,
                    start=start, end=end, weight=weight)  # fmt: skip
    period.full_clean()
    if policy.spec().period(key) is not None:
        raise ValidationError({"key": "政策文件中已有此代号的时期"})
    period.save()
    if copy_targets_from is not None:
        if copy_targets_from.policy_id != policy.pk:
            raise ValidationError({"copy_targets_from": "只能复制本政策文件的时期的目标"})
        for t in copy_targets_from.targets.all():
            t.pk = None
            t.period = period
            t._state.adding = True
            t.save()
    return period
