"""The project ledger (台账): enterprises, projects and the funds that arrive for them.

Records here are private to the team and unit that introduced them (首招负责制): a clerk sees
their own, the office and leaders see the whole jurisdiction.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from zhaoshang.core.fields import LONG_TEXT, REASON, BoundedTextField, EncryptedCharField
from zhaoshang.core.models import ChangeLoggedModel
from zhaoshang.core.scoping import ScopedQuerySet
from zhaoshang.core.search import KEY_MAX_LENGTH, search_key
from zhaoshang.core.uploads import validate_evidence
from zhaoshang.core.validators import non_negative, validate_sensible_date
from zhaoshang.org.models import JurisdictionOwned, Team, Unit

from . import uscc


def validate_uscc(value: str) -> None:
    problem = uscc.validate(value)
    if problem:
        raise ValidationError(f"统一社会信用代码{problem}")


class PrivateRecord(JurisdictionOwned):
    scope_private = True
    scope_team = "team"
    scope_unit = "unit"

    class Meta:
        abstract = True


ENTERPRISE_TAGS = [
    "世界500强", "中国500强", "民营500强", "上市公司", "头部企业", "专精特新", "独角兽", "瞪羚", "央企", "外资",
]  # fmt: skip
# Attributes of a project that the documents score or reward, with their Chinese names.
PROJECT_ATTRIBUTES = {
    "listed_company": "上市公司项目",
    "listed_manufacturing": "制造业上市公司",
    "world500": "世界500强",
    "china500": "中国500强",
    "private500": "民营500强",
    "head_enterprise": "头部企业",
    "quality_project": "优强项目",
    "chain_project": "产业链项目",
    "talent_tech_transfer": "高层次人才科技成果转化",
    "srdi": "专精特新",
    "foreign_over_200m_usd": "2亿美元以上外资项目",
    "key_project": "重点项目",
    "leading_industry": "主导产业项目",
}
# Attributes a project takes from what the ledger already holds (issue 10 point 2), unless the
# office names them in the project's `attributes_excluded`: its enterprise's class (企业类别), a
# listed exchange, and 外资 of 2亿美元以上 (以上 includes the number; 20,000 万美元).
ENTERPRISE_CLASS_ATTRIBUTES = {
    "世界500强": "world500",
    "中国500强": "china500",
    "民营500强": "private500",
    "上市公司": "listed_company",
    "头部企业": "head_enterprise",
    "专精特新": "srdi",
}
FOREIGN_LARGE_USD_WAN = Decimal(20000)


def derived_attributes(tags, listed_exchange: str = "", foreign_usd_wan=None) -> set[str]:
    """The attributes an enterprise's class, its listing and a project's 外资 give the project."""
    out = {ENTERPRISE_CLASS_ATTRIBUTES[t] for t in tags or () if t in ENTERPRISE_CLASS_ATTRIBUTES}
    if listed_exchange:
        out.add("listed_company")
    if foreign_usd_wan is not None and foreign_usd_wan >= FOREIGN_LARGE_USD_WAN:
        out.add("foreign_over_200m_usd")
    return out


def effective_attributes(
    own, tags, listed_exchange="", foreign_usd_wan=None, excluded=(), industry_derived=()
) -> frozenset[str]:
    """What the rules read: the project's own attributes and the derived ones the office has not
    excluded — from its enterprise and 外资, and (`industry_derived`) from its 产业 under a
    policy's priority industries (`priority_attributes`). The one definition; `assessment.facts`
    says the same in SQL."""
    derived = derived_attributes(tags, listed_exchange, foreign_usd_wan) | set(industry_derived or ())
    return frozenset(own or ()) | (derived - set(excluded or ()))


def priority_attributes(setting, industry: str = "", enterprise_industry: str = "") -> frozenset[str]:
    """The attributes a policy's priority industries (`priority_industries`, a policy setting)
    give a project of this 产业 (its own, else its enterprise's), before the office's exclusions."""
    from zhaoshang.engine.industries import industry_attributes, project_industry

    return industry_attributes(setting, project_industry(industry, enterprise_industry))


EXCHANGES = ["上交所", "深交所", "北交所", "港交所", "纽交所", "纳斯达克", "其他"]


class ZombieClass(models.TextChoices):
    """僵尸企业 classes as 003 §一(三)“僵尸企业整治盘活” defines them: A, B and C are due back in
    production within a year (1年内复工复产); D is bought by the government platform company."""

    A = "A", "A类（企业自救）"
    B = "B", "B类（二次招商）"
    C = "C", "C类（并购、入伙）"
    D = "D", "D类（政府平台公司收购）"


class Enterprise(PrivateRecord):
    name = models.CharField("企业名称", max_length=120)
    short_name = models.CharField("简称", max_length=40, blank=True)
    former_names = models.JSONField("曾用名", default=list, blank=True)
    uscc = models.CharField(
        "统一社会信用代码", max_length=18, blank=True, db_index=True, validators=[validate_uscc]
    )
    industry = models.CharField("产业", max_length=40, blank=True)
    hq_region = models.CharField("总部所在地", max_length=40, blank=True)
    tags = models.JSONField("企业类别", default=list, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name="首报单位", on_delete=models.PROTECT, related_name="enterprises"
    )
    team = models.ForeignKey(
        Team,
        verbose_name="首报团队",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprises",
    )
    listed_exchange = models.CharField(
        "上市交易所", max_length=10, blank=True, choices=[(x, x) for x in EXCHANGES]
    )
    listed_code = models.CharField("股票代码", max_length=12, blank=True)
    # 僵尸企业 (003 §一(三)): its class, the day it was classified and the day it resumed
    # production (复工复产); the deadline rules read them.
    zombie_class = models.CharField(
        "僵尸企业类别", max_length=1, choices=ZombieClass.choices, blank=True, db_index=True
    )
    zombie_classified_on = models.DateField(
        "僵尸企业认定日期", null=True, blank=True, validators=[validate_sensible_date]
    )
    zombie_resumed_on = models.DateField(
        "复工复产日期", null=True, blank=True, validators=[validate_sensible_date]
    )
    # Full pinyin and initials of the names (core/search.py), kept by save() and the bulk paths.
    search_key = BoundedTextField("拼音检索键", max_length=KEY_MAX_LENGTH, blank=True, editable=False)

    changelog_exclude = ("created", "updated", "search_key")
    # What the search (core/search.py) matches as typed, besides the key.
    # The code only by 6 characters or more: two letters of pinyin are not a code's.
    search_fields = ("name", "short_name", ("uscc", 6), "former_names")

    class Meta:
        verbose_name = "企业（客商）"
        verbose_name_plural = "企业（客商）"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "uscc"],
                condition=~models.Q(uscc=""),
                name="enterprise_unique_uscc",
                violation_error_message="本行政区划内已有相同统一社会信用代码的企业",
            ),
            # Without a code the name is the only key (the Excel import matches by it): one per
            # jurisdiction. With codes, two namesakes are told apart by them (a Shenzhen and a
            # Beijing 某某科技有限公司 may both be leads), so the rule holds only for the blank code.
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                condition=models.Q(uscc=""),
                name="enterprise_unique_name_without_uscc",
                violation_error_message="本行政区划内已有同名且未填统一社会信用代码的企业，请填写统一社会信用代码或使用已登记的企业",
            ),
            models.CheckConstraint(
                condition=models.Q(zombie_resumed_on__isnull=True)
                | models.Q(zombie_classified_on__isnull=True)
                | models.Q(zombie_resumed_on__gte=models.F("zombie_classified_on")),
                name="enterprise_zombie_resumed_after_classified",
                violation_error_message="复工复产日期不能早于僵尸企业认定日期",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        unknown = [t for t in self.tags or [] if t not in ENTERPRISE_TAGS]
        if unknown:
            raise ValidationError(
                {"tags": f"未知的企业类别“{unknown[0]}”，可选：{'、'.join(ENTERPRISE_TAGS)}"}
            )
        if self.listed_code and not self.listed_exchange:
            raise ValidationError({"listed_exchange": "填写股票代码时须选择上市交易所"})
        self.clean_zombie()

    def clean_zombie(self):
        """A class needs its classification date and the other way round; a resumption needs
        both and is not before the classification (the same day is allowed). An enterprise on the
        zombie register (resources.ZombieEnterprise, which reads these fields) keeps its class:
        it leaves the register by deleting the entry there, which clears them."""
        if (
            not self.zombie_class
            and self.pk
            and hasattr(self, "zombie_records")
            and self.zombie_records.exists()
        ):
            raise ValidationError(
                {"zombie_class": "该企业在僵尸企业名录中，不能清除类别；请在僵尸企业名录中删除该企业"}
            )
        if self.zombie_class and not self.zombie_classified_on:
            raise ValidationError({"zombie_classified_on": "填写僵尸企业类别时须填写认定日期"})
        if self.zombie_classified_on and not self.zombie_class:
            raise ValidationError({"zombie_class": "填写僵尸企业认定日期时须选择僵尸企业类别"})
        if self.zombie_resumed_on and not self.zombie_classified_on:
            raise ValidationError({"zombie_resumed_on": "复工复产日期须在认定为僵尸企业之后填写"})
        if (
            self.zombie_resumed_on
            and self.zombie_classified_on
            and self.zombie_resumed_on < self.zombie_classified_on
        ):
            raise ValidationError(
                {
                    "zombie_resumed_on": f"复工复产日期不能早于僵尸企业认定日期（{self.zombie_classified_on.isoformat()}）"
                }
            )

    @staticmethod
    def make_search_key(name, short_name="", former_names=()) -> str:
        """The one definition of the stored key; bulk paths call it with the row's values."""
        return search_key(name, short_name, list(former_names or ()))

    def normalise(self) -> None:
        """The 统一社会信用代码 as every channel stores it (`uscc.normalise`: no spaces, upper-case),
        so that the form, the API, the Excel import and the command line match it alike. Run
        before validation (the unique code is checked on the stored form) and on every save."""
        self.uscc = uscc.normalise(self.uscc)

    def full_clean(self, *args, **kwargs):
        self.normalise()
        super().full_clean(*args, **kwargs)

    def save(self, *args, **kwargs):
        self.normalise()
        self.search_key = self.make_search_key(self.name, self.short_name, self.former_names)
        super().save(*args, **kwargs)


def validate_phone(value: str) -> None:
    if value and not all(c.isdigit() or c in "-+ ()" for c in value):
        raise ValidationError("联系电话只能包含数字、空格和“-+()”")


class ContactPerson(ChangeLoggedModel):
    """Someone at an enterprise the clerks deal with. Personal data: shown masked to the roles
    that do not work with the investor (core/privacy.py)."""

    objects = ScopedQuerySet.as_manager()
    scope_jurisdiction = "enterprise__jurisdiction"
    scope_private = True
    scope_team = "enterprise__team"
    scope_unit = "enterprise__unit"

    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField("联系人", max_length=30)
    title = models.CharField("职务", max_length=40, blank=True)
    # Encrypted in the database when ZHAOSHANG_FIELD_KEY is set (core/fields.py, docs/hardening.md).
    phone = EncryptedCharField("联系电话", max_length=20, blank=True, validators=[validate_phone])
    primary = models.BooleanField("主要联系人", default=False)
    note = models.CharField("备注", max_length=100, blank=True)

    class Meta:
        verbose_name = "联系人"
        verbose_name_plural = "联系人"
        ordering = ["enterprise", "-primary", "id"]

    def __str__(self):
        # No personal data: the text is logged and shown as is, to every role that sees the log.
        return f"{self.enterprise} 联系人"

    def changelog_jurisdiction_path(self):
        return self.enterprise.jurisdiction.path


class Project(PrivateRecord):
    class Stage(models.TextChoices):
        LEAD = "lead", "线索"
        NEGOTIATING = "negotiating", "在谈"
        SUBSTANTIVE = "substantive", "实质性谈判"
        SIGNED = "signed", "签约"
        STARTED = "started", "开工"
        PRODUCTION = "production", "投产"
        FULL_PRODUCTION = "full_production", "达产"
        TERMINATED = "terminated", "终止"

    class SigningKind(models.TextChoices):
        INTENT = "intent", "意向签约"
        CONTRACT_REVIEW = "contract_review", "合同送签"
        FORMAL = "formal", "正式签约"

    class StartKind(models.TextChoices):
        CEREMONY = "ceremony", "开工仪式"
        SUBSTANTIVE = "substantive", "实质性开工"

    class Channel(models.TextChoices):
        BUSINESS = "business", "以商招商"
        FUND = "fund", "基金招商"
        CHAMBER = "chamber", "商会招商"
        AGENCY = "agency", "中介/委托招商"
        RESIDENT = "resident", "驻点招商"
        EVENT = "event", "活动招商"
        NATIVE = "native", "乡贤招商"
        CHAIN = "chain", "产业链招商"
        OTHER = "other", "其他"

    class Category(models.TextChoices):
        INDUSTRY = "industry", "工业"
        AGRICULTURE = "agriculture", "农业"
        TOURISM = "tourism", "文旅"
        URBAN = "urban", "城建"
        SERVICES = "services", "服务业"

    name = models.CharField("项目名称", max_length=120)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="projects"
    )
    industry = models.CharField("产业", max_length=40, blank=True)
    category = models.CharField(
        "项目类别", max_length=20, choices=Category.choices, default=Category.INDUSTRY
    )
    total_investment = models.DecimalField(
        "总投资（万元）", max_digits=14, decimal_places=2, validators=[non_negative]
    )
    foreign_investment_usd = models.DecimalField(
        "外资（万美元）", max_digits=14, decimal_places=2, null=True, blank=True, validators=[non_negative]
    )
    attributes = models.JSONField("项目属性", default=list, blank=True)
    attributes_excluded = models.JSONField(
        "不计入的派生属性",
        default=list,
        blank=True,
        help_text="企业类别（世界500强、上市公司等）和2亿美元以上外资会自动计为项目属性；招商办认定本项目不应计入的，在此勾选",
    )
    stage = models.CharField(
        "项目阶段", max_length=20, choices=Stage.choices, default=Stage.LEAD, db_index=True
    )
    unit = models.ForeignKey(Unit, verbose_name="引进单位", on_delete=models.PROTECT, related_name="projects")
    team = models.ForeignKey(
        Team,
        verbose_name="引进团队",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    registered_on = models.DateField("登记日期", validators=[validate_sensible_date])
    signed_on = models.DateField("签约日期", null=True, blank=True, validators=[validate_sensible_date])
    signing_kind = models.CharField("签约方式", max_length=20, choices=SigningKind.choices, blank=True)
    started_on = models.DateField("开工日期", null=True, blank=True, validators=[validate_sensible_date])
    start_kind = models.CharField("开工方式", max_length=20, choices=StartKind.choices, blank=True)
    production_on = models.DateField("投产日期", null=True, blank=True, validators=[validate_sensible_date])
    full_production_on = models.DateField(
        "达产日期", null=True, blank=True, validators=[validate_sensible_date]
    )
    terminated_on = models.DateField("终止日期", null=True, blank=True, validators=[validate_sensible_date])
    termination_reason = BoundedTextField("终止原因", blank=True, max_length=REASON)
    contract_start_due = models.DateField(
        "合同约定开工日期", null=True, blank=True, validators=[validate_sensible_date]
    )
    signed_at_event = models.BooleanField("推介会签约", default=False)
    chain = models.CharField("产业链", max_length=40, blank=True)
    channel = models.CharField("招商渠道", max_length=20, choices=Channel.choices, blank=True)
    host_unit = models.ForeignKey(
        Unit,
        verbose_name="落户单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_projects",
        help_text="项目落户在其他县（市、区）或单位时填写",
    )
    # 五个一: one leader, one task force, one plan.
    responsible_leader = models.ForeignKey(
        "org.Person",
        verbose_name="责任领导",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    task_force = models.CharField("工作专班", max_length=100, blank=True)
    plan = BoundedTextField("推进方案", blank=True, max_length=LONG_TEXT)
    land_mu = models.DecimalField(
        "用地（亩）", max_digits=10, decimal_places=2, null=True, blank=True, validators=[non_negative]
    )
    tax_per_mu = models.DecimalField(
        "预计亩均税收（万元/亩）",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[non_negative],
    )
    # Full pinyin and initials of the name (core/search.py), kept by save() and the bulk paths.
    search_key = BoundedTextField("拼音检索键", max_length=KEY_MAX_LENGTH, blank=True, editable=False)

    changelog_exclude = ("created", "updated", "search_key")
    search_fields = ("name",)

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"
        ordering = ["-registered_on", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "stage"]),
            models.Index(fields=["jurisdiction", "registered_on"]),
        ]
        constraints = [
            # The project's natural key, as the Excel import matches a row: an enterprise's
            # project by name, within the jurisdiction. Two imports or two clerks at once cannot
            # register it twice.
            models.UniqueConstraint(
                fields=["jurisdiction", "enterprise", "name"],
                name="project_unique_name_per_enterprise",
                violation_error_message="该企业在本行政区划内已有同名项目",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        unknown = [a for a in self.attributes or [] if a not in PROJECT_ATTRIBUTES]
        if unknown:
            raise ValidationError({"attributes": f"未知的项目属性“{unknown[0]}”"})
        unknown = [a for a in self.attributes_excluded or [] if a not in PROJECT_ATTRIBUTES]
        if unknown:
            raise ValidationError({"attributes_excluded": f"未知的项目属性“{unknown[0]}”"})
        if self.team_id and self.unit_id and self.team.jurisdiction_id != self.unit.jurisdiction_id:
            raise ValidationError({"team": "引进团队与引进单位不在同一行政区划"})
        if self.enterprise_id and self.unit_id and self.enterprise.unit_id != self.unit_id:
            # 首招负责制: the project follows its enterprise's first-contact unit; never shared.
            raise ValidationError({"unit": f"引进单位须为企业的首报单位（{self.enterprise.unit}）"})

    def save(self, *args, **kwargs):
        self.search_key = self.make_search_key(self.name)
        super().save(*args, **kwargs)

    @staticmethod
    def make_search_key(name) -> str:
        """The one definition of the stored key; bulk paths call it with the row's values."""
        return search_key(name)

    def attribute_labels(self) -> list[str]:
        return [PROJECT_ATTRIBUTES.get(a, a) for a in self.attributes or []]

    def effective_attributes(self, priority=None) -> frozenset[str]:
        """`priority`: a policy's priority industries (`priority_industries`); None: the policies
        of the project's jurisdiction and those above it together (`priority_settings`)."""
        e = self.enterprise
        settings = [x for _, x in self.priority_settings()] if priority is None else [priority]
        industry = set().union(*(priority_attributes(x, self.industry, e.industry) for x in settings))
        return effective_attributes(
            self.attributes, e.tags, e.listed_exchange, self.foreign_investment_usd, self.attributes_excluded,
            industry,
        )  # fmt: skip

    def priority_settings(self) -> list:
        """The priority industries of the policies over the project's jurisdiction (its own and
        those above it): (policy name, its `priority_industries` setting), read once per project."""
        cached = self.__dict__.get("_priority_settings")
        if cached is None:
            from zhaoshang.org.models import Policy

            path = self.jurisdiction.path
            prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
            specs = [(p.name, p.spec()) for p in Policy.objects.filter(jurisdiction__path__in=prefixes)]
            cached = [(name, spec.priority_industries) for name, spec in specs if spec.priority_industries]
            self._priority_settings = cached
        return cached

    def derived_attribute_labels(self) -> list[str]:
        """The attributes the project takes from its enterprise, 外资 and 产业, as the rules count them."""
        own = set(self.attributes or ())
        effective = self.effective_attributes()
        return [PROJECT_ATTRIBUTES[a] for a in PROJECT_ATTRIBUTES if a in effective and a not in own]

    def priority_industry_labels(self) -> list[str]:
        """Why the project's 产业 counts: each policy's priority industries it names, with the
        attributes they give, the policy and its clause (“电子信息 → 产业链项目（xinfeng-2024 §一；…）”)."""
        from zhaoshang.engine.industries import matching, project_industry

        industry = project_industry(self.industry, self.enterprise.industry)
        out = []
        for policy, setting in self.priority_settings():
            names = matching(setting, industry)
            if names:
                attrs = "、".join(PROJECT_ATTRIBUTES.get(a, a) for a in setting.attributes)
                out.append(f"{'、'.join(names)} → {attrs}（{policy} {setting.clause}）")
        return out

    @property
    def investment_per_mu(self):
        """亩均投资（万元/亩）."""
        if self.land_mu:
            return (self.total_investment / self.land_mu).quantize(Decimal("0.01"))
        return None

    @property
    def overdue_start(self) -> bool:
        """Signed, not started, and past the contract's start date: land may be taken back (金溪 §三8)."""
        from django.utils import timezone

        return (
            self.stage == self.Stage.SIGNED
            and self.contract_start_due is not None
            and self.contract_start_due < timezone.localdate()
        )


class ProjectPart(ChangeLoggedModel):
    """A record that belongs to a project: seen by whoever sees the project."""

    objects = ScopedQuerySet.as_manager()
    scope_jurisdiction = "project__jurisdiction"
    scope_private = True
    scope_team = "project__team"
    scope_unit = "project__unit"

    class Meta:
        abstract = True

    def changelog_jurisdiction_path(self):
        return self.project.jurisdiction.path


class StageChange(ProjectPart):
    """One step of a project's life, dated, by whom, with evidence; kept for good."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField("原阶段", max_length=20, choices=Project.Stage.choices, blank=True)
    to_stage = models.CharField("新阶段", max_length=20, choices=Project.Stage.choices)
    on = models.DateField("日期", validators=[validate_sensible_date])
    kind = models.CharField("方式", max_length=20, blank=True)
    reason = BoundedTextField("原因", blank=True, max_length=REASON)
    evidence = models.FileField(
        "佐证材料", upload_to="evidence/%Y/%m/", blank=True, validators=[validate_evidence]
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "阶段变更"
        verbose_name_plural = "阶段变更"
        ordering = ["project", "on", "id"]

    def __str__(self):
        return f"{self.project} {self.get_from_stage_display() or '—'} → {self.get_to_stage_display()}"

    @property
    def is_backward(self) -> bool:
        return STAGE_ORDER.get(self.to_stage, 0) < STAGE_ORDER.get(self.from_stage, 0)


class ProjectPartner(ProjectPart):
    """Another enterprise investing in the project with the first one (合资、联合投资). The
    project stays the introducing unit's: a partner shares in it, the unit does not."""

    class Role(models.TextChoices):
        JOINT_VENTURE = "joint_venture", "合资方"
        CO_INVESTOR = "co_investor", "联合投资方"
        OPERATOR = "operator", "运营方"
        OTHER = "other", "其他"

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="partners"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="合作企业", on_delete=models.PROTECT, related_name="partnerships"
    )
    role = models.CharField("合作方式", max_length=20, choices=Role.choices, default=Role.CO_INVESTOR)
    investment = models.DecimalField(
        "出资（万元）",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[non_negative],
    )

    class Meta:
        verbose_name = "合作企业"
        verbose_name_plural = "合作企业"
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "enterprise"],
                name="partner_unique_enterprise",
                violation_error_message="该企业已是本项目的合作企业",
            )
        ]

    def __str__(self):
        # Not the enterprise's name: titles and the log show this text, and the partner may be
        # an enterprise the reader may not see (another unit's).
        return f"{self.project} · 合作企业"

    def clean(self):
        super().clean()
        if not (self.project_id and self.enterprise_id):
            return
        if self.enterprise_id == self.project.enterprise_id:
            raise ValidationError({"enterprise": "该企业已是项目的主体企业"})
        if self.enterprise.jurisdiction_id != self.project.jurisdiction_id:
            raise ValidationError({"enterprise": "合作企业须与项目在同一行政区划登记"})


class ProjectPhase(ProjectPart):
    """A phase with its own schedule and figures (夏邑 battery park: three phases, 2023–2025)."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField("期次")
    name = models.CharField("名称", max_length=60)
    planned_start = models.DateField("计划开工", null=True, blank=True, validators=[validate_sensible_date])
    planned_end = models.DateField("计划建成", null=True, blank=True, validators=[validate_sensible_date])
    investment = models.DecimalField(
        "投资（万元）", max_digits=14, decimal_places=2, null=True, blank=True, validators=[non_negative]
    )
    capacity = models.CharField("产能", max_length=60, blank=True)
    output = models.DecimalField(
        "达产产值（万元）", max_digits=14, decimal_places=2, null=True, blank=True, validators=[non_negative]
    )
    tax = models.DecimalField(
        "达产税收（万元）", max_digits=14, decimal_places=2, null=True, blank=True, validators=[non_negative]
    )
    jobs = models.PositiveIntegerField("就业人数", null=True, blank=True)

    class Meta:
        verbose_name = "项目分期"
        verbose_name_plural = "项目分期"
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="phase_unique_number", violation_error_message="期次重复"
            )
        ]

    def __str__(self):
        return f"{self.project} {self.name}"


class ContractObligation(ProjectPart):
    """One thing a project's contract promises, by a date (合同义务): an investment amount, a
    construction start, completion, production, output or tax. 合同履约率 (003 §二(三)) is the
    obligations fulfilled by their due date over those due by the assessment day."""

    class Kind(models.TextChoices):
        INVESTMENT = "investment", "投资额"
        CONSTRUCTION_START = "construction_start", "开工"
        COMPLETION = "completion", "竣工"
        PRODUCTION = "production", "投产"
        OUTPUT = "output", "产值"
        TAX = "tax", "税收"
        INVESTMENT_PER_MU = "investment_per_mu", "亩均投资"
        TAX_PER_MU = "tax_per_mu", "亩均税收"
        JOBS = "jobs", "就业人数"
        OTHER = "other", "其他"

    # Kinds whose promise is an amount (万元; 亩均: 万元/亩; 就业人数: 人).
    AMOUNT_KINDS = ("investment", "output", "tax", "investment_per_mu", "tax_per_mu", "jobs")
    # The unit each kind's amount is in, as the pages show it.
    UNITS = {"investment_per_mu": "万元/亩", "tax_per_mu": "万元/亩", "jobs": "人"}
    # Kinds the ledger decides (ledger/performance.py): actual investment (进资) by month, the
    # stage dates, and the local tax by month. The others (产值, 就业人数, 竣工, 其他) are what
    # the office enters: `actual_amount` and `fulfilled_on`.
    LEDGER_KINDS = (
        "investment", "investment_per_mu", "construction_start", "production", "tax", "tax_per_mu",
    )  # fmt: skip

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="obligations"
    )
    kind = models.CharField("义务类别", max_length=20, choices=Kind.choices)
    content = models.CharField("约定内容", max_length=200, blank=True)
    amount = models.DecimalField(
        "约定金额（万元）", max_digits=14, decimal_places=2, null=True, blank=True, validators=[non_negative]
    )
    due_on = models.DateField("约定期限", validators=[validate_sensible_date])
    fulfilled_on = models.DateField("履行日期", null=True, blank=True, validators=[validate_sensible_date])
    actual_amount = models.DecimalField(
        "实际完成数",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[non_negative],
        help_text="产值、就业人数等台账不记录的义务，由招商办填写实际完成数（万元；就业人数以人计）",
    )
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "合同义务"
        verbose_name_plural = "合同义务"
        ordering = ["project", "due_on", "id"]
        indexes = [models.Index(fields=["project", "due_on"])]

    def __str__(self):
        return f"{self.project} {self.get_kind_display()}（{self.due_on:%Y-%m-%d}前）"

    def clean(self):
        super().clean()
        if self.kind in self.AMOUNT_KINDS and self.amount is None:
            raise ValidationError({"amount": f"{self.get_kind_display()}义务须填写约定金额"})
        if self.kind == self.Kind.JOBS and self.amount is not None and self.amount != int(self.amount):
            raise ValidationError({"amount": "就业人数义务的约定数须为整数（人）"})

    @property
    def amount_unit(self) -> str:
        return self.UNITS.get(self.kind, "万元")


class OwnershipClaim(JurisdictionOwned):
    """A second unit asks the office to arbitrate who an enterprise belongs to (首招负责制)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待裁定"
        UPHELD = "upheld", "改归申请单位"
        REJECTED = "rejected", "维持原首报单位"

    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="claims"
    )
    holder_unit = models.ForeignKey(
        Unit, verbose_name="原首报单位", on_delete=models.PROTECT, related_name="+"
    )
    claimant_unit = models.ForeignKey(
        Unit, verbose_name="申请单位", on_delete=models.PROTECT, related_name="+"
    )
    claimant_team = models.ForeignKey(
        Team, verbose_name="申请团队", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = BoundedTextField("申请理由", max_length=REASON)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    decision = BoundedTextField("裁定意见", blank=True, max_length=REASON)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="裁定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("裁定时间", null=True, blank=True)

    # Both parties (and their teams) see the claim; the office decides it.
    scope_private = True
    scope_unit = ("claimant_unit", "holder_unit")

    class Meta:
        verbose_name = "归属裁定"
        verbose_name_plural = "归属裁定"
        ordering = ["-created"]

    def __str__(self):
        return f"{self.enterprise} 归属申请（{self.claimant_unit}）"


STAGE_ORDER = {s: i for i, s in enumerate(Project.Stage.values)}


class Investment(PrivateRecord):
    """Actual investment (实际进资) of one project in one month, credited to one unit."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="investments"
    )
    month = models.DateField("月份", help_text="当月第一天", validators=[validate_sensible_date])
    amount = models.DecimalField(
        "实际进资（万元）", max_digits=14, decimal_places=2, validators=[non_negative]
    )
    unit = models.ForeignKey(
        Unit, verbose_name="计入单位", on_delete=models.PROTECT, related_name="investments"
    )
    team = models.ForeignKey(
        Team,
        verbose_name="计入团队",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="investments",
    )

    class Meta:
        verbose_name = "实际进资"
        verbose_name_plural = "实际进资"
        ordering = ["-month", "project"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month", "unit"],
                name="investment_unique_share",
                violation_error_message="该项目该月份已登记过此单位的实际进资",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="investment_not_negative",
                violation_error_message="实际进资不能为负数",
            ),
        ]

    def __str__(self):
        return f"{self.project} {self.month:%Y-%m}"

    def clean(self):
        super().clean()
        if self.month is not None:
            self.month = self.month.replace(day=1)

    def save(self, *args, **kwargs):
        # A month is stored as its first day, so one share per project, month and unit stays unique.
        if self.month is not None:
            self.month = self.month.replace(day=1)
        super().save(*args, **kwargs)


class RewardRelease(ProjectPart):
    """The office releases the rewards and subsidies held on a project behind on its contract
    (ledger/performance.py, issue 14 point 5): recorded with its reason. A release covers the
    obligations overdue on its day; one that falls overdue after it holds the rewards again."""

    office_only = True

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="reward_releases"
    )
    released_on = models.DateField("解除日期", validators=[validate_sensible_date])
    reason = BoundedTextField("解除理由", max_length=REASON)
    held_reason = BoundedTextField("暂缓原因（解除时）", blank=True, max_length=LONG_TEXT)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解除人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "奖补暂缓解除"
        verbose_name_plural = "奖补暂缓解除"
        ordering = ["project", "-released_on", "-id"]

    def __str__(self):
        return f"{self.project} 解除暂缓（{self.released_on:%Y-%m-%d}）"

    def clean(self):
        super().clean()
        if self.reason is not None and not str(self.reason).strip():
            raise ValidationError({"reason": "请填写解除理由"})
