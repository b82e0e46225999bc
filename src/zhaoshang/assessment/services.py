"""Running, publishing and correcting assessments.

A period has versions. Running it again while the latest version is a draft replaces that draft;
once a version is published it is locked, and only a correction — with a reason — makes a new
draft, which on publishing supersedes the old one. Every step goes through the change log.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhaoshang.engine import assess
from zhaoshang.engine.forecast import forecast
from zhaoshang.engine.periods import PeriodParseError, parse_period
from zhaoshang.org.effective import Organisation, effective
from zhaoshang.org.models import Policy

from .facts import gather
from .models import AssessmentRun
from .notes import data_notes, ledger_has


def organisation_for(policy: Policy, period: str, *, current: bool = False) -> Organisation:
    """The organisation and targets a period is assessed on: those a published version of it
    was computed on (an edit made since does not rewrite a published period), unless the office
    asks for the current ones; else the organisation as the office now keeps it."""
    if not current:
        stored = (
            AssessmentRun.objects.filter(policy=policy, period=period)
            .exclude(status=AssessmentRun.Status.DRAFT)
            .exclude(organisation={})
            .order_by("-version")
            .values_list("organisation", flat=True)
            .first()
        )
        if stored:
            return Organisation.from_json(stored)
    return effective(policy)


def compute(
    policy: Policy, period: str, as_of: date | None = None, organisation: Organisation | None = None
) -> tuple[dict, dict, list[str], date]:
    """The engine's result for a period, as JSON, with the forecast and the data notes."""
    organisation = organisation or effective(policy)
    spec = organisation.spec
    try:
        span = parse_period(period, spec)
    except PeriodParseError as exc:
        raise ValidationError({"period": str(exc)}) from None
    as_of = as_of or min(timezone.localdate(), span.end)
    facts, missing = gather(policy, span, as_of, organisation)
    try:
        result = assess(spec, span, facts).to_json()
    except PeriodParseError as exc:
        raise ValidationError({"period": str(exc)}) from None
    try:
        fc = forecast(spec, facts, as_of).to_json()
    except Exception as exc:  # a forecast is advice; it must not stop the assessment
        fc = {"error": str(exc)}
    # Each fact a rule reads that nobody entered: where it is filled and which rules read it.
    notes = data_notes(spec, facts, missing, ledger_has(policy, spec))
    unpublished = sorted(
        {k for r in result.get("results", []) for c in r.get("components", [])
         for k in (c.get("facts") or {}).get("unpublished", ())}
    )  # fmt: skip
    if unpublished:
        notes.append(f"以下月份尚无已发布的考核结果，总分中该月按现有数据计算：{'、'.join(unpublished)}")
    return result, fc, notes, as_of


def run(
    policy: Policy,
    period: str,
    *,
    user=None,
    reason: str = "",
    as_of: date | None = None,
    current_organisation: bool = False,
) -> AssessmentRun:
    """Compute a period. A period already published is corrected on the organisation and targets
    it was published with, unless `current_organisation` (the office's choice on correcting)."""
    try:
        return _run(
            policy, period, user=user, reason=reason, as_of=as_of, current_organisation=current_organisation
        )
    except IntegrityError:
        # Two clicks at once both made the next version: the other one won.
        raise ValidationError("该考核期正在由他人计算，请稍后刷新查看") from None


@transaction.atomic
def _run(
    policy: Policy,
    period: str,
    *,
    user=None,
    reason: str = "",
    as_of: date | None = None,
    current_organisation: bool = False,
) -> AssessmentRun:
    key = period_key(policy, period)
    organisation = organisation_for(policy, key, current=current_organisation)
    result, fc, notes, as_of = compute(policy, period, as_of, organisation)
    period = result.get("period", period)
    stored = organisation.to_json()
    runs = AssessmentRun.objects.select_for_update().filter(policy=policy, period=period)
    latest = runs.order_by("-version").first()
    if latest is not None and latest.status == AssessmentRun.Status.DRAFT:
        latest.result, latest.forecast, latest.notes, latest.as_of = result, fc, notes, as_of
        latest.organisation = stored
        latest.run_by = user if getattr(user, "pk", None) else None
        if reason:
            latest.reason = reason
        latest.save()
        return latest
    if latest is not None and not reason.strip():
        raise ValidationError({"reason": "该考核期的结果已发布并锁定，更正须填写理由"})
    return AssessmentRun.objects.create(
        jurisdiction=policy.jurisdiction,
        policy=policy,
        period=period,
        version=(latest.version + 1) if latest else 1,
        result=result,
        forecast=fc,
        notes=notes,
        organisation=stored,
        as_of=as_of,
        reason=reason.strip(),
        run_by=user if getattr(user, "pk", None) else None,
    )


def period_key(policy: Policy, period: str) -> str:
    """The key a period's runs are stored under (`2024-6` and `2024-06` are one period)."""
    try:
        return parse_period(period, effective(policy).spec).key or period
    except PeriodParseError as exc:
        raise ValidationError({"period": str(exc)}) from None


@transaction.atomic
def publish(run_obj: AssessmentRun, *, user=None) -> AssessmentRun:
    run_obj = AssessmentRun.objects.select_for_update().get(pk=run_obj.pk)
    if run_obj.status != AssessmentRun.Status.DRAFT:
        raise ValidationError("只有草稿可以发布")
    for old in AssessmentRun.objects.filter(
        policy=run_obj.policy, period=run_obj.period, status=AssessmentRun.Status.PUBLISHED
    ):
        old.status = AssessmentRun.Status.SUPERSEDED
        old.save()
    run_obj.status = AssessmentRun.Status.PUBLISHED
    run_obj.published_at = timezone.now()
    run_obj.published_by = user if getattr(user, "pk", None) else None
    run_obj.save()
    return run_obj


def diff(a: AssessmentRun, b: AssessmentRun) -> list[dict]:
    """Holder by holder, what changed in score and rank between two versions."""

    def index(run_obj):
        return {(r["holder_kind"], r["holder"]): r for r in run_obj.result.get("results", [])}

    ia, ib = index(a), index(b)
    out = []
    for key in sorted(set(ia) | set(ib)):
        ra, rb = ia.get(key, {}), ib.get(key, {})
        if (ra.get("score"), ra.get("rank")) != (rb.get("score"), rb.get("rank")):
            out.append(
                {
                    "holder_kind": key[0],
                    "holder": key[1],
                    "before": {"score": ra.get("score"), "rank": ra.get("rank")},
                    "after": {"score": rb.get("score"), "rank": rb.get("rank")},
                }
            )
    return out


def queue_run(
    policy: Policy, period: str, *, user=None, reason: str = "", current_organisation: bool = False
):
    """A city's or province's run over its counties, where jobs run in the background (a broker or
    `zhaoshang worker`): one "assessment" job (zhaoshang.jobs.kinds) that calls `run` — its page
    shows progress and links to the run. None where the run is done in the request (a county, or
    no background worker)."""
    from zhaoshang import jobs
    from zhaoshang.jobs import conf
    from zhaoshang.org.models import Jurisdiction

    if conf.mode() == "inline" or policy.jurisdiction.level == Jurisdiction.Level.COUNTY:
        return None
    period_key(policy, period)  # a period that cannot be read is refused here, on the form
    return jobs.submit(
        "assessment",
        user=user,
        title=f"计算考核结果：{policy.jurisdiction.name} {period}",
        policy=policy.pk,
        period=period,
        by=user.pk if getattr(user, "pk", None) else None,
        reason=reason,
        current_organisation=current_organisation,
    )
