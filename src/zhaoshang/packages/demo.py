"""Demo packaged projects and merchants: for each chain of a policy, 5–7 packages spread over the
policy's first months (one 重大, one landed on a ledger project where the chain's county has a signed
one, one withdrawn on every other chain, so some chains meet a 不少于5 quota and some do not), and
three merchants, one linked to a ledger enterprise. Runs once per chain: a chain that already has
packages is left as it is."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from zhaoshang.chains.models import ChainSegment, IndustryChain
from zhaoshang.ledger.models import Enterprise, Project

from .models import Merchant, ProjectPackage

NEEDS = ["独资新建", "合资合作", "技术合作", "以商招商、产业链配套", "租赁标准厂房"]
SURNAMES = "王李张刘陈杨赵黄周吴"
REGIONS = ["长三角", "珠三角", "京津冀", "闽东南"]
SOURCES = ["商会推荐", "展会对接", "以商招商", "驻点招商"]


def seed(*, policy) -> dict[str, int]:
    made = merchants = 0
    chains = IndustryChain.objects.filter(policy=policy).select_related("jurisdiction").order_by("pk")
    for n, chain in enumerate(chains):
        if ProjectPackage.objects.filter(chain=chain).exists():
            continue
        segments = list(ChainSegment.objects.filter(chain=chain).order_by("order", "pk"))
        landed = (
            Project.objects.filter(jurisdiction=chain.jurisdiction, signed_on__isnull=False)
            .order_by("pk")[n : n + 1]
            .first()
        )
        count = 5 + n % 3
        for i in range(count):
            seg = segments[i % len(segments)] if segments else None
            status = ProjectPackage.Status.ACTIVE
            project = None
            if i == 1 and landed is not None:
                status, project = ProjectPackage.Status.LANDED, landed
            elif i == count - 1 and n % 2 == 1:
                status = ProjectPackage.Status.WITHDRAWN
            p = ProjectPackage(
                chain=chain,
                segment=seg,
                name=f"{seg.name if seg else chain.name}招商项目专案{i + 1}",
                major=i == 0,
                investment=Decimal(5000 * (i + 1) + 1000 * n),
                needs=NEEDS[(i + n) % len(NEEDS)],
                packaged_on=min(policy.start + timedelta(days=20 + 37 * i), policy.end),
                status=status,
                project=project,
            )
            p.full_clean()
            p.save()
            made += 1
        enterprise = (
            Enterprise.objects.filter(jurisdiction=chain.jurisdiction).order_by("pk")[n : n + 1].first()
        )
        for i in range(3):
            m = Merchant(
                jurisdiction=chain.jurisdiction,
                name=f"{SURNAMES[(n + i) % len(SURNAMES)]}{'先生' if i % 2 else '女士'}",
                company=enterprise.name if i == 0 and enterprise else f"{chain.name}配套企业{i + 1}",
                title="总经理" if i == 0 else "投资总监",
                phone=f"1380000{n:02d}{i:02d}",
                chain=chain,
                region=REGIONS[(n + i) % len(REGIONS)],
                source=SOURCES[(n + i) % len(SOURCES)],
                enterprise=enterprise if i == 0 else None,
            )
            m.full_clean()
            m.save()
            merchants += 1
    out = {}
    if made:
        out["招商项目包"] = made
    if merchants:
        out["客商"] = merchants
    return out
