"""Carriers and the zombie register in and out of office files, all or nothing.

- Excel (载体台账, 僵尸企业名录): the export re-imports; a row is matched to a record already there by
  its name (载体名称 / 企业名称) in the clerk's jurisdiction.
- The natural-resources bureau's files: a GeoJSON FeatureCollection, or an ESRI Shapefile zipped
  (.shp, .shx, .dbf; .prj and .cpg optional), read offline with pyshp and shapely. Their attribute
  names (地块名称, 面积, 用途…) are mapped to the carrier's fields by the clerk (`mapping`), then every
  feature goes through the same row check as an Excel row.

Every row goes through the model's clean(); errors name the row (the feature's number for a map
file) and column in Chinese, and if any row has one nothing is saved. Files are bounded like the
Excel importers (exchange/reader.py Limits: ZHAOSHANG_IMPORT_MAX_MB, …_MAX_UNZIPPED_MB) and by
MAX_ROWS rows or features.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from openpyxl import Workbook

from zhaoshang.core.changelog import change_context
from zhaoshang.core.scoping import can_change, membership
from zhaoshang.exchange.layouts import escape_text, is_blank, parse_date, shown, unescape_text
from zhaoshang.exchange.reader import Limits, ReadError, source_bytes
from zhaoshang.exchange.results import ImportResult, RowError, first_sheet, problems_of
from zhaoshang.exchange.results import Rollback as _Rollback
from zhaoshang.ledger.models import Enterprise
from zhaoshang.org.models import Unit

from . import services
from .geo import GeometryError, parse_geometry
from .models import Carrier, ZombieEnterprise

MAX_ROWS = 5000
CARRIER_SHEET = "载体台账"
ZOMBIE_SHEET = "僵尸企业名录"

# (header, field, required on import)
CARRIER_COLUMNS = [
    ("载体名称", "name", True),
    ("类型", "kind", True),
    ("状态", "status", False),
    ("乡镇/园区", "town", False),
    ("地址", "address", False),
    ("土地面积（亩）", "land_mu", False),
    ("建筑面积（平方米）", "floor_area_m2", False),
    ("权属人", "owner_name", False),
    ("用途", "land_use", False),
    ("出让价格（万元/亩）", "price_wan_per_mu", False),
    ("租金（元/平方米/月）", "rent_yuan_per_m2_month", False),
    ("可用日期", "available_from", False),
    ("备注", "notes", False),
    ("数据来源", "source", False),
    ("空间范围（GeoJSON）", "geometry", False),
]
CARRIER_EXPORTED_ONLY = ["中心经度", "中心纬度"]
CHOICES = {
    "kind": {label: value for value, label in Carrier.Kind.choices},
    "status": {label: value for value, label in Carrier.Status.choices},
    "land_use": {label: value for value, label in Carrier.LandUse.choices},
}
DECIMALS = {"land_mu", "floor_area_m2", "price_wan_per_mu", "rent_yuan_per_m2_month"}
DATES = {"available_from"}
# The fields a map file's attributes may be mapped to (the geometry comes from the feature).
MAPPABLE = [(f, h) for h, f, _ in CARRIER_COLUMNS if f != "geometry"]


def _text(value) -> str:
    return escape_text(str(value)) if value not in (None, "") else ""


def _xlsx(sheet: str, headers: list[str], rows) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- Values --------------------------------------------------------------------------------------


def _decimal(value) -> Decimal:
    try:
        d = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValueError(f"“{shown(value)}”不是数字") from None
    if not d.is_finite() or d < 0:
        raise ValueError(f"应为不小于 0 的数字，实为“{shown(value)}”")
    if abs(d) >= Decimal("1e10"):
        raise ValueError(f"数值过大：“{shown(value)}”")
    return d.quantize(Decimal("0.01"))


def _choice(fname: str, value) -> str:
    text = str(value).strip()
    table = CHOICES[fname]
    if text in table:
        return table[text]
    if text in table.values():
        return text
    raise ValueError(f"应为{'、'.join(table)}之一，实为“{shown(text)[:30]}”")


# --- Carriers: export ----------------------------------------------------------------------------


def export_carriers(queryset) -> bytes:
    headers = [h for h, _, _ in CARRIER_COLUMNS] + CARRIER_EXPORTED_ONLY
    rows = []
    for c in queryset.order_by("kind", "name", "id"):
        row = []
        for _, fname, _ in CARRIER_COLUMNS:
            v = getattr(c, fname)
            if fname in CHOICES:
                v = getattr(c, f"get_{fname}_display")()
            elif isinstance(v, str):
                v = _text(v)
            row.append(v)
        rows.append(row + [c.lon, c.lat])
    return _xlsx(CARRIER_SHEET, headers, rows)


# --- Carrier assignments: export -------------------------------------------------------------------

ASSIGNMENT_SHEET = "载体安排"
ASSIGNMENT_HEADERS = [
    "载体名称", "载体类型", "项目名称", "状态", "使用土地（亩）", "使用建筑面积（平方米）", "安排日期", "释放日期",
    "释放原因", "备注",
]  # fmt: skip


def export_assignments(queryset) -> bytes:
    """The carrier assignments of `queryset` (already scoped to the user), newest first."""
    rows = [
        [
            _text(a.carrier.name),
            a.carrier.get_kind_display(),
            _text(a.project.name),
            a.get_status_display(),
            a.land_mu,
            a.floor_area_m2,
            a.assigned_on,
            a.released_on,
            _text(a.release_reason),
            _text(a.notes),
        ]
        for a in queryset.select_related("carrier", "project").order_by("-assigned_on", "-id")
    ]
    return _xlsx(ASSIGNMENT_SHEET, ASSIGNMENT_HEADERS, rows)


# --- Carriers: the row check every source shares -----------------------------------------------------


def _jurisdiction_of(user):
    m = membership(user)
    return m.jurisdiction if m is not None else None


def _carrier_preflight(user, result: ImportResult):
    if not can_change(user, Carrier):
        result.errors.append(RowError(None, None, "只有招商办可以导入载体"))
        return None
    jurisdiction = _jurisdiction_of(user)
    if jurisdiction is None:
        result.errors.append(RowError(None, None, "请使用招商办账号导入（载体登记在账号所在的行政区划）"))
    return jurisdiction


def _carrier_rows(rows, *, user, jurisdiction, result: ImportResult, dry_run: bool) -> ImportResult:
    """rows: [(number, {field: raw value})] — all saved or none."""
    labels = {f: h for h, f, _ in CARRIER_COLUMNS}
    try:
        with transaction.atomic(), change_context(user=user, source="import", reason="导入载体"):
            seen: dict[str, int] = {}
            for number, cells in rows:
                if all(is_blank(v) for v in cells.values()):
                    continue
                result.rows += 1
                name = str(cells.get("name") or "").strip()
                if name and name in seen:
                    result.errors.append(RowError(number, labels["name"], f"与第{seen[name]}行重名"))
                    continue
                seen[name] = number
                _carrier_row(number, cells, jurisdiction, result, labels)
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if result.errors:
        result.created = result.updated = result.unchanged = 0
    return result


def _carrier_row(number, cells, jurisdiction, result, labels) -> None:
    before = len(result.errors)

    def err(fname, message):
        result.errors.append(RowError(number, labels.get(fname, fname), message))

    values = {}
    for _header, fname, required in CARRIER_COLUMNS:
        raw = cells.get(fname)
        if is_blank(raw):
            if required:
                err(fname, "必填")
            continue
        try:
            if fname in CHOICES:
                values[fname] = _choice(fname, raw)
            elif fname in DECIMALS:
                values[fname] = _decimal(raw)
            elif fname in DATES:
                values[fname] = parse_date(raw)
            elif fname == "geometry":
                geom = raw if isinstance(raw, dict) else str(raw)
                values[fname] = json.dumps(parse_geometry(geom), ensure_ascii=False, separators=(",", ":"))
            else:
                text = str(raw).strip()
                limit = Carrier._meta.get_field(fname).max_length
                if limit and len(text) > limit:
                    raise ValueError(f"不能超过 {limit} 个字")
                values[fname] = text
        except (ValueError, GeometryError) as exc:
            err(fname, str(exc))
    if len(result.errors) > before:
        return
    existing = Carrier.objects.filter(jurisdiction=jurisdiction, name=values["name"]).first()
    c = existing or Carrier(jurisdiction=jurisdiction)
    if existing is not None and all(getattr(existing, k) == v for k, v in values.items()):
        result.unchanged += 1
        return
    for k, v in values.items():
        setattr(c, k, v)
    try:
        c.full_clean()
    except ValidationError as exc:
        for fname, messages in exc.message_dict.items():
            for message in messages:
                result.errors.append(
                    RowError(number, None if fname == "__all__" else labels.get(fname, fname), message)
                )
        return
    try:
        with transaction.atomic():
            c.save()
    except IntegrityError:
        result.errors.append(RowError(number, None, "与已有记录冲突，未导入"))
        return
    if existing is None:
        result.created += 1
    else:
        result.updated += 1


def _cell(raw):
    return unescape_text(raw.strip()) if isinstance(raw, str) else raw


def _sheet_rows(data: bytes, result: ImportResult, required: list[str], known: list[str]):
    """[(number, {header: value})] of the first sheet, or None with the errors in `result`."""
    rows = first_sheet(data, result)
    if rows is None:
        return None
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [h for h in required if h not in headers]
    if missing:
        result.errors.append(RowError(1, None, f"缺少必填列：{'、'.join(missing)}"))
        return None
    if len(rows) - 1 > MAX_ROWS:
        result.errors.append(RowError(None, None, f"一次最多导入 {MAX_ROWS} 行，请分批导入"))
        return None
    col = {h: headers.index(h) for h in known if h in headers}
    return [
        (n, {h: _cell(raw[i]) if i < len(raw) else "" for h, i in col.items()})
        for n, raw in enumerate(rows[1:], start=2)
    ]


def import_carriers(data: bytes, *, user, dry_run: bool = False) -> ImportResult:
    """The carrier ledger from Excel (the export's layout)."""
    result = ImportResult()
    jurisdiction = _carrier_preflight(user, result)
    if result.errors:
        return result
    by_header = {h: f for h, f, _ in CARRIER_COLUMNS}
    rows = _sheet_rows(
        data, result, [h for h, _, r in CARRIER_COLUMNS if r], [h for h, _, _ in CARRIER_COLUMNS]
    )
    if rows is None:
        return result
    rows = [(n, {by_header[h]: v for h, v in cells.items()}) for n, cells in rows]
    return _carrier_rows(rows, user=user, jurisdiction=jurisdiction, result=result, dry_run=dry_run)


# --- Carriers: GeoJSON and Shapefile ---------------------------------------------------------------


@dataclass
class GeoFile:
    attributes: list[str]
    features: list[tuple[dict, dict | None]]  # (properties, geometry)


def _limits() -> Limits:
    return Limits.from_settings()


def read_geo(data: bytes, filename: str = "") -> GeoFile:
    """A GeoJSON FeatureCollection or a zipped Shapefile, by content; ReadError with a Chinese
    message for anything else, too large, or damaged."""
    limits = _limits()
    data = source_bytes(data, limits)
    if data[:4] == b"PK\x03\x04":
        return _read_shapefile_zip(data, limits)
    return _read_geojson(data)


def _read_geojson(data: bytes) -> GeoFile:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ReadError(
            [(None, None, "无法读取该文件：请上传 GeoJSON（.geojson/.json）或 Shapefile 压缩包（.zip）")]
        ) from None
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise ReadError([(None, None, "GeoJSON 应为要素集合（FeatureCollection）")])
    features = doc.get("features") if doc["type"] == "FeatureCollection" else [doc]
    if not isinstance(features, list):
        raise ReadError([(None, None, "GeoJSON 的 features 应为列表")])
    if len(features) > MAX_ROWS:
        raise ReadError([(None, None, f"一次最多导入 {MAX_ROWS} 个地块，请分批导入")])
    out, attrs = [], []
    for f in features:
        if not isinstance(f, dict):
            raise ReadError([(None, None, "GeoJSON 的要素格式不正确")])
        props = f.get("properties") or {}
        if not isinstance(props, dict):
            props = {}
        for k in props:
            if k not in attrs:
                attrs.append(str(k))
        out.append(({str(k): v for k, v in props.items()}, f.get("geometry")))
    return GeoFile(attrs, out)


def _read_shapefile_zip(data: bytes, limits: Limits) -> GeoFile:
    import shapefile

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ReadError([(None, None, "无法读取该压缩包：文件已损坏或不是 zip")]) from None
    if sum(i.file_size for i in infos) > limits.max_unzipped_mb * 1024 * 1024 or len(infos) > 100:
        raise ReadError(
            [
                (
                    None,
                    None,
                    f"压缩包解压后超过 {limits.max_unzipped_mb} MB（ZHAOSHANG_IMPORT_MAX_UNZIPPED_MB），未导入",
                )
            ]
        )
    by_ext: dict[str, zipfile.ZipInfo] = {}
    for i in infos:
        name = i.filename.rsplit("/", 1)[-1]
        if "." in name and not i.is_dir() and not name.startswith("."):
            ext = name.rsplit(".", 1)[1].lower()
            if ext in by_ext and ext in ("shp", "shx", "dbf"):
                raise ReadError([(None, None, "压缩包内有多个 Shapefile，请每次只上传一个图层")])
            by_ext.setdefault(ext, i)
    missing = [e for e in ("shp", "shx", "dbf") if e not in by_ext]
    if missing:
        raise ReadError([(None, None, f"Shapefile 压缩包缺少 .{'、.'.join(missing)} 文件")])
    encoding = "utf-8"
    if "cpg" in by_ext:
        cpg = zf.read(by_ext["cpg"]).decode("ascii", "ignore").strip().lower()
        encoding = {"936": "gbk", "gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030"}.get(
            cpg, cpg or "utf-8"
        )
    if "prj" in by_ext:
        prj = zf.read(by_ext["prj"]).decode("utf-8", "ignore")
        if prj.lstrip().upper().startswith("PROJCS"):
            raise ReadError(
                [
                    (
                        None,
                        None,
                        "Shapefile 为投影坐标（.prj 为 PROJCS）：请先转换为 CGCS2000 或 WGS84 经纬度坐标后再导入",
                    )
                ]
            )
    try:
        reader = shapefile.Reader(
            shp=io.BytesIO(zf.read(by_ext["shp"])),
            shx=io.BytesIO(zf.read(by_ext["shx"])),
            dbf=io.BytesIO(zf.read(by_ext["dbf"])),
            encoding=encoding,
            encodingErrors="replace",
        )
        if len(reader) > MAX_ROWS:
            raise ReadError([(None, None, f"一次最多导入 {MAX_ROWS} 个地块，请分批导入")])
        attrs = [f[0] for f in reader.fields[1:]]
        out = []
        for sr in reader.iterShapeRecords():
            props = dict(zip(attrs, list(sr.record), strict=False))
            geom = sr.shape.__geo_interface__ if sr.shape.shapeType != shapefile.NULL else None
            out.append((props, geom))
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyshp raises several families on a damaged file
        raise ReadError([(None, None, f"无法读取该 Shapefile：文件已损坏（{str(exc)[:60]}）")]) from None
    return GeoFile(attrs, out)


def guess_mapping(attributes: list[str]) -> dict[str, str]:
    """{attribute: field} for attribute names the bureau's files commonly use."""
    words = {
        "name": ("地块名称", "名称", "地块编号", "宗地名称", "NAME", "name"),
        "land_mu": ("面积", "面积（亩）", "面积亩", "地块面积", "亩"),
        "land_use": ("用途", "土地用途", "规划用途"),
        "town": ("乡镇", "园区", "坐落乡镇"),
        "address": ("坐落", "地址", "位置"),
        "owner_name": ("权属人", "权利人", "使用权人"),
        "floor_area_m2": ("建筑面积",),
        "notes": ("备注",),
    }
    out = {}
    for a in attributes:
        for fname, options in words.items():
            if a in options and fname not in out.values():
                out[a] = fname
                break
    return out


USE_WORDS = {
    "工业": "industrial",
    "仓储": "warehouse",
    "商业": "commercial",
    "商服": "commercial",
    "综合": "mixed",
}


def import_geo(
    data: bytes,
    *,
    user,
    mapping: dict[str, str],
    kind: str,
    source: str = "",
    filename: str = "",
    dry_run: bool = False,
) -> ImportResult:
    """The features of a GeoJSON or zipped Shapefile as carriers of `kind`, each attribute mapped
    to a field by `mapping` {attribute: field}. Row numbers are the features' (第1个地块 = 第1行)."""
    result = ImportResult()
    jurisdiction = _carrier_preflight(user, result)
    if result.errors:
        return result
    allowed = {f for f, _ in MAPPABLE}
    bad = [f for f in mapping.values() if f and f not in allowed]
    if bad or kind not in Carrier.Kind.values:
        result.errors.append(RowError(None, None, "字段对应关系或载体类型不正确"))
        return result
    try:
        geo = read_geo(data, filename)
    except ReadError as exc:
        result.errors += problems_of(exc)
        return result
    if not any(v == "name" for v in mapping.values()):
        result.errors.append(RowError(None, None, "须指定哪个属性作为“载体名称”"))
        return result
    rows = []
    for number, (props, geom) in enumerate(geo.features, start=1):
        cells: dict = {"kind": kind, "source": source or "自然资源局地块数据"}
        for attr, fname in mapping.items():
            if fname and attr in props:
                v = props[attr]
                if fname == "land_use" and isinstance(v, str):
                    v = next((code for word, code in USE_WORDS.items() if word in v), v)
                cells[fname] = v
        cells["geometry"] = geom if geom else ""
        if geom is None:
            result.errors.append(RowError(number, "空间范围（GeoJSON）", "该地块没有几何图形"))
        rows.append((number, cells))
    if result.errors:
        return result
    return _carrier_rows(rows, user=user, jurisdiction=jurisdiction, result=result, dry_run=dry_run)


# --- Zombie register -------------------------------------------------------------------------------

ZOMBIE_COLUMNS = [
    ("企业名称", True),
    ("类别", True),
    ("认定日期", True),
    ("整治方案", False),
    ("责任单位", False),
    ("复工复产日期", False),
    ("状态", False),
    ("占地面积（亩）", False),
    ("厂房面积（平方米）", False),
    ("地址", False),
    ("备注", False),
]
ZOMBIE_EXPORTED_ONLY = ["复工复产期限", "是否逾期"]
ZOMBIE_STATUSES = {label: value for value, label in ZombieEnterprise.Status.choices}


def export_zombies(queryset, *, today: date) -> bytes:
    rows = []
    months_by_j: dict[int, dict] = {}
    for z in queryset.select_related("enterprise", "owner_unit", "jurisdiction").order_by(
        "enterprise__zombie_class", "id"
    ):
        months = months_by_j.setdefault(z.jurisdiction_id, services.zombie_months(z.jurisdiction))
        rows.append(
            [
                _text(z.enterprise.name),
                z.get_zombie_class_display(),
                z.classified_on,
                _text(z.plan),
                _text(z.owner_unit.name if z.owner_unit_id else ""),
                z.resumed_on,
                z.get_status_display(),
                z.land_mu,
                z.floor_area_m2,
                _text(z.address),
                _text(z.notes),
                services.zombie_deadline(z, months),
                "是" if services.zombie_is_overdue(z, today, months) else "",
            ]
        )
    return _xlsx(ZOMBIE_SHEET, [h for h, _ in ZOMBIE_COLUMNS] + ZOMBIE_EXPORTED_ONLY, rows)


def _zombie_class(value) -> str:
    text = str(value).strip().upper()
    if text and text[0] in "ABCD" and (len(text) == 1 or text[1] == "类"):
        return text[0]
    raise ValueError(f"应为 A、B、C、D 类之一，实为“{shown(value)[:20]}”")


def import_zombies(data: bytes, *, user, dry_run: bool = False) -> ImportResult:
    """The zombie register from Excel (the export's layout); an enterprise already on it is updated."""
    result = ImportResult()
    if not can_change(user, ZombieEnterprise):
        result.errors.append(RowError(None, None, "只有招商办可以导入僵尸企业名录"))
        return result
    jurisdiction = _jurisdiction_of(user)
    if jurisdiction is None:
        result.errors.append(RowError(None, None, "请使用招商办账号导入"))
        return result
    rows = _sheet_rows(data, result, [h for h, r in ZOMBIE_COLUMNS if r], [h for h, _ in ZOMBIE_COLUMNS])
    if rows is None:
        return result
    enterprises = Enterprise.objects.visible_to(user).filter(jurisdiction=jurisdiction)
    units = Unit.objects.visible_to(user)
    try:
        with transaction.atomic(), change_context(user=user, source="import", reason="导入僵尸企业名录"):
            for number, cells in rows:
                if all(is_blank(v) for v in cells.values()):
                    continue
                result.rows += 1
                _zombie_row(number, cells, user, jurisdiction, enterprises, units, result)
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if result.errors:
        result.created = result.updated = result.unchanged = 0
    return result


def _zombie_row(number, cells, user, jurisdiction, enterprises, units, result) -> None:
    before = len(result.errors)

    def err(column, message):
        result.errors.append(RowError(number, column, message))

    for h, required in ZOMBIE_COLUMNS:
        if required and is_blank(cells.get(h)):
            err(h, "必填")
    if len(result.errors) > before:
        return
    name = str(cells["企业名称"]).strip()
    hits = list(enterprises.filter(name=name)[:2])
    enterprise = hits[0] if len(hits) == 1 else None
    if not hits:
        err("企业名称", f"未找到企业“{shown(name)[:60]}”（须为本行政区划企业台账中的企业）")
    elif len(hits) > 1:
        err("企业名称", f"有多个名为“{shown(name)[:60]}”的企业，请在网页上登记")
    values = {}
    for header, key, fn in (
        ("类别", "zombie_class", _zombie_class),
        ("认定日期", "classified_on", parse_date),
        ("复工复产日期", "resumed_on", parse_date),
        ("占地面积（亩）", "land_mu", _decimal),
        ("厂房面积（平方米）", "floor_area_m2", _decimal),
    ):
        raw = cells.get(header)
        values[key] = None
        if not is_blank(raw):
            try:
                values[key] = fn(raw)
            except ValueError as exc:
                err(header, str(exc))
    status_text = str(cells.get("状态") or "").strip()
    if status_text:
        if status_text not in ZOMBIE_STATUSES:
            err("状态", f"应为{'、'.join(ZOMBIE_STATUSES)}之一，实为“{shown(status_text)[:20]}”")
        values["status"] = ZOMBIE_STATUSES.get(status_text)
    unit_text = str(cells.get("责任单位") or "").strip()
    values["owner_unit"] = None
    if unit_text:
        u = list(units.filter(name=unit_text)[:2])
        if len(u) != 1:
            err("责任单位", f"未找到唯一的单位“{shown(unit_text)[:40]}”")
        else:
            values["owner_unit"] = u[0]
    for header, key in (("整治方案", "plan"), ("地址", "address"), ("备注", "notes")):
        values[key] = str(cells.get(header) or "").strip()
    if len(values["address"]) > 200:
        err("地址", "不能超过 200 个字")
    if len(result.errors) > before:
        return
    existing = ZombieEnterprise.objects.filter(enterprise=enterprise).first()
    z = existing or ZombieEnterprise(enterprise=enterprise, jurisdiction=jurisdiction)
    if "status" not in values:
        values["status"] = ZombieEnterprise.Status.RESUMED if values["resumed_on"] else z.status
    if existing is not None and all(getattr(existing, k) == v for k, v in values.items()):
        result.unchanged += 1
        return
    for k, v in values.items():
        setattr(z, k, v)
    labels = {
        f.name: str(f.verbose_name) for f in ZombieEnterprise._meta.fields
    } | ZombieEnterprise.FACT_LABELS
    try:
        services.zombie_save(zombie=z, by=user)
    except ValidationError as exc:
        for fname, messages in exc.message_dict.items():
            for message in messages:
                err(None if fname == "__all__" else labels.get(fname, fname), message)
        return
    except IntegrityError:
        err(None, "与已有记录冲突，未导入")
        return
    if existing is None:
        result.created += 1
    else:
        result.updated += 1
