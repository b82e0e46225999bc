"""Reporting deadlines from a policy's calendar entries.

`deadlines()` lists every report an entry asks for within a span: the stretch of time it
covers and the day it is due. Non-working days follow the entry's `non_working_day` choice;
the caller passes `is_working_day` (weekends only by default; the Django side knows the
official holiday calendar).

The calendar covers EARLIEST..LATEST (2000–2100, the platform's range for every date; see
core/validators.py). `deadlines()` lists nothing outside it, so a far-future or far-past span
neither runs off the end of `date` (9999-12-31) nor lists reports for centuries; `check_span()`
tells a caller that wants to refuse such a span, in Chinese, naming the bound.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from .schema import CalendarEntry

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class CalendarRangeError(ValueError):
    """A span the reporting calendar does not cover; the message is for the clerk."""


def check_span(start: date, end: date) -> None:
    """Raise CalendarRangeError when the span reaches outside EARLIEST..LATEST."""
    for label, d in (("开始日期", start), ("结束日期", end)):
        if not EARLIEST <= d <= LATEST:
            raise CalendarRangeError(
                f"{label} {d.isoformat()} 超出报送日历支持的范围（{EARLIEST.isoformat()} 至 {LATEST.isoformat()}）"
            )


@dataclass(frozen=True)
class Deadline:
    covers_start: date
    covers_end: date
    due: date


def weekday_only(d: date) -> bool:
    return d.weekday() < 5


def _day_in_month(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, _cal.monthrange(year, month)[1]))


def _adjust(d: date, rule: str, is_working_day: Callable[[date], bool]) -> date:
    step = {"next_working_day": 1, "previous_working_day": -1}.get(rule)
    if step is None:
        return d
    for _ in range(31):
        if is_working_day(d):
            return d
        d += timedelta(days=step)
    return d


def _months(start: date, end: date):
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _shift_month(y: int, m: int, delta: int) -> tuple[int, int]:
    idx = y * 12 + (m - 1) + delta
    return idx // 12, idx % 12 + 1


def deadlines(
    entry: CalendarEntry, start: date, end: date, is_working_day: Callable[[date], bool] = weekday_only
) -> list[Deadline]:
    """Reports due under `entry` with a nominal due date within [start, end] (and within
    EARLIEST..LATEST)."""
    start, end = max(start, EARLIEST), min(end, LATEST)
    out: list[Deadline] = []
    if entry.frequency == "weekly":
        d = start + timedelta(days=(entry.weekday - 1 - start.weekday()) % 7)
        while d <= end:
            monday = d - timedelta(days=d.weekday())
            covers = (monday, monday + timedelta(days=6))
            if entry.covers == "previous":
                covers = (monday - timedelta(days=7), monday - timedelta(days=1))
            out.append(Deadline(covers[0], covers[1], _adjust(d, entry.non_working_day, is_working_day)))
            d += timedelta(days=7)
    elif entry.frequency in ("monthly", "semi_monthly", "quarterly", "half_yearly"):
        every = {"monthly": 1, "semi_monthly": 1, "quarterly": 3, "half_yearly": 6}[entry.frequency]
        for y, m in _months(start, end):
            if (m - 1) % every != every - 1 and entry.covers == "current" and every > 1:
                continue  # quarterly/half-yearly reports fall in the last month of their span
            if (m - 1) % every != 0 and entry.covers == "previous" and every > 1:
                continue
            days = sorted(entry.days)
            for i, day in enumerate(days):
                nominal = _day_in_month(y, m, day)
                if not (start <= nominal <= end):
                    continue
                if entry.frequency == "semi_monthly":
                    first = date(y, m, 1) if i == 0 else _day_in_month(y, m, days[0]) + timedelta(days=1)
                    covers = (first, nominal)
                else:
                    cy, cm = (y, m) if entry.covers == "current" else _shift_month(y, m, -every)
                    sy, sm = _shift_month(cy, cm, -(every - 1)) if entry.covers == "current" else (cy, cm)
                    ey, em = (cy, cm) if entry.covers == "current" else _shift_month(cy, cm, every - 1)
                    covers = (date(sy, sm, 1), _day_in_month(ey, em, 31))
                out.append(
                    Deadline(covers[0], covers[1], _adjust(nominal, entry.non_working_day, is_working_day))
                )
    elif entry.frequency == "yearly":
        for y in range(start.year, end.year + 1):
            day = entry.days[0] if entry.days else 31
            nominal = date(y, 12, min(day, 31))
            if start <= nominal <= end:
                out.append(
                    Deadline(
                        date(y, 1, 1),
                        date(y, 12, 31),
                        _adjust(nominal, entry.non_working_day, is_working_day),
                    )
                )
    # "anytime" entries have no deadline.
    return out
