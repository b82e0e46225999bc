"""The assessment metrics counted from packaged projects and the ledger (assessment/facts.py
`RECORD_METRICS` names these functions; docs/packages.md).

Each function takes the jurisdictions an assessment covers (pks), the policy's start and the
span's end, and returns rows `(policy_id, jurisdiction_id, unit_id, team_id, month, value)`:
`month` is the first day of the month the value is counted in; `policy_id` limits the row to
that policy (a chain's rows are its policy's), None gives it to every policy covering the
jurisdiction. The facts credit a row to its unit and team and to the policy's jurisdiction,
like every other counted fact.

- `packaged_chain_projects` (策划包装重点产业链关联项目招商专案, 夏邑 §三(二)): packages not withdrawn
  (在推 or 已落地), in the month of their 包装日期, credited to the package's team and unit (the
  chain's lead team and unit unless the office named others).
- `packaged_key_projects` (包装重大招商项目, 夏邑 §二(一)1): the same, of those marked 重大招商项目.
- `upstream_downstream_firms` (招引产业链上下游企业, 夏邑 §二(二)2): an enterprise counted once per
  chain, in the month of its first signing of a project on one of the chain's segments (the
  placing rule of chains/gaps.py: office placement, else the enterprise's placement, else the
  产业 keywords), credited to the chain's lead team and unit. A terminated project is no signing;
  an enterprise whose first signing on the chain came before the policy began was already there
  and is not counted (nor later, for another project on the same chain).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count, DateField, Min, Q
from django.db.models.functions import Cast, TruncMonth

from zhaoshang.chains.gaps import _projects, project_on_segment_q
from zhaoshang.chains.models import ChainSegment, IndustryChain
from zhaoshang.ledger.models import Project

from .models import ProjectPackage


def _month(field: str):
    return Cast(TruncMonth(field), DateField())


Row = tuple[int | None, int, int | None, int | None, date, int]


def _packages(jurisdictions, start: date, end: date, *, major: bool) -> list[Row]:
    qs = (
        ProjectPackage.objects.filter(jurisdiction_id__in=jurisdictions, packaged_on__range=(start, end))
        .exclude(status=ProjectPackage.Status.WITHDRAWN)
        .order_by()
    )
    if major:
        qs = qs.filter(major=True)
    rows = (
        qs.annotate(month=_month("packaged_on"))
        .values_list("chain__policy_id", "jurisdiction_id", "unit_id", "team_id", "month")
        .annotate(n=Count("id"))
    )
    return [tuple(r) for r in rows]


def packaged_chain_projects(jurisdictions, start: date, end: date) -> list[Row]:
    return _packages(jurisdictions, start, end, major=False)


def packaged_key_projects(jurisdictions, start: date, end: date) -> list[Row]:
    return _packages(jurisdictions, start, end, major=True)


def chain_project_q(chain: IndustryChain, segments=None) -> Q:
    """Projects (from chains/gaps.py `_projects`) on any segment of `chain`."""
    q = Q(pk__in=[])
    for s in segments if segments is not None else ChainSegment.objects.filter(chain=chain):
        s.chain = chain
        q |= project_on_segment_q(s)
    return q


def first_signings(chain: IndustryChain) -> dict[int, date]:
    """{enterprise pk: the day of its first signing of a project on the chain's segments}."""
    segments = list(ChainSegment.objects.filter(chain=chain))
    if not segments:
        return {}
    rows = (
        _projects(chain)
        .filter(chain_project_q(chain, segments), signed_on__isnull=False, enterprise__isnull=False)
        .exclude(stage=Project.Stage.TERMINATED)
        .order_by()
        .values_list("enterprise_id")
        .annotate(first=Min("signed_on"))
    )
    return dict(rows)


def upstream_downstream_firms(jurisdictions, start: date, end: date) -> list[Row]:
    out: dict[tuple, int] = defaultdict(int)
    chains = IndustryChain.objects.filter(jurisdiction_id__in=jurisdictions).select_related("jurisdiction")
    for chain in chains:
        for first in first_signings(chain).values():
            if start <= first <= end:
                key = (chain.policy_id, chain.jurisdiction_id, chain.lead_unit_id, chain.lead_team_id,
                       first.replace(day=1))  # fmt: skip
                out[key] += 1
    return [(*k, n) for k, n in out.items()]


def firms_count(chain: IndustryChain, start: date, end: date) -> int:
    """The chain's upstream/downstream firms between `start` and `end` (the progress page)."""
    return sum(1 for first in first_signings(chain).values() if start <= first <= end)
