"""Geometry of a carrier (载体): GeoJSON text, a point or a polygon, read and checked with shapely.

Coordinates are kept as the natural-resources bureau gives them: longitude and latitude in
degrees, CGCS2000 (the national frame, within a metre of WGS84 at county scale, so both are
accepted as they are). Projected coordinates (Gauss–Krüger metres, e.g. 3 度带 with a 500 km
false easting) are refused with a message: no transform is made here.
"""

from __future__ import annotations

import json
from decimal import Decimal

MAX_GEOMETRY_CHARS = 200_000
MAX_VERTICES = 20_000
ALLOWED = {"Point", "Polygon", "MultiPolygon"}
TYPE_NAMES = {"Point": "点", "Polygon": "面", "MultiPolygon": "多面"}


class GeometryError(ValueError):
    pass


def parse_geometry(value) -> dict:
    """A GeoJSON geometry (text or mapping) checked: its type, lon/lat ranges, a valid ring.
    Returns the geometry as a mapping; raises GeometryError with a Chinese message."""
    from shapely.geometry import shape

    if isinstance(value, str):
        if len(value) > MAX_GEOMETRY_CHARS:
            raise GeometryError(f"空间范围过大（超过 {MAX_GEOMETRY_CHARS} 个字符），请简化后再导入")
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # RecursionError: nested beyond the parser's depth
            raise GeometryError("空间范围不是有效的 GeoJSON") from None
    if not isinstance(value, dict):
        raise GeometryError("空间范围不是有效的 GeoJSON 几何对象")
    if value.get("type") == "Feature":
        value = value.get("geometry") or {}
        if not isinstance(value, dict):
            raise GeometryError("空间范围不是有效的 GeoJSON 几何对象")
    kind = value.get("type")
    if kind not in ALLOWED:
        raise GeometryError(f"空间范围应为点或面（Point、Polygon、MultiPolygon），实为“{str(kind)[:30]}”")
    try:
        geom = shape(value)
    except Exception:  # noqa: BLE001 - shapely raises several families on malformed coordinates
        raise GeometryError("空间范围的坐标格式不正确") from None
    if geom.is_empty:
        raise GeometryError("空间范围没有坐标")
    coords = _coords(geom)
    if len(coords) > MAX_VERTICES:
        raise GeometryError(f"空间范围的顶点超过 {MAX_VERTICES} 个，请简化后再导入")
    for x, y in coords:
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            raise GeometryError(
                f"坐标（{x:.3f}, {y:.3f}）不是经纬度：请提供 CGCS2000 或 WGS84 经纬度坐标（度），"
                "投影坐标（米，如高斯-克吕格）须先转换"
            )
    if not geom.is_valid:
        raise GeometryError("空间范围的面自相交或不闭合，请检查地块边界")
    from shapely.geometry import mapping

    return json.loads(json.dumps(mapping(geom)))


def _coords(geom) -> list[tuple[float, float]]:
    if geom.geom_type == "Point":
        return [(geom.x, geom.y)]
    polys = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
    out = []
    for p in polys:
        out += [c[:2] for c in p.exterior.coords]
        for ring in p.interiors:
            out += [c[:2] for c in ring.coords]
    return out


def centroid(geometry: dict) -> tuple[Decimal, Decimal]:
    """(longitude, latitude) of the geometry's centroid, 6 decimals (about 0.1 m)."""
    from shapely.geometry import shape

    c = shape(geometry).centroid
    q = Decimal("0.000001")
    return Decimal(str(c.x)).quantize(q), Decimal(str(c.y)).quantize(q)
