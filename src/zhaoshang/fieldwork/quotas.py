"""Quota progress: how far each holder has come toward the field-work quotas and targets of
its policy in the window that contains a given day.

Each metric that field work can measure is one aggregate over activities, leads or reports
(`FIELD_METRICS`); the values of all holders of a rule come from one GROUP BY query.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from zhaoshang.core.roles import WIDE_ROLES
from zhaoshang.core.scoping import membership
from zhaoshang.org.models import HolderGroup, Policy, Target

from .models import TARGET_REGIONS, Activity, Lead, Report

K = Activity.Kind


@dataclass(frozen=True)
class FieldMetric:
    model: type
    date_field: str
    where: Q
    aggregate: object
    # Whether "led by the unit's head" narrows this metric (quotas with head_led_only).
    by_head: bool = True


# Visits made on a trip count as visits, but their days are the trip's days already.
_WORK_DAYS = Q(kind__in=[K.OUTBOUND_TRIP, K.RECEPTION, K.PROMOTION_EVENT]) | Q(
    kind=K.VISIT, trip__isnull=True
)
FIELD_METRICS: dict[str, FieldMetric] = {
    "outbound_trips": FieldMetric(Activity, "date", Q(kind=K.OUTBOUND_TRIP), Count("id")),
    "head_outbound_trips": FieldMetric(Activity, "date", Q(kind=K.OUTBOUND_TRIP, head_led=True), Count("id")),
    "outbound_days": FieldMetric(Activity, "date", Q(kind=K.OUTBOUND_TRIP), Sum("days")),
    "investment_work_days": FieldMetric(Activity, "date", _WORK_DAYS, Sum("days")),
    "enterprise_visits": FieldMetric(Activity, "date", Q(kind=K.VISIT), Count("id")),
    "merchant_batches_invited": FieldMetric(Activity, "date", Q(kind=K.RECEPTION), Count("id")),
    "receptions": FieldMetric(Activity, "date", Q(kind=K.RECEPTION), Count("id")),
    "promotion_events": FieldMetric(Activity, "date", Q(kind=K.PROMOTION_EVENT), Count("id")),
    "promotion_events_local": FieldMetric(
        Activity, "date", Q(kind=K.PROMOTION_EVENT, region="local"), Count("id")
    ),
    "promotion_events_target_region": FieldMetric(
        Activity, "date", Q(kind=K.PROMOTION_EVENT, region__in=TARGET_REGIONS), Count("id")
    ),
    "event_merchants_invited": FieldMetric(
        Activity, "date", Q(kind=K.PROMOTION_EVENT), Sum("merchants_invited")
    ),
    "event_signable_projects": FieldMetric(
        Activity, "date", Q(kind=K.PROMOTION_EVENT), Count("projects_signed", distinct=True)
    ),
    "progress_meetings": FieldMetric(Activity, "date", Q(kind=K.MEETING), Count("id")),
    "scheduling_meetings": FieldMetric(
        Activity, "date", Q(kind=K.MEETING, meeting_kind="scheduling"), Count("id")
    ),
    "quarterly_meetings": FieldMetric(
        Activity, "date", Q(kind=K.MEETING, meeting_kind="quarterly"), Count("id")
    ),
    "weekly_meetings": FieldMetric(Activity, "date", Q(kind=K.MEETING, meeting_kind="weekly"), Count("id")),
    "valid_leads": FieldMetric(Lead, "reported_on", Q(status=Lead.Status.VALID), Count("id"), by_head=False),
    "valuable_leads": FieldMetric(
        Lead, "reported_on", Q(status=Lead.Status.VALID, valuable=True), Count("id"), by_head=False
    ),
    "lead_points": FieldMetric(
        Lead, "reported_on", Q(status=Lead.Status.VALID), Sum("points"), by_head=False
    ),
    "reports_on_time": FieldMetric(
        Report, "due_on", Q(submitted_at__date__lte=F("due_on")), Count("id"), by_head=False
    ),
}


def metric_values(
    key: str,
    holder: str,
    holder_ids,
    start: date,
    end: date,
    *,
    head_led_only=False,
    today=None,
    regions=None,
) -> dict[int, Decimal]:
    """{holder id: value} for a field metric over [start, end]; holder is "unit" or "team".
    `regions`: the policy's own target regions (`target_regions`), for the events held there."""
    if key == "reports_missing":
        today = today or timezone.localdate()
        m = FieldMetric(Report, "due_on", Q(submitted_at__isnull=True, due_on__lt=today), Count("id"))
    elif key == "promotion_events_target_region" and regions is not None:
        m = FieldMetric(Activity, "date", Q(kind=K.PROMOTION_EVENT, region__in=list(regions)), Count("id"))
    else:
        m = FIELD_METRICS[key]
    qs = m.model.objects.filter(
        m.where, **{f"{m.date_field}__range": (start, end), f"{holder}_id__in": holder_ids}
    )
    if head_led_only and m.by_head:
        qs = qs.filter(head_led=True)
    rows = qs.order_by().values_list(f"{holder}_id").annotate(v=m.aggregate)
    return {hid: Decimal(v or 0) for hid, v in rows}


def _month_end(y: int, m: int) -> date:
    return date(y, m, _cal.monthrange(y, m)[1])


def window(per: str, on: date, policy: Policy) -> tuple[date, date, str]:
    """The stretch of time a quota counts over that contains `on`, clipped to the policy."""
    if per == "week":
        start = on - timedelta(days=on.weekday())
        end, label = start + timedelta(days=6), f"{start:%m月%d日}—{start + timedelta(days=6):%m月%d日}"
    elif per == "month":
        start, end, label = on.replace(day=1), _month_end(on.year, on.month), f"{on.year}年{on.month}月"
    elif per == "quarter":
        q = (on.month - 1) // 3
        start, end = date(on.year, 3 * q + 1, 1), _month_end(on.year, 3 * q + 3)
        label = f"{on.year}年第{q + 1}季度"
    elif per == "half_year":
        h = 0 if on.month <= 6 else 1
        start, end = date(on.year, 6 * h + 1, 1), _month_end(on.year, 6 * h + 6)
        label = f"{on.year}年{'上' if h == 0 else '下'}半年"
    elif per == "year":
        start, end, label = date(on.year, 1, 1), date(on.year, 12, 31), f"{on.year}年"
    else:  # the policy's main period (the 100 days)
        spec = policy.spec()
        p = spec.period(spec.main_period)
        start, end, label = p.start, p.end, p.label
    return max(start, policy.start), min(end, policy.end), label


@dataclass
class QuotaRow:
    source: str  # "quota" rule or "target"
    rule: str
    clause: str
    title: str
    metric: str
    metric_label: str
    uom: str
    holder_kind: str
    holder: object
    start: date
    end: date
    window_label: str
    required: Decimal
    value: Decimal

    @property
    def percent(self) -> int:
        if not self.required:
            return 100
        return int(min(self.value / self.required, 1) * 100)

    @property
    def met(self) -> bool:
        return self.value >= self.required

    def pace(self, on: date) -> int:
        """Share of the window gone by `on`: where the bar should be by now."""
        total = (self.end - self.start).days + 1
        gone = min(max((on - self.start).days + 1, 0), total)
        return int(gone * 100 / total) if total > 0 else 100

    def status(self, on: date) -> str:
        if self.met:
            return "达标"
        if on > self.end:
            return "未完成"
        return "进度落后" if self.percent < self.pace(on) else "正常"


def _holder_filter(user):
    """Which units' and teams' progress the user may see: those of their jurisdiction subtree
    for wide roles, a team clerk's team and its units, a unit clerk's own unit."""
    if user is None or user.is_superuser:
        return lambda kind, obj: True
    m = membership(user)
    if m is None:
        return lambda kind, obj: False
    if m.role in WIDE_ROLES:
        path = m.jurisdiction.path
        return lambda kind, obj: obj.jurisdiction.path.startswith(path)
    if m.role == "team_clerk" and m.team_id:
        units, teams = set(m.team.unit_ids()), {m.team_id}
    else:
        units, teams = ({m.unit_id} if m.unit_id else set()), set()
    return lambda kind, obj: obj.pk in (units if kind == "unit" else teams)


def quota_progress(policy: Policy, on: date, user=None) -> list[QuotaRow]:
    """Every field-work quota and target of the policy in force on `on`, for each holder."""
    spec = policy.spec()
    allowed = _holder_filter(user)
    groups = {
        g.key: g
        for g in policy.groups.prefetch_related("units__jurisdiction", "teams__jurisdiction", "people")
    }
    rows: list[QuotaRow] = []

    for rule in spec.rules:
        if rule.type != "quota" or (rule.metric not in FIELD_METRICS and rule.metric != "reports_missing"):
            continue
        group = groups.get(rule.group)
        if group is None or group.holder not in (HolderGroup.Holder.UNIT, HolderGroup.Holder.TEAM):
            continue
        holders = [h for h in group.members() if allowed(group.holder, h)]
        if not holders:
            continue
        named = spec.period(rule.period) if getattr(rule, "period", None) else None
        if named is not None:  # a quota over one named period (the June promotion event)
            start, end, label = max(named.start, policy.start), min(named.end, policy.end), named.label
        else:
            start, end, label = window(rule.per, on, policy)
        values = metric_values(
            rule.metric, group.holder, [h.pk for h in holders], start, end, head_led_only=rule.head_led_only,
            today=on, regions=spec.target_regions,
        )  # fmt: skip
        metric = spec.metric(rule.metric)
        for h in holders:
            rows.append(
                QuotaRow(
                    "quota",
                    rule.id,
                    rule.clause,
                    rule.title,
                    rule.metric,
                    metric.label,
                    metric.uom,
                    group.holder,
                    h,
                    start,
                    end,
                    label,
                    Decimal(rule.min),
                    values.get(h.pk, Decimal(0)),
                )  # fmt: skip
            )
    targets = (
        Target.objects.filter(policy=policy, metric__in=FIELD_METRICS, holder_kind__in=["unit", "team"])
        .filter(period__start__lte=on, period__end__gte=on)
        .select_related("period", "unit__jurisdiction", "team__jurisdiction")
    )
    by_window: dict[tuple, list[Target]] = {}
    for t in targets:
        holder = t.unit if t.holder_kind == "unit" else t.team
        if holder is not None and allowed(t.holder_kind, holder):
            by_window.setdefault((t.metric, t.holder_kind, t.period.start, t.period.end), []).append(t)
    for (metric_key, kind, start, end), ts in by_window.items():
        values = metric_values(
            metric_key, kind, [t.unit_id if kind == "unit" else t.team_id for t in ts], start, end,
            regions=spec.target_regions,
        )  # fmt: skip
        metric = spec.metric(metric_key)
        for t in ts:
            holder = t.unit if kind == "unit" else t.team
            rows.append(
                QuotaRow(
                    "target",
                    f"target-{t.pk}",
                    t.clause,
                    f"{t.period.label}{metric.label}目标",
                    metric_key,
                    metric.label,
                    t.uom or metric.uom,
                    kind,
                    holder,
                    start,
                    end,
                    t.period.label,
                    Decimal(t.value),
                    values.get(holder.pk, Decimal(0)),
                )  # fmt: skip
            )
    return rows
