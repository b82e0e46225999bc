"""The assessment metric counted from the target library (assessment/facts.py `RECORD_METRICS`;
the row contract is packages/metrics.py's).

- `target_enterprise_library` (产业重点招引企业库企业, 夏邑 §三(二) 各产业链建立不少于20家): a stock,
  not a flow (the policy declares it `aggregate: last`). For every month from the policy's start to
  the span's end, the targets in the library on the month's last day (or on the span's end, in its
  last month): added by then and not dropped by then (`TargetQuerySet.in_library_on`). Credited to
  the target's team and unit, else its chain's lead team and unit (the 专班 the document makes
  responsible for the chain's library), and given to its chain's policy (a target on no chain,
  to every policy covering the jurisdiction).
"""

from __future__ import annotations

import calendar
from datetime import date

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce

from zhaoshang.engine.periods import add_months

from .models import TargetEnterprise

Row = tuple[int | None, int, int | None, int | None, date, int]


def _month_ends(start: date, end: date) -> list[tuple[date, date]]:
    """(first day, the day counted) of each month from `start`'s to `end`'s."""
    out, month = [], start.replace(day=1)
    while month <= end:
        last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        out.append((month, min(last, end)))
        month = add_months(month, 1)
    return out


def library_on_q(day: date) -> Q:
    return Q(added_on__lte=day) & (Q(dropped_on__isnull=True) | Q(dropped_on__gt=day))


def target_enterprise_library(jurisdictions, start: date, end: date) -> list[Row]:
    """One query: the library's size on each month's counting day, per holder and policy."""
    months = _month_ends(start, end)
    if not months:
        return []
    rows = (
        TargetEnterprise.objects.filter(jurisdiction_id__in=jurisdictions, added_on__lte=end)
        .exclude(dropped_on__lte=start)
        .annotate(
            credit_unit=Coalesce(F("unit_id"), F("chain__lead_unit_id")),
            credit_team=Coalesce(F("team_id"), F("chain__lead_team_id")),
        )
        .order_by()
        .values("chain__policy_id", "jurisdiction_id", "credit_unit", "credit_team")
        .annotate(**{f"m{i}": Count("pk", filter=library_on_q(day)) for i, (_, day) in enumerate(months)})
    )
    out: list[Row] = []
    for r in rows:
        # Every month, emptied ones too: a library dropped to nothing is a stock of 0, not the
        # last month that had one.
        for i, (month, _) in enumerate(months):
            out.append(
                (
                    r["chain__policy_id"],
                    r["jurisdiction_id"],
                    r["credit_unit"],
                    r["credit_team"],
                    month,
                    r[f"m{i}"],
                )
            )
    return out


def library_sizes(chains, day: date) -> dict[int, int]:
    """{chain pk: its targets in the library on `day`}, in one query (the progress page)."""
    return dict(
        TargetEnterprise.objects.filter(chain__in=list(chains))
        .filter(library_on_q(day))
        .order_by()
        .values_list("chain_id")
        .annotate(n=Count("pk"))
    )
