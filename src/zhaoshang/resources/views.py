"""The factor-resource library's pages: carriers (list, detail, edit, Excel and map-file import,
Excel export, the offline map), the match list of a project with assignment, assignments, and the
zombie register (list with overdue highlighted, detail, edit, Excel in and out, to a carrier)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhaoshang.core.permissions import has_business_role
from zhaoshang.core.scoping import can_change
from zhaoshang.core.views import Col, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from zhaoshang.ledger.models import Project

from . import exchange, services
from . import forms as f
from .filters import CarrierAssignmentFilterSet, CarrierFilterSet, ZombieFilterSet
from .models import Carrier, CarrierAssignment, ZombieEnterprise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _area(c) -> str:
    parts = []
    if c.land_mu is not None:
        parts.append(f"{c.land_mu}亩")
    if c.floor_area_m2 is not None:
        parts.append(f"{c.floor_area_m2}平方米")
    return "，".join(parts) or "—"


# --- Carriers --------------------------------------------------------------------------------------


class CarrierListView(ObjectListView):
    model = Carrier
    filterset_class = CarrierFilterSet
    title = "要素资源库（载体）"
    default_ordering = ("kind", "name", "id")
    columns = [
        Col("载体名称", "name", link=True, sort="name"),
        Col("类型", "kind", sort="kind"),
        Col("状态", "status", sort="status"),
        Col("乡镇/园区", "town", sort="town"),
        Col("面积", _area),
        Col("用途", "land_use"),
        Col("可用日期", "available_from", sort="available_from"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["extra_links"] = [
            ("载体地图", reverse("resources:carrier_map")),
            ("导出 Excel", f"{reverse('resources:carrier_export')}?{self.request.GET.urlencode()}"),
            ("僵尸企业名录", reverse("resources:zombieenterprise_list")),
        ]
        if can_change(self.request.user, Carrier):
            ctx["extra_links"] += [
                ("Excel 导入", reverse("resources:carrier_import")),
                ("导入地块（GeoJSON/Shapefile）", reverse("resources:carrier_import_geo")),
            ]
        return ctx


class CarrierDetailView(ObjectDetailView):
    model = Carrier
    select_related = ("jurisdiction", "zombie__enterprise")
    fields = [
        Col("类型", "kind"),
        Col("状态", "status"),
        Col("乡镇/园区", "town"),
        Col("地址", "address"),
        Col("土地面积（亩）", "land_mu"),
        Col("建筑面积（平方米）", "floor_area_m2"),
        Col("权属人", "owner_name"),
        Col("用途", "land_use"),
        Col("出让价格（万元/亩）", "price_wan_per_mu"),
        Col("租金（元/平方米/月）", "rent_yuan_per_m2_month"),
        Col("可用日期", "available_from"),
        Col("中心经纬度", lambda c: f"{c.lon}, {c.lat}" if c.lon is not None else "—"),
        Col("来自僵尸企业", "zombie"),
        Col("数据来源", "source"),
        Col("备注", "notes"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["assignments"] = (
            self.object.assignments.visible_to(self.request.user)
            .select_related("project")
            .order_by("-assigned_on")
        )
        return ctx


class CarrierEditView(ObjectEditView):
    model = Carrier
    form_class = f.CarrierForm


class CarrierDeleteView(ObjectDeleteView):
    model = Carrier


@login_required
def carrier_export(request):
    if not has_business_role(request.user):
        raise PermissionDenied("您的账号不能导出载体")
    qs = Carrier.objects.visible_to(request.user)
    fs = CarrierFilterSet(request.GET or None, queryset=qs, request=request)
    if fs.is_bound and fs.is_valid():
        qs = fs.qs
    response = HttpResponse(exchange.export_carriers(qs), content_type=XLSX)
    name = f"载体台账-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def carrier_import(request):
    if not can_change(request.user, Carrier):
        raise PermissionDenied("只有招商办可以导入载体")
    form = f.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        dry = form.cleaned_data["dry_run"]
        result = exchange.import_carriers(form.cleaned_data["file"].read(), user=request.user, dry_run=dry)
        if result.ok and not dry:
            messages.success(request, f"已导入载体：新增 {result.created} 条，更新 {result.updated} 条")
            return HttpResponseRedirect(reverse("resources:carrier_list"))
    return render(
        request,
        "resources/import.html",
        {
            "form": form,
            "result": result,
            "title": "导入载体台账",
            "headers": [h for h, _, _ in exchange.CARRIER_COLUMNS],
            "back": reverse("resources:carrier_list"),
            "template_url": reverse("resources:carrier_export"),
        },
        status=400 if result is not None and not result.ok else 200,
    )


GEO_SESSION = "resources_geo_upload"
GEO_STAGE_DIR = "resources/geo-uploads"


def _stage_geo(data: bytes) -> str:
    """Keep an uploaded map file in the file storage between the upload and the confirmed mapping
    (not in the session); returns its id. Files older than ZHAOSHANG_GEO_STAGE_HOURS are swept."""
    import uuid
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from zhaoshang.exchange.exporter import sweep_stale

    from .conf import geo_stage_hours

    sweep_stale(GEO_STAGE_DIR, timedelta(hours=geo_stage_hours()))
    stage_id = uuid.uuid4().hex
    default_storage.save(f"{GEO_STAGE_DIR}/{stage_id}", ContentFile(data))
    return stage_id


def _staged_geo(stored) -> bytes | None:
    import uuid

    from django.core.files.storage import default_storage

    try:
        name = f"{GEO_STAGE_DIR}/{uuid.UUID(str(stored.get('id'))).hex}"
    except (ValueError, AttributeError):
        return None
    try:
        with default_storage.open(name, "rb") as fh:
            return fh.read()
    except (FileNotFoundError, OSError):
        return None


def _unstage_geo(request) -> None:
    import uuid

    from django.core.files.storage import default_storage

    stored = request.session.pop(GEO_SESSION, None)
    if not isinstance(stored, dict):
        return
    try:
        default_storage.delete(f"{GEO_STAGE_DIR}/{uuid.UUID(str(stored.get('id'))).hex}")
    except (ValueError, OSError):
        pass


@login_required
def carrier_import_geo(request):
    """Step 1: upload a GeoJSON or zipped Shapefile; step 2: confirm which attribute fills which
    field. Between the two the file waits in the file storage (`resources/geo-uploads/<id>`, swept
    after ZHAOSHANG_GEO_STAGE_HOURS); the session holds only its id and the attributes."""
    from zhaoshang.exchange.reader import ReadError
    from zhaoshang.exchange.results import problems_of

    if not can_change(request.user, Carrier):
        raise PermissionDenied("只有招商办可以导入载体")
    stored = request.session.get(GEO_SESSION)
    if stored is not None and (not isinstance(stored, dict) or "id" not in stored):
        stored = None  # a session of the previous version (the file in it): upload again
    result = None
    if request.method == "POST" and "file" in request.FILES:
        upload = f.GeoUploadForm(request.POST, request.FILES)
        if upload.is_valid():
            data = upload.cleaned_data["file"].read()
            try:
                geo = exchange.read_geo(data, upload.cleaned_data["file"].name)
            except ReadError as exc:
                for e in problems_of(exc):
                    upload.add_error("file", e.message)
            else:
                _unstage_geo(request)
                stored = {
                    "id": _stage_geo(data),
                    "kind": upload.cleaned_data["kind"],
                    "source": upload.cleaned_data["source"],
                    "attributes": geo.attributes[:100],
                    "count": len(geo.features),
                }
                request.session[GEO_SESSION] = stored
                mapping = f.MappingForm(
                    attributes=stored["attributes"],
                    initial_mapping=exchange.guess_mapping(stored["attributes"]),
                )
                return render(request, "resources/import_geo.html", _geo_ctx(upload, mapping, stored, None))
        return render(request, "resources/import_geo.html", _geo_ctx(upload, None, None, None), status=400)
    if request.method == "POST" and stored:
        data = _staged_geo(stored)
        if data is None:
            request.session.pop(GEO_SESSION, None)
            upload = f.GeoUploadForm()
            messages.error(
                request, f"上传的文件已过期（保留 {_stage_hours_text()} 小时）或已导入，请重新上传"
            )
            return render(
                request, "resources/import_geo.html", _geo_ctx(upload, None, None, None), status=400
            )
        mapping = f.MappingForm(request.POST, attributes=stored["attributes"])
        if mapping.is_valid():
            dry = mapping.cleaned_data["dry_run"]
            result = exchange.import_geo(
                data,
                user=request.user,
                mapping=mapping.mapping(),
                kind=stored["kind"],
                source=stored["source"],
                dry_run=dry,
            )
            if result.ok and not dry:
                _unstage_geo(request)
                messages.success(request, f"已导入地块：新增 {result.created} 条，更新 {result.updated} 条")
                return HttpResponseRedirect(reverse("resources:carrier_list"))
        return render(
            request,
            "resources/import_geo.html",
            _geo_ctx(None, mapping, stored, result),
            status=400 if result is not None and not result.ok else 200,
        )
    if request.method == "POST":  # a mapping posted with no upload waiting
        messages.error(request, "请先上传 GeoJSON 或 Shapefile 文件")
        return render(
            request, "resources/import_geo.html", _geo_ctx(f.GeoUploadForm(), None, None, None), status=400
        )
    _unstage_geo(request)
    return render(request, "resources/import_geo.html", _geo_ctx(f.GeoUploadForm(), None, None, None))


def _stage_hours_text() -> str:
    from .conf import geo_stage_hours

    return f"{geo_stage_hours():g}"


def _geo_ctx(upload, mapping, stored, result):
    return {
        "title": "导入地块（GeoJSON / Shapefile）",
        "upload": upload,
        "mapping": mapping,
        "stored": stored,
        "result": result,
        "back": reverse("resources:carrier_list"),
    }


MAP_COLORS = {
    Carrier.Kind.IDLE_LAND: "#c0504d",
    Carrier.Kind.IDLE_FACTORY: "#f79646",
    Carrier.Kind.STANDARD_FACTORY: "#4f81bd",
    Carrier.Kind.UNSUPPLIED_LAND: "#9bbb59",
    Carrier.Kind.OTHER: "#8064a2",
}


def map_data(qs) -> dict:
    """The map's data for ECharts: a FeatureCollection of the carriers with a geometry (for
    registerMap) and their centroids as points, colored by kind, each with its page's link."""
    features, points = [], []
    for c in qs.exclude(geometry="").order_by("id")[:5000]:
        geom = c.geometry_dict()
        if geom is None:
            continue
        url = reverse("resources:carrier_detail", args=[c.pk])
        label = c.get_kind_display()
        features.append({"type": "Feature", "properties": {"name": f"c{c.pk}"}, "geometry": geom})
        points.append(
            {
                "name": c.name,
                "region": f"c{c.pk}",
                "value": [float(c.lon), float(c.lat)],
                "kind": label,
                "status": c.get_status_display(),
                "area": _area(c),
                "url": url,
                "color": MAP_COLORS.get(c.kind, "#666"),
                "polygon": geom.get("type") != "Point",
            }
        )
    return {
        "geojson": {"type": "FeatureCollection", "features": features},
        "points": points,
        "legend": [{"name": label, "color": MAP_COLORS[k]} for k, label in Carrier.Kind.choices],
    }


@login_required
def carrier_map(request):
    if not has_business_role(request.user):
        raise PermissionDenied("您的账号不能查看此页")
    qs = Carrier.objects.visible_to(request.user)
    fs = CarrierFilterSet(request.GET or None, queryset=qs, request=request)
    if fs.is_bound and fs.is_valid():
        qs = fs.qs
    data = map_data(qs)
    return render(
        request,
        "resources/carrier_map.html",
        {"title": "载体地图", "map_data": data, "count": len(data["points"]), "filter": fs},
    )


# --- Matching and assignments ------------------------------------------------------------------------


@login_required
def project_match(request, pk):
    """The carriers that fit a project (services.match_carriers), with the policy's per-mu standards."""
    from decimal import Decimal, InvalidOperation

    if not has_business_role(request.user):
        raise PermissionDenied("您的账号不能查看此页")
    project = get_object_or_404(
        Project.objects.visible_to(request.user).select_related("jurisdiction", "team"), pk=pk
    )
    need_m2 = None
    raw = (request.GET.get("m2") or "").strip()
    if raw:
        try:
            need_m2 = Decimal(raw)
            if not need_m2.is_finite() or need_m2 <= 0 or need_m2 > Decimal("1e9"):
                need_m2 = None
        except InvalidOperation:
            need_m2 = None
    by_date = None
    raw_date = (request.GET.get("by") or "").strip()
    if raw_date:
        try:
            by_date = exchange._date(raw_date)
        except ValueError:
            by_date = None
    result = services.match_carriers(project, user=request.user, by_date=by_date, need_m2=need_m2)
    assignments = project.carrier_assignments.visible_to(request.user).select_related("carrier")
    return render(
        request,
        "resources/project_match.html",
        {
            "title": f"载体匹配：{project.name}",
            "project": project,
            "result": result,
            "assignments": assignments,
            "may_assign": services.may_assign(request.user, project),
            "need_m2": need_m2 or "",
            "by_date": by_date or timezone.localdate(),
            "form": f.AssignForm(),
        },
    )


@require_POST
@login_required
def project_assign(request, pk, carrier_pk):
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
    carrier = get_object_or_404(Carrier.objects.visible_to(request.user), pk=carrier_pk)
    form = f.AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "面积应为不小于 0 的数字")
        return HttpResponseRedirect(reverse("resources:project_match", args=[project.pk]))
    try:
        services.assignment_create(
            carrier=carrier,
            project=project,
            by=request.user,
            land_mu=form.cleaned_data["land_mu"],
            floor_area_m2=form.cleaned_data["floor_area_m2"],
            notes=form.cleaned_data["notes"],
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return HttpResponseRedirect(reverse("resources:project_match", args=[project.pk]))
    messages.success(request, f"已将载体“{carrier.name}”安排给项目“{project.name}”（意向）")
    return HttpResponseRedirect(reverse("resources:project_match", args=[project.pk]))


class CarrierAssignmentListView(ObjectListView):
    model = CarrierAssignment
    filterset_class = CarrierAssignmentFilterSet
    select_related = ("carrier", "project")
    title = "载体安排"
    default_ordering = ("-assigned_on", "-id")
    columns = [
        Col("载体", "carrier", link=True),
        Col("项目", "project"),
        Col("状态", "status", sort="status"),
        Col("使用土地（亩）", "land_mu"),
        Col("安排日期", "assigned_on", sort="assigned_on"),
        Col("释放日期", "released_on"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["extra_links"] = [
            ("导出 Excel", f"{reverse('resources:carrierassignment_export')}?{self.request.GET.urlencode()}"),
        ]
        return ctx


@login_required
def carrierassignment_export(request):
    """The carrier assignments the user sees (those of the projects they see), as Excel; the list's
    filters apply. Rate limited like every download (core/hardening.py EXPORT_VIEWS)."""
    if not has_business_role(request.user):
        raise PermissionDenied("您的账号不能导出载体安排")
    qs = CarrierAssignment.objects.visible_to(request.user)
    fs = CarrierAssignmentFilterSet(request.GET or None, queryset=qs, request=request)
    if fs.is_bound and fs.is_valid():
        qs = fs.qs
    response = HttpResponse(exchange.export_assignments(qs), content_type=XLSX)
    name = f"载体安排-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


class CarrierAssignmentDetailView(ObjectDetailView):
    model = CarrierAssignment
    select_related = ("carrier", "project", "assigned_by")
    fields = [
        Col("载体", "carrier"),
        Col("项目", "project"),
        Col("状态", "status"),
        Col("使用土地（亩）", "land_mu"),
        Col("使用建筑面积（平方米）", "floor_area_m2"),
        Col("安排日期", "assigned_on"),
        Col("安排人", "assigned_by"),
        Col("释放日期", "released_on"),
        Col("释放原因", "release_reason"),
        Col("备注", "notes"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        a = self.object
        ctx.update(
            may_act=services.may_assign(self.request.user, a.project),
            release_form=f.ReleaseForm(),
            can_edit=False,
            can_delete=False,
        )
        return ctx


@require_POST
@login_required
def assignment_action(request, pk, action):
    a = get_object_or_404(CarrierAssignment.objects.visible_to(request.user).select_related("project"), pk=pk)
    try:
        if action == "land":
            services.assignment_land(assignment=a, by=request.user)
            done = "已确认落地"
        elif action == "release":
            form = f.ReleaseForm(request.POST)
            if not form.is_valid():
                raise ValidationError("释放载体须填写原因")
            services.assignment_release(assignment=a, reason=form.cleaned_data["reason"], by=request.user)
            done = "已释放载体"
        else:
            raise Http404
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return HttpResponseRedirect(reverse("resources:carrierassignment_detail", args=[a.pk]))
    messages.success(request, done)
    return HttpResponseRedirect(reverse("resources:carrierassignment_detail", args=[a.pk]))


# --- Zombie register ---------------------------------------------------------------------------------


def _overdue_text(z) -> str:
    today = timezone.localdate()
    d = services.zombie_deadline(z)
    if d is None:
        return "—（D类由政府平台收购）"
    if services.zombie_is_overdue(z, today):
        return f"逾期（期限 {d.isoformat()}）"
    return f"期限 {d.isoformat()}"


class ZombieListView(ObjectListView):
    model = ZombieEnterprise
    filterset_class = ZombieFilterSet
    select_related = ("enterprise", "owner_unit", "jurisdiction")
    title = "僵尸企业名录"
    template_name = "resources/zombieenterprise_list.html"
    default_ordering = ("enterprise__zombie_class", "enterprise__zombie_classified_on", "id")
    columns = [
        Col("企业", "enterprise", link=True),
        Col("类别", "zombie_class", sort="enterprise__zombie_class"),
        Col("认定日期", "classified_on", sort="enterprise__zombie_classified_on"),
        Col("责任单位", "owner_unit"),
        Col("复工复产日期", "resumed_on", sort="enterprise__zombie_resumed_on"),
        Col("状态", "status", sort="status"),
        Col("复工复产期限", _overdue_text),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["extra_links"] = [
            ("导出 Excel", f"{reverse('resources:zombieenterprise_export')}?{self.request.GET.urlencode()}"),
            ("要素资源库", reverse("resources:carrier_list")),
        ]
        if can_change(self.request.user, ZombieEnterprise):
            ctx["extra_links"].append(("Excel 导入", reverse("resources:zombieenterprise_import")))
        return ctx


class ZombieDetailView(ObjectDetailView):
    model = ZombieEnterprise
    select_related = ("enterprise", "owner_unit", "jurisdiction")
    fields = [
        Col("企业", "enterprise"),
        Col("类别", "zombie_class"),
        Col("认定日期", "classified_on"),
        Col("复工复产期限", _overdue_text),
        Col("整治方案", "plan"),
        Col("责任单位", "owner_unit"),
        Col("复工复产日期", "resumed_on"),
        Col("状态", "status"),
        Col("占地面积（亩）", "land_mu"),
        Col("厂房面积（平方米）", "floor_area_m2"),
        Col("地址", "address"),
        Col("备注", "notes"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            carriers=self.object.carriers.visible_to(self.request.user),
            may_to_carrier=can_change(self.request.user, Carrier),
            to_carrier_form=f.ToCarrierForm(),
        )
        return ctx


class ZombieEditView(ObjectEditView):
    model = ZombieEnterprise
    form_class = f.ZombieForm

    def before_save(self, obj):
        if obj.enterprise_id:
            obj.jurisdiction = obj.enterprise.jurisdiction

    def write(self, obj, form, version) -> None:
        from zhaoshang.core.concurrency import claim

        claim(obj, version)
        services.zombie_save(zombie=obj, by=self.request.user)


class ZombieDeleteView(ObjectDeleteView):
    model = ZombieEnterprise

    def confirmation(self, goes):
        c = super().confirmation(goes)
        e = self.object.enterprise
        c.items.insert(
            0,
            f"同时清除企业“{e.name}”的僵尸企业类别、认定日期和复工复产日期（考核的复工复产期限不再计算该企业）",
        )
        return c


@login_required
def zombie_export(request):
    if not has_business_role(request.user):
        raise PermissionDenied("您的账号不能导出僵尸企业名录")
    qs = ZombieEnterprise.objects.visible_to(request.user)
    fs = ZombieFilterSet(request.GET or None, queryset=qs, request=request)
    if fs.is_bound and fs.is_valid():
        qs = fs.qs
    response = HttpResponse(exchange.export_zombies(qs, today=timezone.localdate()), content_type=XLSX)
    name = f"僵尸企业名录-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def zombie_import(request):
    if not can_change(request.user, ZombieEnterprise):
        raise PermissionDenied("只有招商办可以导入僵尸企业名录")
    form = f.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        dry = form.cleaned_data["dry_run"]
        result = exchange.import_zombies(form.cleaned_data["file"].read(), user=request.user, dry_run=dry)
        if result.ok and not dry:
            messages.success(request, f"已导入：新增 {result.created} 家，更新 {result.updated} 家")
            return HttpResponseRedirect(reverse("resources:zombieenterprise_list"))
    return render(
        request,
        "resources/import.html",
        {
            "form": form,
            "result": result,
            "title": "导入僵尸企业名录",
            "headers": [h for h, _ in exchange.ZOMBIE_COLUMNS],
            "back": reverse("resources:zombieenterprise_list"),
            "template_url": reverse("resources:zombieenterprise_export"),
        },
        status=400 if result is not None and not result.ok else 200,
    )


@require_POST
@login_required
def zombie_to_carrier(request, pk):
    z = get_object_or_404(
        ZombieEnterprise.objects.visible_to(request.user).select_related("enterprise"), pk=pk
    )
    if not can_change(request.user, Carrier):
        raise PermissionDenied("只有招商办可以登记载体")
    form = f.ToCarrierForm(request.POST)
    if not form.is_valid():
        messages.error(request, "载体类型不正确")
        return HttpResponseRedirect(reverse("resources:zombieenterprise_detail", args=[z.pk]))
    try:
        c = services.zombie_to_carrier(
            zombie=z, by=request.user, kind=form.cleaned_data["kind"], name=form.cleaned_data["name"]
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return HttpResponseRedirect(reverse("resources:zombieenterprise_detail", args=[z.pk]))
    messages.success(request, f"已将{z.enterprise.name}的闲置资产登记为载体")
    return HttpResponseRedirect(reverse("resources:carrier_detail", args=[c.pk]))
