"""The statutory public holidays of a year, derived from the law alone: 全国年节及纪念日放假办法
(as amended by the State Council on 2024-11-10, in force from 2025-01-01), article 2 — 元旦 1 day
(1 January), 春节 4 days (除夕 and 正月初一至初三), 清明节 1 day (the 清明 solar term), 劳动节 2 days
(1–2 May), 端午节 1 day (五月初五), 中秋节 1 day (八月十五), 国庆节 3 days (1–3 October).

Lunar dates and the solar term come from `borax` (its lunar tables run 1900–2100). These are
the holidays without the 调休 the State Council's yearly notice adds (weekend days joined to a
holiday and the Saturdays worked in exchange); the office enters those when the notice is out.
"""

from __future__ import annotations

from datetime import date, timedelta

FIRST_YEAR = 2025  # the 2024 amendment's counts (春节 4 days, 劳动节 2 days) apply from 2025
SOURCE = "全国年节及纪念日放假办法（2024年修订）第二条：法定节假日（未含调休）"


def statutory_holidays(year: int) -> list[tuple[date, str]]:
    """[(date, name)] of the year's statutory holidays, in date order."""
    if year < FIRST_YEAR:
        raise ValueError(f"{year}年适用修订前的放假办法，本函数只推算{FIRST_YEAR}年及以后")
    from borax.calendars.lunardate import LunarDate, TermUtils  # borax==4.1.3

    new_year = LunarDate(year, 1, 1).to_solar_date()
    days = [
        (date(year, 1, 1), "元旦"),
        (new_year - timedelta(days=1), "春节"),  # 除夕: the last day of the lunar year
        (new_year, "春节"),
        (new_year + timedelta(days=1), "春节"),
        (new_year + timedelta(days=2), "春节"),
        (TermUtils.nth_term_day(year, term_name="清明"), "清明节"),
        (date(year, 5, 1), "劳动节"),
        (date(year, 5, 2), "劳动节"),
        (LunarDate(year, 5, 5).to_solar_date(), "端午节"),
        (LunarDate(year, 8, 15).to_solar_date(), "中秋节"),
        (date(year, 10, 1), "国庆节"),
        (date(year, 10, 2), "国庆节"),
        (date(year, 10, 3), "国庆节"),
    ]
    merged: dict[date, list[str]] = {}
    for d, name in days:  # 中秋 may fall within 国庆 (2028-10-03): one date, both names
        if name not in merged.setdefault(d, []):
            merged[d].append(name)
    return [(d, "、".join(names)) for d, names in sorted(merged.items())]
