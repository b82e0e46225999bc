"""What a bulletin template may read: plain values only.

Office templates are Django templates, and Django lets a template walk from any object it is
given to that object's attributes, related rows and their related rows. Given a model instance
(an assessment run), a template could reach the user who ran it, that user's password hash and
anything else in the database. So a template never sees a model: `template_context()` turns the
figures into text, numbers, dates, read-only records and tuples, and refuses anything else. Every
template render goes through it (`services._render`), so a model added to the figures later fails
the build (and the tests) instead of reaching a document.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from django.utils.functional import Promise

# Exact types: a subclass (a model's TextChoices member, a SafeString) is converted below.
_SCALARS = (type(None), bool, int, float, Decimal, str, date, datetime)


class TemplateContextError(TypeError):
    """A value a template must not see; the message names where it is in the figures."""


class Record(Mapping):
    """A read-only dictionary for templates: `{{ run.version }}` reads a key; nothing in it can be
    changed from a template (a dict's `clear` or `pop` would be called by `{{ x.clear }}`), and
    it prints as `text` when a template prints it whole."""

    __slots__ = ("_data", "_text")

    def __init__(self, data: dict, text: str = ""):
        self._data = data
        self._text = text

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __str__(self):
        return self._text or "、".join(str(v) for v in self._data.values())

    def __repr__(self):
        return f"Record({self._data!r})"


def plain(value, where: str = "值"):
    """`value` as plain template data, or TemplateContextError naming `where`."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, Record):
        return Record({k: plain(v, f"{where}.{k}") for k, v in value._data.items()}, value._text)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if type(k) is not str:
                raise TemplateContextError(f"模板数据“{where}”的键须为文字，而不是 {type(k).__name__}")
            out[k] = plain(v, f"{where}.{k}")
        return Record(out)
    if kind in (list, tuple):
        return tuple(plain(v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(value, bool):  # a bool subclass cannot exist, but keep the order explicit
        return bool(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Promise):  # a lazy translation: its text
        return str(value)
    raise TemplateContextError(
        f"模板数据“{where}”不是文字、数字、日期、列表或字典（{kind.__module__}.{kind.__qualname__}），"
        "模板不得读取数据库对象"
    )


def template_context(values: Mapping) -> dict:
    """The context a template renders with: a fresh dict (so `{% cycle … as x %}` in one field
    cannot change what the next field reads) of plain values."""
    out = {}
    for key, value in values.items():
        if type(key) is not str:
            raise TemplateContextError(f"模板变量名须为文字：{key!r}")
        out[key] = plain(value, key)
    return out


def run_values(run) -> Record | None:
    """What a template may say about an assessment run: what its page shows, as text, numbers
    and dates. `{% if run %}` is false when the period has no run."""
    if run is None:
        return None
    from django.utils import timezone

    label = run.get_status_display()
    published_at = timezone.localtime(run.published_at) if run.published_at else None
    return Record(
        {
            "period": run.period,
            "version": run.version,
            "status": str.__str__(run.status),
            "status_label": str(label),
            "get_status_display": str(label),  # as templates written for the model said it
            "published": run.status == "published",
            "as_of": run.as_of,
            "reason": run.reason,
            "published_at": published_at,
            "published_on": published_at.date() if published_at else None,
            # Names, as the run's page shows them; never the accounts.
            "run_by": _user_name(run.run_by_id, run),
            "published_by": _user_name(run.published_by_id, run, "published_by"),
        },
        text=f"第{run.version}版（{label}）",
    )


def _user_name(user_id, run, field: str = "run_by") -> str:
    if not user_id:
        return ""
    user = getattr(run, field)
    return user.get_username() if user is not None else ""


def sample_values() -> dict:
    """Every variable the platform gives a template, with stand-in values: templates are
    checked against it when saved. Every branch of the defaults shows a table, so a misspelt
    table key is caught on save."""
    today = date(2024, 7, 1)
    return {
        "jurisdiction": "某某县",
        "issuer": "某某县扩大开放办",
        "jurisdiction_kind": "县",
        "office": "县扩大开放办",
        "policy_title": "政策文件",
        "period": "2024年6月",
        "period_key": "2024-06",
        "year": 2024,
        "start": date(2024, 6, 1),
        "end": date(2024, 6, 30),
        "today": today,
        "signed_count": 1,
        "signed_yi": Decimal("1.00"),
        "started_count": 1,
        "started_yi": Decimal("1.00"),
        "production_count": 1,
        "production_yi": Decimal("1.00"),
        "funds_yi": Decimal("1.00"),
        "year_funds_yi": Decimal("1.00"),
        "project_count": 1,
        "pipeline": [["线索", 1]],
        "run": Record(
            {
                "period": "2024-06",
                "version": 1,
                "status": "published",
                "status_label": "已发布",
                "get_status_display": "已发布",
                "published": True,
                "as_of": today,
                "reason": "",
                "published_at": datetime(2024, 7, 1, 9, 0),
                "published_on": today,
                "run_by": "office",
                "published_by": "office",
            },
            text="第1版（已发布）",
        ),
        "run_status": "已发布",
        "run_published": True,
        "front_runners": ["某团队"],
        "catch_up": ["某团队"],
        "flags": [["类别", "对象", "原因", "条款"]],
        "amounts": [["类别", "对象", "项目", Decimal(1), "兑现", "条款"]],
        "amount_total": Decimal(1),
        "amount_held": Decimal(1),
        "warnings": [["对象", "可能情形", "说明"]],
        "rank_groups": ["招商团队"],
        "activities": {
            "outbound_trip": 1,
            "visit": 1,
            "reception": 1,
            "promotion_event": 1,
            "meeting": 1,
        },
        "leads": {"total": 1, "valid": 1},
        "duties": {"done": 1, "overdue": 1, "pending": 0, "not_applicable": 0, "due": 2},
        "problems": {"raised": 1, "closed": 1, "open": 1, "overdue": 1},
        "chains": {"count": 1, "segments": 1, "gaps": 1, "enterprises": 1, "live_projects": 1},
    }
