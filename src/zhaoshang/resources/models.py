"""The factor-resource library (要素资源库): carriers (载体 — idle land, idle factories, standard
factories, approved-but-unsupplied land) a project can be placed on, their assignment to projects,
and the zombie-enterprise register (僵尸企业, Xiayi §一(三)) whose assets become carriers."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction

from zhaoshang.core.fields import REASON, BoundedTextField
from zhaoshang.core.scoping import ScopedQuerySet
from zhaoshang.core.validators import validate_sensible_date
from zhaoshang.engine.periods import add_months
from zhaoshang.ledger.models import Enterprise, Project, ProjectPart
from zhaoshang.org.models import JurisdictionOwned, Unit

from .conf import M2_PER_MU, factory_plot_ratio
from .geo import GeometryError, centroid, parse_geometry

POSITIVE = [MinValueValidator(0)]


__all__ = ["add_months"]  # the engine's (engine/periods.py), shared with the deadline rules


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
        ratio = factory_plot_ratio()
        if (
            ratio is not None
            and self.kind in self.FACTORY_KINDS
            and self.floor_area_m2 is not None
            and self.land_mu is not None
        ):
            most = (Decimal(self.land_mu) * M2_PER_MU * ratio).quantize(Decimal("0.01"))
            if Decimal(self.floor_area_m2) > most:
                errors["floor_area_m2"] = (
                    f"建筑面积（平方米）{self.floor_area_m2}超过土地面积 {self.land_mu} 亩 × 666.67 × 容积率 {ratio}"
                    f"（{most} 平方米）：请核对面积单位（亩、平方米）"
                )
        if self.pk and self.status == self.Status.AVAILABLE:
            live = self.live_assignment()
            if live is not None:
                errors["status"] = (
                    f"载体已安排给项目“{live.project}”（{live.get_status_display()}），不能标为“可招商”；"
                    "请先释放该安排"
                )
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

    def live_assignment(self, exclude_pk=None) -> CarrierAssignment | None:
        """The carrier's assignment that is not released (意向 or 已落地), if any."""
        if not self.pk:
            return None
        qs = self.assignments.exclude(status=CarrierAssignment.Status.RELEASED).select_related("project")
        if exclude_pk is not None:
            qs = qs.exclude(pk=exclude_pk)
        return qs.order_by("pk").first()

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

    def clean(self):
        """A live assignment (意向 or 已落地) holds its carrier alone: a new one needs a carrier that
        is 可招商, and no carrier has two live assignments."""
        super().clean()
        if not self.carrier_id or self.status == self.Status.RELEASED:
            return
        c = self.carrier
        if self.pk is None and c.status != Carrier.Status.AVAILABLE:
            raise ValidationError(
                {"carrier": f"载体“{c.name}”当前为“{c.get_status_display()}”，只有可招商的载体可以安排"}
            )
        other = c.live_assignment(exclude_pk=self.pk)
        if other is not None:
            raise ValidationError(
                {
                    "carrier": f"载体“{c.name}”已安排给项目“{other.project}”（{other.get_status_display()}），请先释放该安排"
                }
            )

    @classmethod
    def changeable_by(cls, m, obj: CarrierAssignment | None) -> bool:
        """The office, or the clerk of the project's team (core/scoping.py can_change)."""
        from zhaoshang.core.roles import Role

        if m.role == Role.OFFICE:
            return True
        if m.role != Role.TEAM_CLERK:
            return False
        return obj is None or obj.project_id is None or obj.project.team_id == m.team_id


class ZombieQuerySet(ScopedQuerySet):
    def delete(self):
        """Each entry deleted as by its delete() (the enterprise's class and dates cleared with
        it), so a bulk delete (the admin's, a script's) leaves no zombie class behind."""
        deleted, by_model = 0, {}
        with transaction.atomic():
            for entry in self.select_related("enterprise"):
                n, models_n = entry.delete()
                deleted += n
                for label, count in models_n.items():
                    by_model[label] = by_model.get(label, 0) + count
        return deleted, by_model


class ZombieEnterprise(JurisdictionOwned):
    """One enterprise on the zombie register (僵尸企业, 夏邑 §一(三)): its remedy, who owns the
    remediation, its status and assets. Kept by the office.

    Its class, 认定日期 and 复工复产日期 are the enterprise's (`Enterprise.zombie_class`,
    `zombie_classified_on`, `zombie_resumed_on`), the one copy the assessment's deadline rules,
    the enterprise's form, `/api/enterprises/` and the 企业 sheet read and write. The entry reads
    them there (`zombie_class`, `classified_on`, `resumed_on`); set on the entry (the register's
    form, API and Excel import), they are checked by clean() with the enterprise's own rule
    (`Enterprise.clean_zombie`) and written onto the enterprise by save(), in one transaction.
    Deleting the entry clears them (delete())."""

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

    # The entry's name for each fact → the enterprise's field that holds it.
    FACTS = {
        "zombie_class": "zombie_class",
        "classified_on": "zombie_classified_on",
        "resumed_on": "zombie_resumed_on",
    }
    FACT_LABELS = {"zombie_class": "类别", "classified_on": "认定日期", "resumed_on": "复工复产日期"}

    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="zombie_records"
    )
    plan = BoundedTextField("整治方案", blank=True, max_length=REASON)
    owner_unit = models.ForeignKey(
        Unit, verbose_name="责任单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
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

    objects = ZombieQuerySet.as_manager()

    class Meta:
        verbose_name = "僵尸企业"
        verbose_name_plural = "僵尸企业"
        ordering = ["enterprise__zombie_class", "enterprise__zombie_classified_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                name="zombie_unique_enterprise",
                violation_error_message="该企业已在僵尸企业名录中",
            )
        ]

    def __str__(self):
        return f"{self.enterprise}（{self.zombie_class}类）" if self.zombie_class else str(self.enterprise)

    # --- The enterprise's facts ----------------------------------------------------------------

    def _fact(self, name: str):
        pending = self.__dict__.get("_pending_facts") or {}
        if name in pending:
            return pending[name]
        if self.enterprise_id is None:
            return "" if name == "zombie_class" else None
        return getattr(self.enterprise, self.FACTS[name])

    def _set_fact(self, name: str, value) -> None:
        # A new dict each time: a copy of the entry (the API's validation works on one) keeps its own.
        if name == "zombie_class" and value is None:
            value = ""
        self.__dict__["_pending_facts"] = {**(self.__dict__.get("_pending_facts") or {}), name: value}

    zombie_class = property(
        lambda self: self._fact("zombie_class"), lambda self, v: self._set_fact("zombie_class", v)
    )
    classified_on = property(
        lambda self: self._fact("classified_on"), lambda self, v: self._set_fact("classified_on", v)
    )
    resumed_on = property(
        lambda self: self._fact("resumed_on"), lambda self, v: self._set_fact("resumed_on", v)
    )

    def get_zombie_class_display(self) -> str:
        return str(dict(self.Class.choices).get(self.zombie_class, self.zombie_class or "—"))

    def pending_facts(self) -> dict:
        """{enterprise field: value} set on the entry and not yet written onto the enterprise."""
        return {self.FACTS[k]: v for k, v in (self.__dict__.get("_pending_facts") or {}).items()}

    def _enterprise_with_facts(self) -> Enterprise:
        """The enterprise as it would be with the entry's pending facts (a copy: nothing saved)."""
        import copy

        e = copy.copy(self.enterprise)
        for f, v in self.pending_facts().items():
            setattr(e, f, v)
        return e

    def clean(self):
        super().clean()
        errors: dict[str, list[str]] = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        if (
            self.enterprise_id
            and self.jurisdiction_id
            and self.enterprise.jurisdiction_id != self.jurisdiction_id
        ):
            add("enterprise", "企业不属于本行政区划")
        if self.pk and self.enterprise_id:
            stored = type(self).objects.filter(pk=self.pk).values_list("enterprise_id", flat=True).first()
            if stored is not None and stored != self.enterprise_id:
                add("enterprise", "登记后不能更换企业；请删除该条后为另一企业重新登记")
        if self.enterprise_id and not errors:
            e = self._enterprise_with_facts()
            back = {v: k for k, v in self.FACTS.items()}
            if not e.zombie_class:
                add("zombie_class", "须选择僵尸企业类别")
            if not e.zombie_classified_on:
                add("classified_on", "须填写认定日期")
            if not errors:
                # The enterprise's own rule (one rule, one place): the fields, then their relation.
                others = [f.name for f in Enterprise._meta.fields if f.name not in back]
                for step in (lambda: e.clean_fields(exclude=others), e.clean_zombie):
                    try:
                        step()
                    except ValidationError as exc:
                        for f, messages in exc.message_dict.items():
                            for m in messages:
                                add(back.get(f, "__all__"), m)
                        break
        if self.status == self.Status.RESUMED and not self.resumed_on:
            add("resumed_on", "已复工复产的须填写复工复产日期")
        if self.geometry:
            try:
                self.geometry = json.dumps(
                    parse_geometry(self.geometry), ensure_ascii=False, separators=(",", ":")
                )
            except GeometryError as exc:
                add("geometry", str(exc))
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        """The entry, and the class and dates set on it onto the enterprise, in one transaction."""
        with transaction.atomic():
            super().save(*args, **kwargs)
            pending = self.pending_facts()
            if pending:
                e = self.enterprise
                changed = [f for f, v in pending.items() if getattr(e, f) != v]
                for f in changed:
                    setattr(e, f, pending[f])
                if changed:
                    e.save(update_fields=[*changed, "updated"])
                self.__dict__["_pending_facts"] = {}

    def delete(self, *args, **kwargs):
        """Off the register, the enterprise is no longer a zombie: its class and dates are cleared
        with the entry (both change-logged, one transaction)."""
        with transaction.atomic():
            e = self.enterprise
            result = super().delete(*args, **kwargs)
            fields = [f for f in self.FACTS.values() if getattr(e, f) not in ("", None)]
            if fields:
                e.zombie_class, e.zombie_classified_on, e.zombie_resumed_on = "", None, None
                e.save(update_fields=[*fields, "updated"])
        return result

    # --- The overdue rule ------------------------------------------------------------------------

    def deadline(self, months: int = 12) -> date | None:
        """The last day to resume for classes A–C: `months` after classification, that day
        included (“1年内”含届满当日: the anniversary itself is still in time). None for class D."""
        if self.zombie_class == self.Class.D or not self.zombie_class or self.classified_on is None:
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
