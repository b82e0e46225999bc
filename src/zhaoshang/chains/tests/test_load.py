"""Issue 13 point 1: the policy load creates and merges chains, segments, edges and leaders."""

import pytest

from zhaoshang.chains.models import ChainEdge, ChainLeader, ChainSegment, IndustryChain
from zhaoshang.core.changelog import change_context
from zhaoshang.core.models import ObjectChange
from zhaoshang.engine import find_policy, load_policy
from zhaoshang.org.services import policy_load

pytestmark = pytest.mark.django_db


def reload():
    with change_context(source="system"):
        return policy_load(spec=load_policy(find_policy("xinfeng-2024")))


def test_the_file_chains_are_loaded_with_their_clauses():
    chain = IndustryChain.objects.get(policy__name="xinfeng-2024", key="electronics")
    assert chain.clause and chain.lead_team.key == "corps-02"
    assert ChainSegment.objects.filter(chain=chain).count() == 6
    pcb = ChainSegment.objects.get(chain=chain, key="pcb")
    assert pcb.stage == "midstream" and "PCB" in pcb.industries
    assert ChainEdge.objects.filter(chain=chain, source=pcb, target__key="assembly").exists()
    assert ChainLeader.objects.filter(chain=chain, name="景旺电子").exists()
    assert ObjectChange.objects.of(chain).exists()  # change-logged like every write


def test_reloading_changes_nothing_and_keeps_the_office_edits():
    chain = IndustryChain.objects.get(policy__name="xinfeng-2024", key="electronics")
    seg = ChainSegment.objects.get(chain=chain, key="pcb")
    seg.name = "印制电路板（招商办改）"
    seg.save()
    edge = ChainEdge.objects.get(chain=chain, source=seg, target__key="assembly")
    edge.delete()
    report = reload()
    assert not [c for c in report.changes if c.kind in {"chain", "segment", "edge", "chain_leader"}]
    seg.refresh_from_db()
    assert seg.name == "印制电路板（招商办改）"
    assert not ChainEdge.objects.filter(chain=chain, source=seg, target__key="assembly").exists()
    assert IndustryChain.objects.filter(policy__name="xinfeng-2024").count() == 3


def test_a_reload_does_not_restore_what_the_office_deleted():
    chain = IndustryChain.objects.get(policy__name="xinfeng-2024", key="electronics")
    ChainSegment.objects.get(chain=chain, key="pcb").delete()
    other = IndustryChain.objects.filter(policy__name="xinfeng-2024").exclude(pk=chain.pk).first()
    other.delete()
    report = reload()
    assert not [c for c in report.changes if c.kind in {"chain", "segment", "edge", "chain_leader"}]
    assert not ChainSegment.objects.filter(chain=chain, key="pcb").exists()
    assert not IndustryChain.objects.filter(policy__name="xinfeng-2024", key=other.key).exists()
    assert ChainSegment.objects.filter(chain=chain).count() == 5


def test_dry_run_plans_the_chains_of_a_new_policy():
    report = policy_load(spec=load_policy(find_policy("jinxi-2021")), dry_run=True)
    assert any(c.kind == "chain" and c.action == "create" for c in report.changes)
    assert not IndustryChain.objects.filter(policy__name="jinxi-2021").exists()
