"""Working days: the one service every deadline on the platform asks.

- A year the office's calendar holds (`CalendarYear`) follows it: its `CalendarDay` rows say
  which dates are holidays (放假) and which weekends are worked (调休上班); other days are
  working days Monday–Friday.
- A year it does not hold is **not covered**: `is_workday` answers Monday–Friday so nothing
  stops, but `is_covered` says no, and the pages flag such deadlines (`uncovered_note`) and the
  office's home page warns (`warnings`). The table is seeded 2004–2026 from the
  `chinesecalendar` package and 2027 with its statutory holidays (migrations 0002, 0003), so
  there is one source of truth.

The whole table (a few dozen rows a year) is read once and kept in the process for
`ZHAOSHANG_CALENDAR_CACHE_SECONDS`; a write in this process forgets it at once, other processes
re-read it within that time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class _Table:
    years: dict[int, str]  # year -> status
    days: dict[date, tuple[str, str]]  # date -> (kind, name)
    loaded: float


_lock = threading.Lock()
_table: _Table | None = None


def forget() -> None:
    """Drop the cached table (called on every write to it)."""
    global _table
    with _lock:
        _table = None


def _load() -> _Table:
    global _table
    t = _table
    ttl = getattr(settings, "ZHAOSHANG_CALENDAR_CACHE_SECONDS", 60)
    if t is not None and time.monotonic() - t.loaded < ttl:
        return t
    from .models import CalendarDay, CalendarYear

    years = dict(CalendarYear.objects.values_list("year", "status"))
    days = {d: (k, n) for d, k, n in CalendarDay.objects.values_list("date", "kind", "name")}
    t = _Table(years, days, time.monotonic())
    with _lock:
        _table = t
    return t


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import CalendarDay, CalendarYear

    for model in (CalendarDay, CalendarYear):
        post_save.connect(_changed, sender=model, dispatch_uid=f"calendar-forget-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"calendar-forget-del-{model.__name__}")


def _changed(**kwargs) -> None:
    forget()


# --- Reading ---------------------------------------------------------------------------------


def is_covered(d: date) -> bool:
    """Does the office's calendar hold d's year?"""
    return d.year in _load().years


def year_status(year: int) -> str | None:
    """'official', 'statutory' (法定节假日，未含调休) or None (not covered)."""
    return _load().years.get(year)


def day_entry(d: date) -> tuple[str, str] | None:
    """(kind, name) of the calendar's row for d, if any."""
    return _load().days.get(d)


def is_workday(d: date) -> bool:
    """Official working day: holidays off, adjusted weekend working days (调休) on. A year the
    calendar does not cover is answered Monday–Friday (and flagged by `is_covered`)."""
    t = _load()
    if d.year in t.years:
        entry = t.days.get(d)
        if entry is not None:
            return entry[0] == "workday"
    return d.weekday() < 5


def add_workdays(d: date, n: int) -> date:
    """The n-th working day after d (before it when n is negative); n = 0 gives d itself when it
    is a working day, else the next working day."""
    step = 1 if n >= 0 else -1
    if n == 0:
        while not is_workday(d):
            d += timedelta(days=1)
        return d
    left = abs(n)
    while left:
        d += timedelta(days=step)
        if is_workday(d):
            left -= 1
    return d


def covered_until(today: date | None = None) -> date | None:
    """The last day of the run of covered years that starts with today's year; None when today's
    year itself is not covered."""
    today = today or date.today()
    years = _load().years
    y = today.year
    if y not in years:
        return None
    while y + 1 in years:
        y += 1
    return date(y, 12, 31)


def uncovered_years(start: date, end: date) -> list[int]:
    years = _load().years
    return [y for y in range(start.year, end.year + 1) if y not in years]


def uncovered_note(d: date | None) -> str:
    """The Chinese note shown beside a deadline whose year the calendar does not hold."""
    if d is None or is_covered(d):
        return ""
    return f"{d.year}年节假日未录入，此截止日按周一至周五推算，请招商办在节假日日历中录入后核对"


def deadline_text(d: date | None) -> str:
    """A deadline as tables show it: the date, and the note when its year is not covered."""
    if d is None:
        return ""
    if is_covered(d):
        return f"{d:%Y-%m-%d}"
    return f"{d:%Y-%m-%d}（{d.year}年节假日未录入，按周一至周五推算）"


def calendar_health(today: date | None = None, days: int = 90) -> tuple[bool, str]:
    """(ok, reason): are the next `days` days covered by the calendar? For /health/."""
    today = today or date.today()
    end = today + timedelta(days=days)
    missing = uncovered_years(today, end)
    if missing:
        names = "、".join(f"{y}年" for y in missing)
        return False, f"节假日日历未覆盖今后{days}天（缺{names}），截止日按周一至周五推算"
    partial = [y for y in range(today.year, end.year + 1) if year_status(y) == "statutory"]
    if partial:
        names = "、".join(f"{y}年" for y in partial)
        return True, f"今后{days}天已覆盖；{names}仅含法定节假日，调休安排待录入"
    return True, f"今后{days}天已覆盖（至{covered_until(today):%Y-%m-%d}）"


def warnings(today: date | None = None) -> list[str]:
    """What the office's home page says about the calendar: this year not covered; from the warn
    month (ZHAOSHANG_CALENDAR_WARN_MONTH, default 12) next year not covered, or only its
    statutory holidays entered."""
    today = today or date.today()
    out = []
    this = year_status(today.year)
    if this is None:
        out.append(f"{today.year}年的节假日尚未录入：本年截止日按周一至周五推算，请在节假日日历中录入。")
    elif this == "statutory":
        out.append(f"{today.year}年仅录入了法定节假日，尚未录入调休安排，请按国务院办公厅通知补录。")
    if today.month >= getattr(settings, "ZHAOSHANG_CALENDAR_WARN_MONTH", 12):
        nxt = year_status(today.year + 1)
        if nxt is None:
            out.append(
                f"{today.year + 1}年的节假日尚未录入：明年的截止日将按周一至周五推算，"
                "请在国务院办公厅发布节假日安排后录入。"
            )
        elif nxt == "statutory":
            out.append(
                f"{today.year + 1}年仅录入了法定节假日（未含调休），"
                "请在国务院办公厅发布节假日安排通知后补录放假调休日期。"
            )
    return out
