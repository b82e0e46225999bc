"""Field work: trips, visits, receptions, events and meetings; leads; the periodic reports the
calendar asks for. Each record belongs to a unit (and the team it worked for) and counts toward
that holder's quotas (see `quotas.py`)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from zhaoshang.core.fields import LONG_TEXT, BoundedTextField
from zhaoshang.core.models import ChangeLoggedModel
from zhaoshang.core.scoping import ScopedQuerySet
from zhaoshang.core.validators import non_negative, validate_sensible_date
from zhaoshang.ledger.models import Enterprise, PrivateRecord, Project
from zhaoshang.org.models import Team, Unit

# Where a trip went or an event was held. Xiayi counts events held in its target regions
# (京津冀、长三角、珠三角、闽东南) apart from those held at home.
REGIONS = [
    ("local", "本地"),
    ("jingjinji", "京津冀"),
    ("yangtze_delta", "长三角"),
    ("pearl_delta", "珠三角"),
    ("southeast_fujian", "闽东南"),
    ("chengyu", "成渝"),
    ("other_domestic", "国内其他地区"),
    ("abroad", "境外"),
]
TARGET_REGIONS = ("jingjinji", "yangtze_delta", "pearl_delta", "southeast_fujian")
# Which meeting it was: the documents count each kind apart (兵团月度调度会议, 季度专题会, 攻坚例会).
MEETING_KINDS = [
    ("scheduling", "月度调度会"),
    ("quarterly", "季度专题会"),
    ("weekly", "例会（周）"),
    ("progress", "工作推进会"),
]


class Activity(PrivateRecord):
    class Kind(models.TextChoices):
        OUTBOUND_TRIP = "outbound_trip", "外出招商"
        VISIT = "visit", "拜访企业"
        RECEPTION = "reception", "接待客商"
        PROMOTION_EVENT = "promotion_event", "推介活动"
        MEETING = "meeting", "调度会议"

    # The fields every kind has; `KIND_FIELDS` (below the class) lists what each kind adds. A field
    # of another kind stays at its default: the form shows only the kind's own, and `clean()`
    # refuses one that is filled in (the API, the admin, the command line).
    COMMON_FIELDS = ("kind", "unit", "team", "date", "summary")
    # What a visit made on an outbound trip takes from the trip (`follow_trip`).
    FROM_TRIP = ("jurisdiction", "unit", "team", "leader", "head_led")
    # Set by a caller that validates a trip's visits itself as it saves them (the trip form).
    visits_checked_by_caller = False

    kind = models.CharField("类型", max_length=20, choices=Kind.choices, db_index=True)
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="activities")
    team = models.ForeignKey(
        Team, verbose_name="团队", null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    date = models.DateField("日期", db_index=True, validators=[validate_sensible_date])
    days = models.PositiveSmallIntegerField("天数", default=1, validators=[MinValueValidator(1)])
    leader = models.CharField("带队领导", max_length=30, blank=True)
    head_led = models.BooleanField("主要负责人带队", default=False)
    members = models.CharField("随行人员", max_length=200, blank=True)
    region = models.CharField("区域", max_length=20, choices=REGIONS, blank=True, db_index=True)
    place = models.CharField("地点", max_length=60, blank=True)
    # A trip's visits are activities of their own (kind visit) pointing at the trip, so that
    # "≥10 visits a month" is one count whether a visit was local or made on a trip.
    trip = models.ForeignKey(
        "self",
        verbose_name="所属外出招商",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="visits",
        limit_choices_to={"kind": "outbound_trip"},
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name="企业",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    # As the clerk wrote it; kept when the enterprise is not (yet) in the 客商库.
    enterprise_name = models.CharField("企业名称", max_length=120, blank=True)
    counterpart = models.CharField("对接人及职务", max_length=60, blank=True)
    merchant = models.CharField("客商", max_length=60, blank=True)
    merchants_invited = models.PositiveSmallIntegerField("邀请客商（批次）", default=0)
    projects_signed = models.ManyToManyField(
        Project, verbose_name="现场签约项目", blank=True, related_name="signed_at_events"
    )
    meeting_kind = models.CharField("会议类别", max_length=20, choices=MEETING_KINDS, blank=True)
    on_site = models.BooleanField("现场会议", default=False)
    cost_yuan = models.DecimalField(
        "费用（元）",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[non_negative],
    )
    summary = BoundedTextField("内容", blank=True, max_length=LONG_TEXT)
    minutes = BoundedTextField("会议纪要", blank=True, max_length=LONG_TEXT)

    class Meta:
        verbose_name = "招商活动"
        verbose_name_plural = "招商活动"
        ordering = ["-date", "-id"]

    def __str__(self):
        where = self.enterprise_name or self.place
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d} {where}".strip()

    def follow_trip(self) -> None:
        """A visit made on an outbound trip is the trip's: it takes the trip's jurisdiction, unit,
        team, leader and head-led flag (whatever it held before), and its place and date where
        it has none. Called before validation and on every save, so the form, the API, the
        admin and the command line file it alike; a trip's save brings its visits along."""
        if not self.trip_id or self.kind != self.Kind.VISIT:
            return
        trip = self.trip
        if trip.kind != self.Kind.OUTBOUND_TRIP:
            return  # refused by clean()
        for name in self.FROM_TRIP:
            attname = self._meta.get_field(name).attname
            setattr(self, attname, getattr(trip, attname))
        self.place = self.place or trip.place
        self.date = self.date or trip.date

    def derived_fields(self) -> tuple[str, ...]:
        """The fields this record takes from another (`follow_trip`), not from its sender."""
        if self.trip_id and self.kind == self.Kind.VISIT:
            return self.FROM_TRIP
        return ()

    def derived_message(self, name: str) -> str:
        """Why a field of this record is not the sender's to set (`follow_trip`)."""
        field = self._meta.get_field(name)
        value = getattr(self, name)
        shown = "是" if value is True else "否" if value is False else (value or "空")
        return f"归入外出招商的拜访随外出招商登记{field.verbose_name}（{shown}），不能另填"

    def full_clean(self, *args, **kwargs):
        self.follow_trip()
        super().full_clean(*args, **kwargs)

    def save(self, *args, **kwargs):
        self.follow_trip()
        super().save(*args, **kwargs)
        if self.kind == self.Kind.OUTBOUND_TRIP:
            # Each visit follows its trip: saved (and so logged) only where something changed.
            for visit in Activity.objects.filter(trip=self):
                before = [getattr(visit, self._meta.get_field(n).attname) for n in self.FROM_TRIP]
                visit.trip = self
                visit.follow_trip()
                if before != [getattr(visit, self._meta.get_field(n).attname) for n in self.FROM_TRIP]:
                    visit.save()

    def other_kinds_fields(self) -> list[str]:
        """The fields this activity's kind does not have (`KIND_FIELDS`)."""
        own = {*self.COMMON_FIELDS, *KIND_FIELDS.get(self.kind, ())}
        return [name for names in KIND_FIELDS.values() for name in names if name not in own]

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = self.trip_errors()
        if errors:
            raise ValidationError(errors)
        # A trip's visits stay within its dates; the trip form checks the visits it saves itself
        # (naming each row) and sets `visits_checked_by_caller`.
        if (
            self.kind == self.Kind.OUTBOUND_TRIP
            and self.pk
            and self.date
            and isinstance(self.days, int)
            and not self.visits_checked_by_caller
        ):
            errors = self.visits_outside(Activity.objects.filter(trip_id=self.pk).order_by("date", "pk"))
            if errors:
                raise ValidationError(errors)
        if self.pk and (
            (self.kind != self.Kind.OUTBOUND_TRIP and Activity.objects.filter(trip_id=self.pk).exists())
            or (self.kind != self.Kind.MEETING and Decision.objects.filter(activity_id=self.pk).exists())
        ):
            raise ValidationError({"kind": "该活动已登记拜访企业或议定事项，不能更改类型；请先删除它们"})
        errors = self.record_errors()
        if errors:
            raise ValidationError(errors)

    def trip_errors(self) -> dict[str, str]:
        """What is wrong with this record's trip, if it names one: only a visit goes on a trip,
        only on an outbound trip, and within its dates. Reads the trip, nothing else."""
        if not self.trip_id:
            return {}
        trip = self.trip
        if trip.kind != self.Kind.OUTBOUND_TRIP:
            return {"trip": "只能归入外出招商活动"}
        if self.kind != self.Kind.VISIT:
            return {"trip": f"只有拜访企业可归入外出招商，{self.get_kind_display()}不填写此项"}
        if self.date and not trip.date <= self.date <= trip.end_date:
            return {"date": f"拜访日期应在外出招商期间（{trip.date:%Y-%m-%d} 至 {trip.end_date:%Y-%m-%d}）"}
        return {}

    def visits_outside(self, visits) -> dict[str, str]:
        """This trip's error for the first of its visits (given, in date order) that falls outside
        its dates; {} when none does."""
        for visit in visits:
            if not self.date <= visit.date <= self.end_date:
                return {
                    "date": f"拜访企业（{visit.enterprise_name}）的日期{visit.date:%Y-%m-%d}不在外出招商期间"
                            f"（{self.date:%Y-%m-%d} 至 {self.end_date:%Y-%m-%d}），请先修改或删除该拜访"
                }  # fmt: skip
        return {}

    def record_errors(self) -> dict[str, str]:
        """The rules this record keeps by itself, without a query, by field: a visit or meeting is
        one day; a visit names its enterprise, a reception its merchant or their enterprise; an
        activity carries only its own kind's fields. `clean()` raises them; the Excel import asks
        them of its unsaved instances before its bulk write (`exchange/importer.py`)."""
        errors = {}
        # A visit or a meeting is one day's work; longer ones would inflate the days counted.
        if self.kind in (self.Kind.VISIT, self.Kind.MEETING) and self.days != 1:
            errors["days"] = "拜访企业和调度会议按1天计"
        if self.kind == self.Kind.VISIT and not (self.enterprise_name or self.enterprise_id):
            errors["enterprise_name"] = "拜访企业须填写企业名称"
        if self.kind == self.Kind.RECEPTION and not (
            self.merchant or self.enterprise_name or self.enterprise_id
        ):
            errors["merchant"] = "接待客商须填写客商或其所在企业"
        # An activity carries only its own kind's fields: one of another kind is refused, not
        # dropped (a reception has no head-led flag, a meeting no cost). Many-to-many fields
        # (现场签约项目) are not set yet here: the API's serializer asks `other_kinds_fields`.
        kind = self.get_kind_display()
        for name in dict.fromkeys(self.other_kinds_fields()):
            field = self._meta.get_field(name)
            if field.many_to_many or name in errors:
                continue
            if getattr(self, name) != field.get_default():
                errors[name] = f"{kind}不填写“{field.verbose_name}”，请留空"
        return errors

    @property
    def end_date(self):
        from datetime import timedelta

        return self.date + timedelta(days=max(self.days, 1) - 1)


K = Activity.Kind
# Which fields each kind of activity has besides `Activity.COMMON_FIELDS` (and a visit's trip).
KIND_FIELDS = {
    K.OUTBOUND_TRIP: ["days", "leader", "head_led", "members", "region", "place", "counterpart", "cost_yuan"],
    K.VISIT: ["enterprise_name", "counterpart", "leader", "head_led", "place"],
    K.RECEPTION: ["merchant", "enterprise_name", "counterpart", "leader", "days"],
    K.PROMOTION_EVENT: [
        "leader",
        "head_led",
        "region",
        "place",
        "merchants_invited",
        "projects_signed",
        "cost_yuan",
    ],
    K.MEETING: ["meeting_kind", "leader", "on_site", "place", "minutes"],
}


class ActivityPart(ChangeLoggedModel):
    """A record that belongs to an activity: seen by whoever sees the activity."""

    objects = ScopedQuerySet.as_manager()
    scope_jurisdiction = "activity__jurisdiction"
    scope_private = True
    scope_team = "activity__team"
    scope_unit = "activity__unit"

    class Meta:
        abstract = True

    def changelog_jurisdiction_path(self):
        return self.activity.jurisdiction.path


class Decision(ActivityPart):
    """A decision of a scheduling meeting: what, who answers for it, by when."""

    activity = models.ForeignKey(
        Activity, verbose_name="会议", on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.CharField("议定事项", max_length=300)
    owner = models.CharField("责任单位/责任人", max_length=60)
    due_on = models.DateField("完成时限", null=True, blank=True, validators=[validate_sensible_date])
    done_on = models.DateField("办结日期", null=True, blank=True, validators=[validate_sensible_date])

    class Meta:
        verbose_name = "议定事项"
        verbose_name_plural = "议定事项"
        ordering = ["activity", "id"]

    def __str__(self):
        return self.text


class Lead(PrivateRecord):
    """A lead (线索/信息) a unit reports; the office screens it as valid or not and grades it.
    Valid leads count toward targets; graded leads earn lead points where the policy says so."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待甄别"
        VALID = "valid", "有效"
        INVALID = "invalid", "无效"

    unit = models.ForeignKey(Unit, verbose_name="报送单位", on_delete=models.PROTECT, related_name="leads")
    team = models.ForeignKey(
        Team, verbose_name="团队", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    reported_on = models.DateField("报送日期", db_index=True, validators=[validate_sensible_date])
    title = models.CharField("信息标题", max_length=120)
    enterprise_name = models.CharField("企业名称", max_length=120, blank=True)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name="企业",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    industry = models.CharField("产业", max_length=40, blank=True)
    planned_investment = models.DecimalField(
        "拟投资额（万元）",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[non_negative],
    )
    content = BoundedTextField("信息内容", max_length=LONG_TEXT)
    activity = models.ForeignKey(
        Activity,
        verbose_name="来源活动",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    status = models.CharField(
        "甄别结果", max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    valuable = models.BooleanField("有价值信息", default=False)
    grade = models.CharField("线索等级", max_length=60, blank=True)
    points = models.DecimalField("线索积分", max_digits=6, decimal_places=2, default=Decimal("0"))
    screened_at = models.DateTimeField("甄别时间", null=True, blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="甄别人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    screening_note = models.CharField("甄别意见", max_length=200, blank=True)
    project = models.ForeignKey(
        Project,
        verbose_name="转化项目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )

    class Meta:
        verbose_name = "线索信息"
        verbose_name_plural = "线索信息"
        ordering = ["-reported_on", "-id"]

    def __str__(self):
        return self.title


class Report(PrivateRecord):
    """One periodic report (信息报送) due from a unit or team under the policy's calendar."""

    calendar_key = models.CharField("报送事项", max_length=64)
    name = models.CharField("名称", max_length=100)
    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    team = models.ForeignKey(
        Team, verbose_name="团队", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    covers_start = models.DateField("所报期间起", validators=[validate_sensible_date])
    covers_end = models.DateField("所报期间止", validators=[validate_sensible_date])
    due_on = models.DateField("截止日期", db_index=True, validators=[validate_sensible_date])
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    content = BoundedTextField("报送内容", blank=True, max_length=LONG_TEXT)
    reopened_at = models.DateTimeField("退回时间", null=True, blank=True)
    reopen_reason = models.CharField("退回理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "信息报送"
        verbose_name_plural = "信息报送"
        ordering = ["-due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False) | models.Q(team__isnull=False),
                name="report_has_holder",
                violation_error_message="信息报送须指定单位或团队",
            ),
            # Scheduling twice (or two schedulers at once) never makes a second report. NULLs are
            # distinct in unique indexes (and SQLite cannot say otherwise), hence one per holder kind.
            *(
                models.UniqueConstraint(
                    fields=["calendar_key", *holder, "covers_start", "covers_end"],
                    condition=cond,
                    name=f"report_unique_{name}",
                    violation_error_message="该单位该期已有此项报送",
                )
                for name, holder, cond in [
                    ("unit", ["unit"], models.Q(team__isnull=True)),
                    ("team", ["team"], models.Q(unit__isnull=True)),
                    ("unit_team", ["unit", "team"], models.Q(unit__isnull=False, team__isnull=False)),
                ]
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.due_on:%Y-%m-%d}"

    @property
    def status(self) -> str:
        from django.utils import timezone

        return report_status(self.due_on, self.submitted_at, timezone.localdate())

    STATUS_LABELS = {"missing": "未报送", "due": "待报送", "on_time": "按时", "late": "逾期"}

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS[self.status]


def report_status(due_on, submitted_at, today) -> str:
    """on_time / late by the local date of submission; due / missing by today's date: a report is
    missing from the day after its deadline."""
    from django.utils import timezone

    if submitted_at is None:
        return "missing" if due_on < today else "due"
    return "on_time" if timezone.localtime(submitted_at).date() <= due_on else "late"
