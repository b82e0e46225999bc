"""The organisation and targets an assessment reads: the policy file as the office keeps it.

The policy file seeds the organisation (`services.policy_load`); from then on the database is
the source of truth. `effective_many` reads it back into the engine's terms: a policy spec whose
units and people carry the names the office confirmed, whose teams list the members, heads and
lead units the office recorded, whose groups follow the teams (or list the members the office
chose), with the periods the office added; and a target fact for every target row, so an edited
value reaches the rules.

An `Organisation` is stored with every assessment run (`AssessmentRun.organisation`), so a
published period keeps the organisation and targets it was assessed on: a correction reuses
them unless the office asks for the current ones (an edit in July does not rewrite June).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from pydantic import ValidationError as PydanticError

from zhaoshang.engine import facts as ef
from zhaoshang.engine.organisation import all_group_members
from zhaoshang.engine.schema import Policy as PolicySpec

from .models import HolderGroup, Jurisdiction, Period, Person, Policy, Target, Team, Unit

# Validated specs by the digest of their content: most runs read an unchanged organisation.
_SPECS: dict[str, PolicySpec] = {}
_SPECS_MAX = 64


@dataclass(frozen=True)
class Organisation:
    """A policy's organisation and targets as the assessment reads them."""

    content: dict
    targets: tuple[ef.TargetFact, ...]
    digest: str

    @property
    def spec(self) -> PolicySpec:
        spec = _SPECS.get(self.digest)
        if spec is None:
            if len(_SPECS) >= _SPECS_MAX:
                _SPECS.pop(next(iter(_SPECS)))
            try:
                spec = PolicySpec.model_validate(self.content)
            except PydanticError as exc:
                # The models hold each value to the policy file's form; should one slip through
                # (an edit in the admin's raw SQL, an old row), the run says so, it does not fail.
                where = "、".join(".".join(str(x) for x in e["loc"]) for e in exc.errors()[:3])
                raise ValidationError(
                    f"系统中的组织或目标有不符合政策文件格式的内容（{where}），请核对后再计算"
                ) from None
            _SPECS[self.digest] = spec
        return spec

    def to_json(self) -> dict:
        return {
            "content": self.content,
            "targets": [
                {
                    "holder_kind": t.holder.kind,
                    "holder": t.holder.key,
                    "metric": t.metric,
                    "period": t.period,
                    "value": str(t.value),
                    "clause": t.clause,
                }
                for t in self.targets
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> Organisation:
        targets = tuple(
            ef.TargetFact(
                ef.Holder(t["holder_kind"], t["holder"]),
                t["metric"],
                t["period"],
                Decimal(t["value"]),
                t["clause"],
            )
            for t in data.get("targets", ())
        )
        return cls(data["content"], targets, _digest(data["content"], targets))


def _digest(content: dict, targets: Iterable[ef.TargetFact]) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    text += "|" + ";".join(f"{t.holder.kind}:{t.holder.key}:{t.metric}:{t.period}:{t.value}" for t in targets)
    return hashlib.sha256(text.encode()).hexdigest()


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def effective(policy: Policy) -> Organisation:
    return effective_many([policy])[policy.pk]


def effective_many(policies: Iterable[Policy]) -> dict[int, Organisation]:
    """Each policy's organisation as the office keeps it, with a fixed number of queries."""
    policies = list(policies)
    if not policies:
        return {}
    ids = [p.pk for p in policies]
    homes = {p.pk: p.jurisdiction for p in policies}
    paths = {j: (code, path) for j, code, path in Jurisdiction.objects.values_list("pk", "code", "path")}
    covered = {
        p.pk: {j for j, (_c, path) in paths.items() if path.startswith(homes[p.pk].path)} for p in policies
    }
    jurisdictions = set().union(*covered.values())
    units = {
        u["pk"]: u
        for u in Unit.objects.filter(jurisdiction_id__in=jurisdictions).values(
            "pk", "jurisdiction_id", "name", "declared_as", "kind", "full_name", "placeholder"
        )
    }
    people = {
        p["pk"]: p
        for p in Person.objects.filter(jurisdiction_id__in=jurisdictions).values(
            "pk", "jurisdiction_id", "name", "declared_as", "title", "kind", "placeholder"
        )
    }
    teams = {
        t["pk"]: t
        for t in Team.objects.filter(policy_id__in=ids).values(
            "pk", "policy_id", "key", "name", "head_id", "lead_unit_id", "placeholder"
        )
    }
    deputies: dict[int, list[int]] = defaultdict(list)
    for team_id, person_id in (
        Team.deputies.through.objects.filter(team__policy_id__in=ids)
        .order_by("pk")
        .values_list("team_id", "person_id")
    ):
        deputies[team_id].append(person_id)
    members: dict[int, list[int]] = defaultdict(list)
    for team_id, unit_id in (
        Team.member_units.through.objects.filter(team__policy_id__in=ids)
        .order_by("pk")
        .values_list("team_id", "unit_id")
    ):
        members[team_id].append(unit_id)
    groups = {
        g["pk"]: g
        for g in HolderGroup.objects.filter(policy_id__in=ids).values(
            "pk", "policy_id", "key", "holder", "members_edited"
        )
    }
    group_members: dict[int, list] = defaultdict(list)
    for field, column in (
        ("teams", "team_id"),
        ("units", "unit_id"),
        ("people", "person_id"),
        ("jurisdictions", "jurisdiction_id"),
    ):
        through = getattr(HolderGroup, field).through
        for gid, oid in (
            through.objects.filter(holdergroup__policy_id__in=ids)
            .order_by("pk")
            .values_list("holdergroup_id", column)
        ):
            group_members[gid].append((field, oid))
    periods: dict[int, list] = defaultdict(list)
    for p in (
        Period.objects.filter(policy_id__in=ids)
        .order_by("start", "-end", "pk")
        .values("policy_id", "key", "label", "kind", "start", "end", "weight")
    ):
        periods[p["policy_id"]].append(p)
    targets: dict[int, list] = defaultdict(list)
    for t in Target.objects.filter(policy_id__in=ids).order_by("pk").values(
        "policy_id", "period__key", "holder_kind", "holder_jurisdiction_id", "team_id", "unit_id", "person_id",
        "group_key", "metric", "value", "clause", "text",
    ):  # fmt: skip
        targets[t["policy_id"]].append(t)

    out = {}
    for policy in policies:
        out[policy.pk] = _build(
            policy,
            paths=paths,
            units=[u for u in units.values() if u["jurisdiction_id"] in covered[policy.pk]],
            people=[p for p in people.values() if p["jurisdiction_id"] in covered[policy.pk]],
            teams=[t for t in teams.values() if t["policy_id"] == policy.pk],
            deputies=deputies,
            members=members,
            groups=[g for g in groups.values() if g["policy_id"] == policy.pk],
            group_members=group_members,
            periods=periods[policy.pk],
            targets=targets[policy.pk],
            all_units=units,
            all_people=people,
        )
    return out


def _find(rows: list[dict], name: str, jurisdiction_id: int | None = None) -> dict | None:
    """The row a file's name declares: by the name it had in the file, else by its name."""
    pool = [r for r in rows if jurisdiction_id is None or r["jurisdiction_id"] == jurisdiction_id]
    return next((r for r in pool if r["declared_as"] == name), None) or next(
        (r for r in pool if r["name"] == name), None
    )


def _build(policy, *, paths, units, people, teams, deputies, members, groups, group_members, periods, targets,
           all_units, all_people) -> Organisation:  # fmt: skip
    file_spec = policy.spec()
    content = policy.content
    home = policy.jurisdiction
    code_of = {pk: code for pk, (code, _path) in paths.items()}
    by_code = {code: pk for pk, code in code_of.items()}

    # Units and people: the names the office confirmed; the file's name stays an alias.
    unit_name: dict[int, str] = {}
    declared_units: set[int] = set()
    for u in content["units"]:
        row = _find(units, u["name"], by_code.get(u.get("jurisdiction") or home.code))
        if row is None:
            continue
        declared_units.add(row["pk"])
        if row["name"] != u["name"]:
            u["aliases"] = [*u["aliases"], *([u["name"]] if u["name"] not in u["aliases"] else [])]
            u["aliases"] = [a for a in u["aliases"] if a != row["name"]]
            u["name"] = row["name"]
        u["full_name"] = row["full_name"] or u.get("full_name")
        u["placeholder"] = row["placeholder"]
    for row in units:
        unit_name[row["pk"]] = row["name"]
    person_name: dict[int, str] = {row["pk"]: row["name"] for row in people}
    renamed_people: dict[str, str] = {}
    declared_people: set[int] = set()
    for p in content["people"]:
        row = _find(people, p["name"])
        if row is None:
            continue
        declared_people.add(row["pk"])
        if row["name"] != p["name"]:
            renamed_people[p["name"]] = row["name"]
            p["name"] = row["name"]
        p["title"] = row["title"] or p.get("title")
        p["placeholder"] = row["placeholder"]

    def add_unit(pk: int) -> str:
        """A unit the office added to a team or group: declared to the engine as it stands."""
        row = all_units[pk]
        if pk not in declared_units:
            declared_units.add(pk)
            content["units"].append(
                {
                    "name": row["name"],
                    "kind": row["kind"],
                    "full_name": row["full_name"] or None,
                    "aliases": [],
                    "jurisdiction": None
                    if row["jurisdiction_id"] == home.pk
                    else code_of[row["jurisdiction_id"]],
                    "placeholder": row["placeholder"],
                }
            )
        return row["name"]

    def add_person(pk: int) -> str:
        row = all_people[pk]
        if pk not in declared_people:
            declared_people.add(pk)
            content["people"].append(
                {
                    "name": row["name"],
                    "title": row["title"] or None,
                    "kind": row["kind"],
                    "placeholder": row["placeholder"],
                }
            )
        return row["name"]

    # Teams: as the office keeps them.
    team_rows = {t["key"]: t for t in teams}
    team_key = {t["pk"]: t["key"] for t in teams}
    for t in content["teams"]:
        row = team_rows.get(t["key"])
        if row is None:
            continue
        t["name"] = row["name"]
        t["placeholder"] = row["placeholder"]
        t["head"] = add_person(row["head_id"]) if row["head_id"] else None
        t["deputies"] = [add_person(pk) for pk in deputies.get(row["pk"], ())]
        t["lead_unit"] = add_unit(row["lead_unit_id"]) if row["lead_unit_id"] else None
        t["member_units"] = _in_file_order(
            [add_unit(pk) for pk in members.get(row["pk"], ()) if pk != row["lead_unit_id"]],
            [_unit_now(m, content) for m in t["member_units"]],
        )

    # Groups: derived from the teams as they now stand, unless the office chose the members.
    group_rows = {g["key"]: g for g in groups}
    for g in content["groups"]:
        row = group_rows.get(g["key"])
        if row is None:
            continue
        if row["members_edited"]:
            names = []
            for field, oid in group_members.get(row["pk"], ()):
                if field == "teams" and oid in team_key:
                    names.append(team_key[oid])
                elif field == "units":
                    names.append(add_unit(oid))
                elif field == "people":
                    names.append(add_person(oid))
                elif field == "jurisdictions":
                    names.append(code_of[oid])
            g.update(members=names, team_kinds=[], unit_kinds=[], team_role=None, include=[])
        elif g["holder"] == "person":
            g["members"] = [renamed_people.get(m, m) for m in g["members"]]

    # Periods the office added (a further year of a rule that runs over several).
    declared_periods = {p["key"] for p in content["periods"]}
    for p in periods:
        if p["key"] not in declared_periods:
            content["periods"].append(
                {
                    "key": p["key"],
                    "label": p["label"],
                    "kind": p["kind"],
                    "start": p["start"].isoformat(),
                    "end": p["end"].isoformat(),
                    "weight": None if p["weight"] is None else _number(p["weight"]),
                }
            )

    # Targets: every row the office holds. Those of the jurisdiction and of teams are written
    # into the spec; those of group members (and of units or people the file gives no group)
    # are facts over the group's target for that period.
    main = content["main_period"]
    teams_by_key = {t["key"]: t for t in content["teams"]}
    groups_by_key = {g["key"]: g for g in content["groups"]}
    facts: list[tuple[ef.TargetFact, str]] = []
    for t in targets:
        period = t["period__key"]
        value = _number(t["value"])
        if t["group_key"] in groups_by_key:
            container = groups_by_key[t["group_key"]]["targets"]
        elif t["holder_kind"] == "team" and team_key.get(t["team_id"]) in teams_by_key:
            container = teams_by_key[team_key[t["team_id"]]]["targets"]
        elif t["holder_kind"] == "jurisdiction" and t["holder_jurisdiction_id"] == home.pk:
            container = content["targets"]
        else:
            container = None
        if container is not None:
            spec_t = next(
                (x for x in container if x["metric"] == t["metric"] and (x["period"] or main) == period), None
            )
            if spec_t is None:
                like = next((x for x in container if x["metric"] == t["metric"]), None)
                spec_t = {
                    "metric": t["metric"],
                    "value": value,
                    "clause": t["clause"] or (like["clause"] if like else "办公室下达"),
                    "period": period,
                    "text": t["text"] or None,
                    "word": like["word"] if like else None,
                }
                container.append(spec_t)
            if not t["group_key"]:
                spec_t["value"] = value
                if t["text"]:
                    spec_t["text"] = t["text"]
                continue
        holder = _holder(t, home, team_key, unit_name, person_name, code_of)
        if holder is not None:
            facts.append(
                (ef.TargetFact(holder, t["metric"], period, Decimal(value), t["clause"]), t["group_key"])
            )

    spec_changed = content != json.loads(policy.content_json)
    # Facts for members no longer in their group are dropped: their rows stay for the record.
    kept: list[ef.TargetFact] = []
    if facts:
        spec = PolicySpec.model_validate(content) if spec_changed else file_spec
        names = spec.unit_names()
        holders = {g.key: g.holder for g in spec.groups}
        in_group = {
            (key, names[m].name if holders[key] == "unit" and m in names else m)
            for key, found in all_group_members(spec).items()
            for m in found
        }
        kept = [f for f, key in facts if not key or (key, f.holder.key) in in_group]
    org = Organisation(content, tuple(kept), _digest(content, kept))
    if not spec_changed and org.digest not in _SPECS:
        _SPECS[org.digest] = file_spec
    return org


def _unit_now(name: str, content: dict) -> str:
    for u in content["units"]:
        if u["name"] == name or name in u["aliases"]:
            return u["name"]
    return name


def _in_file_order(names: list[str], file_order: list[str]) -> list[str]:
    """The office's members, those the file names first and in its order (the document's)."""
    rank = {n: i for i, n in enumerate(file_order)}
    return sorted(dict.fromkeys(names), key=lambda n: (rank.get(n, len(rank)), names.index(n)))


def _holder(t: dict, home, team_key, unit_name, person_name, code_of) -> ef.Holder | None:
    kind = t["holder_kind"]
    if kind == "team":
        key = team_key.get(t["team_id"])
        return ef.team(key) if key else None
    if kind == "unit":
        name = unit_name.get(t["unit_id"])
        return ef.unit(name) if name else None
    if kind == "person":
        name = person_name.get(t["person_id"])
        return ef.person(name) if name else None
    code = code_of.get(t["holder_jurisdiction_id"])
    return ef.jurisdiction(code) if code else None
