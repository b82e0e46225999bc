"""The target library (目标企业库): enterprises a county wants to attract, each on the rank lists
it belongs to (世界500强, 专精特新“小巨人” …), placed on a chain and segment, matched to the ledger's
enterprise where there is one, with the contacts made, and moved into the pipeline as a fieldwork
lead (`services.target_to_lead`). Its funnel stage is derived, never stored (funnel.py).

Like the ledger's records, a target may be held by a team and/or a unit (责任团队/责任单位): the
office sees and writes every target of its jurisdiction; a clerk sees and writes their own."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from zhaoshang.chains.models import ChainSegment, IndustryChain
from zhaoshang.core.fields import LONG_TEXT, BoundedTextField
from zhaoshang.core.models import ChangeLoggedModel
from zhaoshang.core.scoping import ScopedQuerySet
from zhaoshang.core.validators import validate_sensible_date
from zhaoshang.fieldwork.models import Lead
from zhaoshang.ledger import uscc as uscc_codes
from zhaoshang.ledger.models import Enterprise, validate_uscc
from zhaoshang.org.models import JurisdictionOwned, Team, Unit

# The rank lists a target can be on (keys stored, labels shown).
LISTS = {
    "world500": "世界500强",
    "china500": "中国企业500强",
    "private500": "民营企业500强",
    "central_soe": "央企",
    "taiwan100": "台湾百大企业",
    "listed": "上市公司",
    "unicorn": "独角兽企业",
    "little_giant": "专精特新“小巨人”",
    "industry_top10": "行业前十",
}
LIST_BY_LABEL = {v: k for k, v in LISTS.items()}


def list_labels(keys) -> str:
    return "、".join(LISTS.get(k, k) for k in keys or ())


class TargetQuerySet(ScopedQuerySet):
    def in_library_on(self, day):
        """The targets in the library on `day`: added by then and not dropped by then."""
        return self.filter(Q(added_on__lte=day) & (Q(dropped_on__isnull=True) | Q(dropped_on__gt=day)))


def _today():
    return timezone.localdate()


class TargetEnterprise(JurisdictionOwned):
    scope_private = True
    scope_team = "team"
    scope_unit = "unit"

    name = models.CharField("企业名称", max_length=120)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, validators=[validate_uscc])
    lists = models.JSONField("所属榜单", default=list, blank=True)
    chain = models.ForeignKey(
        IndustryChain, verbose_name="产业链", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="targets",
    )  # fmt: skip
    segment = models.ForeignKey(
        ChainSegment, verbose_name="产业链环节", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="targets",
    )  # fmt: skip
    region = models.CharField("所在地区", max_length=60, blank=True)
    source = models.CharField("来源", max_length=60, blank=True, help_text="如 购买名录、上级推送、以商招商")
    team = models.ForeignKey(
        Team, verbose_name="责任团队", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A unit deleted leaves its targets to the office (the library keeps them), not blocked.
    unit = models.ForeignKey(
        Unit, verbose_name="责任单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="台账企业", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    lead = models.ForeignKey(
        Lead, verbose_name="转入线索", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_on = models.DateField("入库日期", default=_today, validators=[validate_sensible_date])
    dropped_on = models.DateField("移出名录日期", null=True, blank=True, validators=[validate_sensible_date])
    notes = BoundedTextField("备注", blank=True, max_length=LONG_TEXT)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = "目标企业"
        verbose_name_plural = "目标企业"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "uscc"],
                condition=~Q(uscc=""),
                name="target_unique_uscc",
                violation_error_message="本行政区划的目标企业库已有相同统一社会信用代码的企业",
            ),
            models.CheckConstraint(
                condition=Q(dropped_on__isnull=True) | Q(dropped_on__gte=models.F("added_on")),
                name="target_dropped_after_added",
                violation_error_message="移出名录日期不能早于入库日期",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def list_labels(self) -> str:
        return list_labels(self.lists)

    def normalise(self) -> None:
        self.uscc = uscc_codes.normalise(self.uscc)
        self.name = " ".join((self.name or "").split())

    def full_clean(self, *args, **kwargs):
        self.normalise()
        super().full_clean(*args, **kwargs)

    def save(self, *args, **kwargs):
        self.normalise()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        keys = self.lists or []
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ValidationError({"lists": "所属榜单须为若干榜单"})
        unknown = [k for k in keys if k not in LISTS]
        if unknown:
            raise ValidationError({"lists": f"未知的榜单“{unknown[0]}”，可选：{'、'.join(LISTS.values())}"})
        self.lists = list(dict.fromkeys(keys))
        # The holder's jurisdiction is the target's (as a ledger record lives where its unit is).
        if self.unit_id:
            self.jurisdiction_id = self.unit.jurisdiction_id
        elif self.team_id and not self.jurisdiction_id:
            self.jurisdiction_id = self.team.jurisdiction_id
        if not self.jurisdiction_id:
            raise ValidationError({"jurisdiction": "请选择行政区划或责任单位"})
        if self.team_id and self.team.jurisdiction_id != self.jurisdiction_id:
            raise ValidationError({"team": "责任团队与目标企业不在同一行政区划"})
        path = self.jurisdiction.path
        if self.segment_id:
            if not self.chain_id:
                self.chain_id = self.segment.chain_id
            elif self.segment.chain_id != self.chain_id:
                raise ValidationError({"segment": "产业链环节须属于所选产业链"})
        if self.chain_id and not path.startswith(self.chain.jurisdiction.path):
            raise ValidationError({"chain": "只能选择本行政区划或上级的产业链"})
        if self.enterprise_id and not self.enterprise.jurisdiction.path.startswith(path):
            raise ValidationError({"enterprise": "台账企业须在本行政区划（含下辖）内"})
        if self.lead_id and self.lead.jurisdiction_id != self.jurisdiction_id:
            raise ValidationError({"lead": "线索须在本行政区划内"})
        if self.dropped_on and self.added_on and self.dropped_on < self.added_on:
            raise ValidationError({"dropped_on": "移出名录日期不能早于入库日期"})


class TargetContact(ChangeLoggedModel):
    """A contact made with a target (电话、拜访、来访 …): seen and written by whoever may see and
    write its target."""

    class Kind(models.TextChoices):
        CALL = "call", "电话"
        VISIT = "visit", "拜访"
        RECEPTION = "reception", "来访"
        EVENT = "event", "推介会"
        LETTER = "letter", "函件"
        OTHER = "other", "其他"

    objects = ScopedQuerySet.as_manager()
    scope_jurisdiction = "target__jurisdiction"
    scope_private = True
    scope_team = "target__team"
    scope_unit = "target__unit"

    target = models.ForeignKey(
        TargetEnterprise, verbose_name="目标企业", on_delete=models.CASCADE, related_name="contacts"
    )
    contacted_on = models.DateField("接触日期", default=_today, validators=[validate_sensible_date])
    kind = models.CharField("方式", max_length=12, choices=Kind.choices, default=Kind.CALL)
    person = models.CharField("对接人", max_length=60, blank=True)
    summary = BoundedTextField("内容", blank=True, max_length=LONG_TEXT)

    class Meta:
        verbose_name = "目标企业接触"
        verbose_name_plural = "目标企业接触"
        ordering = ["-contacted_on", "-id"]

    def __str__(self):
        return f"{self.target} {self.get_kind_display()} {self.contacted_on:%Y-%m-%d}"

    def changelog_jurisdiction_path(self):
        return self.target.jurisdiction.path
