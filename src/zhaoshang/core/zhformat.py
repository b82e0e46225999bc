"""Numbers, amounts, rates, periods, dates and clauses as a Chinese office writes them — the one
place every page, explanation and bulletin takes them from (`templatetags/zh_format.py` gives them
to templates as filters; `assessment/explain.py` builds its sentences on them).

- amounts: 243,844.45 万元; 24.38 亿元 where a page summarises; rounded half up (四舍五入);
- rates: 0.5428 → 54.28%;
- periods: 2024-06 → 2024年6月, 2024-Q2 → 2024年第二季度, 2024-H1 → 2024年上半年, 2024 → 2024年;
- dates: 2024年6月5日;
- clauses: §三(二) → 第三条（二）, 附件3 §五 → 附件3 第五条.

A value that is not a number reads as it is; nothing (None, "") reads as "—" in the filters.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CN_DIGITS = "〇一二三四五六七八九"
WAN_PER_YI = Decimal(10000)
EMPTY = "—"


def dec(v) -> Decimal | None:
    """A number as a Decimal (a float through its shortest text), or None when it is not one."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, Decimal):
        return v if v.is_finite() else None
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        d = Decimal(str(v))
        return d if d.is_finite() else None
    if isinstance(v, str):
        try:
            d = Decimal(v.strip().replace(",", ""))
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


def _round(d: Decimal, places: int) -> Decimal:
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(v, places: int | None = None) -> str:
    """1234567.5 → 1,234,567.5 (trailing zeros dropped; `places` rounds half up first)."""
    d = dec(v)
    if d is None:
        return "" if v is None else str(v)
    if places is not None:
        d = _round(d, places)
    text = f"{d:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def amount(v, places: int = 2) -> str:
    """A sum with separators and two decimals where it has any: 243844.45 → 243,844.45,
    1.5 → 1.50, 300 → 300, 0.005 → 0.01. For a column whose header names the unit."""
    d = dec(v)
    if d is None:
        return "" if v is None else str(v)
    d = _round(d, places)
    if d == 0:
        return "0"
    if d == d.to_integral_value():
        return f"{d:,.0f}"
    return f"{d:,.{places}f}"


def wan(v) -> str:
    """An amount held in 万元: 243,844.45 万元."""
    text = amount(v)
    return f"{text} 万元" if dec(v) is not None else text


def yi(v) -> str:
    """An amount held in 万元, in 亿元 with two decimals: 243844.45 → 24.38 亿元."""
    d = dec(v)
    if d is None:
        return "" if v is None else str(v)
    return f"{_round(d / WAN_PER_YI, 2):,.2f} 亿元"


def money(v) -> str:
    """An amount held in 万元, in 亿元 from 1亿 up (a summary's figure), else in 万元."""
    d = dec(v)
    if d is not None and abs(d) >= WAN_PER_YI:
        return f"{amount(d / WAN_PER_YI)} 亿元"
    return wan(v)


def percent(v, places: int = 2) -> str:
    """A ratio as a percentage: 0.5428 → 54.28% (trailing zeros dropped)."""
    d = dec(v)
    if d is None:
        return "" if v is None else str(v)
    return f"{number(d * 100, places)}%"


_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_YEARS = re.compile(r"^(\d{4})-(\d{4})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def period(text) -> str:
    """A period key as an office writes it: 2024年 / 2024年6月 / 2024年第二季度 / 2024年上半年 /
    2023年第27周 / 2023—2025年 / 2024年1月1日至2024年6月30日. A key it does not know stays."""
    if text is None:
        return ""
    s = str(text).strip()
    if ".." in s:
        a, b = s.split("..", 1)
        return f"{period(a)}至{period(b)}"
    if m := _YEAR.match(s):
        return f"{m[1]}年"
    if m := _MONTH.match(s):
        return f"{m[1]}年{int(m[2])}月"
    if m := _QUARTER.match(s):
        return f"{m[1]}年第{CN_DIGITS[int(m[2])]}季度"
    if m := _HALF.match(s):
        return f"{m[1]}年{'上' if m[2] == '1' else '下'}半年"
    if m := _WEEK.match(s):
        return f"{m[1]}年第{int(m[2])}周"
    if m := _YEARS.match(s):
        return f"{m[1]}—{m[2]}年"
    if m := _DAY.match(s):
        return f"{m[1]}年{int(m[2])}月{int(m[3])}日"
    return s


def cn_date(v) -> str:
    """2024-06-05 (a date, a datetime in local time, or its ISO text) → 2024年6月5日."""
    if isinstance(v, datetime):
        from django.utils import timezone

        v = timezone.localtime(v).date() if timezone.is_aware(v) else v.date()
    if isinstance(v, date):
        return f"{v.year}年{v.month}月{v.day}日"
    if v is None:
        return ""
    s = str(v).strip()
    return period(s[:10]) if _DAY.match(s[:10]) else s


_SECTION = re.compile(r"§([一二三四五六七八九十]+)")
_PAREN = re.compile(r"\(([一二三四五六七八九十\d]+)\)")


def clause(text) -> str:
    """A clause reference as the policy files write it, as a document cites it: §三(二) →
    第三条（二）, 附件3 §五 → 附件3 第五条, §二(三)5 → 第二条（三）5."""
    if text is None:
        return ""
    s = _SECTION.sub(lambda m: f"第{m[1]}条", str(text).strip())
    return _PAREN.sub(lambda m: f"（{m[1]}）", s)


_AMOUNT_IN_TEXT = re.compile(r"(?<![\d.,])(-?\d{4,}(?:\.\d+)?)(?=\s*(?:万元|亿元|元|万美元|美元))")


def amounts_in_text(text) -> str:
    """The sums in a sentence the engine wrote, with separators: 实际进资完成34334.03万元 →
    实际进资完成34,334.03万元. Nothing else in the sentence changes."""
    if not text:
        return ""
    return _AMOUNT_IN_TEXT.sub(lambda m: number(m[1]), str(text))


def amount_cell(v) -> str | None:
    """`amount` for a list's or a detail page's column whose header names the unit; nothing stays
    nothing (None), so the page shows its own mark for an empty cell."""
    return None if v is None or v == "" else amount(v)
