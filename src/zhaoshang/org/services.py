"""Writes to the organisation. Views, the API, imports and commands all call these."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from zhaoshang.engine.organisation import all_group_members
from zhaoshang.engine.schema import Policy as PolicySpec

from .models import HolderGroup, Jurisdiction, Period, Person, Policy, Target, Team, Unit


@dataclass
class LoadReport:
    policy: Policy
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool, changed: bool):
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1
        elif changed:
            self.updated[kind] = self.updated.get(kind, 0) + 1


def _upsert(model, lookup: dict, values: dict, *, keep: tuple[str, ...] = ()):
    """Create, or update only the fields that differ; `keep` fields are set on creation only
    (the office may have edited them since)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**{**lookup, **values})
        obj.save()
        return obj, True, True
    changed = False
    for name, value in values.items():
        if name in keep:
            continue
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.save()
    return obj, False, changed


def _set_m2m(manager, objs):
    wanted = {o.pk for o in objs}
    if set(manager.values_list("pk", flat=True)) != wanted:
        manager.set(list(wanted))
        return True
    return False


def _declared(model, jurisdiction, name: str) -> dict:
    """How to find a unit or person the file declares: by the name it had in the file (the
    office may have renamed a placeholder since), else by its current name."""
    if model.objects.filter(jurisdiction=jurisdiction, declared_as=name).exists():
        return {"jurisdiction": jurisdiction, "declared_as": name}
    return {"jurisdiction": jurisdiction, "name": name}


def _jurisdiction(spec, parent) -> tuple[Jurisdiction, bool, bool]:
    return _upsert(
        Jurisdiction, {"code": spec.code}, {"name": spec.name, "level": spec.level, "parent": parent}
    )


@transaction.atomic
def policy_load(*, spec: PolicySpec) -> LoadReport:
    """Create or bring up to date everything a policy file declares. Loading the same file
    twice changes nothing; names the office has since corrected on placeholder teams and
    people are kept."""
    content_json = spec.model_dump_json()
    # Hash of the validated content, not the file text: comments and layout are not changes.
    digest = hashlib.sha256(
        json.dumps(json.loads(content_json), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()

    parent = None
    for p in spec.parents:
        parent, *_ = _jurisdiction(p, parent)
    home, *_ = _jurisdiction(spec.jurisdiction, parent)
    subs = {s.code: _jurisdiction(s, home)[0] for s in spec.subdivisions}

    main = spec.period(spec.main_period)
    existing = Policy.objects.filter(name=spec.name).first()
    values = {
        "jurisdiction": home,
        "title": spec.document.title,
        "document_number": spec.document.number or "",
        "issuer": spec.document.issuer,
        "source": spec.document.source,
        "office": spec.office,
        "start": main.start,
        "end": main.end,
        "content_json": content_json,
        "content_hash": digest,
    }
    if existing is None or existing.content_hash != digest:
        values["loaded_at"] = timezone.now()
    policy, created, changed = _upsert(Policy, {"name": spec.name}, values)
    report = LoadReport(policy)
    report.count("policy", created, changed)

    units: dict[str, Unit] = {}
    for u in spec.units:
        j = subs.get(u.jurisdiction, home) if u.jurisdiction else home
        obj, c, ch = _upsert(
            Unit,
            {"jurisdiction": j, "name": u.name},
            {
                "kind": u.kind,
                "full_name": u.full_name or "",
                "aliases": list(u.aliases),
                "placeholder": u.placeholder,
            },
        )
        report.count("unit", c, ch)
        units[u.name] = obj
        for a in u.aliases:
            units[a] = obj

    people: dict[str, Person] = {}
    for p in spec.people:
        obj, c, ch = _upsert(
            Person,
            _declared(Person, home, p.name),
            {
                "name": p.name,
                "declared_as": p.name,
                "title": p.title or "",
                "kind": p.kind,
                "placeholder": p.placeholder,
            },
            keep=("name", "title", "placeholder") if p.placeholder else (),
        )
        report.count("person", c, ch)
        people[p.name] = obj

    teams: dict[str, Team] = {}
    for t in spec.teams:
        obj, c, ch = _upsert(
            Team,
            {"policy": policy, "key": t.key},
            {
                "jurisdiction": home,
                "number": t.number,
                "name": t.name,
                "kind": t.kind,
                "focus_industries": list(t.focus_industries),
                "channels": list(t.channels),
                "resident_regions": list(t.resident_regions),
                "chain_leaders": list(t.chain_leaders),
                "head": people.get(t.head) if t.head else None,
                "lead_unit": units.get(t.lead_unit) if t.lead_unit else None,
                "target_text": t.target_text or "",
                "clause": t.clause,
                "placeholder": t.placeholder,
            },
            keep=("name",) if t.placeholder else (),
        )
        ch |= _set_m2m(obj.deputies, [people[d] for d in t.deputies])
        ch |= _set_m2m(obj.member_units, [units[m] for m in t.member_units])
        report.count("team", c, ch)
        teams[t.key] = obj

    members = all_group_members(spec)
    groups: dict[str, HolderGroup] = {}
    for g in spec.groups:
        obj, c, ch = _upsert(
            HolderGroup,
            {"policy": policy, "key": g.key},
            {
                "jurisdiction": home,
                "label": g.label,
                "holder": g.holder,
                "target_text": g.target_text or "",
                "clause": g.clause,
            },
        )
        names = members[g.key]
        if g.holder == "team":
            ch |= _set_m2m(obj.teams, [teams[k] for k in names])
        elif g.holder == "unit":
            ch |= _set_m2m(obj.units, [units[n] for n in names])
        elif g.holder == "person":
            ch |= _set_m2m(obj.people, [people[n] for n in names])
        else:
            by_code = {home.code: home, **subs}
            ch |= _set_m2m(obj.jurisdictions, [by_code[n] for n in names])
        report.count("group", c, ch)
        groups[g.key] = obj

    periods: dict[str, Period] = {}
    for p in spec.periods:
        obj, c, ch = _upsert(
            Period,
            {"policy": policy, "key": p.key},
            {
                "jurisdiction": home,
                "label": p.label,
                "kind": p.kind,
                "start": p.start,
                "end": p.end,
                "weight": p.weight,
            },
        )
        report.count("period", c, ch)
        periods[p.key] = obj

    wanted: set[int] = set()

    def target(holder_kind: str, holder, t, group_key: str = ""):
        metric = spec.metric(t.metric)
        lookup = {
            "policy": policy,
            "period": periods[t.period or spec.main_period],
            "holder_kind": holder_kind,
            "holder_jurisdiction": holder if holder_kind == "jurisdiction" else None,
            "team": holder if holder_kind == "team" else None,
            "unit": holder if holder_kind == "unit" else None,
            "person": holder if holder_kind == "person" else None,
            "metric": t.metric,
            "group_key": group_key,
        }
        obj, c, ch = _upsert(
            Target,
            lookup,
            {
                "jurisdiction": home,
                "metric_label": metric.label,
                "value": t.value,
                "uom": metric.uom,
                "clause": t.clause,
                "text": t.text or "",
            },
        )
        report.count("target", c, ch)
        wanted.add(obj.pk)

    for t in spec.targets:
        target("jurisdiction", home, t)
    for ts in spec.teams:
        for t in ts.targets:
            target("team", teams[ts.key], t)
    for g in spec.groups:
        for name in members[g.key]:
            holder = {"team": teams, "unit": units, "person": people}.get(
                g.holder, {**{home.code: home}, **subs}
            )[name]
            for t in g.targets:
                target(g.holder, holder, t, g.key)
    for stale in policy.targets.exclude(pk__in=wanted):
        stale.delete()
        report.count("target_removed", True, True)
    return report
