"""The change log: who changed what, when, and the values before and after.

Signals on every `ChangeLoggedModel` write an `ObjectChange` row inside the same transaction
as the change itself, so a rolled-back import leaves no log either. Who and through what
(web page, API, admin, import, command line) comes from a context variable that the
middleware, the importers and the commands set.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save


@dataclass(frozen=True)
class ChangeContext:
    user: object | None = None
    source: str = "system"
    request_id: uuid.UUID | None = None
    reason: str = ""
    address: str | None = None  # the client's IP address (core/middleware.py), for the audit trail


# ChangeContext is a frozen dataclass: sharing the default instance is safe.
_context: contextvars.ContextVar[ChangeContext] = contextvars.ContextVar(
    "change_context",
    default=ChangeContext(),  # noqa: B039
)


def current() -> ChangeContext:
    return _context.get()


@contextlib.contextmanager
def change_context(*, user=None, source: str, reason: str = "", address: str | None = None):
    if address is None:  # a context opened inside a request keeps the request's address
        address = current().address
    token = _context.set(
        ChangeContext(user=user, source=source, request_id=uuid.uuid4(), reason=reason, address=address)
    )
    try:
        yield
    finally:
        _context.reset(token)


_PLAIN = {str, int, bool, float}


def _jsonable(value):
    if value is None or type(value) in _PLAIN:
        return value  # most values: nothing to convert, no need to try each type below
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


# Secrets are logged as "changed", never as values; last_login changes at every login and is
# not a change to the account.
MASKED_FIELDS = {"password"}
DEFAULT_EXCLUDE = ("last_login",)
_specs: dict[type, list[tuple[str, object, bool]]] = {}


def _spec(model) -> list[tuple[str, object, bool]]:
    """(key, field, masked) per logged field of a model, worked out once."""
    spec = _specs.get(model)
    if spec is None:
        exclude = set(getattr(model, "changelog_exclude", DEFAULT_EXCLUDE))
        spec = [
            (f.attname if f.is_relation else f.name, f, f.name in MASKED_FIELDS or _digested(f))
            for f in model._meta.concrete_fields
            if f.name not in exclude
        ]
        _specs[model] = spec
    return spec


def snapshot(instance: models.Model) -> dict:
    data = {}
    for key, field, masked in _spec(type(instance)):
        data[key] = _logged(field.value_from_object(instance), masked)
    return data


def snapshot_values(model, values: dict) -> dict:
    """`snapshot()` of an instance of `model` whose fields hold `values` (by attname), for rows
    written without model instances (`core.bulk.insert_rows`)."""
    return {key: _logged(values[field.attname], masked) for key, field, masked in _spec(model)}


def _digested(field) -> str | bool:
    # An encrypted field (core/fields.py) is logged as a keyed digest while a key is set, so the
    # log does not hold in clear what the table holds encrypted.
    return "digest" if getattr(field, "encrypted", False) else False


def _logged(value, masked: bool | str):
    if masked == "digest":
        from .fields import log_digest

        return _jsonable(log_digest(value) if isinstance(value, str) else value)
    if masked:
        value = "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:12] if value else ""
    return _jsonable(value)


def _jurisdiction_path(instance) -> str:
    getter = getattr(instance, "changelog_jurisdiction_path", None)
    if getter is None:
        return ""
    try:
        return getter() or ""
    except Exception:  # noqa: BLE001 - a deleted parent must not stop the log
        return ""


def record(instance, action: str, before: dict | None, after: dict | None):
    """Log one change, linked into the audit chain (audit/chain.py) in the same transaction."""
    from django.utils import timezone

    from zhaoshang.audit import chain

    from .models import ObjectChange

    ctx = current()
    user = ctx.user._user() if hasattr(ctx.user, "_user") else ctx.user
    user = user if getattr(user, "pk", None) else None
    values = {
        "time": timezone.now(),
        "user_id": user.pk if user else None,
        "user_name": getattr(user, "username", "") if user else "",
        "source": ctx.source,
        "request_id": ctx.request_id,
        "action": action,
        "content_type_id": ContentType.objects.get_for_model(instance, for_concrete_model=True).pk,
        "object_id": str(instance.pk),
        "object_repr": str(instance)[:200],
        "jurisdiction_path": _jurisdiction_path(instance),
        "before": before,
        "after": after,
        "reason": ctx.reason,
        "address": chain.normalise_address(ctx.address),
    }
    ObjectChange.objects.create(**values)  # linked into the chain by ObjectChange.save


def record_many(instances, action: str, befores: list[dict | None] | None = None) -> None:
    """Log rows written in bulk (bulk_create / bulk_update skip the signals): one entry each,
    written in one go (COPY on PostgreSQL). `befores` holds the snapshots taken before a bulk
    update; an update that changed nothing is not logged."""
    entries = []
    for i, obj in enumerate(instances):
        before = befores[i] if befores is not None and action != "create" else None
        after = None if action == "delete" else snapshot(obj)
        if action == "update" and before == after:
            continue
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True).pk
        entries.append(
            (action, content_type, str(obj.pk), str(obj)[:200], _jurisdiction_path(obj), before, after)
        )
    if entries:
        _write_entries(entries)


def record_rows(model, rows: list[dict], describe) -> None:
    """`record_many(instances, "create")` for new rows written as values (`core.bulk.insert_rows`):
    the same entries, with the snapshots taken from the values (`snapshot_values`). `describe(row)`
    gives what the instance would: (str(instance), instance.changelog_jurisdiction_path())."""
    if not rows:
        return
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True).pk
    pk = model._meta.pk.attname

    def entries():
        for row in rows:
            text, path = describe(row)
            yield ("create", content_type, str(row[pk]), text[:200], path, None, snapshot_values(model, row))

    # A generator: on PostgreSQL each entry is copied as soon as it is made, so the database
    # stores the first ones while the next are being made.
    _write_entries(entries())


# json.dumps(value, ensure_ascii=False) without building an encoder for every value.
_JSON = json.JSONEncoder(ensure_ascii=False)


def _write_entries(entries) -> None:
    """Write log entries (action, content type id, object id, repr, jurisdiction path, before,
    after) of the current change context, each linked into the audit chain (audit/chain.py): the
    chain's end is locked once for the whole batch."""
    from django.db import connection
    from django.utils import timezone

    from zhaoshang.audit import chain

    from .models import ObjectChange

    ctx = current()
    user = ctx.user._user() if hasattr(ctx.user, "_user") else ctx.user
    user = user if getattr(user, "pk", None) else None
    user_id, user_name = (user.pk, user.username) if user else (None, "")
    address = chain.normalise_address(ctx.address)
    common = {
        "time": timezone.now(),
        "user_id": user_id,
        "user_name": user_name,
        "source": ctx.source,
        "request_id": ctx.request_id,
        "reason": ctx.reason,
        "address": address,
    }
    keys = ("action", "content_type_id", "object_id", "object_repr", "jurisdiction_path", "before", "after")

    def linked(link):
        for entry in entries:
            values = {**common, **dict(zip(keys, entry, strict=True))}
            _seq, values["hash"] = link.next(chain.CHANGE, values)
            yield values

    columns = ["seq", "hash", *common, *keys]
    with chain.appending() as link:
        if connection.vendor == "postgresql":
            table = ObjectChange._meta.db_table
            with (
                connection.cursor() as cur,
                connection.wrap_database_errors,  # psycopg's errors as Django's
                cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for values in linked(link):
                    values["before"], values["after"] = (
                        _JSON.encode(v) if v is not None else None
                        for v in (values["before"], values["after"])
                    )
                    copy.write_row([values[c] for c in columns])
            return
        ObjectChange.objects.bulk_create([ObjectChange(**values) for values in linked(link)], batch_size=2000)


def _pre_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    instance._changelog_before = None
    if instance.pk is not None and not instance._state.adding:
        old = sender._base_manager.filter(pk=instance.pk).first()
        instance._changelog_before = snapshot(old) if old is not None else None


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    before = None if created else getattr(instance, "_changelog_before", None)
    after = snapshot(instance)
    if before == after:
        return  # a save that changed nothing is not a change
    record(instance, "create" if created else "update", before, after)


def _post_delete(sender, instance, **kwargs):
    record(instance, "delete", snapshot(instance), None)


def _pre_delete(sender, instance, **kwargs):
    """Deleting a row also changes rows that point at it: SET_NULL foreign keys and
    many-to-many links are updated by Django without signals, so record them here."""
    tracked = _tracked()
    for rel in instance._meta.related_objects:
        model = rel.related_model
        if not (isinstance(model, type) and issubclass(model, tracked)):
            continue
        if rel.many_to_many:
            field = rel.field
            for obj in model._base_manager.filter(**{field.name: instance}):
                before = sorted(getattr(obj, field.name).values_list("pk", flat=True))
                record(
                    obj,
                    "update",
                    {field.name: before},
                    {field.name: [pk for pk in before if pk != instance.pk]},
                )
        elif rel.on_delete is models.SET_NULL:
            for obj in model._base_manager.filter(**{rel.field.name: instance}):
                before = snapshot(obj)
                record(obj, "update", before, {**before, rel.field.attname: None})


def _m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    from django.contrib.auth import get_user_model

    if reverse or not isinstance(instance, _tracked() | get_user_model()):
        return
    field = next((f for f in instance._meta.many_to_many if f.remote_field.through is sender), None)
    if field is None:
        return
    if action.startswith("pre_"):
        instance._changelog_m2m = sorted(getattr(instance, field.name).values_list("pk", flat=True))
        return
    before = getattr(instance, "_changelog_m2m", None)
    after = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    if before == after:
        return
    record(instance, "update", {field.name: before}, {field.name: after})


def _tracked():
    from .models import ChangeLoggedModel

    return ChangeLoggedModel


def connect():
    from django.contrib.auth import get_user_model

    from .models import ChangeLoggedModel

    for model in apps.get_models():
        if issubclass(model, ChangeLoggedModel) or model is get_user_model():
            uid = f"changelog-{model._meta.label}"
            pre_save.connect(_pre_save, sender=model, dispatch_uid=uid + "-pre")
            post_save.connect(_post_save, sender=model, dispatch_uid=uid + "-post")
            post_delete.connect(_post_delete, sender=model, dispatch_uid=uid + "-del")
            pre_delete.connect(_pre_delete, sender=model, dispatch_uid=uid + "-predel")
    m2m_changed.connect(_m2m_changed, dispatch_uid="changelog-m2m")


# --- Display ---------------------------------------------------------------------------------------
# The log keeps personal data complete (the audit needs it); it is masked when shown to a role
# that may not see it (core/privacy.py), on the change-log page and in the API alike.


def _maskers(change, user) -> dict:
    from .privacy import may_see_personal_data, personal_fields

    ct = change.content_type
    maskers = personal_fields(f"{ct.app_label}.{ct.model}")
    return maskers if maskers and not may_see_personal_data(user) else {}


def shown_values(change, user) -> tuple[dict | None, dict | None]:
    """`before` and `after` of a change as `user` may see them."""
    from .privacy import mask_values

    maskers = _maskers(change, user)
    return mask_values(change.before, maskers), mask_values(change.after, maskers)


def shown_changed_fields(change, user) -> list[tuple[str, object, object]]:
    """(field, before, after) of the fields that changed, as `user` may see them. Compared on the
    stored values, so a change that masking hides is still listed."""
    from .privacy import mask_values

    maskers = _maskers(change, user)
    if not maskers:
        return change.changed_fields()
    return [
        (k, mask_values({k: b}, maskers)[k], mask_values({k: a}, maskers)[k])
        for k, b, a in change.changed_fields()
    ]
