"""The `chains:` section of a policy file: every document's chains load, and a broken chain is
reported at the key where it stands."""

import pytest

from zhaoshang.engine import PolicyError, find_policy, load_policy, load_policy_text

BASE = find_policy("xinfeng-2024").read_text(encoding="utf-8")


def issues_for(text: str):
    with pytest.raises(PolicyError) as exc:
        load_policy_text(text, "broken.yaml")
    return exc.value.issues


@pytest.mark.parametrize(
    "name", ["xinfeng-2024", "xinfeng-2023-100days", "jinxi-2021", "xiayi-2023-2025", "sanming-2021"]
)
def test_every_document_names_chains_with_clauses(name):
    spec = load_policy(find_policy(name))
    assert spec.chains
    for chain in spec.chains:
        assert chain.clause and chain.segments
        stages = {s.stage for s in chain.segments}
        assert "upstream" in stages and "downstream" in stages


def test_xinfeng_chain_leaders_are_the_documents():
    spec = load_policy(find_policy("xinfeng-2024"))
    electronics = next(c for c in spec.chains if c.key == "electronics")
    assert "景旺电子" in electronics.leaders and electronics.lead == "corps-02"


def test_unknown_lead_is_reported():
    text = BASE.replace("    lead: corps-02\n", "    lead: corps-99\n", 1)
    [issue] = issues_for(text)
    assert issue.path.endswith(".lead") and "corps-99" in issue.message


def test_edge_to_unknown_segment_is_reported():
    text = BASE.replace("feeds: [assembly]}", "feeds: [nowhere]}", 1)
    [issue] = issues_for(text)
    assert ".feeds" in issue.path and "nowhere" in issue.message


def test_duplicate_segment_key_is_reported():
    text = BASE.replace("{key: components,", "{key: pcb,", 1)
    issues = issues_for(text)
    assert any("环节“pcb”重复" in i.message for i in issues)
