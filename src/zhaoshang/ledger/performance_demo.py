"""Demo data of contract performance (issue 14 point 6), for the lead to wire into the demo
(`demo/generator.py` or `zhaoshang demo-data`): a few projects of a jurisdiction behind on their
contracts, their rewards held, and one held reward the office has released.

Kept out of `generate_county` so that the seeded test world and its figures stay as they are;
call `seed_performance_demo(jurisdiction=...)` after the county's demo data exists.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from .models import ContractObligation, Project, RewardRelease


def seed_performance_demo(
    *, jurisdiction, count: int = 4, release_one: bool = True, as_of=None
) -> list[Project]:
    """Make `count` signed or started projects of `jurisdiction` behind on their contracts: an
    output promise (产值) overdue with the office's lower actual figure, and for a started one a
    production date passed. Where a policy over the jurisdiction has a project award rule
    (`project_award`: jinxi's 项目进资奖), an amount for each of them, which the assessment then
    shows held. With `release_one`, the office's recorded release of the first one. The promises
    fall due before `as_of` (default today): for a policy of past years, its period's end, so that
    its assessment finds them behind."""
    from zhaoshang.assessment.models import AwardDecision
    from zhaoshang.org.models import Policy

    today = min(as_of or timezone.localdate(), timezone.localdate())
    projects = list(
        Project.objects.filter(
            jurisdiction=jurisdiction,
            stage__in=["signed", "started"],
            signed_on__lt=today - timedelta(days=120),  # signed well before its promises fall due
        )
        .select_related("unit", "team")
        .order_by("pk")[:count]
    )
    for i, p in enumerate(projects):
        promised = max(Decimal(1000), (p.total_investment * Decimal("0.8")).quantize(Decimal(1)))
        ContractObligation.objects.get_or_create(
            project=p,
            kind=ContractObligation.Kind.OUTPUT,
            due_on=today - timedelta(days=30 + 20 * i),
            defaults={
                "amount": promised,
                "actual_amount": (promised * Decimal("0.4")).quantize(Decimal(1)),
                "content": "约定达产后年产值",
                "note": "演示数据：履约滞后",
            },
        )
        if p.stage == "started":
            ContractObligation.objects.get_or_create(
                project=p,
                kind=ContractObligation.Kind.PRODUCTION,
                due_on=today - timedelta(days=15),
                defaults={"content": "约定建成投产", "note": "演示数据：逾期未投产"},
            )
    award_rules = [
        (pol, r)
        for pol in Policy.objects.filter(jurisdiction=jurisdiction)
        for r in pol.spec().rules
        if r.type == "project_award" and r.paid_to == "introducing_unit"
    ]
    for pol, rule in award_rules[:1]:
        for p in projects:
            AwardDecision.objects.get_or_create(
                jurisdiction=jurisdiction, policy=pol, rule=rule.id, holder_kind="unit", unit=p.unit,
                project=p, defaults={"amount_wan": Decimal(5)},
            )  # fmt: skip
    if release_one and projects:
        from .performance import project_performance, reward_release

        first = projects[-1]
        if (
            project_performance(project=first).held
            and not RewardRelease.objects.filter(project=first).exists()
        ):
            reward_release(
                project=first, reason="演示：企业已提交整改方案，经领导小组研究同意先行兑现", by=None
            )
    return projects
