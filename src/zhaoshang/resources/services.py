"""The factor-resource library's rules, called alike by the pages, the API, the imports and the demo.

- A carrier is written by the office only (`Carrier` is not a private record: core/scoping.py
  can_change gives its writes to the office); its geometry is checked and its centroid derived by
  the model's clean().
- Matching (`match_carriers`): for a project, the carriers of its jurisdiction (and those above it)
  that are 可招商, available by the day asked, of industrial (or warehouse) use for an industrial
  project, with at least the project's land need (亩) — or, for a project that the policy sends to
  the standard factories (admission `land_min_investment_wan`: 金溪 亿元以下非主导产业项目不再单独
  供地), only standard factories, by floor area when the need is given in m². Ranked by how close
  the area is to the need (smallest surplus first).
- An assignment (`assignment_create`, `assignment_land`, `assignment_release`) is recorded by the
  office or the project's team clerk; a carrier with an assignment is 洽谈中, once landed 已落地, and
  可招商 again when its last assignment is released.
- The zombie register (`zombie_save`): classes A–C must resume production within the policy's
  `within_months` (夏邑: 12) of classification, that day included. The class and dates are kept once,
  on the enterprise (Enterprise.zombie_*), which the assessment's deadline rules read; the register
  entry reads and writes them there, so the register and the assessment cannot disagree. `zombie_to_carrier` turns a re-let or acquired
  zombie's factory and land into a carrier linked back to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from zhaoshang.core.roles import Role
from zhaoshang.core.scoping import can_change, membership

from .conf import M2_PER_MU
from .models import Carrier, CarrierAssignment, ZombieEnterprise

DEFAULT_ZOMBIE_MONTHS = 12
INDUSTRIAL_USES = (Carrier.LandUse.INDUSTRIAL, Carrier.LandUse.WAREHOUSE)
# Words in a project's industry that make it a non-industrial (service) project.
SERVICE_WORDS = (
    "商贸",
    "商业",
    "服务",
    "文旅",
    "旅游",
    "房地产",
    "金融",
    "物流",
    "电商",
    "教育",
    "医疗",
    "康养",
)


def _is_office(user) -> bool:
    m = membership(user)
    return bool(getattr(user, "is_superuser", False)) or (m is not None and m.role == Role.OFFICE)


# --- Carriers --------------------------------------------------------------------------------------


def carrier_save(*, carrier: Carrier, by) -> Carrier:
    """Validate (geometry, areas) and save a carrier; the office only."""
    if not can_change(by, carrier if carrier.pk else Carrier):
        raise PermissionDenied("只有招商办可以登记或修改载体")
    carrier.full_clean()
    carrier.save()
    return carrier


# --- Matching --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PerMuStandard:
    policy: str
    clause: str
    label: str
    threshold: Decimal
    actual: Decimal | None
    word: str
    meets: bool | None


@dataclass
class MatchResult:
    carriers: list  # [(carrier, surplus, reason)]
    need_mu: Decimal | None
    need_m2: Decimal | None
    standard_factory_only: bool
    standard_factory_reason: str
    per_mu: list[PerMuStandard]
    industrial: bool


def _policies_of(project):
    from zhaoshang.org.models import Policy

    path = project.jurisdiction.path
    prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
    return list(Policy.objects.filter(jurisdiction__path__in=prefixes).order_by("-start"))


def per_mu_standards(project) -> list[PerMuStandard]:
    """The per-mu investment and tax thresholds of every admission rule of the policies the project
    falls under (亩产论英雄), with the project's own figure and whether it meets it."""
    from zhaoshang.engine.bounds import meets
    from zhaoshang.engine.schema import Admission

    out = []
    actual_inv = project.investment_per_mu
    for policy in _policies_of(project):
        for rule in policy.spec().rules:
            if not isinstance(rule, Admission):
                continue
            for threshold, actual, label in (
                (rule.min_investment_per_mu_wan, actual_inv, "亩均投资"),
                (rule.min_tax_per_mu_wan, project.tax_per_mu, "亩均税收"),
            ):
                if threshold is None:
                    continue
                ok = None if actual is None else meets(actual, threshold, rule.per_mu_word)
                out.append(
                    PerMuStandard(
                        policy.title, rule.clause, label, Decimal(threshold), actual, rule.per_mu_word, ok
                    )
                )
    return out


def standard_factory_only(project) -> tuple[bool, str]:
    """Whether a policy the project falls under gives it no land of its own (admission verdict
    `standard_factory`), and the finding's words."""
    from zhaoshang.ledger.selectors import project_admission

    for policy, findings in project_admission(project):
        for f in findings:
            if f.verdict == "standard_factory":
                return True, f"{f.message}（{policy.title}{f.clause}）"
    return False, ""


def is_industrial(project) -> bool:
    text = f"{project.industry or ''}{project.chain or ''}"
    return not any(w in text for w in SERVICE_WORDS)


def match_carriers(
    project,
    *,
    user,
    by_date: date | None = None,
    need_m2: Decimal | None = None,
    limit: int = 50,
) -> MatchResult:
    """The carriers visible to `user` that fit the project, closest in area first (module docstring)."""
    by_date = by_date or timezone.localdate()
    only_factories, why = standard_factory_only(project)
    industrial = is_industrial(project)
    need_mu = project.land_mu
    path = project.jurisdiction.path
    prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
    qs = Carrier.objects.visible_to(user).filter(
        jurisdiction__path__in=prefixes, status=Carrier.Status.AVAILABLE
    )
    qs = qs.exclude(available_from__gt=by_date)
    if industrial:
        qs = qs.filter(land_use__in=INDUSTRIAL_USES)
    if only_factories:
        qs = qs.filter(kind=Carrier.Kind.STANDARD_FACTORY)
    # Ranked and cut in the database: the best fits are found however many carriers there are.
    area = models.DecimalField(max_digits=16, decimal_places=2)
    if need_m2:
        qs = qs.filter(floor_area_m2__gte=need_m2).annotate(
            have=F("floor_area_m2"), surplus=ExpressionWrapper(F("floor_area_m2") - need_m2, area)
        )
    elif need_mu and not only_factories:
        qs = qs.filter(land_mu__gte=need_mu).annotate(
            have=F("land_mu"), surplus=ExpressionWrapper(F("land_mu") - need_mu, area)
        )
    elif need_mu and only_factories:
        # A standard factory offered to a project whose need is in 亩: its land (or floor area
        # at 666.67 m² a 亩) must cover the need.
        have = Coalesce(
            F("land_mu"),
            ExpressionWrapper(Coalesce(F("floor_area_m2"), Value(Decimal(0))) / Value(M2_PER_MU), area),
            output_field=area,
        )
        qs = qs.annotate(have=have).filter(have__gte=need_mu)
        qs = qs.annotate(surplus=ExpressionWrapper(F("have") - need_mu, area))
    else:
        qs = qs.annotate(have=Value(None, area), surplus=Value(Decimal(0), area))
    rows = []
    for c in qs.order_by("surplus", "id")[:limit]:
        surplus = Decimal(c.surplus).quantize(Decimal("0.01"))
        if need_m2:
            reason = f"建筑面积{c.floor_area_m2}平方米，需{need_m2}平方米"
        elif need_mu and not only_factories:
            reason = f"土地{c.land_mu}亩，需{need_mu}亩"
        elif need_mu:
            reason = f"折合{Decimal(c.have):.2f}亩，需{need_mu}亩"
        else:
            reason = "项目未填用地需求，按可用载体列出"
        rows.append((c, surplus, reason))
    return MatchResult(
        carriers=rows[:limit],
        need_mu=need_mu,
        need_m2=need_m2,
        standard_factory_only=only_factories,
        standard_factory_reason=why,
        per_mu=per_mu_standards(project),
        industrial=industrial,
    )


# --- Assignments -----------------------------------------------------------------------------------


def may_assign(user, project) -> bool:
    """The office, or the clerk of the project's team."""
    if not getattr(user, "is_authenticated", False):
        return False
    if _is_office(user):
        return True
    m = membership(user)
    return (
        m is not None and m.role == Role.TEAM_CLERK and m.team_id is not None and m.team_id == project.team_id
    )


def _sync_carrier_status(carrier: Carrier) -> None:
    live = carrier.assignments.exclude(status=CarrierAssignment.Status.RELEASED)
    if live.filter(status=CarrierAssignment.Status.LANDED).exists():
        status = Carrier.Status.LANDED
    elif live.exists():
        status = Carrier.Status.NEGOTIATING
    elif carrier.status in (Carrier.Status.NEGOTIATING, Carrier.Status.LANDED):
        status = Carrier.Status.AVAILABLE
    else:
        return
    if carrier.status != status:
        carrier.status = status
        carrier.save(update_fields=["status", "updated"])


def assignment_create(
    *,
    carrier: Carrier,
    project,
    by,
    on: date | None = None,
    land_mu: Decimal | None = None,
    floor_area_m2: Decimal | None = None,
    notes: str = "",
) -> CarrierAssignment:
    """Record a carrier as intended (意向) for a project; the carrier becomes 洽谈中."""
    if not may_assign(by, project):
        raise PermissionDenied("只有招商办或项目所属团队的联络员可以安排载体")
    with transaction.atomic():
        # Locked: two clerks assigning the same carrier at once are told apart; whether it is free
        # (可招商, no live assignment) is the model's rule (CarrierAssignment.clean).
        c = Carrier.objects.select_for_update().get(pk=carrier.pk)
        if not project.jurisdiction.path.startswith(c.jurisdiction.path):
            raise ValidationError("载体不在项目所在的行政区划内")
        a = CarrierAssignment(
            carrier=c,
            project=project,
            assigned_on=on or timezone.localdate(),
            assigned_by=by if getattr(by, "pk", None) else None,
            land_mu=land_mu if land_mu is not None else (project.land_mu if c.land_mu is not None else None),
            floor_area_m2=floor_area_m2,
            notes=notes,
        )
        a.full_clean()
        a.save()
        _sync_carrier_status(c)
    return a


def _locked_assignment(a: CarrierAssignment) -> CarrierAssignment:
    return CarrierAssignment.objects.select_for_update().select_related("project", "carrier").get(pk=a.pk)


def assignment_land(*, assignment: CarrierAssignment, by) -> CarrierAssignment:
    """The project lands on the carrier (意向 → 已落地); the carrier becomes 已落地."""
    if not may_assign(by, assignment.project):
        raise PermissionDenied("只有招商办或项目所属团队的联络员可以确认落地")
    with transaction.atomic():
        a = _locked_assignment(assignment)
        if a.status != CarrierAssignment.Status.INTENDED:
            raise ValidationError(f"安排当前为“{a.get_status_display()}”，只有意向安排可以确认落地")
        a.status = CarrierAssignment.Status.LANDED
        a.save()
        _sync_carrier_status(a.carrier)
    return a


def assignment_release(*, assignment: CarrierAssignment, reason: str, by, on: date | None = None):
    """Release the carrier (the project fell through or moved): the carrier is 可招商 again once no
    other assignment holds it. A reason is required."""
    reason = (reason or "").strip()
    if not may_assign(by, assignment.project):
        raise PermissionDenied("只有招商办或项目所属团队的联络员可以释放载体")
    if not reason:
        raise ValidationError({"release_reason": "释放载体须填写原因"})
    with transaction.atomic():
        a = _locked_assignment(assignment)
        if a.status == CarrierAssignment.Status.RELEASED:
            raise ValidationError("该安排已释放")
        a.status = CarrierAssignment.Status.RELEASED
        a.released_on = on or timezone.localdate()
        a.release_reason = reason
        a.save()
        _sync_carrier_status(a.carrier)
    return a


# --- Zombie enterprises --------------------------------------------------------------------------


def zombie_months(jurisdiction) -> dict[str, int]:
    """{class: months to resume} from the deadline rules on enterprises (`attribute: zombie_a`…) of
    the policies of the jurisdiction and those above it; classes without a rule get 12 months."""
    from django.core.cache import cache

    # Asked for every row of the register: remembered a few minutes per jurisdiction (a policy's
    # deadline rules change only when it is reloaded).
    return cache.get_or_set(f"zs:zombie-months:{jurisdiction.pk}", lambda: _zombie_months(jurisdiction), 300)


def _zombie_months(jurisdiction) -> dict[str, int]:
    from zhaoshang.engine.schema import Deadline
    from zhaoshang.org.models import Policy

    path = jurisdiction.path
    prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
    out: dict[str, int] = {}
    for policy in Policy.objects.filter(jurisdiction__path__in=prefixes).order_by("start"):
        for rule in policy.spec().rules:
            if (
                isinstance(rule, Deadline)
                and rule.items == "enterprises"
                and (rule.attribute or "").startswith("zombie_")
            ):
                out[rule.attribute.removeprefix("zombie_").upper()] = rule.within_months
    return {k: out.get(k, DEFAULT_ZOMBIE_MONTHS) for k in ("A", "B", "C")}


def zombie_deadline(z: ZombieEnterprise, months: dict[str, int] | None = None) -> date | None:
    months = months if months is not None else zombie_months(z.jurisdiction)
    return z.deadline(months.get(z.zombie_class, DEFAULT_ZOMBIE_MONTHS))


def zombie_is_overdue(
    z: ZombieEnterprise, today: date | None = None, months: dict[str, int] | None = None
) -> bool:
    months = months if months is not None else zombie_months(z.jurisdiction)
    return z.is_overdue(today or timezone.localdate(), months.get(z.zombie_class, DEFAULT_ZOMBIE_MONTHS))


def zombie_save(*, zombie: ZombieEnterprise, by) -> ZombieEnterprise:
    """Validate and save a register entry (the office). Its class and dates are the enterprise's:
    set on the entry, the model checks them with the enterprise's rule and writes them onto it in
    the same transaction (ZombieEnterprise), so the register and the assessment read one copy."""
    if not can_change(by, zombie if zombie.pk else ZombieEnterprise):
        raise PermissionDenied("只有招商办可以登记或修改僵尸企业")
    if zombie.enterprise_id and not zombie.jurisdiction_id:
        zombie.jurisdiction = zombie.enterprise.jurisdiction
    with transaction.atomic():
        zombie.full_clean()
        zombie.save()
    return zombie


def zombie_to_carrier(
    *, zombie: ZombieEnterprise, by, kind: str | None = None, name: str = "", status: str | None = None
) -> Carrier:
    """The zombie's factory (or land) as a carrier for re-letting (二次招商) or after acquisition
    (政府平台收购), linked back to the register entry."""
    if not can_change(by, Carrier):
        raise PermissionDenied("只有招商办可以登记载体")
    kind = kind or (Carrier.Kind.IDLE_FACTORY if zombie.floor_area_m2 else Carrier.Kind.IDLE_LAND)
    c = Carrier(
        jurisdiction=zombie.jurisdiction,
        name=(name or f"{zombie.enterprise.name}闲置资产")[:120],
        kind=kind,
        status=status or Carrier.Status.AVAILABLE,
        address=zombie.address,
        geometry=zombie.geometry,
        land_mu=zombie.land_mu,
        floor_area_m2=zombie.floor_area_m2,
        owner_name=zombie.enterprise.name[:120],
        owner_enterprise=zombie.enterprise,
        land_use=Carrier.LandUse.INDUSTRIAL,
        source=f"僵尸企业盘活（{zombie.get_zombie_class_display()}）",
        zombie=zombie,
    )
    with transaction.atomic():
        c.full_clean()
        c.save()
    return c
