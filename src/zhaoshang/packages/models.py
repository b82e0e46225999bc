"""Packaged projects (招商项目包 / 项目专案) and the merchant library (客商库), per industry chain.

Xiayi §三(二) asks each chain's 专班 to package (策划包装) at least 5 chain projects and §二(一)1 the
high-tech zone 10 key projects a year; Sanming §三(二)8 asks for a chain project library and a
merchant library. A package is a project the county offers to investors before there is one in
the ledger; once it lands it points at the ledger's project. How the packages become assessment
metrics is packages/metrics.py; what each chain has against its quota is packages/progress.py."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from zhaoshang.chains.models import ChainSegment, IndustryChain
from zhaoshang.core.fields import REASON, BoundedTextField, EncryptedCharField
from zhaoshang.core.validators import validate_sensible_date
from zhaoshang.ledger.models import Enterprise, PrivateRecord, Project, validate_phone
from zhaoshang.org.models import JurisdictionOwned, Team, Unit


def _within(chain: IndustryChain, record) -> bool:
    """`record` lies in the chain's jurisdiction or one below it."""
    return record.jurisdiction.path.startswith(chain.jurisdiction.path)


class ProjectPackage(PrivateRecord):
    """A packaged project (招商项目包/项目专案) of a chain. Private to its team and unit like a
    ledger project: the office, leaders, inspectors and the city see them all; a clerk sees and
    files those of their own team or unit (core/scoping.py)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "在推"
        LANDED = "landed", "已落地"
        WITHDRAWN = "withdrawn", "已撤销"

    name = models.CharField("项目名称", max_length=120)
    chain = models.ForeignKey(
        IndustryChain, verbose_name="产业链", on_delete=models.CASCADE, related_name="packages"
    )
    segment = models.ForeignKey(
        ChainSegment,
        verbose_name="产业链环节",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="packages",
    )
    major = models.BooleanField("重大招商项目", default=False, help_text="计入“包装重大招商项目”")
    investment = models.DecimalField(
        "拟投资额（万元）", max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    needs = BoundedTextField("招商需求/合作方式", blank=True, max_length=REASON)
    team = models.ForeignKey(
        Team, verbose_name="责任团队", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="责任单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    packaged_on = models.DateField("包装日期", validators=[validate_sensible_date])
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    project = models.ForeignKey(
        Project,
        verbose_name="落地项目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="已落地的须选择台账中的项目",
    )
    notes = BoundedTextField("备注", blank=True, max_length=REASON)

    class Meta:
        verbose_name = "招商项目包"
        verbose_name_plural = "招商项目包"
        ordering = ["chain_id", "-packaged_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "name"],
                name="package_unique_name",
                violation_error_message="该产业链已有同名的招商项目包",
            )
        ]

    def __str__(self):
        return self.name

    def _follow_chain(self):
        if self.chain_id:
            self.jurisdiction_id = self.chain.jurisdiction_id

    def clean_fields(self, exclude=None):
        self._follow_chain()  # before the required jurisdiction is checked
        super().clean_fields(exclude)

    def save(self, *args, **kwargs):
        self._follow_chain()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        errors: dict[str, str] = {}
        chain = self.chain if self.chain_id else None
        if chain is not None:
            # A package lives where its chain does (the county whose chain it is).
            self.jurisdiction_id = chain.jurisdiction_id
            if self.segment_id and self.segment.chain_id != chain.pk:
                errors["segment"] = f"环节“{self.segment.name}”不属于产业链“{chain.name}”"
            # 牵头单位、责任单位: left blank, the package is the chain's lead team's and unit's.
            if not self.team_id and not self.unit_id:
                self.team_id = chain.lead_team_id
                self.unit_id = chain.lead_unit_id
        if self.team_id and self.jurisdiction_id and self.team.jurisdiction_id != self.jurisdiction_id:
            errors["team"] = "责任团队不属于本行政区划"
        if self.unit_id and self.jurisdiction_id and self.unit.jurisdiction_id != self.jurisdiction_id:
            errors["unit"] = "责任单位不属于本行政区划"
        if self.status == self.Status.LANDED and not self.project_id:
            errors["project"] = "状态为“已落地”的须选择落地项目"
        if self.project_id and self.jurisdiction_id and self.project.jurisdiction_id != self.jurisdiction_id:
            errors["project"] = "落地项目须为本行政区划的项目"
        if errors:
            raise ValidationError(errors)

    @property
    def counted(self) -> bool:
        """Counted as packaged (metrics, progress): not withdrawn."""
        return self.status != self.Status.WITHDRAWN


class Merchant(JurisdictionOwned):
    """An investor contact (客商) of the merchant library. Seen by every role of the
    jurisdiction, with the contact's name and phone masked for those who do not work with
    investors (core/privacy.py); kept by the office."""

    name = models.CharField("客商姓名", max_length=30)
    company = models.CharField("所在企业", max_length=120, blank=True)
    title = models.CharField("职务", max_length=40, blank=True)
    # Encrypted in the database when ZHAOSHANG_FIELD_KEY is set (core/fields.py).
    phone = EncryptedCharField("联系电话", max_length=20, blank=True, validators=[validate_phone])
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name="产业链",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merchants",
    )
    region = models.CharField("所在地区", max_length=40, blank=True)
    source = models.CharField("来源", max_length=60, blank=True, help_text="如：商会推荐、展会、以商招商")
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name="台账企业",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = BoundedTextField("备注", blank=True, max_length=REASON)

    class Meta:
        verbose_name = "客商"
        verbose_name_plural = "客商库"
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name}（{self.company}）" if self.company else self.name

    def clean(self):
        super().clean()
        errors: dict[str, str] = {}
        if self.jurisdiction_id:
            if self.chain_id and not self.jurisdiction.path.startswith(self.chain.jurisdiction.path):
                errors["chain"] = "只能选择本行政区划（或上级）的产业链"
            if self.enterprise_id and not _within(self, self.enterprise):
                errors["enterprise"] = "只能选择本行政区划（含下辖）的企业"
        if errors:
            raise ValidationError(errors)
