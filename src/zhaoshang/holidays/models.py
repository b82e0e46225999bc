"""The holiday calendar the office keeps: one row per year the platform knows, one row per day
that differs from Monday–Friday (a holiday 放假 on a weekday or weekend, an adjusted working day
调休上班 on a weekend). Days of a known year that have no row are working days Monday–Friday.
`holidays/calendar.py` is the one place that reads them."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from zhaoshang.core.models import ChangeLoggedModel

MIN_YEAR, MAX_YEAR = 2000, 2100


class CalendarYear(ChangeLoggedModel):
    """A year the platform knows. A year without a row is not covered: its deadlines are
    computed Monday–Friday and flagged."""

    class Status(models.TextChoices):
        OFFICIAL = "official", "已按国务院办公厅通知录入（含调休）"
        STATUTORY = "statutory", "法定节假日（未含调休）"

    year = models.PositiveSmallIntegerField(
        "年份",
        unique=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
    )
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.OFFICIAL)
    source = models.CharField(
        "依据", max_length=200, blank=True, help_text="如：国务院办公厅关于2027年部分节假日安排的通知"
    )

    class Meta:
        verbose_name = "日历年度"
        verbose_name_plural = "日历年度"
        ordering = ["year"]

    def __str__(self):
        return f"{self.year}年"

    @property
    def complete(self) -> bool:
        return self.status == self.Status.OFFICIAL


class CalendarDay(ChangeLoggedModel):
    """A date that is not what Monday–Friday says: a holiday, or a weekend worked in exchange."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期", unique=True)
    year = models.ForeignKey(
        CalendarYear, verbose_name="年份", on_delete=models.CASCADE, related_name="days", editable=False
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=40, help_text="如：春节、国庆节")
    source = models.CharField("来源", max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"

    def clean(self):
        errors = {}
        self.name = (self.name or "").strip()
        if isinstance(self.date, date):
            if not MIN_YEAR <= self.date.year <= MAX_YEAR:
                errors["date"] = f"日期须在{MIN_YEAR}年至{MAX_YEAR}年之间"
            elif self.kind == self.Kind.WORKDAY and self.date.weekday() < 5:
                errors["kind"] = (
                    f"{self.date:%Y-%m-%d}是星期{'一二三四五'[self.date.weekday()]}，本来就上班，不是调休上班日"
                )
        if not self.name:
            errors["name"] = "请填写名称，如：春节"
        if errors:
            raise ValidationError(errors)
