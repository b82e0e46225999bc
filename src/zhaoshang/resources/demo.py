"""Demo carriers around a county (points and parcels, each kind and status), its zombie register
(the enterprises the demo classified as zombies, else two of its enterprises) with one zombie's
factory turned into a carrier, and one carrier assigned to a project.

`seed(*, jurisdiction, today=None)`: safe to call again (a jurisdiction with carriers gets none)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from zhaoshang.core.changelog import change_context
from zhaoshang.ledger.models import Enterprise, Project

from .models import Carrier, CarrierAssignment, ZombieEnterprise

# County seats (lon, lat, CGCS2000) of the shipped documents; anything else gets a point in China.
CENTERS = {
    "411426": (116.13, 34.24),  # 夏邑县
    "361027": (116.77, 27.91),  # 金溪县
    "360722": (114.92, 25.39),  # 信丰县
    "350400": (117.64, 26.26),  # 三明市
}
DEFAULT_CENTER = (116.0, 30.0)
K, S = Carrier.Kind, Carrier.Status
# (name, kind, status, dx, dy, polygon half-size in degrees or 0 for a point, 亩, m², use)
PLAN = [
    (
        "工业园区A-03地块",
        K.IDLE_LAND,
        S.AVAILABLE,
        0.010,
        0.006,
        0.003,
        "85",
        None,
        Carrier.LandUse.INDUSTRIAL,
    ),
    (
        "工业园区B-11地块",
        K.UNSUPPLIED_LAND,
        S.AVAILABLE,
        -0.012,
        0.004,
        0.004,
        "150",
        None,
        Carrier.LandUse.INDUSTRIAL,
    ),
    (
        "标准厂房一期3号楼",
        K.STANDARD_FACTORY,
        S.AVAILABLE,
        0.004,
        -0.008,
        0.0015,
        "12",
        "8000",
        Carrier.LandUse.INDUSTRIAL,
    ),
    (
        "标准厂房一期5号楼",
        K.STANDARD_FACTORY,
        S.AVAILABLE,
        0.006,
        -0.009,
        0,
        "15",
        "12000",
        Carrier.LandUse.INDUSTRIAL,
    ),
    ("城东商贸地块", K.IDLE_LAND, S.AVAILABLE, 0.020, 0.015, 0.002, "30", None, Carrier.LandUse.COMMERCIAL),
    ("物流园仓储用地", K.IDLE_LAND, S.UNAVAILABLE, -0.018, -0.010, 0, "40", None, Carrier.LandUse.WAREHOUSE),
]


def _geometry(cx, cy, half) -> str:
    if not half:
        return json.dumps({"type": "Point", "coordinates": [round(cx, 6), round(cy, 6)]})
    ring = [[cx - half, cy - half], [cx + half, cy - half], [cx + half, cy + half], [cx - half, cy + half]]
    ring = [[round(x, 6), round(y, 6)] for x, y in ring]
    return json.dumps({"type": "Polygon", "coordinates": [ring + [ring[0]]]})


@transaction.atomic
def seed(*, jurisdiction, today: date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    if Carrier.objects.filter(jurisdiction=jurisdiction).exists():
        return {}
    counts = {"载体": 0, "僵尸企业": 0, "载体安排": 0}
    cx, cy = CENTERS.get(jurisdiction.code, DEFAULT_CENTER)
    with change_context(source="system", reason="演示数据"):
        carriers = []
        for name, kind, status, dx, dy, half, mu, m2, use in PLAN:
            c = Carrier(
                jurisdiction=jurisdiction,
                name=f"{jurisdiction.name}{name}",
                kind=kind,
                status=status,
                town="工业园区" if use != Carrier.LandUse.COMMERCIAL else "城关镇",
                geometry=_geometry(cx + dx, cy + dy, half),
                land_mu=Decimal(mu),
                floor_area_m2=Decimal(m2) if m2 else None,
                land_use=use,
                price_wan_per_mu=Decimal("12") if m2 is None else None,
                rent_yuan_per_m2_month=Decimal("8") if m2 else None,
                available_from=today - timedelta(days=30),
                source="演示数据",
            )
            c.full_clean()
            c.save()
            carriers.append(c)
        counts["载体"] = len(carriers)
        zombies = list(
            Enterprise.objects.filter(jurisdiction=jurisdiction).exclude(zombie_class="").order_by("pk")[:7]
        )
        made = []
        if zombies:
            for e in zombies:
                z = ZombieEnterprise(
                    jurisdiction=jurisdiction,
                    enterprise=e,
                    zombie_class=e.zombie_class,
                    classified_on=e.zombie_classified_on,
                    resumed_on=e.zombie_resumed_on,
                    status=ZombieEnterprise.Status.RESUMED
                    if e.zombie_resumed_on
                    else ZombieEnterprise.Status.REMEDIATING,
                    owner_unit=e.unit,
                    plan="按分类整治方案推进",
                    land_mu=Decimal("40"),
                    floor_area_m2=Decimal("15000"),
                    geometry=_geometry(cx - 0.006, cy + 0.012, 0.002),
                )
                z.full_clean()
                z.save()
                made.append(z)
        else:
            for cls, e in zip(
                "BD", Enterprise.objects.filter(jurisdiction=jurisdiction).order_by("pk")[:2], strict=False
            ):
                z = ZombieEnterprise(
                    jurisdiction=jurisdiction,
                    enterprise=e,
                    zombie_class=cls,
                    classified_on=today - timedelta(days=400),
                    status=ZombieEnterprise.Status.REMEDIATING,
                    plan="二次招商引进资金技术" if cls == "B" else "政府平台公司评估收购",
                    land_mu=Decimal("30"),
                    floor_area_m2=Decimal("9000"),
                )
                z.full_clean()
                z.save()
                made.append(z)
        counts["僵尸企业"] = len(made)
        d = next((z for z in made if z.zombie_class == "D"), None)
        if d is not None:
            c = Carrier(
                jurisdiction=jurisdiction,
                name=f"{d.enterprise.name}闲置厂房"[:120],
                kind=K.IDLE_FACTORY,
                status=S.AVAILABLE,
                geometry=d.geometry,
                land_mu=d.land_mu,
                floor_area_m2=d.floor_area_m2,
                owner_name=d.enterprise.name[:120],
                owner_enterprise=d.enterprise,
                source="僵尸企业盘活（D类）",
                zombie=d,
            )
            c.full_clean()
            c.save()
            counts["载体"] += 1
        projects = Project.objects.filter(jurisdiction=jurisdiction).order_by("pk")
        project = projects.filter(land_mu__isnull=False, land_mu__lte=85).first() or projects.first()
        if project is not None:
            land = carriers[0]
            CarrierAssignment.objects.create(
                carrier=land,
                project=project,
                assigned_on=today - timedelta(days=10),
                land_mu=project.land_mu or Decimal("20"),
            )
            land.status = S.NEGOTIATING
            land.save()
            counts["载体安排"] = 1
    return counts
