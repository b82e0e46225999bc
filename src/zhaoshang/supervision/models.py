"""Supervision (督办): the duties of each policy tracked as obligations per holder and period
(`DutyObligation`), the problem list (`Problem`, 问题清单) worked through by the support units
with lights and escalation, and leaders' instructions (`Instruction`, 领导批示) with replies."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When

from zhaoshang.core.fields import LONG_TEXT, REASON, BoundedTextField
from zhaoshang.core.models import ChangeLoggedModel
from zhaoshang.core.scoping import ScopedQuerySet
from zhaoshang.core.uploads import validate_evidence
from zhaoshang.core.validators import validate_sensible_date
from zhaoshang.ledger.models import PrivateRecord
from zhaoshang.org.models import JurisdictionOwned, Person, Policy, Team, Unit

# --- Duties ---------------------------------------------------------------------------------------

DUTY_STATUSES = {"pending": "待办", "done": "已完成", "overdue": "逾期", "not_applicable": "不适用"}
DUTY_STATUS_CHOICES = list(DUTY_STATUSES.items())


def duty_status(*, due_on, completed_at, not_applicable: bool, today) -> str:
    """待办 / 已完成 / 逾期 (past its due date, not done) / 不适用: the one definition
    (`DutyObligationQuerySet.with_status` says the same in SQL)."""
    if not_applicable:
        return "not_applicable"
    if completed_at is not None:
        return "done"
    return "overdue" if due_on < today else "pending"


class DutyObligationQuerySet(ScopedQuerySet):
    def with_status(self, today):
        """Annotates `state` (a key of DUTY_STATUSES) as of `today`, for filters and counts."""
        return self.annotate(
            state=Case(
                When(~Q(not_applicable_reason=""), then=Value("not_applicable")),
                When(completed_at__isnull=False, then=Value("done")),
                When(due_on__lt=today, then=Value("overdue")),
                default=Value("pending"),
                output_field=models.CharField(),
            )
        )

    def status_is(self, status: str, today):
        """Obligations in one status as of `today` (plain filters, no annotation)."""
        na = ~Q(not_applicable_reason="")
        open_ = Q(not_applicable_reason="", completed_at__isnull=True)
        q = {
            "not_applicable": na,
            "done": Q(not_applicable_reason="", completed_at__isnull=False),
            "overdue": open_ & Q(due_on__lt=today),
            "pending": open_ & Q(due_on__gte=today),
        }.get(status)
        return self if q is None else self.filter(q)


class DutyObligation(PrivateRecord):
    """One duty (职责/任务清单) of a policy owed by one holder for one period: a unit, a team, or
    (neither) the office of the jurisdiction. Made by `duties.duties_schedule`, never by hand;
    closed by its holder with evidence, by the platform's own records (`proved_by`), or marked
    不适用 by the office with a reason."""

    policy = models.ForeignKey(Policy, verbose_name="政策文件", on_delete=models.CASCADE, related_name="+")
    rule = models.CharField("职责规则", max_length=64, db_index=True)
    title = models.CharField("职责", max_length=300)
    clause = models.CharField("条款", max_length=120, blank=True)
    group_key = models.CharField("对象分组", max_length=64, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        Team, verbose_name="团队", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField("期间起", validators=[validate_sensible_date])
    period_end = models.DateField("期间止", validators=[validate_sensible_date])
    due_on = models.DateField("截止日期", db_index=True, validators=[validate_sensible_date])
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完成人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completion_note = BoundedTextField("完成情况", blank=True, max_length=REASON)
    # What in the platform's records closed it: [{"text": …, "url": …}] (duties.duties_prove).
    proved_by = models.JSONField("自动销号依据", default=list, blank=True)
    evidence = models.FileField(
        "佐证材料", upload_to="duties/%Y/%m/", blank=True, validators=[validate_evidence]
    )
    # Links to records in the platform the holder names as evidence: [{"text": …, "url": …}].
    evidence_links = models.JSONField("佐证链接", default=list, blank=True)
    not_applicable_reason = BoundedTextField("不适用理由", blank=True, max_length=REASON)
    not_applicable_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="认定不适用人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    not_applicable_at = models.DateTimeField("认定不适用时间", null=True, blank=True)

    objects = DutyObligationQuerySet.as_manager()

    class Meta:
        verbose_name = "职责任务"
        verbose_name_plural = "职责任务"
        ordering = ["due_on", "rule", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="duty_period_ordered",
                violation_error_message="期间止不能早于期间起",
            ),
            # Scheduling twice never makes a second obligation. NULLs are distinct in unique
            # indexes (and SQLite cannot say otherwise), hence one constraint per holder kind.
            *(
                models.UniqueConstraint(
                    fields=["policy", "rule", *holder, "period_start"],
                    condition=cond,
                    name=f"duty_unique_{name}",
                    violation_error_message="该对象该期已有此项职责任务",
                )
                for name, holder, cond in [
                    ("unit", ["unit"], Q(team__isnull=True, unit__isnull=False)),
                    ("team", ["team"], Q(unit__isnull=True, team__isnull=False)),
                    ("unit_team", ["unit", "team"], Q(unit__isnull=False, team__isnull=False)),
                    ("office", [], Q(unit__isnull=True, team__isnull=True)),
                ]
            ),
        ]

    def __str__(self):
        return f"{self.title[:40]}（{self.holder_label}，{self.period_label}）"

    @property
    def holder(self):
        return self.team or self.unit

    @property
    def holder_label(self) -> str:
        h = self.holder
        return str(h) if h is not None else "招商办（本级）"

    @property
    def period_label(self) -> str:
        if self.period_start == self.period_end:
            return f"{self.period_start:%Y-%m-%d}"
        return f"{self.period_start:%Y-%m-%d} 至 {self.period_end:%Y-%m-%d}"

    def status_on(self, today) -> str:
        return duty_status(
            due_on=self.due_on,
            completed_at=self.completed_at,
            not_applicable=bool(self.not_applicable_reason),
            today=today,
        )

    @property
    def status(self) -> str:
        from django.utils import timezone

        return self.status_on(timezone.localdate())

    @property
    def status_label(self) -> str:
        return DUTY_STATUSES[self.status]

    def clean(self):
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": "期间止不能早于期间起"})
        if self.not_applicable_reason and self.completed_at is not None:
            raise ValidationError({"not_applicable_reason": "已完成的职责任务不能再认定不适用，请先重新打开"})
        for name in ("evidence_links", "proved_by"):
            links = getattr(self, name) or []
            if not isinstance(links, list) or not all(
                isinstance(x, dict) and str(x.get("text", "")).strip() for x in links
            ):
                label = self._meta.get_field(name).verbose_name
                raise ValidationError({name: f"{label}须为若干条链接，每条须有说明文字"})


class DutyReminder(models.Model):
    """One reminder about one obligation to one channel on one day (截止前提醒 or 逾期提醒), and
    what became of it. The unique constraint is what makes it go out at most once per day: the
    row is inserted before anything is sent. Not in the change log (it is itself a log of sends),
    like notify's Delivery."""

    class Reason(models.TextChoices):
        DUE_SOON = "due_soon", "截止前提醒"
        OVERDUE = "overdue", "逾期提醒"

    class Status(models.TextChoices):
        PENDING = "pending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    channel = models.ForeignKey(
        "notify.Channel", verbose_name="提醒渠道", on_delete=models.PROTECT, related_name="+"
    )
    obligation = models.ForeignKey(
        DutyObligation, verbose_name="职责任务", on_delete=models.CASCADE, related_name="reminders"
    )
    reason = models.CharField("事由", max_length=10, choices=Reason.choices)
    day = models.DateField("提醒日期")
    message = BoundedTextField("内容", max_length=REASON)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    error = BoundedTextField("错误", blank=True, max_length=REASON)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_jurisdiction = "channel__jurisdiction"
    scope_private = True
    scope_team = "channel__team"
    scope_unit = "channel__unit"

    class Meta:
        verbose_name = "职责提醒记录"
        verbose_name_plural = "职责提醒记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "obligation", "day"],
                name="duty_reminder_once_a_day",
                violation_error_message="该职责任务今日已提醒过",
            )
        ]

    def __str__(self):
        return f"{self.obligation} · {self.get_reason_display()} · {self.day:%Y-%m-%d}"


# --- Problems and instructions ----------------------------------------------------------------
#
# 问题清单 (xiayi 003 §二(四)3 “分类建立问题清单库，挂图作战、限期销号”; §二(三)1 the office collects
# the problems of key projects, pushes them to the task force and follows them through 全过程跟踪督办;
# §二(四)2 企业联系人): a problem of a project or an enterprise, raised by a clerk, from the enterprise's
# liaison or by a meeting's decision, assigned to a support unit (要素保障单位, xinfeng 000 §二(三)2
# and 附件2) with a deadline in working days (no document fixes the number); closed (销号) only with the resolution and the requester's confirmation
# (supervision/problems.py holds every transition). 领导批示: a leader's instruction on a project
# or a problem to a unit or team, with its deadline and the replies.

MAX_WORKDAYS = 250  # a year of working days: a longer deadline is a typing error


class Problem(JurisdictionOwned):
    """One problem on the list (问题清单). Private to the unit and team that raised it (the
    requester) and to the support unit it is assigned to; the office, leaders and inspectors see
    them all."""

    class Source(models.TextChoices):
        CLERK = "clerk", "联络员提出"
        LIAISON = "liaison", "企业联系人反映"
        MEETING = "meeting", "调度会议议定"

    class Status(models.TextChoices):
        OPEN = "open", "待办"
        IN_PROGRESS = "in_progress", "办理中"
        RESOLVED = "resolved", "已办结（待确认）"
        CLOSED = "closed", "已销号"

    class Light(models.TextChoices):
        GREEN = "green", "绿灯"
        YELLOW = "yellow", "黄灯"
        RED = "red", "红灯"

    project = models.ForeignKey(
        "ledger.Project",
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="problems",
    )
    enterprise = models.ForeignKey(
        "ledger.Enterprise",
        verbose_name="企业",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="problems",
    )
    title = models.CharField("问题", max_length=120)
    description = BoundedTextField("问题描述", max_length=LONG_TEXT, blank=True)
    source = models.CharField("问题来源", max_length=10, choices=Source.choices, default=Source.CLERK)
    decision = models.ForeignKey(
        "fieldwork.Decision",
        verbose_name="会议议定事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    requester_unit = models.ForeignKey(
        Unit, verbose_name="提出单位", on_delete=models.PROTECT, related_name="problems_raised"
    )
    requester_team = models.ForeignKey(
        Team,
        verbose_name="提出团队",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems_raised",
    )
    support_unit = models.ForeignKey(
        Unit, verbose_name="要素保障单位", on_delete=models.PROTECT, related_name="problems_assigned"
    )
    responsible_leader = models.ForeignKey(
        Person,
        verbose_name="责任领导",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
        help_text="不填则取项目的责任领导",
    )
    raised_on = models.DateField("提出日期", validators=[validate_sensible_date])
    deadline_workdays = models.PositiveSmallIntegerField(
        "办理时限（工作日）", validators=[MinValueValidator(1), MaxValueValidator(MAX_WORKDAYS)]
    )
    due_on = models.DateField("办结期限", editable=False, db_index=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True, editable=False
    )
    started_on = models.DateField("开始办理日期", null=True, blank=True, editable=False)
    resolution = BoundedTextField("办理结果", max_length=LONG_TEXT, blank=True, editable=False)
    resolved_on = models.DateField("办结日期", null=True, blank=True, editable=False)
    closed_on = models.DateField("销号日期", null=True, blank=True, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认销号人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    rejection_reason = BoundedTextField("退回理由", max_length=REASON, blank=True, editable=False)
    rejections = models.PositiveSmallIntegerField("退回次数", default=0, editable=False)
    escalated_at = models.DateTimeField("逾期督办时间", null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_private = True
    scope_team = "requester_team"
    scope_unit = ("requester_unit", "support_unit")
    search_fields = ("title",)

    class Meta:
        verbose_name = "问题清单"
        verbose_name_plural = "问题清单"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["jurisdiction", "status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False, enterprise__isnull=True)
                | Q(project__isnull=True, enterprise__isnull=False),
                name="problem_project_or_enterprise",
                violation_error_message="问题须关联一个项目或一个企业（二者选一）",
            ),
        ]

    def __str__(self):
        return self.title

    @classmethod
    def changeable_by(cls, m, obj: "Problem | None") -> bool:
        """Who of those who see a problem may file or edit it (core/scoping.py can_change): the
        office, and the clerks of the unit or team that raised it. A support unit (要素保障单位)
        neither raises problems nor edits one assigned to it: it takes it up and resolves it
        through its services (supervision/problems.py)."""
        from zhaoshang.core.roles import Role

        if m.role == Role.OFFICE:
            return True
        if m.role not in (Role.TEAM_CLERK, Role.UNIT_CLERK):
            return False
        if obj is None or obj.pk is None:
            return True
        if obj.status == cls.Status.CLOSED:
            return False  # 已销号: closed for good, except for the office
        if m.role == Role.TEAM_CLERK:
            return obj.requester_team_id is not None and obj.requester_team_id == m.team_id
        return obj.requester_unit_id == m.unit_id

    @property
    def subject(self):
        """The project or enterprise the problem is about."""
        return self.project if self.project_id else self.enterprise

    def clean(self):
        super().clean()
        if self.pk and Problem.objects.filter(pk=self.pk, status=self.Status.CLOSED).exists():
            raise ValidationError("问题已销号，不能再修改")
        errors = {}
        if bool(self.project_id) == bool(self.enterprise_id):
            errors["project"] = "项目和企业须填写其中一个（问题是项目的就填项目，否则填企业）"
        if self.source == self.Source.MEETING and not self.decision_id:
            errors["decision"] = "来源为调度会议议定的问题须选择会议议定事项"
        if self.source != self.Source.MEETING and self.decision_id:
            errors["decision"] = "只有来源为调度会议议定的问题才关联会议议定事项"
        if self.support_unit_id and self.requester_unit_id and self.support_unit_id == self.requester_unit_id:
            errors["support_unit"] = "要素保障单位不能是提出单位本身"
        subject = self.subject
        if subject is not None and self.support_unit_id:
            jurisdiction_id = (
                Unit.objects.filter(pk=self.support_unit_id).values_list("jurisdiction_id", flat=True).first()
            )
            if jurisdiction_id != subject.jurisdiction_id:
                errors["support_unit"] = "要素保障单位须是项目（企业）所在行政区划的单位"
        if errors:
            raise ValidationError(errors)
        self.derive()

    def derive(self) -> None:
        """What follows from the fields the user fills: where the problem lives (its project's or
        enterprise's jurisdiction), the responsible leader (the project's, 五个一, unless named),
        and the due date: `deadline_workdays` working days after it was raised, on the holiday
        calendar."""
        from zhaoshang.holidays.calendar import add_workdays

        subject = self.subject
        if subject is not None:
            self.jurisdiction_id = subject.jurisdiction_id
            if self.responsible_leader_id is None and self.project_id:
                self.responsible_leader_id = self.project.responsible_leader_id
        if self.raised_on and self.deadline_workdays:
            self.due_on = add_workdays(self.raised_on, int(self.deadline_workdays))

    def save(self, *args, **kwargs):
        if self.due_on is None or self.jurisdiction_id is None:
            self.derive()
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)

    def light_on(self, day: date) -> str:
        """绿灯/黄灯/红灯 as of `day` (problems.light); "" once resolved or closed."""
        from .problems import light

        return light(self, day)

    @property
    def light(self) -> str:
        from django.utils import timezone

        return self.light_on(timezone.localdate())

    @property
    def light_label(self) -> str:
        return self.Light(self.light).label if self.light else ""


class Instruction(JurisdictionOwned):
    """A leader's instruction (领导批示) on a project or a problem, to a unit or a team, with a
    deadline; the addressee replies (`InstructionReply`), the leader closes it."""

    class Status(models.TextChoices):
        OPEN = "open", "待回复"
        REPLIED = "replied", "已回复"
        CLOSED = "closed", "已办结"

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批示领导",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    leader_name = models.CharField("领导姓名", max_length=30, blank=True)
    project = models.ForeignKey(
        "ledger.Project",
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="instructions",
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name="问题",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="instructions",
    )
    content = BoundedTextField("批示内容", max_length=LONG_TEXT)
    issued_on = models.DateField("批示日期", validators=[validate_sensible_date])
    deadline = models.DateField("办理期限", validators=[validate_sensible_date])
    addressee_unit = models.ForeignKey(
        Unit,
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instructions",
    )
    addressee_team = models.ForeignKey(
        Team,
        verbose_name="承办团队",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instructions",
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True, editable=False
    )
    closed_on = models.DateField("办结日期", null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_private = True
    scope_team = "addressee_team"
    scope_unit = "addressee_unit"
    search_fields = ("content",)

    class Meta:
        verbose_name = "领导批示"
        verbose_name_plural = "领导批示"
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False, problem__isnull=True)
                | Q(project__isnull=True, problem__isnull=False),
                name="instruction_project_or_problem",
                violation_error_message="批示须针对一个项目或一个问题（二者选一）",
            ),
            models.CheckConstraint(
                condition=Q(addressee_unit__isnull=False) | Q(addressee_team__isnull=False),
                name="instruction_has_addressee",
                violation_error_message="批示须指定承办单位或承办团队",
            ),
        ]

    def __str__(self):
        text = self.content.replace("\n", " ")
        return text[:30] + ("…" if len(text) > 30 else "")

    @property
    def subject(self):
        return self.project if self.project_id else self.problem

    @property
    def addressee(self):
        return self.addressee_team or self.addressee_unit

    def clean(self):
        super().clean()
        errors = {}
        if bool(self.project_id) == bool(self.problem_id):
            errors["project"] = "项目和问题须填写其中一个"
        if not self.addressee_unit_id and not self.addressee_team_id:
            errors["addressee_unit"] = "须指定承办单位或承办团队"
        if self.issued_on and self.deadline and self.deadline < self.issued_on:
            errors["deadline"] = "办理期限不能早于批示日期"
        if errors:
            raise ValidationError(errors)
        subject = self.subject
        if subject is not None:
            self.jurisdiction_id = subject.jurisdiction_id

    def overdue_on(self, day: date) -> bool:
        """Past the deadline without a reply."""
        return self.status == self.Status.OPEN and self.deadline < day

    @property
    def overdue(self) -> bool:
        from django.utils import timezone

        return self.overdue_on(timezone.localdate())


class InstructionReply(ChangeLoggedModel):
    """One reply of the addressee to an instruction; seen by whoever sees the instruction."""

    instruction = models.ForeignKey(
        Instruction, verbose_name="批示", on_delete=models.CASCADE, related_name="replies"
    )
    content = BoundedTextField("回复内容", max_length=LONG_TEXT)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="回复人", on_delete=models.PROTECT, related_name="+"
    )
    replied_on = models.DateField("回复日期", validators=[validate_sensible_date])

    objects = ScopedQuerySet.as_manager()
    scope_jurisdiction = "instruction__jurisdiction"
    scope_private = True
    scope_team = "instruction__addressee_team"
    scope_unit = "instruction__addressee_unit"

    class Meta:
        verbose_name = "批示回复"
        verbose_name_plural = "批示回复"
        ordering = ["instruction", "replied_on", "id"]

    def __str__(self):
        return f"{self.instruction} 的回复（{self.replied_on:%Y-%m-%d}）"

    def changelog_jurisdiction_path(self):
        return self.instruction.jurisdiction.path
