"""The factor-resource library (要素资源库): carriers (载体 — idle land, idle factories, standard
factories, approved-but-unsupplied land) a project can be placed on, their assignment to projects,
and the zombie-enterprise register (僵尸企业, Xiayi §一(三)) whose assets become carriers."""

from __future__ import annotations

import json
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from zhaoshang.core.fields import REASON, BoundedTextField
from zhaoshang.core.validators import validate_sensible_date
from zhaoshang.ledger.models import Enterprise, Project, ProjectPart
from zhaoshang.org.models import JurisdictionOwned, Unit

from .geo import GeometryError, centroid, parse_geometry

POSITIVE = [MinValueValidator(0)]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, the month's last day where it has none (31 Jan + 1 → 28/29 Feb)."""
    import calendar

    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class Carrier(JurisdictionOwned):
    """A carrier (载体): a parcel or building a project can be placed on. Seen by every role of
    its jurisdiction; written by the office (every write change-logged)."""

    class Kind(models.TextChoices):
        IDLE_LAND = "idle_land", "闲置土地"
        IDLE_FACTORY = "idle_factory", "闲置厂房"
        STANDARD_FACTORY = "standard_factory", "标准厂房"
        UNSUPPLIED_LAND = "unsupplied_land", "批而未供土地"
        OTHER = "other", "其他载体"

    class Status(models.TextChoices):
        AVAILABLE = "available", "可招商"
        NEGOTIATING = "negotiating", "洽谈中"
        LANDED = "landed", "已落地"
        UNAVAILABLE = "unavailable", "暂不可用"

    class LandUse(models.TextChoices):
        INDUSTRIAL = "industrial", "工业"
        WAREHOUSE = "warehouse", "仓储"
        COMMERCIAL = "commercial", "商业"
        MIXED = "mixed", "综合"
        OTHER = "other", "其他"

    LAND_KINDS = (Kind.IDLE_LAND, Kind.UNSUPPLIED_LAND)
    FACTORY_KINDS = (Kind.IDLE_FACTORY, Kind.STANDARD_FACTORY)

    name = models.CharField("载体名称", max_length=120)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    town = models.CharField("乡镇/园区", max_length=60, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    geometry = BoundedTextField("空间范围（GeoJSON）", blank=True, max_length=200_000)
    lon = models.DecimalField("中心经度", max_digits=9, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField("中心纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    land_mu = models.DecimalField(
        "土地面积（亩）", max_digits=12, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    floor_area_m2 = models.DecimalField(
        "建筑面积（平方米）", max_digits=12, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    owner_name = models.CharField("权属人", max_length=120, blank=True)
    owner_enterprise = models.ForeignKey(
        Enterprise,
        verbose_name="权属企业",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    land_use = models.CharField("用途", max_length=20, choices=LandUse.choices, default=LandUse.INDUSTRIAL)
    price_wan_per_mu = models.DecimalField(
        "出让价格（万元/亩）", max_digits=10, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    rent_yuan_per_m2_month = models.DecimalField(
        "租金（元/平方米/月）", max_digits=10, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    available_from = models.DateField("可用日期", null=True, blank=True, validators=[validate_sensible_date])
    notes = BoundedTextField("备注", blank=True, max_length=REASON)
    source = models.CharField("数据来源", max_length=120, blank=True)
    zombie = models.ForeignKey(
        "ZombieEnterprise",
        verbose_name="来自僵尸企业",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carriers",
    )

    class Meta:
        verbose_name = "载体"
        verbose_name_plural = "载体"
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                name="carrier_unique_name",
                violation_error_message="本区划已有同名载体",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if self.land_mu is None and self.floor_area_m2 is None:
            errors["land_mu"] = "土地面积和建筑面积须填写其中一个"
        if self.kind in self.FACTORY_KINDS and self.floor_area_m2 is None:
            errors["floor_area_m2"] = "厂房须填写建筑面积"
        if self.geometry:
            try:
                geometry = parse_geometry(self.geometry)
            except GeometryError as exc:
                errors["geometry"] = str(exc)
            else:
                self.geometry = json.dumps(geometry, ensure_ascii=False, separators=(",", ":"))
                self.lon, self.lat = centroid(geometry)
        else:
            self.lon = self.lat = None
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # The centroid always follows the geometry, whichever path saved it (clean() checks it).
        geometry = self.geometry_dict()
        if geometry is not None:
            try:
                self.lon, self.lat = centroid(geometry)
            except Exception:  # noqa: BLE001 - an unchecked geometry keeps its stored centroid
                pass
        elif not self.geometry:
            self.lon = self.lat = None
        super().save(*args, **kwargs)

    def geometry_dict(self) -> dict | None:
        try:
            return json.loads(self.geometry) if self.geometry else None
        except ValueError:
            return None


class CarrierAssignment(ProjectPart):
    """A carrier placed on a project (意向 → 已落地), released when it falls through. Seen by who
    sees the project; recorded by the office or the project's team clerk (resources/services.py)."""

    class Status(models.TextChoices):
        INTENDED = "intended", "意向"
        LANDED = "landed", "已落地"
        RELEASED = "released", "已释放"

    carrier = models.ForeignKey(
        Carrier, verbose_name="载体", on_delete=models.PROTECT, related_name="assignments"
    )
    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="carrier_assignments"
    )
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.INTENDED)
    land_mu = models.DecimalField(
        "使用土地（亩）", max_digits=12, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    floor_area_m2 = models.DecimalField(
        "使用建筑面积（平方米）", max_digits=12, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    assigned_on = models.DateField("安排日期", validators=[validate_sensible_date])
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="安排人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    released_on = models.DateField("释放日期", null=True, blank=True)
    release_reason = BoundedTextField("释放原因", blank=True, max_length=REASON)
    notes = BoundedTextField("备注", blank=True, max_length=REASON)

    class Meta:
        verbose_name = "载体安排"
        verbose_name_plural = "载体安排"
        ordering = ["-assigned_on", "-id"]

    def __str__(self):
        return f"{self.carrier} → {self.project}"

    @classmethod
    def changeable_by(cls, m, obj: CarrierAssignment | None) -> bool:
        """The office, or the clerk of the project's team (core/scoping.py can_change)."""
        from zhaoshang.core.roles import Role

        if m.role == Role.OFFICE:
            return True
        if m.role != Role.TEAM_CLERK:
            return False
        return obj is None or obj.project_id is None or obj.project.team_id == m.team_id


class ZombieEnterprise(JurisdictionOwned):
    """One enterprise on the zombie register (僵尸企业, 夏邑 §一(三)): its class and remedy, when it
    was classified, who owns the remediation, and when it resumed production. Kept by the office."""

    class Class(models.TextChoices):
        A = "A", "A类（企业自救）"
        B = "B", "B类（二次招商）"
        C = "C", "C类（并购、入伙）"
        D = "D", "D类（政府平台收购）"

    class Status(models.TextChoices):
        IDLE = "idle", "停产闲置"
        REMEDIATING = "remediating", "整治中"
        RESUMED = "resumed", "已复工复产"
        ACQUIRED = "acquired", "已收购"
        RELET = "relet", "已盘活（资产再招商）"

    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="zombie_records"
    )
    zombie_class = models.CharField("类别", max_length=1, choices=Class.choices)
    classified_on = models.DateField("认定日期", validators=[validate_sensible_date])
    plan = BoundedTextField("整治方案", blank=True, max_length=REASON)
    owner_unit = models.ForeignKey(
        Unit, verbose_name="责任单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resumed_on = models.DateField("复工复产日期", null=True, blank=True, validators=[validate_sensible_date])
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.IDLE)
    land_mu = models.DecimalField(
        "占地面积（亩）", max_digits=12, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    floor_area_m2 = models.DecimalField(
        "厂房面积（平方米）", max_digits=12, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    address = models.CharField("地址", max_length=200, blank=True)
    geometry = BoundedTextField("空间范围（GeoJSON）", blank=True, max_length=200_000)
    notes = BoundedTextField("备注", blank=True, max_length=REASON)

    class Meta:
        verbose_name = "僵尸企业"
        verbose_name_plural = "僵尸企业"
        ordering = ["zombie_class", "classified_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                name="zombie_unique_enterprise",
                violation_error_message="该企业已在僵尸企业名录中",
            )
        ]

    def __str__(self):
        return f"{self.enterprise}（{self.zombie_class}类）"

    def clean(self):
        super().clean()
        errors = {}
        if (
            self.enterprise_id
            and self.jurisdiction_id
            and self.enterprise.jurisdiction_id != self.jurisdiction_id
        ):
            errors["enterprise"] = "企业不属于本行政区划"
        if self.resumed_on and self.classified_on and self.resumed_on < self.classified_on:
            errors["resumed_on"] = "复工复产日期不能早于认定日期"
        if self.status == self.Status.RESUMED and not self.resumed_on:
            errors["resumed_on"] = "已复工复产的须填写复工复产日期"
        if self.geometry:
            try:
                self.geometry = json.dumps(
                    parse_geometry(self.geometry), ensure_ascii=False, separators=(",", ":")
                )
            except GeometryError as exc:
                errors["geometry"] = str(exc)
        if errors:
            raise ValidationError(errors)

    def deadline(self, months: int = 12) -> date | None:
        """The last day to resume for classes A–C: `months` after classification, that day
        included (“1年内”含届满当日: the anniversary itself is still in time). None for class D."""
        if self.zombie_class == self.Class.D or self.classified_on is None:
            return None
        return add_months(self.classified_on, months)

    def is_overdue(self, today: date, months: int = 12) -> bool:
        """Class A–C, not resumed by its deadline (the anniversary itself still in time), as of today."""
        d = self.deadline(months)
        if d is None:
            return False
        if self.resumed_on is not None:
            return self.resumed_on > d
        return today > d
