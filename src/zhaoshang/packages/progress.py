"""Each chain of a policy against the quotas its document sets (packages/views.py `progress`):
packaged projects (招商项目包), up/downstream firms (packages/metrics.py), merchants, and the target
library (targets/metrics.py `library_sizes`: the targets in the library on the quota's last day, or
today if sooner).

The quota of a count is read from the policy's rule on its metric (a `quota` or `milestone`): its
number, its word (不少于, 以上 include the number: engine/bounds.py) and its clause; nothing is
hard-coded. A policy without such a rule (Sanming asks for the libraries without a number) shows
the counts with 「—」 for the quota. The span counted is the rule's: a yearly quota the current
year (within the policy), a milestone its named period up to today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from zhaoshang.chains.models import IndustryChain
from zhaoshang.engine.bounds import REACH, meets
from zhaoshang.engine.periods import policy_period_span
from zhaoshang.targets.metrics import library_sizes

from .metrics import firms_count
from .models import Merchant, ProjectPackage

PACKAGES = "packaged_chain_projects"
FIRMS = "upstream_downstream_firms"
TARGETS = "target_enterprise_library"


@dataclass
class Quota:
    min: Decimal
    word: str
    clause: str
    title: str
    start: date
    end: date

    @property
    def text(self) -> str:
        n = f"{self.min.normalize():f}"
        return f"{self.word}{n}" if self.word in ("不少于", "至少", "不低于") else f"{n}{self.word}"


@dataclass
class Progress:
    value: int | None  # None: not counted yet (「—」)
    quota: Quota | None

    @property
    def met(self) -> bool | None:
        if self.value is None or self.quota is None:
            return None
        return meets(Decimal(self.value), self.quota.min, self.quota.word)


@dataclass
class ChainProgress:
    chain: IndustryChain
    packages: Progress
    firms: Progress
    targets: Progress
    merchants: int
    landed: int


def quota_of(policy, metric: str, today: date) -> Quota | None:
    """The first quota or milestone rule of the policy on `metric`, with the span it counts."""
    spec = policy.spec()
    for rule in spec.rules:
        if rule.type not in ("quota", "milestone") or getattr(rule, "metric", None) != metric:
            continue
        if getattr(rule, "min", None) is None:
            continue
        period = getattr(rule, "period", None)
        if period:
            span = policy_period_span(spec, period)
            start, end = span.start, span.end
        elif getattr(rule, "per", None) == "year":
            year = min(max(today.year, policy.start.year), policy.end.year)
            start, end = max(date(year, 1, 1), policy.start), min(date(year, 12, 31), policy.end)
        else:
            start, end = policy.start, policy.end
        return Quota(
            min=Decimal(rule.min), word=rule.word or REACH, clause=rule.clause, title=rule.title,
            start=start, end=end,
        )  # fmt: skip
    return None


def chain_progress(policy, chains, today: date) -> list[ChainProgress]:
    """Each chain's counts against the policy's quotas. Counts are the jurisdiction's (as the chain
    map's), whoever asks; two queries for packages and merchants whatever the number of chains,
    and the firms' first signings per chain (packages/metrics.py)."""
    chains = list(chains)
    q_packages = quota_of(policy, PACKAGES, today)
    q_firms = quota_of(policy, FIRMS, today)
    q_targets = quota_of(policy, TARGETS, today)
    counted = ~Q(packages__status=ProjectPackage.Status.WITHDRAWN)
    if q_packages is not None:
        counted &= Q(packages__packaged_on__range=(q_packages.start, q_packages.end))
    pk_counts = {
        row["pk"]: row
        for row in IndustryChain.objects.filter(pk__in=[c.pk for c in chains])
        .values("pk")
        .annotate(
            n=Count("packages", filter=counted),
            landed=Count("packages", filter=Q(packages__status=ProjectPackage.Status.LANDED)),
        )
    }
    merchants = dict(
        Merchant.objects.filter(chain__in=chains).order_by().values_list("chain_id").annotate(n=Count("id"))
    )
    targets_on = min(q_targets.end, today) if q_targets else today
    library = library_sizes(chains, targets_on)
    out = []
    for chain in chains:
        start, end = (q_firms.start, min(q_firms.end, today)) if q_firms else (policy.start, today)
        row = pk_counts.get(chain.pk, {"n": 0, "landed": 0})
        out.append(
            ChainProgress(
                chain=chain,
                packages=Progress(row["n"], q_packages),
                firms=Progress(firms_count(chain, start, end), q_firms),
                targets=Progress(library.get(chain.pk, 0), q_targets),
                merchants=merchants.get(chain.pk, 0),
                landed=row["landed"],
            )
        )
    return out
