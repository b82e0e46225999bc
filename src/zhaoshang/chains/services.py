"""Writes to industry chains. The policy load (org/services.py `policy_load`) calls
`chains_load`; the office's screens and the API call the `*_save` / `*_delete` functions. Every
write goes through the models (ChangeLoggedModel: each one is in the change log)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from zhaoshang.ledger.models import Enterprise

from .models import ChainEdge, ChainLeader, ChainSegment, IndustryChain, SegmentPlacement


def chains_load(*, policy, spec, old, merge, teams: dict, unit_of) -> None:
    """Create or bring up to date the chains the policy file declares (its `chains:` section),
    three ways like the rest of the load: chains by key, segments by key within their chain,
    edges and chain leaders added when missing. What the office removed or added on screen and
    the file did not change stands: a reload adds what the file newly declares, removes nothing."""
    home = policy.jurisdiction
    old_chains = {c.key: c for c in old.chains} if old else {}
    for c in spec.chains:
        was = old_chains.get(c.key)
        if was is not None and not IndustryChain.objects.filter(policy=policy, key=c.key).exists():
            continue  # declared before and deleted by the office since: a reload does not restore it

        team, unit = _lead(c.lead, teams, unit_of)
        values = {"jurisdiction": home, "name": c.name, "clause": c.clause, "notes": c.note or "",
                  "lead_team": team, "lead_unit": unit}  # fmt: skip
        old_values = None
        if was is not None:
            old_team, old_unit = _lead(was.lead, teams, unit_of)
            old_values = {"name": was.name, "clause": was.clause, "notes": was.note or "",
                          "lead_team": old_team, "lead_unit": old_unit}  # fmt: skip
        chain, *_ = merge.row(
            IndustryChain,
            {"jurisdiction": home, "policy": policy, "key": c.key},
            values,
            old_values,
            kind="chain",
            label=c.name,
        )
        old_segments = {s.key: s for s in was.segments} if was is not None else {}
        segments = {}
        for i, s in enumerate(c.segments):
            w = old_segments.get(s.key)
            if w is not None and not ChainSegment.objects.filter(chain_id=chain.pk, key=s.key).exists():
                continue  # the office deleted it since
            segments[s.key], *_ = merge.row(
                ChainSegment,
                {"chain": chain, "key": s.key},
                {"name": s.name, "stage": s.stage, "industries": list(s.industries), "order": i},
                None if w is None else {"name": w.name, "stage": w.stage, "industries": list(w.industries),
                                        "order": list(old_segments).index(s.key)},
                kind="segment",
                label=f"{c.name}·{s.name}",
            )  # fmt: skip
        for s in c.segments:
            old_feeds = set(old_segments[s.key].feeds) if s.key in old_segments else set()
            for to in s.feeds:
                if to in old_feeds or s.key not in segments or to not in segments:
                    continue  # declared before (the office may have removed it since), or a deleted segment's
                merge.row(
                    ChainEdge,
                    {"chain": chain, "source": segments[s.key], "target": segments[to]},
                    {},
                    None,
                    kind="edge",
                    label=f"{c.name}·{s.key}→{to}",
                )
        old_leaders = set(was.leaders) if was is not None else set()
        for name in c.leaders:
            if name in old_leaders:
                continue
            merge.row(
                ChainLeader,
                {"chain": chain, "name": name},
                {"enterprise": _enterprise_named(home, name)},
                None,
                kind="chain_leader",
                label=f"{c.name}·{name}",
            )


def _lead(key, teams: dict, unit_of):
    if not key:
        return None, None
    if key in teams:
        return teams[key], None
    unit = unit_of(key)
    return None, (unit if hasattr(unit, "pk") else None)


def _enterprise_named(jurisdiction, name: str):
    """The ledger enterprise a chain leader's name stands for, when there is exactly one."""
    found = list(
        Enterprise.objects.filter(jurisdiction__path__startswith=jurisdiction.path)
        .filter(Q(name=name) | Q(short_name=name) | Q(name__startswith=name))
        .values_list("pk", flat=True)[:2]
    )
    return Enterprise.objects.get(pk=found[0]) if len(found) == 1 else None


@transaction.atomic
def record_save(*, obj):
    """Validate and save a chain, segment, edge, leader or placement (forms and API alike)."""
    if isinstance(obj, SegmentPlacement) and obj.segment_id:
        obj.chain_id = obj.segment.chain_id
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def record_delete(*, obj) -> None:
    obj.delete()
