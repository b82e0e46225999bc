"""The demo's target library (targets/demo.py), as the test world's generator seeded it."""

import pytest
from django.db.models import Count

from zhaoshang.chains.models import IndustryChain
from zhaoshang.org.models import Policy
from zhaoshang.targets import demo
from zhaoshang.targets.models import TargetContact, TargetEnterprise

pytestmark = pytest.mark.django_db


def test_each_chain_has_its_targets_contacts_and_leads():
    chains = IndustryChain.objects.filter(policy__name="xinfeng-2024").annotate(n=Count("targets"))
    assert chains and all(20 <= c.n <= 24 for c in chains)
    xf = TargetEnterprise.objects.filter(chain__policy__name="xinfeng-2024")
    assert TargetContact.objects.filter(target__in=xf).exists()
    assert xf.filter(lead__isnull=False).count() == 2 * len(chains)
    assert xf.filter(dropped_on__isnull=False).exists()
    assert xf.exclude(lists=[]).exists() and xf.exclude(uscc="").exists()
    # Once per chain: a second run adds nothing.
    assert demo.seed(policy=Policy.objects.get(name="xinfeng-2024")) == {}
