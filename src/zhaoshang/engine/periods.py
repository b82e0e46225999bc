"""Spans of time an assessment or a fact covers.

An assessment runs over one span (`parse_period`): a year `2024`, a month `2024-06`, a quarter
`2023-Q3`, a half-year `2021-H1`, a range of months `2023-06..2023-08`, or the key of one of the
policy's own periods (`2023-100days`, `2023-2025`). Facts name their span with the same tokens,
normally a month.

A rule is evaluated on the span when its cadence fits it (`fits`): a monthly ranking on a month,
a year-end flag on a year, a campaign rule on the policy's main period. A rule with a finer
cadence than the span (a monthly quota over a year) is evaluated on each of its units inside the
span (`units_in`).
"""

from __future__ import annotations

import calendar as _cal
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .schema import Policy

SpanKind = Literal["month", "quarter", "half_year", "year", "campaign", "range", "week"]


@dataclass(frozen=True, order=True)
class Span:
    start: date
    end: date
    key: str = ""
    kind: SpanKind = "range"

    def __contains__(self, d: date) -> bool:
        return self.start <= d <= self.end

    def covers(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Span) -> bool:
        return self.start <= other.end and other.start <= self.end

    def months(self) -> int:
        """Calendar months the span touches."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def clip(self, end: date) -> Span:
        return Span(self.start, min(self.end, end), self.key, self.kind)

    def previous(self, n: int = 1) -> Span:
        """The span of the same kind n units earlier: last month, last quarter, last year."""
        if self.kind == "month":
            idx = self.start.year * 12 + self.start.month - 1 - n
            return month_span(idx // 12, idx % 12 + 1)
        if self.kind == "quarter":
            idx = self.start.year * 4 + (self.start.month - 1) // 3 - n
            return quarter_span(idx // 4, idx % 4 + 1)
        if self.kind == "half_year":
            idx = self.start.year * 2 + (self.start.month - 1) // 6 - n
            return half_span(idx // 2, idx % 2 + 1)
        if self.kind == "year":
            return year_span(self.start.year - n)
        return Span(_add_years(self.start, -n), _add_years(self.end, -n), "", self.kind)

    def __str__(self) -> str:
        return self.key or f"{self.start.isoformat()}..{self.end.isoformat()}"


class PeriodParseError(ValueError):
    pass


def _add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


def month_end(y: int, m: int) -> date:
    return date(y, m, _cal.monthrange(y, m)[1])


def add_months(d: date, n: int) -> date:
    """The same day `n` months later (or earlier), the month's last day where it has none
    (31 Jan + 1 → 28/29 Feb; 29 Feb 2024 + 12 → 28 Feb 2025). The one month arithmetic of the
    deadline rules (evaluators.deadline) and the zombie register (resources/models.py)."""
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, min(d.day, month_end(y, m + 1).day))


def month_span(y: int, m: int) -> Span:
    return Span(date(y, m, 1), month_end(y, m), f"{y:04d}-{m:02d}", "month")


def year_span(y: int) -> Span:
    return Span(date(y, 1, 1), date(y, 12, 31), f"{y:04d}", "year")


def quarter_span(y: int, q: int) -> Span:
    return Span(date(y, 3 * q - 2, 1), month_end(y, 3 * q), f"{y:04d}-Q{q}", "quarter")


def half_span(y: int, h: int) -> Span:
    return Span(date(y, 6 * h - 5, 1), month_end(y, 6 * h), f"{y:04d}-H{h}", "half_year")


_TOKEN = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]|W(0[1-9]|[1-4]\d|5[0-3])))?$")


def week_span(y: int, w: int) -> Span:
    monday = date.fromisocalendar(y, w, 1)
    return Span(monday, monday + timedelta(days=6), f"{y:04d}-W{w:02d}", "week")


def token_span(token: str) -> Span:
    """A calendar token: `2024`, `2024-06`, `2024-Q3`, `2024-H1`, `2024-W23` (ISO week)."""
    w = re.match(r"^(\d{4})-W(\d{2})$", token)
    if w:
        try:
            return week_span(int(w.group(1)), int(w.group(2)))
        except ValueError:
            raise PeriodParseError(f"无法识别的时期“{token}”") from None
    m = re.match(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])|H([12])))?$", token)
    if not m:
        raise PeriodParseError(
            f"无法识别的时期“{token}”（应为 2024、2024-06、2024-Q3、2024-H1 或 2024-06..2024-08）"
        )
    y = int(m.group(1))
    if m.group(2):
        return month_span(y, int(m.group(2)))
    if m.group(3):
        return quarter_span(y, int(m.group(3)))
    if m.group(4):
        return half_span(y, int(m.group(4)))
    return year_span(y)


def _classify(start: date, end: date, key: str) -> Span:
    """A span from dates: named as the calendar unit it is, if it is one."""
    if start.day == 1 and end == month_end(end.year, end.month) and start.year == end.year:
        n = end.month - start.month + 1
        if n == 1:
            return month_span(start.year, start.month)
        if n == 3 and start.month % 3 == 1:
            return quarter_span(start.year, (start.month + 2) // 3)
        if n == 6 and start.month in (1, 7):
            return half_span(start.year, 1 if start.month == 1 else 2)
        if n == 12:
            return year_span(start.year)
    return Span(start, end, key, "range")


def parse_period(text: str, policy: Policy | None = None) -> Span:
    """The span an assessment covers. Calendar tokens first, then `A..B` ranges of tokens, then
    the keys of the policy's own periods. A range or a policy period that is exactly a policy
    period of kind campaign is a campaign."""
    text = text.strip()
    if _TOKEN.match(text):
        return token_span(text)
    if ".." in text:
        a, b = (x.strip() for x in text.split("..", 1))
        start, end = token_span(a).start, token_span(b).end
        if end < start:
            raise PeriodParseError(f"时期“{text}”的结束早于开始")
        span = _classify(start, end, text)
        if policy is not None:
            for p in policy.periods:
                if p.start == start and p.end == end and p.kind == "campaign":
                    return Span(start, end, p.key, "campaign")
        return span
    if policy is not None:
        p = policy.period(text)
        if p is not None:
            if p.kind == "campaign":
                return Span(p.start, p.end, p.key, "campaign")
            span = _classify(p.start, p.end, p.key)
            return Span(span.start, span.end, p.key, span.kind if span.kind != "range" else "campaign")
    raise PeriodParseError(
        f"无法识别的时期“{text}”（应为 2024、2024-06、2024-Q3、2024-H1 或 2024-06..2024-08）"
    )


def policy_period_span(policy: Policy, key: str) -> Span:
    p = policy.period(key)
    if p is None:
        raise PeriodParseError(f"政策中没有时期“{key}”")
    span = _classify(p.start, p.end, p.key)
    kind = "campaign" if p.kind == "campaign" or span.kind == "range" else span.kind
    return Span(p.start, p.end, p.key, kind)


def main_span(policy: Policy) -> Span:
    return policy_period_span(policy, policy.main_period)


def months_in(span: Span) -> list[Span]:
    out = []
    y, m = span.start.year, span.start.month
    while (y, m) <= (span.end.year, span.end.month):
        out.append(month_span(y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def units_in(span: Span, per: str, policy: Policy | None = None) -> list[Span]:
    """The whole units of a cadence (`month`, `quarter`, `half_year`, `year`, `week`, `period`)
    that lie inside the span. `period` is the policy's main period."""
    if per == "period":
        if policy is None:
            return []
        main = main_span(policy)
        return [main] if span.covers(main) else []
    if per == "week":
        out = []
        d = span.start + timedelta(days=(7 - span.start.weekday()) % 7)  # first Monday
        while d + timedelta(days=6) <= span.end:
            iso = d.isocalendar()
            out.append(week_span(iso[0], iso[1]))
            d += timedelta(days=7)
        return out
    candidates: list[Span] = []
    for y in range(span.start.year, span.end.year + 1):
        if per == "month":
            candidates += [month_span(y, m) for m in range(1, 13)]
        elif per == "quarter":
            candidates += [quarter_span(y, q) for q in range(1, 5)]
        elif per == "half_year":
            candidates += [half_span(y, h) for h in (1, 2)]
        elif per == "year":
            candidates.append(year_span(y))
    return [c for c in candidates if span.covers(c)]


def fits(span: Span, cadence: str, policy: Policy | None = None) -> bool:
    """Whether a rule of this cadence (a ranking's `per`, a flag's `at`) is due on the span."""
    if cadence in ("month", "quarter", "half_year", "week"):
        return span.kind == cadence
    if cadence in ("year", "year_end"):
        return span.kind == "year"
    if cadence in ("period", "period_end"):
        if policy is None:
            return span.kind == "campaign"
        main = main_span(policy)
        return (span.start, span.end) == (main.start, main.end)
    return False


def elapsed_fraction(span: Span, as_of: date) -> tuple[int, int]:
    """(months elapsed, months in span) at the end of the month of `as_of`."""
    total = span.months()
    if as_of < span.start:
        return 0, total
    if as_of >= span.end:
        return total, total
    done = (as_of.year - span.start.year) * 12 + as_of.month - span.start.month + 1
    return max(0, min(done, total)), total
