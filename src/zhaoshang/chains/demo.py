"""Demo placements: each chain of a policy shows some filled segments and some gaps. Every third
segment gets a local enterprise placed by the office, the next one a live project; the rest are
left to the 产业 keywords (most stay gaps, the demo's 产业 being broad). Runs once per chain:
a chain that already has placements is left as it is."""

from __future__ import annotations

from zhaoshang.ledger.models import Enterprise, Project

from .gaps import LIVE_STAGES
from .models import ChainSegment, IndustryChain, SegmentPlacement


def seed(*, policy) -> dict[str, int]:
    made = 0
    chains = IndustryChain.objects.filter(policy=policy).select_related("jurisdiction").order_by("pk")
    for n, chain in enumerate(chains):
        if SegmentPlacement.objects.filter(chain=chain).exists():
            continue
        path = chain.jurisdiction.path
        enterprises = list(
            Enterprise.objects.filter(jurisdiction__path__startswith=path).order_by("pk")[n * 3 : n * 3 + 3]
        )
        projects = list(
            Project.objects.filter(jurisdiction__path__startswith=path, stage__in=LIVE_STAGES).order_by(
                "-pk"
            )[n * 3 : n * 3 + 3]
        )
        for i, seg in enumerate(ChainSegment.objects.filter(chain=chain).order_by("order", "pk")):
            subject = None
            if i % 3 == 0 and enterprises:
                subject = {"enterprise": enterprises.pop(0)}
            elif i % 3 == 1 and projects:
                subject = {"project": projects.pop(0)}
            if subject is None:
                continue
            placement = SegmentPlacement(chain=chain, segment=seg, **subject)
            placement.full_clean()
            placement.save()
            made += 1
    return {"环节归属": made} if made else {}
