"""The period of what the office enters, as the office writes it (issue 10 point 3: one rule, one
place). 2024年6月, 2024-06, 2024年第二季度, 2024Q2, 2024年上半年, 2024年, or the policy's own period
by key or label when it is a calendar month, quarter, half or year, is kept as the calendar token
the engine reads (2024-06, 2024-Q2, 2024-H1, 2024).

`read_office_period` is the one reader: the models call it before their fields are validated
(`OfficePeriod.clean_fields`), so the web forms, the admin and the API (which run `full_clean`)
store the same token for the same words, and the Excel import reads its cells with it
(`exchange.layouts.office_period`)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from zhaoshang.engine.calendar import EARLIEST, LATEST

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PATTERNS = (
    (re.compile(r"^(\d{4})\s*(?:年度?)?$"), lambda y, m: f"{y}"),
    (re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月份?)?$"), lambda y, m: f"{y}-{int(m[2]):02d}"),
    (re.compile(r"^(\d{4})(\d{2})$"), lambda y, m: f"{y}-{int(m[2]):02d}"),
    (
        re.compile(r"^(\d{4})\s*[-年]?\s*第?\s*([1-4一二三四])\s*季度?$"),
        lambda y, m: f"{y}-Q{_CN_DIGITS[m[2]]}",
    ),
    (re.compile(r"^(\d{4})\s*[-年]?\s*[Qq]([1-4])$"), lambda y, m: f"{y}-Q{m[2]}"),
    (re.compile(r"^(\d{4})\s*[-年]?\s*([上下])半年$"), lambda y, m: f"{y}-H{1 if m[2] == '上' else 2}"),
    (re.compile(r"^(\d{4})\s*-?\s*[Hh]([12])$"), lambda y, m: f"{y}-H{m[2]}"),
)
PERIOD_HELP = "如 2024年6月、2024-06、2024年第二季度、2024年上半年、2024年，或政策文件中的时期名称"


def calendar_token(start, end) -> str | None:
    """The calendar token of exactly this span, if it is a year, half, quarter or month."""
    from zhaoshang.engine.periods import token_span

    y = start.year
    candidates = [f"{y}", f"{y}-H1", f"{y}-H2", *(f"{y}-Q{q}" for q in range(1, 5)),
                  *(f"{y}-{m:02d}" for m in range(1, 13))]  # fmt: skip
    for token in candidates:
        span = token_span(token)
        if span.start == start and span.end == end:
            return token
    return None


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def read_office_period(text: str, spec=None) -> str:
    """The calendar token of a period as the office writes it ("" when blank), against the policy
    (`spec`, the engine's policy) for its own periods by name; a ValidationError naming what is
    accepted otherwise. A token the engine reads (2024-06, 2024-Q2, 2024-W23) is kept as it is."""
    from zhaoshang.engine.periods import PeriodParseError, token_span

    text = (text or "").replace("\u3000", " ").strip()
    if not text:
        return ""
    if spec is not None:
        for p in spec.periods:
            if text in (p.key, p.label):
                token = calendar_token(p.start, p.end)
                if token is None:
                    raise ValidationError(
                        f"时期“{text}”（{p.start} 至 {p.end}）不是整月、季、半年或年，请按月份填写"
                    )
                return token
    compact = text.replace(" ", "")
    out = None
    for pattern, token in _PATTERNS:
        m = pattern.match(compact)
        if m:
            out = token(m[1], m)
            break
    candidates = [out] if out is not None else [compact]
    for candidate in candidates:
        try:
            span = token_span(candidate)
        except PeriodParseError:
            break
        if not EARLIEST <= span.start <= LATEST:
            raise ValidationError(
                f"日期应在 {EARLIEST.isoformat()} 至 {LATEST.isoformat()} 之间（填写的是 {span.start.isoformat()}）"
            )
        return candidate
    raise ValidationError(f"无法识别的期间“{_shown(text)}”，{PERIOD_HELP}")


class OfficePeriod:
    """A model whose `period` the office writes as it speaks: read (`read_office_period`, against
    the record's policy) before the fields are validated, so the field's validator and every check
    after it see the engine's token, and that token is what is saved — whichever channel calls
    `full_clean` (the form, the admin, the API) or reads the cell (the Excel import)."""

    def clean_fields(self, exclude=None):
        problem = None
        if exclude is None or "period" not in exclude:
            try:
                self.period = read_office_period(self.period or "", self._period_spec())
            except ValidationError as exc:
                problem = exc
        errors = {}
        try:
            super().clean_fields(exclude=[*(exclude or ()), "period"] if problem is not None else exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if problem is not None:
            errors["period"] = problem.messages
        if errors:
            raise ValidationError(errors)

    def _period_spec(self):
        if not getattr(self, "policy_id", None):
            return None
        try:
            return self.policy.spec()
        except Exception:  # an unknown policy is the policy field's own error
            return None
