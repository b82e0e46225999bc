"""Organisation: jurisdictions, units, people, teams, periods, targets, and who may log in as what.

Most of it is loaded from a policy file (`zhaoshang policy load NAME`); the office edits it
afterwards (renaming placeholder teams, filling in a head the document names only by post).
"""

import json

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from zhaoshang.core.fields import REASON, BoundedTextField
from zhaoshang.core.models import ChangeLoggedModel
from zhaoshang.core.roles import Role
from zhaoshang.core.scoping import ScopedQuerySet
from zhaoshang.core.validators import non_negative, validate_sensible_date

# The keys the policy files use for periods (engine/schema.py `Key`): an office-added period
# becomes one of them, so it is held to the same form.
period_key = RegexValidator(
    r"^[a-z0-9][a-z0-9_\-]*$", "代号只能用小写字母、数字、“-”和“_”，并以字母或数字开头，如 2025、2025-h1"
)


class Jurisdiction(ChangeLoggedModel):
    class Level(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        COUNTY = "county", "县（市、区）"

    code = models.CharField("行政区划代码", max_length=6, unique=True, help_text="GB/T 2260 六位代码")
    name = models.CharField("名称", max_length=50)
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes ("360000/360700/360722/"): scoping a subtree is one prefix match.
    path = models.CharField("路径", max_length=200, editable=False, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_jurisdiction = ""

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "") + f"{self.code}/"
        super().save(*args, **kwargs)

    def changelog_jurisdiction_path(self):
        return self.path

    def ancestors(self):
        codes = [c for c in self.path.split("/") if c and c != self.code]
        return list(Jurisdiction.objects.filter(code__in=codes).order_by("path"))


class JurisdictionOwned(ChangeLoggedModel):
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="行政区划", on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_jurisdiction = "jurisdiction"

    class Meta:
        abstract = True

    def changelog_jurisdiction_path(self):
        return self.jurisdiction.path


class Policy(JurisdictionOwned):
    name = models.SlugField("名称", max_length=64, unique=True)
    title = models.CharField("文件标题", max_length=200)
    document_number = models.CharField("文号", max_length=60, blank=True)
    issuer = models.CharField("发文机关", max_length=100)
    source = models.CharField("原文", max_length=100)
    office = models.CharField("牵头办公室", max_length=60)
    start = models.DateField("起始日期", validators=[validate_sensible_date])
    end = models.DateField("截止日期", validators=[validate_sensible_date])
    # Text, not JSONField: PostgreSQL's jsonb reorders object keys, and the order of a policy's
    # mappings (grades, brackets…) is part of what the document says.
    content_json = BoundedTextField("政策内容", max_length=1_000_000)
    content_hash = models.CharField("内容摘要", max_length=64)
    loaded_at = models.DateTimeField("载入时间")

    class Meta:
        verbose_name = "政策文件"
        verbose_name_plural = "政策文件"
        ordering = ["-start", "name"]

    def __str__(self):
        return self.name

    @property
    def content(self) -> dict:
        """The validated policy as plain data, keys in the file's order."""
        return json.loads(self.content_json)

    def spec(self):
        """The validated policy, as the engine sees it."""
        from zhaoshang.engine.schema import Policy as PolicySpec

        cached = getattr(self, "_spec", None)
        if cached is None or cached[0] != self.content_json:
            self._spec = (self.content_json, PolicySpec.model_validate_json(self.content_json))
        return self._spec[1]


class Unit(JurisdictionOwned):
    class Kind(models.TextChoices):
        PARTY_DEPARTMENT = "party_department", "党委部门"
        DEPARTMENT = "department", "政府部门"
        TOWN = "town", "镇"
        TOWNSHIP = "township", "乡"
        PARK = "park", "园区"
        SOE = "soe", "国有企业"
        PEOPLE_ORG = "people_org", "人民团体"
        LEGISLATURE = "legislature", "人大政协"
        JUDICIAL = "judicial", "政法机关"
        INSTITUTION = "institution", "事业单位"
        COUNTY = "county", "县（市、区）"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=60)
    full_name = models.CharField("全称", max_length=120, blank=True)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    aliases = models.JSONField("别名", default=list, blank=True)
    placeholder = models.BooleanField("待办公室确认名称", default=False)
    # The name in the policy file, so a reload finds the unit after the office renames it.
    declared_as = models.CharField("政策文件中的名称", max_length=60, blank=True, editable=False)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["jurisdiction", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                name="unit_unique_name",
                violation_error_message="本行政区划内已有同名单位",
            )
        ]

    def __str__(self):
        return self.name


class Person(JurisdictionOwned):
    class Kind(models.TextChoices):
        LEADER = "leader", "领导"
        CADRE = "cadre", "干部"

    name = models.CharField("姓名", max_length=30)
    title = models.CharField("职务", max_length=100, blank=True)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.LEADER)
    unit = models.ForeignKey(
        Unit, verbose_name="所在单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    placeholder = models.BooleanField("文件仅列职务，待补姓名", default=False)
    declared_as = models.CharField("政策文件中的名称", max_length=30, blank=True, editable=False)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["jurisdiction", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                name="person_unique_name",
                violation_error_message="本行政区划内已有同名人员",
            )
        ]

    def __str__(self):
        return self.name


class Team(JurisdictionOwned):
    class Kind(models.TextChoices):
        CORPS = "corps", "招商兵团"
        TEAM = "team", "招商团队"
        WORK_GROUP = "work_group", "工作组"
        RESIDENT_SQUAD = "resident_squad", "驻点分队"
        SQUAD = "squad", "招商小分队"
        TASK_FORCE = "task_force", "专班"

    policy = models.ForeignKey(
        Policy, verbose_name="政策文件", on_delete=models.CASCADE, related_name="teams"
    )
    key = models.SlugField("代号", max_length=64)
    number = models.PositiveSmallIntegerField("序号", null=True, blank=True)
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    focus_industries = models.JSONField("主攻方向", default=list, blank=True)
    channels = models.JSONField("招商渠道", default=list, blank=True)
    resident_regions = models.JSONField("驻点区域", default=list, blank=True)
    chain_leaders = models.JSONField("重点围绕企业（链主）", default=list, blank=True)
    head = models.ForeignKey(
        Person,
        verbose_name="团长",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_headed",
    )
    deputies = models.ManyToManyField(Person, verbose_name="副团长", blank=True, related_name="teams_deputy")
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name="牵头单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
    )
    member_units = models.ManyToManyField(
        Unit, verbose_name="其他成员单位", blank=True, related_name="teams_member"
    )
    target_text = BoundedTextField("引进项目目标", blank=True, max_length=REASON)
    clause = models.CharField("条款", max_length=120)
    placeholder = models.BooleanField("名称待办公室确认", default=False)

    class Meta:
        verbose_name = "招商团队"
        verbose_name_plural = "招商团队"
        ordering = ["policy", "number", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "key"],
                name="team_unique_key",
                violation_error_message="该政策文件中已有相同代号的团队",
            )
        ]

    def __str__(self):
        return self.name

    def unit_ids(self) -> list[int]:
        ids = list(self.member_units.values_list("pk", flat=True))
        return ([self.lead_unit_id] if self.lead_unit_id else []) + ids


class HolderGroup(JurisdictionOwned):
    """A named set of target holders from the policy: 责任单位, 要素保障单位, 责任县领导…"""

    class Holder(models.TextChoices):
        JURISDICTION = "jurisdiction", "行政区划"
        TEAM = "team", "团队"
        UNIT = "unit", "单位"
        PERSON = "person", "人员"

    policy = models.ForeignKey(
        Policy, verbose_name="政策文件", on_delete=models.CASCADE, related_name="groups"
    )
    key = models.SlugField("代号", max_length=64)
    label = models.CharField("名称", max_length=60)
    holder = models.CharField("对象", max_length=20, choices=Holder.choices)
    target_text = BoundedTextField("任务目标", blank=True, max_length=REASON)
    clause = models.CharField("条款", max_length=120)
    teams = models.ManyToManyField(Team, blank=True, related_name="holder_groups")
    units = models.ManyToManyField(Unit, blank=True, related_name="holder_groups")
    people = models.ManyToManyField(Person, blank=True, related_name="holder_groups")
    jurisdictions = models.ManyToManyField(Jurisdiction, blank=True, related_name="holder_groups")
    # Set when the office chooses the members itself: from then on the group is what it lists,
    # no longer derived from the teams (a team_role group follows the teams' members otherwise).
    members_edited = models.BooleanField("成员由办公室指定", default=False, editable=False)

    class Meta:
        verbose_name = "任务分组"
        verbose_name_plural = "任务分组"
        ordering = ["policy", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "key"],
                name="group_unique_key",
                violation_error_message="该政策文件中已有相同代号的分组",
            )
        ]

    def __str__(self):
        return self.label

    def members(self):
        return {
            "team": self.teams,
            "unit": self.units,
            "person": self.people,
            "jurisdiction": self.jurisdictions,
        }[self.holder].all()


class Period(JurisdictionOwned):
    class Kind(models.TextChoices):
        YEAR = "year", "年度"
        CAMPAIGN = "campaign", "专项行动期"
        HALF_YEAR = "half_year", "半年"
        QUARTER = "quarter", "季度"
        MONTH = "month", "月度"
        WEEK = "week", "周"

    policy = models.ForeignKey(
        Policy, verbose_name="政策文件", on_delete=models.CASCADE, related_name="periods"
    )
    key = models.CharField("代号", max_length=64, validators=[period_key])
    label = models.CharField("名称", max_length=60)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    start = models.DateField("开始", validators=[validate_sensible_date])
    end = models.DateField("结束", validators=[validate_sensible_date])
    weight = models.DecimalField(
        "权重",
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="0 至 1，如 0.6；不按权重汇总的留空",
    )

    class Meta:
        verbose_name = "时期"
        verbose_name_plural = "时期"
        ordering = ["policy", "start", "-end"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "key"],
                name="period_unique_key",
                violation_error_message="该政策文件中已有相同代号的时期",
            ),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")),
                name="period_ordered",
                violation_error_message="结束日期不能早于开始日期",
            ),
        ]

    def __str__(self):
        return self.label


class Target(JurisdictionOwned):
    """What one holder must achieve for one metric in one period, and the clause that says so."""

    class Holder(models.TextChoices):
        JURISDICTION = "jurisdiction", "行政区划"
        TEAM = "team", "团队"
        UNIT = "unit", "单位"
        PERSON = "person", "人员"

    policy = models.ForeignKey(
        Policy, verbose_name="政策文件", on_delete=models.CASCADE, related_name="targets"
    )
    period = models.ForeignKey(Period, verbose_name="时期", on_delete=models.CASCADE, related_name="targets")
    holder_kind = models.CharField("对象类型", max_length=20, choices=Holder.choices)
    holder_jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="行政区划",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    team = models.ForeignKey(
        Team, verbose_name="团队", null=True, blank=True, on_delete=models.CASCADE, related_name="targets"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.CASCADE, related_name="targets"
    )
    person = models.ForeignKey(
        Person, verbose_name="人员", null=True, blank=True, on_delete=models.CASCADE, related_name="targets"
    )
    group_key = models.CharField("来自分组", max_length=64, blank=True)
    metric = models.CharField("指标", max_length=64)
    metric_label = models.CharField("指标名称", max_length=100)
    # Never negative: the policy's own figures are not, and the assessment reads this value.
    value = models.DecimalField("目标值", max_digits=18, decimal_places=4, validators=[non_negative])
    uom = models.CharField("计量单位", max_length=20)
    clause = models.CharField("条款", max_length=120)
    text = BoundedTextField("原文表述", blank=True, max_length=REASON)

    class Meta:
        verbose_name = "目标任务"
        verbose_name_plural = "目标任务"
        ordering = ["policy", "holder_kind", "id"]
        constraints = [
            models.CheckConstraint(
                name="target_one_holder",
                violation_error_message="目标任务须且只能指定一个对象（行政区划、团队、单位或人员）",
                condition=(
                    Q(
                        holder_kind="jurisdiction",
                        holder_jurisdiction__isnull=False,
                        team__isnull=True,
                        unit__isnull=True,
                        person__isnull=True,
                    )
                    | Q(
                        holder_kind="team",
                        holder_jurisdiction__isnull=True,
                        team__isnull=False,
                        unit__isnull=True,
                        person__isnull=True,
                    )
                    | Q(
                        holder_kind="unit",
                        holder_jurisdiction__isnull=True,
                        team__isnull=True,
                        unit__isnull=False,
                        person__isnull=True,
                    )
                    | Q(
                        holder_kind="person",
                        holder_jurisdiction__isnull=True,
                        team__isnull=True,
                        unit__isnull=True,
                        person__isnull=False,
                    )
                ),
            ),
        ]

    def __str__(self):
        return f"{self.holder} {self.metric_label} {self.value_display}"

    @property
    def holder(self):
        return {
            "jurisdiction": self.holder_jurisdiction,
            "team": self.team,
            "unit": self.unit,
            "person": self.person,
        }[self.holder_kind]

    @property
    def value_display(self):
        v = self.value.normalize()
        return f"{v:f}{self.uom}"


class Membership(JurisdictionOwned):
    """A login's role and place: which jurisdiction, and for clerks which team or unit."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    team = models.ForeignKey(
        Team, verbose_name="团队", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "账号角色"
        verbose_name_plural = "账号角色"
        constraints = [
            models.CheckConstraint(
                name="membership_place_fits_role",
                violation_error_message=(
                    "团队联络员须指定团队；单位联络员和要素保障单位须指定单位；"
                    "系统管理员、安全管理员和审计管理员不属于任何团队或单位"
                ),
                condition=(
                    Q(role="team_clerk", team__isnull=False)
                    | Q(role__in=["unit_clerk", "support_unit"], unit__isnull=False)
                    | Q(role__in=["office", "leader", "inspector", "city"])
                    | Q(
                        role__in=["system_admin", "security_admin", "audit_admin"],
                        team__isnull=True,
                        unit__isnull=True,
                    )
                ),
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"

    def clean(self):
        """三员分立: an account is an administrator or a business user for good. A change between
        an administrator role and any other role is refused on every channel (console, command
        line, Django admin); such a person gets a second account."""
        super().clean()
        from django.core.exceptions import ValidationError

        from zhaoshang.core.roles import ADMIN_ROLES

        if self.pk is None:
            return
        stored = Membership.objects.filter(pk=self.pk).values_list("role", flat=True).first()
        if stored is None or stored == self.role:
            return
        if stored in ADMIN_ROLES or self.role in ADMIN_ROLES:
            was, now = Role(stored).label, Role(self.role).label
            raise ValidationError(
                {
                    "role": f"账号“{self.user}”是{was}，不能改为{now}：三员账号与业务账号须分开，一个账号只担任一个角色"
                }
            )
