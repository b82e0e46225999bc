"""The factor-resource library's settings, each read here with its default (docs/resources.md,
“Settings”); none needs to be in settings.py."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings

M2_PER_MU = Decimal("666.67")  # 1 亩 = 10000/15 m²
# The highest plot ratio (容积率) a factory's floor area is checked against. 《工业项目建设用地控制
# 指标》 sets only minimums for industrial land (0.6–1.2 by industry); multi-storey standard
# factories (工业上楼) reach 3–4. 4.0 refuses only figures no factory has (a unit mixed up).
DEFAULT_FACTORY_PLOT_RATIO = Decimal("4.0")
DEFAULT_GEO_STAGE_HOURS = 24


def factory_plot_ratio() -> Decimal | None:
    """ZHAOSHANG_FACTORY_PLOT_RATIO (default 4.0); None or 0 turns the check off."""
    raw = getattr(settings, "ZHAOSHANG_FACTORY_PLOT_RATIO", DEFAULT_FACTORY_PLOT_RATIO)
    if raw in (None, "", 0):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return DEFAULT_FACTORY_PLOT_RATIO
    return value if value.is_finite() and value > 0 else None


def geo_stage_hours() -> float:
    """ZHAOSHANG_GEO_STAGE_HOURS (default 24): how long an uploaded map file waits for its mapping."""
    try:
        return float(getattr(settings, "ZHAOSHANG_GEO_STAGE_HOURS", DEFAULT_GEO_STAGE_HOURS))
    except (TypeError, ValueError):
        return float(DEFAULT_GEO_STAGE_HOURS)
