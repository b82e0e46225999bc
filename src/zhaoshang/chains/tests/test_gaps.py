"""Issue 13 point 4: which segments of a chain are gaps (chains/gaps.py), on small hand-built
worlds inside the test jurisdictions: keywords no demo record uses (单测甲…), so only the
records made here count."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhaoshang.chains.gaps import chain_gaps, segment_enterprises, segment_projects
from zhaoshang.chains.models import ChainEdge, ChainLeader, ChainSegment, IndustryChain, SegmentPlacement
from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.org.models import Jurisdiction, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    return Jurisdiction.objects.get(code="360722")  # 信丰县


def unit_of(j):
    return Unit.objects.filter(jurisdiction=j).order_by("pk").first()


def enterprise(j, name, industry=""):
    return Enterprise.objects.create(jurisdiction=j, name=name, industry=industry, unit=unit_of(j))


def project(ent, name, stage, industry=""):
    return Project.objects.create(
        jurisdiction=ent.jurisdiction, name=name, enterprise=ent, industry=industry, stage=stage,
        total_investment="1000", unit=ent.unit, registered_on=date(2024, 3, 1),
    )  # fmt: skip


@pytest.fixture
def chain(county):
    """单测链: 甲材料 (upstream) → 乙制造 (midstream) → 丙应用 (downstream), and 丁配套 → 乙制造."""
    c = IndustryChain.objects.create(jurisdiction=county, key="test-chain", name="单测产业链")
    segs = {}
    for i, (key, name, stage, words) in enumerate(
        [
            ("a", "甲材料", "upstream", ["单测甲材料", "Z9901"]),
            ("b", "乙制造", "midstream", ["单测乙制造"]),
            ("c", "丙应用", "downstream", ["单测丙应用"]),
            ("d", "丁配套", "upstream", ["单测丁配套"]),
        ]
    ):
        segs[key] = ChainSegment.objects.create(
            chain=c, key=key, name=name, stage=stage, industries=words, order=i
        )
    ChainEdge.objects.create(chain=c, source=segs["a"], target=segs["b"])
    ChainEdge.objects.create(chain=c, source=segs["d"], target=segs["b"])
    ChainEdge.objects.create(chain=c, source=segs["b"], target=segs["c"])
    c.segs = segs
    return c


def status(chain):
    return {s.segment.key: s for s in chain_gaps(chain).segments}


def test_empty_chain_is_all_gaps(chain):
    st = status(chain)
    assert all(s.is_gap and s.enterprises == 0 and s.live_projects == 0 for s in st.values())


def test_keyword_and_code_prefix_place_projects(chain, county):
    e = enterprise(county, "单测甲材料有限公司", industry="单测甲材料（高纯）")
    project(e, "甲材料项目", "negotiating")  # its 产业 is blank: the enterprise's counts
    e2 = enterprise(county, "单测编码公司")
    project(e2, "编码项目", "signed", industry="Z990123 精细化工")
    st = status(chain)
    assert st["a"].live_projects == 2 and not st["a"].is_gap
    assert st["a"].enterprises == 0  # a 客商 with projects in talks is not yet a local enterprise
    assert st["b"].is_gap


def test_keywords_match_whatever_the_letter_case(chain, county):
    ChainSegment.objects.filter(pk=chain.segs["d"].pk).update(industries=["单测丁配套", "Pcb板"])
    chain.segs["d"].refresh_from_db()
    for i, industry in enumerate(["pcb板制造", "PCB板", "单测丁配套件", "电路"]):
        project(enterprise(county, f"单测大小写{i}"), f"大小写项目{i}", "lead", industry=industry)
    # Pcb板 finds pcb板 and PCB板; 单测丁配套 its own; 电路 nothing.
    assert status(chain)["d"].live_projects == 3


def test_project_in_production_makes_its_enterprise_local(chain, county):
    e = enterprise(county, "单测乙制造公司", industry="单测乙制造")
    project(e, "乙投产项目", "production")
    project(e, "乙达产项目", "full_production")
    st = status(chain)
    assert st["b"].enterprises == 1  # counted once, with both projects
    assert st["b"].live_projects == 0 and not st["b"].is_gap
    assert list(segment_enterprises(chain.segs["b"])) == [e]
    assert {p.name for p in segment_projects(chain.segs["b"])} == {"乙投产项目", "乙达产项目"}


def test_dropped_project_does_not_fill_a_gap(chain, county):
    e = enterprise(county, "单测丙公司", industry="单测丙应用")
    project(e, "丙终止项目", "terminated")
    st = status(chain)
    assert st["c"].is_gap
    assert not segment_projects(chain.segs["c"]).exists()


def test_office_placement_overrides_the_keyword(chain, county):
    e = enterprise(county, "单测错配公司", industry="单测甲材料")
    p = project(e, "错配项目", "signed")
    SegmentPlacement.objects.create(chain=chain, segment=chain.segs["c"], enterprise=e)
    st = status(chain)
    # The enterprise is placed on 丙应用: it is a local enterprise there, and its project follows it.
    assert st["a"].is_gap
    assert st["c"].enterprises == 1 and st["c"].live_projects == 1
    # A project placed by itself goes where it is placed, not where its enterprise is.
    SegmentPlacement.objects.create(chain=chain, segment=chain.segs["d"], project=p)
    st = status(chain)
    assert st["d"].live_projects == 1 and st["c"].live_projects == 0 and st["c"].enterprises == 1


def test_placement_in_another_chain_does_not_move_it_here(chain, county):
    other = IndustryChain.objects.create(jurisdiction=county, key="other-chain", name="单测另一链")
    seg = ChainSegment.objects.create(chain=other, key="x", name="其他环节", industries=["单测其他"])
    e = enterprise(county, "单测两链公司", industry="单测乙制造")
    project(e, "两链项目", "started")
    SegmentPlacement.objects.create(chain=other, segment=seg, enterprise=e)
    assert status(chain)["b"].live_projects == 1


def test_scoped_to_the_chain_jurisdiction(chain):
    elsewhere = Jurisdiction.objects.get(code="980121")  # a county of the test city
    e = enterprise(elsewhere, "单测外地公司", industry="单测乙制造")
    project(e, "外地项目", "production")
    project(e, "外地在谈", "negotiating")
    assert status(chain)["b"].is_gap
    assert not segment_enterprises(chain.segs["b"]).exists()


def test_city_chain_counts_its_counties(county):
    city = Jurisdiction.objects.get(code="980121").parent
    c = IndustryChain.objects.create(jurisdiction=city, key="city-chain", name="单测市级链")
    seg = ChainSegment.objects.create(chain=c, key="b", name="乙", industries=["单测乙制造"])
    e = enterprise(Jurisdiction.objects.get(code="980121"), "单测县里公司", industry="单测乙制造")
    project(e, "县里项目", "signed")
    assert chain_gaps(c).segments[0].live_projects == 1 and seg.pk


def test_promote_next_puts_a_chain_leaders_neighbours_first(chain, county):
    leader = enterprise(county, "单测链主公司", industry="单测乙制造")
    project(leader, "链主投产", "production")
    ChainLeader.objects.create(chain=chain, name="单测链主", enterprise=leader)
    gaps = chain_gaps(chain)
    order = [s.segment.key for s in gaps.promote_next]
    # 甲 and 丁 supply the leader's segment (乙), 丙 takes from it: all three are its neighbours,
    # then upstream before downstream, then the chain's order.
    assert order == ["a", "d", "c"]
    assert all(s.next_to_leader for s in gaps.promote_next)
    # Without a chain leader, stage order alone: upstream first.
    ChainLeader.objects.all().delete()
    assert [s.segment.key for s in chain_gaps(chain).promote_next] == ["a", "d", "c"]


def test_promote_next_leader_neighbour_beats_stage(county):
    c = IndustryChain.objects.create(jurisdiction=county, key="rank-chain", name="单测排序链")
    up = ChainSegment.objects.create(
        chain=c, key="up", name="上", stage="upstream", industries=["单测上"], order=0
    )
    mid = ChainSegment.objects.create(
        chain=c, key="mid", name="中", stage="midstream", industries=["单测中"], order=1
    )
    down = ChainSegment.objects.create(
        chain=c, key="down", name="下", stage="downstream", industries=["单测下"], order=2
    )
    ChainEdge.objects.create(chain=c, source=mid, target=down)
    leader = enterprise(county, "单测中游链主", industry="单测中")
    SegmentPlacement.objects.create(chain=c, segment=mid, enterprise=leader)
    ChainLeader.objects.create(chain=c, name="单测中游链主", enterprise=leader)
    order = [s.segment.key for s in chain_gaps(c).promote_next]
    assert order == ["down", "up"] and up.pk


def test_targets_in_library_counted_and_preferred_after_the_leader_rule(chain, county):
    from zhaoshang.targets.models import TargetEnterprise

    def target(seg, name, **kw):
        return TargetEnterprise.objects.create(jurisdiction=county, name=name, chain=chain, segment=seg, **kw)

    # Without a leader: 甲 and 丁 (upstream) before 丙; 丁 has more targets than 甲, so it comes first.
    target(chain.segs["d"], "单测目标一")
    target(chain.segs["d"], "单测目标二")
    target(chain.segs["a"], "单测目标三")
    target(chain.segs["a"], "单测已移出", added_on=date(2024, 1, 1), dropped_on=date(2024, 2, 1))
    gaps = chain_gaps(chain)
    counts = {st.segment.key: st.targets for st in gaps.segments}
    assert counts == {"a": 1, "b": 0, "c": 0, "d": 2}
    assert [s.segment.key for s in gaps.promote_next] == ["d", "a", "b", "c"]
    # More targets on 丙 (downstream) beat the stage order…
    for i in range(3):
        target(chain.segs["c"], f"单测下游目标{i}")
    assert [s.segment.key for s in chain_gaps(chain).promote_next] == ["c", "d", "a", "b"]
    # …but not a chain leader's neighbours: 乙 is now the leader's, and 甲, 丁, 丙 all touch it.
    leader = enterprise(county, "单测链主二", industry="单测乙制造")
    project(leader, "链主投产二", "production")
    ChainLeader.objects.create(chain=chain, name="单测链主二", enterprise=leader)
    assert [s.segment.key for s in chain_gaps(chain).promote_next] == ["c", "d", "a"]
    target(chain.segs["a"], "单测目标四")
    target(chain.segs["a"], "单测目标五")
    target(chain.segs["a"], "单测目标六")
    assert [s.segment.key for s in chain_gaps(chain).promote_next] == ["a", "c", "d"]


def test_a_fixed_number_of_queries_whatever_the_size(chain, county):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            chain_gaps(chain)
        return len(ctx)

    before = count()
    for i in range(6):
        e = enterprise(county, f"单测批量{i}", industry="单测乙制造")
        project(e, f"批量项目{i}", "production" if i % 2 else "signed")
        SegmentPlacement.objects.create(
            chain=chain, segment=chain.segs["c"], project=project(e, f"放置{i}", "lead")
        )
        from zhaoshang.targets.models import TargetEnterprise

        TargetEnterprise.objects.create(
            jurisdiction=county, name=f"单测目标{i}", chain=chain, segment=chain.segs["a"]
        )
    # Four: the segments (with their targets counted in the same query), edges, projects, enterprises.
    assert count() == before == 4


def test_each_keyword_is_tested_once_per_project(chain):
    """The counts read flags computed once per project by an inner statement: a segment's keyword
    test appears once in the SQL, not once in each of the segment's three counts."""
    with CaptureQueriesContext(connection) as ctx:
        chain_gaps(chain)
    statement = max((q["sql"] for q in ctx.captured_queries), key=len)
    keywords = [w for s in ChainSegment.objects.filter(chain=chain) for w in s.industries]
    assert keywords and all(statement.count(w) == 1 for w in keywords), statement
