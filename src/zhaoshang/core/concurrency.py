"""No lost update: optimistic concurrency for every record the office or a clerk edits.

The version of a record is its `updated` time (`ChangeLoggedModel.updated`, set on every
`save()` and by the Excel import's bulk updates), to the microsecond on PostgreSQL and SQLite
alike; `version_of(obj)` gives it as a token (microseconds since 1970, a string of digits). An
edit carries the version it read — the web forms a hidden field (`VERSION_FIELD`), the API the
`If-Match` header (the `ETag` of a read) — and `claim(obj, version)`, called inside the write's
transaction before the save, checks and takes it in one statement:

    UPDATE … SET updated = now WHERE id = … AND updated = <the version read>

A concurrent writer that read the same version waits on the row lock (PostgreSQL) or the
database lock (SQLite) and then finds no row: `StaleWrite`, whose `message` names who changed
the record and when (「该记录已被 张三 于 2026-12-03 09:15 修改」, from the change log), and whose
`current` is the record as it now stands. No compare-then-save without a lock anywhere.

Why `updated` rather than a new version column: it is already on every edited model and moves on
every write path that changes a row (save(), the importers' bulk_update lists it), so no migration
touches a dozen tables and no write path must remember to bump a counter; a microsecond clock
never gives two saves of one row the same value in practice. The token is opaque to clients.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import models, transaction
from django.utils import timezone

VERSION_FIELD = "_version"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)


class StaleWrite(Exception):
    """The record changed since the edit read it. `current` is the record as stored now."""

    def __init__(self, obj, current):
        self.obj = obj
        self.current = current
        self.by, self.at = last_change(current) if current is not None else ("", None)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.current is None:
            return "该记录已被他人删除，未保存。"
        who = self.by or "他人"
        when = f"{timezone.localtime(self.at):%Y-%m-%d %H:%M}" if self.at else "刚才"
        return f"该记录已被 {who} 于 {when} 修改，您的修改未保存。"


def versioned(model_or_obj) -> bool:
    """Whether records of this model carry a version (an `updated` time)."""
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    try:
        field = model._meta.get_field("updated")
    except Exception:  # noqa: BLE001 - FieldDoesNotExist
        return False
    return isinstance(field, models.DateTimeField)


def version_of(obj) -> str:
    """The version token of a saved record ("" for an unsaved one or a model without versions).
    Tests and clients send it back as the form's `_version` or in `If-Match` (as `etag(obj)`)."""
    value = getattr(obj, "updated", None) if getattr(obj, "pk", None) is not None else None
    if not isinstance(value, datetime):
        return ""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return str((value - _EPOCH) // _TICK)


def parse_version(token) -> datetime | None:
    """A token back to the `updated` time it names; None when it is not one."""
    token = str(token or "").strip()
    if not token.isdigit() or len(token) > 20:
        return None
    try:
        return _EPOCH + int(token) * _TICK
    except OverflowError:
        return None


def etag(obj) -> str:
    """The ETag of a record's representation: its version, quoted."""
    return f'"{version_of(obj)}"'


def if_match_versions(header: str) -> list[str] | None:
    """The versions an If-Match header names ("*" → None: any version)."""
    out = []
    for part in (header or "").split(","):
        part = part.strip()
        if part == "*":
            return None
        part = part.removeprefix("W/").strip().strip('"')
        if part:
            out.append(part)
    return out


def last_change(obj) -> tuple[str, datetime | None]:
    """Who last changed a record and when, from the change log (the user's full name or account);
    the record's own `updated` time when the log has nothing (a system write)."""
    from django.contrib.contenttypes.models import ContentType

    from .models import ObjectChange

    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    change = (
        ObjectChange.objects.filter(content_type=ct, object_id=str(obj.pk))
        .select_related("user")
        .order_by("-time", "-id")
        .first()
    )
    if change is None:
        return "", getattr(obj, "updated", None)
    user = change.user
    name = (user.get_full_name() or user.username) if user is not None else change.user_name
    if not name:
        name = change.get_source_display()
    return name, change.time


def claim(obj, version) -> None:
    """Check that `obj` is still at `version` and take it, in one statement, inside the caller's
    transaction (the save that follows belongs to it). StaleWrite when another write came first
    (or the record is gone). `version` None/"" means "not known": nothing is checked."""
    if version in (None, "") or obj.pk is None or not versioned(obj):
        return
    read = parse_version(version)
    model = type(obj)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim() must run inside the write's transaction")
    now = timezone.now()
    taken = read is not None and model._base_manager.filter(pk=obj.pk, updated=read).update(updated=now)
    if not taken:
        current = model._base_manager.filter(pk=obj.pk).first()
        raise StaleWrite(obj, current)


def field_differences(form, mine, theirs) -> list[dict]:
    """The fields of a model form whose value the user sent (`mine`, the unsaved instance the
    form filled in; many-to-many values from `form.cleaned_data`) differs from the stored one
    (`theirs`): name, label, both values as shown, and both as form data (for keeping theirs)."""
    out = []
    for name, field in form.fields.items():
        if name == VERSION_FIELD or getattr(field.widget, "input_type", "") == "password":
            continue  # a secret is never shown back
        try:
            model_field = type(theirs)._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a form-only field
            continue
        if model_field.many_to_many:
            a = sorted(o.pk for o in form.cleaned_data.get(name) or [])
            b = sorted(theirs_m2m(theirs, name))
        else:
            a = model_field.value_from_object(mine)
            b = model_field.value_from_object(theirs)
        if _same(a, b):
            continue
        # A form's own choices name coded values the model field does not (项目属性, 企业类别).
        labels = (
            {}
            if hasattr(field, "queryset")
            else {str(k): v for k, v in getattr(field, "choices", None) or []}
        )
        out.append(
            {
                "name": name,
                "label": str(field.label or model_field.verbose_name),
                "mine": shown(mine, model_field, form.cleaned_data.get(name), labels),
                "theirs": shown(theirs, model_field, labels=labels),
            }
        )
    return out


def theirs_m2m(obj, name) -> list:
    return list(getattr(obj, name).values_list("pk", flat=True))


def _same(a, b) -> bool:
    if a in (None, "", [], {}) and b in (None, "", [], {}):
        return True
    return a == b


def shown(obj, field, m2m_value=None, labels=None) -> str:
    """A field's value as a clerk reads it: choice labels, related records by name, 是/否."""
    if field.many_to_many:
        items = m2m_value if m2m_value is not None else getattr(obj, field.name).all()
        return "、".join(str(o) for o in items) or "（空）"
    if field.is_relation:
        related = getattr(obj, field.name, None)
        return str(related) if related is not None else "（空）"
    value = field.value_from_object(obj)
    if field.choices and not isinstance(value, list | tuple):
        value = dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        labels = labels or {}
        return "、".join(str(labels.get(str(v), v)) for v in value) or "（空）"
    if value in (None, ""):
        return "（空）"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if timezone.is_aware(value) else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "name") and not isinstance(value, str):  # a file
        return value.name or "（空）"
    return str(value)


def form_data(form, obj, name) -> list[str]:
    """The stored value of one field as the form would post it (a list: several for a multiple
    choice, none for an unticked box). `form`: an unbound form of the model's form class."""
    bound = (form if not form.is_bound and form.instance is obj else form.__class__(instance=obj))[name]
    value = bound.value()
    widget = bound.field.widget
    multiple = getattr(widget, "allow_multiple_selected", False)
    if getattr(widget, "input_type", "") == "checkbox" and not multiple:
        return ["on"] if value else []
    if multiple or isinstance(value, list | tuple | set):
        return [str(v) for v in (value or [])]
    if value is None:
        return [""]
    formatted = widget.format_value(value)
    return ["" if formatted is None else str(formatted)]
