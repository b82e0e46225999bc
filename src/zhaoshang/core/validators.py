"""Checks shared by every way data comes in (web form, API, Excel import, admin), and the answer
to deleting a record that is still in use.

Dates: 2000-01-01 to 2100-12-31. The earliest policy document is from 2021 and a ledger carried
over from older spreadsheets reaches back a few years at most, so anything before 2000 is a typo
(0024 for 2024, 1900 from a blank Excel cell); contracts, planned completions and deadlines look
years ahead, never a century. The leaders' dashboards accept the same years (dashboards/selectors.py:
parse_when) and the reporting calendar refuses spans outside them (engine/calendar.py).

Amounts (万元, 元, 亩, 美元) that a county records are never negative: a correction is a new
figure, not a negative one.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import BaseValidator
from django.db.models import ProtectedError, RestrictedError
from django.utils.deconstruct import deconstructible

from zhaoshang.engine.calendar import EARLIEST, LATEST

__all__ = [
    "EARLIEST",
    "LATEST",
    "check_date",
    "in_use_message",
    "non_negative",
    "validate_sensible_date",
    "validate_sensible_year",
]

DATE_RANGE_MESSAGE = f"日期应在 {EARLIEST.isoformat()} 至 {LATEST.isoformat()} 之间"


def validate_sensible_date(value) -> None:
    """Model field validator: a date between EARLIEST and LATEST."""
    if isinstance(value, date) and not (EARLIEST <= value <= LATEST):
        raise ValidationError(
            f"{DATE_RANGE_MESSAGE}（填写的是 {value.isoformat()}）", code="date_out_of_range"
        )


def validate_sensible_year(value) -> None:
    """Model field validator for a year held as a number (评估年度)."""
    if value is not None and not (EARLIEST.year <= value <= LATEST.year):
        raise ValidationError(
            f"年度应在 {EARLIEST.year} 至 {LATEST.year} 之间（填写的是 {value}）", code="year_out_of_range"
        )


def check_date(value: date | None, label: str) -> None:
    """For a date that reaches a service without a model form (a new deadline given to an
    action): the same range, the message naming the field."""
    if value is not None and not (EARLIEST <= value <= LATEST):
        raise ValidationError(f"{label}：{DATE_RANGE_MESSAGE}（填写的是 {value.isoformat()}）")


@deconstructible(path="zhaoshang.core.validators.NonNegative")
class NonNegative(BaseValidator):
    """At least 0, with a message a clerk reads at once. Not a MinValueValidator on purpose: DRF
    turns one of those into its own `min_value` check with its own wording."""

    message = "不能为负数（填写的是 %(show_value)s）"
    code = "negative"

    def __init__(self):
        super().__init__(Decimal(0))

    def compare(self, a, b):
        return a < b


non_negative = NonNegative()


# How records are counted in Chinese; anything not listed is counted in 条.
_MEASURE = {
    "项目": "个",
    "企业（客商）": "家",
    "合作企业": "家",
    "单位": "个",
    "招商团队": "个",
    "人员": "名",
    "招商活动": "次",
    "信息报送": "项",
    "政策文件": "份",
    "考核结果": "份",
    "战报简报": "份",
    "简报模板": "个",
    "提醒渠道": "个",
}


def in_use_message(exc: ProtectedError | RestrictedError, obj=None) -> str:
    """“该单位仍被 12 个项目、3 条实际进资使用，不能删除”: what still refers to the record,
    counted by kind, from the ProtectedError (or RestrictedError) that refused the delete.
    `obj` is the record or its model (for the word 单位); without it, 该记录."""
    objects = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", None) or ()
    counts = Counter(o._meta.verbose_name for o in objects)
    what = "、".join(f"{n} {_MEASURE.get(str(name), '条')}{name}" for name, n in counts.most_common())
    label = f"该{obj._meta.verbose_name}" if obj is not None else "该记录"
    if not what:
        return f"{label}仍被其他记录使用，不能删除"
    return f"{label}仍被 {what} 使用，不能删除；请先删除或改挂这些记录"
