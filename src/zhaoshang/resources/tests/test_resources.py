"""Issue 13 points 5 and 6: the factor-resource library (carriers, their import from Excel, GeoJSON
and Shapefile, matching to a project, assignment) and the zombie-enterprise register."""

import io
import json
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from zhaoshang.core.changelog import change_context
from zhaoshang.core.models import ObjectChange
from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.org.models import Jurisdiction
from zhaoshang.resources import exchange, services
from zhaoshang.resources.geo import GeometryError, parse_geometry
from zhaoshang.resources.models import Carrier, CarrierAssignment, ZombieEnterprise, add_months

pytestmark = pytest.mark.django_db
XF = "360722"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[114.9, 25.4], [114.91, 25.4], [114.91, 25.41], [114.9, 25.41], [114.9, 25.4]]],
}


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _carrier(**kw) -> Carrier:
    values = {
        "jurisdiction": Jurisdiction.objects.get(code=XF),
        "name": "测试地块",
        "kind": Carrier.Kind.IDLE_LAND,
        "land_mu": Decimal("50"),
        "land_use": Carrier.LandUse.INDUSTRIAL,
    } | kw
    c = Carrier(**values)
    c.full_clean()
    c.save()
    return c


# --- Geometry -------------------------------------------------------------------------------------


def test_geometry_is_checked_and_its_centroid_stored():
    c = _carrier(geometry=json.dumps(SQUARE))
    c.refresh_from_db()
    assert c.lon == Decimal("114.905000") and c.lat == Decimal("25.405000")
    with pytest.raises(GeometryError, match="不是经纬度"):
        parse_geometry({"type": "Point", "coordinates": [39500000.0, 2810000.0]})
    with pytest.raises(GeometryError, match="自相交"):
        parse_geometry({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]})
    with pytest.raises(GeometryError, match="点或面"):
        parse_geometry({"type": "LineString", "coordinates": [[0, 0], [1, 1]]})
    with pytest.raises(GeometryError):
        parse_geometry("不是 JSON")
    # Nested past the JSON parser's depth, or a Feature whose geometry is not an object: refused, named.
    with pytest.raises(GeometryError, match="不是有效的 GeoJSON"):
        parse_geometry('{"type": "Polygon", "coordinates": ' + "[" * 20_000 + "]" * 20_000 + "}")
    with pytest.raises(GeometryError, match="几何对象"):
        parse_geometry({"type": "Feature", "geometry": "x"})
    from zhaoshang.exchange.reader import ReadError
    from zhaoshang.resources.exchange import read_geo

    with pytest.raises(ReadError):
        read_geo(b'{"type": "FeatureCollection", "features": ' + b"[" * 20_000 + b"]" * 20_000 + b"}")
    with pytest.raises(ValidationError) as exc:
        _carrier(name="坏地块", geometry='{"type": "Point", "coordinates": [500000, 3000000]}')
    assert "geometry" in exc.value.message_dict


def test_a_carrier_needs_an_area_and_a_factory_its_floor_area():
    with pytest.raises(ValidationError) as exc:
        _carrier(land_mu=None)
    assert "土地面积和建筑面积须填写其中一个" in str(exc.value)
    with pytest.raises(ValidationError):
        _carrier(kind=Carrier.Kind.STANDARD_FACTORY, name="厂房")


def test_a_factorys_floor_area_fits_its_land_by_the_plot_ratio(settings):
    """Floor area ≤ 亩 × 666.67 × ZHAOSHANG_FACTORY_PLOT_RATIO (default 4.0), named in Chinese."""
    factory = {"kind": Carrier.Kind.STANDARD_FACTORY, "land_mu": Decimal("10")}
    _carrier(name="四倍厂房", floor_area_m2=Decimal("26666.80"), **factory)  # 10 × 666.67 × 4
    with pytest.raises(ValidationError) as exc:
        _carrier(name="超大厂房", floor_area_m2=Decimal("26666.81"), **factory)
    message = exc.value.message_dict["floor_area_m2"][0]
    assert "建筑面积（平方米）" in message and "容积率 4.0" in message and "26666.80 平方米" in message
    settings.ZHAOSHANG_FACTORY_PLOT_RATIO = "2"
    with pytest.raises(ValidationError, match="容积率 2"):
        _carrier(name="两倍厂房", floor_area_m2=Decimal("14000"), **factory)
    _carrier(
        name="土地不查", kind=Carrier.Kind.IDLE_LAND, land_mu=Decimal("1"), floor_area_m2=Decimal("99999")
    )
    settings.ZHAOSHANG_FACTORY_PLOT_RATIO = None
    _carrier(name="不查厂房", floor_area_m2=Decimal("99999"), **factory)


def test_carrier_writes_are_the_offices_and_change_logged(users):
    c = Carrier(jurisdiction=Jurisdiction.objects.get(code=XF), name="日志地块", kind="idle_land", land_mu=10)
    with pytest.raises(PermissionDenied):
        services.carrier_save(carrier=c, by=users["xf-team"])
    services.carrier_save(carrier=c, by=users["xf-office"])
    assert ObjectChange.objects.of(c).count() == 1


# --- Excel ----------------------------------------------------------------------------------------


HEAD = ["载体名称", "类型", "土地面积（亩）", "用途", "可用日期", "空间范围（GeoJSON）"]


def test_excel_import_is_all_or_nothing_with_row_and_column(users):
    bad = _xlsx(
        [
            HEAD,
            ["甲地块", "闲置土地", 20, "工业", "2024-05-01", ""],
            ["乙地块", "宅基地", "二十", "工业", "", ""],
        ]
    )
    result = exchange.import_carriers(bad, user=users["xf-office"])
    assert not result.ok and not Carrier.objects.filter(name="甲地块").exists()
    text = "\n".join(map(str, result.errors))
    assert "第3行“类型”列" in text and "第3行“土地面积（亩）”列" in text
    ok = _xlsx(
        [
            HEAD,
            ["甲地块", "闲置土地", 20, "工业", "2024-05-01", json.dumps(SQUARE)],
            ["乙厂房", "闲置厂房", 5, "工业", "", ""],
        ]
    )
    result = exchange.import_carriers(ok, user=users["xf-office"])
    assert not result.ok and "厂房须填写建筑面积" in str(result.errors[0])
    ok = _xlsx([HEAD, ["甲地块", "闲置土地", 20, "工业", "2024-05-01", json.dumps(SQUARE)]])
    result = exchange.import_carriers(ok, user=users["xf-office"])
    assert result.ok and result.created == 1
    c = Carrier.objects.get(name="甲地块")
    assert c.lon is not None and c.available_from == date(2024, 5, 1)
    # The export re-imports unchanged.
    data = exchange.export_carriers(Carrier.objects.filter(pk=c.pk))
    again = exchange.import_carriers(data, user=users["xf-office"])
    assert again.ok and again.unchanged == 1


def test_excel_import_refuses_garbage_and_clerks(users):
    assert not exchange.import_carriers(b"not a workbook", user=users["xf-office"]).ok
    assert not exchange.import_carriers(_xlsx([HEAD]), user=users["xf-team"]).ok
    assert "缺少必填列" in str(exchange.import_carriers(_xlsx([["名称"]]), user=users["xf-office"]).errors[0])


def test_import_and_export_pages(client, users):
    client.force_login(users["xf-office"])
    data = _xlsx([HEAD, ["页面地块", "批而未供土地", 33, "工业", "", ""]])
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(reverse("resources:carrier_import"), {"file": SimpleUploadedFile("a.xlsx", data)})
    assert r.status_code == 302 and Carrier.objects.filter(name="页面地块").exists()
    r = client.get(reverse("resources:carrier_export"))
    assert r.status_code == 200 and "页面地块" in str(
        [c.value for c in load_workbook(io.BytesIO(r.content)).active["A"]]
    )
    client.force_login(users["xf-team"])
    assert client.get(reverse("resources:carrier_import")).status_code == 403


# --- GeoJSON and Shapefile -------------------------------------------------------------------------


def _geojson(features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def test_geojson_import_with_a_field_mapping(users):
    data = _geojson(
        [
            {
                "type": "Feature",
                "properties": {"地块名称": "东区1号", "面积": 66.5, "用途": "工业用地"},
                "geometry": SQUARE,
            },
            {
                "type": "Feature",
                "properties": {"地块名称": "东区2号", "面积": "12"},
                "geometry": {"type": "Point", "coordinates": [114.95, 25.42]},
            },
        ]
    )
    geo = exchange.read_geo(data)
    mapping = exchange.guess_mapping(geo.attributes)
    assert mapping == {"地块名称": "name", "面积": "land_mu", "用途": "land_use"}
    result = exchange.import_geo(data, user=users["xf-office"], mapping=mapping, kind="unsupplied_land")
    assert result.ok and result.created == 2
    c = Carrier.objects.get(name="东区1号")
    assert c.kind == "unsupplied_land" and c.land_mu == Decimal("66.50") and c.land_use == "industrial"
    # Projected coordinates: nothing saved, the feature named.
    bad = _geojson(
        [
            {"type": "Feature", "properties": {"地块名称": "西区1号", "面积": 5}, "geometry": SQUARE},
            {
                "type": "Feature",
                "properties": {"地块名称": "西区2号", "面积": 5},
                "geometry": {"type": "Point", "coordinates": [39512345.1, 2812345.2]},
            },
        ]
    )
    result = exchange.import_geo(bad, user=users["xf-office"], mapping=mapping, kind="idle_land")
    assert not result.ok and "第2行" in str(result.errors[0]) and "不是经纬度" in str(result.errors[0])
    assert not Carrier.objects.filter(name="西区1号").exists()
    for junk in (b"{", b"[]", b'{"type": "FeatureCollection", "features": 3}', "中文".encode("gbk")):
        assert not exchange.import_geo(junk, user=users["xf-office"], mapping=mapping, kind="idle_land").ok


def _shapefile_zip(prj: str | None = None, point=(114.93, 25.41)) -> bytes:
    import shapefile

    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    w = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON, encoding="utf-8")
    w.field("DKMC", "C", size=50)
    w.field("MJ", "N", decimal=2)
    x, y = point
    w.poly([[[x, y], [x, y + 0.01], [x + 0.01, y + 0.01], [x + 0.01, y], [x, y]]])
    w.record("南区地块", 88.8)
    w.close()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("dk/dk.shp", shp.getvalue())
        z.writestr("dk/dk.shx", shx.getvalue())
        z.writestr("dk/dk.dbf", dbf.getvalue())
        z.writestr("dk/dk.cpg", "UTF-8")
        if prj:
            z.writestr("dk/dk.prj", prj)
    return out.getvalue()


def test_shapefile_import(users):
    data = _shapefile_zip(prj='GEOGCS["China Geodetic Coordinate System 2000"]')
    geo = exchange.read_geo(data)
    assert geo.attributes == ["DKMC", "MJ"]
    result = exchange.import_geo(
        data, user=users["xf-office"], mapping={"DKMC": "name", "MJ": "land_mu"}, kind="idle_land"
    )
    assert result.ok, result.errors
    c = Carrier.objects.get(name="南区地块")
    assert c.land_mu == Decimal("88.80") and c.lon is not None
    projected = _shapefile_zip(prj='PROJCS["CGCS2000_3_Degree_GK_Zone_39"]')
    r = exchange.import_geo(projected, user=users["xf-office"], mapping={"DKMC": "name"}, kind="idle_land")
    assert not r.ok and "投影坐标" in str(r.errors[0])
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("a.shp", b"garbage")
    r = exchange.import_geo(
        broken.getvalue(), user=users["xf-office"], mapping={"DKMC": "name"}, kind="idle_land"
    )
    assert not r.ok and ".shx" in str(r.errors[0])


def test_geo_import_pages_confirm_the_mapping(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(users["xf-office"])
    data = _geojson(
        [{"type": "Feature", "properties": {"名称": "页面导入地块", "面积": 9}, "geometry": SQUARE}]
    )
    r = client.post(
        reverse("resources:carrier_import_geo"),
        {"file": SimpleUploadedFile("a.geojson", data), "kind": "idle_land", "source": "自然资源局"},
    )
    assert r.status_code == 200 and "确认字段对应" in r.content.decode()
    r = client.post(reverse("resources:carrier_import_geo"), {"map_0": "name", "map_1": "land_mu"})
    assert r.status_code == 302 and Carrier.objects.get(name="页面导入地块").source == "自然资源局"


def test_geo_upload_is_staged_in_the_file_storage_and_swept(client, users, settings, monkeypatch):
    """Between the upload and the mapping the file waits in the file storage, not the session;
    a stale one (ZHAOSHANG_GEO_STAGE_HOURS) is swept and the mapping then asks for it again."""
    from datetime import timedelta
    from types import SimpleNamespace

    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from zhaoshang.exchange import exporter
    from zhaoshang.resources.views import GEO_SESSION, GEO_STAGE_DIR

    settings.ZHAOSHANG_GEO_STAGE_HOURS = 1
    client.force_login(users["xf-office"])
    url = reverse("resources:carrier_import_geo")

    def upload(name):
        data = _geojson([{"type": "Feature", "properties": {"名称": name, "面积": 9}, "geometry": SQUARE}])
        r = client.post(url, {"file": SimpleUploadedFile("a.geojson", data), "kind": "idle_land"})
        assert r.status_code == 200
        stored = client.session[GEO_SESSION]
        assert set(stored) == {"id", "kind", "source", "attributes", "count"}  # no file in the session
        return f"{GEO_STAGE_DIR}/{stored['id']}"

    first = upload("暂存地块甲")
    assert default_storage.exists(first)
    # Two hours on, the first is stale: the next upload sweeps it (and keeps its own).
    monkeypatch.setattr(
        exporter, "timezone", SimpleNamespace(now=lambda: timezone.now() + timedelta(hours=2))
    )
    second = upload("暂存地块乙")
    monkeypatch.undo()
    assert not default_storage.exists(first) and default_storage.exists(second)  # swept
    r = client.post(url, {"map_0": "name", "map_1": "land_mu"})
    assert r.status_code == 302 and Carrier.objects.filter(name="暂存地块乙").exists()
    assert not default_storage.exists(second) and GEO_SESSION not in client.session
    third = upload("暂存地块丙")
    default_storage.delete(third)  # swept meanwhile
    r = client.post(url, {"map_0": "name", "map_1": "land_mu"})
    assert r.status_code == 400 and "已过期" in r.content.decode()
    assert not Carrier.objects.filter(name="暂存地块丙").exists()


# --- Matching and assignment ---------------------------------------------------------------------


@pytest.fixture
def project(users):
    team = users["xf-team"].membership.team
    ent = Enterprise.objects.create(
        jurisdiction=team.jurisdiction, name="载体测试机械有限公司", unit=team.lead_unit, team=team
    )
    p = Project.objects.create(
        jurisdiction=team.jurisdiction, name="载体测试项目", enterprise=ent, total_investment="30000", industry="机械制造",
        unit=team.lead_unit, team=team, registered_on=date(2024, 1, 10), land_mu=Decimal("60"),
    )  # fmt: skip
    p.refresh_from_db()
    return p


def test_matching_filters_and_ranks_by_closeness(project, users):
    Carrier.objects.filter(jurisdiction__code=XF).update(status=Carrier.Status.UNAVAILABLE)
    big = _carrier(name="大地块", land_mu=Decimal("200"))
    _carrier(name="近地块", land_mu=Decimal("65"))
    _carrier(name="小地块", land_mu=Decimal("40"))
    _carrier(name="商业地块", land_mu=Decimal("80"), land_use=Carrier.LandUse.COMMERCIAL)
    _carrier(name="洽谈地块", land_mu=Decimal("90"), status=Carrier.Status.NEGOTIATING)
    _carrier(name="明年地块", land_mu=Decimal("70"), available_from=date(2030, 1, 1))
    result = services.match_carriers(project, user=users["xf-office"], by_date=date(2025, 1, 1))
    assert [c.name for c, _, _ in result.carriers] == ["近地块", "大地块"]
    assert result.carriers[0][1] == Decimal("5")
    later = services.match_carriers(project, user=users["xf-office"], by_date=date(2030, 6, 1))
    assert [c.name for c, _, _ in later.carriers] == ["近地块", "明年地块", "大地块"]
    assert not result.standard_factory_only and big


def test_matching_ranks_in_the_database_past_the_first_rows(project, users):
    """The best fit is found behind many worse ones (the list was cut at the first 2,000 by id
    before ranking): ranked and limited in the database."""
    Carrier.objects.filter(jurisdiction__code=XF).update(status=Carrier.Status.UNAVAILABLE)
    j = Jurisdiction.objects.get(code=XF)
    Carrier.objects.bulk_create(
        Carrier(jurisdiction=j, name=f"远地块{i}", kind=Carrier.Kind.IDLE_LAND, land_mu=Decimal("500") + i,
                land_use=Carrier.LandUse.INDUSTRIAL)
        for i in range(2001)
    )  # fmt: skip
    best = _carrier(name="最合适地块", land_mu=Decimal("61"))
    result = services.match_carriers(project, user=users["xf-office"], by_date=date(2025, 1, 1))
    assert result.carriers[0][0] == best and result.carriers[0][1] == Decimal("1")
    assert len(result.carriers) == 50 and result.carriers[1][0].name == "远地块0"
    # By floor area, and a standard factory counted in 亩 (666.67 m² a 亩), alike.
    factory = _carrier(name="最合适厂房", kind=Carrier.Kind.STANDARD_FACTORY, land_mu=None,
                       floor_area_m2=Decimal("40668"))  # fmt: skip
    by_m2 = services.match_carriers(project, user=users["xf-office"], need_m2=Decimal("40000"))
    assert by_m2.carriers[0][0] == factory and by_m2.carriers[0][1] == Decimal("668")


def test_assignment_by_office_or_the_projects_team_clerk(project, users):
    c = _carrier(name="安排地块", land_mu=Decimal("70"))
    with pytest.raises(PermissionDenied):
        services.assignment_create(carrier=c, project=project, by=users["xf-team2"])
    with pytest.raises(PermissionDenied):
        services.assignment_create(carrier=c, project=project, by=users["xf-leader"])
    a = services.assignment_create(carrier=c, project=project, by=users["xf-team"])
    c.refresh_from_db()
    assert c.status == Carrier.Status.NEGOTIATING and a.land_mu == Decimal("60")
    assert ObjectChange.objects.of(a).exists()
    with pytest.raises(ValidationError):
        services.assignment_create(carrier=c, project=project, by=users["xf-office"])
    services.assignment_land(assignment=a, by=users["xf-office"])
    c.refresh_from_db()
    assert c.status == Carrier.Status.LANDED
    with pytest.raises(ValidationError):
        services.assignment_release(assignment=a, reason=" ", by=users["xf-office"])
    services.assignment_release(assignment=a, reason="项目终止", by=users["xf-team"])
    c.refresh_from_db()
    assert c.status == Carrier.Status.AVAILABLE


def test_a_carrier_with_a_live_assignment_is_not_free(client, project, users):
    """Marked 可招商 while an assignment holds it, or a second live assignment on it: refused by the
    model's clean(), so the form, the API and the import all refuse it, in Chinese."""
    c = _carrier(name="占用地块", land_mu=Decimal("70"))
    a = services.assignment_create(carrier=c, project=project, by=users["xf-office"])
    c.refresh_from_db()
    c.status = Carrier.Status.AVAILABLE
    with pytest.raises(ValidationError) as exc:
        c.full_clean()
    assert "不能标为“可招商”" in exc.value.message_dict["status"][0]
    client.force_login(users["xf-office"])
    r = client.patch(f"/api/carriers/{c.pk}/", {"status": "available"}, content_type="application/json")
    assert r.status_code == 400 and "可招商" in r.content.decode()
    head = [h for h, _, _ in exchange.CARRIER_COLUMNS]
    row = [c.name, "闲置土地", "可招商"] + [""] * 2 + [70] + [""] * (len(head) - 6)
    result = exchange.import_carriers(_xlsx([head, row]), user=users["xf-office"])
    assert not result.ok and "不能标为“可招商”" in str(result.errors[0])
    c.refresh_from_db()
    assert c.status == Carrier.Status.NEGOTIATING
    # A second assignment on a taken carrier, even with its status forced back by hand.
    Carrier.objects.filter(pk=c.pk).update(status=Carrier.Status.AVAILABLE)
    second = CarrierAssignment(
        carrier=Carrier.objects.get(pk=c.pk), project=project, assigned_on=date(2025, 1, 2)
    )
    with pytest.raises(ValidationError) as exc:
        second.full_clean()
    assert "已安排给项目" in exc.value.message_dict["carrier"][0]
    with pytest.raises(ValidationError):
        services.assignment_create(carrier=c, project=project, by=users["xf-office"])
    # Released: free again.
    services.assignment_release(assignment=a, reason="项目变更", by=users["xf-office"])
    c.refresh_from_db()
    c.full_clean()
    assert c.status == Carrier.Status.AVAILABLE


def test_match_page_and_assign(client, project, users):
    _carrier(name="页面匹配地块", land_mu=Decimal("61"))
    client.force_login(users["xf-team"])
    page = client.get(reverse("ledger:project_detail", args=[project.pk])).content.decode()
    assert reverse("resources:project_match", args=[project.pk]) in page
    html = client.get(reverse("resources:project_match", args=[project.pk])).content.decode()
    assert "页面匹配地块" in html and "安排（意向）" in html
    c = Carrier.objects.get(name="页面匹配地块")
    r = client.post(reverse("resources:project_assign", args=[project.pk, c.pk]))
    assert r.status_code == 302 and CarrierAssignment.objects.filter(carrier=c, project=project).exists()
    client.force_login(users["xf-team2"])
    assert client.get(reverse("resources:project_match", args=[project.pk])).status_code == 404


@pytest.mark.django_db
def test_assignment_export_is_scoped_and_rate_limited(client, project, users, settings, monkeypatch):
    import time
    import types

    import django_ratelimit.core as ratelimit

    from zhaoshang.core.hardening import EXPORT_VIEWS

    c = _carrier(name="导出地块", land_mu=Decimal("70"))
    services.assignment_create(carrier=c, project=project, by=users["xf-team"], notes="=SUM(A1)")
    url = reverse("resources:carrierassignment_export")
    assert "resources:carrierassignment_export" in EXPORT_VIEWS

    def names(user):
        client.force_login(user)
        r = client.get(url)
        assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
        ws = load_workbook(io.BytesIO(r.content)).active
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0][:3] == ("载体名称", "载体类型", "项目名称")
        return {(row[0], row[2]): row for row in rows[1:]}

    mine = names(users["xf-team"])
    assert ("导出地块", "载体测试项目") in mine
    assert mine[("导出地块", "载体测试项目")][9] == "'=SUM(A1)"  # typed text is not a formula
    assert ("导出地块", "载体测试项目") not in names(users["xf-team2"])  # not their project
    assert client.get(reverse("resources:carrierassignment_list")).status_code == 200
    # Rate limited like every download.
    now = time.time()
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: now))
    settings.ZHAOSHANG_EXPORT_RATE = "2/m"
    client.force_login(users["xf-office"])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def _jinxi(threshold=None):
    from django.core.management import call_command

    from zhaoshang.org.models import Policy, Unit

    call_command("policy", "load", "jinxi-2021")
    if threshold is not None:
        policy = Policy.objects.get(name="jinxi-2021")
        doc = json.loads(policy.content_json)
        for rule in doc["rules"]:
            if rule["id"] == "per-mu-thresholds":
                rule["min_investment_per_mu_wan"] = threshold
        policy.content_json = json.dumps(doc, ensure_ascii=False)
        policy.save()
    unit = Unit.objects.get(jurisdiction__code="361027", name="商务局")
    ent = Enterprise.objects.create(jurisdiction=unit.jurisdiction, name="金溪五金制品有限公司", unit=unit)
    return unit, ent


def test_jinxi_small_non_leading_projects_match_standard_factories_only(users):
    unit, ent = _jinxi(threshold=200)
    small = Project.objects.create(jurisdiction=unit.jurisdiction, name="五金制品项目", enterprise=ent, industry="五金加工",
                                   total_investment="6000", unit=unit, registered_on="2021-03-01", land_mu=Decimal("10"))  # fmt: skip
    small.refresh_from_db()
    j = unit.jurisdiction
    factory = Carrier(
        jurisdiction=j, name="金溪标准厂房", kind="standard_factory", land_mu=12, floor_area_m2=8000
    )
    land = Carrier(jurisdiction=j, name="金溪工业地块", kind="idle_land", land_mu=12)
    for c in (factory, land):
        c.full_clean()
        c.save()
    admin = users["admin"]
    result = services.match_carriers(small, user=admin)
    assert result.standard_factory_only and "§三1五是" in result.standard_factory_reason
    assert [c.name for c, _, _ in result.carriers] == ["金溪标准厂房"]
    # 亩均投资 600 万元/亩 against the office's 200: met; a 1亿 leading-industry project gets land.
    assert [(s.label, s.meets) for s in result.per_mu] == [("亩均投资", True)]
    big = Project.objects.create(jurisdiction=j, name="香精项目", enterprise=ent, industry="香料香精", total_investment="50000",
                                 unit=unit, registered_on="2021-03-01", land_mu=Decimal("300"))  # fmt: skip
    big.refresh_from_db()
    result = services.match_carriers(big, user=admin)
    assert not result.standard_factory_only and result.carriers == []
    assert [(s.label, s.meets) for s in result.per_mu] == [("亩均投资", False)]


# --- Zombie register ------------------------------------------------------------------------------


def test_add_months_and_the_anniversary_is_in_time():
    from zhaoshang.engine.periods import add_months as engine_add_months

    assert add_months is engine_add_months  # one month arithmetic, the deadline rules'
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    z = ZombieEnterprise(zombie_class="A", classified_on=date(2023, 3, 15))
    assert z.deadline() == date(2024, 3, 15)
    assert not z.is_overdue(date(2024, 3, 15)) and z.is_overdue(date(2024, 3, 16))
    z.resumed_on = date(2024, 3, 15)
    assert not z.is_overdue(date(2025, 1, 1))
    z.resumed_on = date(2024, 3, 16)
    assert z.is_overdue(date(2025, 1, 1))
    assert not ZombieEnterprise(zombie_class="D", classified_on=date(2020, 1, 1)).is_overdue(date(2025, 1, 1))


def test_zombie_register_keeps_its_facts_on_the_enterprise_and_becomes_a_carrier(users):
    e = Enterprise.objects.filter(jurisdiction__code=XF, zombie_class="", zombie_records=None).first()
    z = ZombieEnterprise(enterprise=e, zombie_class="B", classified_on=date(2024, 1, 5), land_mu=Decimal("20"),
                         floor_area_m2=Decimal("6000"))  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.zombie_save(zombie=z, by=users["xf-team"])
    services.zombie_save(zombie=z, by=users["xf-office"])
    e.refresh_from_db()
    assert (e.zombie_class, e.zombie_classified_on) == ("B", date(2024, 1, 5))
    assert ObjectChange.objects.of(e).filter(action="update").exists()  # the enterprise's write is logged
    assert services.zombie_is_overdue(z, date(2025, 1, 6)) and not services.zombie_is_overdue(
        z, date(2025, 1, 5)
    )
    c = services.zombie_to_carrier(zombie=z, by=users["xf-office"])
    assert c.zombie == z and c.kind == Carrier.Kind.IDLE_FACTORY and c.owner_enterprise == e
    z.resumed_on = date(2023, 12, 1)
    with pytest.raises(ValidationError) as exc:
        services.zombie_save(zombie=z, by=users["xf-office"])
    assert "复工复产日期不能早于僵尸企业认定日期" in str(exc.value.message_dict["resumed_on"])
    e.refresh_from_db()
    assert e.zombie_resumed_on is None


def test_one_copy_of_the_zombie_facts(users):
    """The register has no class or dates of its own: what the enterprise's form, API or sheet
    writes is what the register (and its overdue rule) reads, and the other way round."""
    field_names = {f.name for f in ZombieEnterprise._meta.get_fields()}
    assert not field_names & {"zombie_class", "classified_on", "resumed_on"}
    e = Enterprise.objects.filter(jurisdiction__code=XF, zombie_class="", zombie_records=None).first()
    z = services.zombie_save(
        zombie=ZombieEnterprise(enterprise=e, zombie_class="A", classified_on=date(2023, 3, 15)),
        by=users["xf-office"],
    )
    # Changed on the enterprise (as its form, /api/enterprises/ and the 企业 sheet do).
    e.refresh_from_db()
    e.zombie_class, e.zombie_resumed_on = "C", date(2024, 3, 16)
    e.full_clean()
    e.save()
    z = ZombieEnterprise.objects.get(pk=z.pk)
    assert (z.zombie_class, z.resumed_on) == ("C", date(2024, 3, 16))
    assert z.deadline() == date(2024, 3, 15) and z.is_overdue(date(2025, 1, 1))
    # The enterprise cannot drop its class while it is on the register.
    e.zombie_class, e.zombie_classified_on, e.zombie_resumed_on = "", None, None
    with pytest.raises(ValidationError) as exc:
        e.full_clean()
    assert "僵尸企业名录" in str(exc.value.message_dict["zombie_class"])
    # An entry cannot move to another enterprise.
    other = Enterprise.objects.filter(jurisdiction__code=XF, zombie_class="", zombie_records=None).exclude(
        pk=e.pk
    )
    z.enterprise = other.first()
    with pytest.raises(ValidationError) as exc:
        z.full_clean()
    assert "不能更换企业" in str(exc.value.message_dict["enterprise"])


def test_deleting_a_register_entry_clears_the_enterprises_class(client, users):
    e = Enterprise.objects.filter(jurisdiction__code=XF, zombie_class="", zombie_records=None).first()
    z = services.zombie_save(
        zombie=ZombieEnterprise(enterprise=e, zombie_class="B", classified_on=date(2024, 1, 5)),
        by=users["xf-office"],
    )
    client.force_login(users["xf-office"])
    url = reverse("resources:zombieenterprise_delete", args=[z.pk])
    page = client.get(url)
    assert page.status_code == 200 and "清除企业" in page.content.decode()
    assert client.post(url).status_code == 400  # not confirmed: nothing deleted
    assert ZombieEnterprise.objects.filter(pk=z.pk).exists()
    r = client.post(url, {"confirm": "1"})
    assert r.status_code == 302
    e.refresh_from_db()
    assert not ZombieEnterprise.objects.filter(pk=z.pk).exists()
    assert (e.zombie_class, e.zombie_classified_on, e.zombie_resumed_on) == ("", None, None)
    assert ObjectChange.objects.of(e).filter(action="update").count() >= 2


def test_a_bulk_delete_of_register_entries_clears_their_enterprises_class(users):
    free = Enterprise.objects.filter(jurisdiction__code=XF, zombie_class="", zombie_records=None)
    entries = [
        services.zombie_save(
            zombie=ZombieEnterprise(enterprise=e, zombie_class="A", classified_on=date(2024, 2, 1)),
            by=users["xf-office"],
        )
        for e in free.order_by("pk")[:2]
    ]
    with change_context(user=users["xf-office"], source="admin"):
        deleted, by_model = ZombieEnterprise.objects.filter(pk__in=[z.pk for z in entries]).delete()
    assert deleted == 2 and by_model == {"resources.ZombieEnterprise": 2}
    for z in entries:
        z.enterprise.refresh_from_db()
        assert (z.enterprise.zombie_class, z.enterprise.zombie_classified_on) == ("", None)
        assert ObjectChange.objects.of(z).filter(action="delete").exists()


def test_the_register_api_writes_the_enterprises_facts(client, users):
    e = Enterprise.objects.filter(jurisdiction__code=XF, zombie_class="", zombie_records=None).first()
    client.force_login(users["xf-office"])
    r = client.post(
        "/api/zombie-enterprises/",
        {"enterprise": e.pk, "zombie_class": "C", "classified_on": "2024-02-01", "status": "remediating"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    e.refresh_from_db()
    assert (e.zombie_class, e.zombie_classified_on) == ("C", date(2024, 2, 1))
    bad = client.patch(
        f"/api/zombie-enterprises/{r.json()['id']}/",
        {"resumed_on": "2023-01-01"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "resumed_on" in bad.json()
    e.refresh_from_db()
    assert e.zombie_resumed_on is None
    assert client.get(f"/api/zombie-enterprises/{r.json()['id']}/").json()["zombie_class"] == "C"


def test_xiayi_zombie_months_come_from_the_policy():
    from django.core.management import call_command

    call_command("policy", "load", "xiayi-2023-2025")
    assert services.zombie_months(Jurisdiction.objects.get(code="411426")) == {"A": 12, "B": 12, "C": 12}


def test_zombie_excel_round_trip_and_errors(users, client):
    e = Enterprise.objects.filter(jurisdiction__code=XF, zombie_class="", zombie_records=None).order_by("pk")[
        1
    ]
    head = [h for h, _ in exchange.ZOMBIE_COLUMNS]
    row = [e.name, "C类", "2024-02-01", "并购重组", "", "", "", 10, 3000, "", ""]
    bad = _xlsx([head, row, ["无此企业", "E", "昨天"] + [""] * 8])
    result = exchange.import_zombies(bad, user=users["xf-office"])
    text = "\n".join(map(str, result.errors))
    assert (
        not result.ok
        and "第3行“企业名称”列" in text
        and "第3行“类别”列" in text
        and "第3行“认定日期”列" in text
    )
    assert not ZombieEnterprise.objects.filter(enterprise=e).exists()
    result = exchange.import_zombies(_xlsx([head, row]), user=users["xf-office"])
    assert result.ok and result.created == 1
    client.force_login(users["xf-office"])
    r = client.get(reverse("resources:zombieenterprise_export"))
    assert r.status_code == 200
    again = exchange.import_zombies(r.content, user=users["xf-office"])
    assert again.ok and again.created == 0
    html = client.get(reverse("resources:zombieenterprise_list") + "?overdue=true").content.decode()
    assert "僵尸企业名录" in html


def test_pages_render_for_every_role(client, personas):
    c = Carrier.objects.filter(jurisdiction__code=XF).exclude(geometry="").first()
    for name, user in personas.items():
        client.force_login(user)
        r = client.get(reverse("resources:carrier_map"))
        if r.status_code == 403:
            continue
        assert r.status_code == 200, name
        html = r.content.decode()
        assert 'id="carrier-map-data"' in html and "<script>" not in html.replace(
            '<script id="carrier-map-data"', ""
        )
    client.force_login(personas["xf-office"])
    html = client.get(reverse("resources:carrier_map")).content.decode()
    assert f"/resources/carrier/{c.pk}/" in html


def test_api_reads_for_all_writes_for_the_office(client, users, project):
    client.force_login(users["xf-team"])
    assert client.get("/api/carriers/").status_code == 200
    body = {"jurisdiction": project.jurisdiction_id, "name": "接口地块", "kind": "idle_land", "land_mu": "10"}
    assert client.post("/api/carriers/", body, content_type="application/json").status_code == 403
    client.force_login(users["xf-office"])
    r = client.post(
        "/api/carriers/", body | {"geometry": json.dumps(SQUARE)}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    assert Carrier.objects.get(name="接口地块").lon is not None
    bad = client.post(
        "/api/carriers/", body | {"name": "坏", "geometry": "[1"}, content_type="application/json"
    )
    assert bad.status_code == 400
    cid = r.json()["id"]
    client.force_login(users["xf-team2"])
    r = client.post(
        "/api/carrier-assignments/", {"carrier": cid, "project": project.pk}, content_type="application/json"
    )
    assert r.status_code == 400  # the project is not theirs to see
    client.force_login(users["xf-team"])
    r = client.post(
        "/api/carrier-assignments/", {"carrier": cid, "project": project.pk}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    r = client.post(
        f"/api/carrier-assignments/{r.json()['id']}/release/",
        {"reason": "取消"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "released"


def test_the_office_adds_a_carrier_and_a_zombie_on_the_web(client, users):
    j = Jurisdiction.objects.get(code=XF)
    client.force_login(users["xf-office"])
    data = {"jurisdiction": j.pk, "name": "网页地块", "kind": "idle_land", "status": "available", "land_mu": "18",
            "land_use": "industrial", "geometry": json.dumps(SQUARE)}  # fmt: skip
    r = client.post(reverse("resources:carrier_add"), data)
    assert r.status_code == 302, r.content.decode()[:2000]
    c = Carrier.objects.get(name="网页地块")
    assert c.lon is not None and ObjectChange.objects.of(c).count() == 1
    r = client.post(reverse("resources:carrier_add"), data | {"name": "坏地块", "geometry": "[1,2"})
    assert r.status_code == 400 and "GeoJSON" in r.content.decode()
    e = Enterprise.objects.filter(jurisdiction=j, zombie_class="", zombie_records=None).order_by("pk")[2]
    r = client.post(
        reverse("resources:zombieenterprise_add"),
        {"enterprise": e.pk, "zombie_class": "A", "classified_on": "2024-03-01", "status": "remediating"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    e.refresh_from_db()
    assert e.zombie_class == "A" and ZombieEnterprise.objects.get(enterprise=e).jurisdiction == j
    client.force_login(users["xf-team"])
    assert client.get(reverse("resources:carrier_add")).status_code == 403


def test_the_carrier_lists_link_to_each_other(client, users):
    client.force_login(users["xf-office"])
    carriers = client.get(reverse("resources:carrier_list")).content.decode()
    assert f'href="{reverse("resources:carrierassignment_list")}"' in carriers
    assignments = client.get(reverse("resources:carrierassignment_list")).content.decode()
    assert f'href="{reverse("resources:carrier_list")}"' in assignments
