"""A period picked as an office names it — a year, then 全年 / 上半年 / 第二季度 / 6月 — instead of
typed as 2024-06. The widget posts the canonical token the models store (2024, 2024-H1, 2024-Q2,
2024-06), so the form and the model read and check it exactly as before
(`assessment.periods.read_office_period`); a client that posts the field by its own name (the API
style `period=2024-06`, a test, a bookmarked link) is read as it always was.

`named` adds a third drop-down of the policy's own periods (百日攻坚, a campaign, 2023年-2025年三年行动)
for the forms that take them (the run form); chosen, it wins over year and part.
"""

from __future__ import annotations

import re
from datetime import date

from django import forms

from zhaoshang.core.zhformat import CN_DIGITS
from zhaoshang.core.zhformat import period as period_label

PARTS = [
    ("", "全年"),
    ("半年", [("H1", "上半年"), ("H2", "下半年")]),
    ("季度", [(f"Q{q}", f"第{CN_DIGITS[q]}季度") for q in range(1, 5)]),
    ("月份", [(f"{m:02d}", f"{m}月") for m in range(1, 13)]),
]
_TOKEN = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?$")


def years_around(today: date | None = None, back: int = 6, ahead: int = 2) -> list[int]:
    y = (today or date.today()).year
    return list(range(y + ahead, y - back - 1, -1))


class PeriodWidget(forms.MultiWidget):
    template_name = "core/widgets/period.html"

    def __init__(self, attrs=None, years=None, named=()):
        self.years = list(years) if years is not None else years_around()
        self.named = list(named)
        widgets = [
            forms.Select(attrs={"aria-label": "年度"}),
            forms.Select(attrs={"aria-label": "全年、半年、季度或月份"}, choices=PARTS),
        ]
        if self.named:
            widgets.append(
                forms.Select(
                    attrs={"aria-label": "或选政策文件中的时期"},
                    choices=[("", "（或选文件中的时期）"), *self.named],
                )
            )
        super().__init__(widgets, attrs)

    def _year_choices(self, chosen: str) -> list[tuple[str, str]]:
        years = [str(y) for y in self.years]
        if chosen and chosen not in years:
            years = sorted({*years, chosen}, reverse=True)
        return [("", "选择年度"), *((y, f"{y}年") for y in years)]

    def decompress(self, value):
        value = (value or "").strip()
        named_keys = {str(k) for k, _ in _flat(self.named)}
        if value in named_keys:
            return ["", "", value]
        m = _TOKEN.match(value)
        if m:
            return [m[1], m[2] or "", ""]
        return ["", "", value]  # a week, a span: kept as the third choice (get_context offers it)

    def get_context(self, name, value, attrs):
        parts = value if isinstance(value, list) else self.decompress(value if isinstance(value, str) else "")
        self.widgets[0].choices = self._year_choices(parts[0] or "")
        other = parts[2] if len(parts) > 2 else ""
        if other and other not in {str(k) for k, _ in _flat(self.named)}:
            # A value neither year and part nor a named period reads (2024-W23): offered as it is.
            if len(self.widgets) < 3:
                self.widgets.append(forms.Select(attrs={"aria-label": "其他时期"}))
                self.widgets_names.append("_2")
            self.widgets[2].choices = [("", "（或选其他时期）"), *self.named, (other, period_label(other))]
        return super().get_context(name, value, attrs)

    def value_from_datadict(self, data, files, name):
        if name in data:  # posted whole, as before the picker
            return data.get(name)
        year, part = (self.widgets[i].value_from_datadict(data, files, f"{name}_{i}") for i in (0, 1))
        if other := (data.get(f"{name}_2") or "").strip():
            return other
        year = (year or "").strip()
        if not year:
            return ""
        return f"{year}-{part}" if part else year

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)


def is_calendar_token(key: str) -> bool:
    """2024, 2024-H1, 2024-Q2, 2024-06: what year and part pick."""
    return bool(_TOKEN.match(key or ""))


def _flat(choices):
    for k, v in choices:
        if isinstance(v, list | tuple):
            yield from _flat(v)
        else:
            yield k, v
