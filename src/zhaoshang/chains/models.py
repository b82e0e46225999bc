"""Industry chains (产业链) as data: a chain of a jurisdiction, its segments (产业链环节) and the
edges between them (upstream → downstream), its chain leaders (链主企业), and the office's
placements of ledger enterprises and projects on segments. Seeded from the policy file's
`chains:` section (chains/services.py `chains_load`), then edited by the office. Which segments
are gaps is computed, never stored (chains/gaps.py)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from zhaoshang.core.fields import LONG_TEXT, BoundedTextField
from zhaoshang.core.models import ChangeLoggedModel
from zhaoshang.core.scoping import ScopedQuerySet
from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.org.models import JurisdictionOwned, Policy, Team, Unit

STAGES = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}
STAGE_ORDER = {k: i for i, k in enumerate(STAGES)}


class IndustryChain(JurisdictionOwned):
    policy = models.ForeignKey(
        Policy, verbose_name="政策文件", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.SlugField("代码", max_length=64)
    name = models.CharField("产业链", max_length=60)
    clause = models.CharField("条款", max_length=120, blank=True)
    lead_team = models.ForeignKey(
        Team, verbose_name="牵头团队", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name="牵头单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = BoundedTextField("说明", blank=True, max_length=LONG_TEXT)

    class Meta:
        verbose_name = "产业链"
        verbose_name_plural = "产业链"
        ordering = ["policy_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "policy", "key"],
                name="chain_unique_key",
                violation_error_message="该政策文件已有此代码的产业链",
            )
        ]

    def __str__(self):
        return self.name


class ChainPart(ChangeLoggedModel):
    """A record that belongs to a chain: seen by whoever sees the chain."""

    objects = ScopedQuerySet.as_manager()
    scope_jurisdiction = "chain__jurisdiction"

    class Meta:
        abstract = True

    def changelog_jurisdiction_path(self):
        return self.chain.jurisdiction.path


class ChainSegment(ChainPart):
    chain = models.ForeignKey(
        IndustryChain, verbose_name="产业链", on_delete=models.CASCADE, related_name="segments"
    )
    key = models.SlugField("代码", max_length=64)
    name = models.CharField("环节", max_length=60)
    stage = models.CharField("位置", max_length=12, choices=list(STAGES.items()), default="midstream")
    # 产业 keywords (found within an enterprise's or project's 产业) and GB/T 4754 code prefixes.
    industries = models.JSONField("产业关键词", default=list, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "产业链环节"
        verbose_name_plural = "产业链环节"
        ordering = ["chain_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "key"],
                name="segment_unique_key",
                violation_error_message="该产业链已有此代码的环节",
            )
        ]

    def __str__(self):
        return f"{self.chain.name}·{self.name}"

    @property
    def stage_label(self) -> str:
        return STAGES.get(self.stage, self.stage)

    def clean(self):
        super().clean()
        words = self.industries or []
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise ValidationError({"industries": "产业关键词须为若干个非空词语"})
        self.industries = [w.strip() for w in words]


class ChainEdge(ChainPart):
    """Segment `source` supplies segment `target` (upstream → downstream)."""

    chain = models.ForeignKey(
        IndustryChain, verbose_name="产业链", on_delete=models.CASCADE, related_name="edges"
    )
    source = models.ForeignKey(
        ChainSegment, verbose_name="上游环节", on_delete=models.CASCADE, related_name="+"
    )
    target = models.ForeignKey(
        ChainSegment, verbose_name="下游环节", on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "环节关联"
        verbose_name_plural = "环节关联"
        ordering = ["chain_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target"], name="edge_unique", violation_error_message="这两个环节已关联"
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")),
                name="edge_not_self",
                violation_error_message="环节不能关联自身",
            ),
        ]

    def __str__(self):
        return f"{self.source.name} → {self.target.name}"

    def clean(self):
        super().clean()
        for name in ("source", "target"):
            seg = getattr(self, name, None) if getattr(self, f"{name}_id", None) else None
            if seg is not None and self.chain_id and seg.chain_id != self.chain_id:
                raise ValidationError({name: "只能关联本产业链的环节"})


class ChainLeader(ChainPart):
    """A chain leader (链主企业): a ledger enterprise where there is one, else the name the
    document gives."""

    chain = models.ForeignKey(
        IndustryChain, verbose_name="产业链", on_delete=models.CASCADE, related_name="leaders"
    )
    name = models.CharField("链主企业", max_length=120)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name="台账企业",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "链主企业"
        verbose_name_plural = "链主企业"
        ordering = ["chain_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "name"],
                name="leader_unique_name",
                violation_error_message="该产业链已有此链主企业",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.enterprise_id and self.chain_id:
            _same_jurisdiction(self.chain, self.enterprise, "enterprise")


class SegmentPlacement(ChainPart):
    """The office places an enterprise or a project on a segment. Within the segment's chain it
    overrides the 产业 keyword match (chains/gaps.py): a placed enterprise (and its projects) or a
    placed project counts on the placed segments of that chain only."""

    chain = models.ForeignKey(
        IndustryChain, verbose_name="产业链", on_delete=models.CASCADE, related_name="+"
    )
    segment = models.ForeignKey(
        ChainSegment, verbose_name="环节", on_delete=models.CASCADE, related_name="placements"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    project = models.ForeignKey(
        Project, verbose_name="项目", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(
        "依据", max_length=200, blank=True, help_text="招商办归入的依据，如调研、企业主营产品"
    )

    class Meta:
        verbose_name = "环节归属"
        verbose_name_plural = "环节归属"
        ordering = ["chain_id", "segment_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False, project__isnull=True)
                | Q(enterprise__isnull=True, project__isnull=False),
                name="placement_one_subject",
                violation_error_message="请选择一家企业或一个项目",
            ),
            models.UniqueConstraint(
                fields=["segment", "enterprise"],
                condition=Q(enterprise__isnull=False),
                name="placement_unique_enterprise",
                violation_error_message="该企业已归入此环节",
            ),
            models.UniqueConstraint(
                fields=["segment", "project"],
                condition=Q(project__isnull=False),
                name="placement_unique_project",
                violation_error_message="该项目已归入此环节",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.segment.name}"

    @property
    def subject(self):
        return self.enterprise if self.enterprise_id else self.project

    def clean(self):
        super().clean()
        if bool(self.enterprise_id) == bool(self.project_id):
            raise ValidationError("请选择一家企业或一个项目")
        if self.segment_id:
            if self.chain_id and self.segment.chain_id != self.chain_id:
                raise ValidationError({"segment": "只能归入本产业链的环节"})
            self.chain_id = self.segment.chain_id
        if self.chain_id:
            _same_jurisdiction(self.chain, self.subject, "enterprise" if self.enterprise_id else "project")


def _same_jurisdiction(chain, record, field: str) -> None:
    if not record.jurisdiction.path.startswith(chain.jurisdiction.path):
        raise ValidationError({field: "只能选择本行政区划（含下辖）的记录"})
