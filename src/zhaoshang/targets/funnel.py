"""A target's stage in the funnel, derived and never stored: 名录 (in the library) → 已接触 (a
contact is recorded) → 线索 (moved into the pipeline as a lead) → the stage of the project the
lead became (在谈, 实质性谈判, 签约, 开工, 投产, 达产 or 终止, the ledger's stages).

`with_stage(qs)` annotates the stage in SQL (the list page filters and shows it at a constant
number of queries); `chain_funnel(chain)` counts a chain's targets per stage in one query."""

from __future__ import annotations

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Value, When
from django.utils import timezone

from zhaoshang.ledger.models import Project

from .models import TargetContact, TargetEnterprise

# Stage keys in funnel order, with their labels. A project still at 线索 counts as 线索.
STAGES = {
    "library": "名录",
    "contacted": "已接触",
    "lead": "线索",
    **{k: v for k, v in Project.Stage.choices if k != Project.Stage.LEAD},
}
STAGE_ORDER = {k: i for i, k in enumerate(STAGES)}


def stage_expression():
    """The stage of each target as a SQL expression (over the target's lead and its project)."""
    contacted = Exists(TargetContact.objects.filter(target=OuterRef("pk")))
    return Case(
        When(lead__project__isnull=False, then=F("lead__project__stage")),
        When(lead__isnull=False, then=Value("lead")),
        When(contacted, then=Value("contacted")),
        default=Value("library"),
        output_field=CharField(),
    )


def with_stage(qs):
    return qs.annotate(funnel_stage=stage_expression())


def target_stage(target: TargetEnterprise) -> str:
    """One target's stage key (the annotation if the queryset gave it, else read)."""
    annotated = getattr(target, "funnel_stage", None)
    if annotated is not None:
        return "lead" if annotated == Project.Stage.LEAD else annotated
    if target.lead_id:
        lead = target.lead
        if lead is not None and lead.project_id:
            stage = lead.project.stage
            return "lead" if stage == Project.Stage.LEAD else stage
        return "lead"
    if TargetContact.objects.filter(target_id=target.pk).exists():
        return "contacted"
    return "library"


def stage_label(key: str) -> str:
    return STAGES.get(key, key)


def chain_funnel(chain, *, qs=None, day=None) -> dict[str, int]:
    """The number of the chain's targets in the library on `day` (default today) at each stage,
    every stage present (0 where none), in funnel order. One query. `qs` narrows the targets
    (`TargetEnterprise.objects.visible_to(user)` for what a user may see)."""
    day = day or timezone.localdate()
    base = TargetEnterprise.objects.all() if qs is None else qs
    rows = (
        base.in_library_on(day)
        .filter(chain=chain)
        .annotate(funnel_stage=stage_expression())
        .order_by()
        .values("funnel_stage")
        .annotate(n=Count("pk"))
    )
    out = dict.fromkeys(STAGES, 0)
    for row in rows:
        key = "lead" if row["funnel_stage"] == Project.Stage.LEAD else row["funnel_stage"]
        out[key] = out.get(key, 0) + row["n"]
    return out
