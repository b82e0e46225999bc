"""The demo (chains/demo.py): every chain of the test world's policies shows filled segments and gaps."""

import pytest

from zhaoshang.chains.gaps import chain_gaps
from zhaoshang.chains.models import IndustryChain, SegmentPlacement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("policy", ["xinfeng-2024", "testland-2024"])
def test_each_chain_has_gaps_and_filled_segments(policy):
    chains = list(IndustryChain.objects.filter(policy__name=policy))
    assert chains
    for chain in chains:
        found = chain_gaps(chain)
        assert SegmentPlacement.objects.filter(chain=chain).exists(), chain
        assert found.gaps and len(found.gaps) < len(found.segments), chain
