"""Reads of the ledger: totals computed in SQL."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, QuerySet, Sum

from .models import Investment


def investment_totals(
    qs: QuerySet[Investment], *, by: str, start: date | None = None, end: date | None = None
):
    """Actual investment summed per unit or team (with each share counted for its own unit),
    optionally within [start, end] by month. Rows: {"key", "name", "total", "months"}."""
    if start is not None:
        qs = qs.filter(month__gte=start.replace(day=1))
    if end is not None:
        qs = qs.filter(month__lte=end)
    field = {"unit": "unit", "team": "team", "project": "project"}[by]
    rows = (
        qs.exclude(**{f"{field}__isnull": True})
        .values(key=F(f"{field}_id"), name=F(f"{field}__name"))
        .annotate(total=Sum("amount"), months=Count("month", distinct=True))
        .order_by("-total", "name")
    )
    return list(rows)


def project_admission(project) -> list[tuple[object, list]]:
    """Admission findings for a project under every policy of its jurisdiction and those
    above it: [(policy, [Finding, …]), …], policies without admission rules left out."""
    from zhaoshang.engine.admission import ProjectFacts, review
    from zhaoshang.org.models import Policy

    path = project.jurisdiction.path
    prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
    facts = ProjectFacts(
        name=project.name,
        industry=project.industry or project.chain or "",
        total_investment_wan=project.total_investment,
        foreign=bool(project.foreign_investment_usd) or "外资" in (project.enterprise.tags or []),
        land_mu=project.land_mu,
        tax_per_mu_wan=project.tax_per_mu,
    )
    out = []
    for policy in Policy.objects.filter(jurisdiction__path__in=prefixes).order_by("-start"):
        findings = review(policy.spec(), facts)
        if findings:
            out.append((policy, findings))
    return out
