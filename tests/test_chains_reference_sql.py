"""The benchmark's reference SQL (benchmarks/chains.py) counts what chains/gaps.py counts: the
chain benchmark compares their speed, which means something only while their counts agree. A
small world inside the test county exercises every branch of the placing rule."""

from datetime import date, timedelta

import pytest
from benchmarks.chains import orm_counts, reference_counts
from django.utils import timezone

from zhaoshang.chains.models import ChainSegment, IndustryChain, SegmentPlacement
from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.org.models import Jurisdiction, Unit
from zhaoshang.targets.models import TargetEnterprise

pytestmark = pytest.mark.django_db


def _world():
    county = Jurisdiction.objects.get(code="360722")
    elsewhere = Unit.objects.exclude(jurisdiction__path__startswith=county.path).first().jurisdiction
    unit = Unit.objects.filter(jurisdiction=county).order_by("pk").first()
    chain = IndustryChain.objects.create(jurisdiction=county, key="ref-sql", name="参照链")
    segs = [
        ChainSegment.objects.create(chain=chain, key=k, name=k, industries=w, order=i)
        for i, (k, w) in enumerate(
            [("a", ["参照甲", "Z9901"]), ("b", ["参照乙"]), ("c", ["参照丙", "参照甲"])]
        )
    ]

    def ent(name, industry="", where=county):
        u = unit if where == county else Unit.objects.filter(jurisdiction=where).order_by("pk").first()
        return Enterprise.objects.create(jurisdiction=where, name=name, industry=industry, unit=u)

    def proj(e, stage, industry=""):
        return Project.objects.create(
            jurisdiction=county, name=f"{e.name}{stage}项目", enterprise=e, industry=industry, stage=stage,
            total_investment="100", unit=unit, registered_on=date(2024, 3, 1),
        )  # fmt: skip

    e1 = ent("参照一", "参照甲材料")
    proj(e1, "negotiating")  # the enterprise's 产业: on a and c (both keywords match)
    proj(e1, "production", "参照乙")  # its own 产业: b, and e1 local on b
    proj(ent("参照二"), "signed", "z990155 部件")  # a GB/T code, lower case
    proj(ent("参照三"), "terminated", "参照丙")  # terminated: nothing
    placed = proj(ent("参照四"), "started", "参照甲")  # placed on c only
    SegmentPlacement.objects.create(chain=chain, segment=segs[2], project=placed)
    e5 = ent("参照五", "参照乙")  # placed enterprise: its projects count on a only
    SegmentPlacement.objects.create(chain=chain, segment=segs[0], enterprise=e5)
    proj(e5, "full_production", "参照乙")
    proj(e5, "lead")
    outside = ent("参照六", "参照乙", where=elsewhere)  # placed, but of another county: not local here
    SegmentPlacement.objects.create(chain=chain, segment=segs[1], enterprise=outside)
    today = timezone.localdate()
    for name, seg, added, dropped in (
        ("目标甲", segs[0], today - timedelta(days=30), None),  # in the library
        ("目标乙", segs[0], today - timedelta(days=30), today),  # dropped today: out
        ("目标丙", segs[1], today + timedelta(days=1), None),  # not yet in
        ("目标丁", None, today - timedelta(days=30), None),  # on no segment
    ):
        TargetEnterprise.objects.create(
            jurisdiction=county, name=name, chain=chain, segment=seg, added_on=added, dropped_on=dropped
        )
    return chain, segs


def test_reference_sql_counts_what_chain_gaps_counts():
    chain, segs = _world()
    counts = orm_counts(chain)
    assert counts == reference_counts(chain)
    by_seg = {seg_id: (ents, live, targets) for seg_id, ents, live, targets in counts}
    assert by_seg[segs[0].pk] == (1, 3, 1)  # e5 placed; e1's talks, 参照二's code, e5's lead; 目标甲
    assert by_seg[segs[1].pk] == (1, 0, 0)  # e1 in production there
    assert by_seg[segs[2].pk] == (0, 2, 0)  # e1's talks and the placed project
