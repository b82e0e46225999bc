"""Assessment: versioned results of running a policy's rules over a period, and the facts the
office enters that the ledger and field work cannot know (statistics, surveys, decisions,
award amounts, evaluations of landed projects, transfers between counties).

The rules themselves are evaluated by the pure engine (`zhaoshang.engine.assess`); this app
gathers the facts (`facts.py`), stores each run's JSON, and locks it once published.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from zhaoshang.core.roles import WIDE_ROLES
from zhaoshang.core.scoping import ScopedQuerySet, membership
from zhaoshang.core.validators import non_negative, validate_sensible_date, validate_sensible_year
from zhaoshang.ledger.models import Project, ProjectPart
from zhaoshang.org.models import Jurisdiction, JurisdictionOwned, Person, Policy, Team, Unit

from .periods import OfficePeriod


class RunQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Drafts are the office's until published; everyone in the jurisdiction reads results."""
        qs = super().visible_to(user)
        m = membership(user)
        if user.is_authenticated and not user.is_superuser and (m is None or m.role not in WIDE_ROLES):
            qs = qs.exclude(status=AssessmentRun.Status.DRAFT)
        return qs


class AssessmentRun(JurisdictionOwned):
    """One evaluation of a policy over a period. Drafts may be run again; a published version is
    locked, and a correction is a new version with its reason."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        SUPERSEDED = "superseded", "已被更正"

    policy = models.ForeignKey(Policy, verbose_name="政策文件", on_delete=models.PROTECT, related_name="runs")
    period = models.CharField("考核期", max_length=40, help_text="2024、2024-06、2023-Q3、2023-06..2023-08")
    version = models.PositiveIntegerField("版本")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    result = models.JSONField("结果")
    forecast = models.JSONField("预测与预警", default=dict, blank=True)
    notes = models.JSONField("数据说明", default=list, blank=True)
    # The organisation and targets the run was computed on (org/effective.py): a correction of a
    # published period reuses them, so an edit made since does not rewrite that period.
    organisation = models.JSONField("组织与目标", default=dict, blank=True)
    as_of = models.DateField("数据截至", validators=[validate_sensible_date])
    reason = models.CharField("更正理由", max_length=300, blank=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="计算人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    objects = RunQuerySet.as_manager()
    office_editable = False
    changelog_exclude = ("created", "updated", "result", "forecast", "organisation")

    class Meta:
        verbose_name = "考核结果"
        verbose_name_plural = "考核结果"
        ordering = ["policy", "-period", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "period", "version"],
                name="run_unique_version",
                violation_error_message="该考核期已有此版本",
            ),
            # At most one published version of a period at a time.
            models.UniqueConstraint(
                fields=["policy", "period"],
                condition=Q(status="published"),
                name="run_one_published",
                violation_error_message="该考核期已有发布的结果",
            ),
        ]

    def __str__(self):
        return f"{self.policy.name} {self.period} 第{self.version}版"

    def save(self, *args, **kwargs):
        # A published version is locked: the only change left to it is being superseded.
        if self.pk:
            locked = ("status", "result", "forecast", "notes", "as_of", "reason", "period", "version")
            stored = type(self).objects.filter(pk=self.pk).values(*locked).first()
            if stored and stored["status"] != self.Status.DRAFT:
                changed = [f for f in locked[1:] if stored[f] != getattr(self, f)]
                if changed or self.status == self.Status.DRAFT:
                    raise ValidationError("已发布的考核结果已锁定，如需更正请重新计算并填写更正理由")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status != self.Status.DRAFT:
            raise ValidationError("已发布的考核结果不能删除")
        return super().delete(*args, **kwargs)


class HolderRef(JurisdictionOwned):
    """A fact about one holder of a policy: a team, a unit, a person or a jurisdiction."""

    class Holder(models.TextChoices):
        JURISDICTION = "jurisdiction", "行政区划"
        TEAM = "team", "团队"
        UNIT = "unit", "单位"
        PERSON = "person", "人员"

    # The office's working papers: read by the office, leaders, inspectors and the city.
    scope_roles = WIDE_ROLES

    policy = models.ForeignKey(Policy, verbose_name="政策文件", on_delete=models.CASCADE, related_name="+")
    holder_kind = models.CharField("对象类型", max_length=20, choices=Holder.choices)
    team = models.ForeignKey(
        Team, verbose_name="团队", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name="人员", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    holder_jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="行政区划（对象）", null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip

    class Meta:
        abstract = True

    @property
    def holder(self):
        return {
            "jurisdiction": self.holder_jurisdiction,
            "team": self.team,
            "unit": self.unit,
            "person": self.person,
        }.get(self.holder_kind)

    def clean(self):
        chosen = {
            k: v
            for k, v in (
                ("team", self.team_id),
                ("unit", self.unit_id),
                ("person", self.person_id),
                ("jurisdiction", self.holder_jurisdiction_id),
            )
            if v
        }
        if list(chosen) != [self.holder_kind]:
            label = dict(self.Holder.choices).get(self.holder_kind, "对象")
            raise ValidationError(f"对象类型为“{label}”时，须且只能选择一个{label}")


def validate_token(value: str) -> None:
    """A calendar token the engine reads: 2024-06, 2024-Q3, 2024-H1 or 2024."""
    from zhaoshang.engine.periods import token_span

    try:
        token_span(value)
    except Exception:
        raise ValidationError(f"期间“{value}”应写作 2024-06（月）、2024-Q3、2024-H1 或 2024") from None


# --- What a policy lets the office enter ----------------------------------------------------------
#
# One place that every path asks (forms, API, Excel import): a statistic names a metric the policy
# knows (its `metrics:` section, or a common metric the ledger and field work do not count), an
# office decision a key a rule of the policy reads, an award amount a rule of the policy, and a
# period the policy covers.

# The office's words for the decision keys the documents' rules read (`office_named`,
# `previous_office_named`); a key not listed here reads as the title of the rule naming it.
DECISION_LABELS = {
    "poor_completion": "完成任务较差",
    "poor_monthly": "当月完成任务和提供信息较差",
    "poor_information": "项目信息质量差",
    "falsification": "弄虚作假",
    "falsification_serious": "弄虚作假情节严重",
    "bottom_three": "上年度后三名",
}


def _per_content(read):
    """`read(policy)` remembered per policy content (a list page asks it for every row)."""
    cache: dict[str, dict] = {}

    def cached(policy) -> dict[str, str]:
        key = policy.content_hash or policy.content_json
        if key not in cache:
            if len(cache) > 50:
                cache.clear()
            cache[key] = read(policy)
        return dict(cache[key])

    cached.__doc__ = read.__doc__
    return cached


@_per_content
def policy_metrics(policy) -> dict[str, str]:
    """{key: Chinese label} of the statistics the office may enter for `policy`: the metrics its
    file declares, then the common ones neither the ledger nor field work counts."""
    from zhaoshang.assessment.facts import RECORD_METRICS, ledger_metrics
    from zhaoshang.engine.metrics import COMMON_METRICS

    spec = policy.spec()
    counted = ledger_metrics()
    # Not those the file counts from the ledger's projects in its own words (超亿元项目…), nor
    # those counted from other records (facts.RECORD_METRICS: packaged projects, up/downstream
    # firms…): one source of truth.
    out = {m.key: m.label for m in spec.metrics if m.projects is None and m.key not in RECORD_METRICS}
    for key, m in COMMON_METRICS.items():
        if key not in out and key not in counted:
            out[key] = m.label
    return out


@_per_content
def policy_decisions(policy) -> dict[str, str]:
    """{key: Chinese label} of the office decisions the policy's rules read."""
    out: dict[str, str] = {}
    for rule in policy.spec().rules:
        text = rule.model_dump_json()
        for key in re.findall(r'"(?:previous_)?office_named":\s*"([A-Za-z0-9_-]+)"', text):
            out.setdefault(key, DECISION_LABELS.get(key) or rule.title)
    return out


@_per_content
def policy_award_rules(policy) -> dict[str, str]:
    """{rule id: title} of the rules an award amount may be set for (amounts by grade or by holder)."""
    return {r.id: r.title for r in policy.spec().rules if r.type in ("award_quota", "project_award")}


def policy_period_problem(policy, period: str, *, earlier: bool = False) -> str | None:
    """Why `period` (a calendar token) is not one of the policy's, if so: it must lie within the
    policy's dates, or (`earlier`, for last year's results the office enters) end before them."""
    from zhaoshang.engine.periods import token_span

    try:
        span = token_span(period)
    except Exception:
        return None  # the field's own validator names the format
    if span.start >= policy.start and span.end <= policy.end:
        return None
    if earlier and span.end < policy.start:
        return None
    text = f"期间“{period}”不在政策文件“{policy.title}”的考核期内（{policy.start:%Y-%m-%d} 至 {policy.end:%Y-%m-%d}）"
    return text + ("；上年度等以前的认定可填写更早的期间" if earlier else "")


def growth_base_period(policy, metric: str, period: str) -> bool:
    """Whether `period` lies in a year a growth rule of the policy reads `metric` for as its base,
    before the policy's own periods (`engine.evaluators.growth_base_years`)."""
    from zhaoshang.engine.evaluators import growth_base_years
    from zhaoshang.engine.periods import token_span

    try:
        span = token_span(period)
    except Exception:
        return False
    years = growth_base_years(policy.spec()).get(metric, set())
    return span.start.year == span.end.year and span.start.year in years


def _counted_metrics() -> set[str]:
    from zhaoshang.assessment.facts import RECORD_METRICS

    return set(RECORD_METRICS)


class MetricValue(OfficePeriod, HolderRef):
    """A statistic the office enters or imports for a holder and a month (exports, output, tax…):
    what the ledger and field work cannot count themselves."""

    metric = models.CharField("指标", max_length=64)
    period = models.CharField(
        "月份/期间",
        max_length=20,
        validators=[validate_token],
        help_text="2024-06（月）、2024-Q3、2024-H1 或 2024",
    )
    value = models.DecimalField("数值", max_digits=18, decimal_places=4)
    source = models.CharField("数据来源", max_length=100, blank=True)

    class Meta:
        verbose_name = "统计数据"
        verbose_name_plural = "统计数据"
        ordering = ["policy", "metric", "period", "id"]

    def __str__(self):
        return f"{self.holder} {self.metric} {self.period} {self.value.normalize():f}"

    def clean(self):
        super().clean()
        if not self.policy_id:
            return
        errors = {}
        known = policy_metrics(self.policy)
        if self.metric and self.metric not in known and self.metric in _counted_metrics():
            errors["metric"] = f"指标“{self.metric}”由系统根据台账记录自动统计，不能手工录入"
        elif self.metric and self.metric not in known:
            errors["metric"] = (
                f"指标“{self.metric}”不是政策文件“{self.policy.title}”的统计指标，"
                f"可选：{'、'.join(known.values())}"
            )
        problem = self.period and policy_period_problem(self.policy, self.period)
        if problem and self.metric and growth_base_period(self.policy, self.metric, self.period):
            problem = None  # the base year a growth rule reads (2022 for 2023–2025's 年均增速)
        if problem:
            errors["period"] = problem
        if errors:
            raise ValidationError(errors)

    @property
    def metric_label(self) -> str:
        return policy_metrics(self.policy).get(self.metric, self.metric) if self.policy_id else self.metric


class SurveyScore(OfficePeriod, HolderRef):
    """A holder's score in a satisfaction survey (满意度测评)."""

    period = models.CharField(
        "测评期", max_length=20, validators=[validate_token], help_text="如 2021-H1、2021"
    )
    score = models.DecimalField("得分", max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = "满意度测评"
        verbose_name_plural = "满意度测评"
        ordering = ["policy", "period", "-score"]

    def __str__(self):
        return f"{self.holder} {self.period} {self.score}"

    def clean(self):
        super().clean()
        problem = self.policy_id and self.period and policy_period_problem(self.policy, self.period)
        if problem:
            raise ValidationError({"period": problem})


class OfficeDecision(OfficePeriod, HolderRef):
    """A judgement the document leaves to the office (“完成任务较差”, the major-project list…),
    under the key a rule's condition names."""

    key = models.CharField("认定事项", max_length=64)
    period = models.CharField(
        "期间", max_length=20, blank=True, validators=[validate_token], help_text="空为不限期间"
    )
    reason = models.CharField("依据", max_length=300, blank=True)

    class Meta:
        verbose_name = "认定事项"
        verbose_name_plural = "认定事项"
        ordering = ["policy", "key", "id"]

    def __str__(self):
        return f"{self.key} {self.holder}"

    def clean(self):
        super().clean()
        if not self.policy_id:
            return
        errors = {}
        known = policy_decisions(self.policy)
        if self.key and self.key not in known:
            choices = (
                "、".join(f"{label}（{key}）" for key, label in known.items())
                or "无（该政策文件没有由办公室认定的事项）"
            )
            errors["key"] = (
                f"认定事项“{self.key}”不是政策文件“{self.policy.title}”的规则所读的事项，可选：{choices}"
            )
        problem = self.period and policy_period_problem(self.policy, self.period, earlier=True)
        if problem:
            errors["period"] = problem
        if errors:
            raise ValidationError(errors)


class AwardDecision(HolderRef):
    """An amount the leading group set: for a grade of an award rule (一等奖…, no holder needed
    then choose the holder the grade is for), or for a project award to a holder."""

    holder_kind = models.CharField("对象类型", max_length=20, choices=HolderRef.Holder.choices, blank=True)
    rule = models.CharField("规则", max_length=64)
    grade = models.CharField(
        "等次", max_length=40, blank=True, help_text="按等次设定金额时填写，此时不选对象"
    )
    project = models.ForeignKey(
        Project, verbose_name="项目", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount_wan = models.DecimalField(
        "金额（万元）", max_digits=12, decimal_places=4, validators=[non_negative]
    )

    class Meta:
        verbose_name = "奖励金额"
        verbose_name_plural = "奖励金额"
        ordering = ["policy", "rule", "id"]

    def __str__(self):
        return f"{self.rule} {self.grade or self.holder} {self.amount_wan.normalize():f}万元"

    def clean(self):
        if self.grade and not self.holder_kind:
            self._check_rule()
            return  # an amount for every holder of the grade
        if not self.grade and not self.holder_kind:
            raise ValidationError("请填写等次，或选择奖励对象")
        super().clean()
        self._check_rule()

    def _check_rule(self):
        if not self.policy_id or not self.rule:
            return
        known = policy_award_rules(self.policy)
        if self.rule not in known:
            choices = "、".join(f"{title}（{key}）" for key, title in known.items()) or "无"
            raise ValidationError(
                {"rule": f"规则“{self.rule}”不是政策文件“{self.policy.title}”的奖励规则，可选：{choices}"}
            )
        grades = [g.grade for g in getattr(self.policy.spec().rule(self.rule), "grades", [])]
        if self.grade and self.grade not in grades:
            choices = "、".join(grades) or "无（该规则按对象设定金额，不分等次）"
            raise ValidationError({"grade": f"等次“{self.grade}”不是该规则的等次，可选：{choices}"})


class PersonReward(JurisdictionOwned):
    """A reward proposed for one person (有功人员), in 元, checked against the per-person cap."""

    scope_roles = WIDE_ROLES

    policy = models.ForeignKey(Policy, verbose_name="政策文件", on_delete=models.CASCADE, related_name="+")
    person = models.CharField("姓名", max_length=30)
    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount_yuan = models.DecimalField(
        "金额（元）", max_digits=12, decimal_places=2, validators=[non_negative]
    )
    on = models.DateField("日期", validators=[validate_sensible_date])
    reason = models.CharField("事由", max_length=200, blank=True)

    class Meta:
        verbose_name = "个人奖励"
        verbose_name_plural = "个人奖励"
        ordering = ["policy", "-on", "id"]

    def __str__(self):
        return f"{self.person} {self.amount_yuan}元"


class ProjectEvaluation(ProjectPart):
    """One year's check of a landed project (Sanming's 3-year rolling evaluation)."""

    office_only = True  # a clerk must not certify their own project

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField("年度", validators=[validate_sensible_year])
    in_statistics = models.BooleanField("已入统", null=True, blank=True)
    tax_paid = models.BooleanField("有税收", null=True, blank=True)
    investment_verified = models.BooleanField("投资额属实", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    # Generated each year from the ledger's facts (ledger/performance.py evaluations_generate):
    # a proposal the assessment does not read until the office confirms it (recorded).
    proposed = models.BooleanField("系统生成待确认", default=False, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", editable=False,
    )  # fmt: skip
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "落地项目评估"
        verbose_name_plural = "落地项目评估"
        ordering = ["project", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"],
                name="evaluation_unique_year",
                violation_error_message="该项目该年度已评估",
            )
        ]

    def __str__(self):
        return f"{self.project} {self.year}年评估"


class ProjectTax(ProjectPart):
    """Local tax a project paid in a month, as the tax office reports it. Sanming §11 splits a
    transferred project's tax between the two counties from its first tax on."""

    office_only = True

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="taxes")
    month = models.DateField("月份", help_text="当月任意一天均记为该月", validators=[validate_sensible_date])
    amount_wan = models.DecimalField(
        "地方税收（万元）", max_digits=14, decimal_places=2, validators=[non_negative]
    )

    class Meta:
        verbose_name = "项目税收"
        verbose_name_plural = "项目税收"
        ordering = ["project", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month"], name="project_tax_unique_month",
                violation_error_message="该项目该月已有税收记录",
            )
        ]  # fmt: skip

    def __str__(self):
        return f"{self.project} {self.month:%Y-%m} 税收"

    def clean(self):
        if self.amount_wan is not None and self.amount_wan < 0:
            raise ValidationError({"amount_wan": "税收金额不能为负数"})

    def save(self, *args, **kwargs):
        if self.month:
            self.month = self.month.replace(day=1)
        super().save(*args, **kwargs)


class ProjectTransfer(ProjectPart):
    """A project handed from the county that introduced it to the one that hosts it (项目流转):
    tax split from first tax, indicators from construction start, at the policy's ratio unless
    this project's negotiated one is given."""

    office_only = True

    project = models.OneToOneField(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="transfer"
    )
    hosting = models.ForeignKey(
        Jurisdiction, verbose_name="落地县", on_delete=models.PROTECT, related_name="+"
    )
    introducing_share = models.DecimalField(
        "引进方分成比例", max_digits=5, decimal_places=4, null=True, blank=True,
        help_text="不填则按政策文件（如 3:7 即 0.3）",
    )  # fmt: skip
    agreed_on = models.DateField("流转日期", validators=[validate_sensible_date])

    class Meta:
        verbose_name = "项目流转"
        verbose_name_plural = "项目流转"
        ordering = ["-agreed_on"]

    def __str__(self):
        return f"{self.project} → {self.hosting}"

    def clean(self):
        if self.introducing_share is not None and not (0 <= self.introducing_share <= 1):
            raise ValidationError({"introducing_share": "分成比例应在 0 到 1 之间"})
        if self.project_id and self.hosting_id == self.project.jurisdiction_id:
            raise ValidationError({"hosting": "落地县不能是项目引进地本身"})
