"""Reads of the ledger: totals computed in SQL."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, Count, F, IntegerField, QuerySet, Sum, Value, When

from .models import STAGE_ORDER, Investment


def stage_rank():
    """A project's stage as its place in the pipeline (线索 0 … 达产, 终止 last), to sort by:
    the stored codes sort alphabetically, which means nothing to a reader."""
    return Case(
        *[When(stage=stage, then=Value(rank)) for stage, rank in STAGE_ORDER.items()],
        output_field=IntegerField(),
    )


def investment_totals(
    qs: QuerySet[Investment],
    *,
    by: str,
    start: date | None = None,
    end: date | None = None,
    period: str | None = None,
):
    """Actual investment summed per unit or team (with each share counted for its own unit),
    optionally within [start, end] by month, or within a `period` (2024, 2024-06, 2024-Q2,
    2024-H1, 2024-01..2024-05; a bad one raises engine.periods.PeriodParseError, in Chinese).
    Rows: {"key", "name", "total", "months"}."""
    if period:
        span = period_span(period)
        start = max(start, span.start) if start else span.start
        end = min(end, span.end) if end else span.end
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


def period_span(period: str):
    """The calendar span of a period token (the assessment's own notation), whole months only:
    investment is recorded by month, so a week cannot be told apart from its month."""
    from zhaoshang.engine.periods import PeriodParseError, parse_period

    span = parse_period(period)
    if span.kind == "week":
        raise PeriodParseError(f"实际进资按月登记，不能按周（“{period}”）汇总")
    return span


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
